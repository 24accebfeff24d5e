#!/usr/bin/env bash
# Inference speed side by side: the zoo's Predictor (bench/infer) against
# the course's PyTorch classes in eval() under no_grad (bench/torch_infer.py),
# images per second at batch 1 and 1000 for the seven models, sides
# alternated per model, several rounds. Writes the "Inference" section of
# bench/results.md and bench/infer_results.json. See bench/infer.py.
#
#   bench/infer.sh                          # 7 models, 5 rounds (about 15 min on 2 cores)
#   bench/infer.sh --models model1,cnn2 --rounds 3 --no-write
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's python3 has torch; a pyenv python3 earlier on PATH may not.
exec /usr/bin/python3 bench/infer.py "$@"
