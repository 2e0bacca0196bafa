"""Export the trained model to the package public/models/flamingo-mini/:
vision.onnx, lm.onnx, tokenizer.json, manifest.json, golden.json (+ golden/*.png), onnx_check.json
(PyTorch reference inputs/outputs that training/verify_onnx.mjs compares against onnxruntime-node).

    /usr/bin/python3 -m training.export --run main
"""
import os, json, hashlib, argparse, shutil, random
import numpy as np
import torch
from PIL import Image
from .common import PKG_DIR, TRAIN_DIR, Logger, save_json, setup_threads
from .tokenizer import Tokenizer, IMAGE, EOC, PAD
from .train import load_model, MEAN, STD, to_pixels
from .data import build_dataset, LabelMaker, IMG
from .model import image_index_from_ids

MODEL_ID = "flamingo-mini"
OPSET = 17


class VisionGraph(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, pixels):
        return self.m.encode_images(pixels)


class LMGraph(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.lm = m.lm

    def forward(self, input_ids, visual_tokens, image_index, past_key_values):
        return self.lm(input_ids, visual_tokens, image_index, past_key_values)


def sha256(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def export_onnx(model, cfg, out):
    model = model.cpu().eval()
    vg, lg = VisionGraph(model).eval(), LMGraph(model).eval()
    px = torch.randn(2, 3, IMG, IMG)
    torch.onnx.export(vg, (px,), os.path.join(out, "vision.onnx"), opset_version=OPSET,
                      input_names=["pixels"], output_names=["visual_tokens"],
                      dynamic_axes={"pixels": {0: "batch"}, "visual_tokens": {0: "batch"}}, do_constant_folding=True)
    B, S, N = 2, 7, 2
    ids = torch.randint(0, cfg["vocab_size"] - 3, (B, S))
    vis = torch.randn(B, N, cfg["n_latents"], cfg["d_model"])
    ii = torch.tensor([[-1, 0, 0, 0, 1, 1, 1]] * B)
    past = torch.randn(cfg["n_layers"], 2, B, cfg["n_heads"], 3, cfg["d_model"] // cfg["n_heads"])
    torch.onnx.export(lg, (ids, vis, ii, past), os.path.join(out, "lm.onnx"), opset_version=OPSET,
                      input_names=["input_ids", "visual_tokens", "image_index", "past_key_values"],
                      output_names=["logits", "present_key_values", "xattn_weights", "gates"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                    "visual_tokens": {0: "batch", 1: "n_images"},
                                    "image_index": {0: "batch", 1: "seq"},
                                    "past_key_values": {2: "batch", 4: "past_seq"},
                                    "logits": {0: "batch", 1: "seq"},
                                    "present_key_values": {2: "batch", 4: "total_seq"},
                                    "xattn_weights": {0: "batch", 2: "seq", 3: "n_visual"}},
                      do_constant_folding=True)
    import onnx
    for f in ["vision.onnx", "lm.onnx"]:
        onnx.checker.check_model(onnx.load(os.path.join(out, f)))


def _l(t):
    return [round(float(x), 6) for x in t.reshape(-1).tolist()]


def onnx_check_cases(model, cfg, tok, out):
    """Reference inputs/outputs for training/verify_onnx.mjs (not shipped to the browser)."""
    g = torch.Generator().manual_seed(0)
    model = model.cpu().eval()
    cases = {}
    with torch.no_grad():
        px = torch.rand(2, 3, IMG, IMG, generator=g) * 2 - 1
        vt = model.encode_images(px)
        cases["vision"] = {"pixels": _l(px), "pixels_shape": list(px.shape), "visual_tokens": _l(vt), "shape": list(vt.shape)}
        text = "Hi<image>Output:dax<|endofchunk|>\n<image>Output:dax zup<|endofchunk|>\n<image>Output:"
        ids = torch.tensor([tok.encode(text)] * 2)
        ids[1, 0] = tok.encode_text(" ok")[0]
        ii = image_index_from_ids(ids, tok.image_id)
        vis = model.encode_images(torch.rand(6, 3, IMG, IMG, generator=g) * 2 - 1).view(2, 3, cfg["n_latents"], -1)
        logits, pres, xw, gates = model.lm(ids, vis, ii, model.lm.empty_past(2, "cpu"))
        S = ids.shape[1]
        cut = S - 3
        cases["lm"] = {"input_ids": ids.reshape(-1).tolist(), "ids_shape": list(ids.shape),
                       "image_index": ii.reshape(-1).tolist(), "visual_tokens": _l(vis), "vis_shape": list(vis.shape),
                       "cut": cut, "logits": _l(logits), "logits_shape": list(logits.shape),
                       "xattn_weights": _l(xw), "xattn_shape": list(xw.shape), "gates": _l(gates),
                       "present_last": _l(pres[:, :, :, :, -1]), "n_layers": cfg["n_layers"], "n_heads": cfg["n_heads"],
                       "head_dim": cfg["d_model"] // cfg["n_heads"]}
        # 0-image prompt: a dummy zero image, every image_index = -1
        ids0 = torch.tensor([tok.encode("Question:How many shapes are there? Short answer:")])
        vis0 = torch.zeros(1, 1, cfg["n_latents"], cfg["d_model"])
        lo0, _, _, _ = model.lm(ids0, vis0, torch.full_like(ids0, -1), model.lm.empty_past(1, "cpu"))
        cases["lm_noimg"] = {"input_ids": ids0.reshape(-1).tolist(), "logits_last": _l(lo0[0, -1])}
    save_json(cases, os.path.join(out, "onnx_check.json"))


@torch.no_grad()
def greedy(model, tok, ids, vis, max_new=12):
    """KV-cached greedy decode; new tokens attend to the last image of the prompt."""
    ids_t = torch.tensor([ids])
    ii = image_index_from_ids(ids_t, tok.image_id)
    logits, past, _, _ = model.lm(ids_t, vis, ii, model.lm.empty_past(1, "cpu"))
    first = logits[0, -1].clone()
    last_img = int(ii[0, -1])
    out = []
    for _ in range(max_new):
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        if nxt == tok.eoc_id:
            break
        logits, past, _, _ = model.lm(torch.tensor([[nxt]]), vis, torch.tensor([[last_img]]), past)
    return first, out


def golden(model, cfg, tok, ds, out):
    model = model.cpu().eval()
    gdir = os.path.join(out, "golden")
    os.makedirs(gdir, exist_ok=True)
    ho = [i for i, e in enumerate(ds["emoji"]) if e["split"] == "heldout"]
    sc = [i for i, s in enumerate(ds["scene_split"]) if s == "heldout"]
    rng = random.Random(7)
    a, b = rng.sample(ho, 2)
    imgs = {"g_a1.png": ds["emoji_views"][a, 0], "g_b1.png": ds["emoji_views"][b, 0],
            "g_a2.png": ds["emoji_views"][a, 1], "g_b2.png": ds["emoji_views"][b, 2],
            "g_scene.png": ds["scenes"][sc[0]], "g_a3.png": ds["emoji_views"][a, 3]}
    for n, arr in imgs.items():
        Image.fromarray(arr).save(os.path.join(gdir, n))
    prompts = [
        {"name": "four_images_2way", "images": ["g_a1.png", "g_b1.png", "g_a2.png", "g_b2.png"],
         "text": "<image>Output:dax<|endofchunk|>\n<image>Output:blicket zup<|endofchunk|>\n<image>Output:dax<|endofchunk|>\n<image>Output:"},
        {"name": "zero_images", "images": [], "text": "Question:How many shapes are there? Short answer:"},
        {"name": "mixed", "images": ["g_a3.png", "g_scene.png"],
         "text": "Two pictures.\n<image>Output:wug<|endofchunk|>\n<image>Question:What color are the shapes? Short answer:"},
    ]
    res = []
    for p in prompts:
        ids = tok.encode(p["text"])
        ii = image_index_from_ids(torch.tensor([ids]), tok.image_id)[0].tolist()
        if p["images"]:
            u8 = np.stack([np.asarray(Image.open(os.path.join(gdir, f)).convert("RGB")) for f in p["images"]])
            px = to_pixels(u8, "cpu")
            vt = model.encode_images(px)
            vis = vt.unsqueeze(0)
        else:
            px = None
            vt = torch.zeros(0, cfg["n_latents"], cfg["d_model"])
            vis = torch.zeros(1, 1, cfg["n_latents"], cfg["d_model"])
        first, gen = greedy(model, tok, ids, vis)
        r = {"name": p["name"], "text": p["text"], "images": ["golden/" + f for f in p["images"]],
             "input_ids": ids, "image_index": ii,
             "pixels_mean_per_image": [round(float(x), 6) for x in px.mean((1, 2, 3))] if px is not None else [],
             "visual_tokens": {"shape": list(vt.shape),
                               "first_16_of_each_image": [_l(v.reshape(-1)[:16]) for v in vt],
                               "sum_per_image": [round(float(v.sum()), 5) for v in vt],
                               "abs_sum_per_image": [round(float(v.abs().sum()), 5) for v in vt]},
             "first_position_logits": {"first_32": _l(first[:32]), "argmax": int(first.argmax()),
                                       "top5": first.topk(5).indices.tolist(),
                                       "top5_logits": _l(first.topk(5).values),
                                       "logsumexp": round(float(torch.logsumexp(first, 0)), 5)},
             "greedy_ids": gen, "greedy_text": tok.decode(gen)}
        res.append(r)
    g = {"model": MODEL_ID, "tolerance": {"visual_tokens": 1e-3, "logits": 1e-3},
         "notes": "Prompts are encoded with tokenizer.json (special tokens parsed). Zero-image prompts pass a dummy "
                  "visual_tokens tensor of zeros [1,1,n_latents,d_model] with every image_index = -1. Greedy decode "
                  "uses the KV cache; generated tokens have image_index = index of the last image (-1 if none) and "
                  "stop at <|endofchunk|> or 12 tokens.",
         "prompts": res}
    save_json(g, os.path.join(out, "golden.json"))
    return res


def write_manifest(cfg, tok, out, eval_table=None, train_info=None):
    files = {}
    for f in ["vision.onnx", "lm.onnx", "tokenizer.json"]:
        p = os.path.join(out, f)
        files[f] = {"sha256": sha256(p), "bytes": os.path.getsize(p)}
    man_p = os.path.join(out, "manifest.json")
    old = json.load(open(man_p)) if os.path.exists(man_p) else {}
    man = {
        "id": MODEL_ID, "version": old.get("version", "0.1.0"), "format": "flamingo-onnx/1",
        "description": "Mini-Flamingo trained offline on Noto emoji + procedural scenes (see README.md).",
        "architecture": {
            "vision_encoder": "4-stage CNN (GroupNorm, GELU) -> 8x8 grid of %d-d features + learned position embedding; pretrained contrastively (CLIP-style) then frozen" % cfg["vis_dim"],
            "perceiver_resampler": {"n_latents": cfg["n_latents"], "depth": cfg["resampler_depth"], "heads": cfg["resampler_heads"], "max_frames": cfg["max_frames"], "d_model": cfg["d_model"]},
            "language_model": {"type": "decoder-only transformer, pre-LN, RoPE", "n_layers": cfg["n_layers"], "d_model": cfg["d_model"], "n_heads": cfg["n_heads"], "head_dim": cfg["d_model"] // cfg["n_heads"], "vocab_size": cfg["vocab_size"], "frozen": True},
            "gated_xattn_dense": {"every_n_layers": cfg["xattn_every"], "count": cfg["n_layers"] // cfg["xattn_every"], "ff_mult": cfg["xattn_ff_mult"], "gate": "tanh(alpha), alpha initialised to %g" % cfg["gate_init"]},
            "masking": "each text token cross-attends only to the visual tokens of the immediately preceding <image>; text before the first image attends to none",
            "n_visual_tokens_per_image": cfg["n_latents"], "visual_token_dim": cfg["d_model"],
            "kv_cache_layout": "[n_layers, 2 (key,value), batch, n_heads, seq, head_dim]",
        },
        "image_preprocessing": {"size": [IMG, IMG], "resize": "bilinear, stretch to size (no crop), after compositing alpha on white",
                                "channel_layout": "NCHW", "channel_order": "RGB", "scale": 1.0 / 255, "mean": MEAN, "std": STD,
                                "formula": "x = (pixel/255 - mean[c]) / std[c]", "dtype": "float32"},
        "special_tokens": {"image": {"content": IMAGE, "id": tok.image_id}, "end_of_chunk": {"content": EOC, "id": tok.eoc_id},
                           "pad": {"content": PAD, "id": tok.pad_id}, "bos": None, "stop_token_id": tok.eoc_id},
        "prompt_format": {"classification": "<image>Output:{label}<|endofchunk|>\n",
                          "captioning": "<image>Caption:{caption}<|endofchunk|>\n",
                          "vqa": "<image>Question:{question} Short answer:{answer}<|endofchunk|>\n",
                          "demonstration_separator": "\n (already part of each chunk above)"},
        "graphs": {"vision": "vision.onnx", "lm": "lm.onnx"},
        "onnx_opset": OPSET,
        "max_images_tested": 41,
        "max_sequence_tested": 400,
        "files": files,
        "total_weight_bytes": sum(v["bytes"] for k, v in files.items() if k.endswith(".onnx")),
        "data_licences": [
            {"data": "Noto Emoji artwork via npm emoji-datasource-google (images + emoji.json names/categories)", "licence": "Apache-2.0 (images); emoji-datasource metadata MIT"},
            {"data": "Word list /usr/share/dict/words (Debian wamerican)", "licence": "public domain / free (see /usr/share/doc/wamerican/copyright)"},
            {"data": "Procedural shape scenes and pseudo-words", "licence": "generated by training/data.py (this repository)"},
        ],
        "eval": eval_table if eval_table is not None else old.get("eval"),
        "training": train_info if train_info is not None else old.get("training"),
    }
    save_json(man, man_p)
    return man


def main_export(run, log=print):
    cfg = json.load(open(os.path.join(run, "config.json")))
    tok = Tokenizer.load(os.path.join(run, "tokenizer.json"))
    model = load_model(run, cfg, "cpu").eval()
    os.makedirs(PKG_DIR, exist_ok=True)
    shutil.copy(os.path.join(run, "tokenizer.json"), os.path.join(PKG_DIR, "tokenizer.json"))
    save_json({"add_bos_token": False, "add_eos_token": False, "model_max_length": 512,
               "eos_token": EOC, "pad_token": PAD, "tokenizer_class": "PreTrainedTokenizerFast"},
              os.path.join(PKG_DIR, "tokenizer_config.json"))
    export_onnx(model, cfg, PKG_DIR)
    onnx_check_cases(model, cfg, tok, os.path.join(TRAIN_DIR, "runs", os.path.basename(run)))
    ds = build_dataset(log)
    g = golden(model, cfg, tok, ds, PKG_DIR)
    for r in g:
        log("golden %s: %r" % (r["name"], r["greedy_text"]))
    man = write_manifest(cfg, tok, PKG_DIR)
    log("exported: %s (%d bytes of weights)" % (PKG_DIR, man["total_weight_bytes"]))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="main")
    a = ap.parse_args()
    setup_threads()
    run = os.path.join(TRAIN_DIR, "runs", a.run)
    main_export(run, Logger(os.path.join(run, "export_log.txt")))
