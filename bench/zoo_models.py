#!/usr/bin/env python3
"""The PyTorch classes of the zoo's models beyond the course (zoo/lenet5.go,
zoo/resnet20.go), whose state_dict names and shapes the zoo's are, and the
fixture that checks them.

    cd /tmp && /usr/bin/python3 /path/to/zoo/bench/zoo_models.py

writes zoo/testdata/torch_zoo_models.json: for each model on 1x28x28 (MNIST)
and 3x32x32 (CIFAR-10) input, its parameter count and state_dict (names and
shapes, in order); for each on MNIST input, the logits in eval mode of three
synthetic images with every tensor set by a formula the Go test repeats
(formula_values), so that layouts and forward passes are compared without
a weights file. Weights saved by the zoo load with strict=True through
bench/torch_eval.py and bench/check_pretrained_in_torch.py, which resolve
these classes by zoo name (course_models.model_class).
"""
import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al. 1998) as modern re-implementations write it."""

    def __init__(self, channels=1, size=28, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        side = (size // 2 - 4) // 2  # 5 on 28x28, 6 on 32x32
        self.fc1 = nn.Linear(16 * side * side, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.avg_pool2d(torch.tanh(self.conv1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = torch.tanh(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    """torchvision's BasicBlock, with its projection shortcut (option B)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet20(nn.Module):
    """The CIFAR ResNet of He et al. 2015, section 4.2, with n = 3."""

    def __init__(self, channels=1, size=28, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(*[BasicBlock(16, 16, 1) for _ in range(3)])
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32, 1), BasicBlock(32, 32, 1))
        self.layer3 = nn.Sequential(BasicBlock(32, 64, 2), BasicBlock(64, 64, 1), BasicBlock(64, 64, 1))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


# Zoo names -> classes, in the zoo's order.
NAMES = {"lenet5": LeNet5, "resnet20": ResNet20}


def formula_values(index, name, shape):
    """The values the fixture gives tensor number index (state_dict order)
    of the given name and PyTorch shape, row-major: a sine pattern scaled to
    the fan-in, BatchNorm's scale near 1 and running variance positive.
    zoo/zoo_models_test.go computes the same."""
    n = math.prod(shape)
    s = [math.sin(0.37 * i + 1.3 * index) for i in range(n)]
    if name.endswith("running_var"):
        return [1 + 0.5 * (1 + v) for v in s]
    if name.endswith("running_mean") or name.endswith("bias"):
        return [0.1 * v for v in s]
    if len(shape) == 1:  # BatchNorm's weight
        return [1 + 0.2 * v for v in s]
    fan_in = n // shape[0]
    return [v * math.sqrt(3 / fan_in) for v in s]


def image_values(k, size):
    """Pixel values in [0, 1] of synthetic image k."""
    return [0.5 + 0.5 * math.sin(0.05 * j * (k + 1) + k) for j in range(size)]


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = {"torch": torch.__version__, "models": []}
    for name, cls in NAMES.items():
        for channels, size in [(1, 28), (3, 32)]:
            model = cls(channels, size)
            entry = {
                "model": name, "input": [channels, size, size],
                "params": sum(p.numel() for p in model.parameters()),
                "state_dict": [[k, list(v.shape)] for k, v in model.state_dict().items()],
            }
            if channels == 1:
                sd = model.state_dict()
                with torch.no_grad():
                    for i, (k, v) in enumerate(sd.items()):
                        if v.dtype == torch.int64:
                            continue
                        v.copy_(torch.tensor(formula_values(i, k, list(v.shape)), dtype=torch.float64).reshape(v.shape))
                model.eval()
                images = torch.tensor([image_values(k, channels * size * size) for k in range(3)],
                                      dtype=torch.float32).reshape(3, channels, size, size)
                with torch.no_grad():
                    entry["logits"] = model(images).tolist()
            out["models"].append(entry)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "zoo", "testdata", "torch_zoo_models.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
