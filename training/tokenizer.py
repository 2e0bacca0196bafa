"""Byte-level BPE tokenizer, trained with a small pure-Python script and written in the
Hugging Face tokenizers JSON format (model.type "BPE", ByteLevel pre-tokenizer/decoder).

The pre-tokenizer reproduces the GPT-2 regex used by HF's ByteLevel pre-tokenizer
('s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+)
with a hand-written scanner (Debian's python has no `regex` module).
"""
import json, unicodedata, collections

IMAGE = "<image>"
EOC = "<|endofchunk|>"
PAD = "<pad>"
SPECIALS = [EOC, IMAGE, PAD]

# JavaScript's \s set (the JS tokenizer evaluates the regex with JS semantics)
_WS = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(chr(c) for c in range(0x2000, 0x200B)))


def _is_ws(c):
    return c in _WS


def _is_l(c):
    return unicodedata.category(c).startswith("L")


def _is_n(c):
    return unicodedata.category(c).startswith("N")


_CONTR = ["s", "t", "re", "ve", "m", "ll", "d"]


def pretokenize(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "'":
            hit = None
            for s in _CONTR:
                if text.startswith(s, i + 1):
                    hit = s
                    break
            if hit:
                out.append("'" + hit)
                i += 1 + len(hit)
                continue
        j = i + 1 if (c == " " and i + 1 < n) else i
        cj = text[j] if j < n else ""
        if cj and _is_l(cj):
            k = j
            while k < n and _is_l(text[k]):
                k += 1
            out.append(text[i:k]); i = k; continue
        if cj and _is_n(cj):
            k = j
            while k < n and _is_n(text[k]):
                k += 1
            out.append(text[i:k]); i = k; continue
        if cj and not (_is_ws(cj) or _is_l(cj) or _is_n(cj)):
            k = j
            while k < n and not (_is_ws(text[k]) or _is_l(text[k]) or _is_n(text[k])):
                k += 1
            out.append(text[i:k]); i = k; continue
        if _is_ws(c):
            k = i
            while k < n and _is_ws(text[k]):
                k += 1
            if k < n and k - 1 > i:
                k = k - 1  # \s+(?!\S): leave the last space for the next token
            out.append(text[i:k]); i = k; continue
        out.append(c); i += 1  # not reachable in practice
    return out


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def to_byte_str(word):
    return "".join(B2U[b] for b in word.encode("utf-8"))


def train_bpe(texts, n_merges, log=print):
    counts = collections.Counter()
    for t in texts:
        for w in pretokenize(t):
            counts[to_byte_str(w)] += 1
    words = [list(w) for w in counts]
    freqs = [counts[w] for w in counts]
    pair_counts = collections.Counter()
    where = collections.defaultdict(set)
    for wi, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += freqs[wi]
            where[(a, b)].add(wi)
    merges = []
    for m in range(n_merges):
        if not pair_counts:
            break
        best = max(pair_counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pair_counts[best] < 2:
            break
        merges.append(best)
        a, b = best
        new = a + b
        for wi in list(where[best]):
            w = words[wi]
            f = freqs[wi]
            for x, y in zip(w, w[1:]):
                pair_counts[(x, y)] -= f
                if pair_counts[(x, y)] <= 0:
                    del pair_counts[(x, y)]
            i, nw = 0, []
            while i < len(w):
                if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                    nw.append(new); i += 2
                else:
                    nw.append(w[i]); i += 1
            words[wi] = nw
            for x, y in zip(nw, nw[1:]):
                pair_counts[(x, y)] += f
                where[(x, y)].add(wi)
        where.pop(best, None)
    log("bpe: %d merges learned" % len(merges))
    return merges


class Tokenizer:
    def __init__(self, vocab, merges):
        self.vocab = vocab  # str -> id (includes specials)
        self.inv = {i: s for s, i in vocab.items()}
        self.merges = merges
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.cache = {}
        self.image_id = vocab[IMAGE]
        self.eoc_id = vocab[EOC]
        self.pad_id = vocab[PAD]
        self.special_ids = [vocab[s] for s in SPECIALS]

    @classmethod
    def build(cls, merges):
        vocab = {}
        for b in range(256):
            vocab[B2U[b]] = len(vocab)
        for a, b in merges:
            vocab.setdefault(a + b, len(vocab))
        for s in SPECIALS:
            vocab[s] = len(vocab)
        return cls(vocab, [list(m) for m in merges])

    def __len__(self):
        return len(self.vocab)

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        w = list(word)
        while len(w) > 1:
            best, bi = None, -1
            for i in range(len(w) - 1):
                r = self.ranks.get((w[i], w[i + 1]))
                if r is not None and (best is None or r < best):
                    best, bi = r, i
            if best is None:
                break
            a, b = w[bi], w[bi + 1]
            i, nw = 0, []
            while i < len(w):
                if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                    nw.append(a + b); i += 2
                else:
                    nw.append(w[i]); i += 1
            w = nw
        ids = [self.vocab[t] for t in w]
        self.cache[word] = ids
        return ids

    def encode_text(self, text):
        """Plain text (special-token strings are NOT interpreted)."""
        ids = []
        for w in pretokenize(text):
            ids.extend(self._bpe(to_byte_str(w)))
        return ids

    def encode(self, text):
        """Like HF: special-token strings in the text map to their single ids."""
        ids, i = [], 0
        while i < len(text):
            nxt, which = len(text), None
            for s in SPECIALS:
                k = text.find(s, i)
                if k != -1 and k < nxt:
                    nxt, which = k, s
            ids.extend(self.encode_text(text[i:nxt]))
            if which is None:
                break
            ids.append(self.vocab[which])
            i = nxt + len(which)
        return ids

    def decode(self, ids, skip_special=False):
        out, buf = [], []
        for i in ids:
            s = self.inv[int(i)]
            if s in SPECIALS:
                if buf:
                    out.append(bytes(buf).decode("utf-8", errors="replace")); buf = []
                if not skip_special:
                    out.append(s)
            else:
                buf.extend(U2B[c] for c in s)
        if buf:
            out.append(bytes(buf).decode("utf-8", errors="replace"))
        return "".join(out)

    def to_hf_json(self):
        added = [{"id": self.vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for s in SPECIALS]
        return {
            "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": None,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": self.vocab, "merges": [" ".join(m) for m in self.merges]},
        }

    def save(self, path):
        with open(path, "w") as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        j = json.load(open(path))
        merges = [m.split(" ") if isinstance(m, str) else m for m in j["model"]["merges"]]
        return cls(j["model"]["vocab"], merges)
