// node training/verify_onnx.mjs <package dir> <onnx_check.json>
// Checks vision.onnx / lm.onnx in onnxruntime-node against the PyTorch reference outputs, and that
// a 2-step KV-cache decode (prefill S-3 tokens, then 3 tokens with the past) equals the full forward.
import fs from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";

const [pkg, checkPath] = process.argv.slice(2);
const ref = JSON.parse(fs.readFileSync(checkPath, "utf8"));
const maxDiff = (a, b) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const f32 = (a, dims) => new ort.Tensor("float32", Float32Array.from(a), dims);
const i64 = (a, dims) => new ort.Tensor("int64", BigInt64Array.from(a.map(BigInt)), dims);
let ok = true;
const report = (name, d, tol = 1e-4) => { console.log(`${name}: max abs diff ${d.toExponential(2)} ${d <= tol ? "OK" : "FAIL"}`); if (!(d <= tol)) ok = false; };

const vis = await ort.InferenceSession.create(path.join(pkg, "vision.onnx"));
const lm = await ort.InferenceSession.create(path.join(pkg, "lm.onnx"));
console.log("vision inputs", vis.inputNames, "outputs", vis.outputNames);
console.log("lm inputs", lm.inputNames, "outputs", lm.outputNames);

// vision
const v = ref.vision;
const vo = await vis.run({ pixels: f32(v.pixels, v.pixels_shape) });
report("vision visual_tokens vs PyTorch", maxDiff(vo.visual_tokens.data, v.visual_tokens));

// LM full forward
const r = ref.lm;
const [B, S] = r.ids_shape;
const L = r.n_layers, H = r.n_heads, Dh = r.head_dim;
const empty = (b) => new ort.Tensor("float32", new Float32Array(0), [L, 2, b, H, 0, Dh]);
const visT = f32(r.visual_tokens, r.vis_shape);
const full = await lm.run({ input_ids: i64(r.input_ids, [B, S]), visual_tokens: visT, image_index: i64(r.image_index, [B, S]), past_key_values: empty(B) });
report("lm logits (full forward) vs PyTorch", maxDiff(full.logits.data, r.logits));
report("lm xattn_weights vs PyTorch", maxDiff(full.xattn_weights.data, r.xattn_weights));
report("lm gates vs PyTorch", maxDiff(full.gates.data, r.gates));
console.log("gates (tanh alpha, [layer][attn, ff]):", Array.from(full.gates.data).map((x) => x.toFixed(4)).join(" "));

// 2-step KV-cache decode: prefill the first `cut` tokens, then the remaining ones with the past
const cut = r.cut;
const sliceRows = (arr, from, to) => { const out = []; for (let b = 0; b < B; b++) out.push(...arr.slice(b * S + from, b * S + to)); return out; };
const p1 = await lm.run({ input_ids: i64(sliceRows(r.input_ids, 0, cut), [B, cut]), visual_tokens: visT, image_index: i64(sliceRows(r.image_index, 0, cut), [B, cut]), past_key_values: empty(B) });
const rest = S - cut;
const p2 = await lm.run({ input_ids: i64(sliceRows(r.input_ids, cut, S), [B, rest]), visual_tokens: visT, image_index: i64(sliceRows(r.image_index, cut, S), [B, rest]), past_key_values: p1.present_key_values });
const V = full.logits.dims[2];
const fullTail = []; for (let b = 0; b < B; b++) fullTail.push(...full.logits.data.slice((b * S + cut) * V, (b * S + S) * V));
report(`kv-cache decode (prefill ${cut} + ${rest} tokens) vs full forward`, maxDiff(p2.logits.data, fullTail));
const refTail = []; for (let b = 0; b < B; b++) refTail.push(...r.logits.slice((b * S + cut) * V, (b * S + S) * V));
report("kv-cache decode vs PyTorch full forward", maxDiff(p2.logits.data, refTail));
console.log("present_key_values dims after step 2:", p2.present_key_values.dims.join("x"));

// then one more token at a time (step 3), batch replicated -> prefix-shared scoring works the same way
const n = await lm.run({ input_ids: i64(sliceRows(r.input_ids, cut, cut + 1), [B, 1]), visual_tokens: visT, image_index: i64(sliceRows(r.image_index, cut, cut + 1), [B, 1]), past_key_values: p1.present_key_values });
const fullOne = []; for (let b = 0; b < B; b++) fullOne.push(...full.logits.data.slice((b * S + cut) * V, (b * S + cut + 1) * V));
report("single-token decode step vs full forward", maxDiff(n.logits.data, fullOne));

// 0-image prompt with a dummy zero image
const z = ref.lm_noimg;
const zs = z.input_ids.length;
const zo = await lm.run({ input_ids: i64(z.input_ids, [1, zs]), visual_tokens: new ort.Tensor("float32", new Float32Array(r.vis_shape[2] * r.vis_shape[3]), [1, 1, r.vis_shape[2], r.vis_shape[3]]), image_index: i64(new Array(zs).fill(-1), [1, zs]), past_key_values: empty(1) });
report("0-image prompt (dummy zero image, image_index -1) vs PyTorch", maxDiff(zo.logits.data.slice((zs - 1) * V, zs * V), z.logits_last));

console.log(ok ? "ALL ONNX CHECKS PASSED" : "SOME ONNX CHECKS FAILED");
process.exit(ok ? 0 : 1);
