import { ApiError } from "@/lib/api-client";

/** A form-level error: the server's message and, when given, each field path it names. */
export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 wrap-anywhere" data-testid="error-notice">
      {title ? <p className="font-medium">{title}</p> : null}
      <p>{message}</p>
      {details.length > 0 ? (
        <ul className="mt-1 list-disc pl-5 text-xs">
          {details.map((d, i) => (
            <li key={i}>
              {d.path && d.path.length > 0 ? <code className="font-mono">{d.path.join(".")}</code> : null}
              {d.path && d.path.length > 0 ? ": " : null}
              {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
