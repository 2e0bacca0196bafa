"""Offline data: Noto emoji (npm emoji-datasource-google, Apache-2.0), procedural PIL scenes,
word list (/usr/share/dict/words, Debian wamerican) + generated pseudo-words.

Everything is generated deterministically from fixed seeds and cached under training/.cache
(git-ignored). The class split and the label-word split are fixed (seed 1234) and independent
of the training seed, so that the held-out split is always the same.
"""
import os, json, random, hashlib
import numpy as np
from PIL import Image, ImageDraw
from .common import EMOJI_DIR, CACHE

IMG = 32            # model input resolution
N_VIEWS = 12        # augmented views per training emoji class
N_VIEWS_HELD = 40   # augmented views per held-out emoji class (so 16-shot prompts need no repeats)
SPLIT_SEED = 1234

# ---------------------------------------------------------------- words / labels
_BAD = {"output", "caption", "question", "short", "answer", "image"}


def load_words():
    ws = []
    for w in open("/usr/share/dict/words", encoding="utf-8"):
        w = w.strip()
        if w.isascii() and w.isalpha() and w.islower() and 3 <= len(w) <= 9 and w not in _BAD:
            ws.append(w)
    ws = sorted(set(ws))
    random.Random(SPLIT_SEED).shuffle(ws)
    k = int(len(ws) * 0.8)
    return ws[:k], ws[k:]        # train label words, held-out label words


_ON = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "bl", "gr", "st", "tr", "kr", "pl", "sn", "dr"]
_NU = ["a", "e", "i", "o", "u", "ai", "ee", "oo", "ou"]
_CO = ["", "", "n", "x", "k", "p", "sh", "m", "l", "t", "rb", "nd"]


def pseudo_word(rng):
    return "".join(rng.choice(_ON) + rng.choice(_NU) for _ in range(rng.choice([1, 2, 2, 3]))) + rng.choice(_CO)


class LabelMaker:
    """Labels are bound to classes only inside a prompt: redrawn per episode.
    Mix of dictionary words and pseudo-words, single words and two-word labels."""

    def __init__(self, split):
        tr, ev = load_words()
        self.words = tr if split == "train" else ev
        self.split = split
        self.dict_all = set(tr) | set(ev)

    def pseudo(self, rng):
        while True:
            w = pseudo_word(rng)
            if w in self.dict_all or w in _BAD or len(w) < 3:
                continue
            # pseudo-words are split by a hash so train / held-out pools are disjoint
            h = int(hashlib.md5(w.encode()).hexdigest(), 16) % 5
            if (h == 0) == (self.split != "train"):
                return w

    def one(self, rng):
        w = rng.choice(self.words) if rng.random() < 0.6 else self.pseudo(rng)
        if rng.random() < 0.2:
            w = w + " " + (rng.choice(self.words) if rng.random() < 0.5 else self.pseudo(rng))
        return w

    def distinct(self, rng, n):
        out = []
        while len(out) < n:
            w = self.one(rng)
            if w not in out:
                out.append(w)
        return out


# ---------------------------------------------------------------- emoji
def emoji_meta():
    d = json.load(open(os.path.join(EMOJI_DIR, "emoji.json")))
    out = []
    for e in d:
        if not e.get("has_img_google") or e["category"] == "Component":
            continue
        p = os.path.join(EMOJI_DIR, "img", "google", "64", e["image"])
        if not os.path.exists(p):
            continue
        name = (e.get("name") or e["short_name"]).lower()
        out.append({"name": name, "category": e["category"], "sub": e["subcategory"].replace("-", " "),
                    "path": p, "image": e["image"]})
    out.sort(key=lambda x: x["image"])
    # class-disjoint split: 20% of the emoji of every subcategory held out
    rng = random.Random(SPLIT_SEED)
    by = {}
    for i, e in enumerate(out):
        by.setdefault(e["sub"], []).append(i)
    for sub, idx in sorted(by.items()):
        rng.shuffle(idx)
        k = max(1, int(round(len(idx) * 0.2))) if len(idx) >= 3 else 0
        for j, i in enumerate(idx):
            out[i]["split"] = "heldout" if j < k else "train"
    return out


def _load_rgba(path):
    return Image.open(path).convert("RGBA")


def render_emoji(im, rng, canonical=False):
    """One augmented 32x32 RGB view: random scale, position, background colour, brightness."""
    if canonical:
        s, bg, ox, oy = 0.9, (255, 255, 255), None, None
    else:
        s = rng.uniform(0.6, 1.0)
        bg = tuple(int(rng.uniform(170, 255)) for _ in range(3)) if rng.random() < 0.7 else (255, 255, 255)
    size = max(8, int(round(IMG * s)))
    e = im.resize((size, size), Image.BILINEAR)
    if canonical:
        ox = oy = (IMG - size) // 2
    else:
        ox = rng.randint(0, IMG - size); oy = rng.randint(0, IMG - size)
    canvas = Image.new("RGBA", (IMG, IMG), bg + (255,))
    canvas.alpha_composite(e, (ox, oy))
    a = np.asarray(canvas.convert("RGB"), dtype=np.float32)
    if not canonical:
        a = a * rng.uniform(0.85, 1.1) + rng.uniform(-10, 10)
    return np.clip(a, 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- procedural scenes
COLOURS = {"red": (220, 30, 30), "green": (30, 170, 40), "blue": (30, 60, 220), "yellow": (235, 200, 20),
           "purple": (140, 40, 180), "orange": (245, 130, 20)}
SHAPES = ["circle", "square", "triangle", "cross"]
COUNTS = ["one", "two", "three", "four"]


def _draw_shape(d, shape, cx, cy, r, col):
    if shape == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=col)
    elif shape == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=col)
    elif shape == "triangle":
        d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=col)
    else:
        w = r // 3
        d.rectangle([cx - r, cy - w, cx + r, cy + w], fill=col)
        d.rectangle([cx - w, cy - r, cx + w, cy + r], fill=col)


def render_scene(rng):
    S = 4 * IMG
    shape, colour = rng.choice(SHAPES), rng.choice(list(COLOURS))
    n = rng.randint(1, 4)
    bg = (255, 255, 255) if rng.random() < 0.5 else tuple(int(rng.uniform(200, 250)) for _ in range(3))
    im = Image.new("RGB", (S, S), bg)
    d = ImageDraw.Draw(im)
    r = rng.randint(11, 15) if n > 1 else rng.randint(14, 22)
    pos = None
    placed = []
    for _ in range(n):
        for _try in range(200):
            if n == 1:
                side = rng.choice(["left", "right"])
                cx = rng.randint(r + 2, S // 2 - r - 4) if side == "left" else rng.randint(S // 2 + r + 4, S - r - 2)
                pos = side
            else:
                cx = rng.randint(r + 2, S - r - 2)
            cy = rng.randint(r + 2, S - r - 2)
            if all((cx - x) ** 2 + (cy - y) ** 2 > (2 * r + 6) ** 2 for x, y in placed):
                placed.append((cx, cy)); break
    n = len(placed)
    for cx, cy in placed:
        _draw_shape(d, shape, cx, cy, r, COLOURS[colour])
    arr = np.asarray(im.resize((IMG, IMG), Image.LANCZOS), dtype=np.uint8)
    caption = "%s %s %s" % (COUNTS[n - 1], colour, (shape + ("es" if shape == "cross" else "s")) if n > 1 else shape)
    qa = [("What color are the shapes?", colour), ("What shape are they?", shape),
          ("How many shapes are there?", str(n))]
    if n == 1:
        qa.append(("Is it on the left or the right?", pos))
    return arr, {"shape": shape, "colour": colour, "count": n, "pos": pos, "caption": caption, "qa": qa}


# ---------------------------------------------------------------- cached dataset
def build_dataset(log=print):
    path = os.path.join(CACHE, "dataset_v2.npz")
    mpath = os.path.join(CACHE, "dataset_v2.json")
    if os.path.exists(path) and os.path.exists(mpath):
        z = np.load(path)
        meta = json.load(open(mpath))
        return {"emoji_views": z["emoji_views"], "emoji_canon": z["emoji_canon"], "scenes": z["scenes"],
                "emoji": meta["emoji"], "scene_meta": meta["scene_meta"], "scene_split": meta["scene_split"]}
    meta = emoji_meta()
    rng = random.Random(SPLIT_SEED)
    views = np.zeros((len(meta), N_VIEWS_HELD, IMG, IMG, 3), np.uint8)
    canon = np.zeros((len(meta), IMG, IMG, 3), np.uint8)
    for i, e in enumerate(meta):
        im = _load_rgba(e["path"])
        canon[i] = render_emoji(im, rng, canonical=True)
        for v in range(N_VIEWS if e["split"] == "train" else N_VIEWS_HELD):
            views[i, v] = render_emoji(im, rng)
    log("emoji: %d classes (%d train / %d held-out), %d / %d views each" % (
        len(meta), sum(e["split"] == "train" for e in meta), sum(e["split"] == "heldout" for e in meta), N_VIEWS, N_VIEWS_HELD))
    n_sc = 8000
    scenes = np.zeros((n_sc, IMG, IMG, 3), np.uint8)
    smeta = []
    for i in range(n_sc):
        scenes[i], m = render_scene(rng)
        smeta.append(m)
    split = ["heldout" if i >= n_sc - 1500 else "train" for i in range(n_sc)]
    np.savez(path, emoji_views=views, emoji_canon=canon, scenes=scenes)
    json.dump({"emoji": [{k: v for k, v in e.items() if k != "path"} for e in meta], "scene_meta": smeta,
               "scene_split": split}, open(mpath, "w"))
    log("scenes: %d (%d held-out renders)" % (n_sc, 1500))
    return build_dataset(log)


def text_corpus_for_bpe(ds, n=60000, seed=0):
    """Text used to learn the BPE merges (formats, captions, questions, names, label words)."""
    rng = random.Random(seed)
    tr, ev = load_words()
    lm = LabelMaker("train")
    texts = []
    for e in ds["emoji"]:
        texts.append(e["name"]); texts.append("Caption:" + e["sub"])
    for m in ds["scene_meta"][:3000]:
        texts.append("Caption:" + m["caption"])
        for q, a in m["qa"]:
            texts.append("Question:%s Short answer:%s" % (q, a))
    words = tr + ev
    for _ in range(n // 4):
        texts.append(" ".join(rng.choice(words) for _ in range(6)))
        texts.append("Output:" + lm.one(rng))
    texts += ["Output:", "Caption:", "Question:", "Short answer:"] * 200
    return texts


# ---------------------------------------------------------------- tiny synthetic dataset (tests, smoke runs)
def tiny_dataset(n_classes=24, n_scenes=240, seed=5):
    """A small dataset with the structure of build_dataset's, generated in about a second without the emoji package:
    each "emoji" class is a random coloured polygon pictogram (name "tiny thing <i>", subcategory one of four), held
    out 1 in 4; the scenes are render_scene's, the last quarter held out. For tests and smoke runs only."""
    rng = random.Random(seed)
    subs = ["round tiny", "square tiny", "spiky tiny", "flat tiny"]
    meta, views, canon = [], np.zeros((n_classes, N_VIEWS_HELD, IMG, IMG, 3), np.uint8), np.zeros((n_classes, IMG, IMG, 3), np.uint8)
    for i in range(n_classes):
        im = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        col = tuple(rng.randrange(30, 230) for _ in range(3)) + (255,)
        pts = [(rng.randrange(4, 60), rng.randrange(4, 60)) for _ in range(3 + i % 4)]
        d.polygon(pts, fill=col)
        d.ellipse([20, 20, 44, 44], outline=col[:3] + (255,), width=3 + i % 3)
        meta.append({"name": "tiny thing %d" % i, "category": "Tiny", "sub": subs[i % 4], "image": "tiny%d.png" % i,
                     "split": "heldout" if i % 4 == 3 else "train"})
        canon[i] = render_emoji(im, rng, canonical=True)
        for v in range(N_VIEWS_HELD):
            views[i, v] = render_emoji(im, rng)
    scenes = np.zeros((n_scenes, IMG, IMG, 3), np.uint8)
    smeta = []
    for i in range(n_scenes):
        scenes[i], m = render_scene(rng)
        smeta.append(m)
    split = ["heldout" if i >= n_scenes - n_scenes // 4 else "train" for i in range(n_scenes)]
    return {"emoji_views": views, "emoji_canon": canon, "scenes": scenes, "emoji": meta, "scene_meta": smeta,
            "scene_split": split}
