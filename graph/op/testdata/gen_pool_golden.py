#!/usr/bin/python3
"""Golden values for graph/op's pooling and LRN tests.

Run from graph/op/testdata with Debian's python3-torch:
    /usr/bin/python3 gen_pool_golden.py
It writes pool_golden.json (max/avg pooling, adaptive average pooling,
output shapes) and lrn_golden.json. Inputs and upstream gradients are
generated here and stored in the JSON; every case also stores PyTorch's
input gradient for that upstream gradient.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run(fn, x):
    x = x.clone().requires_grad_()
    y = fn(x)
    dy = torch.randn(*y.shape)
    y.backward(dy)
    return {"out_shape": list(y.shape), "out": flat(y), "dy": flat(dy), "dx": flat(x.grad)}


def pool_case(shape, k, s, p, ceil, ties=False):
    x = torch.randint(0, 3, shape).double() if ties else torch.randn(*shape)
    case = {"shape": list(shape), "k": list(k), "s": list(s), "p": list(p), "ceil": ceil,
            "x": flat(x)}
    case["max"] = run(lambda t: F.max_pool2d(t, k, s, p, ceil_mode=ceil), x)
    case["avg"] = run(lambda t: F.avg_pool2d(t, k, s, p, ceil_mode=ceil, count_include_pad=True), x)
    case["avg_exclude"] = run(
        lambda t: F.avg_pool2d(t, k, s, p, ceil_mode=ceil, count_include_pad=False), x)
    return case


pool = [
    pool_case((2, 3, 6, 6), (2, 2), (2, 2), (0, 0), False),
    pool_case((2, 2, 7, 7), (3, 3), (2, 2), (1, 1), False),
    pool_case((1, 2, 6, 6), (3, 3), (2, 2), (0, 0), True),
    pool_case((1, 2, 6, 6), (3, 3), (2, 2), (0, 0), False),
    pool_case((1, 1, 5, 5), (3, 3), (2, 2), (1, 1), True),
    pool_case((2, 2, 5, 7), (2, 3), (1, 2), (1, 1), True),
    pool_case((1, 2, 7, 6), (3, 2), (2, 3), (1, 0), True),
    pool_case((2, 2, 5, 5), (2, 2), (2, 2), (0, 0), True),
    pool_case((1, 2, 6, 6), (3, 3), (2, 2), (1, 1), True, ties=True),
    pool_case((1, 2, 4, 4), (2, 2), (1, 1), (0, 0), False, ties=True),
    pool_case((2, 2, 4, 6), (2, 2), (2, 2), (0, 0), False, ties=True),
]


def adaptive_case(shape, out):
    x = torch.randn(*shape)
    case = {"shape": list(shape), "oh": out[0], "ow": out[1], "x": flat(x)}
    case.update(run(lambda t: F.adaptive_avg_pool2d(t, out), x))
    return case


adaptive = [adaptive_case(s, o) for s, o in [
    ((2, 3, 5, 5), (2, 3)), ((1, 2, 4, 4), (1, 1)), ((1, 2, 3, 3), (5, 5)),
    ((1, 1, 7, 5), (3, 2)), ((2, 2, 6, 6), (3, 3))]]

# Output shapes: (H, W, kernel, stride, pad, ceil) -> PyTorch's (OH, OW).
shape_cases = [
    (112, 112, 3, 2, 0, True), (56, 56, 3, 2, 0, True), (28, 28, 3, 2, 0, True),
    (14, 14, 3, 2, 0, True), (112, 112, 3, 2, 1, False), (55, 55, 3, 2, 0, False),
    (28, 28, 2, 2, 0, False), (6, 6, 3, 2, 0, True), (6, 6, 3, 2, 0, False),
    (5, 5, 2, 2, 0, True), (5, 5, 2, 2, 0, False), (7, 7, 3, 3, 1, True),
    (8, 9, 3, 2, 1, True), (4, 4, 4, 1, 2, True), (4, 4, 4, 3, 2, True),
    (1, 1, 1, 1, 0, False), (13, 13, 3, 2, 0, False), (224, 224, 2, 2, 0, True),
]
shapes = []
for h, w, k, s, p, ceil in shape_cases:
    y = F.max_pool2d(torch.zeros(1, 1, h, w), k, s, p, ceil_mode=ceil)
    shapes.append({"h": h, "w": w, "k": k, "s": s, "p": p, "ceil": ceil,
                   "oh": y.shape[2], "ow": y.shape[3]})

with open("pool_golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "pool": pool, "adaptive": adaptive,
               "shapes": shapes}, f, indent=0)


def lrn_case(shape, size, alpha, beta, k):
    x = torch.randn(*shape) * 2
    case = {"shape": list(shape), "size": size, "alpha": alpha, "beta": beta, "k": k,
            "x": flat(x)}
    case.update(run(lambda t: F.local_response_norm(t, size, alpha, beta, k), x))
    return case


lrn = [lrn_case(*c) for c in [
    ((2, 7, 3, 3), 5, 1e-4, 0.75, 2.0),
    ((2, 7, 3, 3), 5, 3.0, 0.75, 1.0),
    ((1, 6, 2, 3), 3, 2.0, 0.5, 1.5),
    ((1, 2, 3, 3), 5, 1.0, 0.75, 1.0),
    ((1, 6, 2, 2), 4, 1.5, 1.2, 0.8),
]]
with open("lrn_golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": lrn}, f, indent=0)
