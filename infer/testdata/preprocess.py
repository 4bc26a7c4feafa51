"""Writes pictures and torchvision's preprocessing of them, for infer's tests.

usage: /usr/bin/python3 preprocess.py OUTDIR

OUTDIR/manifest.json lists
  "transforms": [{"image": FILE, "dataset": NAME, "tensor": FILE, "shape": [C,H,W]}]
      tensor: float32 little-endian, torchvision's eval transform of the picture
      as PIL opens it and convert("RGB") / convert("L") makes it
  "resizes": [{"image": FILE, "mode": "RGB"|"L", "size": [W,H], "pixels": FILE}]
      pixels: uint8, Pillow's Image.resize(size, BILINEAR) of the converted picture
"""
import json
import os
import sys

import numpy as np
from PIL import Image
from torchvision import transforms as T

out = sys.argv[1]
rng = np.random.default_rng(7)


def smooth(h, w, c):
    """Random picture with structure at several scales (not pure noise)."""
    a = np.zeros((h, w, c))
    for cells in (3, 9, 27):
        g = rng.random((cells + 1, cells + 1, c))
        ys = np.linspace(0, cells, h)
        xs = np.linspace(0, cells, w)
        yi, xi = ys.astype(int).clip(0, cells - 1), xs.astype(int).clip(0, cells - 1)
        fy, fx = (ys - yi)[:, None, None], (xs - xi)[None, :, None]
        a += (g[yi][:, xi] * (1 - fy) * (1 - fx) + g[yi + 1][:, xi] * fy * (1 - fx)
              + g[yi][:, xi + 1] * (1 - fy) * fx + g[yi + 1][:, xi + 1] * fy * fx) / 3
    a += rng.normal(0, 0.05, a.shape)
    return (a.clip(0, 1) * 255).astype(np.uint8)


pictures = {
    "rgb_odd.png": Image.fromarray(smooth(257, 333, 3)),
    "rgb_small.png": Image.fromarray(smooth(97, 150, 3)),
    "tall.png": Image.fromarray(smooth(513, 97, 3)),
    "rgba.png": Image.fromarray(np.dstack([smooth(211, 301, 3), rng.integers(0, 256, (211, 301), dtype=np.uint8)]), "RGBA"),
    "grey.png": Image.fromarray(smooth(300, 257, 1)[:, :, 0], "L"),
    "palette.png": Image.fromarray(smooth(260, 200, 3)).convert("P", palette=Image.ADAPTIVE, colors=64),
    "digit.png": Image.fromarray(smooth(61, 45, 3)),
    "cifar.png": Image.fromarray(smooth(41, 50, 3)),
    "rgb_odd.bmp": Image.fromarray(smooth(123, 157, 3)),
    "photo.jpg": Image.fromarray(smooth(257, 333, 3)),
}
norm = {
    "imagenet": ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    "mnist": ([0.1307], [0.3081]),
    "cifar10": ([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]),
}
geometry = {
    "imagenet": [T.Resize(256), T.CenterCrop(224)],
    "mnist": [T.Resize((28, 28))],
    "cifar10": [T.Resize((32, 32))],
}
datasets = {"digit.png": "mnist", "cifar.png": "cifar10"}

manifest = {"transforms": [], "resizes": []}
for name, im in pictures.items():
    path = os.path.join(out, name)
    if name.endswith(".jpg"):
        im.save(path, quality=90)
    else:
        im.save(path)
    ds = datasets.get(name, "imagenet")
    mode = "L" if ds == "mnist" else "RGB"
    pic = Image.open(path).convert(mode)
    mean, std = norm[ds]
    x = T.Compose(geometry[ds] + [T.ToTensor(), T.Normalize(mean, std)])(pic).numpy()
    tensor = name + "." + ds + ".f32"
    x.astype("<f4").tofile(os.path.join(out, tensor))
    manifest["transforms"].append({"image": name, "dataset": ds, "tensor": tensor, "shape": list(x.shape)})
    if name.endswith(".png"):
        w, h = pic.size
        for size in [(40, 31), (w // 2 + 1, h // 3 + 2), (w + 1, h), (w, 2 * h + 3), (3 * w, h // 5 + 1), (1, 1)]:
            pixels = "%s.%s.%dx%d.u8" % (name, mode, size[0], size[1])
            np.asarray(pic.resize(size, Image.BILINEAR), dtype=np.uint8).tofile(os.path.join(out, pixels))
            manifest["resizes"].append({"image": name, "mode": mode, "size": list(size), "pixels": pixels})
json.dump(manifest, open(os.path.join(out, "manifest.json"), "w"), indent=1)
