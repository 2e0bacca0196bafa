#!/usr/bin/env bash
# The training code's tests (training/tests/): masking, episode building, tokenizer round trip (and JS parity),
# a smoke run of every recipe phase on tiny data, export parity (PyTorch vs onnxruntime-node), the PyTorch model
# rebuilt from ONNX initialisers, and resume after a kill. About half a minute on 2 cores; CPU only.
# Needs Debian's python3-torch python3-numpy python3-pil python3-onnx python3-pytest wamerican (scripts/system-deps.sh)
# and node_modules (npm ci) for the JS checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! "$PY" -c "import torch, numpy, PIL, onnx, pytest" 2>/dev/null; then
  echo "training tests need Debian's python3-torch python3-numpy python3-pil python3-onnx python3-pytest:" >&2
  echo "  sudo apt-get install -y python3-torch python3-numpy python3-pil python3-onnx python3-pytest wamerican" >&2
  exit 1
fi
export FLAMINGO_THREADS="${FLAMINGO_THREADS:-1}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
exec "$PY" -m pytest -q -p no:cacheprovider -W ignore::torch.jit.TracerWarning training/tests "$@"
