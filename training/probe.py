"""Quick checkpoint probe while training: ranking accuracy (and with --gen greedy exact-match) on a few held-out
few-shot cells; no captions, no ablations. For the full table use training.evaluate.

    /usr/bin/python3 -m training.probe --run s3b --episodes 200
    /usr/bin/python3 -m training.probe --bridge stage3d_bridge.pt --lm stage2c_lm.pt --gen   # an earlier pair
    /usr/bin/python3 -m training.probe --text --lm stage2c_lm.pt   # the frozen LM alone, text keys for images
    /usr/bin/python3 -m training.probe --vision   # what the frozen features and the visual tokens hold (linear probes)
    /usr/bin/python3 -m training.probe --zero-shot --bridge stage3f_bridge.pt   # what it captions / answers, per class
"""
import argparse, json, os, time
import torch
import torch.nn.functional as F
from .common import TRAIN_DIR, Logger, setup_threads
from .tokenizer import Tokenizer
from .data import build_dataset
from .train import load_model, probe_lm, to_pixels
from .evaluate import Evaluator


def _encode(model, u8, tokens):
    """u8 [N, H, W, 3] -> flattened frozen features [N, 64 * vis_dim], or with tokens the bridge's visual tokens
    [N, n_latents * d_model] (the resampler's output, what the gated blocks read)."""
    out = []
    with torch.no_grad():
        for i in range(0, len(u8), 500):
            f = model.vision(to_pixels(u8[i:i + 500], "cpu"))
            out.append(model.resampler(f.unsqueeze(1)) if tokens else f)
    f = torch.cat(out)
    return f.reshape(len(f), -1)


def _linear_probe(x_train, y_train, x_test, y_test, n_classes, steps=300):
    """Softmax regression on standardised inputs, fitted on the training rows; accuracy on the test rows."""
    mu, sd = x_train.mean(0), x_train.std(0) + 1e-5
    x_train, x_test = (x_train - mu) / sd, (x_test - mu) / sd
    w = torch.zeros(x_train.shape[1], n_classes, requires_grad=True)
    b = torch.zeros(n_classes, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=1e-2)
    for _ in range(steps):
        loss = F.cross_entropy(x_train @ w + b, y_train) + 1e-3 * (w ** 2).sum()
        opt.zero_grad(); loss.backward(); opt.step()
    return ((x_test @ w + b).argmax(1) == y_test).float().mean().item()


def probe_vision_scenes(model, ds, log, tokens=False):
    """Linear probe: can shape, count and colour be read off a scene's frozen features (or visual tokens)?
    Fitted on the training renders, scored on the held-out renders. This bounds what the bridge could extract
    for VQA."""
    what = "visual tokens" if tokens else "frozen features"
    f = _encode(model, ds["scenes"], tokens)
    train = torch.tensor([s == "train" for s in ds["scene_split"]])
    for key in ("shape", "count", "colour"):
        values = sorted({str(m[key]) for m in ds["scene_meta"]})
        y = torch.tensor([values.index(str(m[key])) for m in ds["scene_meta"]])
        acc = _linear_probe(f[train], y[train], f[~train], y[~train], len(values))
        majority = torch.bincount(y[~train]).max().item() / int((~train).sum())
        log("linear probe of the %s, held-out scenes: %s %.3f (majority %.3f)" % (what, key, acc, majority))


def probe_vision_emoji(model, ds, log, tokens=False, views=6):
    """Linear probe: can an unseen emoji's subcategory (the zero-shot caption) be read off its frozen features (or
    visual tokens)? Fitted on `views` augmented views of every training emoji, scored on two views of every
    held-out emoji (the evaluation's caption items)."""
    emoji = ds["emoji"]
    subs = sorted({e["sub"] for e in emoji})
    train = [i for i, e in enumerate(emoji) if e["split"] == "train"]
    held = [i for i, e in enumerate(emoji) if e["split"] == "heldout"]

    def data(classes, n_views):
        u8 = ds["emoji_views"][classes, :n_views].reshape(-1, *ds["emoji_views"].shape[2:])
        return _encode(model, u8, tokens), torch.tensor([subs.index(emoji[c]["sub"]) for c in classes for _ in range(n_views)])
    x_train, y_train = data(train, views)
    x_test, y_test = data(held, 2)
    acc = _linear_probe(x_train, y_train, x_test, y_test, len(subs))
    majority = (y_test == torch.bincount(y_train).argmax()).float().mean().item()
    log("linear probe of the %s, held-out emoji: subcategory %.3f (training majority answer %.3f)" % (
        "visual tokens" if tokens else "frozen features", acc, majority))


def probe_zero_shot(ev, ds, tok, log, n_scenes=500):
    """What the model answers zero-shot, beyond its accuracy: the most frequent subcategory names it captions unseen
    emoji with (the evaluation's 754 items) and the confusion matrix of the shape question on held-out scenes. A model
    that ignores the image shows one distribution everywhere."""
    from collections import Counter
    from . import episodes as E

    def answers(prompt, refs):
        out = []
        for i in range(0, len(refs), ev.bs):
            built = [E.build(tok, [{"img": r, "parts": [(prompt, 0)]}]) for r in refs[i:i + ev.bs]]
            gen = ev.generate([(b[0], b[2], b[3]) for b in built], max_new=8)
            out += [tok.decode([t for t in g if t != tok.eoc_id]).strip() for g in gen]
        return out
    held = [c for c, e in enumerate(ds["emoji"]) if e["split"] == "heldout"]
    items = [(("e", c, v), ds["emoji"][c]["sub"]) for c in held for v in (0, 1)]
    said = answers(E.CAP, [r for r, _ in items])
    right = sum(s == a for s, (_, a) in zip(said, items))
    names = {e["sub"] for e in ds["emoji"]}
    log("emoji captions: %.3f exact (n=%d), %d of the %d subcategory names used; most frequent answers %s" % (
        right / len(items), len(items), len(names & set(said)), len(names), Counter(said).most_common(8)))
    scenes = [i for i, s in enumerate(ds["scene_split"]) if s == "heldout"][:n_scenes]
    said = answers("Question:What shape are they? Short answer:", [("s", i) for i in scenes])
    conf = Counter((ds["scene_meta"][i]["shape"], s) for i, s in zip(scenes, said))
    right = sum(v for (t, s), v in conf.items() if t == s)
    log("shape question: %.3f exact (n=%d)" % (right / len(scenes), len(scenes)))
    for shape in ("circle", "square", "triangle", "cross"):
        log("  %-8s answered %s" % (shape, dict(sorted(((s, v) for (t, s), v in conf.items() if t == shape),
                                                       key=lambda x: -x[1]))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="main")
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--cells", default="2:4,5:1,5:4,5:8")
    ap.add_argument("--seed", type=int, default=0, help="episode draw; 0 = the same episodes as training.evaluate")
    ap.add_argument("--bridge", default="stage3_bridge.pt", help="a bridge checkpoint in the run folder")
    ap.add_argument("--lm", default=None, help="the frozen LM it was trained against (default: the run's latest)")
    ap.add_argument("--gen", action="store_true", help="also greedy-decode and count exact labels")
    ap.add_argument("--vision", action="store_true", help="linear probes of the frozen features and of the bridge's "
                    "visual tokens (emoji subcategory; scene shape, count, colour)")
    ap.add_argument("--zero-shot", action="store_true",
                    help="what the model captions unseen emoji with, and its shape-question confusion matrix")
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
        model, ds = load_model(run, cfg, "cpu", bridge_file=a.bridge).eval(), build_dataset(log)
        for tokens in (False, True):
            if tokens:
                log("visual tokens of bridge %s" % a.bridge)
            probe_vision_emoji(model, ds, log, tokens)
            probe_vision_scenes(model, ds, log, tokens)
        return
    if a.text:
        model = load_model(run, cfg, "cpu", stage3=False, lm_file=a.lm)
        log("probe: text LM %s" % (a.lm or "latest"))
        probe_lm(model.lm, tok, log, n=a.episodes, seed=a.seed, cells=((2, 2), (5, 4), (5, 8)), greedy=True)
        return
    model = load_model(run, cfg, "cpu", lm_file=a.lm, bridge_file=a.bridge).eval()
    log("probe: bridge %s, LM %s" % (a.bridge, a.lm or "latest"))
    ds = build_dataset(log)
    ev = Evaluator(model, tok, ds, log)
    if a.zero_shot:
        probe_zero_shot(ev, ds, tok, log)
        return
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
