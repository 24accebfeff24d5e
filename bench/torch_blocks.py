#!/usr/bin/env python3
"""Writes graph/testdata/torch_blocks.json: what PyTorch's blocks compute,
values and gradients, for package graph's tests to match.

Run with Debian's torch, from outside the repository's root (its onnx/
folder shadows the onnx module):
    cd /tmp && /usr/bin/python3 /path/to/zoo/bench/torch_blocks.py

Each case is one block in float64 on inputs drawn from a fixed seed: its
settings, its inputs and parameters (PyTorch's layouts, row-major), the
tensor R of cost = sum(y * R) (those with 4 decimals, held exactly), and
PyTorch's y and gradients of the cost with respect to every input and
parameter, to 12 significant digits.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(20261208)


def flat(t):
    """t's values, row-major, to 12 significant digits (the tests allow
    for it): the file stays small."""
    return [float("%.12g" % v) for v in t.detach().reshape(-1).tolist()]


def tensor(shape):
    """Normal values with 4 decimals, which the file holds exactly."""
    t = torch.round(torch.randn(shape, dtype=torch.float64) * 1e4) / 1e4
    return t.requires_grad_(True)


def case(name, kind, settings, inputs, params, forward):
    y = forward(*inputs, *params)
    r = torch.round(torch.randn(y.shape, dtype=torch.float64) * 1e4) / 1e4
    (y * r).sum().backward()
    return {
        "name": name, "kind": kind, "settings": settings,
        "inputs": [{"shape": list(x.shape), "values": flat(x), "grad": flat(x.grad)} for x in inputs],
        "params": [{"shape": list(p.shape), "values": flat(p), "grad": flat(p.grad)} for p in params],
        "r": flat(r), "y": {"shape": list(y.shape), "values": flat(y)},
    }


cases = []
# Conv2d: (n, c, h, w, out, kernel, stride, pad, bias). The 16-channel
# ones take the float32 kernels of AVX-512 CPUs in the zoo (size-keeping,
# 16 outputs); the strided and 1x1 ones the general path.
for n, c, h, w, o, k, s, p, bias in [
    (2, 3, 7, 7, 4, 3, 1, 1, False),
    (2, 3, 8, 8, 4, 3, 2, 1, False),
    (2, 3, 7, 9, 5, 3, 2, 1, False),
    (2, 4, 7, 7, 6, 1, 2, 0, False),
    (2, 4, 8, 8, 6, 1, 1, 0, False),
    (2, 3, 9, 9, 4, 3, 2, 1, True),
    (2, 2, 10, 10, 3, 5, 3, 2, True),
    (2, 1, 12, 12, 6, 5, 1, 2, True),
    (1, 16, 8, 8, 16, 3, 1, 1, False),
    (2, 1, 8, 8, 16, 3, 1, 1, False),
    (1, 16, 8, 8, 32, 3, 2, 1, False),
    (1, 16, 8, 8, 32, 1, 2, 0, False),
]:
    x = tensor((n, c, h, w))
    params = [tensor((o, c, k, k))] + ([tensor((o,))] if bias else [])
    cases.append(case(f"conv2d {c}x{h}x{w} to {o}, kernel {k}, stride {s}, pad {p}, bias {bias}", "conv2d",
                      {"out": o, "kernel": k, "stride": s, "pad": p, "bias": bias}, [x], params,
                      lambda x, wt, b=None, s=s, p=p: F.conv2d(x, wt, b, stride=s, padding=p)))

for n_in in [2, 3]:
    xs = [tensor((2, 3, 4, 4)) for _ in range(n_in)]
    cases.append(case(f"add of {n_in}", "add", {}, xs, [], lambda *xs: sum(xs[1:], xs[0])))

for shape, k in [((2, 3, 7, 7), 2), ((1, 2, 6, 8), 3), ((1, 2, 28, 28), 2)]:
    cases.append(case(f"avgpool2d {k} on {shape}", "avgpool2d", {"kernel": k}, [tensor(shape)], [],
                      lambda x, k=k: F.avg_pool2d(x, k)))

for shape in [(2, 4, 5, 3), (2, 16, 8, 8)]:
    cases.append(case(f"adaptive_avg_pool2d(x, 1) on {shape}", "globalavgpool2d", {}, [tensor(shape)], [],
                      lambda x: F.adaptive_avg_pool2d(x, 1)))

cases.append(case("tanh on (2, 3, 4, 4)", "tanh", {}, [tensor((2, 3, 4, 4))], [], torch.tanh))

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "graph", "testdata", "torch_blocks.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
