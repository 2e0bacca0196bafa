"""A tiny random-weight Qwen2-VL in the published transformers.js layout, with golden vectors.

    /usr/bin/python3 -m training.tiny_qwen2vl [--out tests/fixtures/tiny-qwen2vl]

Writes, from PyTorch alone (no transformers, no optimum; Debian torch 1.13 or torch 2.x), the layout of
onnx-community/Qwen2-VL-2B-Instruct:
  config.json (model_type qwen2_vl, flat text params, vision_config, rope_scaling mrope), generation_config.json
  (eos <|im_end|> and <|endoftext|>), preprocessor_config.json (Qwen2VLImageProcessor: patch 8, merge 2, temporal 2,
  min/max pixels 256..1024, CLIP mean/std), processor_config.json, tokenizer.json (byte-level BPE, bytes are ids
  0..255, Qwen's special tokens as added tokens), tokenizer_config.json (Qwen2-VL-2B-Instruct's chat template),
  onnx/vision_encoder.onnx, onnx/embed_tokens.onnx, onnx/decoder_model_merged.onnx (opset 14, single files,
  past_key_values.{i}.key|value in, present.{i}.key|value out), images/*.png (the tiny-smolvlm images, 32x32), and
  golden.json in tiny_smolvlm.py's schema.

Images: a 32x32 PNG is already a multiple of patch*merge = 16 with 1024 pixels in [min_pixels, max_pixels], so
smart_resize keeps 32x32 and RawImage.resize is a no-op (no resampling to reproduce). It is rescaled by 1/255,
normalized, tiled x2 in time, and flattened with image_processing_qwen2_vl.js's view/permute into 16 patch rows of
3*2*8*8 = 384 values, grid_thw [1, 4, 4]: 4 <|image_pad|> tokens per image, on a 2x2 M-RoPE grid.

Vision tower (Qwen2-VL's, one block): patch embedding (a bias-free linear over the flattened patch = the Conv3d), one
pre-norm block (LayerNorm, attention with 2-D rotary positions of each patch's row/column, QuickGELU MLP), then the
PatchMerger (LayerNorm, concat the 4 consecutive rows of a 2x2 merge window, Linear-GELU-Linear to the text width).
Each patch attends to every patch of its own image (block-diagonal, as Qwen2-VL's cu_seqlens). grid_thw is a real
input: it gives the image boundaries and each patch's row/column.

Decoder (Qwen2): RMSNorm, q/k/v with bias, grouped KV heads, SiLU-gated MLP, and M-RoPE as HF's
apply_multimodal_rotary_pos_emb with mrope_section [2, 3, 3] (head_dim 16). position_ids are [3, B, S].

golden.json: for each case the templated prompt text, its input ids, the prompt's M-RoPE position ids, the greedy
tokens of a cache-free PyTorch loop with the last-position logits of every step, and the summed log-probabilities of
candidate continuations ("dax<|im_end|>", "blicket<|im_end|>": Qwen's template writes an answer with no separator,
closed by <|im_end|>). Positions are computed here as transformers.js's get_rope_index does (text after an image
continues from the image's largest position + 1); generated tokens continue from the prompt's largest position + 1
(HF's rope_deltas), so a generated token's position is not its index once the prompt holds an image.
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
from PIL import Image

from training.tiny_smolvlm import bytes_to_unicode, write_images, write_json

SEED = 15
IMAGE = 32          # the fixture's PNGs; smart_resize keeps them (factor 16, 1024 px within [MIN_PIXELS, MAX_PIXELS])
PATCH = 8
MERGE = 2
TEMPORAL = 2
MIN_PIXELS, MAX_PIXELS = 256, 1024
PATCH_DIM = 3 * TEMPORAL * PATCH * PATCH
SEQ = (IMAGE // PATCH) ** 2 // MERGE ** 2          # 4 visual tokens per image
VD = 32             # vision hidden
VHEADS = 2
D = 64              # text hidden
LAYERS = 2
HEADS = 4
KV_HEADS = 2
HEAD_DIM = 16
FF = 128
MROPE = [2, 3, 3]   # sums to HEAD_DIM // 2 (Qwen2-VL-2B: [16, 24, 24] for head_dim 128)
THETA = 10000.0
OPSET = 14
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
SPECIAL_ID = {s: 256 + i for i, s in enumerate(SPECIALS)}
VOCAB = 256 + len(SPECIALS)
ENDOFTEXT, IM_END = SPECIAL_ID["<|endoftext|>"], SPECIAL_ID["<|im_end|>"]
VISION_START, VISION_END = SPECIAL_ID["<|vision_start|>"], SPECIAL_ID["<|vision_end|>"]
IMAGE_TOKEN, VIDEO_TOKEN = SPECIAL_ID["<|image_pad|>"], SPECIAL_ID["<|video_pad|>"]

# Qwen2-VL-2B-Instruct's chat template (chat_template.json / tokenizer_config.json).
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    "{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}"
    "<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in content "
    "or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture "
    "{{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] == 'video' "
    "or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video "
    "{{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}"
    "{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}"
    "<|im_start|>assistant\n{% endif %}"
)


def tokenize(text: str) -> list[int]:
    """What the tokenizer.json below does: special tokens whole, every other byte its own token (no merges)."""
    ids: list[int] = []
    i = 0
    while i < len(text):
        s = next((s for s in SPECIALS if text.startswith(s, i)), None)
        if s is not None:
            ids.append(SPECIAL_ID[s])
            i += len(s)
        else:
            ids.extend(text[i].encode("utf-8"))
            i += 1
    return ids


def render_chat(messages: list[dict], add_generation_prompt: bool) -> str:
    """The chat template above, for its own message shape (content: list of {type: text|image})."""
    out = "" if messages and messages[0]["role"] == "system" else "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
    for m in messages:
        out += f"<|im_start|>{m['role']}\n"
        for part in m["content"]:
            out += part["text"] if part["type"] == "text" else "<|vision_start|><|image_pad|><|vision_end|>"
        out += "<|im_end|>\n"
    return out + ("<|im_start|>assistant\n" if add_generation_prompt else "")


def expand_images(text: str, grids: list[tuple[int, int, int]]) -> str:
    """Qwen2VLProcessor: the i-th <|image_pad|> becomes t*h*w / merge^2 of them."""
    parts = text.split("<|image_pad|>")
    assert len(parts) == len(grids) + 1, (len(parts), len(grids))
    return parts[0] + "".join("<|image_pad|>" * (t * h * w // MERGE ** 2) + p for (t, h, w), p in zip(grids, parts[1:]))


def rope_index(ids: list[int], grids: list[tuple[int, int, int]]) -> list[list[int]]:
    """transformers.js Qwen2VLForConditionalGeneration.get_rope_index for one unpadded sequence: [3][len(ids)]."""
    if not grids:
        return [list(range(len(ids)))] * 3
    segs: list[list[list[int]]] = []   # each [t, h, w] lists
    st, k = 0, 0
    top = lambda: max(max(a) for a in segs[-1]) + 1 if segs else 0
    for _ in range(sum(1 for i, x in enumerate(ids) if x == VISION_START and i + 1 < len(ids) and ids[i + 1] == IMAGE_TOKEN)):
        ed = next(i for i, x in enumerate(ids) if i > st and x == IMAGE_TOKEN)
        t, h, w = grids[k]
        k += 1
        gt, gh, gw = t, h // MERGE, w // MERGE
        s0 = top()
        segs.append([[s0 + i for i in range(ed - st)]] * 3)
        off = s0 + ed - st
        n = gt * gh * gw
        segs.append([[off + i // (gh * gw) for i in range(n)], [off + (i // gw) % gh for i in range(n)], [off + i % gw for i in range(n)]])
        st = ed + n
    if st < len(ids):
        s0 = top()
        segs.append([[s0 + i for i in range(len(ids) - st)]] * 3)
    return [sum((s[d] for s in segs), []) for d in range(3)]


# ---------------------------------------------------------------------------------------------- the model

def rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


class Vision(torch.nn.Module):
    """Qwen2-VL's tower, one block: patch embed, 2-D rotary attention within each image, QuickGELU MLP, PatchMerger."""

    def __init__(self) -> None:
        super().__init__()
        self.patch = torch.nn.Linear(PATCH_DIM, VD, bias=False)    # Conv3d(3, VD, (2, P, P), stride=(2, P, P), bias=False)
        self.norm1 = torch.nn.LayerNorm(VD, eps=1e-6)
        self.qkv = torch.nn.Linear(VD, 3 * VD)
        self.proj = torch.nn.Linear(VD, VD)
        self.norm2 = torch.nn.LayerNorm(VD, eps=1e-6)
        self.fc1 = torch.nn.Linear(VD, 2 * VD)
        self.fc2 = torch.nn.Linear(2 * VD, VD)
        self.ln_q = torch.nn.LayerNorm(VD, eps=1e-6)
        self.mlp0 = torch.nn.Linear(VD * MERGE ** 2, VD * MERGE ** 2)
        self.mlp2 = torch.nn.Linear(VD * MERGE ** 2, D)
        hd = VD // VHEADS
        inv = 1.0 / (THETA ** (torch.arange(0, hd // 2, 2, dtype=torch.float32) / (hd // 2)))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, pixel_values: torch.Tensor, grid_thw: torch.Tensor) -> torch.Tensor:
        n = pixel_values.shape[0]
        lens = grid_thw[:, 0] * grid_thw[:, 1] * grid_thw[:, 2]
        ends = torch.cumsum(lens, dim=0)
        idx = torch.arange(n, dtype=torch.int64)
        img = (idx.unsqueeze(1) >= ends.unsqueeze(0)).to(torch.int64).sum(dim=1)       # image of each patch row
        local = idx - (ends - lens).index_select(0, img)
        gh, gw = grid_thw[:, 1].index_select(0, img), grid_thw[:, 2].index_select(0, img)
        win, within = torch.div(local, 4, rounding_mode="floor"), torch.remainder(local, 4)
        wins_w = torch.div(gw, MERGE, rounding_mode="floor")
        wins_h = torch.div(gh, MERGE, rounding_mode="floor")
        row = torch.remainder(torch.div(win, wins_w, rounding_mode="floor"), wins_h) * MERGE + torch.div(within, MERGE, rounding_mode="floor")
        col = torch.remainder(win, wins_w) * MERGE + torch.remainder(within, MERGE)
        freqs = torch.cat([row.to(torch.float32).unsqueeze(1) * self.inv_freq, col.to(torch.float32).unsqueeze(1) * self.inv_freq], dim=1)
        emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)                            # [n, 1, hd]
        cos, sin = emb.cos(), emb.sin()
        bias = torch.where(img.unsqueeze(1) == img.unsqueeze(0), torch.zeros(1), torch.full((1,), -1e9))

        h = self.patch(pixel_values)                                                    # [n, VD]
        q, k, v = self.qkv(self.norm1(h)).reshape(n, 3, VHEADS, VD // VHEADS).unbind(1)  # [n, heads, hd]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(VD // VHEADS) + bias, dim=-1)
        h = h + self.proj((att @ v).transpose(0, 1).reshape(n, VD))
        x = self.fc1(self.norm2(h))
        h = h + self.fc2(x * torch.sigmoid(1.702 * x))
        m = self.ln_q(h).reshape(-1, VD * MERGE ** 2)
        return self.mlp2(F.gelu(self.mlp0(m)))


class Embed(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.table = torch.nn.Embedding(VOCAB, D)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.table(input_ids)


def rms(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w


class Layer(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.n1 = torch.nn.Parameter(1 + 0.1 * torch.randn(D))
        self.q = torch.nn.Linear(D, HEADS * HEAD_DIM)
        self.k = torch.nn.Linear(D, KV_HEADS * HEAD_DIM)
        self.v = torch.nn.Linear(D, KV_HEADS * HEAD_DIM)
        self.o = torch.nn.Linear(HEADS * HEAD_DIM, D, bias=False)
        self.n2 = torch.nn.Parameter(1 + 0.1 * torch.randn(D))
        self.gate = torch.nn.Linear(D, FF, bias=False)
        self.up = torch.nn.Linear(D, FF, bias=False)
        self.down = torch.nn.Linear(FF, D, bias=False)


class Decoder(torch.nn.Module):
    """Qwen2 with M-RoPE: RMSNorm, biased q/k/v, grouped KV heads, SiLU-gated MLP; a KV cache in and out."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList([Layer() for _ in range(LAYERS)])
        self.norm = torch.nn.Parameter(1 + 0.1 * torch.randn(D))
        self.lm_head = torch.nn.Linear(D, VOCAB, bias=False)
        inv = 1.0 / (THETA ** (torch.arange(0, HEAD_DIM, 2, dtype=torch.float32) / HEAD_DIM))
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, inputs_embeds, attention_mask, position_ids, *past):
        b, l = inputs_embeds.shape[0], inputs_embeds.shape[1]
        p = past[0].shape[2]
        t = p + l
        freqs = position_ids.to(torch.float32).unsqueeze(-1) * self.inv_freq           # [3, b, l, hd/2]
        emb = torch.cat([freqs, freqs], dim=-1)                                         # [3, b, l, hd]
        # apply_multimodal_rotary_pos_emb: chunk i of the (mrope_section * 2) split takes axis i % 3 (t, h, w).
        pick = lambda x: torch.cat([c[i % 3] for i, c in enumerate(x.split(MROPE * 2, dim=-1))], dim=-1).unsqueeze(1)
        cos, sin = pick(emb.cos()), pick(emb.sin())                                     # [b, 1, l, hd]
        q_pos = torch.arange(l).unsqueeze(1) + p
        k_pos = torch.arange(t).unsqueeze(0)
        allowed = (k_pos <= q_pos).unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(1)
        bias = torch.where(allowed, torch.zeros(1), torch.full((1,), -1e9))            # [b, 1, l, t]
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
        # Special-token rows give logit 0, which never wins on random weights: generations run to max tokens (stop is
        # tested by strings and by cancel) and never emit vision tokens; <|im_end|>'s log-prob is still finite.
        dec.lm_head.weight[256:].zero_()
    return vision.eval(), embed.eval(), dec.eval()


# ---------------------------------------------------------------------------------------------- reference

def patches(path: Path) -> tuple[torch.Tensor, tuple[int, int, int]]:
    """Qwen2VLImageProcessor on one image, in transformers.js's arithmetic (float64 products stored as float32)."""
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    assert a.shape == (IMAGE, IMAGE, 3), a.shape
    a = (a.astype(np.float64) * (1 / 255)).astype(np.float32)
    a = ((a.astype(np.float64) - np.array(MEAN)) / np.array(STD)).astype(np.float32)
    x = torch.from_numpy(a.transpose(2, 0, 1).copy()).unsqueeze(0).repeat(TEMPORAL, 1, 1, 1)   # [T, C, H, W]
    gt, gh, gw = x.shape[0] // TEMPORAL, IMAGE // PATCH, IMAGE // PATCH
    x = x.reshape(gt, TEMPORAL, 3, gh // MERGE, MERGE, PATCH, gw // MERGE, MERGE, PATCH)
    x = x.permute(0, 3, 6, 4, 7, 2, 1, 5, 8).reshape(gt * gh * gw, PATCH_DIM)
    return x, (gt, gh, gw)


def empty_past(b: int) -> list[torch.Tensor]:
    return [torch.zeros(b, KV_HEADS, 0, HEAD_DIM) for _ in range(2 * LAYERS)]


@torch.no_grad()
def full_logits(ids: list[int], positions: list[list[int]], imgs, vision: Vision, embed: Embed, dec: Decoder) -> torch.Tensor:
    """Every position's logits, no cache: [L, V]."""
    e = embed(torch.tensor([ids]))
    if imgs:
        feats = vision(torch.cat([x for x, _ in imgs]), torch.tensor([g for _, g in imgs]))
        slots = [i for i, t in enumerate(ids) if t == IMAGE_TOKEN]
        assert len(slots) == feats.shape[0], (len(slots), feats.shape)
        e[0, slots] = feats
    n = len(ids)
    out = dec(e, torch.ones(1, n, dtype=torch.int64), torch.tensor(positions).unsqueeze(1), *empty_past(1))
    return out[0][0]


def golden_case(name, messages, images, candidates, steps, vision, embed, dec, root: Path) -> dict:
    text = render_chat(messages, add_generation_prompt=True)
    imgs = [patches(root / "images" / f) for f in images]
    ids = tokenize(expand_images(text, [g for _, g in imgs]))
    pos = rope_index(ids, [g for _, g in imgs])
    nxt = max(pos[0] + pos[1] + pos[2]) + 1          # where text after the prompt continues (HF rope_deltas)
    gen: list[int] = []
    step_logits = []
    for _ in range(steps):
        tail = list(range(nxt, nxt + len(gen)))
        logits = full_logits(ids + gen, [p + tail for p in pos], imgs, vision, embed, dec)[-1]
        step_logits.append([round(float(x), 6) for x in logits])
        gen.append(int(torch.argmax(logits)))
    ranked = []
    for cand in candidates:
        cont = tokenize(cand)
        # As the engine scores: get_rope_index over prompt + continuation.
        all_logits = full_logits(ids + cont, rope_index(ids + cont, [g for _, g in imgs]), imgs, vision, embed, dec)
        lp = torch.log_softmax(all_logits.double(), dim=-1)
        per = [float(lp[len(ids) - 1 + j, tok]) for j, tok in enumerate(cont)]
        ranked.append({"continuation": cand, "tokenIds": cont, "tokenLogProbs": per, "sum": sum(per)})
    return {
        "name": name,
        "messages": messages,
        "images": images,
        "text": text,
        "inputIds": ids,
        "positionIds": pos,
        "greedy": {"tokenIds": gen, "stepLogits": step_logits},
        "candidates": ranked,
    }


# ---------------------------------------------------------------------------------------------- files

def write_configs(root: Path) -> None:
    write_json(root / "config.json", {
        "architectures": ["Qwen2VLForConditionalGeneration"],
        "model_type": "qwen2_vl",
        "bos_token_id": ENDOFTEXT, "eos_token_id": IM_END, "pad_token_id": ENDOFTEXT,
        "vision_start_token_id": VISION_START, "vision_end_token_id": VISION_END,
        "image_token_id": IMAGE_TOKEN, "video_token_id": VIDEO_TOKEN,
        "hidden_act": "silu", "hidden_size": D, "intermediate_size": FF, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS, "head_dim": HEAD_DIM, "vocab_size": VOCAB,
        "rms_norm_eps": 1e-6, "rope_theta": THETA, "max_position_embeddings": 32768, "tie_word_embeddings": False,
        "use_sliding_window": False, "attention_dropout": 0.0, "use_cache": True,
        "rope_scaling": {"type": "mrope", "mrope_section": MROPE},
        "vision_config": {
            "model_type": "qwen2_vl", "depth": 1, "embed_dim": VD, "num_heads": VHEADS, "mlp_ratio": 2,
            "hidden_act": "quick_gelu", "in_chans": 3, "in_channels": 3, "hidden_size": D, "patch_size": PATCH,
            "spatial_patch_size": PATCH, "spatial_merge_size": MERGE, "temporal_patch_size": TEMPORAL,
        },
        "torch_dtype": "float32",
        "_comment": "A tiny random-weight test model (training/tiny_qwen2vl.py), not a real Qwen2-VL.",
    })
    write_json(root / "generation_config.json", {"bos_token_id": ENDOFTEXT, "eos_token_id": [IM_END, ENDOFTEXT], "pad_token_id": ENDOFTEXT})
    write_json(root / "preprocessor_config.json", {
        "image_processor_type": "Qwen2VLImageProcessor", "processor_class": "Qwen2VLProcessor",
        "do_convert_rgb": True, "do_resize": True, "do_rescale": True, "rescale_factor": 1 / 255,
        "do_normalize": True, "image_mean": MEAN, "image_std": STD, "resample": 3,
        "min_pixels": MIN_PIXELS, "max_pixels": MAX_PIXELS, "size": {"shortest_edge": MIN_PIXELS, "longest_edge": MAX_PIXELS},
        "patch_size": PATCH, "temporal_patch_size": TEMPORAL, "merge_size": MERGE,
    })
    write_json(root / "processor_config.json", {"processor_class": "Qwen2VLProcessor"})
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
        "tokenizer_class": "Qwen2Tokenizer", "add_prefix_space": False, "errors": "replace",
        "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "unk_token": None,
        "clean_up_tokenization_spaces": False, "split_special_tokens": False, "model_max_length": 32768,
        "additional_special_tokens": [s for s in SPECIALS if s != "<|endoftext|>"],
        "chat_template": CHAT_TEMPLATE,
    })


def export(vision: Vision, embed: Embed, dec: Decoder, root: Path) -> None:
    onnx_dir = root / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    kw = dict(opset_version=OPSET, do_constant_folding=True)
    grid = torch.tensor([[1, 4, 4], [1, 2, 4]])
    torch.onnx.export(vision, (torch.randn(24, PATCH_DIM), grid), str(onnx_dir / "vision_encoder.onnx"),
                      input_names=["pixel_values", "grid_thw"], output_names=["image_features"],
                      dynamic_axes={"pixel_values": {0: "num_patches"}, "grid_thw": {0: "num_images"},
                                    "image_features": {0: "num_image_tokens"}}, **kw)
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
            "position_ids": {1: "batch_size", 2: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    axes.update({n: {0: "batch_size", 2: "total_sequence_length"} for n in present_names})
    torch.onnx.export(dec, (torch.randn(b, l, D), torch.ones(b, p + l, dtype=torch.int64),
                            torch.arange(p, p + l).reshape(1, 1, l).repeat(3, b, 1), *past),
                      str(onnx_dir / "decoder_model_merged.onnx"),
                      input_names=["inputs_embeds", "attention_mask", "position_ids", *past_names],
                      output_names=["logits", *present_names], dynamic_axes=axes, **kw)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/fixtures/tiny-qwen2vl")
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("FLAMINGO_THREADS", "1")))
    root = Path(args.out)
    root.mkdir(parents=True, exist_ok=True)
    names = write_images(root)          # the same 32x32 images as tiny-smolvlm (same code, same bytes)
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
    cands = ["dax<|im_end|>", "blicket<|im_end|>"]
    cases = [
        golden_case("two_shot_turns", two_shot, [names[0], names[1], names[2]], cands, 8, vision, embed, dec, root),
        golden_case("interleaved", interleaved, [names[1], names[0], names[1]], cands, 6, vision, embed, dec, root),
        golden_case("text_only", text_only, [], cands, 6, vision, embed, dec, root),
    ]
    write_json(root / "golden.json", {
        "generator": "training/tiny_qwen2vl.py", "seed": SEED, "torch": torch.__version__,
        "specialTokens": SPECIAL_ID, "eosTokenId": IM_END, "eosTokenIds": [IM_END, ENDOFTEXT],
        "imageTokenId": IMAGE_TOKEN, "imageSeqLen": SEQ, "imageGridThw": [1, IMAGE // PATCH, IMAGE // PATCH],
        "cases": cases,
    })
    total = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    print(f"wrote {root} ({total / 1024:.0f} KiB)")
    for c in cases:
        print(c["name"], len(c["inputIds"]), "prompt tokens; greedy", c["greedy"]["tokenIds"],
              "; rank", [round(x["sum"], 4) for x in c["candidates"]])


if __name__ == "__main__":
    main()
