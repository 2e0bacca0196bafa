"""A tiny random-weight SmolVLM/Idefics3 in the published transformers.js layout, with golden vectors.

    /usr/bin/python3 -m training.tiny_smolvlm [--out tests/fixtures/tiny-smolvlm]

Writes, from PyTorch alone (no transformers, no optimum; Debian torch 1.13 or torch 2.x):
  config.json (model_type idefics3, text_config llama), generation_config.json, preprocessor_config.json
  (Idefics3ImageProcessor, one 32x32 frame per image), processor_config.json (image_seq_len 4),
  tokenizer.json (byte-level BPE, the special tokens as added tokens), tokenizer_config.json (SmolVLM's chat
  template), onnx/vision_encoder.onnx, onnx/embed_tokens.onnx, onnx/decoder_model_merged.onnx (single files,
  past_key_values.{i}.key|value in, present.{i}.key|value out), images/*.png, and golden.json: for each case the
  templated prompt text, its input ids, the greedy tokens of a cache-free PyTorch loop with the last-position logits
  of every step, and the summed log-probabilities of candidate continuations.

The I/O names and shapes are the ones transformers.js 4.3 reads (src/models/modeling_utils.js,
src/models/llava/modeling_llava.js, src/models/idefics3/*); the tests that use it are
tests/integration/transformersjs-{node,browser}.test.ts and tests/e2e/transformersjs.spec.ts (README: "Real
vision-language models in your browser").
"""
from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

SEED = 14
IMAGE = 32          # vision image_size == max_image_size.longest_edge == size.longest_edge: one frame per image
PATCH = 8           # 4x4 patches
SCALE = 2           # pixel shuffle: 16 patches -> 4 visual tokens
SEQ = (IMAGE // PATCH) ** 2 // SCALE ** 2
VD = 32             # vision hidden
D = 64              # text hidden
LAYERS = 2
HEADS = 4
KV_HEADS = 2
HEAD_DIM = 16
FF = 128
OPSET = 14

# Byte-level BPE: ids 0..255 are the bytes (GPT-2's byte-to-unicode alphabet), then the special tokens.
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<end_of_utterance>", "<fake_token_around_image>", "<global-img>", "<image>"]
SPECIAL_ID = {s: 256 + i for i, s in enumerate(SPECIALS)}
VOCAB = 256 + len(SPECIALS)
PAD, BOS, EOS = SPECIAL_ID["<|endoftext|>"], SPECIAL_ID["<|im_start|>"], SPECIAL_ID["<end_of_utterance>"]
IMAGE_TOKEN = SPECIAL_ID["<image>"]

# SmolVLM-256M-Instruct's chat template (tokenizer_config.json).
CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}{% if message['content'][0]['type'] == 'image' %}"
    "{{':'}}{% else %}{{': '}}{% endif %}{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)


def bytes_to_unicode() -> dict[int, str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenize(text: str) -> list[int]:
    """What the tokenizer.json below does: special tokens whole, every other byte its own token (no merges)."""
    ids: list[int] = []
    i = 0
    while i < len(text):
        for s in SPECIALS:
            if text.startswith(s, i):
                ids.append(SPECIAL_ID[s])
                i += len(s)
                break
        else:
            ids.extend(text[i].encode("utf-8"))
            i += 1
    return ids


def render_chat(messages: list[dict], add_generation_prompt: bool) -> str:
    """The chat template above, for its own message shape (content: list of {type: text|image})."""
    out = "<|im_start|>"
    for m in messages:
        out += m["role"].capitalize() + (":" if m["content"][0]["type"] == "image" else ": ")
        for part in m["content"]:
            out += part["text"] if part["type"] == "text" else "<image>"
        out += "<end_of_utterance>\n"
    return out + ("Assistant:" if add_generation_prompt else "")


def expand_images(text: str) -> str:
    """Idefics3Processor: each <image> becomes <fake_token_around_image><global-img><image>xSEQ<fake_token_around_image>."""
    return text.replace("<image>", "<fake_token_around_image><global-img>" + "<image>" * SEQ + "<fake_token_around_image>")


# ---------------------------------------------------------------------------------------------- the model

class Vision(torch.nn.Module):
    """Patch conv + one pre-norm encoder layer + pixel shuffle + connector. Padded (all-false mask) frames are dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.patch = torch.nn.Conv2d(3, VD, PATCH, PATCH)
        self.pos = torch.nn.Parameter(torch.randn(1, (IMAGE // PATCH) ** 2, VD) * 0.5)
        self.ln1 = torch.nn.LayerNorm(VD)
        self.qkv = torch.nn.Linear(VD, 3 * VD)
        self.o = torch.nn.Linear(VD, VD)
        self.ln2 = torch.nn.LayerNorm(VD)
        self.fc1 = torch.nn.Linear(VD, 2 * VD)
        self.fc2 = torch.nn.Linear(2 * VD, VD)
        self.post = torch.nn.LayerNorm(VD)
        self.connector = torch.nn.Linear(VD * SCALE * SCALE, D, bias=False)

    def forward(self, pixel_values: torch.Tensor, pixel_attention_mask: torch.Tensor) -> torch.Tensor:
        x = pixel_values.reshape(-1, 3, IMAGE, IMAGE)
        m = pixel_attention_mask.reshape(-1, 1, IMAGE, IMAGE).to(torch.float32)
        real = torch.nonzero(m.reshape(m.shape[0], -1).amax(dim=1) > 0).reshape(-1)
        x = x.index_select(0, real)
        m = m.index_select(0, real)
        patch_mask = F.max_pool2d(m, PATCH).flatten(1).unsqueeze(-1)        # [n, 16, 1]
        h = self.patch(x).flatten(2).transpose(1, 2) * patch_mask + self.pos  # [n, 16, VD]
        n, s = h.shape[0], h.shape[1]
        qkv = self.qkv(self.ln1(h)).reshape(n, s, 3, 2, VD // 2).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(VD // 2), dim=-1)
        h = h + self.o((att @ v).transpose(1, 2).reshape(n, s, VD))
        h = h + self.fc2(F.gelu(self.fc1(self.ln2(h))))
        h = self.post(h)
        side = IMAGE // PATCH
        # Idefics3Connector.pixel_shuffle
        h = h.reshape(-1, side, side // SCALE, VD * SCALE).permute(0, 2, 1, 3)
        h = h.reshape(-1, side // SCALE, side // SCALE, VD * SCALE * SCALE).permute(0, 2, 1, 3)
        h = h.reshape(-1, SEQ, VD * SCALE * SCALE)
        return self.connector(h)


class Embed(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.table = torch.nn.Embedding(VOCAB, D)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.table(input_ids)


def rms(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    return torch.cat([-x[..., HEAD_DIM // 2:], x[..., : HEAD_DIM // 2]], dim=-1)


class Layer(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.n1 = torch.nn.Parameter(1 + 0.1 * torch.randn(D))
        self.q = torch.nn.Linear(D, HEADS * HEAD_DIM, bias=False)
        self.k = torch.nn.Linear(D, KV_HEADS * HEAD_DIM, bias=False)
        self.v = torch.nn.Linear(D, KV_HEADS * HEAD_DIM, bias=False)
        self.o = torch.nn.Linear(HEADS * HEAD_DIM, D, bias=False)
        self.n2 = torch.nn.Parameter(1 + 0.1 * torch.randn(D))
        self.gate = torch.nn.Linear(D, FF, bias=False)
        self.up = torch.nn.Linear(D, FF, bias=False)
        self.down = torch.nn.Linear(FF, D, bias=False)


class Decoder(torch.nn.Module):
    """Llama: RMSNorm, rotary positions from position_ids, grouped KV heads, SiLU-gated MLP; a KV cache in and out."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.norm = torch.nn.Parameter(1 + 0.1 * torch.randn(D))
        self.lm_head = torch.nn.Linear(D, VOCAB, bias=False)
        inv = 1.0 / (10000 ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        b, l = inputs_embeds.shape[0], inputs_embeds.shape[1]
        p = past[0].shape[2]
        t = p + l
        freqs = position_ids.to(torch.float32).unsqueeze(-1) * self.inv_freq          # [b, l, hd/2]
        emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)                           # [b, 1, l, hd]
        cos, sin = emb.cos(), emb.sin()
        q_pos = torch.arange(l).unsqueeze(1) + p
        k_pos = torch.arange(t).unsqueeze(0)
        allowed = (k_pos <= q_pos).unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(1)
        bias = torch.where(allowed, torch.zeros(1), torch.full((1,), -1e9))           # [b, 1, l, t]
        h = inputs_embeds
        presents = []
        for i, layer in enumerate(self.layers):
            x = rms(h, layer.n1)
            q = layer.q(x).reshape(b, l, HEADS, HEAD_DIM).transpose(1, 2)
            k = layer.k(x).reshape(b, l, KV_HEADS, HEAD_DIM).transpose(1, 2)
            v = layer.v(x).reshape(b, l, KV_HEADS, HEAD_DIM).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            k = torch.cat([past[2 * i], k], dim=2)
            v = torch.cat([past[2 * i + 1], v], dim=2)
            presents += [k, v]
            rep = HEADS // KV_HEADS
            kk = k.unsqueeze(2).expand(b, KV_HEADS, rep, t, HEAD_DIM).reshape(b, HEADS, t, HEAD_DIM)
            vv = v.unsqueeze(2).expand(b, KV_HEADS, rep, t, HEAD_DIM).reshape(b, HEADS, t, HEAD_DIM)
            att = torch.softmax(q @ kk.transpose(-1, -2) / math.sqrt(HEAD_DIM) + bias, dim=-1)
            h = h + layer.o((att @ vv).transpose(1, 2).reshape(b, l, HEADS * HEAD_DIM))
            x = rms(h, layer.n2)
            h = h + layer.down(F.silu(layer.gate(x)) * layer.up(x))
        return (self.lm_head(rms(h, self.norm)), *presents)


def build() -> tuple[Vision, Embed, Decoder]:
    torch.manual_seed(SEED)
    vision, embed, dec = Vision(), Embed(), Decoder()
    with torch.no_grad():
        for p in list(vision.parameters()) + list(dec.parameters()):
            if p.dim() >= 2:
                p.normal_(0, 1.0 / math.sqrt(p.shape[-1]) * 2.5)
        embed.table.weight.normal_(0, 1.0)
        dec.lm_head.weight.normal_(0, 1.0)
        # The end-of-utterance row never wins on random weights, so generations run to max tokens (stop is tested by
        # strings and by cancel); its log-prob is still finite and counted when ranking.
        dec.lm_head.weight[EOS].zero_()
    return vision.eval(), embed.eval(), dec.eval()


# ---------------------------------------------------------------------------------------------- reference

def pixels(path: Path) -> torch.Tensor:
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(((a - 0.5) / 0.5).transpose(2, 0, 1).copy())


def empty_past(b: int) -> list[torch.Tensor]:
    return [torch.zeros(b, KV_HEADS, 0, HEAD_DIM) for _ in range(2 * LAYERS)]


@torch.no_grad()
def embeds_of(ids: list[int], images: list[torch.Tensor], vision: Vision, embed: Embed) -> torch.Tensor:
    e = embed(torch.tensor([ids]))
    if images:
        pv = torch.stack(images).unsqueeze(0)
        feats = vision(pv, torch.ones(1, len(images), IMAGE, IMAGE, dtype=torch.bool)).reshape(-1, D)
        slots = [i for i, t in enumerate(ids) if t == IMAGE_TOKEN]
        assert len(slots) == feats.shape[0], (len(slots), feats.shape)
        e[0, slots] = feats
    return e


@torch.no_grad()
def full_logits(ids: list[int], images, vision, embed, dec) -> torch.Tensor:
    """Every position's logits, no cache: [L, V]."""
    e = embeds_of(ids, images, vision, embed)
    n = len(ids)
    out = dec(e, torch.ones(1, n, dtype=torch.int64), torch.arange(n).unsqueeze(0), *empty_past(1))
    return out[0][0]


def golden_case(name, messages, images, candidates, steps, vision, embed, dec, root: Path) -> dict:
    text = render_chat(messages, add_generation_prompt=True)
    ids = tokenize(expand_images(text))
    imgs = [pixels(root / "images" / f) for f in images]
    gen: list[int] = []
    step_logits = []
    for _ in range(steps):
        logits = full_logits(ids + gen, imgs, vision, embed, dec)[-1]
        step_logits.append([round(float(x), 6) for x in logits])
        gen.append(int(torch.argmax(logits)))
    ranked = []
    all_logits = None
    for cand in candidates:
        cont = tokenize(cand)
        all_logits = full_logits(ids + cont, imgs, vision, embed, dec)
        lp = torch.log_softmax(all_logits.double(), dim=-1)
        per = [float(lp[len(ids) - 1 + j, tok]) for j, tok in enumerate(cont)]
        ranked.append({"continuation": cand, "tokenIds": cont, "tokenLogProbs": per, "sum": sum(per)})
    return {
        "name": name,
        "messages": messages,
        "images": images,
        "text": text,
        "inputIds": ids,
        "greedy": {"tokenIds": gen, "stepLogits": step_logits},
        "candidates": ranked,
    }


# ---------------------------------------------------------------------------------------------- files

def write_images(root: Path) -> list[str]:
    (root / "images").mkdir(parents=True, exist_ok=True)
    names = []
    specs = [("red-square.png", "white", lambda d: d.rectangle([8, 8, 23, 23], fill=(220, 30, 30))),
             ("blue-circle.png", "black", lambda d: d.ellipse([4, 4, 27, 27], fill=(40, 80, 230))),
             ("green-stripes.png", (250, 240, 120), lambda d: [d.rectangle([x, 0, x + 3, 31], fill=(20, 160, 60)) for x in range(0, 32, 8)])]
    for name, bg, draw in specs:
        im = Image.new("RGB", (IMAGE, IMAGE), bg)
        draw(ImageDraw.Draw(im))
        im.save(root / "images" / name)
        names.append(name)
    return names


def write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def write_configs(root: Path) -> None:
    write_json(root / "config.json", {
        "architectures": ["Idefics3ForConditionalGeneration"],
        "model_type": "idefics3",
        "image_token_id": IMAGE_TOKEN,
        "scale_factor": SCALE,
        "vocab_size": VOCAB,
        "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD,
        "text_config": {
            "model_type": "llama", "hidden_size": D, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
            "num_key_value_heads": KV_HEADS, "head_dim": HEAD_DIM, "intermediate_size": FF, "vocab_size": VOCAB,
            "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 2048,
            "bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD,
        },
        "vision_config": {
            "model_type": "idefics3_vision", "hidden_size": VD, "image_size": IMAGE, "patch_size": PATCH,
            "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 2 * VD,
        },
        "torch_dtype": "float32",
        "_comment": "A tiny random-weight test model (training/tiny_smolvlm.py), not a real SmolVLM.",
    })
    write_json(root / "generation_config.json", {"bos_token_id": BOS, "eos_token_id": EOS, "pad_token_id": PAD})
    write_json(root / "preprocessor_config.json", {
        "image_processor_type": "Idefics3ImageProcessor", "processor_class": "Idefics3Processor",
        "do_convert_rgb": True, "do_resize": True, "do_rescale": True, "rescale_factor": 1 / 255,
        "do_normalize": True, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 1,
        "do_pad": True, "do_image_splitting": False,
        "size": {"longest_edge": IMAGE}, "max_image_size": {"longest_edge": IMAGE},
    })
    write_json(root / "processor_config.json", {"image_seq_len": SEQ, "processor_class": "Idefics3Processor"})
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    added = [{"id": SPECIAL_ID[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for s in SPECIALS]
    vocab.update({s: SPECIAL_ID[s] for s in SPECIALS})
    write_json(root / "tokenizer.json", {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": []},
    })
    write_json(root / "tokenizer_config.json", {
        "tokenizer_class": "GPT2Tokenizer", "add_bos_token": False, "add_eos_token": False,
        "bos_token": "<|im_start|>", "eos_token": "<end_of_utterance>", "pad_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>", "clean_up_tokenization_spaces": False, "model_max_length": 2048,
        "additional_special_tokens": ["<fake_token_around_image>", "<image>", "<end_of_utterance>", "<global-img>"],
        "chat_template": CHAT_TEMPLATE,
    })


def export(vision: Vision, embed: Embed, dec: Decoder, root: Path) -> None:
    onnx_dir = root / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    kw = dict(opset_version=OPSET, do_constant_folding=True)
    pv = torch.randn(1, 2, 3, IMAGE, IMAGE)
    pm = torch.ones(1, 2, IMAGE, IMAGE, dtype=torch.bool)
    torch.onnx.export(vision, (pv, pm), str(onnx_dir / "vision_encoder.onnx"),
                      input_names=["pixel_values", "pixel_attention_mask"], output_names=["image_features"],
                      dynamic_axes={"pixel_values": {0: "batch_size", 1: "num_images"},
                                    "pixel_attention_mask": {0: "batch_size", 1: "num_images"},
                                    "image_features": {0: "num_real_images"}}, **kw)
    torch.onnx.export(embed, (torch.tensor([[1, 2, 3]]),), str(onnx_dir / "embed_tokens.onnx"),
                      input_names=["input_ids"], output_names=["inputs_embeds"],
                      dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                    "inputs_embeds": {0: "batch_size", 1: "sequence_length"}}, **kw)
    b, p, l = 1, 3, 5
    past = [torch.randn(b, KV_HEADS, p, HEAD_DIM) for _ in range(2 * LAYERS)]
    past_names = [f"past_key_values.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
    present_names = [f"present.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
    axes = {"inputs_embeds": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    axes.update({n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names})
    torch.onnx.export(dec, (torch.randn(b, l, D), torch.ones(b, p + l, dtype=torch.int64),
                            torch.arange(p, p + l).unsqueeze(0), *past),
                      str(onnx_dir / "decoder_model_merged.onnx"),
                      input_names=["inputs_embeds", "attention_mask", "position_ids", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=axes, **kw)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/tiny-smolvlm")
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("FLAMINGO_THREADS", "1")))
    root = Path(args.out)
    root.mkdir(parents=True, exist_ok=True)
    names = write_images(root)
    write_configs(root)
    vision, embed, dec = build()
    export(vision, embed, dec, root)
    img = lambda: {"type": "image"}
    txt = lambda s: {"type": "text", "text": s}
    two_shot = [
        {"role": "user", "content": [img(), txt("Output:")]},
        {"role": "assistant", "content": [txt("dax")]},
        {"role": "user", "content": [img(), txt("Output:")]},
        {"role": "assistant", "content": [txt("blicket")]},
        {"role": "user", "content": [img(), txt("Output:")]},
    ]
    interleaved = [{"role": "user", "content": [img(), txt("Output: dax\n"), img(), txt("Output: blicket\n"), img(), txt("Output:")]}]
    text_only = [{"role": "user", "content": [txt("Say dax.")]}]
    cands = [" dax<end_of_utterance>", " blicket<end_of_utterance>"]
    cases = [
        golden_case("two_shot_turns", two_shot, [names[0], names[1], names[2]], cands, 8, vision, embed, dec, root),
        golden_case("interleaved", interleaved, [names[1], names[0], names[1]], cands, 6, vision, embed, dec, root),
        golden_case("text_only", text_only, [], cands, 6, vision, embed, dec, root),
    ]
    write_json(root / "golden.json", {
        "generator": "training/tiny_smolvlm.py", "seed": SEED, "torch": torch.__version__,
        "specialTokens": SPECIAL_ID, "eosTokenId": EOS, "imageTokenId": IMAGE_TOKEN, "imageSeqLen": SEQ,
        "cases": cases,
    })
    total = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    print(f"wrote {root} ({total / 1024:.0f} KiB)")
    for c in cases:
        print(c["name"], len(c["inputIds"]), "prompt tokens; greedy", c["greedy"]["tokenIds"],
              "; rank", [round(x["sum"], 4) for x in c["candidates"]])


if __name__ == "__main__":
    main()
