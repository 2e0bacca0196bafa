"""Mini-Flamingo: CNN vision encoder, Perceiver Resampler (with T-frame temporal embedding),
decoder-only LM (RoPE, KV cache) with GATED XATTN-DENSE blocks before every LM layer.

All code runs on torch 1.13 (CPU) and torch 2.x (CUDA). Constants are built in the tensor's
dtype so ONNX export (opset 17) stays type-consistent.
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_CFG = dict(
    img_size=32, vis_ch=(32, 64, 128), vis_dim=128, clip_dim=128,
    d_model=128, n_layers=4, n_heads=4, ff_mult=4,
    n_latents=8, resampler_depth=2, resampler_heads=4, max_frames=4,
    xattn_every=1, xattn_ff_mult=2, gate_init=0.0, vocab_size=None,
    rope_base=10000.0,
)


class FF(nn.Module):
    def __init__(self, d, mult):
        super().__init__()
        self.ln = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, d * mult)
        self.fc2 = nn.Linear(d * mult, d)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.ln(x))))


# ------------------------------------------------------------------ vision
class ConvBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.n1 = nn.GroupNorm(8, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.n2 = nn.GroupNorm(8, cout)
        self.skip = nn.Conv2d(cin, cout, 1, stride) if (cin != cout or stride != 1) else nn.Identity()

    def forward(self, x):
        h = F.gelu(self.n1(self.c1(x)))
        h = self.n2(self.c2(h))
        return F.gelu(h + self.skip(x))


class VisionEncoder(nn.Module):
    """pixels [B,3,32,32] (normalised) -> feature grid [B, 64, vis_dim] (8x8 positions)."""

    def __init__(self, cfg):
        super().__init__()
        c = cfg["vis_ch"]
        self.stem = nn.Conv2d(3, c[0], 3, 1, 1)
        self.b1 = ConvBlock(c[0], c[0], 1)
        self.b2 = ConvBlock(c[0], c[1], 2)
        self.b3 = ConvBlock(c[1], c[2], 2)
        self.proj = nn.Linear(c[2], cfg["vis_dim"])
        g = cfg["img_size"] // 4
        self.pos = nn.Parameter(torch.randn(g * g, cfg["vis_dim"]) * 0.02)
        self.clip_head = nn.Linear(cfg["vis_dim"], cfg["clip_dim"])  # only used in stage 1

    def forward(self, x):
        h = self.b3(self.b2(self.b1(F.gelu(self.stem(x)))))
        h = h.flatten(2).transpose(1, 2)  # [B, HW, C]
        return self.proj(h) + self.pos

    def embed(self, x):
        return F.normalize(self.clip_head(self.forward(x).mean(1)), dim=-1)


class TextEncoderCLIP(nn.Module):
    """Small text tower for stage-1 contrastive pretraining (discarded afterwards)."""

    def __init__(self, vocab, d, out):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.mlp = nn.Sequential(nn.Linear(d, d * 2), nn.GELU(), nn.Linear(d * 2, out))

    def forward(self, ids, mask):
        e = self.emb(ids) * mask[..., None]
        e = e.sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return F.normalize(self.mlp(e), dim=-1)


# ------------------------------------------------------------------ resampler
class PerceiverAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.ln_x = nn.LayerNorm(d)
        self.ln_l = nn.LayerNorm(d)
        self.q = nn.Linear(d, d, bias=False)
        self.kv = nn.Linear(d, 2 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)

    def forward(self, x, lat):
        B, N, D = x.shape
        L = lat.shape[1]
        x = self.ln_x(x)
        lat = self.ln_l(lat)
        q = self.q(lat)
        kv_in = torch.cat([x, lat], dim=1)  # latents attend to features AND themselves
        k, v = self.kv(kv_in).chunk(2, dim=-1)
        dh = D // self.h
        q = q.view(B, L, self.h, dh).transpose(1, 2)
        k = k.view(B, -1, self.h, dh).transpose(1, 2)
        v = v.view(B, -1, self.h, dh).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        out = (a @ v).transpose(1, 2).reshape(B, L, D)
        return self.o(out)


class PerceiverResampler(nn.Module):
    """features [B, T, F, Dv] -> visual tokens [B, n_latents, D]; learned temporal embedding per frame."""

    def __init__(self, cfg):
        super().__init__()
        d = cfg["d_model"]
        self.inp = nn.Linear(cfg["vis_dim"], d)
        self.latents = nn.Parameter(torch.randn(cfg["n_latents"], d) * 0.02)
        self.time = nn.Parameter(torch.zeros(cfg["max_frames"], d))
        self.layers = nn.ModuleList()
        for _ in range(cfg["resampler_depth"]):
            self.layers.append(nn.ModuleList([PerceiverAttention(d, cfg["resampler_heads"]), FF(d, 4)]))
        self.ln = nn.LayerNorm(d)

    def forward(self, feats):
        B, T, Fn, _ = feats.shape
        x = self.inp(feats) + self.time[:T].unsqueeze(1)
        x = x.reshape(B, T * Fn, -1)
        lat = self.latents.unsqueeze(0).expand(B, -1, -1)
        for att, ff in self.layers:
            lat = lat + att(x, lat)
            lat = lat + ff(lat)
        return self.ln(lat)


# ------------------------------------------------------------------ LM
def rope(x, pos, base):
    """x [B,H,S,dh], pos [S] (float, x.dtype)."""
    dh = x.shape[-1]
    half = dh // 2
    idx = torch.arange(half, device=x.device).to(x.dtype)
    inv = torch.exp(idx * (-math.log(base) / half))
    ang = pos[:, None] * inv[None, :]  # [S, half]
    cos, sin = torch.cos(ang), torch.sin(ang)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class SelfAttention(nn.Module):
    def __init__(self, d, heads, base):
        super().__init__()
        self.h = heads
        self.base = base
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)

    def forward(self, x, past_k, past_v, key_valid=None):
        B, S, D = x.shape
        dh = D // self.h
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.view(B, S, self.h, dh).transpose(1, 2)
        k = k.view(B, S, self.h, dh).transpose(1, 2)
        v = v.view(B, S, self.h, dh).transpose(1, 2)
        P = past_k.shape[2]
        pos = (torch.arange(S, device=x.device) + P).to(x.dtype)
        q = rope(q, pos, self.base)
        k = rope(k, pos, self.base)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh)
        qpos = torch.arange(S, device=x.device) + P
        kpos = torch.arange(P + S, device=x.device)
        causal = kpos[None, :] <= qpos[:, None]  # [S, P+S]
        scores = scores.masked_fill(~causal, -1e9)
        if key_valid is not None:  # PyTorch-only (batched eval with left padding); not in the ONNX graph
            scores = scores.masked_fill(~key_valid[:, None, None, :], -1e9)
        a = torch.softmax(scores, dim=-1)
        out = (a @ v).transpose(1, 2).reshape(B, S, D)
        return self.o(out), k, v


class LMBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["d_model"]
        self.ln = nn.LayerNorm(d)
        self.attn = SelfAttention(d, cfg["n_heads"], cfg["rope_base"])
        self.ff = FF(d, cfg["ff_mult"])

    def forward(self, x, pk, pv, key_valid=None):
        h, k, v = self.attn(self.ln(x), pk, pv, key_valid)
        x = x + h
        x = x + self.ff(x)
        return x, k, v


class GatedCrossAttentionBlock(nn.Module):
    """GATED XATTN-DENSE: x += tanh(a_attn) * XAttn(x, visual); x += tanh(a_ff) * FFW(x).
    Each text token attends only to the visual tokens of its image (image_index); tokens with
    index -1 get a zero cross-attention output."""

    def __init__(self, cfg):
        super().__init__()
        d = cfg["d_model"]
        self.h = cfg["n_heads"]
        self.ln = nn.LayerNorm(d)
        self.q = nn.Linear(d, d, bias=False)
        self.kv = nn.Linear(d, 2 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.ff = FF(d, cfg["xattn_ff_mult"])
        self.attn_gate = nn.Parameter(torch.tensor([cfg["gate_init"]]))
        self.ff_gate = nn.Parameter(torch.tensor([cfg["gate_init"]]))

    def forward(self, x, vis, allow, has_img, gate_scale):
        """x [B,S,D]; vis [B,M,D] (M = N_img*n_latents); allow [B,1,S,M] bool; has_img [B,S,1] float."""
        B, S, D = x.shape
        dh = D // self.h
        q = self.q(self.ln(x)).view(B, S, self.h, dh).transpose(1, 2)
        k, v = self.kv(vis).chunk(2, dim=-1)
        k = k.view(B, -1, self.h, dh).transpose(1, 2)
        v = v.view(B, -1, self.h, dh).transpose(1, 2)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(dh)
        scores = scores.masked_fill(~allow, -1e9)
        a = torch.softmax(scores, dim=-1)  # [B,H,S,M]
        out = (a @ v).transpose(1, 2).reshape(B, S, D)
        out = self.o(out) * has_img
        ga = torch.tanh(self.attn_gate) * gate_scale
        gf = torch.tanh(self.ff_gate) * gate_scale
        x = x + ga * out
        x = x + gf * self.ff(x)
        return x, a.mean(1), torch.cat([ga, gf])


class FlamingoLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, V = cfg["d_model"], cfg["vocab_size"]
        self.cfg = cfg
        self.emb = nn.Embedding(V, d)
        self.blocks = nn.ModuleList([LMBlock(cfg) for _ in range(cfg["n_layers"])])
        self.xblocks = nn.ModuleList([GatedCrossAttentionBlock(cfg) if i % cfg["xattn_every"] == 0 else nn.Identity()
                                      for i in range(cfg["n_layers"])])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, V, bias=False)

    def empty_past(self, B, device, dtype=torch.float32):
        c = self.cfg
        return torch.zeros(c["n_layers"], 2, B, c["n_heads"], 0, c["d_model"] // c["n_heads"], device=device, dtype=dtype)

    def forward(self, input_ids, visual=None, image_index=None, past=None, use_xattn=True,
                gate_scale=1.0, only_immediate=True, key_valid=None):
        """input_ids [B,S] int64; visual [B,N,L,D]; image_index [B,S] int64 (-1 = no image);
        past [n_layers,2,B,H,P,dh]. Returns logits, present, xattn weights [B,n_layers,S,N*L], gates [n_layers,2]."""
        B, S = input_ids.shape
        x = self.emb(input_ids)
        if past is None:
            past = self.empty_past(B, x.device, x.dtype)
        xw, gates, presents = [], [], []
        if use_xattn:
            N, L = visual.shape[1], visual.shape[2]
            vis = visual.reshape(B, N * L, visual.shape[3])
            lat_img = torch.div(torch.arange(N * L, device=x.device), L, rounding_mode="floor")  # [M]
            if only_immediate:
                allow = lat_img[None, None, :] == image_index[:, :, None]
            else:  # ablation: attend to every image up to the immediately preceding one
                allow = lat_img[None, None, :] <= image_index[:, :, None]
            allow = allow.unsqueeze(1)
            has_img = (image_index >= 0).to(x.dtype).unsqueeze(-1)
            gs = torch.ones(1, dtype=x.dtype, device=x.device) * gate_scale
        for i, blk in enumerate(self.blocks):
            xb = self.xblocks[i]
            if use_xattn and not isinstance(xb, nn.Identity):
                x, w, g = xb(x, vis, allow, has_img, gs)
                xw.append(w); gates.append(g)
            x, k, v = blk(x, past[i, 0], past[i, 1], key_valid)
            presents.append(torch.stack([k, v], dim=0))
        logits = self.head(self.ln_f(x))
        present = torch.stack(presents, dim=0)
        if use_xattn:
            return logits, present, torch.stack(xw, dim=1), torch.stack(gates, dim=0)
        return logits, present, None, None


class Flamingo(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.vision = VisionEncoder(cfg)
        self.resampler = PerceiverResampler(cfg)
        self.lm = FlamingoLM(cfg)

    def encode_images(self, pixels):
        """pixels [B,3,H,W] -> visual tokens [B, n_latents, D] (T=1 frame)."""
        f = self.vision(pixels)
        return self.resampler(f.unsqueeze(1))

    def bridge_parameters(self):
        ps = list(self.resampler.parameters())
        for xb in self.lm.xblocks:
            ps += list(xb.parameters())
        return ps


def image_index_from_ids(ids, image_id):
    """index of the immediately preceding <image> (the <image> token itself included), -1 before the first."""
    return torch.cumsum((ids == image_id).long(), dim=1) - 1
