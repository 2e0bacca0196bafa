"""Quick checkpoint probe while training: ranking accuracy (and with --gen greedy exact-match) on a few held-out
few-shot cells; no captions, no ablations. For the full table use training.evaluate.

    /usr/bin/python3 -m training.probe --run s3b --episodes 200
    /usr/bin/python3 -m training.probe --bridge stage3d_bridge.pt --lm stage2c_lm.pt --gen   # an earlier pair
    /usr/bin/python3 -m training.probe --text --lm stage2c_lm.pt   # the frozen LM alone, text keys for images
    /usr/bin/python3 -m training.probe --vision   # what the frozen vision features hold about the scenes
"""
import argparse, json, os, time
import torch
import torch.nn.functional as F
from .common import TRAIN_DIR, Logger, setup_threads
from .tokenizer import Tokenizer
from .data import build_dataset
from .train import load_model, probe_lm, to_pixels
from .evaluate import Evaluator


def probe_vision_scenes(model, ds, log, steps=300):
    """Linear probe: can shape, count and colour be read off the frozen stage-1 features of a scene?
    Features [N, 64, vis_dim] are flattened and standardised; a softmax regression is fitted on the training
    renders and scored on the held-out renders. This bounds what the bridge could extract for VQA."""
    with torch.no_grad():
        f = torch.cat([model.vision(to_pixels(ds["scenes"][i:i + 500], "cpu")) for i in range(0, len(ds["scenes"]), 500)])
    f = f.reshape(len(f), -1)
    f = (f - f.mean(0)) / (f.std(0) + 1e-5)
    train = torch.tensor([s == "train" for s in ds["scene_split"]])
    for key in ("shape", "count", "colour"):
        values = sorted({str(m[key]) for m in ds["scene_meta"]})
        y = torch.tensor([values.index(str(m[key])) for m in ds["scene_meta"]])
        w = torch.zeros(f.shape[1], len(values), requires_grad=True)
        b = torch.zeros(len(values), requires_grad=True)
        opt = torch.optim.Adam([w, b], lr=1e-2)
        for _ in range(steps):
            loss = F.cross_entropy(f[train] @ w + b, y[train]) + 1e-3 * (w ** 2).sum()
            opt.zero_grad(); loss.backward(); opt.step()
        acc = ((f[~train] @ w + b).argmax(1) == y[~train]).float().mean().item()
        majority = torch.bincount(y[~train]).max().item() / int((~train).sum())
        log("vision linear probe, held-out scenes: %s %.3f (majority %.3f)" % (key, acc, majority))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="main")
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--cells", default="2:4,5:1,5:4,5:8")
    ap.add_argument("--seed", type=int, default=0, help="episode draw; 0 = the same episodes as training.evaluate")
    ap.add_argument("--bridge", default="stage3_bridge.pt", help="a bridge checkpoint in the run folder")
    ap.add_argument("--lm", default=None, help="the frozen LM it was trained against (default: the run's latest)")
    ap.add_argument("--gen", action="store_true", help="also greedy-decode and count exact labels")
    ap.add_argument("--vision", action="store_true", help="linear probe of the frozen vision features on scenes")
    ap.add_argument("--text", action="store_true",
                    help="probe the text LM alone (words as keys, ranking and greedy) instead of the model")
    a = ap.parse_args()
    setup_threads()
    run = os.path.join(TRAIN_DIR, "runs", a.run)
    log = Logger(os.path.join(run, "probe_log.txt"))
    cfg = json.load(open(os.path.join(run, "config.json")))
    tok = Tokenizer.load(os.path.join(run, "tokenizer.json"))
    for f in (a.lm, None if a.text else a.bridge):
        if f and not os.path.exists(os.path.join(run, f)):
            raise SystemExit("no checkpoint %s in %s" % (f, run))
    if a.vision:
        probe_vision_scenes(load_model(run, cfg, "cpu", stage3=False).eval(), build_dataset(log), log)
        return
    if a.text:
        model = load_model(run, cfg, "cpu", stage3=False, lm_file=a.lm)
        log("probe: text LM %s" % (a.lm or "latest"))
        probe_lm(model.lm, tok, log, n=a.episodes, seed=a.seed, cells=((2, 2), (5, 4), (5, 8)), greedy=True)
        return
    model = load_model(run, cfg, "cpu", lm_file=a.lm, bridge_file=a.bridge).eval()
    log("probe: bridge %s, LM %s" % (a.bridge, a.lm or "latest"))
    ev = Evaluator(model, tok, build_dataset(log), log)
    t0 = time.time()
    for cell in a.cells.split(","):
        n, s = (int(x) for x in cell.split(":"))
        res = ev.fewshot(n, shots=s, n_ep=a.episodes, seed=a.seed, gen=a.gen)["main"]
        r = res["rank"]
        gen = " gen %.3f±%.3f" % (res["gen"]["acc"], res["gen"]["ci95"]) if a.gen else ""
        log("probe %d-way %d-shot rank %.3f±%.3f%s (n=%d, seed %d, %.0fs)" % (n, s, r["acc"], r["ci95"], gen, r["n"],
                                                                            a.seed, time.time() - t0))


if __name__ == "__main__":
    main()
