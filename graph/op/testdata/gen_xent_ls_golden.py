#!/usr/bin/python3
"""Golden values for graph/op's label-smoothed SoftmaxCrossEntropy tests.

Run from graph/op/testdata with Debian's python3-torch:
    /usr/bin/python3 gen_xent_ls_golden.py
It writes xent_ls_golden.json: for each case the inputs, the smoothing eps,
and torch.nn.functional.cross_entropy(ignore_index=-1, label_smoothing=eps)'s
loss and gradient with respect to the logits.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(11)
torch.set_default_dtype(torch.float64)


def case(n, k, labels, eps, scale=3.0):
    logits = (torch.randn(n, k) * scale).requires_grad_()
    lab = torch.tensor(labels, dtype=torch.long)
    loss = F.cross_entropy(logits, lab, ignore_index=-1, reduction="mean", label_smoothing=eps)
    loss.backward()
    return {"n": n, "k": k, "eps": eps, "logits": [float(v) for v in logits.detach().reshape(-1)],
            "labels": [float(v) for v in labels], "loss": float(loss),
            "grad": [float(v) for v in logits.grad.reshape(-1)]}


cases = [
    case(5, 4, [0, 3, 1, 2, 1], 0.1),
    case(6, 5, [4, -1, 0, -1, 2, 2], 0.2),
    case(3, 10, [9, 0, 5], 0.5),
    case(3, 3, [0, 1, 2], 0.1, scale=900.0),  # large logits: a naive exp overflows
]
with open("xent_ls_golden.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
