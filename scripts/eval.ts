/**
 * Few-shot evaluation of a bundled model on a JSONL dataset (README "Datasets for eval").
 *
 *   npm run eval -- --data tests/fixtures/eval/emoji-4way.jsonl --shots 0,1,2,4,8,16,32 --seeds 3
 *   npm run eval -- --data tests/fixtures/eval/scenes-vqa.jsonl --template vqa --mode generate --shots 0,4 --json
 *
 * Options: --mode rank|generate (rank) --balanced --backend node --template classification|caption|vqa
 * --queries N (evaluate a fixed sample of N items) --max-tokens N (generate mode, 16) --model ID
 * --models-dir DIR --no-cache (visual cache and prefix reuse off) --json.
 * Logic (dataset, demonstrations, metrics, sweep) lives in lib/eval.
 */
import { spawnSync } from "node:child_process";

// lib/backends/server imports "server-only", which loads only under the react-server condition.
if (!process.execArgv.some((a) => a.includes("react-server"))) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", ...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const { memoryImages } = await import("./lib/memory-images");
const { readFileSync } = await import("node:fs");
const path = (await import("node:path")).default;
const { parseArgs } = await import("node:util");
const { getServerModel, releaseServerModels } = await import("../lib/backends/server");
const ev = await import("../lib/eval");

const USAGE =
  "usage: npm run eval -- --data FILE.jsonl [--shots 0,1,2,4,8,16,32] [--seeds 3] [--mode rank|generate] [--balanced] " +
  "[--backend node] [--template classification|caption|vqa] [--queries N] [--max-tokens N] [--model ID] [--no-cache] [--json]";

function fail(msg: string): never {
  console.error(`eval: ${msg}`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        data: { type: "string" },
        shots: { type: "string", default: "0,1,2,4,8,16,32" },
        seeds: { type: "string", default: "3" },
        mode: { type: "string", default: "rank" },
        balanced: { type: "boolean", default: false },
        backend: { type: "string", default: "node" },
        template: { type: "string", default: "classification" },
        queries: { type: "string" },
        "max-tokens": { type: "string", default: "16" },
        model: { type: "string", default: "flamingo-mini" },
        "models-dir": { type: "string" },
        "no-cache": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    fail(`${e instanceof Error ? e.message : String(e)} (see --help)`);
  }
})();

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!values.data) fail(`--data is required\n${USAGE}`);
const whole = (name: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be a whole number ≥ ${min}, got "${v}"`);
  return n;
};
const shots = values.shots.split(",").map((s) => whole("shots", s.trim(), 0));
const seeds = whole("seeds", values.seeds, 1);
const queries = values.queries === undefined ? undefined : whole("queries", values.queries, 1);
const maxTokens = whole("max-tokens", values["max-tokens"], 1);
if (values.mode !== "rank" && values.mode !== "generate") fail(`--mode must be rank or generate, got "${values.mode}"`);
const mode = values.mode;
if (values.backend !== "node") fail(`--backend ${values.backend} is not available from the CLI; use node (onnxruntime-node)`);
if (!(ev.TEMPLATE_NAMES as readonly string[]).includes(values.template)) fail(`--template must be one of ${ev.TEMPLATE_NAMES.join(", ")}, got "${values.template}"`);
const templateName = values.template as import("../lib/eval").TemplateName;

const file = path.resolve(values.data);
let items: import("../lib/eval").EvalItem[];
try {
  items = ev.parseDataset(readFileSync(file, "utf8"), path.basename(file));
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}

// Images by content hash, as the asset store would name them.
const images = memoryImages();
const imageIds = items.map((it, i) => {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path.resolve(path.dirname(file), it.image)));
  } catch {
    fail(`${path.basename(file)}:${i + 1}: cannot read image ${it.image} (paths are relative to the dataset file)`);
  }
  return images.add(bytes);
});
const imageSource = images.source;

try {
  const t0 = performance.now();
  const model = await getServerModel(values.model, { imageSource, ...(values["models-dir"] ? { modelsDir: values["models-dir"] } : {}) });
  const loadMs = performance.now() - t0;
  const engine = model.engine;
  if (values["no-cache"]) engine.setCaching(false);
  const formats = engine.manifest.prompt_format as Record<string, unknown> | undefined;
  const fromManifest = formats?.[ev.MANIFEST_KEYS[templateName]];
  const template = ev.chunkTemplate(typeof fromManifest === "string" ? fromManifest : ev.DEFAULT_FORMATS[templateName]);
  const evalModel: import("../lib/eval").EvalModel = {
    score: async (prompt, candidates) => (await engine.score(prompt, candidates)).map((s) => s.sum),
    scoreMany: async (prompts, candidates) => (await engine.scoreMany(prompts, candidates)).map((list) => list.map((s) => s.sum)),
    generate: async (prompt, n) => (await engine.generate(prompt, { maxTokens: n })).text,
  };
  const t1 = performance.now();
  let lastShots = -1;
  const report = await ev.runEval(items, imageIds, evalModel, { shots, seeds, mode, balanced: values.balanced, template, maxTokens, ...(queries ? { queries } : {}) }, (p) => {
    if (!values.json && process.stderr.isTTY && (p.done === p.total || p.shots !== lastShots)) {
      process.stderr.write(`\r${p.shots}-shot, seed ${p.seed}: ${p.done}/${p.total}   `);
      lastShots = p.shots;
    }
  });
  if (!values.json && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  const wallMs = performance.now() - t1;
  const stats = engine.stats();
  if (values.json) {
    console.log(JSON.stringify({ data: path.relative(process.cwd(), file), model: model.id, executionProvider: model.executionProvider, ...report, wallMs: Math.round(wallMs), loadMs: Math.round(loadMs), cache: { visual: stats.visualCache, prefix: stats.prefixCache } }, null, 1));
  } else {
    console.log(ev.formatReport(report, `${path.relative(process.cwd(), file)} on ${model.id} (${model.executionProvider})`));
    console.log(
      `(${(wallMs / 1000).toFixed(1)} s; visual cache ${stats.visualCache.hits} hits / ${stats.visualCache.misses} misses, prefix cache ${stats.prefixCache.hits} hits / ${stats.prefixCache.misses} misses)`,
    );
  }
} catch (e) {
  console.error(`eval: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await releaseServerModels();
}
