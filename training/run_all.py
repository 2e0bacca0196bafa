"""One command reproduces the shipped weights from scratch:

    nice -n 5 /usr/bin/python3 -m training.run_all --seed 0

then exports ONNX + manifest + golden vectors and runs the evaluation.
"""
import argparse, os, json, shutil
from .common import setup_threads, Logger, TRAIN_DIR, save_json
from .data import build_dataset
from .model import DEFAULT_CFG
from .tokenizer import Tokenizer
from . import train as T


# The continuation phases, in order: (--stages letter, LM or bridge, phase, default steps, lr, LM probe every N
# steps). Each LM phase continues the previous LM (seeded on its own); each bridge phase continues the previous
# bridge against the latest LM (table in train._MANY_SHOT_PHASES). --s2<phase>-steps / --s3<phase>-steps override
# the steps.
CONTINUATIONS = [("L", "lm", "c", 400, 1e-3, 100), ("D", "bridge", "c", 800, 4e-4, 0),
                 ("E", "bridge", "d", 400, 2e-4, 0), ("M", "lm", "d", 800, 8e-4, 200),
                 ("F", "bridge", "e", 600, 3e-4, 0), ("N", "lm", "e", 800, 6e-4, 400),
                 ("G", "bridge", "f", 400, 2e-4, 0), ("H", "bridge", "g", 600, 3e-4, 0),
                 ("I", "bridge", "h", 400, 3e-4, 0), ("J", "bridge", "i", 400, 4e-4, 0)]


def _flag(part, phase):
    """The option name of a continuation phase's steps: s2c for LM phase c, s3c for bridge phase c."""
    return "s%s%s" % ("2" if part == "lm" else "3", phase)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--run", default="main")
    ap.add_argument("--stages", default="0123")
    ap.add_argument("--s1-steps", type=int, default=250)
    ap.add_argument("--s2-steps", type=int, default=300)
    ap.add_argument("--s2b-steps", type=int, default=700)
    ap.add_argument("--s3-steps", type=int, default=1600)
    ap.add_argument("--gate-init", type=float, default=0.0)
    ap.add_argument("--gate-lr-mult", type=float, default=1.0)
    ap.add_argument("--s3-lr", type=float, default=1e-3)
    ap.add_argument("--max-imgs", type=int, default=12)
    ap.add_argument("--s3-time-budget", type=float, default=None)
    ap.add_argument("--s3-stop-at", type=int, default=765)
    ap.add_argument("--s3b-steps", type=int, default=600)
    ap.add_argument("--s3b-max-imgs", type=int, default=20)
    ap.add_argument("--s3b-stop-at", type=int, default=None)
    ap.add_argument("--s3c-max-imgs", type=int, default=24)
    ap.add_argument("--s3c-stop-at", type=int, default=None)
    for _, part, phase, steps, _, _ in CONTINUATIONS:
        ap.add_argument("--%s-steps" % _flag(part, phase), type=int, default=steps)
    ap.add_argument("--export", action="store_true")
    ap.add_argument("--eval", action="store_true")
    a = ap.parse_args()
    setup_threads()
    run = os.path.join(TRAIN_DIR, "runs", a.run)
    os.makedirs(run, exist_ok=True)
    log = Logger(os.path.join(run, "log.txt"))
    log("args", vars(a))
    ds = build_dataset(log)
    cfgp = os.path.join(run, "config.json")
    if "0" in a.stages:
        tok = T.stage0_tokenizer(run, ds, log)
    else:
        tok = Tokenizer.load(os.path.join(run, "tokenizer.json"))
    cfg = dict(DEFAULT_CFG, vocab_size=len(tok), gate_init=a.gate_init)
    if os.path.exists(cfgp) and "0" not in a.stages:
        cfg = dict(json.load(open(cfgp)), gate_init=a.gate_init)
    save_json(cfg, cfgp)
    if "1" in a.stages:
        T.stage1_vision(run, ds, tok, cfg, log, steps=a.s1_steps, seed=a.seed)
    if "2" in a.stages:
        T.stage2_lm(run, ds, tok, cfg, log, steps=a.s2_steps, seed=a.seed, phase="a")
    if "2" in a.stages or "B" in a.stages:
        T.stage2_lm(run, ds, tok, cfg, log, steps=a.s2b_steps, bs=16, seq=192, lr=2e-3, seed=a.seed, phase="b",
                    probe_every=100)
    if "3" in a.stages:
        T.stage3_bridge(run, ds, tok, cfg, log, steps=a.s3_steps, lr=a.s3_lr, gate_lr_mult=a.gate_lr_mult,
                        max_imgs=a.max_imgs, seed=a.seed, time_budget=a.s3_time_budget,
                        stop_at=a.s3_stop_at)
    if "3" in a.stages or "C" in a.stages:
        T.stage3b_continue(run, ds, tok, cfg, log, steps=a.s3b_steps, max_imgs=a.s3b_max_imgs, seed=a.seed,
                           stop_at=a.s3b_stop_at)
    for letter, part, phase, _, lr, probe_every in CONTINUATIONS:
        if "3" not in a.stages and letter not in a.stages:
            continue
        steps = getattr(a, "%s_steps" % _flag(part, phase))
        if part == "lm":
            T.stage2_lm(run, ds, tok, cfg, log, steps=steps, bs=8, seq=512, lr=lr, seed=a.seed, phase=phase,
                        probe_every=probe_every)
        else:
            T.stage3c_many_shot(run, ds, tok, cfg, log, steps=steps, lr=lr, max_imgs=a.s3c_max_imgs, seed=a.seed,
                                stop_at=a.s3c_stop_at if phase == "c" else None, phase=phase)
    if a.export:
        from . import export
        export.main_export(run, log)
    if a.eval:
        from . import evaluate
        evaluate.run_eval(run, log, n_ep=500, write=True)
        from . import card
        card.main(run)


if __name__ == "__main__":
    main()
