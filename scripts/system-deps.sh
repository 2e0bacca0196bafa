#!/usr/bin/env bash
# The system packages the test suite needs: Chromium (e2e), a PostgreSQL server (storage tests), and Debian's
# PyTorch stack for the training tests and the PyTorch reference (training/test.sh; ~1.5 min to install, ~1 GB).
# Installs them with apt when missing and we are root; otherwise says what to install.
set -euo pipefail

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
/usr/bin/python3 -c "import torch, numpy, PIL, onnx, pytest" >/dev/null 2>&1 \
  || need+=(python3-torch python3-numpy python3-pil python3-onnx python3-pytest)
dpkg -s libopenblas0-openmp >/dev/null 2>&1 || need+=(libopenblas0-openmp)
[ -f /usr/share/dict/words ] || need+=(wamerican)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "› installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Missing system packages: ${need[*]}. Install them (e.g. sudo apt-get install ${need[*]}) and run again." >&2
  exit 1
fi
