import "server-only";
import { ZodError, type ZodType, type z } from "zod";
import { AppError } from "@/lib/errors";

/** JSON bodies larger than this are refused before parsing (413). Library imports embed images. */
export const DEFAULT_JSON_LIMIT_BYTES = 2 * 1024 * 1024;

export function json(data: unknown, init: ResponseInit = {}): Response {
  return Response.json(data, init);
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return Response.json(error.toJSON(), { status: error.status });
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

/** Wrap a route handler so every thrown error becomes a JSON error response. */
export function route<A extends unknown[]>(handler: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** Read a JSON body with a size cap, then validate it. */
export async function readJson<S extends ZodType>(
  request: Request,
  schema: S,
  limitBytes = DEFAULT_JSON_LIMIT_BYTES,
  options: { emptyAsObject?: boolean } = {},
): Promise<z.output<S>> {
  const raw = await readBodyLimited(request, limitBytes);
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

/** The raw body, refusing (413) anything over `limitBytes` without buffering it all. */
export async function readBodyLimited(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel();
      throw tooLarge(limitBytes);
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

function tooLarge(limitBytes: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${(limitBytes / 1024 / 1024).toFixed(1)} MB.`);
}

/** Validate route params / query strings. */
export function parseWith<S extends ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(result.error, what);
  return result.data;
}
