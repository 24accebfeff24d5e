#!/usr/bin/env python3
"""Export the zoo's PyTorch classes to ONNX with the zoo's weights.

    cd /tmp && /usr/bin/python3 /path/to/zoo/bench/torch_onnx_export.py [--out onnx/testdata/torch] [--models all]

Each class of course_models.py and zoo_models.py gets the zoo's pretrained
safetensors file (pretrained/weights/NAME.safetensors,
load_state_dict(strict=True)) where there is one, else the values of
zoo_models.formula_values (lenet5, resnet20 until they are pretrained), is
put in eval() mode and goes through torch.onnx.export as a user would call
it: opset 13, input "input" (N x 1 x 28 x 28), output "logits", the batch
dimension dynamic ("N"), the exporter's defaults otherwise. Those defaults
fold BatchNorm into the preceding Conv in eval mode, so cnn3 and resnet20
are also written with training=TrainingMode.PRESERVE as cnn3-bn.onnx and
resnet20-bn.onnx, which keep their BatchNormalization nodes. For the models
beyond the course, zoo_models_logits.json holds PyTorch's logits of
zoo_models.image_values' three images for each file. The files are the
fixtures of the zoo's ONNX import tests (package onnx); CI has no torch, so
they are committed.

Prints one line per file: its path, size and the torch-exported graph's ops.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import course_models  # noqa: E402
import safetensors_io  # noqa: E402
import zoo_models  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def weighted(name):
    """The class of a zoo name with the zoo's pretrained weights, or the
    fixture's formula values where there are none."""
    model = course_models.model_class(name)()
    path = os.path.join(REPO, "pretrained", "weights", name + ".safetensors")
    if os.path.exists(path):
        sd, _ = safetensors_io.load_file(path)
        model.load_state_dict(sd, strict=True)
    else:
        with torch.no_grad():
            for i, (k, v) in enumerate(model.state_dict().items()):
                if v.dtype != torch.int64:
                    v.copy_(torch.tensor(zoo_models.formula_values(i, k, list(v.shape)), dtype=torch.float64).reshape(v.shape))
    return model.eval()


def export(model, path, training):
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
    names = list(course_models.NAMES) + list(zoo_models.NAMES) if args.models == "all" else args.models.split(",")
    os.makedirs(args.out, exist_ok=True)
    jobs = [(n, os.path.join(args.out, n + ".onnx"), torch.onnx.TrainingMode.EVAL) for n in names]
    for n in ("cnn3", "resnet20"):
        if n in names:
            jobs.append((n, os.path.join(args.out, n + "-bn.onnx"), torch.onnx.TrainingMode.PRESERVE))
    logits_path = os.path.join(args.out, "zoo_models_logits.json")
    logits = {}
    if os.path.exists(logits_path):
        with open(logits_path) as f:
            logits = json.load(f)["files"]
    images = torch.tensor([zoo_models.image_values(k, 28 * 28) for k in range(3)], dtype=torch.float32).reshape(3, 1, 28, 28)
    for name, path, training in jobs:
        model = weighted(name)
        export(model, path, training)
        if name in zoo_models.NAMES:
            with torch.no_grad():
                logits[os.path.basename(path)] = model(images).tolist()
        ops = ""
        try:
            import onnx  # Debian's python3-onnx, when installed
            ops = " ".join(n.op_type for n in onnx.load(path).graph.node)
        except ImportError:
            pass
        print(f"{os.path.relpath(path, REPO)}\t{os.path.getsize(path)} bytes\t{ops}")
    if logits:
        with open(logits_path, "w") as f:
            json.dump({"torch": torch.__version__, "images": "zoo_models.image_values(k, 784), k = 0, 1, 2",
                       "files": dict(sorted(logits.items()))}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    sys.exit(main())
