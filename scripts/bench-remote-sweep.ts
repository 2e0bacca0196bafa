/**
 * A sweep against a remote engine (figures, not a test):
 *
 *   nice npm run bench:remote                         # 448 cells, generate (maxTokens 3), 50 ms latency
 *   nice npm run bench:remote -- --mode rank --json
 *
 * The remote engine is real: a second Flamingo Studio process serving our /v1 with the bundled model
 * (tests/support/v1-server.ts, its own throwaway database), behind the fault proxy
 * (tests/support/fault-proxy.ts) adding --latency ms (default 50) before every request, as a GPU
 * server across a network would. Both listen on 127.0.0.1 only. This process registers the engine in
 * a throwaway SQLite database (migrated, Examples seeded) and runs the same sweep with lib/sweeps'
 * runner code (runSweep: results stored cell by cell as in the server), a fresh sweep each time:
 *   - concurrency 1 against concurrency --concurrency (8): the engine's maxConcurrency, i.e. the
 *     sweep's lanes and the requests in flight;
 *   - prefix-grouped (plan order: cells sharing their demonstrations adjacent) against a seeded
 *     shuffle of the same cells, both at --concurrency.
 * The sweep: "Novel emoji (2-way)" × the novel-words template, 32 queries × shots 0/1/2/4/8/16/32 ×
 * 2 seeds, random demonstrations = 448 cells. Generate mode with maxTokens 3 (the labels are one or
 * two tokens) sends exactly one request per cell, so requests and cells compare directly; rank mode
 * (--mode rank) sends one prompt_logprobs request per candidate (2 per cell). A cell whose exact
 * prompt already ran reuses that answer without a request: the 0-shot prompt is the same for both
 * seeds, and so is the 1-shot one here (seeds 0 and 1 happen to draw the same first pool item), so
 * 448 cells take 384 requests. A warm-up run first (its line is printed too) loads the model in the /v1 server and fills
 * its visual cache, so the measured runs start alike.
 * Printed: one line per run (wall s, cells/s, requests the proxy saw, retries, accuracy), then the
 * ratios. The /v1 server's prefix-cache hit rate is not printed: the harness serves /v1 only.
 * Options: --mode generate|rank, --latency MS (50), --concurrency N (8), --queries N (32), --seeds N (2),
 * --shots LIST (0,1,2,4,8,16,32), --max-tokens N (3), --shuffle-seed N (1), --no-warmup, --json.
 */
import { spawnSync } from "node:child_process";

// lib/store and lib/backends import "server-only", which loads only under the react-server condition.
if (!process.execArgv.some((a) => a.includes("react-server"))) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", ...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const path = (await import("node:path")).default;
const os = (await import("node:os")).default;
const { mkdtempSync, rmSync } = await import("node:fs");
const { parseArgs } = await import("node:util");

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "generate" },
    latency: { type: "string", default: "50" },
    concurrency: { type: "string", default: "8" },
    queries: { type: "string", default: "32" },
    seeds: { type: "string", default: "2" },
    shots: { type: "string", default: "0,1,2,4,8,16,32" },
    "max-tokens": { type: "string", default: "3" },
    "shuffle-seed": { type: "string", default: "1" },
    "no-warmup": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const mode: "rank" | "generate" | null = values.mode === "rank" ? "rank" : values.mode === "generate" ? "generate" : null;
if (!mode) {
  console.error(`bench:remote: --mode is generate or rank, not ${values.mode}`);
  process.exit(2);
}
const latencyMs = Number(values.latency);
const concurrency = Number(values.concurrency);
const shuffleSeed = Number(values["shuffle-seed"]);

const dir = mkdtempSync(path.join(os.tmpdir(), "flamingo-bench-remote-"));
process.env.DATABASE_URL = `file:${path.join(dir, "bench.db")}`;
// This process only drives the sweep; the runner's poller is not started.
process.env.SWEEP_RUNNER = "off";

const { migrate } = await import("../lib/store/migrate");
const { seedExamples } = await import("../lib/examples");
const { listDatasets } = await import("../lib/store/datasets");
const { listTemplates, getSweep } = await import("../lib/store");
const { claimSweep, getSweepRecord, listSweepResults } = await import("../lib/store/sweeps");
const { createSweep } = await import("../lib/sweeps/service");
const { runSweep } = await import("../lib/sweeps/runner");
const { createEngine, remoteConfig } = await import("../lib/engines");
const { createRemoteBackend } = await import("../lib/backends/remote");
const { releaseServerModels } = await import("../lib/backends/server");
const { setDatabase } = await import("../lib/store/db");
const { startV1Server } = await import("../tests/support/v1-server");
const { startFaultProxy } = await import("../tests/support/fault-proxy");
type V1Server = import("../tests/support/v1-server").V1Server;
type FaultProxy = import("../tests/support/fault-proxy").FaultProxy;

const log = (s: string) => {
  if (!values.json) console.log(s);
};

interface RunFigures {
  label: string;
  concurrency: number;
  order: "grouped" | "shuffled";
  wallS: number;
  cells: number;
  cellsPerS: number;
  requests: number;
  retries: number;
  failedCells: number;
  accuracy: number;
  /** Each cell's output, to check that concurrency and order change nothing but time. */
  outputs: Map<string, string>;
}

let v1: V1Server | undefined;
let proxy: FaultProxy | undefined;
const t0 = performance.now();
try {
  await migrate();
  const seeded = await seedExamples();
  const dataset = (await listDatasets({ libraryId: seeded.libraryId })).find((d) => d.name === "Novel emoji (2-way)");
  if (!dataset) throw new Error('the Examples library has no "Novel emoji (2-way)" dataset');
  const template = (await listTemplates({ libraryId: seeded.libraryId })).find((t) => t.name === "Classification with novel words (dax or blicket)");
  if (!template) throw new Error("the Examples library has no novel-words classification template");

  v1 = await startV1Server();
  proxy = await startFaultProxy({ target: v1.origin, maxRecorded: 16 });
  proxy.plan(() => (latencyMs > 0 ? { delayMs: latencyMs } : null));
  const engine = await createEngine({ name: "bench remote", baseUrl: `${proxy.url}/v1`, model: "flamingo-mini", promptStyle: "turns", maxConcurrency: concurrency, image: { format: "png", maxSide: null } });
  const config = await remoteConfig(engine.id);
  const owner = { id: "bench", host: os.hostname(), pid: process.pid };
  const request = {
    templateId: template.id,
    datasetId: dataset.id,
    shots: values.shots.split(",").map(Number),
    seeds: Number(values.seeds),
    queries: Number(values.queries),
    selections: ["random" as const],
    mode,
    maxTokens: Number(values["max-tokens"]),
    engines: [engine.id],
  };

  const run = async (label: string, lanes: number, order: "grouped" | "shuffled"): Promise<RunFigures> => {
    const sweep = await createSweep({ ...request, name: label });
    if (!(await claimSweep(await getSweepRecord(sweep.id), owner))) throw new Error("could not claim the sweep");
    const backends = new Map([[engine.id, createRemoteBackend({ ...config, maxConcurrency: lanes })]]);
    const before = (proxy as FaultProxy).count("/chat/completions");
    const start = performance.now();
    const status = await runSweep(sweep.id, { owner, backends, ...(order === "shuffled" ? { shuffle: shuffleSeed } : {}) });
    const wallS = (performance.now() - start) / 1000;
    if (status !== "done") throw new Error(`the sweep "${label}" ended ${status}`);
    const d = await getSweep(sweep.id);
    const results = await listSweepResults(sweep.id);
    const fig: RunFigures = {
      label,
      concurrency: lanes,
      order,
      wallS,
      cells: d.doneCells,
      cellsPerS: d.doneCells / wallS,
      requests: (proxy as FaultProxy).count("/chat/completions") - before,
      retries: d.stats.retries,
      failedCells: d.stats.failedCells,
      accuracy: results.filter((r) => r.correct).length / Math.max(1, results.length),
      outputs: new Map(results.map((r) => [`${r.itemId}|${r.shots}|${r.seed}|${r.selection}`, r.output])),
    };
    log(
      `  ${label.padEnd(24)} ${fig.wallS.toFixed(2).padStart(7)} s wall, ${fig.cellsPerS.toFixed(1).padStart(6)} cells/s, ${String(fig.requests).padStart(4)} requests, ` +
        `${fig.retries} retries, ${fig.failedCells} failed, accuracy ${(100 * fig.accuracy).toFixed(1)}%`,
    );
    return fig;
  };

  const cells = request.shots.length * request.seeds * request.queries;
  log(
    `sweep: ${dataset.name} × "${template.name}", ${request.queries} queries × shots ${request.shots.join("/")} × ${request.seeds} seeds (random) = ${cells} cells, ` +
      `${mode}${mode === "generate" ? ` (maxTokens ${request.maxTokens}: one request per cell)` : " (prompt_logprobs: one request per candidate)"}`,
  );
  log(`engine: our /v1 (flamingo-mini, a second process) behind a proxy adding ${latencyMs} ms per request, loopback; prompts as turns, PNG images as stored`);
  const warm = values["no-warmup"] ? undefined : await run(`warm-up (c${concurrency})`, concurrency, "grouped");
  const c1 = await run("c1 grouped", 1, "grouped");
  const cN = await run(`c${concurrency} grouped`, concurrency, "grouped");
  const shuffled = await run(`c${concurrency} shuffled (seed ${shuffleSeed})`, concurrency, "shuffled");

  const same = [cN, shuffled, ...(warm ? [warm] : [])].every((r) => r.outputs.size === c1.outputs.size && [...r.outputs].every(([k, v]) => c1.outputs.get(k) === v));
  log(`  c${concurrency} vs c1 (grouped): ${(c1.wallS / cN.wallS).toFixed(2)}× faster (${cN.cellsPerS.toFixed(1)} vs ${c1.cellsPerS.toFixed(1)} cells/s)`);
  log(`  shuffled vs grouped (c${concurrency}): ${(shuffled.wallS / cN.wallS).toFixed(2)}× the wall time (shuffled ${shuffled.wallS.toFixed(2)} s / grouped ${cN.wallS.toFixed(2)} s)`);
  log(`  every run gave the same ${c1.outputs.size} outputs: ${same ? "yes" : "NO"}`);
  log(`  v1 server prefix-cache hit rate: not measured (the v1-server harness serves /v1 only)`);
  log(`total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (values.json) {
    const plain = (r: RunFigures) => {
      const { outputs: _o, ...rest } = r;
      return rest;
    };
    console.log(
      JSON.stringify(
        { request: { ...request, cells, latencyMs }, runs: [...(warm ? [warm] : []), c1, cN, shuffled].map(plain), speedup: c1.wallS / cN.wallS, shuffledOverGrouped: shuffled.wallS / cN.wallS, sameOutputs: same },
        null,
        1,
      ),
    );
  }
} catch (e) {
  console.error(`bench:remote: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await proxy?.close();
  await v1?.stop();
  await releaseServerModels();
  await setDatabase(undefined);
  rmSync(dir, { recursive: true, force: true });
}
