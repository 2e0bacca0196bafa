"""Quick checkpoint probe while training: ranking accuracy on a few held-out few-shot cells (no captions, no
generation, no ablations). For the full table use training.evaluate.

    /usr/bin/python3 -m training.probe --run s3b --episodes 200
"""
import argparse, json, os, time
from .common import TRAIN_DIR, Logger, setup_threads
from .tokenizer import Tokenizer
from .data import build_dataset
from .train import load_model
from .evaluate import Evaluator


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="main")
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--cells", default="2:4,5:1,5:4,5:8")
    ap.add_argument("--seed", type=int, default=0, help="episode draw; 0 = the same episodes as training.evaluate")
    ap.add_argument("--bridge", default="stage3_bridge.pt", help="a bridge checkpoint in the run folder")
    a = ap.parse_args()
    setup_threads()
    run = os.path.join(TRAIN_DIR, "runs", a.run)
    log = Logger(os.path.join(run, "probe_log.txt"))
    cfg = json.load(open(os.path.join(run, "config.json")))
    tok = Tokenizer.load(os.path.join(run, "tokenizer.json"))
    if not os.path.exists(os.path.join(run, a.bridge)):
        raise SystemExit("no bridge checkpoint %s in %s" % (a.bridge, run))
    model = load_model(run, cfg, "cpu", bridge_file=a.bridge).eval()
    log("probe: bridge %s" % a.bridge)
    ev = Evaluator(model, tok, build_dataset(log), log)
    t0 = time.time()
    for cell in a.cells.split(","):
        n, s = (int(x) for x in cell.split(":"))
        r = ev.fewshot(n, shots=s, n_ep=a.episodes, seed=a.seed, gen=False)["main"]["rank"]
        log("probe %d-way %d-shot rank %.3f±%.3f (n=%d, seed %d, %.0fs)" % (n, s, r["acc"], r["ci95"], r["n"], a.seed,
                                                                          time.time() - t0))


if __name__ == "__main__":
    main()
