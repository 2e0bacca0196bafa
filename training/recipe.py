"""One entry point for training/recipe.toml: every phase, resumable, in a run directory of its own.

    /usr/bin/python3 -m training.recipe run [--recipe training/recipe.toml] [--run-dir training/runs/r1]
                                            [--device auto|cpu|cuda] [--seed N] [--phases a,b] [--dataset full|tiny]
    /usr/bin/python3 -m training.recipe show [--recipe F]          # the resolved recipe, phase by phase
    /usr/bin/python3 -m training.recipe publish --run-dir D         # copy D/package to public/models/<id> + model card

The run directory holds (and nothing else writes there):
  recipe.json      the resolved recipe (the file as read + seed + dataset). A rerun with an edited recipe keeps the
                   phases before the first changed one (their settings and inputs are the same) and runs the rest
                   again; state.json's "rebased" says when. A changed run/model/data section is refused (--force: all)
  versions.json    python, torch, numpy, device, git commit (and whether the tree had uncommitted changes), per start
  log.txt          this run's log only (each start of the command is marked; resumed runs append)
  state.json       finished phases with their wall time and steps
  ckpt/<phase>.pt  the latest checkpoint of the phase in progress: weights, optimiser, scheduler, RNG states, step
                   (written to a temporary file, fsynced, then renamed: a kill never leaves a torn checkpoint)
  weights/<phase>.pt  a finished phase's full model state (tokenizer.json + config.json for phase 0)
  package/         the export phase's ONNX package; eval.json the eval phase's tables

Rerunning the same command after an interruption at any point skips the finished phases and continues the current one
from its last checkpoint; the data draws continue from the same position, so the result equals an uninterrupted run
(bit for bit on CPU; tests/test_recipe.py checks it). The same code runs on CUDA (--device cuda or auto).
"""
import argparse, copy, json, math, os, platform, random, shutil, subprocess, sys, time
import numpy as np
import torch
import torch.nn.functional as F

from .common import ROOT, TRAIN_DIR, PKG_DIR, save_json

RECIPE = os.path.join(TRAIN_DIR, "recipe.toml")
KINDS = ("tokenizer", "vision", "lm", "bridge", "export", "eval")
# what each kind of phase trains (Runner.phase_<kind>); a recipe states it, and must state exactly this
TRAINS = {"vision": {"vision", "clip_text_tower", "clip_temperature"}, "lm": {"lm"},
          "bridge": {"resampler", "xattn_blocks", "gates", "special_token_embeddings"}}


# ------------------------------------------------------------------------------------------------ recipe
def load_recipe(path):
    if path.endswith(".json"):
        r = json.load(open(path))
    else:
        import tomllib  # Python 3.11+ (Debian bookworm)
        with open(path, "rb") as f:
            r = tomllib.load(f)
    validate(r)
    return r


def validate(r):
    names = [p["name"] for p in r["phase"]]
    if len(set(names)) != len(names):
        raise ValueError("recipe: phase names must be unique")
    for i, p in enumerate(r["phase"]):
        if p["kind"] not in KINDS:
            raise ValueError("recipe: phase %s: unknown kind %r" % (p["name"], p["kind"]))
        st = p.get("start", "scratch")
        refs = [] if st == "scratch" else (list(st.values()) if isinstance(st, dict) else [st])
        for ref in refs:
            if ref not in names[:i]:
                raise ValueError("recipe: phase %s starts from %r, which is not an earlier phase" % (p["name"], ref))
        if p["kind"] in ("vision", "lm", "bridge"):
            for k in ("steps", "batch", "lr", "schedule", "seed_offset", "data", "trains"):
                if k not in p:
                    raise ValueError("recipe: phase %s has no %s" % (p["name"], k))
            if set(p["trains"]) != TRAINS[p["kind"]]:
                raise ValueError("recipe: phase %s: a %s phase trains exactly %s" % (p["name"], p["kind"], sorted(TRAINS[p["kind"]])))
        if p["kind"] == "bridge" and not (set(st) == {"bridge"} or set(st) == {"vision", "lm"}):
            raise ValueError("recipe: bridge phase %s starts from {bridge = ...} or {vision = ..., lm = ...}" % p["name"])


def phase_seed(r, p):
    return int(r["run"]["seed"]) + int(p.get("seed_offset", 0))


def lr_factor(step, steps, sched):
    """Linear warm-up over warmup_steps, then cosine decay from 1 to min_lr_frac at the last step."""
    w = int(sched.get("warmup_steps", 0))
    lo = float(sched.get("min_lr_frac", 0.0))
    warm = min(1.0, (step + 1) / w) if w > 0 else 1.0
    t = min(step, steps) / max(1, steps)
    return warm * (lo + (1 - lo) * 0.5 * (1 + math.cos(math.pi * t)))


# ------------------------------------------------------------------------------------------------ run directory
class RunLog:
    def __init__(self, path, quiet=False):
        self.f = open(path, "a")
        self.t0 = time.time()
        self.quiet = quiet

    def __call__(self, *a):
        msg = "%s [%7.1fs] %s" % (time.strftime("%Y-%m-%d %H:%M:%S"), time.time() - self.t0, " ".join(str(x) for x in a))
        if not self.quiet:
            print(msg, flush=True)
        self.f.write(msg + "\n")
        self.f.flush()


def load_checkpoint(path, dev="cpu"):
    """torch.load of a checkpoint (RNG states are numpy arrays and tuples: torch >= 2.6 loads only tensors by default)."""
    import inspect
    kw = {"weights_only": False} if "weights_only" in inspect.signature(torch.load).parameters else {}
    return torch.load(path, map_location=dev, **kw)


def atomic_save(obj, path):
    """torch.save to path.tmp, fsync, rename: the file is either the old one or the complete new one."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_json(obj, path):
    tmp = path + ".tmp"
    save_json(obj, tmp)
    os.replace(tmp, path)


def versions(dev):
    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
        except Exception:
            return ""
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "device": str(dev), "cuda": torch.version.cuda if dev.type == "cuda" else None,
            "gpu": torch.cuda.get_device_name(0) if dev.type == "cuda" else None, "threads": torch.get_num_threads(),
            "git_commit": git("rev-parse", "HEAD") or None, "git_dirty": bool(git("status", "--porcelain", "--", "training")),
            "host": platform.node(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def rng_state(rng):
    st = {"py": rng.getstate(), "py_global": random.getstate(), "np": np.random.get_state(),
          "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def set_rng_state(rng, st):
    rng.setstate(st["py"])
    random.setstate(st["py_global"])
    np.random.set_state(st["np"])
    torch.set_rng_state(st["torch"])
    if "cuda" in st and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(st["cuda"])


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


class Interrupted(Exception):
    pass


class Runner:
    def __init__(self, recipe, run_dir, dev, dataset="full", stop_after_steps=None, quiet=False):
        self.r, self.dir, self.dev = recipe, run_dir, dev
        self.dataset = dataset
        self.stop_after = stop_after_steps  # testing aid: exit abruptly after this many optimiser steps in this start
        self.steps_this_start = 0
        for d in ("ckpt", "weights"):
            os.makedirs(os.path.join(run_dir, d), exist_ok=True)
        self.log = RunLog(os.path.join(run_dir, "log.txt"), quiet)
        self.state_p = os.path.join(run_dir, "state.json")
        self.state = json.load(open(self.state_p)) if os.path.exists(self.state_p) else {"phases": {}}
        self._ds = None
        self._tok = None

    # -------------------------------------------------------------- shared pieces
    @property
    def ds(self):
        if self._ds is None:
            from .data import build_dataset, tiny_dataset
            self._ds = tiny_dataset() if self.dataset == "tiny" else build_dataset(self.log)
        return self._ds

    @property
    def tok(self):
        if self._tok is None:
            from .tokenizer import Tokenizer
            self._tok = Tokenizer.load(os.path.join(self.dir, "tokenizer.json"))
        return self._tok

    def cfg(self):
        return json.load(open(os.path.join(self.dir, "config.json")))

    def weights(self, phase):
        return os.path.join(self.dir, "weights", "%s.pt" % phase)

    def done(self, name):
        return self.state["phases"].get(name, {}).get("done", False)

    def mark_done(self, name, **info):
        self.state["phases"][name] = dict(done=True, **info)
        atomic_json(self.state, self.state_p)

    def new_model(self):
        from .model import Flamingo
        return Flamingo(self.cfg()).to(self.dev)

    def load_weights(self, model, phase):
        model.load_state_dict(torch.load(self.weights(phase), map_location=self.dev), strict=True)

    def step_hook(self, name, step, save):
        """After every optimiser step: checkpoint every checkpoint_every steps; the test interruption."""
        self.steps_this_start += 1
        if (step + 1) % int(self.r["run"]["checkpoint_every"]) == 0:
            save(step + 1)
        if self.stop_after is not None and self.steps_this_start >= self.stop_after:
            self.log("interrupted (--stop-after-steps %d) in %s after step %d" % (self.stop_after, name, step))
            raise Interrupted()

    def train_loop(self, p, model, params_for_clip, opt, rng, make_loss, extra_state=None):
        """The loop every trained phase shares: resume, step, log, checkpoint. make_loss(step) -> (loss, log text)."""
        name, steps = p["name"], int(p["steps"])
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: lr_factor(t, steps, p["schedule"]))
        ck = os.path.join(self.dir, "ckpt", "%s.pt" % name)
        extra_state = extra_state or {}

        prior = [0.0]  # wall seconds of earlier starts (a resumed phase reports its whole training time)

        def save(at):
            atomic_save({"phase": name, "step": at, "model": model.state_dict(), "opt": opt.state_dict(),
                         "sched": sched.state_dict(), "rng": rng_state(rng), "elapsed": prior[0] + time.time() - t0,
                         "extra": {k: m.state_dict() for k, m in extra_state.items()}}, ck)
        start = 0
        t0 = time.time()
        if os.path.exists(ck):
            c = load_checkpoint(ck, self.dev)
            model.load_state_dict(c["model"])
            opt.load_state_dict(c["opt"])
            sched.load_state_dict(c["sched"])
            for k, m in extra_state.items():
                m.load_state_dict(c["extra"][k])
            set_rng_state(rng, c["rng"])
            start = c["step"]
            prior[0] = float(c.get("elapsed", 0.0))
            self.log("%s: resumed from its checkpoint at step %d of %d" % (name, start, steps))
        for step in range(start, steps):
            loss, text = make_loss(step)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params_for_clip, 1.0)
            opt.step()
            sched.step()
            if step % int(self.r["run"]["log_every"]) == 0 or step == steps - 1:
                self.log("%s step %d loss %.4f lr %.2e %s(%.1fs)" % (name, step, loss.item(), sched.get_last_lr()[0],
                                                                     text() if callable(text) else text, time.time() - t0))
            self.step_hook(name, step, save)
        save(steps)
        return prior[0] + time.time() - t0

    # -------------------------------------------------------------- phases
    def phase_tokenizer(self, p):
        from .data import text_corpus_for_bpe
        from .tokenizer import Tokenizer, train_bpe
        t0 = time.time()
        merges = train_bpe(text_corpus_for_bpe(self.ds), int(p["n_merges"]), lambda *a: None)
        tok = Tokenizer.build(merges)
        tok.save(os.path.join(self.dir, "tokenizer.json"))
        cfg = dict(self.r["model"], vocab_size=len(tok))
        atomic_json(cfg, os.path.join(self.dir, "config.json"))
        self._tok = None
        self.log("tokenizer: vocab %d (%.1fs)" % (len(tok), time.time() - t0))
        return {"vocab": len(tok), "seconds": round(time.time() - t0, 1)}

    def phase_vision(self, p):
        from .data import N_VIEWS
        from .model import TextEncoderCLIP
        from .train import to_pixels, _pad
        ds, tok, dev, d = self.ds, self.tok, self.dev, p["data"]
        seed = phase_seed(self.r, p)
        seed_everything(seed)
        rng = random.Random(seed)
        model = self.new_model()
        venc = model.vision
        tenc = TextEncoderCLIP(len(tok), 128, self.cfg()["clip_dim"]).to(dev)
        temp = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07), device=dev))
        holder = torch.nn.Module()
        holder.temp = temp
        params = list(venc.parameters()) + list(tenc.parameters()) + [temp]
        opt = torch.optim.AdamW(params, lr=float(p["lr"]), weight_decay=float(p["weight_decay"]))
        tr_cls = [i for i, e in enumerate(ds["emoji"]) if e["split"] == "train"]
        tr_sc = [i for i, s in enumerate(ds["scene_split"]) if s == "train"]
        bs = int(p["batch"])
        ne = min(len(tr_cls), int(round(bs * float(d["emoji_share"]))))
        cache = {}

        def enc(t):
            if t not in cache:
                cache[t] = tok.encode_text(t)
            return cache[t]

        def make_loss(step):
            cls = rng.sample(tr_cls, ne)
            v1 = [rng.randrange(N_VIEWS) for _ in cls]
            v2 = [(v + rng.randrange(1, N_VIEWS)) % N_VIEWS for v in v1]
            sc = [rng.choice(tr_sc) for _ in range(bs - ne)]
            imgs = np.concatenate([ds["emoji_views"][cls, v1], ds["scenes"][sc]])
            imgs2 = ds["emoji_views"][cls, v2]
            caps = [ds["emoji"][c]["name"] if rng.random() >= float(d["name_plus_subcategory"])
                    else ds["emoji"][c]["name"] + " " + ds["emoji"][c]["sub"] for c in cls]
            caps += [ds["scene_meta"][s]["caption"] for s in sc]
            ids, m = _pad([enc(c) for c in caps], tok.pad_id)
            zi = venc.embed(torch.cat([to_pixels(imgs, dev), to_pixels(imgs2, dev)]))
            zi1, zi2 = zi[:bs], zi[bs:]
            zt = tenc(ids.to(dev), m.to(dev))
            same = torch.tensor([[a == b for b in caps] for a in caps], dtype=torch.float32, device=dev)
            tgt = same / same.sum(1, keepdim=True)
            lg = zi1 @ zt.t() * temp.exp().clamp(max=100)
            l_clip = (-(tgt * F.log_softmax(lg, 1)).sum(1).mean() - (tgt * F.log_softmax(lg.t(), 1)).sum(1).mean()) / 2
            lv = zi1[:ne] @ zi2.t() * temp.exp().clamp(max=100)
            l_view = F.cross_entropy(lv, torch.arange(ne, device=dev))
            return l_clip + float(d["view_loss_weight"]) * l_view, "clip %.3f view %.3f " % (l_clip.item(), l_view.item())
        secs = self.train_loop(p, model, params, opt, rng, make_loss, extra_state={"tenc": tenc, "temp": holder})
        torch.save(model.state_dict(), self.weights(p["name"]))
        return {"seconds": round(secs, 1), "steps": int(p["steps"])}

    def phase_lm(self, p):
        from .data import LabelMaker
        from .train import text_batch
        ds, tok, dev, d = self.ds, self.tok, self.dev, p["data"]
        seed = phase_seed(self.r, p)
        seed_everything(seed)
        rng = random.Random(seed)
        model = self.new_model()
        if p.get("start", "scratch") != "scratch":
            self.load_weights(model, p["start"])
        lm = model.lm
        params = [q for n, q in lm.named_parameters() if not n.startswith("xblocks")]
        for q in model.parameters():
            q.requires_grad_(False)
        for q in params:
            q.requires_grad_(True)
        opt = torch.optim.AdamW(params, lr=float(p["lr"]), weight_decay=float(p["weight_decay"]), betas=(0.9, 0.98))
        if "extra_chunks_per_way" in d:
            k = int(d["extra_chunks_per_way"])
            extra = lambda n: (2, k * n)
        else:
            lo, hi = d["extra_chunks"]
            extra = lambda n: (int(lo), int(hi))
        mix = (float(d["p_text_keyed"]), float(d["p_emoji_name_key"]), tuple(d["ways"]), extra, float(d["p_caption"]), float(d["p_qa"]))
        words = LabelMaker("train")
        tr_cls = [i for i, e in enumerate(ds["emoji"]) if e["split"] == "train"]
        tr_sc = [i for i, s in enumerate(ds["scene_split"]) if s == "train"]
        bs, seq = int(p["batch"]), int(p["seq"])

        def make_loss(step):
            X, M = text_batch(rng, ds, words, tr_cls, tr_sc, tok, mix, bs, seq)
            X, M = X.to(dev), M.to(dev)
            logits, _, _, _ = lm(X[:, :-1], use_xattn=False)
            ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), X[:, 1:].reshape(-1), reduction="none")
            return (ce * M[:, 1:].reshape(-1)).sum() / M[:, 1:].sum().clamp(min=1), ""
        lm.train()
        secs = self.train_loop(p, model, params, opt, rng, make_loss)
        torch.save(model.state_dict(), self.weights(p["name"]))
        return {"seconds": round(secs, 1), "steps": int(p["steps"])}

    def phase_bridge(self, p):
        from .data import LabelMaker
        from .train import FeatureBank, collate, _bridge_trainable
        from .mix import make_context, sample_row
        tok, dev, cfg, d = self.tok, self.dev, self.cfg(), p["data"]
        seed = phase_seed(self.r, p)
        seed_everything(seed)
        rng = random.Random(seed)
        model = self.new_model()
        st = p["start"]
        if "bridge" in st:
            self.load_weights(model, st["bridge"])
        else:  # a fresh bridge (initialised from this phase's seed) on the frozen vision and LM
            sd = model.state_dict()
            v = torch.load(self.weights(st["vision"]), map_location=dev)
            l = torch.load(self.weights(st["lm"]), map_location=dev)
            sd.update({k: t for k, t in v.items() if k.startswith("vision.")})
            sd.update({k: t for k, t in l.items() if k.startswith("lm.") and not k.startswith("lm.xblocks.")})
            model.load_state_dict(sd)
        bridge, gates, others = _bridge_trainable(model, tok, dev)
        lr, wd = float(p["lr"]), float(p["weight_decay"])
        opt = torch.optim.AdamW([{"params": others, "lr": lr, "weight_decay": wd},
                                 {"params": gates, "lr": lr, "weight_decay": 0.0},
                                 {"params": [model.lm.emb.weight], "lr": lr, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.98))
        bank = FeatureBank(model, self.ds, dev, self.log)
        ctx = make_context(self.ds, LabelMaker("train"))
        model.vision.eval(); model.lm.eval(); model.resampler.train()
        bs, row_mean = int(p["batch"]), bool(p.get("row_mean", False))
        gl = [None]

        def make_loss(step):
            batch = [sample_row(rng, ctx, tok, d) for _ in range(bs)]
            ids, lmask, iidx, feats = collate(tok, batch, bank, dev)
            B, N = feats.shape[:2]
            vis = model.resampler(feats.view(B * N, 1, *feats.shape[2:])).view(B, N, cfg["n_latents"], -1)
            logits, _, _, g = model.lm(ids[:, :-1], vis, iidx[:, :-1])
            ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none")
            m = lmask[:, 1:]
            if row_mean:
                loss = ((ce.view_as(m) * m).sum(1) / m.sum(1).clamp(min=1)).mean()
            else:
                loss = (ce * m.reshape(-1)).sum() / m.sum().clamp(min=1)
            gl[0] = g
            return loss, lambda: "gates(attn/ff) %s " % " ".join("%.3f/%.3f" % (a, b) for a, b in gl[0].detach().cpu().tolist())
        secs = self.train_loop(p, model, bridge + [model.lm.emb.weight], opt, rng, make_loss)
        torch.save(model.state_dict(), self.weights(p["name"]))
        return {"seconds": round(secs, 1), "steps": int(p["steps"]),
                "gates": [[round(float(x), 4) for x in row] for row in torch.tanh(torch.stack(
                    [torch.cat([b.attn_gate, b.ff_gate]) for b in model.lm.xblocks if hasattr(b, "attn_gate")])).tolist()]}

    def phase_export(self, p):
        from . import export as X
        model = self.new_model()
        self.load_weights(model, p["start"]["bridge"])
        model = model.cpu().eval()
        out = os.path.join(self.dir, "package")
        t0 = time.time()
        X.export_package(model, model.cfg, self.tok, self.ds, out, os.path.join(self.dir, "tokenizer.json"), self.log,
                         check_dir=self.dir, version=self.r.get("package", {}).get("version"))
        return {"seconds": round(time.time() - t0)}

    def phase_eval(self, p):
        """The model card's tables, on the exported package's weights (read back from its ONNX initialisers)."""
        from .package_weights import load_checked
        from .evaluate import Evaluator, ci
        from .eval_open import run_open_eval
        t0 = time.time()
        model, cfg, tok, _ = load_checked(os.path.join(self.dir, "package"), self.log)
        ev = Evaluator(model, tok, self.ds, self.log)
        n_ep = int(p["classification_episodes"])
        table = {"episodes_per_cell": n_ep, "shot_means": "classification: k-shot = k demonstrations per class; "
                 "open_ended: k-shot = k demonstrations in the prompt (Flamingo's count)", "fewshot": {}}
        from .evaluate import VARIANTS
        # k demonstrations per class, then m demonstrations in the prompt spread over the n classes
        cells = [(int(n), int(k), None) for n in p["classification_ways"] for k in p["classification_shots"]] + \
                [(int(n), None, int(m)) for n in p["classification_ways"] for m in p.get("classification_images", [])]
        for n, k, m in cells:
            r = ev.fewshot(n, shots=k, n_demo=m, n_ep=n_ep, variants=VARIANTS)
            key = "%d-way %s" % (n, "%d-shot" % k if m is None else "%d images" % m)
            table["fewshot"][key] = {"n_way": n, "shots": k, "n_demo_images": n * k if m is None else m, **r}
            self.log("eval %s: rank %.3f gen %.3f | gates=0 rank %.3f" % (
                key, r["main"]["rank"]["acc"], r["main"]["gen"]["acc"], r["gates_0"]["rank"]["acc"]))
        table["caption_vqa"] = ev.caption_vqa(n=n_ep, variants=VARIANTS[:2])
        table["open_ended"] = run_open_eval(model, tok, self.ds, self.log, n_items=int(p["open_items"]),
                                            shots=[int(k) for k in p["open_shots"]], ev=ev)
        table["eval_seconds"] = round(time.time() - t0)
        atomic_json(table, os.path.join(self.dir, "eval.json"))
        from .curve_svg import write_curve_svg
        write_curve_svg(table, os.path.join(self.dir, "fewshot_curve.svg"))
        return {"seconds": round(time.time() - t0)}

    # -------------------------------------------------------------- driver
    def run(self, only=None):
        t_all = time.time()
        for p in self.r["phase"]:
            name = p["name"]
            if only and name not in only:
                continue
            if self.done(name):
                self.log("%s: finished in an earlier start, skipped" % name)
                ck = os.path.join(self.dir, "ckpt", "%s.pt" % name)
                if os.path.exists(ck):  # killed between marking the phase done and removing its checkpoint
                    os.remove(ck)
                continue
            self.log("%s: %s phase starts" % (name, p["kind"]))
            info = getattr(self, "phase_" + p["kind"])(p)
            self.mark_done(name, kind=p["kind"], finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **(info or {}))
            ck = os.path.join(self.dir, "ckpt", "%s.pt" % name)
            if os.path.exists(ck):
                os.remove(ck)  # the phase's result is weights/<name>.pt now
            self.log("%s: done %s" % (name, json.dumps(info or {})))
        self.log("run finished (%.0fs in this start)" % (time.time() - t_all))


def changed_from(old, new):
    """The index of the first phase whose resolved settings differ between two resolved recipes (len(phases) when
    none does), or None when something outside the phases differs (model, data, seed: nothing can be kept)."""
    strip = lambda r: {k: v for k, v in r.items() if k not in ("phase", "recipe_file")}
    if strip(old) != strip(new):
        return None
    for i, (a, b) in enumerate(zip(old["phase"], new["phase"])):
        if a != b:
            return i
    return min(len(old["phase"]), len(new["phase"]))


def rebase_run_dir(run_dir, old, new, log):
    """A recipe edited after (part of) a run: every phase before the first changed one keeps its result (its settings
    and all it starts from are unchanged, so a rerun would compute the same); that phase and all after it are run
    again. Returns the names kept."""
    i = changed_from(old, new)
    if i is None:
        sys.exit("recipe: %s was started with a different run/model/data section; use a new --run-dir, or --force to "
                 "run every phase again" % run_dir)
    kept = [p["name"] for p in new["phase"][:i]]
    sp = os.path.join(run_dir, "state.json")
    state = json.load(open(sp)) if os.path.exists(sp) else {"phases": {}}
    dropped = [n for n in state["phases"] if n not in kept]
    for n in dropped:
        del state["phases"][n]
    for p in old["phase"][i:] + new["phase"][i:]:
        ck = os.path.join(run_dir, "ckpt", "%s.pt" % p["name"])
        if os.path.exists(ck):
            os.remove(ck)
    state.setdefault("rebased", []).append({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "kept": kept,
                                            "rerun": [p["name"] for p in new["phase"][i:]]})
    atomic_json(state, sp)
    log("recipe changed from phase %s on: kept %s (same settings); %s run again" % (
        new["phase"][i]["name"] if i < len(new["phase"]) else "-", ", ".join(kept) or "nothing",
        ", ".join(p["name"] for p in new["phase"][i:]) or "nothing"))
    return kept


def prepare_run_dir(recipe_path, run_dir, seed=None, dataset="full", force=False):
    """Resolve the recipe and pin it to the run directory. A rerun with the same recipe resumes; with an edited one,
    the phases before the first changed one are kept and the rest run again (rebase_run_dir); --force runs all."""
    r = load_recipe(recipe_path)
    if seed is not None:
        r["run"]["seed"] = seed
    r["data"] = dict(r.get("data", {}), which=dataset)
    r["recipe_file"] = os.path.relpath(os.path.abspath(recipe_path), ROOT)
    os.makedirs(run_dir, exist_ok=True)
    rp = os.path.join(run_dir, "recipe.json")
    if os.path.exists(rp):
        old = json.load(open(rp))
        new = json.loads(json.dumps(r))
        if new != old:
            if force:
                sp = os.path.join(run_dir, "state.json")
                if os.path.exists(sp):
                    os.remove(sp)
                shutil.rmtree(os.path.join(run_dir, "ckpt"), ignore_errors=True)
            else:
                rebase_run_dir(run_dir, old, new, RunLog(os.path.join(run_dir, "log.txt")))
    atomic_json(r, rp)
    gi = os.path.join(run_dir, ".gitignore")
    if not os.path.exists(gi):  # the big binaries stay out of git; recipe, versions, log, state and eval are kept
        with open(gi, "w") as f:
            f.write("ckpt/\nweights/\npackage/\n*.tmp\n")
    return r


def pick_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        sys.exit("recipe: --device cuda, but torch sees no CUDA device")
    return torch.device(name)


def run_recipe(recipe_path, run_dir, device="auto", seed=None, dataset="full", phases=None, stop_after_steps=None,
               quiet=False, force=False):
    r = prepare_run_dir(recipe_path, run_dir, seed, dataset, force)
    dev = pick_device(device)
    if dev.type == "cpu":
        torch.set_num_threads(int(os.environ.get("FLAMINGO_THREADS", r["run"].get("threads", 2))))
    vp = os.path.join(run_dir, "versions.json")
    vs = json.load(open(vp)) if os.path.exists(vp) else {"starts": []}
    vs["starts"].append(versions(dev))
    atomic_json(vs, vp)
    runner = Runner(r, run_dir, dev, dataset, stop_after_steps, quiet)
    runner.log("start: recipe %s, run dir %s, device %s, seed %s, torch %s" % (
        r["recipe_file"], run_dir, dev, r["run"]["seed"], torch.__version__))
    try:
        runner.run(phases)
    except Interrupted:
        return False
    return True


def load_run_model(run_dir):
    """The final trained model of a run (its last bridge phase) -> (model on CPU, cfg, tokenizer)."""
    from .model import Flamingo
    from .tokenizer import Tokenizer
    r = json.load(open(os.path.join(run_dir, "recipe.json")))
    last = [p["name"] for p in r["phase"] if p["kind"] == "bridge"][-1]
    cfg = json.load(open(os.path.join(run_dir, "config.json")))
    model = Flamingo(cfg)
    model.load_state_dict(torch.load(os.path.join(run_dir, "weights", last + ".pt"), map_location="cpu"))
    tok = Tokenizer.load(os.path.join(run_dir, "tokenizer.json"))
    model.lm_image_id, model.lm_eoc_id = tok.image_id, tok.eoc_id
    return model.eval(), cfg, tok


def publish(run_dir, pkg=PKG_DIR):
    """Copy a finished run's package into public/models/<id>/ and write the model card from its eval.json."""
    src = os.path.join(run_dir, "package")
    if not os.path.exists(os.path.join(run_dir, "eval.json")):
        sys.exit("publish: %s has no eval.json (run the recipe to its end first)" % run_dir)
    os.makedirs(pkg, exist_ok=True)
    for f in sorted(os.listdir(src)):
        s = os.path.join(src, f)
        if os.path.isdir(s):
            shutil.rmtree(os.path.join(pkg, f), ignore_errors=True)
            shutil.copytree(s, os.path.join(pkg, f))
        else:
            shutil.copy(s, os.path.join(pkg, f))
    from . import card
    card.write_card(run_dir, pkg)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a_run = sub.add_parser("run", help="run (or resume) every phase of the recipe")
    a_run.add_argument("--recipe", default=RECIPE)
    a_run.add_argument("--run-dir", default=os.path.join(TRAIN_DIR, "runs", "r1"))
    a_run.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    a_run.add_argument("--seed", type=int, default=None)
    a_run.add_argument("--dataset", default="full", choices=["full", "tiny"], help="tiny: the synthetic test dataset")
    a_run.add_argument("--phases", default=None, help="comma-separated phase names (default: all)")
    a_run.add_argument("--stop-after-steps", type=int, default=None, help=argparse.SUPPRESS)
    a_run.add_argument("--force", action="store_true", help="run every phase again in a run dir that was started with "
                       "another recipe (without it, the phases before the first changed one are kept)")
    a_show = sub.add_parser("show", help="print the resolved recipe")
    a_show.add_argument("--recipe", default=RECIPE)
    a_pub = sub.add_parser("publish", help="copy a finished run's package to public/models/<id>/ with its model card")
    a_pub.add_argument("--run-dir", required=True)
    a = ap.parse_args()
    if a.cmd == "show":
        r = load_recipe(a.recipe)
        for p in r["phase"]:
            print("%-18s %-9s start=%s steps=%s batch=%s lr=%s seed=%s" % (
                p["name"], p["kind"], p.get("start", "scratch"), p.get("steps", "-"), p.get("batch", "-"),
                p.get("lr", "-"), phase_seed(r, p) if "seed_offset" in p else "-"))
        return
    if a.cmd == "publish":
        publish(a.run_dir)
        return
    ok = run_recipe(a.recipe, a.run_dir, a.device, a.seed, a.dataset,
                    a.phases.split(",") if a.phases else None, a.stop_after_steps, force=a.force)
    if not ok:
        os._exit(3)  # like a kill: no cleanup beyond what the checkpoints already hold


if __name__ == "__main__":
    main()
