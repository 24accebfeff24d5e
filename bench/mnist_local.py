#!/usr/bin/env python3
"""Read MNIST from the project's local gzip IDX files (no downloads).

The machines have no internet, so torchvision's downloader cannot be used;
the four canonical .gz files live in <repo>/../shared/data/mnist.
"""

import gzip
import os
import struct

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def default_data_dir():
    """<repo>/../shared/data/mnist, with <repo> the parent of bench/."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(os.path.dirname(repo), "shared", "data", "mnist")


def read_idx(path):
    """Decode a gzip IDX file of unsigned bytes into a numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: {arr.size} bytes of data, dims {dims}")
    return arr.reshape(dims)


def load(split, data_dir=None):
    """Return (images float32 (N,1,28,28) in [0,1], labels int64 (N,)).

    Scaled by /255 with no normalisation, exactly like the course's
    transforms.ToTensor().
    """
    data_dir = data_dir or default_data_dir()
    img_file, lbl_file = FILES[split]
    images = read_idx(os.path.join(data_dir, img_file))
    labels = read_idx(os.path.join(data_dir, lbl_file))
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def loader(split, data_dir=None, batch_size=100):
    """A DataLoader over a split, unshuffled (for evaluation)."""
    x, y = load(split, data_dir)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False)
