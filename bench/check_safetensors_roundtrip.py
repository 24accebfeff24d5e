#!/usr/bin/env python3
"""Check that the Go and Python safetensors writers/readers agree.

    /usr/bin/python3 bench/check_safetensors_roundtrip.py

1. Reads internal/safetensors/testdata/go_golden.safetensors (written by the
   Go Write, see TestGolden/goldenTensors) in PyTorch, checks every name,
   dtype, shape and value, and checks that the Python writer re-encodes it
   to the very same bytes.
2. Reads the PyTorch fixtures (torch_linear, torch_bn) back and loads them
   with load_state_dict(strict=True) into fresh modules.
Exits non-zero on any mismatch.
"""

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import safetensors_io  # noqa: E402

TESTDATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "internal", "safetensors", "testdata")

# Must match goldenTensors() in internal/safetensors/fixtures_test.go.
GOLDEN = [
    ("layer1.0.weight", torch.tensor([[0, 0.5, -1], [1e-3, 3.25, -7]], dtype=torch.float32)),
    ("layer1.1.num_batches_tracked", torch.tensor(-5, dtype=torch.int64)),
    ("c", torch.tensor([math.pi, -math.e, 1e100], dtype=torch.float64)),
    ("a.ids", torch.tensor([[0, 1], [2**63 - 1, -2**63]], dtype=torch.int64)),
    ("empty", torch.zeros(0, dtype=torch.float32)),
]
GOLDEN_META = {"format": "pt", "writer": "github.com/gorgonia-zoo/zoo/internal/safetensors"}


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def main():
    path = os.path.join(TESTDATA, "go_golden.safetensors")
    with open(path, "rb") as f:
        data = f.read()
    tensors, meta = safetensors_io.decode(data)
    check(meta == GOLDEN_META, f"metadata {meta}")
    check(list(tensors) == [n for n, _ in GOLDEN], f"names {list(tensors)}")
    for name, want in GOLDEN:
        got = tensors[name]
        check(got.dtype == want.dtype and got.shape == want.shape,
              f"{name}: {got.dtype}{list(got.shape)} want {want.dtype}{list(want.shape)}")
        check(torch.equal(got, want), f"{name}: {got} want {want}")
    again = safetensors_io.encode(tensors, meta)
    check(again == data, "Python re-encoding of the Go golden file differs")
    print(f"ok  Go -> PyTorch: {path} ({len(tensors)} tensors) read exactly; "
          f"Python re-encodes it byte-identically ({len(data)} bytes)")

    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    sd, _ = safetensors_io.load_file(os.path.join(TESTDATA, "torch_linear.safetensors"))
    check(all(torch.equal(sd[k], v) for k, v in lin.state_dict().items()), "torch_linear values")
    nn.Linear(3, 2).load_state_dict(sd, strict=True)
    sd, meta = safetensors_io.load_file(os.path.join(TESTDATA, "torch_bn.safetensors"))
    nn.BatchNorm2d(2).load_state_dict(sd, strict=True)
    check(sd["num_batches_tracked"].dtype == torch.int64 and sd["num_batches_tracked"].item() == 1,
          "torch_bn num_batches_tracked")
    print("ok  PyTorch fixtures torch_linear/torch_bn load with strict=True")
    return 0


if __name__ == "__main__":
    sys.exit(main())
