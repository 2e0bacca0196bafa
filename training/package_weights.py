"""The PyTorch model of a shipped package, built from its ONNX initialisers (public/models/<id>/vision.onnx, lm.onnx),
so a fresh clone with only Debian's python3-torch can run the PyTorch reference and the evaluation on exactly the
shipped weights: no training checkpoint, no `onnx` package (training/onnx_proto.py reads the files).

    /usr/bin/python3 -m training.package_weights [--package public/models/flamingo-mini]   # build + check golden.json

lm.onnx is export.lean_lm_graph's graph, whose initialisers carry our own names; its folds are undone here:
1/sqrt(head_dim) in the query weights, tanh(alpha) of each attention gate in that block's output projection (the
gates themselves are the `gates.value` initialiser). vision.onnx is torch.onnx's trace of `Flamingo.encode_images`:
parameters used as they are keep their names (`m.vision.stem.weight`, ...); the ones the exporter folded (GroupNorm
scale/shift unsqueezed to [C,1,1], Linear weights transposed for MatMul, the latents expanded to [1,L,D]) lose them
and are matched in the order the graph first uses them, which is the modules' forward order. Either way the result is
checked against the package's golden vectors (`check_golden`), so a wrong mapping cannot go unnoticed.
"""
import argparse, json, math, os, sys
import numpy as np
import torch

from .onnx_proto import load_graph
from .model import Flamingo, DEFAULT_CFG, image_index_from_ids
from .tokenizer import Tokenizer


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(np.asarray(a, np.float32)))


def config_from_package(pkg, lm_inits, vis_inits):
    man = json.load(open(os.path.join(pkg, "manifest.json")))
    arch = man["architecture"]
    rs, lm, gx = arch["perceiver_resampler"], arch["language_model"], arch["gated_xattn_dense"]
    half = lm["head_dim"] // 2
    inv = lm_inits["rope.inv"].reshape(-1)[:half]
    base = float(inv[1]) ** (-half) if half > 1 else DEFAULT_CFG["rope_base"]
    cfg = dict(DEFAULT_CFG)
    cfg.update(img_size=man["image_preprocessing"]["size"][0],
               vis_ch=[int(vis_inits[k].shape[0]) for k in ("m.vision.b1.c1.weight", "m.vision.b2.c1.weight", "m.vision.b3.c1.weight")],
               vis_dim=int(vis_inits["m.vision.pos"].shape[1]), d_model=lm["d_model"], n_layers=lm["n_layers"],
               n_heads=lm["n_heads"], ff_mult=int(lm_inits["l0.ff.fc1.w"].shape[1]) // lm["d_model"],
               n_latents=rs["n_latents"], resampler_depth=rs["depth"], resampler_heads=rs["heads"],
               max_frames=rs["max_frames"], xattn_every=gx["every_n_layers"], xattn_ff_mult=gx["ff_mult"],
               vocab_size=lm["vocab_size"], rope_base=float(round(base)))
    return cfg, man


def _lm_state(cfg, I):
    D, H, nl = cfg["d_model"], cfg["n_heads"], cfg["n_layers"]
    dh = D // H
    scale = 1.0 / math.sqrt(dh)
    xl = [i for i in range(nl) if i % cfg["xattn_every"] == 0]
    gates = I["gates.value"].reshape(len(xl), 2)
    kv_all = I["xattn.kv.w"]  # [D, n_x * 2D]: (k, v) weights of every gated block, transposed
    sd = {"lm.emb.weight": _t(I["emb"]), "lm.ln_f.weight": _t(I["ln_f.w"]), "lm.ln_f.bias": _t(I["ln_f.b"]),
          "lm.head.weight": _t(I["head.w"].T)}

    def ff(prefix, name):
        for a, b in (("ln.weight", "ln.w"), ("ln.bias", "ln.b"), ("fc1.bias", "fc1.b"), ("fc2.bias", "fc2.b")):
            sd["%s.%s" % (prefix, a)] = _t(I["%s.%s" % (name, b)])
        sd[prefix + ".fc1.weight"] = _t(I[name + ".fc1.w"].T)
        sd[prefix + ".fc2.weight"] = _t(I[name + ".fc2.w"].T)

    for j, i in enumerate(xl):
        p = "lm.xblocks.%d" % i
        ga, gf = float(gates[j, 0]), float(gates[j, 1])
        if abs(float(I["x%d.gf" % i]) - gf) > 1e-6:
            raise ValueError("lm.onnx: x%d.gf disagrees with gates.value" % i)
        sd[p + ".ln.weight"], sd[p + ".ln.bias"] = _t(I["x%d.ln.w" % i]), _t(I["x%d.ln.b" % i])
        sd[p + ".q.weight"] = _t(I["x%d.q.w" % i].T / scale)
        sd[p + ".kv.weight"] = _t(kv_all[:, 2 * D * j:2 * D * (j + 1)].T)
        o = I["x%d.o.w" % i]
        sd[p + ".o.weight"] = _t((o / ga).T if ga != 0 else o.T)
        sd[p + ".attn_gate"] = torch.tensor([math.atanh(ga)])
        sd[p + ".ff_gate"] = torch.tensor([math.atanh(gf)])
        ff(p + ".ff", "x%d.ff" % i)
    for i in range(nl):
        p = "lm.blocks.%d" % i
        sd[p + ".ln.weight"], sd[p + ".ln.bias"] = _t(I["l%d.ln.w" % i]), _t(I["l%d.ln.b" % i])
        w = I["l%d.qkv.w" % i].T.copy()  # [3D, D]: (q * scale, k, v)
        b = I["l%d.qkv.b" % i].copy()
        w[:D] /= scale
        b[:D] /= scale
        sd[p + ".attn.qkv.weight"], sd[p + ".attn.qkv.bias"] = _t(w), _t(b)
        sd[p + ".attn.o.weight"], sd[p + ".attn.o.bias"] = _t(I["l%d.o.w" % i].T), _t(I["l%d.o.b" % i])
        ff(p + ".ff", "l%d.ff" % i)
    return sd


def _vision_state(model, I, nodes):
    """Named initialisers map by name; the anonymous ones in the order the graph first uses them."""
    sd, first_use = {}, []
    for k, v in I.items():
        if k.startswith("m."):
            sd[k[2:]] = _t(v)
    seen = set()
    for n in nodes:
        for x in n.inputs:
            if x in I and not x.startswith("m.") and x not in seen:
                seen.add(x); first_use.append(x)
    # the folded parameters, in forward order, with how each was folded
    expect = []
    for b in ("b1", "b2", "b3"):
        for g in ("n1", "n2"):
            expect += [("vision.%s.%s.weight" % (b, g), "unsq"), ("vision.%s.%s.bias" % (b, g), "unsq")]
    expect += [("vision.proj.weight", "T"), ("resampler.inp.weight", "T"), ("resampler.latents", "expand")]
    for li in range(len(model.resampler.layers)):
        p = "resampler.layers.%d." % li
        expect += [(p + "0.q.weight", "T"), (p + "0.kv.weight", "T"), (p + "0.o.weight", "T"),
                   (p + "1.fc1.weight", "T"), (p + "1.fc2.weight", "T")]
    own = dict(model.named_parameters())
    # anonymous float tensors whose shape matches no folded parameter (none in today's graph) are skipped
    cand = [k for k in first_use if I[k].dtype == np.float32 and I[k].ndim >= 2]
    if len(cand) != len(expect):
        raise ValueError("vision.onnx: %d folded weight initialisers, expected %d" % (len(cand), len(expect)))
    for k, (name, how) in zip(cand, expect):
        a = I[k]
        a = a.T if how == "T" else a.reshape(own[name].shape)
        if tuple(a.shape) != tuple(own[name].shape):
            raise ValueError("vision.onnx: %s has shape %s, %s needs %s" % (k, I[k].shape, name, tuple(own[name].shape)))
        sd[name] = _t(a)
    return sd


def load_package_model(pkg):
    """-> (Flamingo model in eval mode with the package's weights, cfg, Tokenizer, manifest)."""
    lm_i, _ = load_graph(os.path.join(pkg, "lm.onnx"))
    vis_i, vis_nodes = load_graph(os.path.join(pkg, "vision.onnx"))
    cfg, man = config_from_package(pkg, lm_i, vis_i)
    model = Flamingo(cfg)
    sd = _lm_state(cfg, lm_i)
    sd.update(_vision_state(model, vis_i, vis_nodes))
    own = model.state_dict()
    # the stage-1 CLIP head is not part of the package (not used by encode_images): keep it as initialised
    missing = sorted(k for k in own if k not in sd and not k.startswith("vision.clip_head"))
    extra = sorted(k for k in sd if k not in own)
    if missing or extra:
        raise ValueError("package weights do not fill the model: missing %s, unexpected %s" % (missing[:8], extra[:8]))
    model.load_state_dict(sd, strict=False)
    tok = Tokenizer.load(os.path.join(pkg, "tokenizer.json"))
    st = man["special_tokens"]
    if tok.image_id != st["image"]["id"] or tok.eoc_id != st["stop_token_id"]:
        raise ValueError("tokenizer.json special ids disagree with manifest.json")
    model.lm_image_id, model.lm_eoc_id = tok.image_id, tok.eoc_id
    return model.eval(), cfg, tok, man


@torch.no_grad()
def check_golden(model, cfg, pkg, max_new=12):
    """Compares the model with the package's golden.json: visual tokens (first 16 values of each image), first-position
    logits and greedy continuations. Returns (max |Δ visual|, max |Δ logit|, greedy ids exact, tolerance dict)."""
    from PIL import Image
    from .train import to_pixels
    g = json.load(open(os.path.join(pkg, "golden.json")))
    worst_v = worst_l = 0.0
    exact = True
    for p in g["prompts"]:
        ids = torch.tensor([p["input_ids"]])
        if p["images"]:
            u8 = np.stack([np.asarray(Image.open(os.path.join(pkg, f)).convert("RGB")) for f in p["images"]])
            vt = model.encode_images(to_pixels(u8, "cpu"))
            for v, ref in zip(vt, p["visual_tokens"]["first_16_of_each_image"]):
                worst_v = max(worst_v, float((v.reshape(-1)[:16] - torch.tensor(ref)).abs().max()))
            vis = vt.unsqueeze(0)
        else:
            vis = torch.zeros(1, 1, cfg["n_latents"], cfg["d_model"])
        ii = image_index_from_ids(ids, model.lm_image_id)
        logits, past, _, _ = model.lm(ids, vis, ii, model.lm.empty_past(1, "cpu"))
        ref = p["first_position_logits"]["first_32"]
        worst_l = max(worst_l, float((logits[0, -1, :len(ref)] - torch.tensor(ref)).abs().max()))
        last = torch.tensor([[int(ii[0, -1])]])
        out = []
        for _ in range(max_new):
            nxt = int(logits[0, -1].argmax())
            out.append(nxt)
            if nxt == model.lm_eoc_id:
                break
            logits, past, _, _ = model.lm(torch.tensor([[nxt]]), vis, last, past)
        exact = exact and out == p["greedy_ids"]
    return worst_v, worst_l, exact, g["tolerance"]


def load_checked(pkg, log=print):
    """load_package_model + check_golden; exits with the reason when the package's golden vectors are not reproduced."""
    model, cfg, tok, man = load_package_model(pkg)
    dv, dl, exact, tol = check_golden(model, cfg, pkg)
    ok = dv <= tol["visual_tokens"] and dl <= tol["logits"] and exact
    msg = "weights: %s/{vision,lm}.onnx initialisers (version %s); golden.json: max |Δ visual| %.1e, max |Δ logit| %.1e " \
          "(tolerance %g / %g), greedy ids %s" % (os.path.relpath(pkg), man.get("version"), dv, dl, tol["visual_tokens"],
                                                  tol["logits"], "exact" if exact else "DIFFER")
    if not ok:
        sys.exit("package_weights: the PyTorch model built from the package does not reproduce its golden vectors: " + msg)
    log(msg)
    return model, cfg, tok, man


if __name__ == "__main__":
    from .common import PKG_DIR
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", default=PKG_DIR)
    a = ap.parse_args()
    load_checked(a.package)
