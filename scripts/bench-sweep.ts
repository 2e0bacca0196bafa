/**
 * The sweep engine's cost with and without the runtime's caches (figures, not a test):
 *
 *   nice npm run bench:sweep                  # 0/1/2/4/8/16/32 shots, Novel emoji (2-way), 2 seeds, random
 *   nice npm run bench:sweep -- --seeds 3 --selections random,balanced,rices --json
 *
 * A throwaway SQLite database under .tmp/ is migrated and seeded (Examples: the "Novel emoji (2-way)"
 * dataset, 48 pool items and 32 evaluation queries, and the novel-label classification template). The
 * same sweep is created twice and run to the end by lib/sweeps' runner code (rank mode, results stored
 * cell by cell as in the server): once with the visual cache and prefix reuse on, once with both off
 * (FlamingoEngine.setCaching). Printed: wall time of each, the ratio, cache hit rates, model calls.
 * The dataset has 80 items, so 32-shot prompts leave 48 for queries at most; the default 2 seeds give
 * 32 × 2 = 64 query prompts per shot count (--seeds raises it).
 * Options: --seeds N (2), --selections LIST (random), --shots LIST, --threads N (ORT intra-op threads), --json.
 */
import { spawnSync } from "node:child_process";

// lib/store and lib/backends/server import "server-only", which loads only under the react-server condition.
if (!process.execArgv.some((a) => a.includes("react-server"))) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", ...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const path = (await import("node:path")).default;
const { mkdirSync, rmSync } = await import("node:fs");
const { parseArgs } = await import("node:util");

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "2" },
    selections: { type: "string", default: "random" },
    shots: { type: "string", default: "0,1,2,4,8,16,32" },
    threads: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
if (values.threads) process.env.FLAMINGO_ORT_THREADS = values.threads;
const dbFile = path.join(process.cwd(), ".tmp", `bench-sweep-${Date.now()}.db`);
mkdirSync(path.dirname(dbFile), { recursive: true });
process.env.DATABASE_URL = `file:${dbFile}`;

const { migrate } = await import("../lib/store/migrate");
const { seedExamples } = await import("../lib/examples");
const { listDatasets } = await import("../lib/store/datasets");
const { listTemplates, getSweep } = await import("../lib/store");
const { claimSweep, getSweepRecord, listSweepResults } = await import("../lib/store/sweeps");
const { curveOf } = await import("../lib/sweeps/curve");
const { createSweep } = await import("../lib/sweeps/service");
const { runSweep } = await import("../lib/sweeps/runner");
const { getServerModel, releaseServerModels } = await import("../lib/backends/server");
const { env } = await import("../lib/env");
const { setDatabase } = await import("../lib/store/db");
type SweepSelection = import("../lib/sweeps/types").SweepSelection;

const log = (s: string) => {
  if (!values.json) console.log(s);
};
const pct = (h: number, n: number) => (n > 0 ? `${((100 * h) / n).toFixed(1)}%` : "–");

try {
  await migrate();
  const seeded = await seedExamples();
  const dataset = (await listDatasets({ libraryId: seeded.libraryId })).find((d) => d.name === "Novel emoji (2-way)");
  if (!dataset) throw new Error('the Examples library has no "Novel emoji (2-way)" dataset');
  const template = (await listTemplates({ libraryId: seeded.libraryId, search: "novel words" }))[0];
  if (!template) throw new Error("the Examples library has no novel-label classification template");
  const model = await getServerModel(env().FLAMINGO_DEFAULT_MODEL);
  const engine = model.engine;
  const request = {
    templateId: template.id,
    datasetId: dataset.id,
    shots: values.shots.split(",").map(Number),
    seeds: Number(values.seeds),
    selections: values.selections.split(",") as SweepSelection[],
    mode: "rank" as const,
  };
  const owner = { id: "bench", host: "bench", pid: process.pid };

  const run = async (cached: boolean) => {
    engine.setCaching(false); // empties both caches
    engine.setCaching(cached);
    const sweep = await createSweep({ ...request, name: cached ? "caches on" : "caches off" });
    if (!(await claimSweep(await getSweepRecord(sweep.id), owner))) throw new Error("could not claim the sweep");
    const calls = engine.stats().modelCalls;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const status = await runSweep(sweep.id, { owner });
    const ms = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    const after = engine.stats().modelCalls;
    const d = await getSweep(sweep.id);
    if (status !== "done") throw new Error(`the sweep ended ${status}`);
    const curve = curveOf(await listSweepResults(sweep.id), "rank");
    return {
      curve,
      ms,
      cpuMs: (used.user + used.system) / 1000,
      cells: d.doneCells,
      stats: d.stats,
      vision: after.vision - calls.vision,
      lm: after.lm - calls.lm,
      lmTokens: after.lmTokens - calls.lmTokens,
    };
  };

  // Warm-up: sessions initialised, first-call costs out of the figures.
  await engine.score({ parts: [{ type: "text", text: "Output:" }] }, ["a", "b"]);
  const on = await run(true);
  const off = await run(false);
  engine.setCaching(true);

  const queries = dataset.evalCount;
  const line = (label: string, r: typeof on) =>
    log(
      `  ${label.padEnd(32)} ${(r.ms / 1000).toFixed(2).padStart(7)} s wall, ${(r.cpuMs / 1000).toFixed(2).padStart(7)} s CPU, model ${(r.stats.modelMs / 1000).toFixed(2)} s; ` +
        `visual cache ${pct(r.stats.visualCacheHits, r.stats.visualCacheLookups)} of ${r.stats.visualCacheLookups}, prefix cache ${pct(r.stats.prefixCacheHits, r.stats.prefixCacheLookups)} of ${r.stats.prefixCacheLookups}; ` +
        `${r.vision} vision calls, ${r.lm} LM calls, ${r.lmTokens} LM tokens`,
    );
  log(`sweep: ${request.shots.join("/")}-shot × ${queries} queries × ${request.seeds} seed(s) × ${request.selections.join("+")} = ${on.cells} cells (rank, 2 candidates), ${dataset.name}, ${model.executionProvider}`);
  line("visual cache + prefix reuse on", on);
  line("both off", off);
  log(`  ratio (off / on): ${(off.ms / on.ms).toFixed(1)}× wall, ${(off.cpuMs / on.cpuMs).toFixed(1)}× CPU`);
  const same = JSON.stringify(on.curve) === JSON.stringify(off.curve);
  log(`accuracy by shots (caches on${same ? "; identical with them off" : "; DIFFERENT with them off"}), 95% Wilson interval:`);
  for (const p of on.curve) log(`  ${p.selection.padEnd(8)} ${String(p.shots).padStart(2)}-shot ${(100 * p.accuracy).toFixed(1).padStart(5)}%  [${(100 * p.low).toFixed(1)}, ${(100 * p.high).toFixed(1)}]  n=${p.n}`);
  if (values.json) console.log(JSON.stringify({ request: { ...request, queries }, executionProvider: model.executionProvider, on, off, ratio: off.ms / on.ms, cpuRatio: off.cpuMs / on.cpuMs }, null, 1));
} catch (e) {
  console.error(`bench:sweep: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await releaseServerModels();
  await setDatabase(undefined);
  rmSync(dbFile, { force: true });
}
