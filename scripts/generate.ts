/**
 * Run one interleaved prompt on a bundled model from the command line (onnxruntime-node).
 *
 *   npm run generate -- --image a.png --prompt "<image>Output:"
 *   npm run generate -- --image a.png --image b.png --image c.png \
 *       --prompt "<image>Output:dax<|endofchunk|>\n<image>Output:wug<|endofchunk|>\n<image>Output:" --max-tokens 8
 *   npm run generate -- --image c.png --prompt "<image>Output:" --score dax,wug,blicket
 *
 * Options: --model ID (FLAMINGO_DEFAULT_MODEL, flamingo-mini) --max-tokens N (20) --min-tokens N --temperature T --top-p P --seed S
 * --beams K --stop STR (repeatable) --trace --json --no-cache --models-dir DIR.
 * In --prompt, "<image>" takes the next --image in order and "<|endofchunk|>" closes a chunk;
 * "\n" is a newline. Images are read from files, not the asset store.
 */
import { spawnSync } from "node:child_process";

// lib/backends/server imports "server-only", which loads only under the react-server condition.
if (!process.execArgv.some((a) => a.includes("react-server"))) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", ...process.execArgv, ...process.argv.slice(1)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const { memoryImages } = await import("./lib/memory-images");
const { readFileSync } = await import("node:fs");
const { parseArgs } = await import("node:util");
const { getServerModel, releaseServerModels } = await import("../lib/backends/server");
const { env } = await import("../lib/env");
type PromptPart = import("../lib/prompt/sequence").PromptPart;

const parsed = (() => {
  try {
    return parseArgs({
  options: {
    image: { type: "string", multiple: true, default: [] },
    prompt: { type: "string" },
    model: { type: "string", default: env().FLAMINGO_DEFAULT_MODEL },
    "max-tokens": { type: "string", default: "20" },
    "min-tokens": { type: "string" },
    temperature: { type: "string" },
    "top-p": { type: "string" },
    seed: { type: "string" },
    beams: { type: "string" },
    stop: { type: "string", multiple: true, default: [] },
    score: { type: "string" },
    trace: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "no-cache": { type: "boolean", default: false },
    "models-dir": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
    });
  } catch (e) {
    console.error(`generate: ${e instanceof Error ? e.message : String(e)} (see --help)`);
    process.exit(2);
  }
})();
const { values } = parsed;

function fail(msg: string): never {
  console.error(`generate: ${msg}`);
  process.exit(2);
}

if (values.help || !values.prompt) {
  console.log("usage: npm run generate -- --image a.png --prompt \"<image>Output:\" [--max-tokens N] [--temperature T --top-p P --seed S] [--beams 3] [--stop STR] [--score a,b,c] [--trace] [--json]");
  process.exit(values.help ? 0 : 2);
}

const num = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(`--${name} must be a number, got "${v}"`);
  return n;
};

// Images by content hash, as the asset store would name them.
const images = memoryImages();
const imageIds = (values.image as string[]).map((file) => {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch {
    fail(`cannot read image ${file}`);
  }
  return images.add(bytes);
});

const parts: PromptPart[] = [];
let k = 0;
for (const piece of values.prompt.replaceAll("\\n", "\n").split(/(<image>|<\|endofchunk\|>)/)) {
  if (piece === "<image>") {
    const id = imageIds[k++];
    if (!id) fail(`the prompt has more <image> markers than --image files (${imageIds.length})`);
    parts.push({ type: "image", assetId: id });
  } else if (piece === "<|endofchunk|>") parts.push({ type: "endOfChunk" });
  else if (piece !== "") parts.push({ type: "text", text: piece });
}
if (k < imageIds.length) fail(`${imageIds.length} --image files but only ${k} <image> markers in the prompt`);

const imageSource = images.source;

try {
  const t0 = performance.now();
  const model = await getServerModel(values.model, { imageSource, ...(values["models-dir"] ? { modelsDir: values["models-dir"] } : {}) });
  const loadMs = performance.now() - t0;
  if (values["no-cache"]) model.engine.setCaching(false);
  const prompt = { parts };
  if (values.score) {
    const candidates = values.score.split(",").map((s) => s.trim()).filter(Boolean);
    const scores = await model.engine.score(prompt, candidates);
    if (values.json) console.log(JSON.stringify({ model: model.id, executionProvider: model.executionProvider, scores }, null, 1));
    else {
      const sorted = [...scores].sort((a, b) => b.sum - a.sum);
      for (const s of sorted) console.log(`${s.sum.toFixed(4).padStart(10)}  ${s.mean.toFixed(4).padStart(8)}  ${JSON.stringify(s.candidate)}`);
      console.log(`(sum, mean log-likelihood per token; ${model.executionProvider}, load ${loadMs.toFixed(0)} ms)`);
    }
  } else {
    const res = await model.engine.generate(prompt, {
      maxTokens: num("max-tokens", values["max-tokens"]),
      minTokens: num("min-tokens", values["min-tokens"]),
      temperature: num("temperature", values.temperature),
      topP: num("top-p", values["top-p"]),
      seed: num("seed", values.seed),
      numBeams: num("beams", values.beams),
      stop: values.stop as string[],
      trace: values.trace,
      onToken: values.json ? undefined : (e) => process.stdout.write(e.text),
    });
    if (values.json) console.log(JSON.stringify({ model: model.id, ...res }, null, 1));
    else {
      const t = res.timings;
      console.log(`\n[${res.finishReason}; ${res.usage.promptTokens} prompt tokens, ${res.usage.images} images, ${res.usage.completionTokens} new tokens; ` +
        `${model.executionProvider}; load ${loadMs.toFixed(0)} ms, encode ${t.encodeMs.toFixed(1)} ms, prefill ${t.prefillMs.toFixed(1)} ms, decode ${t.tokensPerSecond.toFixed(1)} tok/s]`);
      if (res.trace) {
        res.trace.forEach((tr, i) => console.log(`token ${i}: attention per image ${tr.attentionPerImage.map((a) => a.toFixed(3)).join(" ")}`));
        console.log(`gates (tanh alpha: xattn, dense): ${res.trace[0]?.gates.map((g) => g.map((x) => x.toFixed(3)).join("/")).join(" ")}`);
      }
    }
  }
} catch (e) {
  console.error(`generate: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  await releaseServerModels();
}
