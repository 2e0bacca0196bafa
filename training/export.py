"""Export the trained model to the package public/models/flamingo-mini/:
vision.onnx, lm.onnx, tokenizer.json, manifest.json, golden.json (+ golden/*.png), onnx_check.json
(PyTorch reference inputs/outputs that training/verify_onnx.mjs compares against onnxruntime-node).

    /usr/bin/python3 -m training.export --run main             # everything
    /usr/bin/python3 -m training.export --run main --lm-only   # lm.onnx (+ onnx_check.json, manifest files) only

lm.onnx is built node by node (lean_lm_graph: same inputs, outputs and maths as model.lm, a third of the nodes of a
torch.onnx trace, ~1.4x cheaper per decode step, and a batch-1 past broadcasts over B rows); `--lm-graph torch` exports
the trace instead (no past broadcast).
"""
import os, json, math, hashlib, argparse, shutil, random
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


def _torchscript_exporter():
    """torch >= 2.9 exports with dynamo by default; keep the TorchScript exporter of torch 1.13 on every version, so
    vision.onnx has the same graph (and initialiser layout, which training/package_weights.py reads) on CPU and GPU."""
    import inspect
    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def export_onnx(model, cfg, out, lm_graph="lean", vision=True):
    model = model.cpu().eval()
    vg, lg = VisionGraph(model).eval(), LMGraph(model).eval()
    px = torch.randn(2, 3, IMG, IMG)
    if vision:
        torch.onnx.export(vg, (px,), os.path.join(out, "vision.onnx"), opset_version=OPSET,
                          input_names=["pixels"], output_names=["visual_tokens"],
                          dynamic_axes={"pixels": {0: "batch"}, "visual_tokens": {0: "batch"}}, do_constant_folding=True,
                          **_torchscript_exporter())
    import onnx
    if lm_graph == "lean":
        onnx.save(lean_lm_graph(model, cfg), os.path.join(out, "lm.onnx"))
        if vision:
            onnx.checker.check_model(onnx.load(os.path.join(out, "vision.onnx")))
        return
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
    for f in (["vision.onnx"] if vision else []) + ["lm.onnx"]:
        onnx.checker.check_model(onnx.load(os.path.join(out, f)))


def lean_lm_graph(model, cfg):
    """lm.onnx built node by node from the trained weights, with the inputs, outputs and maths of `model.lm`
    (docs/model-format.md §4) in about a third of the nodes torch.onnx's trace has. A decode step of this small
    model costs per kernel run rather than per FLOP, so:
    - RoPE angles, the causal mask, the cross-attention mask and `has_img` are computed once per call, not per layer;
    - q, k, v come out of one MatMul per layer (1/sqrt(head_dim) folded into q) and RoPE is applied to q and k at
      once as rope(x) = x*cos + (x @ R)*sin, R the constant rotate-half matrix;
    - the visual keys / values of every gated block come out of one MatMul; the constant gates tanh(alpha) are
      folded into the blocks' output projections;
    - reshapes use 0 / -1 dims instead of Shape/Gather/Concat chains; the past is split once;
      `present_key_values` is one Concat;
    - attention scores against the past and against the new keys are separate MatMuls, so a past of batch 1
      broadcasts over B rows (manifest `lm_features: ["past_broadcast"]`): candidates scored on one shared prefix
      need no tiled copy of it.
    Masking uses Where(mask, s, -1e9) as masked_fill does, so even the (meaningless) cross-attention weights of
    text before the first image equal PyTorch's. Checked against PyTorch by training/verify_onnx.mjs."""
    import onnx
    from onnx import helper as oh, numpy_helper as onh, TensorProto as TP

    lm = model.lm.cpu().eval()
    D, H, nl, V = cfg["d_model"], cfg["n_heads"], cfg["n_layers"], cfg["vocab_size"]
    dh, L = D // H, cfg["n_latents"]
    half = dh // 2
    xl = [i for i in range(nl) if i % cfg["xattn_every"] == 0]
    nodes, inits, names = [], [], set()

    def f32(t):
        a = t.detach().cpu().numpy() if torch.is_tensor(t) else np.asarray(t)
        return np.ascontiguousarray(a.astype(np.float32))

    def init(name, arr):
        if name not in names:
            names.add(name)
            inits.append(onh.from_array(np.asarray(arr), name))
        return name

    def i64(name, v):
        return init(name, np.array(v, np.int64))

    count = [0]

    def n(op, ins, outs=None, **kw):
        count[0] += 1
        outs = outs or ["%s_%d" % (op.lower(), count[0])]
        nodes.append(oh.make_node(op, ins, outs, name="%s_%d" % (op, count[0]), **kw))
        return outs[0] if len(outs) == 1 else outs

    def layer_norm(x, ln, name):
        return n("LayerNormalization", [x, init(name + ".w", f32(ln.weight)), init(name + ".b", f32(ln.bias))], axis=-1, epsilon=ln.eps)

    def linear(x, w_t, b, name):  # w_t [in, out]
        y = n("MatMul", [x, init(name + ".w", f32(w_t))])
        return n("Add", [y, init(name + ".b", f32(b))]) if b is not None else y

    def ff(x, m, name):  # FF: fc2(gelu(fc1(ln(x)))), exact (erf) GELU; ORT fuses it
        h = linear(layer_norm(x, m.ln, name + ".ln"), m.fc1.weight.T, m.fc1.bias, name + ".fc1")
        erf = n("Erf", [n("Div", [h, init("c.sqrt2", np.float32(math.sqrt(2)))])])  # Div, the pattern ORT fuses to BiasGelu
        g = n("Mul", [n("Mul", [h, n("Add", [erf, init("c.one", np.float32(1))])]), init("c.half", np.float32(0.5))])
        return linear(g, m.fc2.weight.T, m.fc2.bias, name + ".fc2")

    def heads(x, k):  # [B, S, k*D] -> [B, k*H, S, dh]
        return n("Transpose", [n("Reshape", [x, i64("shape.heads%d" % k, [0, 0, k * H, dh])])], perm=[0, 2, 1, 3])

    def merge(x):  # [B, H, S, dh] -> [B, S, D]
        return n("Reshape", [n("Transpose", [x], perm=[0, 2, 1, 3]), i64("shape.merge", [0, 0, D])])

    def t_last(x):  # [..., a, b] -> [..., b, a]
        return n("Transpose", [x], perm=[0, 1, 3, 2])

    ids, vis_in, ii, past = "input_ids", "visual_tokens", "image_index", "past_key_values"
    zero, one, ax0, ax1 = i64("c.zero", 0), i64("c.one_i", 1), i64("c.ax0", [0]), i64("c.ax1", [1])
    neg = init("c.neg", np.float32(-1e9))
    # ---- once per call: positions, RoPE tables, masks, visual keys/values, the past split per layer
    P1, S1 = n("Shape", [past], start=4, end=5), n("Shape", [ids], start=1, end=2)  # [1] each
    P = n("Squeeze", [P1, ax0])
    T = n("Squeeze", [n("Add", [P1, S1]), ax0])
    qpos = n("Range", [P, T, one])  # [S]: positions P .. P+S-1
    kpos = n("Range", [zero, T, one])  # [T]
    with torch.no_grad():
        inv = torch.exp(torch.arange(half).to(torch.float32) * (-math.log(cfg["rope_base"]) / half))
    ang = n("Mul", [n("Unsqueeze", [n("Cast", [qpos], to=TP.FLOAT), ax1]), init("rope.inv", f32(torch.cat([inv, inv]))[None, :])])
    cos, sin = [n("Unsqueeze", [n(op, [ang]), ax1]) for op in ("Cos", "Sin")]  # [S, 1, dh]: RoPE in [B, S, H, dh] layout
    causal = n("LessOrEqual", [n("Unsqueeze", [kpos, ax0]), n("Unsqueeze", [qpos, ax1])])  # [S, T]
    # Each layer's past keys/values get a leading zero slot that is always masked: the past MatMuls stay non-empty
    # when P = 0 (WebGPU cannot bind an empty buffer) and give exactly the same result.
    causal = n("Concat", [n("Less", [n("Unsqueeze", [qpos, ax1]), zero]), causal], axis=1)  # [S, 1 + T]
    x = n("Gather", [init("emb", f32(lm.emb.weight)), ids], axis=0)  # [B, S, D]
    vis = n("Reshape", [vis_in, i64("shape.vis", [0, -1, D])])  # [B, M, D]
    M = n("Squeeze", [n("Shape", [vis], start=1, end=2), ax0])
    lat_img = n("Div", [n("Range", [zero, M, one]), i64("c.n_latents", L)])  # [M]: image of each visual token
    allow = n("Unsqueeze", [n("Equal", [n("Unsqueeze", [ii, i64("c.ax2", [2])]), lat_img]), ax1])  # [B, 1, S, M]
    has_img = n("Unsqueeze", [n("Cast", [n("GreaterOrEqual", [ii, zero])], to=TP.FLOAT), i64("c.axm1", [-1])])  # [B, S, 1]
    wkv = np.concatenate([f32(lm.xblocks[i].kv.weight.T) for i in xl], axis=1)  # [D, n_x * 2D]: (k, v) per block
    xkv = n("Split", [heads(n("MatMul", [vis, init("xattn.kv.w", wkv)]), 2 * len(xl))], ["xkv%d" % j for j in range(2 * len(xl))], axis=1)
    past8 = n("Reshape", [past, n("Concat", [i64("shape.past_head", [2 * nl]), n("Shape", [past], start=2)], axis=0)], allowzero=1)  # [2nl, B, H, P, dh] (P may be 0)
    pkv = n("Split", [past8], ["past%d" % j for j in range(2 * nl)], axis=0)
    pkv = [pkv] if isinstance(pkv, str) else pkv
    R = np.zeros((dh, dh), np.float32)  # x @ R = rotate_half(x) = [-x2, x1]
    for j in range(half):
        R[j + half, j] = -1.0
        R[j, j + half] = 1.0
    scale = np.float32(1 / math.sqrt(dh))
    presents, xws, gates = [], [], []
    for i in range(nl):
        if i in xl:  # GATED XATTN-DENSE
            j = xl.index(i)
            b = lm.xblocks[i]
            ga, gf = float(torch.tanh(b.attn_gate).item()), float(torch.tanh(b.ff_gate).item())
            gates.append([ga, gf])
            q = heads(n("MatMul", [layer_norm(x, b.ln, "x%d.ln" % i), init("x%d.q.w" % i, f32(b.q.weight.T) * scale)]), 1)
            a = n("Softmax", [n("Where", [allow, n("MatMul", [q, t_last(xkv[2 * j])]), neg])], axis=-1)  # [B, H, S, M]
            xws.append(n("ReduceMean", [a], axes=[1], keepdims=1))  # [B, 1, S, M]
            o = n("MatMul", [merge(n("MatMul", [a, xkv[2 * j + 1]])), init("x%d.o.w" % i, f32(b.o.weight.T) * np.float32(ga))])
            x = n("Add", [x, n("Mul", [o, has_img])])
            x = n("Add", [x, n("Mul", [ff(x, b.ff, "x%d.ff" % i), init("x%d.gf" % i, np.float32(gf))])])
        blk = lm.blocks[i]  # self-attention block
        wq, wk, wv = [f32(w) for w in blk.attn.qkv.weight.chunk(3, 0)]  # (out, in)
        bq, bk, bv = [f32(v) for v in blk.attn.qkv.bias.chunk(3, 0)]
        w3 = np.concatenate([wq * scale, wk, wv], axis=0).T  # [D, 3D]; 1/sqrt(head_dim) folded into q
        b3 = np.concatenate([bq * scale, bk, bv])
        qkv = n("Reshape", [linear(layer_norm(x, blk.ln, "l%d.ln" % i), w3, b3, "l%d.qkv" % i), i64("shape.heads3", [0, 0, 3 * H, dh])])
        qk, v = n("Split", [qkv, i64("split.qk_v", [2 * H, H])], ["l%d.qk" % i, "l%d.v" % i], axis=2)  # [B, S, 2H, dh], [B, S, H, dh]
        qk = n("Add", [n("Mul", [qk, cos]), n("Mul", [n("MatMul", [qk, init("rope.R", R)]), sin])])  # RoPE on q and k at once
        q, k = n("Split", [qk], ["l%d.q" % i, "l%d.k" % i], axis=2)
        to_bhsd = lambda t: n("Transpose", [t], perm=[0, 2, 1, 3])
        q, k, v = to_bhsd(q), to_bhsd(k), to_bhsd(v)
        # Attention over [slot, past] and over the new keys separately: a past of batch 1 broadcasts over the B rows
        # (MatMul broadcasting), so B candidates can share one prefix cache without a tiled copy.
        slot = n("Expand", [init("c.slot", np.zeros((1, H, 1, dh), np.float32)),
                            n("Concat", [n("Shape", [pkv[2 * i]], start=1, end=3), i64("shape.slot", [1, dh])], axis=0)])  # [Bp, H, 1, dh]
        pk, pv = [n("Concat", [slot, n("Squeeze", [pkv[2 * i + j], ax0])], axis=2) for j in (0, 1)]  # [Bp, H, 1 + P, dh]
        a = n("Softmax", [n("Where", [causal, n("Concat", [n("MatMul", [q, t_last(pk)]), n("MatMul", [q, t_last(k)])], axis=3), neg])], axis=-1)
        a_p, a_n = n("Split", [a, n("Concat", [n("Add", [P1, i64("c.one1", [1])]), S1], axis=0)], ["l%d.a_past" % i, "l%d.a_new" % i], axis=3)
        o = n("Add", [n("MatMul", [a_p, pv]), n("MatMul", [a_n, v])])  # [B, H, S, dh]
        x = n("Add", [x, linear(merge(o), blk.attn.o.weight.T, blk.attn.o.bias, "l%d.o" % i)])
        x = n("Add", [x, ff(x, blk.ff, "l%d.ff" % i)])
        presents += [n("Unsqueeze", [k, ax0]), n("Unsqueeze", [v, ax0])]
    n("MatMul", [layer_norm(x, lm.ln_f, "ln_f"), init("head.w", f32(lm.head.weight.T))], ["logits"])
    # present = [past (expanded to the B rows when it has batch 1), every layer's new keys/values] along the sequence
    rows = n("Concat", [i64("shape.past_head", [2 * nl]), n("Shape", [ids], start=0, end=1), n("Shape", [past], start=3)], axis=0)
    pres = n("Concat", [n("Expand", [past8, rows]), n("Concat", presents, axis=0)], axis=3)  # [2nl, B, H, T, dh]
    n("Reshape", [pres, n("Concat", [i64("shape.present_head", [nl, 2]), n("Shape", [pres], start=1)], axis=0)], ["present_key_values"], allowzero=1)
    n("Concat", xws, ["xattn_weights"], axis=1)
    n("Identity", [init("gates.value", np.array(gates, np.float32))], ["gates"])
    tv = oh.make_tensor_value_info
    graph = oh.make_graph(nodes, "flamingo_lm", [
        tv("input_ids", TP.INT64, ["batch", "seq"]),
        tv("visual_tokens", TP.FLOAT, ["batch", "n_images", L, D]),
        tv("image_index", TP.INT64, ["batch", "seq"]),
        tv("past_key_values", TP.FLOAT, [nl, 2, "batch", H, "past_seq", dh]),
    ], [
        tv("logits", TP.FLOAT, ["batch", "seq", V]),
        tv("present_key_values", TP.FLOAT, [nl, 2, "batch", H, "total_seq", dh]),
        tv("xattn_weights", TP.FLOAT, ["batch", len(xl), "seq", "n_visual"]),
        tv("gates", TP.FLOAT, [len(xl), 2]),
    ], initializer=inits)
    m = oh.make_model(graph, opset_imports=[oh.make_opsetid("", OPSET)], producer_name="training/export.py lean_lm_graph")
    m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    return m


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


def write_manifest(cfg, tok, out, eval_table=None, train_info=None, lm_graph=None):
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
        "lm_features": lm_features(lm_graph) if lm_graph else old.get("lm_features", []),
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


def lm_features(lm_graph):
    """What lm.onnx does beyond the base contract (docs/model-format.md §4): the lean graph takes a batch-1 past
    for B rows."""
    return ["past_broadcast"] if lm_graph == "lean" else []


def update_manifest_files(out, lm_graph="lean"):
    """Refresh the integrity entries and `lm_features` of an existing manifest after re-exporting a graph."""
    man_p = os.path.join(out, "manifest.json")
    man = json.load(open(man_p))
    man["lm_features"] = lm_features(lm_graph)
    for f in man["files"]:
        p = os.path.join(out, f)
        man["files"][f] = {"sha256": sha256(p), "bytes": os.path.getsize(p)}
    man["total_weight_bytes"] = sum(v["bytes"] for k, v in man["files"].items() if k.endswith(".onnx"))
    save_json(man, man_p)
    return man


def lm_only_export(run, lm_graph="lean", log=print):
    """Re-export lm.onnx only (the weights, vision.onnx, tokenizer and golden vectors are unchanged: the golden
    vectors come from PyTorch), with onnx_check.json for training/verify_onnx.mjs and the manifest's checksums."""
    cfg = json.load(open(os.path.join(run, "config.json")))
    tok = Tokenizer.load(os.path.join(run, "tokenizer.json"))
    model = load_model(run, cfg, "cpu").eval()
    export_onnx(model, cfg, PKG_DIR, lm_graph=lm_graph, vision=False)
    onnx_check_cases(model, cfg, tok, os.path.join(TRAIN_DIR, "runs", os.path.basename(run)))
    man = update_manifest_files(PKG_DIR, lm_graph)
    log("re-exported lm.onnx (%s graph): %d bytes, sha256 %s" % (lm_graph, man["files"]["lm.onnx"]["bytes"], man["files"]["lm.onnx"]["sha256"]))


def main_export(run, log=print, lm_graph="lean"):
    cfg = json.load(open(os.path.join(run, "config.json")))
    tok = Tokenizer.load(os.path.join(run, "tokenizer.json"))
    model = load_model(run, cfg, "cpu").eval()
    os.makedirs(PKG_DIR, exist_ok=True)
    shutil.copy(os.path.join(run, "tokenizer.json"), os.path.join(PKG_DIR, "tokenizer.json"))
    save_json({"add_bos_token": False, "add_eos_token": False, "model_max_length": 512,
               "eos_token": EOC, "pad_token": PAD, "tokenizer_class": "PreTrainedTokenizerFast"},
              os.path.join(PKG_DIR, "tokenizer_config.json"))
    export_onnx(model, cfg, PKG_DIR, lm_graph=lm_graph)
    onnx_check_cases(model, cfg, tok, os.path.join(TRAIN_DIR, "runs", os.path.basename(run)))
    ds = build_dataset(log)
    g = golden(model, cfg, tok, ds, PKG_DIR)
    for r in g:
        log("golden %s: %r" % (r["name"], r["greedy_text"]))
    man = write_manifest(cfg, tok, PKG_DIR, lm_graph=lm_graph)
    log("exported: %s (%d bytes of weights)" % (PKG_DIR, man["total_weight_bytes"]))


def export_package(model, cfg, tok, ds, out, tokenizer_path, log=print, check_dir=None, version=None):
    """A complete package from an in-memory model (training/recipe.py's export phase): tokenizer files, vision.onnx,
    lm.onnx (lean graph), golden vectors, manifest; onnx_check.json (for verify_onnx.mjs) in check_dir (default out)."""
    model = model.cpu().eval()
    os.makedirs(out, exist_ok=True)
    shutil.copy(tokenizer_path, os.path.join(out, "tokenizer.json"))
    save_json({"add_bos_token": False, "add_eos_token": False, "model_max_length": 512,
               "eos_token": EOC, "pad_token": PAD, "tokenizer_class": "PreTrainedTokenizerFast"},
              os.path.join(out, "tokenizer_config.json"))
    export_onnx(model, cfg, out, lm_graph="lean")
    onnx_check_cases(model, cfg, tok, check_dir or out)
    for r in golden(model, cfg, tok, ds, out):
        log("golden %s: %r" % (r["name"], r["greedy_text"]))
    man = write_manifest(cfg, tok, out, lm_graph="lean")
    if version:
        man["version"] = version
        save_json(man, os.path.join(out, "manifest.json"))
    log("exported: %s (%d bytes of weights)" % (out, man["total_weight_bytes"]))
    return man


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="main")
    ap.add_argument("--lm-only", action="store_true", help="re-export lm.onnx only (+ onnx_check.json, manifest checksums)")
    ap.add_argument("--lm-graph", choices=["lean", "torch"], default="lean", help="lm.onnx built node by node (default) or torch.onnx's trace")
    a = ap.parse_args()
    setup_threads()
    run = os.path.join(TRAIN_DIR, "runs", a.run)
    log = Logger(os.path.join(run, "export_log.txt"))
    if a.lm_only:
        lm_only_export(run, a.lm_graph, log)
    else:
        main_export(run, log, a.lm_graph)
