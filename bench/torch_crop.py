#!/usr/bin/env python3
"""Writes loader/testdata/crop_torchvision.json: what torchvision's
RandomCrop(size, padding=2) gives for every place its window can take, on a
2x5x6 image of distinct values, for the loader's random crops to match.

RandomCrop pads with zeros (F.pad), draws the window's top-left corner (i, j)
uniformly and cuts it (F.crop); here every (i, j) is cut.

Run with Debian's torch:  /usr/bin/python3 bench/torch_crop.py
"""
import json
import os

import torch
import torchvision.transforms.functional as F

channels, height, width, padding = 2, 5, 6, 2
img = torch.arange(1, channels * height * width + 1, dtype=torch.float32).reshape(channels, height, width)
padded = F.pad(img, padding)
crops = []
for i in range(2 * padding + 1):
    for j in range(2 * padding + 1):
        crops.append({"top": i, "left": j, "crop": F.crop(padded, i, j, height, width).reshape(-1).tolist()})
out = {"channels": channels, "height": height, "width": width, "padding": padding,
       "image": img.reshape(-1).tolist(), "crops": crops}
path = os.path.join(os.path.dirname(__file__), "..", "loader", "testdata", "crop_torchvision.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", os.path.normpath(path), "with torch", torch.__version__)
