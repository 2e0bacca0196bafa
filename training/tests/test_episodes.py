"""Episode building: labels are bound to classes only inside a prompt (redrawn per episode, train / held-out label
pools disjoint), the first occurrence of a label is never a target and later ones are, and the open-ended few-shot
rows target their answers only."""
import random
from collections import defaultdict

import pytest

from training import episodes as E
from training.data import LabelMaker, tiny_dataset
from training.mix import make_context, sample_row, open_fewshot_row, open_from_demos_row
from training.tokenizer import Tokenizer, train_bpe, EOC


@pytest.fixture(scope="module")
def tok():
    texts = ["Output:dax blicket wug", "Caption:round tiny", "Question:What shape are they? Short answer:circle"] * 5
    return Tokenizer.build(train_bpe(texts, 30, lambda *a: None))


@pytest.fixture(scope="module")
def ctx():
    return make_context(tiny_dataset(), LabelMaker("train"))


def _label_spans(tok, chunks):
    """(label text, image ref, loss flags of the label's tokens) per classification chunk."""
    out = []
    for ch in chunks:
        parts = dict((t, l) for t, l in ch["parts"])
        label = [t for t, _ in ch["parts"] if t not in (E.OUT, EOC, "\n")][0]
        out.append((label, ch["img"], parts[label]))
    return out


def test_first_occurrence_of_a_label_is_not_a_target_later_ones_are():
    rng = random.Random(0)
    for trial in range(50):
        n = rng.randint(1, 5)
        chunks = E.bursty_sequence(rng, list(range(100, 100 + n)), ["l%d" % i for i in range(n)], rng.randint(n + 1, 12),
                                   lambda c: ("e", c, 0))
        seen = set()
        for label, img, flag in _label_spans(None, chunks):
            assert flag == (1 if label in seen else 0), (trial, label)
            seen.add(label)
        assert seen == {"l%d" % i for i in range(n)}  # every class appears


def test_build_marks_label_tokens_and_image_index(tok):
    chunks = [E.cls_chunk(("e", 1, 0), "dax", learnable=False), E.cls_chunk(("e", 2, 0), "dax", learnable=True)]
    ids, loss, imgs, ii = E.build(tok, chunks)
    assert imgs == [("e", 1, 0), ("e", 2, 0)]
    assert ids.count(tok.image_id) == 2 and ids.count(tok.eoc_id) == 2
    second = ids.index(tok.image_id, 1)
    assert set(ii[:second]) == {0} and set(ii[second:]) == {1}
    dax = tok.encode_text("dax")
    first_label = ids.index(dax[0])
    assert loss[first_label:first_label + len(dax)] == [0] * len(dax)
    j = ids.index(dax[0], second)
    assert loss[j:j + len(dax)] == [1] * len(dax)


def test_labels_are_bound_only_in_the_prompt(ctx, tok):
    rng = random.Random(1)
    by_class = defaultdict(set)
    for _ in range(60):
        data = {"max_images": 6, "mix": {"classification": 1}, "classification": {"ways": [2, 3]}}
        ids, loss, imgs, ii = sample_row(rng, ctx, tok, data)
        text = tok.decode(ids)
        chunks = text.split("<image>")[1:]
        for ref, ch in zip(imgs, chunks):
            by_class[ref[1]].add(ch.split("Output:")[1].split("<|endofchunk|>")[0])
    # the same class gets different labels in different episodes: no label is a property of the image
    assert sum(len(v) > 1 for v in by_class.values()) >= len(by_class) // 2
    tr, ho = LabelMaker("train"), LabelMaker("heldout")
    assert not set(tr.words) & set(ho.words)
    r = random.Random(2)
    assert not {tr.pseudo(r) for _ in range(300)} & {ho.pseudo(r) for _ in range(300)}


def test_fewshot_prompt_query_has_no_answer(tok):
    rng = random.Random(3)
    chunks, q = E.fewshot_prompt(rng, 3, 2, [5, 6, 7], ["a", "b", "c"], lambda c, query=False: ("e", c, 0))
    assert len(chunks) == 7 and chunks[-1]["parts"] == [(E.OUT, 0)]
    assert sorted(ch["img"][1] for ch in chunks[:-1]) == [5, 5, 6, 6, 7, 7]
    assert chunks[-1]["img"][1] == [5, 6, 7][q]


def test_open_fewshot_rows_target_only_their_answers(ctx, tok):
    rng = random.Random(4)
    for task in ("vqa_shape", "vqa_position", "caption_emoji"):
        chunks = open_fewshot_row(rng, ctx, 6, {task: 1.0}, max_shots=4, answer_only=True)
        assert 1 <= len(chunks) <= 5
        for ch in chunks:
            flags = dict(ch["parts"])
            prompt = ch["parts"][0][0]
            assert flags[prompt] == 0 and ch["parts"][1][1] == 1  # prompt text not a target, the answer is
            if task == "vqa_position":
                assert ch["parts"][1][0] in ("left", "right")
        assert len({ch["parts"][0][0] for ch in chunks}) == 1  # one task per episode


def test_open_from_demos_rows_say_the_task_only_through_their_answers(ctx, tok):
    rng = random.Random(5)
    ds = ctx["ds"]
    for task, vocab in (("vqa_position", {"left", "right"}), ("vqa_count", {"1", "2", "3", "4"}),
                        ("caption_emoji", {e["sub"] for e in ds["emoji"]})):
        chunks = open_from_demos_row(rng, ctx, 6, {task: 1.0}, max_shots=4)
        assert 2 <= len(chunks) <= 5
        for i, ch in enumerate(chunks):
            assert [t for t, _ in ch["parts"]][0] == E.OUT  # no question, no "Caption:": the classification format
            answer, flag = ch["parts"][1]
            assert answer in vocab
            assert flag == (0 if i == 0 else 1)  # nothing before the first answer says what is asked
        ids, loss, imgs, _ = E.build(tok, chunks)
        assert len(imgs) == len(chunks)


def test_eval_from_demos_prompts_hold_no_question(tok):
    from training.eval_open import build_prompts, restyle
    queries = [(("s", 0), "Question:What color are the shapes? Short answer:", "red")]
    pool = [(("s", i), "Question:What color are the shapes? Short answer:", "blue") for i in range(1, 4)]
    per = build_prompts(tok, restyle(queries, "from_demos"), restyle(pool, "from_demos"), [0, 2])[0]
    text = tok.decode(per[2][0])
    assert "Question" not in text and text.count(E.OUT) == 3 and text.count("blue") == 2 and "red" not in text
    assert tok.decode(per[0][0]).endswith(E.OUT)
