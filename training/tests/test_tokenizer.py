"""Tokenizer round trip (Python), and, where node has @huggingface/tokenizers, the same ids in JS."""
import json, os, shutil, subprocess

import pytest

from training.common import ROOT, PKG_DIR
from training.tokenizer import Tokenizer, train_bpe
from training.verify_tokenizer import STRINGS


@pytest.fixture(scope="module")
def small_tok():
    texts = ["Output:dax blicket", "Caption:three red circles", "Question:How many shapes are there? Short answer:3",
             "don't stop", "naïve café"] * 10
    return Tokenizer.build(train_bpe(texts, 60, lambda *a: None))


def test_round_trip_small_trained_tokenizer(small_tok, tmp_path):
    for s in STRINGS:
        assert small_tok.decode(small_tok.encode(s)) == s
    p = tmp_path / "tok.json"
    small_tok.save(str(p))
    again = Tokenizer.load(str(p))
    for s in STRINGS:
        assert again.encode(s) == small_tok.encode(s)
    ids = small_tok.encode("<image>Output:dax<|endofchunk|>")
    assert ids[0] == small_tok.image_id and ids[-1] == small_tok.eoc_id
    assert small_tok.encode_text("Output:") == small_tok.encode("Output:")


def test_round_trip_shipped_tokenizer():
    tok = Tokenizer.load(os.path.join(PKG_DIR, "tokenizer.json"))
    for s in STRINGS:
        assert tok.decode(tok.encode(s)) == s
    assert len(tok.encode("<image>")) == 1 and len(tok.encode("<|endofchunk|>")) == 1


@pytest.mark.skipif(not shutil.which("node") or not os.path.isdir(os.path.join(ROOT, "node_modules", "@huggingface", "tokenizers")),
                    reason="node or @huggingface/tokenizers missing (npm ci)")
def test_js_tokenizer_encodes_like_python(small_tok, tmp_path):
    p = tmp_path / "tok.json"
    small_tok.save(str(p))
    cases = [{"text": s, "ids": small_tok.encode(s)} for s in STRINGS]
    c = tmp_path / "cases.json"
    c.write_text(json.dumps({"cases": cases, "image_id": small_tok.image_id, "eoc_id": small_tok.eoc_id}, ensure_ascii=False))
    r = subprocess.run(["node", os.path.join(ROOT, "training", "verify_tokenizer.mjs"), str(p), str(c)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
