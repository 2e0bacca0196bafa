/**
 * kill -9 in the middle of a sweep: this spec runs its own `next start` (the existing build; NEXT_DIST_DIR
 * is honoured by next.config) on a free port with a fresh SQLite database under .tmp/, starts a server-backend
 * sweep of the example novel-label classification template over the seeded "Novel emoji (2-way)" dataset
 * (created through the dataset API when the examples lack it) on two engines — the bundled model and the
 * second server playwright.config.ts starts, registered as a remote OpenAI-compatible engine — SIGKILLs the
 * server's whole process group once some cells are stored, restarts it on the same database, and checks
 * that the sweep finishes with every cell stored before the kill kept unchanged and no cell stored twice.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import { expect, test } from "@playwright/test";
import type { SweepCellResult, SweepDetail } from "@/lib/sweeps/types";
import { freshBaseURL } from "./support";

test.describe.configure({ mode: "serial" });
test.setTimeout(420_000);

const ROOT = process.cwd();
const RUN = `${Date.now()}-${process.pid}`;
const DB_FILE = path.join(ROOT, ".tmp", `e2e-sweep-resume-${RUN}.db`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Server {
  child: ChildProcess;
  base: string;
  log: string[];
}

/** `next start` in its own process group (so kill -9 reaches every process it forks). */
async function startServer(): Promise<Server> {
  const port = await freePort();
  const log: string[] = [];
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "next", "dist", "bin", "next"), "start", "-p", String(port)], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: `file:${DB_FILE}`, NEXT_TELEMETRY_DISABLED: "1", PORT: String(port) },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => log.push(d.toString()));
  child.stderr?.on("data", (d: Buffer) => log.push(d.toString()));
  const base = `http://localhost:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`next start exited (${child.exitCode}):\n${log.join("")}`);
    const ok = await fetch(`${base}/api/health`).then((r) => r.ok, () => false);
    if (ok) return { child, base, log };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`next start did not answer on ${base}:\n${log.join("")}`);
}

function killGroup(s: Server, signal: NodeJS.Signals): void {
  if (s.child.pid && s.child.exitCode === null) {
    try {
      process.kill(-s.child.pid, signal);
    } catch {
      // already gone
    }
  }
}

async function api<T>(s: Server, url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${s.base}${url}`, init);
  const body = (await res.json()) as T & { error?: { message: string } };
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: ${res.status} ${body.error?.message ?? ""}`);
  return body;
}

/** The seeded example dataset, or the same data imported through the dataset API. */
async function emojiDataset(s: Server): Promise<string> {
  const { datasets } = await api<{ datasets: { id: string; name: string }[] }>(s, "/api/datasets");
  const seeded = datasets.find((d) => d.name === "Novel emoji (2-way)");
  if (seeded) return seeded.id;
  const dir = path.join(ROOT, "lib", "examples", "datasets", "novel-emoji-2way");
  const form = new FormData();
  form.append("name", "Novel emoji (2-way), e2e");
  form.append("evalCount", "32");
  const files = ["data.jsonl", ...readdirSync(path.join(dir, "images")).map((f) => `images/${f}`)];
  for (const f of files) {
    form.append("file", new Blob([readFileSync(path.join(dir, f))]), path.basename(f));
    form.append("path", f);
  }
  return (await api<{ dataset: { id: string } }>(s, "/api/datasets", { method: "POST", body: form })).dataset.id;
}

/** Rows as they are on disk (the server is dead while this runs). */
function storedRows(sweepId: string): { id: string; key: string; output: string }[] {
  const db = new Database(DB_FILE, { readonly: true, timeout: 10_000 });
  try {
    const rows = db.prepare(`SELECT id, engine, itemId, shots, seed, selection, output FROM SweepResult WHERE sweepId = ?`).all(sweepId) as { id: string; engine: string; itemId: string; shots: number; seed: number; selection: string; output: string }[];
    return rows.map((r) => ({ id: r.id, key: `${r.engine}|${r.itemId}|${r.shots}|${r.seed}|${r.selection}`, output: r.output }));
  } finally {
    db.close();
  }
}

test("a sweep survives kill -9 of the server: every stored cell kept, finished, no duplicates", async () => {
  mkdirSync(path.dirname(DB_FILE), { recursive: true });
  let server = await startServer();
  try {
    const datasetId = await emojiDataset(server);
    const { templates } = await api<{ templates: { id: string; name: string; libraryName: string }[] }>(server, "/api/templates?search=novel%20words");
    const template = templates.find((t) => t.libraryName === "Examples") ?? templates[0];
    expect(template, "the example novel-label classification template").toBeTruthy();
    const { engine } = await api<{ engine: { id: string } }>(server, "/api/engines", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "The other studio", baseUrl: `${freshBaseURL}/v1`, model: "flamingo-mini", promptStyle: "turns", maxConcurrency: 4 }),
    });
    const { sweep } = await api<{ sweep: SweepDetail }>(server, "/api/sweeps", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "kill -9", templateId: template!.id, datasetId, shots: [0, 1, 2, 4, 8], seeds: 2, selections: ["random", "rices"], queries: 12, engines: ["flamingo-mini", engine.id] }),
    });
    expect(sweep.config.engines).toEqual(["flamingo-mini", engine.id]);
    expect(sweep.status).toBe("queued");

    // Kill as soon as some (not all) cells are stored.
    let seen = sweep;
    for (let i = 0; i < 1200; i++) {
      seen = (await api<{ sweep: SweepDetail }>(server, `/api/sweeps/${sweep.id}`)).sweep;
      if (seen.doneCells >= 20 || (seen.status !== "queued" && seen.status !== "running")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.status, "still running when killed").toBe("running");
    expect(seen.doneCells).toBeLessThan(seen.totalCells);
    expect(seen.etaSeconds, "an ETA while running").not.toBeNull();
    killGroup(server, "SIGKILL");
    await new Promise<void>((resolve) => (server.child.exitCode !== null || server.child.signalCode !== null ? resolve() : server.child.once("exit", () => resolve())));
    const before = storedRows(sweep.id);
    expect(before.length).toBeGreaterThanOrEqual(20);
    expect(before.length).toBeLessThan(sweep.totalCells);

    server = await startServer();
    let final = seen;
    for (let i = 0; i < 3000 && final.status !== "done"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      final = (await api<{ sweep: SweepDetail }>(server, `/api/sweeps/${sweep.id}`)).sweep;
      expect(["running", "done"]).toContain(final.status);
    }
    expect(final.status).toBe("done");
    expect(final.doneCells).toBe(final.totalCells);
    expect(server.log.join("")).toMatch(/resuming sweep/);

    const { results } = await api<{ results: SweepCellResult[] }>(server, `/api/sweeps/${sweep.id}/results`);
    const keys = results.map((r) => `${r.engine}|${r.itemId}|${r.shots}|${r.seed}|${r.selection}`);
    expect(results).toHaveLength(final.totalCells);
    expect(new Set(keys).size).toBe(final.totalCells);
    expect(results.filter((r) => r.error !== null)).toEqual([]);
    expect(new Set(results.map((r) => r.engine))).toEqual(new Set(["flamingo-mini", engine.id]));
    console.log(`sweep-resume: ${before.length} of ${final.totalCells} cells stored when the server was killed; all kept, the rest run after the restart`);
    const byKey = new Map(results.map((r, i) => [keys[i], r]));
    for (const row of before) {
      expect(byKey.get(row.key)?.id, `cell ${row.key} kept`).toBe(row.id);
      expect(byKey.get(row.key)?.output).toBe(row.output);
    }
  } finally {
    killGroup(server, "SIGTERM");
  }
});
