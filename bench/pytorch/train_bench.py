#!/usr/bin/python3
"""Training-step time and peak RSS of one model in PyTorch, the reference for
`zoo bench MODEL --train-only`.

usage: /usr/bin/python3 bench/pytorch/train_bench.py --model resnet20 [--batch 64]
           [--size 224] [--steps 20] [--warmup 3] [--threads N] [--seed 0]

Model from models.py (torchvision default init, 10 classes as `zoo bench`;
googlenet without aux heads; lenet / resnet20 at 28x28x1 / 32x32x3 whatever
--size), train mode, float32, Adam lr 1e-3, cross-entropy loss; one random
batch (inputs uniform [0,1) as zoo bench, random labels) reused every step.
--warmup untimed steps, then --steps timed steps (zero_grad, forward, loss,
backward, Adam step), each timed with perf_counter.

Prints ONE JSON line: {"framework": "pytorch", "model", "batch", "steps",
"train_step_ms_median", "train_total_ms" (wall time of the --steps steps),
"train_img_per_s" (batch / median step), "peak_rss_bytes" (ru_maxrss * 1024),
"threads", "torch", "loadavg_1m"}.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.steps < 1:
        ap.error(f"--steps must be at least 1, got {args.steps}")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = models.build(args.model, 10).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(args.seed + 1)
    x = torch.rand((args.batch,) + models.default_input_shape(args.model, args.size), generator=g)
    y = torch.randint(0, 10, (args.batch,), generator=g)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    times = []
    t0 = time.perf_counter()
    for _ in range(args.steps):
        ts = time.perf_counter()
        step()
        times.append(time.perf_counter() - ts)
    total = time.perf_counter() - t0
    med = statistics.median(times)
    print(json.dumps({
        "framework": "pytorch", "model": args.model, "batch": args.batch, "steps": args.steps,
        "train_step_ms_median": round(1e3 * med, 3), "train_total_ms": round(1e3 * total, 3),
        "train_img_per_s": round(args.batch / med, 2),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }), flush=True)


if __name__ == "__main__":
    main()
