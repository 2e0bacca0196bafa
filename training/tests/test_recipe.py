"""The recipe entry point: a smoke run of every phase (tiny model, tiny data, a few steps each), the run directory it
writes, export parity of the result (PyTorch vs onnxruntime-node), the PyTorch reference rebuilt from the exported
ONNX initialisers, and resume: a run killed mid-phase and rerun ends with exactly the weights of an uninterrupted run."""
import glob, json, os, shutil, subprocess, sys

import pytest
import torch

from training.common import ROOT
from training.recipe import run_recipe, load_recipe, load_checkpoint

HAVE_NODE_ORT = bool(shutil.which("node")) and os.path.isdir(os.path.join(ROOT, "node_modules", "onnxruntime-node"))
TRAINED = "tokenizer,vision,lm_text,lm_episodes,lm_many_shot,bridge_fewshot,bridge_many_shot,bridge_open_ended,bridge_from_demos"


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    from training.tests.conftest import tiny_recipe
    d = tmp_path_factory.mktemp("smoke")
    rf = d / "recipe.json"
    rf.write_text(json.dumps(tiny_recipe(steps=3)))
    run_dir = str(d / "run")
    assert run_recipe(str(rf), run_dir, device="cpu", dataset="tiny", quiet=True)
    return str(rf), run_dir


def test_every_phase_runs_and_writes_its_run_directory(smoke_run):
    rf, run_dir = smoke_run
    r = load_recipe(rf)
    state = json.load(open(os.path.join(run_dir, "state.json")))["phases"]
    assert [p["name"] for p in r["phase"]] == list(state)
    assert all(v["done"] for v in state.values())
    for p in r["phase"]:
        if p["kind"] in ("vision", "lm", "bridge"):
            assert state[p["name"]]["steps"] == 3
            assert os.path.exists(os.path.join(run_dir, "weights", p["name"] + ".pt"))
    assert glob.glob(os.path.join(run_dir, "ckpt", "*")) == []  # finished phases leave no checkpoint behind
    resolved = json.load(open(os.path.join(run_dir, "recipe.json")))
    assert resolved["phase"] == r["phase"] and resolved["run"]["seed"] == 0
    v = json.load(open(os.path.join(run_dir, "versions.json")))["starts"][0]
    assert v["torch"] == torch.__version__ and v["numpy"] and "git_commit" in v
    log = open(os.path.join(run_dir, "log.txt")).read().splitlines()
    assert "start: recipe" in log[0] and "run finished" in log[-1]
    for p in r["phase"]:
        assert any("%s: done" % p["name"] in line for line in log)
    ev = json.load(open(os.path.join(run_dir, "eval.json")))
    assert set(ev["fewshot"]) == {"2-way 0-shot", "2-way 1-shot", "2-way 3 images"}
    assert ev["fewshot"]["2-way 3 images"]["n_demo_images"] == 3
    tasks = {"vqa_color", "vqa_shape", "vqa_count", "vqa_position", "caption_emoji"}
    assert set(ev["open_ended"]["tasks"]) == tasks and set(ev["open_ended"]["from_demos"]["tasks"]) == tasks
    assert "per class" in ev["shot_means"] and "in the prompt" in ev["shot_means"]
    for t in list(ev["open_ended"]["tasks"].values()) + list(ev["open_ended"]["from_demos"]["tasks"].values()):
        assert set(t["main"]) == {"0", "1", "2"} and "gates_0" in t
    svg = open(os.path.join(run_dir, "fewshot_curve.svg")).read()
    assert svg.startswith("<svg") and "2-way novel labels" in svg and "task from demos only" in svg
    # a second start finds everything done and trains nothing
    assert run_recipe(rf, run_dir, device="cpu", dataset="tiny", quiet=True)
    tail = open(os.path.join(run_dir, "log.txt")).read().split("start: recipe")[-1]
    assert "phase starts" not in tail and tail.count("skipped") == len(r["phase"])


def test_bridge_phase_trains_only_the_bridge(smoke_run):
    _, run_dir = smoke_run
    a = torch.load(os.path.join(run_dir, "weights", "bridge_fewshot.pt"))
    b = torch.load(os.path.join(run_dir, "weights", "bridge_open_ended.pt"))
    lm = torch.load(os.path.join(run_dir, "weights", "lm_many_shot.pt"))
    vis = torch.load(os.path.join(run_dir, "weights", "vision.pt"))
    tok = json.load(open(os.path.join(run_dir, "tokenizer.json")))["added_tokens"]
    special = sorted(t["id"] for t in tok if t["content"] in ("<image>", "<|endofchunk|>"))
    for k, t in b.items():
        if k.startswith("vision."):
            assert torch.equal(t, vis[k]), k
        elif k == "lm.emb.weight":
            rows = [i for i in range(t.shape[0]) if i not in special]
            assert torch.equal(t[rows], lm[k][rows])
            assert not torch.equal(t[special], a[k][special])
        elif k.startswith("lm.") and not k.startswith("lm.xblocks."):
            assert torch.equal(t, lm[k]), k
    assert any(not torch.equal(b[k], a[k]) for k in b if k.startswith("resampler."))
    assert any(not torch.equal(b[k], a[k]) for k in b if k.startswith("lm.xblocks."))


@pytest.mark.skipif(not HAVE_NODE_ORT, reason="node or onnxruntime-node missing (npm ci)")
def test_export_parity_pytorch_vs_onnxruntime(smoke_run):
    _, run_dir = smoke_run
    pkg = os.path.join(run_dir, "package")
    r = subprocess.run(["node", "training/verify_onnx.mjs", pkg, os.path.join(run_dir, "onnx_check.json")], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ALL ONNX CHECKS PASSED" in r.stdout, r.stdout + r.stderr
    r = subprocess.run(["node", "training/verify_golden.mjs", pkg], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_pytorch_model_rebuilt_from_exported_initialisers(smoke_run):
    from training.package_weights import load_package_model, check_golden
    from training.recipe import load_run_model
    _, run_dir = smoke_run
    pkg = os.path.join(run_dir, "package")
    m, cfg, tok, _ = load_package_model(pkg)
    ref, rcfg, _ = load_run_model(run_dir)
    skip = ("gate_init", "clip_dim")  # neither is in a package: the gates are trained, the CLIP head is not exported
    assert {k: v for k, v in cfg.items() if k not in skip} == {k: v for k, v in rcfg.items() if k not in skip}
    mine, theirs = m.state_dict(), ref.state_dict()
    for k, v in theirs.items():
        if k.startswith("vision.clip_head"):
            continue
        assert torch.allclose(mine[k], v, atol=2e-6, rtol=1e-5), k
    dv, dl, exact, tol = check_golden(m, cfg, pkg)
    assert dv <= tol["visual_tokens"] and dl <= tol["logits"] and exact


def _weights(run_dir):
    return {os.path.basename(p): torch.load(p) for p in sorted(glob.glob(os.path.join(run_dir, "weights", "*.pt")))}


def test_resume_after_kill_equals_uninterrupted_run(tmp_path, tiny_recipe_file):
    rf = tiny_recipe_file(steps=5, checkpoint_every=2)
    ref_dir, cut_dir = str(tmp_path / "ref"), str(tmp_path / "cut")
    assert run_recipe(rf, ref_dir, device="cpu", dataset="tiny", phases=TRAINED.split(","), quiet=True)
    cmd = [sys.executable, "-m", "training.recipe", "run", "--recipe", rf, "--run-dir", cut_dir, "--dataset", "tiny",
           "--device", "cpu", "--phases", TRAINED]
    env = dict(os.environ, FLAMINGO_THREADS="1")
    # killed after 8 steps: vision (5) + 3 of lm_text, whose last checkpoint is at step 2
    p = subprocess.run(cmd + ["--stop-after-steps", "8"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 3, p.stdout + p.stderr
    assert os.path.exists(os.path.join(cut_dir, "ckpt", "lm_text.pt"))
    assert load_checkpoint(os.path.join(cut_dir, "ckpt", "lm_text.pt"))["step"] == 2
    # killed again 9 steps later: 3 more of lm_text, lm_episodes (5), 1 of lm_many_shot (no checkpoint yet)
    p = subprocess.run(cmd + ["--stop-after-steps", "9"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 3, p.stdout + p.stderr
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    log = open(os.path.join(cut_dir, "log.txt")).read()
    assert log.count("start: recipe") == 3 and "lm_text: resumed from its checkpoint at step 2 of 5" in log
    assert "vision: finished in an earlier start, skipped" in log
    a, b = _weights(ref_dir), _weights(cut_dir)
    assert list(a) == list(b) and len(a) == len(TRAINED.split(",")) - 1
    for f in a:
        for k in a[f]:
            assert torch.equal(a[f][k], b[f][k]), (f, k)
    assert open(os.path.join(ref_dir, "tokenizer.json")).read() == open(os.path.join(cut_dir, "tokenizer.json")).read()


def test_an_edited_recipe_keeps_the_phases_before_the_change_and_equals_a_fresh_run(tmp_path, tiny_recipe_file):
    from training.tests.conftest import tiny_recipe
    phases = ["tokenizer", "vision", "lm_text", "lm_episodes"]
    rf1 = tiny_recipe_file(steps=2)
    edited = tiny_recipe(steps=2)
    next(p for p in edited["phase"] if p["name"] == "lm_text")["lr"] = 1e-3  # the first changed phase
    rf2 = str(tmp_path / "edited.json")
    open(rf2, "w").write(json.dumps(edited))
    d, fresh = str(tmp_path / "run"), str(tmp_path / "fresh")
    assert run_recipe(rf1, d, device="cpu", dataset="tiny", phases=phases, quiet=True)
    vision_before = torch.load(os.path.join(d, "weights", "vision.pt"))
    assert run_recipe(rf2, d, device="cpu", dataset="tiny", phases=phases, quiet=True)
    log = open(os.path.join(d, "log.txt")).read()
    assert "recipe changed from phase lm_text on: kept tokenizer, vision" in log
    assert "vision: finished in an earlier start, skipped" in log and log.count("lm_text: lm phase starts") == 2
    rebased = json.load(open(os.path.join(d, "state.json")))["rebased"][-1]
    assert rebased["kept"] == ["tokenizer", "vision"] and rebased["rerun"][:2] == ["lm_text", "lm_episodes"]
    assert json.load(open(os.path.join(d, "recipe.json")))["phase"] == json.loads(json.dumps(load_recipe(rf2)))["phase"]
    # the kept phase was not retrained, and the whole run equals a fresh run of the edited recipe
    assert all(torch.equal(t, torch.load(os.path.join(d, "weights", "vision.pt"))[k]) for k, t in vision_before.items())
    assert run_recipe(rf2, fresh, device="cpu", dataset="tiny", phases=phases, quiet=True)
    a, b = _weights(d), _weights(fresh)
    assert list(a) == list(b)
    for f in a:
        assert all(torch.equal(a[f][k], b[f][k]) for k in a[f]), f


def test_a_run_dir_refuses_another_model_or_seed(tmp_path, tiny_recipe_file):
    from training.tests.conftest import tiny_recipe
    d = str(tmp_path / "run")
    assert run_recipe(tiny_recipe_file(steps=1), d, device="cpu", dataset="tiny", phases=["tokenizer"], quiet=True)
    other = tiny_recipe(steps=1)
    other["model"]["d_model"] = 48
    rf = str(tmp_path / "other.json")
    open(rf, "w").write(json.dumps(other))
    with pytest.raises(SystemExit):
        run_recipe(rf, d, device="cpu", dataset="tiny", phases=["tokenizer"], quiet=True)
    with pytest.raises(SystemExit):
        run_recipe(tiny_recipe_file(steps=1), d, device="cpu", dataset="tiny", phases=["tokenizer"], seed=5, quiet=True)


def test_publish_writes_package_and_model_card(smoke_run, tmp_path):
    from training.recipe import publish
    _, run_dir = smoke_run
    pkg = str(tmp_path / "pkg")
    publish(run_dir, pkg)
    for f in ("vision.onnx", "lm.onnx", "tokenizer.json", "manifest.json", "golden.json", "README.md"):
        assert os.path.exists(os.path.join(pkg, f)), f
    assert not os.path.exists(os.path.join(pkg, "onnx_check.json"))
    card = open(os.path.join(pkg, "README.md")).read()
    assert "{{" not in card
    assert 'What a "shot" counts' in card and "| vqa_position | **model** | exact match |" in card
    assert "given only by the demonstrations" in card and "fewshot_curve.svg" in card
    assert os.path.exists(os.path.join(pkg, "fewshot_curve.svg"))
    assert "| bridge_open_ended | bridge |" in card
    man = json.load(open(os.path.join(pkg, "manifest.json")))
    assert man["version"] == "1.0.0" and "open_ended" in man["eval"]


def test_recipe_validation_rejects_undeclared_or_inconsistent_phases(tmp_path):
    from training.tests.conftest import tiny_recipe
    from training.recipe import validate
    r = tiny_recipe()
    validate(r)
    bad = json.loads(json.dumps(r))
    next(p for p in bad["phase"] if p["kind"] == "lm")["trains"] = ["lm", "resampler"]
    with pytest.raises(ValueError, match="trains exactly"):
        validate(bad)
    bad = json.loads(json.dumps(r))
    next(p for p in bad["phase"] if p["name"] == "bridge_many_shot")["start"] = {"bridge": "bridge_open_ended"}
    with pytest.raises(ValueError, match="not an earlier phase"):
        validate(bad)
