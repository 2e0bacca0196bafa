import "server-only";
import { ZodError, type ZodType, type z } from "zod";
import { AppError, retryAfterHeaders } from "@/lib/errors";
import { refuseRequest } from "@/lib/http/origin";

/** JSON bodies larger than this are refused before parsing (413). Library imports embed images. */
export const DEFAULT_JSON_LIMIT_BYTES = 2 * 1024 * 1024;

export function json(data: unknown, init: ResponseInit = {}): Response {
  return Response.json(data, init);
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return Response.json(error.toJSON(), { status: error.status, headers: errorHeaders(error) });
  if (error instanceof ZodError) return errorResponse(fromZod(error, "request"));
  // Unknown failures keep their details in the server log, never in the response.
  console.error(error);
  return Response.json({ error: { code: "internal", message: "Something went wrong on the server; the request was not applied." } }, { status: 500 });
}

export function fromZod(error: ZodError, what: string): AppError {
  const details = error.issues.map((i) => ({
    path: i.path.filter((p): p is string | number => typeof p !== "symbol"),
    message: i.message,
  }));
  const first = details[0];
  const where = first && first.path.length > 0 ? `${first.path.join(".")}: ` : "";
  return new AppError("validation_failed", `Invalid ${what}: ${where}${first?.message ?? "malformed"}`, { details });
}

/**
 * A refused body may still be arriving (a declared size over the limit, or a stream cut at the limit):
 * close the connection after the answer instead of keeping it alive, so the rest is never read.
 */
/** Retry-After on a 429 (a full queue says when to come back); Connection: close on a 413 (the rest of the upload is never read). */
function errorHeaders(error: AppError): HeadersInit | undefined {
  const h: Record<string, string> = { ...retryAfterHeaders(error) };
  if (error.code === "payload_too_large") h.connection = "close";
  return Object.keys(h).length > 0 ? h : undefined;
}

/**
 * Wrap a route handler: the request checks of lib/http/origin.ts run first (Host allow-list, cross-site
 * writes), and every thrown error becomes a JSON error response. Every app/api route goes through here.
 */
export function route<A extends unknown[]>(handler: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args: A) => {
    try {
      const refusal = isRequest(args[0]) ? refuseRequest(args[0]) : null;
      if (refusal) return errorResponse(refusal);
      return await handler(...args);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** Next always passes the request first; a handler called without one (a test) has nothing to check. */
function isRequest(value: unknown): value is Request {
  return typeof value === "object" && value !== null && typeof (value as Request).url === "string" && typeof (value as Request).headers?.get === "function";
}

/**
 * The same request checks for handlers that answer errors in their own shape (/v1 speaks OpenAI's
 * `{ error: { message, type, code, param } }`); the handler keeps its own error handling.
 */
export function guard<A extends unknown[]>(
  handler: (...args: A) => Promise<Response>,
  refused: (error: AppError) => Response,
): (...args: A) => Promise<Response> {
  return async (...args: A) => {
    let refusal: AppError | null;
    try {
      refusal = isRequest(args[0]) ? refuseRequest(args[0]) : null;
    } catch (error) {
      return errorResponse(error);
    }
    if (refusal) return refused(refusal);
    const response = await handler(...args);
    // The handler's own 413 (a body cut at its limit) must close the connection too (errorHeaders).
    if (response.status === 413 && !response.headers.has("connection")) {
      try {
        response.headers.set("connection", "close");
      } catch {
        // immutable headers: keep-alive then, the answer is still right
      }
    }
    return response;
  };
}

/** An AppError in the OpenAI error shape (the /v1 routes). */
export function openAiErrorResponse(error: AppError): Response {
  const type = error.status >= 500 ? "server_error" : "invalid_request_error";
  return Response.json({ error: { message: error.message, type, code: error.code, param: null } }, { status: error.status, headers: errorHeaders(error) });
}

/**
 * JSON bodies must say so: `application/json` or an `application/*+json` type, any parameters. Form
 * encodings and text/plain are what cross-site HTML forms and no-cors fetches can send without a
 * preflight, so a body labelled as one of those is never read as JSON.
 */
export function isJsonContentType(contentType: string | null): boolean {
  const essence = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return essence === "application/json" || /^application\/[a-z0-9][a-z0-9!#$&^_.+-]*\+json$/.test(essence);
}

function notJson(contentType: string | null): AppError {
  return new AppError(
    "unsupported_media_type",
    `Send the body as application/json (header Content-Type: application/json); this request sent ${contentType ? `"${contentType}"` : "no Content-Type"}.`,
  );
}

/**
 * Read a JSON body with a size cap, then validate it. The body must be labelled as JSON (415
 * otherwise); with `emptyAsObject`, an empty body without a Content-Type counts as `{}`.
 */
export async function readJson<S extends ZodType>(
  request: Request,
  schema: S,
  limitBytes = DEFAULT_JSON_LIMIT_BYTES,
  options: { emptyAsObject?: boolean } = {},
): Promise<z.output<S>> {
  const contentType = request.headers.get("content-type");
  const labelled = isJsonContentType(contentType);
  if (!labelled && (contentType !== null || !options.emptyAsObject)) throw notJson(contentType);
  const raw = await readBodyLimited(request, limitBytes);
  if (!labelled && raw.byteLength > 0) throw notJson(contentType);
  let parsed: unknown;
  try {
    parsed = raw.byteLength === 0 && options.emptyAsObject ? {} : JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new AppError("bad_request", "The request body is not valid JSON.");
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw fromZod(result.error, "request body");
  return result.data;
}

/**
 * The raw body, refusing (413) anything over `limitBytes`: a declared Content-Length over the limit
 * before reading a byte, and a body without one (chunked) by counting while it streams and stopping at
 * the limit, never buffering more than `limitBytes` plus one chunk. Every body reader goes through here.
 */
export async function readBodyLimited(request: Request, limitBytes: number, tooLargeMessage?: string): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes, tooLargeMessage);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      // Stop pulling: nothing more is read. The 413 goes out with `Connection: close` (errorHeaders).
      void reader.cancel().catch(() => undefined);
      throw tooLarge(limitBytes, tooLargeMessage);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/**
 * A multipart/form-data body, read through readBodyLimited and only then parsed: `request.formData()`
 * buffers the whole upload, however large, before anything can look at its size.
 */
export async function readFormLimited(request: Request, limitBytes: number, tooLargeMessage?: string): Promise<FormData> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
    throw new AppError("unsupported_media_type", "Send the upload as multipart/form-data.");
  }
  const raw = await readBodyLimited(request, limitBytes, tooLargeMessage);
  try {
    return await new Response(raw, { headers: { "content-type": contentType } }).formData();
  } catch (cause) {
    throw new AppError("bad_request", "The upload is not valid multipart form data.", { cause });
  }
}

function tooLarge(limitBytes: number, message?: string): AppError {
  return new AppError("payload_too_large", message ?? `The request body is larger than ${(limitBytes / 1024 / 1024).toFixed(1)} MB.`);
}

/** Validate route params / query strings. */
export function parseWith<S extends ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, what);
  return result.data;
}
