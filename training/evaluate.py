"""Evaluation on the CLASS-DISJOINT held-out split (held-out emoji classes, held-out label words,
held-out scene renders). Prints mean accuracy with 95% CI (normal approximation, n episodes per cell).

    nice -n 5 /usr/bin/python3 -m training.evaluate --run main --episodes 500 --write

--write stores the table in the run dir (eval.json), the package manifest + model card, and draws
the few-shot curve plot (training/runs/<run>/fewshot_curve.png).

What a "shot" counts here: demonstrations PER CLASS. "5-way 4-shot" is a prompt of 20 demonstrations (Flamingo, which
counts demonstrations in the prompt, would call it 20-shot); "16 images" / "32 images" give the prompt's total.
The open-ended few-shot VQA / captioning evaluation (training/eval_open.py) counts demonstrations in the prompt.
"""
import os, json, math, random, argparse, time
import numpy as np
import torch
import torch.nn.functional as F
from .common import TRAIN_DIR, PKG_DIR, Logger, save_json, setup_threads
from .tokenizer import Tokenizer
from .data import build_dataset, LabelMaker, N_VIEWS_HELD
from .train import load_model, FeatureBank
from . import episodes as E

SHOTS = [0, 1, 2, 4, 8]
NIMG = [16, 32]


def ci(hits):
    n = len(hits)
    p = float(np.mean(hits)) if n else float("nan")
    return {"acc": round(p, 4), "ci95": round(1.96 * math.sqrt(max(p * (1 - p), 1e-12) / n), 4), "n": n}


class Evaluator:
    def __init__(self, model, tok, ds, log, bs=32):
        self.m, self.tok, self.ds, self.log, self.bs = model, tok, ds, log, bs
        self.cfg = model.cfg
        bank = FeatureBank(model, ds, "cpu", log, which="eval")
        t0 = time.time()
        with torch.no_grad():  # visual tokens of every held-out image, computed once
            def rs(f):
                return torch.cat([self.m.resampler(f[i:i + 1024].float().unsqueeze(1)) for i in range(0, len(f), 1024)])
            H = bank.held
            self.vt_emoji = rs(H.reshape(-1, *H.shape[2:])).view(H.shape[0], H.shape[1], self.cfg["n_latents"], -1)
            self.vt_scene = rs(bank.scene)
        self.hmap = bank.hmap
        log("visual tokens: %.1fs" % (time.time() - t0))

    def vis_tokens(self, refs):
        return torch.stack([self.vt_emoji[self.hmap[r[1]], r[2]] if r[0] == "e" else self.vt_scene[r[1]] for r in refs])

    @torch.no_grad()
    def prefill(self, prompts, gate_scale=1.0, only_immediate=True):
        """prompts: list of (ids, imgs, iidx). Left-padded batch -> last logits, past, key_valid, last image idx, vis."""
        B = len(prompts)
        S = max(len(p[0]) for p in prompts)
        N = max(1, max(len(p[1]) for p in prompts))
        L, D = self.cfg["n_latents"], self.cfg["d_model"]
        ids = torch.full((B, S), self.tok.pad_id, dtype=torch.long)
        ii = torch.full((B, S), -1, dtype=torch.long)
        kv = torch.zeros(B, S, dtype=torch.bool)
        vis = torch.zeros(B, N, L, D)
        for b, (i, im, x) in enumerate(prompts):
            o = S - len(i)
            ids[b, o:] = torch.tensor(i); ii[b, o:] = torch.tensor(x); kv[b, o:] = True
            if im:
                vis[b, :len(im)] = self.vis_tokens(im)
        lg, past, _, _ = self.m.lm(ids, vis, ii, None, gate_scale=gate_scale, only_immediate=only_immediate, key_valid=kv)
        return lg[:, -1], past, kv, ii[:, -1], vis

    @torch.no_grad()
    def rank(self, prompts, cands, gate_scale=1.0, only_immediate=True, pre=None):
        """cands[b] = list of token-id lists (label + EOC). Returns summed log-prob per candidate."""
        last, past, kv, lastimg, vis = pre or self.prefill(prompts, gate_scale, only_immediate)
        B = len(cands)
        rows = [(b, c) for b in range(B) for c in cands[b]]
        C = max(len(c) for _, c in rows)
        R = len(rows)
        bi = torch.tensor([b for b, _ in rows])
        x = torch.full((R, C), self.tok.pad_id, dtype=torch.long)
        for r, (_, c) in enumerate(rows):
            x[r, :len(c)] = torch.tensor(c)
        ii = lastimg[bi][:, None].expand(R, C)
        kv2 = torch.cat([kv[bi], torch.ones(R, C, dtype=torch.bool)], 1)
        lg, _, _, _ = self.m.lm(x, vis[bi], ii, past[:, :, bi], gate_scale=gate_scale, only_immediate=only_immediate, key_valid=kv2)
        lp = torch.cat([F.log_softmax(last[bi], -1)[:, None], F.log_softmax(lg[:, :-1], -1)], 1)
        tok_lp = lp.gather(2, x[:, :, None])[:, :, 0]
        valid = torch.zeros(R, C)
        for r, (_, c) in enumerate(rows):
            valid[r, :len(c)] = 1
        scores = (tok_lp * valid).sum(1).tolist()
        out, k = [], 0
        for b in range(B):
            out.append(scores[k:k + len(cands[b])]); k += len(cands[b])
        return out

    @torch.no_grad()
    def generate(self, prompts, max_new=10, gate_scale=1.0, only_immediate=True, pre=None):
        last, past, kv, lastimg, vis = pre or self.prefill(prompts, gate_scale, only_immediate)
        B = last.shape[0]
        outs = [[] for _ in range(B)]
        done = [False] * B
        lg = last
        for _ in range(max_new):
            nxt = lg.argmax(-1)
            for b in range(B):
                if not done[b]:
                    outs[b].append(int(nxt[b]))
                    done[b] = int(nxt[b]) == self.tok.eoc_id
            if all(done):
                break
            kv = torch.cat([kv, torch.ones(B, 1, dtype=torch.bool)], 1)
            l2, past, _, _ = self.m.lm(nxt[:, None], vis, lastimg[:, None], past, gate_scale=gate_scale,
                                       only_immediate=only_immediate, key_valid=kv)
            lg = l2[:, -1]
        return outs

    # -------------------------------------------------------------- tasks
    def fewshot(self, n_way, shots=None, n_demo=None, n_ep=500, seed=0, variants=(("main", 1.0, True),), gen=True):
        ds, tok = self.ds, self.tok
        ho = [i for i, e in enumerate(ds["emoji"]) if e["split"] == "heldout"]
        labels = LabelMaker("heldout")
        rng = random.Random(1000 * n_way + 10 * (shots or 0) + (n_demo or 0) + seed)
        eps = []
        for _ in range(n_ep):
            cls = rng.sample(ho, n_way)
            lab = labels.distinct(rng, n_way)
            used = {c: rng.sample(range(N_VIEWS_HELD), N_VIEWS_HELD) for c in cls}

            def mk(c, query=False):
                return ("e", c, used[c].pop())
            chunks, q = E.fewshot_prompt(rng, n_way, shots, cls, lab, mk, n_demo=n_demo)
            ids, _, imgs, ii = E.build(tok, chunks)
            cands = [tok.encode_text(l) + [tok.eoc_id] for l in lab]
            eps.append(((ids, imgs, ii), cands, q))
        res = {}
        for name, gs, oi in variants:
            hr, hg = [], []
            for i in range(0, n_ep, self.bs):
                chunk = eps[i:i + self.bs]
                pre = self.prefill([e[0] for e in chunk], gs, oi)
                sc = self.rank(None, [e[1] for e in chunk], gs, oi, pre=pre)
                hr += [int(np.argmax(s) == e[2]) for s, e in zip(sc, chunk)]
                if gen:
                    g = self.generate(None, max_new=max(len(c) for e in chunk for c in e[1]), gate_scale=gs, only_immediate=oi, pre=pre)
                    hg += [int(o == e[1][e[2]]) for o, e in zip(g, chunk)]
            res[name] = {"rank": ci(hr)}
            if gen:
                res[name]["gen"] = ci(hg)
        return res

    def caption_vqa(self, n=500, seed=0, variants=(("main", 1.0, True),)):
        ds, tok = self.ds, self.tok
        rng = random.Random(77 + seed)
        ho = [i for i, e in enumerate(ds["emoji"]) if e["split"] == "heldout"]
        sc_ho = [i for i, s in enumerate(ds["scene_split"]) if s == "heldout"]
        sc_tr = [i for i, s in enumerate(ds["scene_split"]) if s == "train"]
        from collections import Counter
        tasks = {}
        # emoji: caption = subcategory (seen categories, unseen emoji)
        items = [(("e", c, v), ds["emoji"][c]["sub"]) for c in ho for v in (0, 1)]
        if n < len(ho):
            items = items[:n]
        maj = Counter(ds["emoji"][c]["sub"] for c in range(len(ds["emoji"])) if ds["emoji"][c]["split"] == "train").most_common(1)[0][0]
        tasks["caption_emoji_subcategory"] = ([(E.CAP, r, a) for r, a in items], maj)
        its = rng.sample(sc_ho, min(n, len(sc_ho)))
        maj = Counter(ds["scene_meta"][s]["caption"] for s in sc_tr).most_common(1)[0][0]
        tasks["caption_scene"] = ([(E.CAP, ("s", s), ds["scene_meta"][s]["caption"]) for s in its], maj)
        for qi, qn in enumerate(["color", "shape", "count", "position"]):
            pool = [s for s in sc_ho if len(ds["scene_meta"][s]["qa"]) > qi]
            its = [pool[i % len(pool)] for i in range(n)] if len(pool) < n else rng.sample(pool, n)
            q = ds["scene_meta"][its[0]]["qa"][qi][0]
            maj = Counter(ds["scene_meta"][s]["qa"][qi][1] for s in sc_tr if len(ds["scene_meta"][s]["qa"]) > qi).most_common(1)[0][0]
            tasks["vqa_" + qn] = ([("Question:" + q + " Short answer:", ("s", s), ds["scene_meta"][s]["qa"][qi][1]) for s in its], maj)
        res = {}
        for tname, (items, maj) in tasks.items():
            res[tname] = {"majority_answer": maj, "majority_baseline": ci([int(a == maj) for _, _, a in items])}
            for name, gs, oi in variants:
                hits = []
                for i in range(0, len(items), self.bs):
                    chunk = items[i:i + self.bs]
                    prompts = [E.build(tok, [{"img": r, "parts": [(p, 0)]}]) for p, r, _ in chunk]
                    prompts = [(a[0], a[2], a[3]) for a in prompts]
                    outs = self.generate(prompts, max_new=8, gate_scale=gs, only_immediate=oi)
                    hits += [int(o == tok.encode_text(a) + [tok.eoc_id]) for o, (_, _, a) in zip(outs, chunk)]
                res[tname][name] = ci(hits)
        return res


VARIANTS = (("main", 1.0, True), ("gates_0", 0.0, True), ("no_mask", 1.0, False))


def run_eval(run, log, n_ep=500, write=False, quick=False):
    cfg = json.load(open(os.path.join(run, "config.json")))
    tok = Tokenizer.load(os.path.join(run, "tokenizer.json"))
    model = load_model(run, cfg, "cpu").eval()
    ds = build_dataset(log)
    ev = Evaluator(model, tok, ds, log)
    t0 = time.time()
    table = {"episodes_per_cell": n_ep, "split": "class-disjoint held-out (377 emoji classes never seen in any stage; held-out label words/pseudo-words; held-out scene renders)",
             "fewshot": {}, "caption_vqa": None}
    cells = [(n, s, None) for s in (0, 1, 2, 4) for n in (2, 5)] + [(2, 8, None), (2, None, 16), (2, None, 32),
                                                                    (5, 8, None), (5, None, 16), (5, None, 32)]
    if quick:
        cells = [(2, 0, None), (2, 4, None), (5, 4, None)]
    cv = ev.caption_vqa(n=n_ep, variants=VARIANTS[:2])
    table["caption_vqa"] = cv
    for k, v in cv.items():
        log("%-26s acc %.3f±%.3f (n=%d) | gates=0 %.3f | majority baseline %.3f ('%s')" % (
            k, v["main"]["acc"], v["main"]["ci95"], v["main"]["n"], v["gates_0"]["acc"], v["majority_baseline"]["acc"], v["majority_answer"]))
    for n, s, m in cells:
        key = "%d-way %s" % (n, ("%d-shot" % s) if s is not None else ("%d images" % m))
        r = ev.fewshot(n, shots=s, n_demo=m, n_ep=n_ep, variants=VARIANTS)
        table["fewshot"][key] = {"n_way": n, "shots": s, "n_demo_images": m if m is not None else n * s, **r}
        log("%-18s rank %.3f±%.3f gen %.3f±%.3f | gates=0 rank %.3f gen %.3f | no-mask rank %.3f gen %.3f (%.0fs)" % (
            key, r["main"]["rank"]["acc"], r["main"]["rank"]["ci95"], r["main"]["gen"]["acc"], r["main"]["gen"]["ci95"],
            r["gates_0"]["rank"]["acc"], r["gates_0"]["gen"]["acc"], r["no_mask"]["rank"]["acc"], r["no_mask"]["gen"]["acc"], time.time() - t0))
        if write:
            save_json(table, os.path.join(run, "eval_partial.json"))
    table["eval_seconds"] = round(time.time() - t0)
    if write:
        save_json(table, os.path.join(run, "eval.json"))
        plot(table, os.path.join(run, "fewshot_curve.png"))
    return table


def finalize_partial(run):
    """If the full evaluation could not finish, publish the cells that were measured."""
    t = json.load(open(os.path.join(run, "eval_partial.json")))
    t["incomplete"] = True
    save_json(t, os.path.join(run, "eval.json"))
    plot(t, os.path.join(run, "fewshot_curve.png"))


def plot(table, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, n in zip(axes, (2, 5)):
        xs = SHOTS
        for var, sty in (("main", "-"), ("gates_0", ":"), ("no_mask", "--")):
            for metric, col in (("rank", "C0"), ("gen", "C1")):
                have = [i for i, s in enumerate(xs) if "%d-way %d-shot" % (n, s) in table["fewshot"]]
                ys = [table["fewshot"]["%d-way %d-shot" % (n, xs[i])][var][metric]["acc"] for i in have]
                es = [table["fewshot"]["%d-way %d-shot" % (n, xs[i])][var][metric]["ci95"] for i in have]
                ax.errorbar(have, ys, yerr=es, fmt=sty + "o", color=col, ms=3, capsize=2,
                            alpha=1.0 if var == "main" else 0.5, label="%s %s" % (metric, var))
            extra = [table["fewshot"].get("%d-way %d images" % (n, m)) for m in NIMG]
            if var == "main" and all(extra):
                ax.errorbar([len(xs), len(xs) + 1], [e["main"]["rank"]["acc"] for e in extra],
                            yerr=[e["main"]["rank"]["ci95"] for e in extra], fmt="s", color="C2", label="rank, 16/32 demo images")
        ax.axhline(1.0 / n, color="gray", lw=0.8, ls="--", label="chance")
        ax.set_xticks(range(len(xs) + 2)); ax.set_xticklabels([str(s) for s in xs] + ["16 img", "32 img"])
        ax.set_xlabel("shots per class"); ax.set_ylabel("accuracy"); ax.set_ylim(0, 1.02)
        ax.set_title("%d-way, novel labels, held-out classes" % n)
        ax.legend(fontsize=6.5, loc="upper left")
    fig.tight_layout(); fig.savefig(path, dpi=110)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Few-shot classification of held-out emoji with novel labels. A k-shot cell "
                                 "has k demonstrations PER CLASS (5-way 4-shot = 20 in the prompt); Flamingo's count, "
                                 "demonstrations in the prompt, is used by training/eval_open.py.")
    ap.add_argument("--run", default="main")
    ap.add_argument("--episodes", type=int, default=500)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    setup_threads()
    run = os.path.join(TRAIN_DIR, "runs", a.run)
    run_eval(run, Logger(os.path.join(run, "eval_log.txt")), n_ep=a.episodes, write=a.write, quick=a.quick)
