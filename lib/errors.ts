/**
 * Typed application errors. Route handlers turn them into JSON responses with
 * the matching status; anything else is a 500 whose details stay in the log.
 */
export type ErrorCode =
  | "bad_request"
  /** A remote engine refused the credentials (its 401 / 403, passed on: this app has no logins). */
  | "unauthorized"
  | "forbidden"
  /** The request named a Host this deployment does not answer to (STUDIO_ALLOWED_HOSTS): 421. */
  | "misdirected_request"
  | "validation_failed"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unprocessable"
  | "too_many_requests"
  | "internal"
  | "unavailable"
  /** A remote engine failed (its 5xx, a dropped connection, an answer we cannot read). */
  | "upstream_error"
  /** A remote engine did not answer in time. */
  | "upstream_timeout";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  misdirected_request: 421,
  validation_failed: 400,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  internal: 500,
  unavailable: 503,
  upstream_error: 502,
  upstream_timeout: 504,
};

export interface ErrorDetail {
  /** JSON path of the offending field, when there is one. */
  path?: (string | number)[];
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { details?: ErrorDetail[]; cause?: unknown; retryAfter?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.details = options.details;
    if (options.retryAfter !== undefined) this.retryAfter = Math.max(1, Math.ceil(options.retryAfter));
  }
  readonly details: ErrorDetail[] | undefined;
  /**
   * Seconds after which the same request may succeed (a full queue: 429). Responses carry it as a
   * `Retry-After` header (retryAfterHeaders below).
   */
  readonly retryAfter: number | undefined;

  get status(): number {
    return STATUS[this.code];
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** `{ "retry-after": "<seconds>" }` for an AppError that has `retryAfter`, else `{}` (spread into response headers). */
export function retryAfterHeaders(error: unknown): Record<string, string> {
  return error instanceof AppError && error.retryAfter !== undefined ? { "retry-after": String(error.retryAfter) } : {};
}

export const notFound = (what: string, id: string) => new AppError("not_found", `${what} "${id}" was not found`);
export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
