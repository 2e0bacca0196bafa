"""The interleaved training rows of the bridge phases, drawn as a recipe's data mix declares (training/recipe.toml):

  classification  a bursty few-shot episode: 1-5 training emoji classes, labels drawn per episode and bound to the
                  classes only inside this prompt; the first occurrence of each label is not a target
                  (episodes.bursty_sequence), later ones are
  captions        a run of 1-8 independent captioned / VQA images (the zero-shot tasks), as the shipped phases had
  open_fewshot    an open-ended few-shot episode: 1 to max_shots+1 chunks of ONE task (a VQA question type, emoji
                  captions or scene captions) on different training images, so the answer format and the answer
                  vocabulary come from the demonstrations and the answer itself from the image; every answer is a target
  open_from_demos an open-ended few-shot episode in the classification format (<image>Output:{answer}), with no question
                  or "Caption:": which task it is (colour, shape, count, side, emoji subcategory, scene caption) is
                  given only by the demonstrations, as in Flamingo's prompts; the first answer is not a target (nothing
                  before it says what is asked), every later one is

A row is one sequence of at most max_images images; `answer_only` leaves the fixed prompt text ("Caption:",
"Question:... Short answer:") out of the loss.
"""
from .data import N_VIEWS
from . import episodes as E

OPEN_TASKS = ("vqa_color", "vqa_shape", "vqa_count", "vqa_position", "caption_emoji", "caption_scene")
_QI = {"vqa_color": 0, "vqa_shape": 1, "vqa_count": 2, "vqa_position": 3}


def _pick(rng, weights):
    """weights: {name: weight} -> a name drawn in proportion (iteration order fixed by sorted names)."""
    items = sorted((k, float(v)) for k, v in weights.items() if float(v) > 0)
    u = rng.random() * sum(w for _, w in items)
    for k, w in items:
        u -= w
        if u < 0:
            return k
    return items[-1][0]


def classification_row(rng, ctx, max_images, ways):
    n = rng.choice(ways)
    cls = rng.sample(ctx["tr_cls"], n)
    lab = ctx["labels"].distinct(rng, n)
    n_chunks = rng.randint(n + 1, max(n + 1, max_images))
    return E.bursty_sequence(rng, cls, lab, n_chunks, lambda c: ("e", c, rng.randrange(N_VIEWS)))


def captions_row(rng, ctx, max_images, p_vqa=0.4, p_emoji_cap=7 / 12, p_shape=0.0, answer_only=False):
    ds, chunks = ctx["ds"], []
    pl = 0 if answer_only else 1
    for _ in range(rng.randint(1, min(8, max_images))):
        u = rng.random()
        if u < (1 - p_vqa) * p_emoji_cap:
            c = rng.choice(ctx["tr_cls"])
            chunks.append(E.cap_chunk(("e", c, rng.randrange(N_VIEWS)), ds["emoji"][c]["sub"], pl))
        elif u < 1 - p_vqa:
            s = rng.choice(ctx["tr_sc"])
            chunks.append(E.cap_chunk(("s", s), ds["scene_meta"][s]["caption"], pl))
        else:
            s = rng.choice(ctx["tr_sc"])
            qa = ds["scene_meta"][s]["qa"]
            q, a = qa[1] if p_shape and rng.random() < p_shape else rng.choice(qa)
            chunks.append(E.vqa_chunk(("s", s), q, a, pl))
    return chunks


def open_task_item(rng, ctx, task):
    """-> (image ref, answer) of one training image of an open-ended task (its question: the scene's qa table)."""
    ds = ctx["ds"]
    if task == "caption_emoji":
        c = rng.choice(ctx["tr_cls"])
        return ("e", c, rng.randrange(N_VIEWS)), ds["emoji"][c]["sub"]
    if task == "caption_scene":
        s = rng.choice(ctx["tr_sc"])
        return ("s", s), ds["scene_meta"][s]["caption"]
    pool = ctx["tr_sc_pos"] if task == "vqa_position" else ctx["tr_sc"]
    s = rng.choice(pool)
    return ("s", s), ds["scene_meta"][s]["qa"][_QI[task]][1]


def open_task_chunk(rng, ctx, task, pl):
    img, answer = open_task_item(rng, ctx, task)
    if task.startswith("caption_"):
        return E.cap_chunk(img, answer, pl)
    q = ctx["ds"]["scene_meta"][img[1]]["qa"][_QI[task]][0]
    return E.vqa_chunk(img, q, answer, pl)


def open_fewshot_row(rng, ctx, max_images, tasks, max_shots=16, answer_only=True):
    task = _pick(rng, tasks)
    n = rng.randint(1, min(max_shots + 1, max_images))
    pl = 0 if answer_only else 1
    return [open_task_chunk(rng, ctx, task, pl) for _ in range(n)]


def open_from_demos_row(rng, ctx, max_images, tasks, max_shots=16):
    task = _pick(rng, tasks)
    n = rng.randint(2, min(max_shots + 1, max_images))
    out = []
    for i in range(n):
        img, answer = open_task_item(rng, ctx, task)
        out.append(E.cls_chunk(img, answer, learnable=i > 0))
    return out


def make_context(ds, labels):
    tr_cls = [i for i, e in enumerate(ds["emoji"]) if e["split"] == "train"]
    tr_sc = [i for i, s in enumerate(ds["scene_split"]) if s == "train"]
    return {"ds": ds, "labels": labels, "tr_cls": tr_cls, "tr_sc": tr_sc,
            "tr_sc_pos": [s for s in tr_sc if len(ds["scene_meta"][s]["qa"]) > 3]}


def sample_row(rng, ctx, tok, data):
    """One training row as the phase's `data` table declares: {max_images, mix: {kind: weight}, classification: {...},
    captions: {...}, open_fewshot: {...}, open_from_demos: {...}} -> episodes.build's (ids, loss, imgs, iidx)."""
    kind = _pick(rng, data["mix"])
    mi = int(data["max_images"])
    if kind == "classification":
        chunks = classification_row(rng, ctx, mi, tuple(data["classification"]["ways"]))
    elif kind == "captions":
        chunks = captions_row(rng, ctx, mi, **data.get("captions", {}))
    elif kind == "open_fewshot":
        o = data["open_fewshot"]
        chunks = open_fewshot_row(rng, ctx, mi, o["tasks"], o.get("max_shots", 16), o.get("answer_only", True))
    elif kind == "open_from_demos":
        o = data["open_from_demos"]
        chunks = open_from_demos_row(rng, ctx, mi, o["tasks"], o.get("max_shots", 16))
    else:
        raise ValueError("unknown row kind %r in the data mix" % kind)
    return E.build(tok, chunks)
