// node training/verify_golden.mjs public/models/flamingo-mini
// Independent parity check of golden.json with onnxruntime-node + @huggingface/tokenizers + sharp:
// PNG -> preprocessing from manifest -> vision.onnx -> lm.onnx (prefill + KV-cached greedy).
import fs from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import sharp from "sharp";
import { Tokenizer } from "@huggingface/tokenizers";

const pkg = process.argv[2];
const man = JSON.parse(fs.readFileSync(path.join(pkg, "manifest.json"), "utf8"));
const gold = JSON.parse(fs.readFileSync(path.join(pkg, "golden.json"), "utf8"));
const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(pkg, "tokenizer.json"), "utf8")), {});
const vis = await ort.InferenceSession.create(path.join(pkg, man.graphs.vision));
const lm = await ort.InferenceSession.create(path.join(pkg, man.graphs.lm));
const A = man.architecture, P = man.image_preprocessing, LMc = A.language_model;
const [W, H] = P.size, L = A.n_visual_tokens_per_image, D = A.visual_token_dim;
const i64 = (a, dims) => new ort.Tensor("int64", BigInt64Array.from(a.map(BigInt)), dims);
const emptyPast = () => new ort.Tensor("float32", new Float32Array(0), [LMc.n_layers, 2, 1, LMc.n_heads, 0, LMc.head_dim]);
let ok = true;
const check = (name, cond, detail = "") => { console.log(`${cond ? "OK  " : "FAIL"} ${name} ${detail}`); if (!cond) ok = false; };

async function pixels(file) {
  const { data } = await sharp(path.join(pkg, file)).flatten({ background: "#ffffff" }).resize(W, H, { fit: "fill", kernel: "linear" }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const x = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) for (let i = 0; i < H * W; i++) x[c * H * W + i] = (data[i * 3 + c] * P.scale - P.mean[c]) / P.std[c];
  return x;
}

for (const g of gold.prompts) {
  const ids = tok.encode(g.text, { add_special_tokens: false }).ids.map(Number);
  check(`${g.name}: input_ids`, JSON.stringify(ids) === JSON.stringify(g.input_ids));
  const imgId = man.special_tokens.image.id;
  let c = -1; const ii = ids.map((t) => (t === imgId ? ++c : c));
  check(`${g.name}: image_index`, JSON.stringify(ii) === JSON.stringify(g.image_index));
  const N = g.images.length;
  const vt = new Float32Array(Math.max(N, 1) * L * D);
  for (let n = 0; n < N; n++) {
    const px = await pixels(g.images[n]);
    const mean = px.reduce((a, b) => a + b, 0) / px.length;
    const out = await vis.run({ pixels: new ort.Tensor("float32", px, [1, 3, H, W]) });
    const v = out.visual_tokens.data;
    vt.set(v, n * L * D);
    let s = 0; for (const x of v) s += x;
    const d16 = Math.max(...g.visual_tokens.first_16_of_each_image[n].map((x, i) => Math.abs(x - v[i])));
    check(`${g.name}: image ${n} pixels mean / visual tokens`, Math.abs(mean - g.pixels_mean_per_image[n]) < 1e-4 && d16 < gold.tolerance.visual_tokens,
      `(pixel mean diff ${Math.abs(mean - g.pixels_mean_per_image[n]).toExponential(1)}, first16 diff ${d16.toExponential(1)}, sum ${s.toFixed(3)} vs ${g.visual_tokens.sum_per_image[n]})`);
  }
  const visT = new ort.Tensor("float32", vt, [1, Math.max(N, 1), L, D]);
  let out = await lm.run({ input_ids: i64(ids, [1, ids.length]), visual_tokens: visT, image_index: i64(ii, [1, ids.length]), past_key_values: emptyPast() });
  const V = out.logits.dims[2];
  const last = out.logits.data.slice((ids.length - 1) * V, ids.length * V);
  const d32 = Math.max(...g.first_position_logits.first_32.map((x, i) => Math.abs(x - last[i])));
  check(`${g.name}: first-position logits`, d32 < gold.tolerance.logits, `(first32 max diff ${d32.toExponential(1)})`);
  const gen = []; const lastImg = N - 1;
  for (let s = 0; s < 12; s++) {
    const lg = out.logits.data; const off = (out.logits.dims[1] - 1) * V;
    let best = 0; for (let v = 1; v < V; v++) if (lg[off + v] > lg[off + best]) best = v;
    gen.push(best);
    if (best === man.special_tokens.stop_token_id) break;
    out = await lm.run({ input_ids: i64([best], [1, 1]), visual_tokens: visT, image_index: i64([lastImg], [1, 1]), past_key_values: out.present_key_values });
  }
  check(`${g.name}: greedy continuation`, JSON.stringify(gen) === JSON.stringify(g.greedy_ids), JSON.stringify(tok.decode(gen, { skip_special_tokens: false })));
}
console.log(ok ? "GOLDEN PARITY OK" : "GOLDEN PARITY FAILED");
process.exit(ok ? 0 : 1);
