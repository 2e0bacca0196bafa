"""Writes Python encodings of a fixed set of strings; verify_tokenizer.mjs checks that
@huggingface/tokenizers (JS) loads tokenizer.json and produces identical ids."""
import json, sys
from .tokenizer import Tokenizer

STRINGS = [
    "Hello world", "<image>Output:dax blick<|endofchunk|>\n<image>Output:",
    "<image>Question:How many shapes are there? Short answer:3<|endofchunk|>",
    "  leading spaces and   multiple   gaps\n\n\ttabs\r\n", "don't you'll we've I'm they'd it's",
    "Ünïcödé naïve café — “quotes” ‘single’ …", "emoji 🙂🐶🇪🇬 👩‍👩‍👧 skin 👍🏽", "日本語のテキスト 中文 한국어",
    "numbers 12345 3.14159 1,000,000", "mixed<image>text<|endofchunk|>more<image><image>", "<pad>", "",
    "Caption:three red circles", "a\u00a0b\u2003c", "zebra-crossing_snake_case CamelCase",
    "العربية עברית Ελληνικά русский", "tab\tafter\tword", "ends with space ", "x" * 50,
]


def main(tok_path, out):
    tok = Tokenizer.load(tok_path)
    res = []
    for s in STRINGS:
        ids = tok.encode(s)
        assert tok.decode(ids) == s, (s, tok.decode(ids))
        res.append({"text": s, "ids": ids})
    json.dump({"cases": res, "image_id": tok.image_id, "eoc_id": tok.eoc_id}, open(out, "w"), ensure_ascii=False)
    print("python: %d strings round-trip" % len(res))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
