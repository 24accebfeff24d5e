#!/usr/bin/env python3
"""Regenerate the PyTorch-written fixtures of internal/safetensors/testdata.

    /usr/bin/python3 bench/make_safetensors_testdata.py

torch_linear.safetensors: nn.Linear(3, 2) after torch.manual_seed(0).
torch_bn.safetensors: nn.BatchNorm2d(2) after one training step, so its
int64 scalar num_batches_tracked is 1 and the running stats are non-trivial.
Prints the values, which internal/safetensors's tests hard-code.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import safetensors_io  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "internal", "safetensors", "testdata")


def main():
    torch.manual_seed(0)
    lin = nn.Linear(3, 2)
    safetensors_io.save_file(lin.state_dict(), os.path.join(OUT, "torch_linear.safetensors"))

    torch.manual_seed(0)
    bn = nn.BatchNorm2d(2)
    bn.train()
    bn(torch.randn(4, 2, 3, 3))
    safetensors_io.save_file(bn.state_dict(), os.path.join(OUT, "torch_bn.safetensors"),
                             {"format": "pt"})

    for name, mod in (("torch_linear", lin), ("torch_bn", bn)):
        print(name)
        for k, v in mod.state_dict().items():
            print(f"  {k} {v.dtype} {list(v.shape)} {v.flatten().tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
