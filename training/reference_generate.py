"""PyTorch eager reference generate loop (KV-cached greedy, B = 1) over the weights of the shipped package,
for `npm run bench` to compare our server decode against.

    /usr/bin/python3 -m training.reference_generate [--tokens 32] [--repeats 3] [--threads 1] [--package DIR] [--json]

The weights are the package's own: training/package_weights.py builds the PyTorch model from the initialisers of
vision.onnx and lm.onnx (read without the `onnx` package) and checks it against the package's golden.json (visual
tokens and first-position logits within its tolerance, greedy continuations exactly), so this runs on a fresh clone
with only Debian's python3-torch (`apt-get install -y python3-torch python3-pil`); no training checkpoint is needed.

Prompts: the golden prompts (their exact input_ids and images). Each is prefilled once, then decoded for exactly
--tokens new tokens (<|endofchunk|> suppressed, as `minTokens = maxTokens` does in the engine), so both sides do the
same work. Decode tokens/s = (tokens - 1) / decode seconds (one LM call per token after the first), as the engine's
`timings.tokensPerSecond`; tokens per CPU second too (steadier on a shared machine). The best of --repeats runs
is kept.
"""
import argparse, json, os, sys, time


def _pin_native_threads():
    """Size the OpenMP / BLAS pools to --threads before torch loads. Otherwise Debian's OpenMP OpenBLAS starts a
    thread per core whatever torch.set_num_threads says: with --threads 1 it spins a second thread, so the reference
    burns ~2 CPU seconds per second and slows down when the shared cores are busy (an unfair, slower baseline)."""
    n = os.environ.get("FLAMINGO_THREADS", "1")
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            n = sys.argv[i + 1]
        elif a.startswith("--threads="):
            n = a.split("=", 1)[1]
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = n


_pin_native_threads()

INSTALL_HINT = ("PyTorch is not installed for %s: install Debian's packages with "
                "`sudo apt-get install -y python3-torch python3-numpy python3-pil` (training/README.md)" % sys.executable)
try:
    import numpy as np
    import torch
    from PIL import Image
except ImportError as e:  # said plainly, as the last line (npm run bench prints it)
    sys.exit("reference_generate: %s (%s)" % (INSTALL_HINT, e))

from .common import PKG_DIR
from .model import image_index_from_ids
from .package_weights import load_checked
from .train import to_pixels


def golden_prompts(pkg):
    g = json.load(open(os.path.join(pkg, "golden.json")))
    return g, g["prompts"]


def visual_tokens(model, cfg, pkg, images):
    if not images:
        return torch.zeros(1, 1, cfg["n_latents"], cfg["d_model"])
    u8 = np.stack([np.asarray(Image.open(os.path.join(pkg, f)).convert("RGB")) for f in images])
    return model.encode_images(to_pixels(u8, "cpu")).unsqueeze(0)


@torch.no_grad()
def generate(model, ids, vis, eoc_id, n_new, force):
    """Prefill `ids` ([S] list), then greedy-decode n_new tokens (EOC suppressed when `force`).
    Returns (new ids, first-position logits, prefill s, decode s, decode CPU s)."""
    t0 = time.perf_counter()
    ids_t = torch.tensor([ids])
    ii = image_index_from_ids(ids_t, model.lm_image_id)
    logits, past, _, _ = model.lm(ids_t, vis, ii, model.lm.empty_past(1, "cpu"))
    first = logits[0, -1].clone()
    last_img = torch.tensor([[int(ii[0, -1])]])
    t1 = time.perf_counter()
    c1 = time.process_time()
    out = []
    row = logits[0, -1]
    for step in range(n_new):
        if force:
            row = row.clone()
            row[eoc_id] = -float("inf")
        nxt = int(row.argmax())
        out.append(nxt)
        if nxt == eoc_id or step == n_new - 1:
            break
        logits, past, _, _ = model.lm(torch.tensor([[nxt]]), vis, last_img, past)
        row = logits[0, -1]
    t2 = time.perf_counter()
    return out, first, t1 - t0, t2 - t1, time.process_time() - c1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", default=PKG_DIR)
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("FLAMINGO_THREADS", "1")))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    log = (lambda *_: None) if a.json else print
    model, cfg, _, man = load_checked(a.package, (lambda m: print(m, file=sys.stderr)) if a.json else log)
    _, prompts = golden_prompts(a.package)
    run = "package %s %s" % (man.get("id", os.path.basename(a.package)), man.get("version", "?"))
    rows = []
    for p in prompts:  # warm-up (allocator, first-call costs)
        generate(model, p["input_ids"], visual_tokens(model, cfg, a.package, p["images"]), model.lm_eoc_id, 4, force=True)
    for p in prompts:
        vis = visual_tokens(model, cfg, a.package, p["images"])
        best = None
        for _ in range(a.repeats):
            gen, _, pre_s, dec_s, cpu_s = generate(model, p["input_ids"], vis, model.lm_eoc_id, a.tokens, force=True)
            if best is None or dec_s < best[2]:
                best = (gen, pre_s, dec_s, cpu_s)
        gen, pre_s, dec_s, cpu_s = best
        tps = (len(gen) - 1) / dec_s if dec_s > 0 else 0.0
        rows.append({"name": p["name"], "prompt_tokens": len(p["input_ids"]), "images": len(p["images"]),
                     "new_tokens": len(gen), "prefill_ms": pre_s * 1e3, "decode_ms": dec_s * 1e3,
                     "tokens_per_second": tps, "tokens_per_cpu_second": (len(gen) - 1) / cpu_s if cpu_s > 0 else 0.0,
                     "token_ids": gen})
        log("%-18s %3d prompt tokens, %d images: prefill %6.2f ms, decode %3d tokens %8.1f tok/s" % (
            p["name"], len(p["input_ids"]), len(p["images"]), pre_s * 1e3, len(gen), tps))
    out = {"run": run, "torch": torch.__version__, "threads": torch.get_num_threads(), "tokens": a.tokens, "prompts": rows,
           "mean_tokens_per_second": float(np.mean([r["tokens_per_second"] for r in rows]))}
    if a.json:
        print(json.dumps(out))
    else:
        print("mean decode: %.1f tok/s (PyTorch %s eager, %d thread(s), weights of %s)" % (
            out["mean_tokens_per_second"], torch.__version__, out["threads"], run))


if __name__ == "__main__":
    main()
