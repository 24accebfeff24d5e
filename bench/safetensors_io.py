#!/usr/bin/env python3
"""Minimal, strict safetensors reader/writer for PyTorch tensors.

Debian ships no python3-safetensors package and the machines have no PyPI,
so this module implements the format by hand (json + numpy). It supports the
same dtypes as the Go package internal/safetensors (F32, F64, I64) and writes
the same bytes: "__metadata__" first with sorted keys, tensors in the given
order, compact JSON, header padded with spaces to a multiple of 8.
"""

import json
import os
import struct
import tempfile
from collections import OrderedDict

import numpy as np
import torch

MAX_HEADER_BYTES = 100 << 20

# safetensors dtype -> (little-endian numpy dtype, torch dtype)
DTYPES = {
    "F32": (np.dtype("<f4"), torch.float32),
    "F64": (np.dtype("<f8"), torch.float64),
    "I64": (np.dtype("<i8"), torch.int64),
}
TORCH_TO_ST = {tdt: name for name, (_, tdt) in DTYPES.items()}


class FormatError(ValueError):
    """A file that is not valid safetensors (or uses an unsupported dtype)."""


def _no_duplicates(pairs):
    # json.loads would silently keep the last of duplicate keys.
    d = OrderedDict()
    for k, v in pairs:
        if k in d:
            raise FormatError(f"duplicate key {k!r}")
        d[k] = v
    return d


def _is_uint(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def encode(tensors, metadata=None):
    """Return the safetensors bytes for an ordered mapping name -> tensor."""
    entries = []
    blobs = []
    offset = 0
    for name, t in tensors.items():
        if name == "__metadata__":
            raise FormatError("tensor name '__metadata__' is reserved")
        if t.dtype not in TORCH_TO_ST:
            raise FormatError(f"tensor {name!r}: unsupported dtype {t.dtype}")
        st = TORCH_TO_ST[t.dtype]
        arr = t.detach().cpu().contiguous().numpy().astype(DTYPES[st][0], copy=False)
        blob = arr.tobytes(order="C")
        entries.append((name, {"dtype": st, "shape": list(t.shape),
                               "data_offsets": [offset, offset + len(blob)]}))
        blobs.append(blob)
        offset += len(blob)
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = OrderedDict(sorted(metadata.items()))
    header.update(entries)
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def save_file(tensors, path, metadata=None):
    """Write tensors (ordered mapping name -> tensor) atomically to path."""
    data = encode(tensors, metadata)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def decode(data):
    """Parse safetensors bytes; return (OrderedDict name -> tensor, metadata).

    Tensors come back in buffer-offset order. Every defect raises FormatError.
    """
    if len(data) < 8:
        raise FormatError("shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER_BYTES or n > len(data) - 8:
        raise FormatError(f"header length {n} exceeds the cap or the file")
    raw = bytes(data[8:8 + n])
    if not raw.startswith(b"{"):
        raise FormatError("header does not start with '{'")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FormatError(f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise FormatError("header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FormatError("__metadata__ must map strings to strings")
    buf = memoryview(data)[8 + n:]
    infos = []
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise FormatError(f"tensor {name!r}: want exactly dtype, shape, data_offsets")
        dt, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if dt not in DTYPES:
            raise FormatError(f"tensor {name!r}: unsupported dtype {dt!r}")
        if not isinstance(shape, list) or not all(_is_uint(x) for x in shape):
            raise FormatError(f"tensor {name!r}: bad shape {shape!r}")
        if not isinstance(offs, list) or len(offs) != 2 or not all(_is_uint(x) for x in offs):
            raise FormatError(f"tensor {name!r}: bad data_offsets {offs!r}")
        count = int(np.prod(shape, dtype=object)) if shape else 1
        if offs[0] > offs[1] or offs[1] - offs[0] != count * DTYPES[dt][0].itemsize:
            raise FormatError(f"tensor {name!r}: data_offsets {offs} do not fit {dt}{shape}")
        infos.append((offs[0], offs[1], name, dt, shape, count))
    infos.sort()
    pos = 0
    for b, e, name, *_ in infos:
        if b != pos:
            raise FormatError(f"tensor {name!r}: {'overlap' if b < pos else 'hole'} at byte {min(b, pos)}")
        pos = e
    if pos != len(buf):
        raise FormatError(f"data covers {pos} bytes but the buffer holds {len(buf)}")
    out = OrderedDict()
    for b, e, name, dt, shape, count in infos:
        npdt, _ = DTYPES[dt]
        arr = np.frombuffer(buf, dtype=npdt, count=count, offset=b).reshape(shape)
        # Copy into native byte order so torch owns writable memory.
        out[name] = torch.from_numpy(arr.astype(npdt.newbyteorder("="), copy=True))
    return out, dict(metadata)


def load_file(path):
    """Read a safetensors file; see decode()."""
    with open(path, "rb") as f:
        return decode(f.read())
