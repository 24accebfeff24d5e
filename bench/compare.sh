#!/usr/bin/env bash
# The side-by-side benchmark of issue 4: the zoo (OpenBLAS and pure Go)
# against the course's PyTorch pipeline and PyTorch with preloaded tensors,
# interleaved per model, with sgemm rates, FLOPs and allocations per step.
# Writes bench/results.md (and bench/results.json). See bench/compare.py.
#
#   bench/compare.sh                      # 7 models × 4 sides × 1 epoch (about 20-30 min on 2 cores)
#   bench/compare.sh --models model1,cnn2 --epochs 1 --rounds 3
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's python3 has torch and torchvision; a pyenv python3 earlier on PATH
# may not.
exec /usr/bin/python3 bench/compare.py "$@"
