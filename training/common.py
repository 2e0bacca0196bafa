"""Shared helpers: paths, device auto-detection, seeding, logging."""
import os, random, time, json
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAIN_DIR = os.path.join(ROOT, "training")
CACHE = os.path.join(TRAIN_DIR, ".cache")
EMOJI_DIR = os.path.join(CACHE, "npm", "node_modules", "emoji-datasource-google")
PKG_DIR = os.path.join(ROOT, "public", "models", "flamingo-mini")
os.makedirs(CACHE, exist_ok=True)


def device():
    """CUDA if available (torch 2.x on the accelerator), else CPU (Debian torch 1.13)."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def setup_threads():
    n = int(os.environ.get("FLAMINGO_THREADS", "2"))
    torch.set_num_threads(n)


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class Logger:
    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "a")
        self.t0 = time.time()

    def __call__(self, *a):
        msg = "[%7.1fs] " % (time.time() - self.t0) + " ".join(str(x) for x in a)
        print(msg, flush=True)
        self.f.write(msg + "\n")
        self.f.flush()


def save_json(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)
