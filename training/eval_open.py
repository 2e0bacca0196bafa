"""Few-shot open-ended evaluation, as in Flamingo's VQA / captioning tables: a prompt of k demonstrations of the SAME
task on OTHER images, then the query image with an empty answer; greedy generation (stop at <|endofchunk|>, at most
8 tokens) scored by exact match (generated text + EOC == the answer + EOC) and token F1 (word overlap, SQuAD-style).

    /usr/bin/python3 -m training.eval_open [--package public/models/flamingo-mini | --run-dir D] [--items 100]
                                           [--shots 0,1,2,4,8,16] [--out eval_open.json]

What a "shot" counts here: Flamingo's convention, the number of demonstrations in the prompt (k images + answers
before the query), whatever their answers. (The model card's classification tables count demonstrations PER CLASS:
"5-way 4-shot" is 20 demonstrations.) 0 shots = the query alone (no text-only format demonstrations).

Tasks, on the class-disjoint held-out split (no image of these was seen in training):
  vqa_color / vqa_shape / vqa_count  held-out scenes, "Question:{q} Short answer:{a}"
  vqa_position                       held-out one-shape scenes, "Is it on the left or the right?"
  caption_emoji                      held-out emoji -> their subcategory ("Caption:{sub}"); demonstrations are other
                                     held-out emoji (other classes), so a caption is right only if read from the image
                                     or from a demonstration of the same subcategory
Two prompt styles, on the same items and demonstrations:
  question      as above: the prompt says what is asked ("Question:... Short answer:", "Caption:")
  from_demos    Flamingo's "Output:" format with no question: "<image>Output:{answer}<|endofchunk|>" demonstrations,
                then "<image>Output:"; which task it is (colour? count? side? subcategory?) is given only by the
                demonstrations, so 0 shots cannot know it and accuracy rises with shots
Each query item is evaluated at every shot count with nested demonstrations (the k-shot prompt's demonstrations are
the first k of its 16), so the columns are paired. Variants: the model, and gates forced to 0 (tanh gates x 0: the
LM alone reads the text of the prompt, i.e. the answer prior given the question and the demonstrations' answers).
"""
import argparse, json, math, os, random, time
from collections import Counter
import numpy as np
import torch

from .common import PKG_DIR, Logger, save_json, setup_threads
from .data import build_dataset
from . import episodes as E

SHOTS = (0, 1, 2, 4, 8, 16)
TASKS = ("vqa_color", "vqa_shape", "vqa_count", "vqa_position", "caption_emoji")
_QI = {"vqa_color": 0, "vqa_shape": 1, "vqa_count": 2, "vqa_position": 3}
VARIANTS = (("main", 1.0), ("gates_0", 0.0))
STYLES = ("question", "from_demos")


def restyle(items, style):
    """Items (image ref, prompt text, answer) in a prompt style: from_demos replaces the prompt text by "Output:"."""
    return items if style == "question" else [(ref, E.OUT, a) for ref, _, a in items]


def token_f1(pred, gold):
    p, g = pred.lower().split(), gold.lower().split()
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or not common:
        return float(p == g)
    pr, rc = common / len(p), common / len(g)
    return 2 * pr * rc / (pr + rc)


def _mean_ci(xs):
    n = len(xs)
    m = float(np.mean(xs)) if n else float("nan")
    sd = float(np.std(xs, ddof=1)) if n > 1 else 0.0
    return {"mean": round(m, 4), "ci95": round(1.96 * sd / math.sqrt(max(n, 1)), 4), "n": n}


def task_items(ds, task, n, seed=0):
    """-> (queries [(image ref, prompt text, answer)], demo pool [(image ref, prompt text, answer)], majority answer
    of the training split)."""
    rng = random.Random("%s-%d" % (task, seed))
    if task == "caption_emoji":
        ho = [i for i, e in enumerate(ds["emoji"]) if e["split"] == "heldout"]
        pool = [(("e", c, 39), E.CAP, ds["emoji"][c]["sub"]) for c in ho]  # view 39: never a query view
        q = rng.sample(ho, min(n, len(ho)))
        queries = [(("e", c, rng.randrange(0, 20)), E.CAP, ds["emoji"][c]["sub"]) for c in q]
        maj = Counter(e["sub"] for e in ds["emoji"] if e["split"] == "train").most_common(1)[0][0]
        return queries, pool, maj
    qi = _QI[task]
    sc_ho = [i for i, s in enumerate(ds["scene_split"]) if s == "heldout" and len(ds["scene_meta"][i]["qa"]) > qi]
    sc_tr = [i for i, s in enumerate(ds["scene_split"]) if s == "train" and len(ds["scene_meta"][i]["qa"]) > qi]

    def item(s):
        q, a = ds["scene_meta"][s]["qa"][qi]
        return (("s", s), "Question:" + q + " Short answer:", a)
    rng.shuffle(sc_ho)
    queries = [item(s) for s in sc_ho[:n]]
    pool = [item(s) for s in sc_ho[n:]] or [item(s) for s in sc_ho]
    maj = Counter(ds["scene_meta"][s]["qa"][qi][1] for s in sc_tr).most_common(1)[0][0]
    return queries, pool, maj


def build_prompts(tok, queries, pool, shots, seed=0):
    """For every query: {k: (ids, imgs, iidx)} with the first k of 16 demonstrations drawn from the pool (never the
    query's own image)."""
    rng = random.Random(seed + 17)
    kmax = max(shots)
    out = []
    for qref, qtext, _ in queries:
        demos = []
        while len(demos) < kmax:
            d = rng.choice(pool)
            if d[0] != qref and (d[0][0] != "e" or d[0][1] != qref[1]):
                demos.append(d)
        per = {}
        for k in shots:
            chunks = [{"img": r, "parts": [(t, 0), (a, 0), (E.EOC, 0), ("\n", 0)]} for r, t, a in demos[:k]]
            chunks.append({"img": qref, "parts": [(qtext, 0)]})
            ids, _, imgs, ii = E.build(tok, chunks)
            per[k] = (ids, imgs, ii)
        out.append(per)
    return out


def run_open_eval(model, tok, ds, log, n_items=100, shots=SHOTS, tasks=TASKS, variants=VARIANTS, bs=32, seed=0, ev=None,
                  styles=STYLES):
    """-> {"shots", "items_per_cell", "tasks": the question style's {task: {variant: {k: {exact, f1}}}},
    "from_demos": {"tasks": the same for the from_demos style}} (the styles asked for)."""
    from .evaluate import Evaluator
    ev = ev or Evaluator(model, tok, ds, log, bs=bs)
    t0 = time.time()
    res = {"shot_means": "demonstrations in the prompt (Flamingo's count); 0 = the query alone",
           "items_per_cell": n_items, "shots": list(shots)}
    for style in styles:
        out = res.setdefault("tasks", {}) if style == "question" else res.setdefault(style, {}).setdefault("tasks", {})
        for task in tasks:
            queries, pool, maj = task_items(ds, task, n_items, seed)
            prompts = build_prompts(tok, restyle(queries, style), restyle(pool, style), shots, seed)
            out[task] = _score_task(ev, tok, log, "%s/%s" % (style, task), prompts, [a for _, _, a in queries], maj,
                                    shots, variants, t0)
    res["seconds"] = round(time.time() - t0)
    return res


def _score_task(ev, tok, log, label, prompts, answers, maj, shots, variants, t0):
    tr = {"majority_answer": maj, "majority_exact": _mean_ci([float(a == maj) for a in answers]), "n": len(answers)}
    for name, gs in variants:
        tr[name] = {}
        for k in shots:
            exact, f1 = [], []
            for i in range(0, len(prompts), ev.bs):
                chunk = [p[k] for p in prompts[i:i + ev.bs]]
                outs = ev.generate(chunk, max_new=8, gate_scale=gs)
                for o, a in zip(outs, answers[i:i + ev.bs]):
                    txt = tok.decode([t for t in o if t != tok.eoc_id]).strip()
                    exact.append(float(o == tok.encode_text(a) + [tok.eoc_id]))
                    f1.append(token_f1(txt, a))
            tr[name][str(k)] = {"exact": _mean_ci(exact), "f1": _mean_ci(f1)}
        log("%-24s %-8s exact " % (label, name) + " ".join("%d:%.2f" % (k, tr[name][str(k)]["exact"]["mean"]) for k in shots)
            + " | F1 " + " ".join("%d:%.2f" % (k, tr[name][str(k)]["f1"]["mean"]) for k in shots)
            + " | majority %.2f ('%s') (%.0fs)" % (tr["majority_exact"]["mean"], maj, time.time() - t0))
    return tr


def table_md(res, variants=("main", "gates_0"), shots=None):
    shots = shots or res["shots"]
    out = ["| task | variant | metric | " + " | ".join("%d-shot" % k for k in shots) + " | majority answer |",
           "|" + "---|" * (4 + len(shots))]
    for task, tr in res["tasks"].items():
        for var in variants:
            if var not in tr:
                continue
            for metric in ("exact", "f1"):
                cells = ["%.1f ± %.1f" % (100 * tr[var][str(k)][metric]["mean"], 100 * tr[var][str(k)][metric]["ci95"]) for k in shots]
                out.append("| %s | %s | %s | %s | %s |" % (
                    task, "**model**" if var == "main" else "gates forced to 0", "exact match" if metric == "exact" else "token F1",
                    " | ".join(cells), "%.1f (`%s`)" % (100 * tr["majority_exact"]["mean"], tr["majority_answer"]) if metric == "exact" else ""))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] + " A shot = one demonstration in the prompt "
                                 "(Flamingo's count), not one per class as in the classification tables.")
    ap.add_argument("--package", default=None, help="evaluate a package's ONNX weights (default: %s)" % os.path.relpath(PKG_DIR))
    ap.add_argument("--run-dir", default=None, help="evaluate a recipe run's final weights instead")
    ap.add_argument("--items", type=int, default=100, help="query items per task (each at every shot count)")
    ap.add_argument("--shots", default=",".join(map(str, SHOTS)), help="demonstrations in the prompt")
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--styles", default=",".join(STYLES), help="question (the prompt says what is asked) and/or "
                    "from_demos (\"Output:\" only: the task is given by the demonstrations)")
    ap.add_argument("--out", default=None, help="write the result as JSON (and a .md table beside it)")
    a = ap.parse_args()
    setup_threads()
    log = print
    if a.run_dir:
        from .recipe import load_run_model
        model, cfg, tok = load_run_model(a.run_dir)
    else:
        from .package_weights import load_checked
        model, cfg, tok, _ = load_checked(a.package or PKG_DIR)
    ds = build_dataset(log)
    res = run_open_eval(model, tok, ds, log, n_items=a.items, shots=[int(x) for x in a.shots.split(",")],
                        tasks=a.tasks.split(","), styles=a.styles.split(","))
    md = "\n\n".join(table_md(r, shots=res["shots"]) for r in (res, res.get("from_demos")) if r and r.get("tasks"))
    print(md)
    if a.out:
        save_json(res, a.out)
        open(os.path.splitext(a.out)[0] + ".md", "w").write(md + "\n")


if __name__ == "__main__":
    main()
