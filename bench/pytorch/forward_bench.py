#!/usr/bin/python3
"""Eval-mode forward time and peak RSS per model, PyTorch reference for convzoo.

usage: /usr/bin/python3 bench/pytorch/forward_bench.py
           [--models alexnet,vgg16,googlenet,resnet18,resnet50] [--batch 1]
           [--size 224] [--reps 3] [--warmup 1] [--threads N]

Each model runs in a FRESH subprocess (this script re-invoked with --child NAME), so
peak_rss_bytes (resource.getrusage ru_maxrss * 1024; KiB on Linux) is that model's
alone (it includes the Python interpreter and libtorch, ~300 MB on its own).
In the child: torch.manual_seed(0); build (torchvision default init, 1000 classes;
googlenet without aux heads and transform_input=False; lenet / resnet20 from models.py
with 28x28x1 / 32x32x3 inputs regardless of --size); eval(); input N(0,1) NCHW f32;
--warmup untimed passes, then --reps timed passes under torch.no_grad().

Prints one JSON line per model: {"framework": "pytorch", "model", "batch", "input_shape",
"params", "forward_ms_median", "forward_ms_min", "forward_ms_all", "img_per_s"
(batch / median), "peak_rss_bytes", "threads", "build_s", "loadavg_1m"}.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

DEFAULT = "alexnet,vgg16,googlenet,resnet18,resnet50"


def child(args):
    import torch

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import models

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    name = args.child
    t0 = time.perf_counter()
    torch.manual_seed(0)
    model = models.build(name).eval()
    build_s = time.perf_counter() - t0
    shape = (args.batch,) + models.default_input_shape(name, args.size)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(2))
    times = []
    with torch.no_grad():
        for _ in range(args.warmup):
            model(x)
        for _ in range(args.reps):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(json.dumps({
        "framework": "pytorch", "model": name, "batch": args.batch,
        "input_shape": list(shape), "params": models.trainable_params(model),
        "forward_ms_median": round(1e3 * med, 2),
        "forward_ms_min": round(1e3 * min(times), 2),
        "forward_ms_all": [round(1e3 * t, 2) for t in times],
        "img_per_s": round(args.batch / med, 2),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "threads": torch.get_num_threads(), "build_s": round(build_s, 2),
        "loadavg_1m": round(os.getloadavg()[0], 2), "torch": torch.__version__,
    }), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=DEFAULT)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: default)")
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    rc = 0
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        cmd = [sys.executable, os.path.abspath(__file__), "--child", name,
               "--batch", str(args.batch), "--size", str(args.size), "--reps", str(args.reps),
               "--warmup", str(args.warmup), "--threads", str(args.threads)]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        sys.stdout.write(r.stdout)
        sys.stdout.flush()
        if r.returncode != 0:
            print(json.dumps({"framework": "pytorch", "model": name, "error": f"exit {r.returncode}"}), flush=True)
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
