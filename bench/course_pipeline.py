#!/usr/bin/env python3
"""The course's own training pipeline, run offline.

    /usr/bin/python3 bench/course_pipeline.py [--models all] [--epochs 5]
        [--lr 0.1] [--batch 100] [--seed 0] [--data DIR]

torchvision.datasets.MNIST + transforms.ToTensor() + DataLoader, then
benchmark() per model; prints a Markdown table of accuracy and training time.
"""

import argparse
import gzip
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torchvision.datasets as dsets  # noqa: E402
import torchvision.transforms as transforms  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

import course_models  # noqa: E402
import mnist_local  # noqa: E402


def torchvision_root(data_dir, root):
    """Lay out <root>/MNIST/raw/ as torchvision expects, from local .gz files.

    The .gz files are symlinked, and also extracted because torchvision 0.14
    (Debian bookworm) checks for and reads the uncompressed IDX files only;
    with download=False nothing would extract them.
    """
    raw = os.path.join(root, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for pair in mnist_local.FILES.values():
        for gz in pair:
            src = os.path.join(os.path.abspath(data_dir), gz)
            if not os.path.exists(src):
                raise SystemExit(f"missing {src}")
            link = os.path.join(raw, gz)
            if not os.path.lexists(link):
                os.symlink(src, link)
            out = os.path.join(raw, gz[:-3])
            if not os.path.exists(out):
                with gzip.open(src, "rb") as fin, open(out, "wb") as fout:
                    shutil.copyfileobj(fin, fout)
    return root


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run the course's MNIST training pipeline.")
    ap.add_argument("--models", default="all",
                    help="comma-separated zoo or class names, or 'all' (default)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=None, help="MNIST gz dir (default <repo>/../shared/data/mnist)")
    args = ap.parse_args(argv)

    names = list(course_models.NAMES) if args.models == "all" else args.models.split(",")
    classes = [course_models.model_class(n.strip()) for n in names]
    data_dir = args.data or mnist_local.default_data_dir()

    with tempfile.TemporaryDirectory(prefix="mnist-tv-") as tmp:
        root = torchvision_root(data_dir, tmp)
        train_dataset = dsets.MNIST(root=root, train=True, transform=transforms.ToTensor(), download=False)
        test_dataset = dsets.MNIST(root=root, train=False, transform=transforms.ToTensor(), download=False)
        train_loader = DataLoader(train_dataset, batch_size=args.batch, shuffle=True)
        test_loader = DataLoader(test_dataset, batch_size=args.batch, shuffle=False)

        rows = []
        for name, cls in zip(names, classes):
            # Same seed per model: same shuffling and a reproducible init.
            torch.manual_seed(args.seed)
            _, acc, secs = course_models.benchmark(train_loader, cls, args.epochs, args.lr, test_loader)
            rows.append((name.strip(), acc, secs))

    print()
    print(f"epochs {args.epochs}, lr {args.lr}, batch {args.batch}, seed {args.seed}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print()
    print("| model | accuracy | train seconds |")
    print("|---|---:|---:|")
    for name, acc, secs in rows:
        print(f"| {name} | {acc:.4f} | {secs:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
