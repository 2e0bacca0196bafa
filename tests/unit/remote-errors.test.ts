import { describe, expect, it } from "vitest";
import { connectionError, engineMessageOf, httpError, parseRetryAfter, redactDeep, redactor, UpstreamError } from "@/lib/backends/remote/errors";

describe("engineMessageOf", () => {
  it("reads every error shape engines send", () => {
    expect(engineMessageOf('{"error":{"message":"At most 1 image(s) may be provided in one prompt.","type":"BadRequestError","code":400}}')).toBe("At most 1 image(s) may be provided in one prompt.");
    expect(engineMessageOf('{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","code":404}')).toBe("The model `x` does not exist.");
    expect(engineMessageOf('{"error":"Model is overloaded","error_type":"overloaded"}')).toBe("Model is overloaded");
    expect(engineMessageOf('{"detail":[{"loc":["body","messages",0],"msg":"field required","type":"value_error"}]}')).toBe("messages.0: field required");
    expect(engineMessageOf("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")).toBe("502 Bad Gateway");
    expect(engineMessageOf("plain words")).toBe("plain words");
    expect(engineMessageOf("")).toBe("(no message)");
    expect(engineMessageOf("x".repeat(2000)).length).toBeLessThan(700);
  });
});

describe("httpError", () => {
  const at = (status: number, body = '{"error":{"message":"their words"}}', retryAfter?: string) => httpError({ engine: "gpu-1", status, bodyText: body, ...(retryAfter ? { retryAfter } : {}), now: Date.parse("2026-01-01T00:00:00Z") });

  it("maps statuses to our codes with the engine's words", () => {
    const e401 = at(401);
    expect(e401).toBeInstanceOf(UpstreamError);
    expect(e401.code).toBe("unauthorized");
    expect(e401.status).toBe(401);
    expect(e401.message).toBe("The engine gpu-1 refused the credentials (401): their words");
    expect(at(403).code).toBe("forbidden");
    expect(at(404).status).toBe(404);
    expect(at(400).code).toBe("bad_request");
    expect(at(413).code).toBe("payload_too_large");
    expect(at(422).code).toBe("unprocessable");
    expect(at(500).status).toBe(502);
    expect(at(500).transient).toBe(false);
    for (const s of [502, 503]) expect(at(s)).toMatchObject({ status: 502, transient: true, upstreamStatus: s });
    expect(at(504)).toMatchObject({ status: 504, code: "upstream_timeout", transient: true });
    expect(at(400).transient).toBe(false);
  });

  it("keeps Retry-After on a 429 (seconds or HTTP date)", () => {
    expect(at(429, "{}", "3")).toMatchObject({ code: "too_many_requests", transient: true, retryAfterMs: 3000 });
    expect(at(429, "{}", "Thu, 01 Jan 2026 00:00:05 GMT").retryAfterMs).toBe(5000);
    expect(at(429, "{}").retryAfterMs).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and dates, ignores junk, never negative", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("redaction", () => {
  it("replaces secrets anywhere, leaves short values alone", () => {
    const r = redactor(["sk-secret-123", "true", null]);
    expect(r("Incorrect API key provided: sk-secret-123.")).toBe("Incorrect API key provided: [redacted].");
    expect(r("true")).toBe("true");
    expect(redactDeep({ a: ["sk-secret-123"], b: 1 }, r)).toEqual({ a: ["[redacted]"], b: 1 });
  });
});

describe("connectionError", () => {
  it("names the cause and marks resets transient", () => {
    const e = connectionError("gpu-1", "http://10.0.0.1:8000", Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) }));
    expect(e.message).toBe("Could not reach the engine gpu-1 at http://10.0.0.1:8000: read ECONNRESET");
    expect(e.transient).toBe(true);
    expect(e.status).toBe(502);
    const bad = connectionError("gpu-1", "x", new TypeError("fetch failed", { cause: new Error("invalid url") }));
    expect(bad.transient).toBe(false);
  });
});
