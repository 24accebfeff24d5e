#!/usr/bin/env python3
"""The course's seven PyTorch MNIST models, accuracy() and benchmark().

Typos in the course code are fixed; attribute names are kept exactly, since
they are the state_dict keys that the Go zoo loads from safetensors files.

    /usr/bin/python3 bench/course_models.py --params
"""

import argparse
import sys
import time

import torch
import torch.nn as nn


class Model1(nn.Module):
    """784-100-10 MLP with ReLU."""

    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(784, 100)
        self.relu = nn.ReLU()
        self.lin2 = nn.Linear(100, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        return self.lin2(self.relu(self.lin1(x)))


class Model2(nn.Module):
    """784-100-10 MLP with tanh."""

    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(784, 100)
        self.tanh = nn.Tanh()
        self.lin2 = nn.Linear(100, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        return self.lin2(self.tanh(self.lin1(x)))


class Model3(nn.Module):
    """784-100-10 MLP with sigmoid."""

    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(784, 100)
        self.sigmoid = nn.Sigmoid()
        self.lin2 = nn.Linear(100, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        return self.lin2(self.sigmoid(self.lin1(x)))


class Model4(nn.Module):
    """784-100-50-10 MLP with ReLU, built from Sequentials."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Linear(784, 100), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Linear(100, 50), nn.ReLU(), nn.Linear(50, 10))

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        return self.layer2(self.layer1(x))


class CNNModel1(nn.Module):
    """One 5x5 convolution (32 maps), 2x2 max-pool, linear classifier."""

    def __init__(self):
        super().__init__()
        self.cnn1 = nn.Conv2d(in_channels=1, out_channels=32, kernel_size=5, stride=1, padding=2)
        self.relu1 = nn.ReLU()
        self.maxpool1 = nn.MaxPool2d(kernel_size=2)
        self.fc1 = nn.Linear(32 * 14 * 14, 10)

    def forward(self, x):
        out = self.maxpool1(self.relu1(self.cnn1(x)))
        out = out.view(out.size(0), -1)
        return self.fc1(out)


class CNNModel2(nn.Module):
    """Two conv/ReLU/max-pool blocks (16, 32 maps), linear classifier."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.layer2 = nn.Sequential(
            nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.lin1 = nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        out = self.layer2(self.layer1(x))
        out = out.view(out.size(0), -1)
        return self.lin1(out)


class CNNModel3(nn.Module):
    """CNNModel2 with BatchNorm after each convolution."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.layer2 = nn.Sequential(
            nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.lin1 = nn.Linear(32 * 7 * 7, 10)

    # The course nested this inside __init__ by mistake; it belongs here.
    def forward(self, x):
        out = self.layer2(self.layer1(x))
        out = out.view(out.size(0), -1)
        return self.lin1(out)


# Zoo names -> course classes, in the course's order.
NAMES = {
    "model1": Model1,
    "model2": Model2,
    "model3": Model3,
    "model4": Model4,
    "cnn1": CNNModel1,
    "cnn2": CNNModel2,
    "cnn3": CNNModel3,
}


def model_class(name):
    """Resolve a zoo name (cnn3, lenet5) or a class name (CNNModel3,
    LeNet5): the course's classes, then the zoo's beyond the course
    (zoo_models.py)."""
    import zoo_models  # beside this file

    names = {**NAMES, **zoo_models.NAMES}
    if name in names:
        return names[name]
    for cls in names.values():
        if cls.__name__ == name:
            return cls
    raise SystemExit(f"unknown model {name!r}; want one of {', '.join(names)} "
                     f"or {', '.join(c.__name__ for c in names.values())}")


def count_params(model):
    """Trainable parameters, as the course counts them (buffers excluded)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_correct(test_loader, model):
    """Return (correct, total) of model's argmax predictions."""
    was_training = model.training
    # eval() matters for BatchNorm (CNNModel3): use running statistics.
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in test_loader:
            outputs = model(images)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    model.train(was_training)
    return correct, total


def accuracy(test_loader, model):
    """Fraction of test_loader classified correctly by model."""
    correct, total = count_correct(test_loader, model)
    return correct / total


def benchmark(train_loader, model, epochs, lr, test_loader=None):
    """Train a freshly initialised model with SGD and cross-entropy.

    model is a class (or any zero-argument factory), so that every call starts
    from a fresh initialisation. Prints the test accuracy (when test_loader
    is given) and the training time; returns (model, accuracy, seconds).
    """
    net = model()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    net.train()
    start = time.time()
    for _ in range(epochs):
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = criterion(net(images), labels)
            loss.backward()
            optimizer.step()
    seconds = time.time() - start
    acc = accuracy(test_loader, net) if test_loader is not None else float("nan")
    name = getattr(model, "__name__", str(model))
    print(f"{name}: accuracy {acc:.4f}, training time {seconds:.1f} s", flush=True)
    return net, acc, seconds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--params", action="store_true", help="print parameter counts")
    args = ap.parse_args(argv)
    if not args.params:
        ap.print_help()
        return 0
    for name, cls in NAMES.items():
        print(f"{name:7s} {cls.__name__:10s} {count_params(cls()):6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
