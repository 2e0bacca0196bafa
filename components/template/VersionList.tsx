import Form from "next/form";
import Link from "next/link";
import type { TemplateVersionSummary } from "@/lib/store/types";
import { formatDateTime, hrefWith } from "@/components/ui/format";
import { RestoreButton } from "./RestoreButton";

interface Props {
  templateId: string;
  versions: TemplateVersionSummary[];
  latest: number;
  viewing: number;
  diff?: { from: number; to: number };
}

/** Every version, newest first: view it, compare it with the one before, restore it. */
export function VersionList({ templateId, versions, latest, viewing, diff }: Props) {
  const base = `/templates/${encodeURIComponent(templateId)}`;
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  return (
    <section className="card" aria-labelledby="versions-heading" data-testid="version-list">
      <h2 id="versions-heading" className="border-b border-stone-200 px-4 py-3 text-sm font-semibold">
        Versions <span className="font-normal text-stone-500">({versions.length})</span>
      </h2>
      <ol className="divide-y divide-stone-100">
        {sorted.map((v) => {
          const current = v.version === viewing;
          return (
            <li key={v.version} className={`flex flex-col gap-1 px-4 py-2.5 ${current ? "bg-brand-50/60" : ""}`} data-testid="version-item" data-version={v.version}>
              <div className="flex items-baseline justify-between gap-2">
                <Link
                  href={v.version === latest ? base : hrefWith(base, { version: v.version })}
                  className="font-mono text-sm font-semibold text-stone-900 hover:text-brand-700 hover:underline"
                  aria-current={current ? "page" : undefined}
                  data-testid="view-version"
                >
                  v{v.version}
                  {v.version === latest ? <span className="ml-1.5 font-sans text-xs font-normal text-emerald-700">latest</span> : null}
                </Link>
                <time dateTime={v.createdAt} className="text-xs text-stone-500">
                  {formatDateTime(v.createdAt)}
                  {v.createdBy ? <span data-testid="version-author"> · {v.createdBy}</span> : null}
                </time>
              </div>
              <p className="text-sm text-stone-700">{v.message || <span className="italic text-stone-400">no message</span>}</p>
              <div className="flex flex-wrap items-center gap-3 text-xs">
                {v.version > 1 ? (
                  <Link
                    href={hrefWith(base, { version: viewing === latest ? undefined : viewing, from: v.version - 1, to: v.version })}
                    className={`text-brand-700 hover:underline ${diff?.from === v.version - 1 && diff.to === v.version ? "font-semibold" : ""}`}
                    data-testid="diff-previous"
                  >
                    Changes from v{v.version - 1}
                  </Link>
                ) : null}
                {v.version !== latest ? <RestoreButton templateId={templateId} version={v.version} className="text-brand-700 hover:underline disabled:opacity-50" /> : null}
              </div>
            </li>
          );
        })}
      </ol>
      {versions.length > 1 ? <CompareForm base={base} versions={sorted} diff={diff} latest={latest} viewing={viewing} /> : null}
    </section>
  );
}

function CompareForm({ base, versions, diff, latest, viewing }: { base: string; versions: TemplateVersionSummary[]; diff?: { from: number; to: number }; latest: number; viewing: number }) {
  const oldest = versions[versions.length - 1]?.version ?? 1;
  return (
    <Form action={base} className="flex flex-wrap items-end gap-2 border-t border-stone-200 px-4 py-3" data-testid="compare-form">
      {viewing !== latest ? <input type="hidden" name="version" value={viewing} /> : null}
      <VersionSelect name="from" label="Compare" versions={versions} defaultValue={diff?.from ?? oldest} />
      <VersionSelect name="to" label="with" versions={versions} defaultValue={diff?.to ?? latest} />
      <button type="submit" className="btn" data-testid="diff-submit">
        Show diff
      </button>
    </Form>
  );
}

function VersionSelect({ name, label, versions, defaultValue }: { name: "from" | "to"; label: string; versions: TemplateVersionSummary[]; defaultValue: number }) {
  const id = `diff-${name}`;
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      <select id={id} name={name} defaultValue={defaultValue} className="input w-20" data-testid={id}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
          </option>
        ))}
      </select>
    </div>
  );
}
