// node training/verify_tokenizer.mjs <tokenizer.json> <cases.json>
// Proves the tokenizer.json loads in @huggingface/tokenizers and encodes exactly like training/tokenizer.py.
import fs from "node:fs";
import { Tokenizer } from "@huggingface/tokenizers";
const [tokPath, casesPath] = process.argv.slice(2);
const tj = JSON.parse(fs.readFileSync(tokPath, "utf8"));
const tok = new Tokenizer(tj, { add_bos_token: false, add_eos_token: false });
const cases = JSON.parse(fs.readFileSync(casesPath, "utf8"));
let bad = 0;
for (const c of cases.cases) {
  const ids = tok.encode(c.text, { add_special_tokens: false }).ids.map(Number);
  const same = ids.length === c.ids.length && ids.every((v, i) => v === c.ids[i]);
  if (!same) { bad++; console.log("MISMATCH", JSON.stringify(c.text), "\n js", ids.join(","), "\n py", c.ids.join(",")); }
  const dec = c.ids.length ? tok.decode(c.ids, { skip_special_tokens: false }) : "";
  if (dec !== c.text) console.log("decode differs:", JSON.stringify(c.text), "->", JSON.stringify(dec));
}
const im = tok.encode("<image>", { add_special_tokens: false }).ids.map(Number);
const eoc = tok.encode("<|endofchunk|>", { add_special_tokens: false }).ids.map(Number);
console.log(`<image> -> [${im}] (expected ${cases.image_id}), <|endofchunk|> -> [${eoc}] (expected ${cases.eoc_id})`);
if (im.length !== 1 || im[0] !== cases.image_id || eoc.length !== 1 || eoc[0] !== cases.eoc_id) bad++;
console.log(bad === 0 ? `OK: ${cases.cases.length} strings encode identically in JS and Python` : `FAILED: ${bad}`);
process.exit(bad ? 1 : 0);
