"""PyTorch eager reference generate loop (KV-cached greedy, B = 1) over the weights of the shipped package,
for `npm run bench` to compare our server decode against.

    /usr/bin/python3 -m training.reference_generate [--tokens 32] [--repeats 3] [--threads 1] [--run auto] [--json]

The package (public/models/flamingo-mini/) holds ONNX graphs only, so the weights are loaded from a training run's
checkpoints (training/runs/<run>/: config.json, stage1_vision.pt, stage2_lm.pt, stage3_bridge.pt if any) and shown to
be the package's weights: the run must reproduce the package's golden.json (first-position logits within its tolerance,
greedy continuations exactly). `--run auto` takes the first run that does (main, then interim, then any other).

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

import numpy as np
import torch
from PIL import Image

from .common import PKG_DIR, TRAIN_DIR
from .model import image_index_from_ids
from .train import load_model, to_pixels


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


def matches_golden(model, cfg, pkg, golden, prompts):
    """Max |Δ| of the first-position logits (first 32) and whether every greedy continuation is exact."""
    worst, exact = 0.0, True
    for p in prompts:
        vis = visual_tokens(model, cfg, pkg, p["images"])
        gen, first, _, _, _ = generate(model, p["input_ids"], vis, model.lm_eoc_id, 12, force=False)
        ref = p["first_position_logits"]["first_32"]
        worst = max(worst, float((first[: len(ref)] - torch.tensor(ref)).abs().max()))
        exact = exact and gen == p["greedy_ids"]
    return worst, exact


def candidate_runs(choice):
    root = os.path.join(TRAIN_DIR, "runs")
    if choice != "auto":
        return [choice]
    names = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    return [r for r in ["main", "interim"] if r in names] + [r for r in names if r not in ("main", "interim")]


def load_package_weights(pkg, choice, log):
    golden, prompts = golden_prompts(pkg)
    tol = golden["tolerance"]["logits"]
    man = json.load(open(os.path.join(pkg, "manifest.json")))
    st = man["special_tokens"]
    tried = []
    for run in candidate_runs(choice):
        d = os.path.join(TRAIN_DIR, "runs", run)
        if not all(os.path.exists(os.path.join(d, f)) for f in ["config.json", "stage1_vision.pt", "stage2_lm.pt"]):
            tried.append("%s: no config.json + stage1_vision.pt + stage2_lm.pt" % run)
            continue
        cfg = json.load(open(os.path.join(d, "config.json")))
        model = load_model(d, cfg, "cpu").eval()
        model.lm_image_id, model.lm_eoc_id = st["image"]["id"], st["stop_token_id"]
        try:
            worst, exact = matches_golden(model, cfg, pkg, golden, prompts)
        except Exception as e:  # a checkpoint of another architecture
            tried.append("%s: %s" % (run, str(e).splitlines()[0][:120]))
            continue
        if worst <= tol and exact:
            log("weights: training/runs/%s reproduces %s/golden.json (max |dlogit| %.2e <= %g, greedy ids exact)" % (
                run, os.path.relpath(pkg), worst, tol))
            return run, model, cfg, prompts
        tried.append("%s: max |dlogit| %.2e, greedy exact %s" % (run, worst, exact))
    sys.exit("reference_generate: no training run reproduces the package's golden vectors, so the PyTorch weights "
             "would not be the package's: " + "; ".join(tried))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", default=PKG_DIR)
    ap.add_argument("--run", default="auto")
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("FLAMINGO_THREADS", "1")))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    log = (lambda *_: None) if a.json else print
    run, model, cfg, prompts = load_package_weights(a.package, a.run, (lambda m: print(m, file=sys.stderr)) if a.json else log)
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
        print("mean decode: %.1f tok/s (PyTorch %s eager, %d thread(s), run %s)" % (
            out["mean_tokens_per_second"], torch.__version__, out["threads"], run))


if __name__ == "__main__":
    main()
