#!/usr/bin/env python3
"""PyTorch with MNIST preloaded as one tensor: the course's models and SGD,
without torchvision's per-sample loader.

    /usr/bin/python3 bench/torch_preloaded.py [--models all] [--epochs 1]
        [--lr 0.1] [--batch 100] [--seed 0] [--data DIR] [--threads N] [--json]

The training set is read once (bench/mnist_local.py: /255, as ToTensor) into
one (60000, 1, 28, 28) float32 tensor; each epoch draws a random permutation
and trains on its consecutive slices of --batch indices (index batches from
the preloaded tensors, a last partial batch kept as DataLoader keeps it), with
the course's classes (bench/course_models.py), CrossEntropyLoss and plain SGD.
The training time is the loop alone, as course_models.benchmark() times it;
the test set is then classified in batches of 1000 in eval mode.

Prints a Markdown table, or with --json one JSON object per model:
{"model", "epochs", "train_seconds", "test_accuracy", "correct", "total",
"epoch_loss", "torch", "threads"}.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import course_models  # noqa: E402
import mnist_local  # noqa: E402


def train(cls, x, y, epochs, lr, batch, seed):
    """Train a fresh cls() on (x, y); return (net, seconds, epoch losses)."""
    torch.manual_seed(seed)
    net = cls()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    net.train()
    n = x.shape[0]
    losses = []
    start = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        total, steps = 0.0, 0
        for lo in range(0, n, batch):
            idx = perm[lo:lo + batch]
            optimizer.zero_grad()
            loss = criterion(net(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total += loss.item()
            steps += 1
        losses.append(total / steps)
    return net, time.perf_counter() - start, losses


def evaluate(net, x, y, batch=1000):
    """(correct, total) of net's argmax on (x, y), in eval mode."""
    net.eval()
    correct = 0
    with torch.no_grad():
        for lo in range(0, x.shape[0], batch):
            pred = net(x[lo:lo + batch]).argmax(1)
            correct += (pred == y[lo:lo + batch]).sum().item()
    return correct, x.shape[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="all", help="comma-separated zoo or class names, or 'all'")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=None, help="MNIST gz dir (default <repo>/../shared/data/mnist)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's, one per core)")
    ap.add_argument("--json", action="store_true", help="one JSON object per model instead of a table")
    args = ap.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    names = list(course_models.NAMES) if args.models == "all" else [n.strip() for n in args.models.split(",")]
    classes = [course_models.model_class(n) for n in names]
    xtr, ytr = mnist_local.load("train", args.data)
    xte, yte = mnist_local.load("test", args.data)

    rows = []
    for name, cls in zip(names, classes):
        net, secs, losses = train(cls, xtr, ytr, args.epochs, args.lr, args.batch, args.seed)
        correct, total = evaluate(net, xte, yte)
        row = {"model": name, "epochs": args.epochs, "train_seconds": secs,
               "test_accuracy": correct / total, "correct": correct, "total": total,
               "epoch_loss": losses, "torch": torch.__version__, "threads": torch.get_num_threads()}
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
    if not args.json:
        print(f"preloaded tensors: epochs {args.epochs}, lr {args.lr}, batch {args.batch}, "
              f"seed {args.seed}, torch {torch.__version__}, {torch.get_num_threads()} threads")
        print()
        print("| model | accuracy | train seconds |")
        print("|---|---:|---:|")
        for r in rows:
            print(f"| {r['model']} | {r['test_accuracy']:.4f} | {r['train_seconds']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
