#!/usr/bin/python3
"""Golden values for graph/op's BatchNorm and SoftmaxCrossEntropy tests.

Run from graph/op/testdata with Debian's python3-torch:
    /usr/bin/python3 gen_bn_golden.py
It writes bn_golden.json and xent_golden.json. Inputs are generated here
and stored in the JSON, so the Go tests need no random generator of ours.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(7)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def bn_case(shape, momentum, eps):
    c = shape[1]
    x1 = torch.randn(*shape) * 2 + 0.5
    x2 = torch.randn(*shape) * 0.7 - 1.0
    xe = torch.randn(*shape)
    gamma = torch.rand(c) + 0.5
    beta = torch.randn(c)
    rm = torch.randn(c) * 0.1
    rv = torch.rand(c) + 0.5
    case = {
        "shape": list(shape), "momentum": momentum, "eps": eps,
        "x1": flat(x1), "x2": flat(x2), "xe": flat(xe),
        "gamma": flat(gamma), "beta": flat(beta),
        "rm0": flat(rm), "rv0": flat(rv),
    }
    out1 = F.batch_norm(x1, rm, rv, gamma, beta, training=True, momentum=momentum, eps=eps)
    case.update(out1=flat(out1), rm1=flat(rm), rv1=flat(rv))
    out2 = F.batch_norm(x2, rm, rv, gamma, beta, training=True, momentum=momentum, eps=eps)
    case.update(out2=flat(out2), rm2=flat(rm), rv2=flat(rv))
    oute = F.batch_norm(xe, rm, rv, gamma, beta, training=False, momentum=momentum, eps=eps)
    case.update(oute=flat(oute))
    return case


def xent_case(n, k, labels):
    logits = (torch.randn(n, k) * 3).requires_grad_()
    lab = torch.tensor(labels, dtype=torch.long)
    loss = F.cross_entropy(logits, lab, ignore_index=-1, reduction="mean")
    loss.backward()
    return {"n": n, "k": k, "logits": flat(logits), "labels": [float(v) for v in labels],
            "loss": float(loss), "grad": flat(logits.grad)}


bn = [bn_case(s, m, e) for s in [(4, 3, 2, 3), (6, 4)] for m, e in [(0.1, 1e-5), (0.3, 1e-3)]]
with open("bn_golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": bn}, f, indent=1)

xent = [
    xent_case(5, 4, [0, 3, 1, 2, 1]),
    xent_case(6, 5, [4, -1, 0, -1, 2, 2]),
]
# Large logits: a naive exp would overflow.
big = xent_case(3, 3, [0, 1, 2])
big_logits = [v * 300 for v in big["logits"]]
lt = torch.tensor(big_logits).reshape(3, 3).requires_grad_()
loss = F.cross_entropy(lt, torch.tensor([0, 1, 2]), ignore_index=-1)
loss.backward()
big.update(logits=big_logits, loss=float(loss), grad=flat(lt.grad))
xent.append(big)
with open("xent_golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": xent}, f, indent=1)
