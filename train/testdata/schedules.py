#!/usr/bin/python3
"""Writes schedules.json: learning-rate sequences of torch.optim.lr_scheduler
that train/schedule_test.go compares the Go schedules with.

Run: /usr/bin/python3 train/testdata/schedules.py > train/testdata/schedules.json
Each case lists the learning rate of every epoch (or step), read from the
optimizer before that epoch's steps, as torchvision's train.py steps its
scheduler once per epoch."""
import json
import torch
from torch.optim import SGD
from torch.optim.lr_scheduler import (CosineAnnealingLR, LinearLR, MultiStepLR,
                                      ReduceLROnPlateau, SequentialLR)


def opt(lr):
    return SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def run(o, sched, n, metrics=None):
    lrs = []
    for i in range(n):
        lrs.append(o.param_groups[0]["lr"])
        o.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
    return lrs


cases = {}

# train.py: --lr 0.1 --epochs 10 --lr-warmup-epochs 3 --lr-warmup-decay 0.01 --lr-scheduler cosineannealinglr
o = opt(0.1)
w = LinearLR(o, start_factor=0.01, total_iters=3)
m = CosineAnnealingLR(o, T_max=10 - 3)
cases["warmup_cosine"] = {"base": 0.1, "epochs": 10, "warmup": 3, "start": 0.01,
                          "lrs": run(o, SequentialLR(o, [w, m], milestones=[3]), 10)}

o = opt(0.5)
w = LinearLR(o, start_factor=0.1, total_iters=2)
m = MultiStepLR(o, milestones=[3, 5], gamma=0.2)
cases["warmup_multistep"] = {"base": 0.5, "epochs": 9, "warmup": 2, "start": 0.1,
                             "milestones": [3, 5], "gamma": 0.2,
                             "lrs": run(o, SequentialLR(o, [w, m], milestones=[2]), 9)}

o = opt(0.1)
cases["multistep"] = {"base": 0.1, "milestones": [2, 5, 5, 7], "gamma": 0.5,
                      "lrs": run(o, MultiStepLR(o, milestones=[2, 5, 5, 7], gamma=0.5), 10)}

o = opt(0.1)
cases["multistep_resnet"] = {"base": 0.1, "milestones": [82, 123], "gamma": 0.1,
                             "lrs": run(o, MultiStepLR(o, milestones=[82, 123], gamma=0.1), 164)}

o = opt(0.2)  # per-step warm-up: LinearLR stepped after every batch
cases["warmup_steps"] = {"base": 0.2, "steps": 5, "start": 0.25,
                         "lrs": run(o, LinearLR(o, start_factor=0.25, total_iters=5), 8)}

losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.89995, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
o = opt(0.1)
s = ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=1e-4, cooldown=1, min_lr=0.02)
cases["plateau"] = {"base": 0.1, "factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": 0.02,
                    "losses": losses, "lrs": run(o, s, len(losses), losses) + [o.param_groups[0]["lr"]]}

losses = [2.0 - 0.01 * i if i < 5 else 1.96 for i in range(30)]
o = opt(0.01)
s = ReduceLROnPlateau(o)
cases["plateau_default"] = {"base": 0.01, "losses": losses,
                            "lrs": run(o, s, len(losses), losses) + [o.param_groups[0]["lr"]]}

print(json.dumps(cases, indent=1))
