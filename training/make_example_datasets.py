"""Write the example datasets seeded into the Examples library (lib/examples/datasets/<name>/),
from the bundled model's CLASS-DISJOINT held-out split (training/data.py): held-out emoji classes with
held-out pseudo-word labels, and held-out procedural scene renders. Deterministic (SEED).

    cd /work/main && /usr/bin/python3 training/make_example_datasets.py

novel-emoji-2way/  "Novel emoji (2-way)": 2 held-out emoji classes x 40 augmented views (32x32, the
                   model's input size), each labelled with a made-up pseudo-word bound to its class only
                   through the prompt; candidates = both labels. Format <image>Output:{label}<|endofchunk|>.
scene-vqa/         "Scene VQA": 90 held-out scene renders (32x32), 30 each of colour / shape / count
                   questions with their closed answer sets as candidates.
scene-colours/     "Scene colours (task from examples)": 60 other held-out scenes, 10 per colour, in the
                   classification format with no question: which attribute to name (the colour, not the
                   shape or the count) is given only by the demonstrations. Its own seed, so the two
                   datasets above stay byte-identical.
Each folder holds data.jsonl (the eval CLI's format, README "Datasets for eval") and images/*.png.
"""
import json, os, random, shutil, sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
from PIL import Image  # noqa: E402
from training.data import COLOURS, SHAPES, LabelMaker, build_dataset  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "lib", "examples", "datasets")
SEED = int(os.environ.get("EXAMPLE_SEED", "11"))
VIEWS = 40  # training/data.py N_VIEWS_HELD


def fresh(name):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "images"))
    return d


def save(d, rows, meta):
    with open(os.path.join(d, "data.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(d, "source.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


def emoji_2way(ds, rng):
    emoji = ds["emoji"]
    held = [i for i, e in enumerate(emoji) if e["split"] == "heldout"]
    # two classes from different categories, so the pair is visually distinct
    a = rng.choice(held)
    b = rng.choice([i for i in held if emoji[i]["category"] != emoji[a]["category"]])
    lm = LabelMaker("heldout")
    labels = []
    while len(labels) < 2:
        w = lm.pseudo(rng)
        if w not in labels:
            labels.append(w)
    d = fresh("novel-emoji-2way")
    rows = []
    for k, (c, label) in enumerate(zip([a, b], labels)):
        for v in range(VIEWS):
            name = "images/c%d_v%02d.png" % (k, v)
            Image.fromarray(ds["emoji_views"][c, v]).save(os.path.join(d, name), optimize=True)
            rows.append({"image": name, "answer": label, "candidates": list(labels)})
    rng.shuffle(rows)
    save(d, rows, {"seed": SEED, "classes": [{"label": l, "emoji": emoji[c]["name"], "image": emoji[c]["image"]}
                                            for c, l in zip([a, b], labels)]})
    return [emoji[a]["name"], emoji[b]["name"]], labels


def scene_vqa(ds, rng, per_type=30):
    held = [i for i, s in enumerate(ds["scene_split"]) if s == "heldout"]
    picks = rng.sample(held, 3 * per_type)
    d = fresh("scene-vqa")
    cands = {"What color are the shapes?": sorted(COLOURS), "What shape are they?": list(SHAPES),
             "How many shapes are there?": ["1", "2", "3", "4"]}
    rows = []
    for k, i in enumerate(picks):
        q = list(cands)[k % 3]
        answer = dict(ds["scene_meta"][i]["qa"])[q]
        name = "images/s%03d.png" % k
        Image.fromarray(ds["scenes"][i]).save(os.path.join(d, name), optimize=True)
        rows.append({"image": name, "question": q, "answer": answer, "candidates": cands[q]})
    rng.shuffle(rows)
    save(d, rows, {"seed": SEED, "scene_indices": picks})
    return picks


def scene_colours(ds, rng, taken, per_colour=10):
    held = [i for i, s in enumerate(ds["scene_split"]) if s == "heldout" and i not in taken]
    q = "What color are the shapes?"
    by_colour = {c: [i for i in held if dict(ds["scene_meta"][i]["qa"])[q] == c] for c in sorted(COLOURS)}
    d = fresh("scene-colours")
    rows, picks = [], []
    for colour, pool in by_colour.items():
        for i in rng.sample(pool, per_colour):
            name = "images/%s_%04d.png" % (colour, i)
            Image.fromarray(ds["scenes"][i]).save(os.path.join(d, name), optimize=True)
            rows.append({"image": name, "answer": colour, "candidates": sorted(COLOURS)})
            picks.append(i)
    rng.shuffle(rows)
    save(d, rows, {"seed": SEED + 1, "scene_indices": picks})


def main():
    ds = build_dataset(log=lambda *_: None)
    rng = random.Random(SEED)
    names, labels = emoji_2way(ds, rng)
    taken = scene_vqa(ds, rng)
    scene_colours(ds, random.Random(SEED + 1), set(taken))
    print("novel-emoji-2way:", list(zip(names, labels)))


if __name__ == "__main__":
    main()
