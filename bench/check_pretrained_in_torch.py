#!/usr/bin/env python3
"""Check the pretrained weights in PyTorch: each file of pretrained/weights
loads into its PyTorch class (the course's, or
bench/zoo_models.py's) with load_state_dict(strict=True) and gives, on
the 10,000 MNIST test images, exactly the count its metadata states.

    /usr/bin/python3 bench/check_pretrained_in_torch.py [--data DIR] [FILE...]

Prints one line a file; exits 1 on any difference (CI runs it).
"""

import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import course_models  # noqa: E402
import mnist_local  # noqa: E402
import safetensors_io  # noqa: E402
import zoo_models  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="default: pretrained/weights/*.safetensors")
    ap.add_argument("--data", default=None, help="MNIST gz dir (default <repo>/../shared/data/mnist)")
    args = ap.parse_args(argv)
    files = args.files or sorted(glob.glob(os.path.join(ROOT, "pretrained", "weights", "*.safetensors")))
    if not files:
        print("no weights files found", file=sys.stderr)
        return 1
    torch.set_num_threads(1)
    failed = 0
    for path in files:
        sd, meta = safetensors_io.load_file(path)
        name = meta["model"]
        cls = zoo_models.NAMES.get(name) or course_models.model_class(name)
        model = cls()
        model.load_state_dict(sd, strict=True)
        model.eval()
        test = mnist_local.loader("test", args.data, 1000)
        correct, total = course_models.count_correct(test, model)
        want = int(meta["correct"]), int(meta["total"])
        ok = (correct, total) == want
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: PyTorch {correct}/{total}, the file states {want[0]}/{want[1]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
