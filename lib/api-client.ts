/**
 * Client-side calls to our JSON route handlers. Errors come back as
 * `{ error: { code, message, details? } }`; they are thrown as ApiError so
 * forms can show the server's own words and the field paths it names.
 * Browser-side and React-free: components and lib/backends/browser share it.
 */
export interface ApiErrorDetail {
  path?: (string | number)[];
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetail[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: ErrorBody | null = null;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // Not JSON (a proxy error page, say): fall back to the status text.
  }
  const e = body?.error;
  const message = typeof e?.message === "string" ? e.message : `Request failed (${res.status} ${res.statusText || "error"})`;
  const details = Array.isArray(e?.details) ? (e.details as ApiErrorDetail[]) : [];
  return new ApiError(res.status, typeof e?.code === "string" ? e.code : "error", message, details);
}

export async function apiFetch<T>(url: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, "network", "Could not reach the server. Check that Flamingo Studio is still running.");
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function postJson<T>(url: string, body: unknown, method = "POST"): Promise<T> {
  return apiFetch<T>(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
