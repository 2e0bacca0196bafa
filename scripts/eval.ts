/**
 * Few-shot evaluation on a JSONL dataset (README "Datasets for eval"), on any engine, with the same
 * planning, prompting and judging as a sweep (lib/sweeps/file-eval.ts on lib/sweeps/execute.ts).
 *
 *   npm run eval -- --data tests/fixtures/eval/emoji-4way.jsonl --shots 0,1,2,4,8,16,32 --seeds 3
 *   npm run eval -- --data tests/fixtures/eval/scenes-vqa.jsonl --template vqa --mode generate --shots 0,4 --json
 *   npm run eval -- --data F.jsonl --engine "GPU box (vLLM)"                       (a registered engine, by name or id)
 *   npm run eval -- --data F.jsonl --base-url http://gpu-1:8000/v1 --model Qwen/Qwen2.5-VL-7B-Instruct [--api-key K]
 *
 * Options: --mode rank|generate (rank) --balanced --template classification|caption|vqa --queries N
 * --max-tokens N (generate mode, 16) --model ID (the bundled package, or the remote model with
 * --base-url) --models-dir DIR --no-cache (bundled: visual cache and prefix reuse off)
 * --prompt-style interleaved|turns (--base-url; turns) --concurrency N (--base-url; 4) --json.
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
const { bundledServerBackend, getServerModel, releaseServerModels } = await import("../lib/backends/server");
const ev = await import("../lib/eval");
const { evalFile } = await import("../lib/sweeps/file-eval");

const USAGE =
  "usage: npm run eval -- --data FILE.jsonl [--shots 0,1,2,4,8,16,32] [--seeds 3] [--mode rank|generate] [--balanced] " +
  "[--template classification|caption|vqa] [--queries N] [--max-tokens N] [--model ID] [--no-cache] [--json]\n" +
  "       on a registered engine: --engine NAME|ID    on any OpenAI-compatible endpoint: --base-url URL --model M [--api-key K] [--prompt-style turns|interleaved] [--concurrency N]";

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
        model: { type: "string" },
        "models-dir": { type: "string" },
        "no-cache": { type: "boolean", default: false },
        engine: { type: "string" },
        "base-url": { type: "string" },
        "api-key": { type: "string" },
        "prompt-style": { type: "string", default: "turns" },
        concurrency: { type: "string", default: "4" },
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
const concurrency = whole("concurrency", values.concurrency, 1);
if (values.mode !== "rank" && values.mode !== "generate") fail(`--mode must be rank or generate, got "${values.mode}"`);
const mode = values.mode;
if (values.backend !== "node") fail(`--backend ${values.backend} is not available from the CLI; use node (onnxruntime-node), --engine or --base-url`);
if (values.engine && values["base-url"]) fail("give --engine or --base-url, not both");
if (values["base-url"] && !values.model) fail("--base-url needs --model (the model id the endpoint serves)");
if (values["prompt-style"] !== "turns" && values["prompt-style"] !== "interleaved") fail(`--prompt-style must be turns or interleaved, got "${values["prompt-style"]}"`);
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

/** The engine to evaluate: the bundled package (default), a registered engine, or an endpoint given here. */
async function pickBackend(): Promise<{ backend: import("../lib/backends/contract").Backend; label: string; engine?: import("../lib/runtime/engine").FlamingoEngine }> {
  const { createRemoteBackend } = await import("../lib/backends/remote");
  if (values["base-url"]) {
    const { DEFAULT_REMOTE_SETTINGS } = await import("../lib/engines/types");
    const config = {
      ...DEFAULT_REMOTE_SETTINGS,
      id: "cli",
      name: new URL(values["base-url"]).host,
      baseUrl: values["base-url"].replace(/\/+$/, ""),
      model: values.model as string,
      apiKey: values["api-key"] ?? process.env.OPENAI_API_KEY ?? null,
      headers: {},
      maxConcurrency: concurrency,
      promptStyle: values["prompt-style"] as "turns" | "interleaved",
      capabilities: null,
    };
    return { backend: createRemoteBackend(config, { imageSource }), label: `${config.model} at ${config.baseUrl}` };
  }
  if (values.engine) {
    const { migrate } = await import("../lib/store/migrate");
    await migrate();
    const { listEngines, remoteConfig } = await import("../lib/engines");
    const engines = await listEngines();
    // An id is exact; a name is unique only within a workspace, so it must name one engine here.
    const named = engines.filter((e) => e.name === values.engine);
    const found = engines.find((e) => e.id === values.engine) ?? (named.length === 1 ? named[0] : undefined);
    if (named.length > 1 && !found) fail(`${named.length} workspaces have an engine named "${values.engine}": pass its id instead (${named.map((e) => e.id).join(", ")})`);
    if (!found) fail(`no engine named "${values.engine}" is registered (see the Engines page, or /api/engines)`);
    if (found.kind === "openai") return { backend: createRemoteBackend(await remoteConfig(found.id), { imageSource }), label: `${found.name} (${found.settings?.model ?? ""})` };
    values.model = found.id;
  }
  const { env } = await import("../lib/env");
  const id = values.model ?? env().FLAMINGO_DEFAULT_MODEL;
  const opts = { imageSource, ...(values["models-dir"] ? { modelsDir: values["models-dir"] } : {}) };
  const model = await getServerModel(id, opts);
  if (values["no-cache"]) model.engine.setCaching(false);
  return { backend: bundledServerBackend(id, opts), label: `${model.id} (${model.executionProvider})`, engine: model.engine };
}

try {
  const t0 = performance.now();
  const { backend, label, engine } = await pickBackend();
  const loadMs = performance.now() - t0;
  const formats = engine?.manifest.prompt_format as Record<string, unknown> | undefined;
  const fromManifest = formats?.[ev.MANIFEST_KEYS[templateName]];
  const template = ev.chunkTemplate(typeof fromManifest === "string" ? fromManifest : ev.DEFAULT_FORMATS[templateName]);
  const t1 = performance.now();
  const report = await evalFile(items, imageIds, backend, { shots, seeds, mode, balanced: values.balanced, template, maxTokens, ...(queries ? { queries } : {}) }, (p) => {
    if (!values.json && process.stderr.isTTY) process.stderr.write(`\r${p.done}/${p.total} cells   `);
  });
  if (!values.json && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  const wallMs = performance.now() - t1;
  const stats = engine?.stats();
  const cache = stats ? { visual: stats.visualCache, prefix: stats.prefixCache } : null;
  if (values.json) {
    console.log(JSON.stringify({ data: path.relative(process.cwd(), file), executionProvider: engine ? stats?.executionProvider : "remote", ...report, wallMs: Math.round(wallMs), loadMs: Math.round(loadMs), cache }, null, 1));
  } else {
    console.log(ev.formatReport(report, `${path.relative(process.cwd(), file)} on ${label}`));
    const notes = [`${(wallMs / 1000).toFixed(1)} s`];
    if (cache) notes.push(`visual cache ${cache.visual.hits} hits / ${cache.visual.misses} misses, prefix cache ${cache.prefix.hits} hits / ${cache.prefix.misses} misses`);
    if (report.retries > 0) notes.push(`${report.retries} retries`);
    console.log(`(${notes.join("; ")})`);
  }
  if (report.failedCells > 0) {
    console.error(`eval: ${report.failedCells} cells failed after their retries and are left out of the accuracy; the first: ${report.firstError}`);
    process.exitCode = 1;
  }
} catch (e) {
  console.error(`eval: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await releaseServerModels();
}
