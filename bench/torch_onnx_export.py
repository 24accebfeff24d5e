#!/usr/bin/env python3
"""Export the course's PyTorch classes to ONNX with the zoo's pretrained weights.

    /usr/bin/python3 bench/torch_onnx_export.py [--out onnx/testdata/torch] [--models all]

Each class of course_models.py gets the zoo's pretrained safetensors file
(pretrained/weights/NAME.safetensors, load_state_dict(strict=True)), is put
in eval() mode and goes through torch.onnx.export as a user of the course
would call it: opset 13, input "input" (N x 1 x 28 x 28), output "logits",
the batch dimension dynamic ("N"), the exporter's defaults otherwise. Those
defaults fold BatchNorm into the preceding Conv in eval mode, so cnn3 is also
written with training=TrainingMode.PRESERVE as cnn3-bn.onnx, which keeps its
BatchNormalization nodes. The files are the fixtures of the zoo's ONNX
import tests (package onnx); CI has no torch, so they are committed.

Prints one line per file: its path, size and the torch-exported graph's ops.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import course_models  # noqa: E402
import safetensors_io  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def export(name, path, training):
    model = course_models.model_class(name)()
    sd, _ = safetensors_io.load_file(os.path.join(REPO, "pretrained", "weights", name + ".safetensors"))
    model.load_state_dict(sd, strict=True)
    model.eval()
    x = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(
        model, x, path, opset_version=13, training=training,
        input_names=["input"], output_names=["logits"],
        dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(REPO, "onnx", "testdata", "torch"))
    ap.add_argument("--models", default="all", help="comma-separated zoo names, or all")
    args = ap.parse_args(argv)
    names = list(course_models.NAMES) if args.models == "all" else args.models.split(",")
    os.makedirs(args.out, exist_ok=True)
    jobs = [(n, os.path.join(args.out, n + ".onnx"), torch.onnx.TrainingMode.EVAL) for n in names]
    if "cnn3" in names:
        jobs.append(("cnn3", os.path.join(args.out, "cnn3-bn.onnx"), torch.onnx.TrainingMode.PRESERVE))
    for name, path, training in jobs:
        export(name, path, training)
        ops = ""
        try:
            import onnx  # Debian's python3-onnx, when installed
            ops = " ".join(n.op_type for n in onnx.load(path).graph.node)
        except ImportError:
            pass
        print(f"{os.path.relpath(path, REPO)}\t{os.path.getsize(path)} bytes\t{ops}")
    return 0


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    sys.exit(main())
