#!/usr/bin/python3
"""Golden values for graph/op's Conv2d and Linear tests.

Run from graph/op/testdata with Debian's python3-torch:
    /usr/bin/python3 gen_conv_golden.py
It writes conv_golden.json. Inputs are generated here and stored in the
JSON, so the Go tests need no random generator of ours.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def conv_case(name, xs, ws, stride, pad, dil, bias):
    x = torch.randn(*xs)
    w = torch.randn(*ws)
    b = torch.randn(ws[0]) if bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=pad, dilation=dil)
    return {"name": name, "x_shape": list(xs), "w_shape": list(ws),
            "stride": list(stride), "pad": list(pad), "dilation": list(dil),
            "x": flat(x), "w": flat(w), "b": flat(b) if bias else None,
            "y_shape": list(y.shape), "y": flat(y)}


def linear_case(name, n, fin, fout, bias):
    x = torch.randn(n, fin)
    w = torch.randn(fout, fin)
    b = torch.randn(fout) if bias else None
    y = F.linear(x, w, b)
    return {"name": name, "x_shape": [n, fin], "w_shape": [fout, fin],
            "x": flat(x), "w": flat(w), "b": flat(b) if bias else None,
            "y_shape": list(y.shape), "y": flat(y)}


conv = [
    conv_case("stride2_pad1_bias", (2, 3, 7, 6), (4, 3, 3, 3), (2, 2), (1, 1), (1, 1), True),
    conv_case("nonsquare_dilated_nobias", (1, 2, 9, 8), (3, 2, 3, 2), (1, 2), (2, 1), (2, 1), False),
    conv_case("1x1_bias", (2, 5, 4, 4), (3, 5, 1, 1), (1, 1), (0, 0), (1, 1), True),
    conv_case("lenet_pad2", (2, 1, 12, 12), (6, 1, 5, 5), (1, 1), (2, 2), (1, 1), True),
    conv_case("stride3_pad2", (3, 2, 10, 11), (2, 2, 4, 3), (3, 2), (2, 2), (1, 2), True),
]
linear = [
    linear_case("bias", 4, 5, 3, True),
    linear_case("nobias", 3, 7, 6, False),
]
with open("conv_golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "conv": conv, "linear": linear}, f, indent=1)
