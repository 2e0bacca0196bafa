"""Writes the measured eval table into the package manifest and the model card.

    /usr/bin/python3 -m training.card --run main
"""
import os, json, argparse, shutil
from .common import TRAIN_DIR, PKG_DIR, save_json
from .tokenizer import Tokenizer
from . import export as X

SHOTS = [0, 1, 2, 4, 8]


def pct(c):
    return "%.1f ± %.1f" % (100 * c["acc"], 100 * c["ci95"])


def fewshot_md(ev):
    fs = ev["fewshot"]
    out = []
    cols = ["%d-shot" % s for s in SHOTS] + ["16 images", "32 images"]
    out.append("| task | scoring | variant | " + " | ".join(cols) + " |")
    out.append("|" + "---|" * (3 + len(cols)))
    for n in (2, 5):
        for metric, mname in (("rank", "log-likelihood ranking"), ("gen", "greedy generation, exact label + EOC")):
            for var, vname in (("main", "**model**"), ("gates_0", "gates forced to 0"), ("no_mask", "no masking rule")):
                cells = []
                for c in cols:
                    k = "%d-way %s" % (n, c)
                    cells.append(pct(fs[k][var][metric]) if k in fs and var in fs[k] and metric in fs[k][var] else "–")
                out.append("| %d-way (chance %.0f%%) | %s | %s | %s |" % (n, 100.0 / n, mname, vname, " | ".join(cells)))
    return "\n".join(out)


def cv_md(ev):
    cv = ev.get("caption_vqa") or {}
    out = ["| task (zero-shot, greedy, exact match) | model | gates forced to 0 | majority-answer baseline | n |", "|---|---|---|---|---|"]
    for k, v in cv.items():
        out.append("| %s | %s | %s | %s (`%s`) | %d |" % (k, pct(v["main"]), pct(v["gates_0"]) if "gates_0" in v else "–",
                                                       pct(v["majority_baseline"]), v["majority_answer"], v["main"]["n"]))
    return "\n".join(out)


def open_md(ev):
    """The few-shot open-ended tables (training/eval_open.py), from eval.json's "open_ended" or a separate eval_open.json."""
    from .eval_open import table_md
    res = ev.get("open_ended")
    if not res:
        return "(not measured for this package: `python3 -m training.eval_open`)"
    out = ["%d query items per task, each at every shot count with nested demonstrations; mean ± 95%% CI." % res["items_per_cell"],
           "", "**The prompt says what is asked** (\"Question:... Short answer:\", \"Caption:\"):", "", table_md(res)]
    if res.get("from_demos"):
        out += ["", "**The task given only by the demonstrations** (Flamingo's \"Output:\" format, no question: "
                "`<image>Output:red<|endofchunk|>` ... `<image>Output:`; at 0 shots nothing says what is asked). Trained on "
                "scenes only: after `Output:` an emoji is a class whose label the prompt binds (the classification "
                "tables), so emoji captions are asked with `Caption:`:", "",
                table_md(res["from_demos"], shots=res["shots"])]
    return "\n".join(out)


def phases_md(run):
    """A recipe run's phases with their wall time (state.json, training/recipe.py); empty for older runs."""
    sp, rp = os.path.join(run, "state.json"), os.path.join(run, "recipe.json")
    if not (os.path.exists(sp) and os.path.exists(rp)):
        return ""
    state, recipe = json.load(open(sp))["phases"], json.load(open(rp))
    vs = json.load(open(os.path.join(run, "versions.json")))["starts"] if os.path.exists(os.path.join(run, "versions.json")) else []
    out = ["## Training run", "Recipe `%s`, seed %s; %s." % (recipe.get("recipe_file"), recipe["run"]["seed"], ", ".join(
        sorted({"torch %s on %s" % (v["torch"], v.get("gpu") or v["device"]) for v in vs})) or "versions unknown"),
        "", "| phase | kind | starts from | steps | wall time |", "|---|---|---|---|---|"]
    for p in recipe["phase"]:
        st = state.get(p["name"], {})
        secs = st.get("seconds")
        out.append("| %s | %s | %s | %s | %s |" % (p["name"], p["kind"], json.dumps(p.get("start", "scratch")).replace('"', ""),
                                                  p.get("steps", "–"), "%.1f min" % (secs / 60) if secs is not None else "–"))
    return "\n".join(out)


def main(run):
    write_card(run, PKG_DIR)


def write_card(run, pkg):
    ev = json.load(open(os.path.join(run, "eval.json")))
    if "open_ended" not in ev and os.path.exists(os.path.join(run, "eval_open.json")):
        ev["open_ended"] = json.load(open(os.path.join(run, "eval_open.json")))
    info = json.load(open(os.path.join(run, "train_info.json"))) if os.path.exists(os.path.join(run, "train_info.json")) else {}
    cfg = json.load(open(os.path.join(run, "config.json")))
    tok = Tokenizer.load(os.path.join(run, "tokenizer.json"))
    X.write_manifest(cfg, tok, pkg, eval_table=ev, train_info=info)
    from .curve_svg import write_curve_svg
    write_curve_svg(ev, os.path.join(pkg, "fewshot_curve.svg"))
    stale = os.path.join(pkg, "fewshot_curve.png")  # 0.5.0's matplotlib plot
    if os.path.exists(stale):
        os.remove(stale)
    tmpl = open(os.path.join(TRAIN_DIR, "model_card_template.md")).read()
    man = json.load(open(os.path.join(pkg, "manifest.json")))
    card = tmpl.replace("{{FEWSHOT_TABLE}}", fewshot_md(ev)).replace("{{CV_TABLE}}", cv_md(ev)) \
        .replace("{{OPEN_TABLE}}", open_md(ev)) \
        .replace("{{WEIGHT_MB}}", "%.1f" % (man["total_weight_bytes"] / 1e6)) \
        .replace("{{EPISODES}}", str(ev["episodes_per_cell"]))
    notes_p = os.path.join(run, "notes.md")
    notes = open(notes_p).read() if os.path.exists(notes_p) else ""
    notes = (phases_md(run) + "\n\n" + notes).strip()
    card = card.replace("{{TRAINING_NOTES}}", notes)
    open(os.path.join(pkg, "README.md"), "w").write(card)
    print("wrote manifest eval table + README.md")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="main")
    a = ap.parse_args()
    main(os.path.join(TRAIN_DIR, "runs", a.run))
