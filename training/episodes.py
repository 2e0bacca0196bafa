"""Turn chunks (image + text) into token ids, per-token image index and loss masks.

Prompt formats (OpenFlamingo style):
  classification  <image>Output:{label}<|endofchunk|>\n
  captioning      <image>Caption:{caption}<|endofchunk|>\n
  VQA             <image>Question:{q} Short answer:{a}<|endofchunk|>\n
Stage-2 (text-only) stand-in for an image: "{key}\nOutput:{label}<|endofchunk|>\n".
"""
import random
from .tokenizer import EOC

OUT, CAP = "Output:", "Caption:"


def build(tok, chunks):
    """chunks: list of dict(img=ref or None, parts=[(text, loss, is_special_eoc)]).
    Returns ids, loss mask (1 = this token is a target), image refs, image_index."""
    ids, loss, imgs, iidx = [], [], [], []
    cur = -1
    for ch in chunks:
        if ch.get("img") is not None:
            imgs.append(ch["img"])
            cur = len(imgs) - 1
            ids.append(tok.image_id); loss.append(1); iidx.append(cur)
        for text, l in ch["parts"]:
            t = [tok.eoc_id] if text == EOC else tok.encode_text(text)
            ids.extend(t); loss.extend([l] * len(t)); iidx.extend([cur] * len(t))
    return ids, loss, imgs, iidx


def cls_chunk(img, label, learnable=True):
    return {"img": img, "parts": [(OUT, 1), (label, 1 if learnable else 0), (EOC, 1), ("\n", 1)]}


def cap_chunk(img, cap, prompt_loss=1):
    """prompt_loss=0 leaves the fixed prompt text out of the loss, so that only the caption is a target."""
    return {"img": img, "parts": [(CAP, prompt_loss), (cap, 1), (EOC, 1), ("\n", 1)]}


def vqa_chunk(img, q, a, prompt_loss=1):
    return {"img": img, "parts": [("Question:" + q + " Short answer:", prompt_loss), (a, 1), (EOC, 1), ("\n", 1)]}


def text_key_chunk(key, label, learnable=True):
    return {"img": None, "parts": [(key + "\n", 1), (OUT, 1), (label, 1 if learnable else 0), (EOC, 1), ("\n", 1)]}


def bursty_sequence(rng, classes, labels, n_chunks, make_img):
    """Bursty episode over a few classes; labels bound to classes only in this prompt.
    The first occurrence of a label is not a target (unpredictable)."""
    order = list(range(len(classes)))
    seq = order + [rng.randrange(len(classes)) for _ in range(max(0, n_chunks - len(classes)))]
    head = seq[:len(classes)]
    rng.shuffle(head)
    tail = seq[len(classes):]
    seq = head + tail
    # shuffle a bit more so first occurrences are not always at the front
    if rng.random() < 0.5:
        rng.shuffle(seq)
    seen = set()
    chunks = []
    for c in seq:
        chunks.append(cls_chunk(make_img(classes[c]), labels[c], learnable=c in seen))
        seen.add(c)
    return chunks


def fewshot_prompt(rng, n_way, shots, class_ids, labels, make_img, n_demo=None):
    """Eval prompt: `shots` demos per class (or n_demo demos spread over classes), shuffled,
    then the query chunk without its label. Returns (chunks, query_class)."""
    if n_demo is None:
        demo = [c for c in range(n_way) for _ in range(shots)]
    else:
        demo = [c for c in range(n_way) for _ in range(n_demo // n_way)]
        demo += rng.sample(range(n_way), n_demo - len(demo))
    rng.shuffle(demo)
    q = rng.randrange(n_way)
    chunks = [cls_chunk(make_img(class_ids[c]), labels[c]) for c in demo]
    chunks.append({"img": make_img(class_ids[q], query=True), "parts": [(OUT, 0)]})
    return chunks, q
