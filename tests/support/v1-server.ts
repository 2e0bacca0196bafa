/**
 * A second Flamingo Studio server for tests: our real /v1 route handlers (OpenAI-compatible, the
 * bundled model) served over node:http, so remote-engine code can talk to a real engine.
 *
 * As a script (its own SQLite database from DATABASE_URL, else a temporary one; migrated first):
 *   DATABASE_URL=file:/tmp/v1.db npx tsx --conditions=react-server tests/support/v1-server.ts --port 0
 * prints `listening <port>` once it accepts requests. Routes: POST /v1/chat/completions
 * (app/v1/chat/completions/route.ts), GET /v1/models (app/v1/models/route.ts); anything else 404.
 * Request bodies and answers stream both ways; a client that goes away aborts the handler's request.
 *
 * From a test: `const v1 = await startV1Server(); ... v1.baseUrl (…/v1) ...; await v1.stop();`
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface V1Server {
  /** http://127.0.0.1:<port>/v1 */
  baseUrl: string;
  origin: string;
  port: number;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartV1Options {
  /** Extra environment (DATABASE_URL defaults to a fresh SQLite file, removed on stop). */
  env?: Record<string, string>;
  /** Safety bound on the wait for `listening <port>` (default 120 s). */
  readyTimeoutMs?: number;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const SCRIPT = path.join(HERE, "v1-server.ts");
const TSX_CLI = path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");

/** Spawns the server (tsx, react-server condition) and resolves once it printed `listening <port>`. */
export async function startV1Server(opts: StartV1Options = {}): Promise<V1Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flamingo-v1-"));
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: `file:${path.join(dir, "v1.db")}`, ...opts.env };
  const child: ChildProcess = spawn(process.execPath, [TSX_CLI, "--conditions=react-server", SCRIPT, "--port", "0"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const cleanup = () => {
    process.removeListener("exit", killOnExit);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`v1-server did not print "listening <port>" within ${opts.readyTimeoutMs ?? 120_000} ms:\n${out.slice(-4000)}`));
    }, opts.readyTimeoutMs ?? 120_000);
    let line = "";
    child.stdout?.on("data", (c: Buffer) => {
      const s = c.toString("utf8");
      out += s;
      line += s;
      const m = /^listening (\d+)$/m.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr?.on("data", (c: Buffer) => {
      out += c.toString("utf8");
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`v1-server exited (${code}) before listening:\n${out.slice(-4000)}`));
    });
  }).catch((e: unknown) => {
    cleanup();
    throw e;
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    baseUrl: `${origin}/v1`,
    origin,
    port,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      cleanup();
    },
  };
}

type Handler = (request: Request) => Promise<Response> | Response;

function toHeaders(h: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || k.startsWith(":")) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.append(k, x);
  }
  return out;
}

async function serve(port: number): Promise<void> {
  let tempDir: string | undefined;
  if (!process.env.DATABASE_URL) {
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "flamingo-v1-"));
    process.env.DATABASE_URL = `file:${path.join(tempDir, "v1.db")}`;
  }
  const { migrate } = await import("@/lib/store/migrate");
  await migrate();
  const chat = (await import("@/app/v1/chat/completions/route")) as { POST: Handler };
  const models = (await import("@/app/v1/models/route")) as { GET: Handler };
  const routes: Record<string, Handler> = { "POST /v1/chat/completions": chat.POST, "GET /v1/models": models.GET };

  const server = http.createServer((req, res) => {
    void (async () => {
      const ctl = new AbortController();
      res.once("close", () => {
        if (!res.writableFinished) ctl.abort();
      });
      const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
      const method = req.method ?? "GET";
      const route = routes[`${method} ${url.pathname.replace(/\/+$/, "")}`];
      if (!route) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `No route for ${method} ${url.pathname}`, type: "invalid_request_error", code: "not_found" } }));
        return;
      }
      const hasBody = method !== "GET" && method !== "HEAD";
      const request = new Request(url, {
        method,
        headers: toHeaders(req.headers),
        signal: ctl.signal,
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
      } as RequestInit);
      const response = await route(request);
      const headers: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        headers[k] = v;
      });
      res.writeHead(response.status, headers);
      if (!response.body) {
        res.end();
        return;
      }
      res.flushHeaders();
      const reader = response.body.getReader();
      res.once("close", () => void reader.cancel().catch(() => undefined));
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        if (!res.write(r.value)) await new Promise<void>((resolve) => res.once("drain", () => resolve()));
      }
      res.end();
    })().catch((e: unknown) => {
      console.error(e);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "v1-server failed", type: "server_error" } }));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  console.log(`listening ${(server.address() as AddressInfo).port}`);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const i = process.argv.indexOf("--port");
  const port = i >= 0 ? Number(process.argv[i + 1]) : 0;
  serve(Number.isInteger(port) && port >= 0 ? port : 0).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
