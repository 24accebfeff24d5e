#!/usr/bin/env bash
# The side-by-side benchmark of issue 13: the zoo (default build, its own
# sgemm in Go assembly; and OpenBLAS) against the course's PyTorch pipeline
# and PyTorch with preloaded tensors, interleaved per model, with sgemm rates
# and the FMA peak, FLOPs and allocations per step, and the targets' verdicts.
# Writes bench/results.md (and bench/results.json). See bench/compare.py.
#
#   bench/compare.sh                      # 7 models × 4 sides × 1 epoch (about 20-30 min on 2 cores)
#   bench/compare.sh --models model1,cnn2 --epochs 1 --rounds 3
#   bench/compare.sh --suite              # and the whole suite, 7 models × 5 epochs, per side (about 40 min more)
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's python3 has torch and torchvision; a pyenv python3 earlier on PATH
# may not.
exec /usr/bin/python3 bench/compare.py "$@"
