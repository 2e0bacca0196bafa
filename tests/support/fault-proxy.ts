/**
 * A programmable reverse proxy for tests of remote engines: node:http on 127.0.0.1 (random port)
 * in front of a loopback target (e.g. tests/support/v1-server.ts), injecting faults per request.
 *
 *   const proxy = await startFaultProxy({ target: "http://127.0.0.1:4321" });
 *   proxy.push({ status: 429, retryAfter: 1 }, null);   // 1st request: 429; 2nd: forwarded
 *   proxy.plan((req) => (req.path.endsWith("/models") ? { status: 503 } : null));
 *   // client base URL: `${proxy.url}/v1` (paths are forwarded as they are)
 *   proxy.requests[0].receivedAt / .respondedAt   // performance.now() of this process
 *   await proxy.close();
 *
 * Faults (combine freely): `status` answers without forwarding (with `body`, default an
 * OpenAI-style error, `retryAfter` and `headers`); `delayMs` waits before forwarding or answering;
 * `resetAfterBytes` forwards, then destroys the socket after that many bytes of the answer's body;
 * `stripLogprobs` forwards and removes `prompt_logprobs` and `logprobs` from a JSON answer (so
 * ranking falls back). Queued faults are used one per request, in order (null: forward as is);
 * once the queue is empty the plan function (if any) decides.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Fault {
  status?: number;
  /** A JSON value, or a string sent as it is. */
  body?: unknown;
  /** Retry-After header: seconds or an HTTP date. */
  retryAfter?: number | string;
  headers?: Record<string, string>;
  delayMs?: number;
  resetAfterBytes?: number;
  stripLogprobs?: boolean;
}

export interface SeenRequest {
  /** 0-based, over the proxy's life. */
  index: number;
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
  fault: Fault | null;
  /** performance.now() when the request was read, and when its answer ended (or was cut). */
  receivedAt: number;
  respondedAt?: number;
  /** The status sent (undefined: none was, e.g. the client went away first). */
  status?: number;
}

export type FaultPlan = (req: SeenRequest) => Fault | null | undefined;

export interface FaultProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The requests seen (the last `maxRecorded`), oldest first. */
  readonly requests: SeenRequest[];
  /** Requests seen in all (optionally only those whose path contains `pathPart`). */
  count(pathPart?: string): number;
  /** Queue faults for the next requests, one each (null: forward unchanged). */
  push(...faults: (Fault | null)[]): void;
  /** Decides for requests when the queue is empty (null: forward everything). */
  plan(fn: FaultPlan | null): void;
  /** Forget queued faults, the plan and the recorded requests (the total count restarts). */
  reset(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The loopback origin to forward to (none: requests without a `status` fault get a 502). */
  target?: string;
  /** Largest request body accepted (default 32 MiB; larger: 413). */
  maxBodyBytes?: number;
  /** Requests kept in `requests` (default 1000). */
  maxRecorded?: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

function errorBody(status: number): unknown {
  const message =
    status === 401 ? "Invalid API key (fault proxy)" : status === 429 ? "Too many requests (fault proxy)" : status >= 500 ? `Service unavailable (fault proxy ${status})` : `Request refused (fault proxy ${status})`;
  return { error: { message, type: status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error", code: status } };
}

function stripLogprobs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripLogprobs);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== "prompt_logprobs" && k !== "logprobs") out[k] = stripLogprobs(x);
    return out;
  }
  return v;
}

const sleep = (ms: number, until: Promise<void>) => Promise.race([new Promise<void>((r) => setTimeout(r, ms)), until]);

export async function startFaultProxy(opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = opts.target ? new URL(opts.target) : undefined;
  if (target && !LOOPBACK.has(target.hostname)) throw new Error(`The fault proxy forwards to loopback only, not ${target.hostname}`);
  const maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const maxRecorded = opts.maxRecorded ?? 1000;
  const queue: (Fault | null)[] = [];
  let planFn: FaultPlan | null = null;
  const requests: SeenRequest[] = [];
  let total = 0;
  const counts = new Map<string, number>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (c: Buffer) => {
      size += c.byteLength;
      if (size > maxBody) {
        if (!refused) {
          refused = true;
          res.writeHead(413, { "content-type": "application/json", connection: "close" }).end(JSON.stringify(errorBody(413)));
        }
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (refused) return;
      void handle(req, res, Buffer.concat(chunks)).catch(() => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify(errorBody(502)));
        else res.destroy();
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const text = body.toString("utf8");
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const seen: SeenRequest = { index: total++, method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body: text, json, fault: null, receivedAt: performance.now() };
    counts.set(seen.path, (counts.get(seen.path) ?? 0) + 1);
    requests.push(seen);
    if (requests.length > maxRecorded) requests.shift();
    const fault = queue.length > 0 ? (queue.shift() ?? null) : (planFn?.(seen) ?? null);
    seen.fault = fault;
    const gone = new Promise<void>((r) => res.once("close", () => r()));
    res.once("close", () => {
      seen.respondedAt ??= performance.now();
    });
    if (fault?.delayMs) {
      await sleep(fault.delayMs, gone);
      if (res.destroyed || res.writableEnded) return;
    }
    if (fault?.status !== undefined) {
      const b = fault.body === undefined ? errorBody(fault.status) : fault.body;
      const payload = typeof b === "string" ? b : JSON.stringify(b);
      const headers: Record<string, string> = { "content-type": typeof b === "string" ? "text/plain; charset=utf-8" : "application/json", ...fault.headers };
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      seen.status = fault.status;
      res.writeHead(fault.status, headers);
      res.end(payload, () => {
        seen.respondedAt = performance.now();
      });
      return;
    }
    if (!target) {
      seen.status = 502;
      res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify(errorBody(502)));
      return;
    }
    await forward(req, res, body, seen, fault);
  }

  function forward(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, seen: SeenRequest, fault: Fault | null): Promise<void> {
    const t = target as URL;
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: t.host };
      delete headers["content-length"];
      delete headers["transfer-encoding"];
      const up = http.request(
        { protocol: t.protocol, hostname: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...headers, "content-length": String(body.byteLength) } },
        (upRes) => {
          const status = upRes.statusCode ?? 502;
          const type = String(upRes.headers["content-type"] ?? "");
          if (fault?.stripLogprobs && type.includes("json")) {
            const parts: Buffer[] = [];
            upRes.on("data", (c: Buffer) => parts.push(c));
            upRes.on("end", () => {
              let out = Buffer.concat(parts);
              try {
                out = Buffer.from(JSON.stringify(stripLogprobs(JSON.parse(out.toString("utf8")))));
              } catch {
                // not JSON after all: as it is
              }
              const h = { ...upRes.headers, "content-length": String(out.byteLength) };
              delete h["transfer-encoding"];
              seen.status = status;
              res.writeHead(status, h);
              res.end(out, () => resolve());
            });
            upRes.on("error", reject);
            return;
          }
          seen.status = status;
          res.writeHead(status, upRes.headers);
          res.flushHeaders();
          let sent = 0;
          const cut = fault?.resetAfterBytes;
          upRes.on("data", (c: Buffer) => {
            if (cut === undefined) {
              res.write(c);
              return;
            }
            if (sent >= cut) return;
            const piece = c.subarray(0, Math.max(0, cut - sent));
            sent += piece.byteLength;
            if (sent < cut) {
              res.write(piece);
              return;
            }
            // The cut point: send what fits, then drop the connection mid-answer.
            res.write(piece, () => {
              seen.respondedAt = performance.now();
              res.socket?.destroy();
              upRes.destroy();
              resolve();
            });
          });
          upRes.on("end", () => {
            if (cut !== undefined && sent >= cut) return;
            res.end(() => resolve());
          });
          upRes.on("error", reject);
        },
      );
      res.once("close", () => {
        if (!res.writableFinished) up.destroy();
        resolve();
      });
      up.on("error", reject);
      up.end(body);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    count: (pathPart) => (pathPart === undefined ? total : [...counts].reduce((n, [p, c]) => (p.includes(pathPart) ? n + c : n), 0)),
    push: (...faults) => void queue.push(...faults),
    plan: (fn) => {
      planFn = fn;
    },
    reset: () => {
      queue.length = 0;
      planFn = null;
      requests.length = 0;
      counts.clear();
      total = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
