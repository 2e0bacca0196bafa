"""Flamingo's masking: each text token cross-attends only to the visual tokens of the immediately preceding <image>;
text before the first image attends to none; earlier images reach later text only through self-attention."""
import torch

from training.model import Flamingo, GatedCrossAttentionBlock, image_index_from_ids
from training.tests.conftest import TINY_MODEL

IMG, TXT = 7, 3  # token ids: 7 is <image> here


def _setup(seed=0):
    torch.manual_seed(seed)
    cfg = dict(TINY_MODEL, vocab_size=16)
    m = Flamingo(cfg).eval()
    ids = torch.tensor([[3, 4, IMG, 5, 6, IMG, 5, 8, 9, IMG, 10, 11]])
    ii = image_index_from_ids(ids, IMG)
    vis = torch.randn(1, 3, cfg["n_latents"], cfg["d_model"])
    return m, cfg, ids, ii, vis


def test_image_index_is_the_immediately_preceding_image():
    ids = torch.tensor([[3, 4, IMG, 5, 6, IMG, 5, 8, 9, IMG, 10, 11]])
    assert image_index_from_ids(ids, IMG).tolist() == [[-1, -1, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]]


def test_cross_attention_weights_cover_only_the_own_image():
    m, cfg, ids, ii, vis = _setup()
    with torch.no_grad():
        _, _, xw, _ = m.lm(ids, vis, ii)  # [B, layers, S, N*L]
    L = cfg["n_latents"]
    for s, img in enumerate(ii[0].tolist()):
        w = xw[0, :, s]  # [layers, N*L]
        if img < 0:
            continue
        own = w[:, img * L:(img + 1) * L]
        assert torch.allclose(own.sum(-1), torch.ones(w.shape[0]), atol=1e-5)
        others = torch.cat([w[:, :img * L], w[:, (img + 1) * L:]], dim=1)
        assert float(others.abs().max()) == 0.0


def test_block_output_changes_only_where_the_perturbed_image_is_the_preceding_one():
    m, cfg, ids, ii, vis = _setup(1)
    blk = m.lm.xblocks[0]
    assert isinstance(blk, GatedCrossAttentionBlock)
    x = torch.randn(1, ids.shape[1], cfg["d_model"])
    L = cfg["n_latents"]
    lat_img = torch.arange(3 * L) // L
    allow = (lat_img[None, None, :] == ii[:, :, None]).unsqueeze(1)
    has = (ii >= 0).float().unsqueeze(-1)
    one = torch.ones(1)
    with torch.no_grad():
        base, _, _ = blk(x, vis.reshape(1, -1, cfg["d_model"]), allow, has, one)
        for j in range(3):
            v2 = vis.clone()
            v2[:, j] += torch.randn_like(v2[:, j])
            out, _, _ = blk(x, v2.reshape(1, -1, cfg["d_model"]), allow, has, one)
            changed = ((out - base).abs().amax(-1) > 1e-6)[0].tolist()
            assert changed == [i == j for i in ii[0].tolist()], (j, changed)


def test_text_before_the_first_image_ignores_every_image():
    m, cfg, ids, ii, vis = _setup(2)
    with torch.no_grad():
        a, _, _, _ = m.lm(ids, vis, ii)
        b, _, _, _ = m.lm(ids, torch.randn_like(vis) * 3, ii)
    assert torch.equal(a[0, :2], b[0, :2])  # positions 0, 1 precede the first <image>
    assert not torch.allclose(a[0, 2:], b[0, 2:])


def test_kv_cached_decode_attends_to_the_last_image():
    m, cfg, ids, ii, vis = _setup(3)
    with torch.no_grad():
        full, _, _, _ = m.lm(ids, vis, ii)
        pre, past, _, _ = m.lm(ids[:, :-2], vis, ii[:, :-2])
        step, _, _, _ = m.lm(ids[:, -2:], vis, torch.full((1, 2), int(ii[0, -3])), past)
    assert torch.allclose(full[0, -2:], step[0], atol=1e-5)
    assert torch.allclose(full[0, :-2], pre[0], atol=1e-5)
