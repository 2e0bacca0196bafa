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
    ap.add_argument("--s2c-steps", type=int, default=400)
    ap.add_argument("--s3c-steps", type=int, default=800)
    ap.add_argument("--s3c-max-imgs", type=int, default=24)
    ap.add_argument("--s3c-stop-at", type=int, default=None)
    ap.add_argument("--s3d-steps", type=int, default=400)
    ap.add_argument("--s2d-steps", type=int, default=800)
    ap.add_argument("--s3e-steps", type=int, default=600)
    ap.add_argument("--s2e-steps", type=int, default=800)
    ap.add_argument("--s3f-steps", type=int, default=400)
    ap.add_argument("--s3g-steps", type=int, default=600)
    ap.add_argument("--s3h-steps", type=int, default=400)
    ap.add_argument("--s3i-steps", type=int, default=400)
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
    # The continuation phases, in order: (--stages letter, LM or bridge, phase, steps, lr, LM probe every N steps).
    # Each LM phase continues the previous LM (seeded on its own); each bridge phase continues the previous bridge
    # against the latest LM (table in train._MANY_SHOT_PHASES).
    continuations = [("L", "lm", "c", a.s2c_steps, 1e-3, 100), ("D", "bridge", "c", a.s3c_steps, 4e-4, 0),
                     ("E", "bridge", "d", a.s3d_steps, 2e-4, 0), ("M", "lm", "d", a.s2d_steps, 8e-4, 200),
                     ("F", "bridge", "e", a.s3e_steps, 3e-4, 0), ("N", "lm", "e", a.s2e_steps, 6e-4, 400),
                     ("G", "bridge", "f", a.s3f_steps, 2e-4, 0), ("H", "bridge", "g", a.s3g_steps, 3e-4, 0),
                     ("I", "bridge", "h", a.s3h_steps, 3e-4, 0),
                     ("J", "bridge", "i", a.s3i_steps, 4e-4, 0)]
    for letter, part, phase, steps, lr, probe_every in continuations:
        if "3" not in a.stages and letter not in a.stages:
            continue
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
