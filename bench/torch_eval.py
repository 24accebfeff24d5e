#!/usr/bin/env python3
"""Evaluate safetensors weights with the course's PyTorch model on MNIST test.

    /usr/bin/python3 bench/torch_eval.py cnn3 weights.safetensors [--data DIR]

Prints one line: "cnn3 accuracy 0.9812 (9812/10000)".
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import course_models  # noqa: E402
import mnist_local  # noqa: E402
import safetensors_io  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="Evaluate safetensors weights on MNIST test.")
    ap.add_argument("model", help="zoo name (model1..model4, cnn1..cnn3) or class name")
    ap.add_argument("weights", help="safetensors file with the model's state_dict")
    ap.add_argument("--data", default=None, help="MNIST gz dir (default <repo>/../shared/data/mnist)")
    ap.add_argument("--batch", type=int, default=100)
    args = ap.parse_args(argv)

    model = course_models.model_class(args.model)()
    sd, _ = safetensors_io.load_file(args.weights)
    # strict=True: every key (including BatchNorm's num_batches_tracked) must
    # match, so a naming mismatch with the Go side fails loudly.
    model.load_state_dict(sd, strict=True)
    model.eval()
    test = mnist_local.loader("test", args.data, args.batch)
    correct, total = course_models.count_correct(test, model)
    print(f"{args.model} accuracy {correct / total:.4f} ({correct}/{total})")
    return 0


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    sys.exit(main())
