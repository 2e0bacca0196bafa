"""Shared fixtures: a tiny model config and a tiny version of training/recipe.toml (same phases, a few steps each,
small widths), run on data.tiny_dataset() so that no download or generated cache is needed."""
import copy, json, os
import pytest
import torch

from training.recipe import load_recipe, RECIPE

os.environ.setdefault("FLAMINGO_THREADS", "1")
torch.set_num_threads(1)

TINY_MODEL = dict(img_size=32, vis_ch=[8, 16, 16], vis_dim=32, clip_dim=32, d_model=32, n_layers=2, n_heads=2,
                  ff_mult=2, n_latents=4, resampler_depth=1, resampler_heads=2, max_frames=4, xattn_every=1,
                  xattn_ff_mult=2, gate_init=0.5, rope_base=10000.0)


def tiny_recipe(steps=3, checkpoint_every=2):
    r = copy.deepcopy(load_recipe(RECIPE))
    r["model"] = dict(TINY_MODEL)
    r["run"]["checkpoint_every"] = checkpoint_every
    r["run"]["log_every"] = 1
    for p in r["phase"]:
        if p["kind"] == "tokenizer":
            p["n_merges"] = 40
        if p["kind"] in ("vision", "lm", "bridge"):
            p["steps"] = steps
            p["schedule"] = dict(p["schedule"], warmup_steps=1)
        if p["kind"] == "vision":
            p["batch"] = 12
        if p["kind"] == "lm":
            p["batch"], p["seq"] = 2, 48
        if p["kind"] == "bridge":
            p["batch"] = 4
            p["data"]["max_images"] = 5
            for kind in ("open_fewshot", "open_from_demos"):
                if kind in p["data"]:
                    p["data"][kind]["max_shots"] = 4
        if p["kind"] == "eval":
            p.update(classification_episodes=4, classification_ways=[2], classification_shots=[0, 1], classification_images=[3], open_items=3,
                     open_shots=[0, 1, 2])
    return r


@pytest.fixture
def tiny_recipe_file(tmp_path):
    def make(**kw):
        p = tmp_path / ("recipe_%d.json" % len(list(tmp_path.glob("recipe_*.json"))))
        p.write_text(json.dumps(tiny_recipe(**kw)))
        return str(p)
    return make
