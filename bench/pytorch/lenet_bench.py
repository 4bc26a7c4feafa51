#!/usr/bin/python3
"""LeNet-5 training/inference throughput in PyTorch, the reference for convzoo's bench.

usage: /usr/bin/python3 bench/pytorch/lenet_bench.py [--batch 64] [--steps 200]
           [--threads N] [--infer-batch 1000] [--infer-reps 20]
           [--train-epochs E --mnist-dir DIR] [--seed 0]

Model: models.LeNet5 (conv 6@5x5 pad 2, ReLU, maxpool 2, conv 16@5x5, ReLU, maxpool 2,
fc 120, 84, 10; 61,706 params), float32, Adam lr 1e-3, cross-entropy loss.

Synthetic benchmark (always, unless --steps 0): inputs N(0,1) of shape (batch,1,28,28)
and random labels, pre-generated (8 distinct batches, cycled) so data creation is not
timed. 5 warm-up steps, then K=--steps timed steps (forward, loss, backward, Adam step).
  train_img_per_s = batch * K / (total wall time of the K steps)   [total time, not median]
  train_step_ms_median = median per-step wall time (also reported)
  train_img_per_cpu_s = batch * K / process CPU time (all threads) of the K steps --
    with 1 thread a contention-robust estimate of the uncontended img/s; with N threads
    it is img per core-second
Inference: eval mode, torch.no_grad(), batch --infer-batch (1000), 2 warm-up passes,
then --infer-reps timed passes; infer_img_per_s = infer_batch * reps / total time.

MNIST (optional, --train-epochs E --mnist-dir DIR): reads train-images-idx3-ubyte.gz,
train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz from
DIR, scales to [0,1] then normalises with mean 0.1307, std 0.3081, trains a FRESH
model (seed --seed) for E epochs at --batch with a seeded shuffle each epoch (last
partial batch kept), evaluates on the 10k test set after each epoch. Adds
"epochs": [{"epoch", "seconds", "train_img_per_s", "train_loss", "test_accuracy"}].

Prints ONE JSON line: {"framework": "pytorch", "model": "lenet", "batch", "steps",
"train_img_per_s", "train_step_ms_median", "infer_batch", "infer_img_per_s",
"peak_rss_bytes" (ru_maxrss * 1024 -- KiB on Linux), "threads"
(torch.get_num_threads()), "torch", "nproc", "loadavg_1m" (system load when the run
ended -- other processes on the machine skew the timings), ...}.
"""
import argparse
import gzip
import json
import os
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    assert magic >> 8 == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist(d):
    def imgs(n):
        a = read_idx(os.path.join(d, n)).astype(np.float32) / 255.0
        return torch.from_numpy((a - 0.1307) / 0.3081).unsqueeze(1).contiguous()

    def labels(n):
        return torch.from_numpy(read_idx(os.path.join(d, n)).astype(np.int64))

    return (imgs("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            imgs("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def train_step(model, opt, x, y):
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=200, help="timed synthetic training steps")
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch default)")
    ap.add_argument("--infer-batch", type=int, default=1000)
    ap.add_argument("--infer-reps", type=int, default=20)
    ap.add_argument("--train-epochs", type=int, default=0)
    ap.add_argument("--mnist-dir", default="")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    out = {"framework": "pytorch", "model": "lenet", "batch": args.batch, "steps": args.steps}

    if args.steps > 0:
        model = models.LeNet5()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        g = torch.Generator().manual_seed(args.seed + 1)
        xs = [torch.randn(args.batch, 1, 28, 28, generator=g) for _ in range(8)]
        ys = [torch.randint(0, 10, (args.batch,), generator=g) for _ in range(8)]
        model.train()
        for i in range(5):
            train_step(model, opt, xs[i % 8], ys[i % 8])
        times = []
        c0 = time.process_time()
        t0 = time.perf_counter()
        for i in range(args.steps):
            ts = time.perf_counter()
            train_step(model, opt, xs[i % 8], ys[i % 8])
            times.append(time.perf_counter() - ts)
        total = time.perf_counter() - t0
        cpu = time.process_time() - c0
        out["train_img_per_s"] = round(args.batch * args.steps / total, 1)
        out["train_img_per_cpu_s"] = round(args.batch * args.steps / cpu, 1)
        out["train_step_ms_median"] = round(1e3 * statistics.median(times), 3)

        model.eval()
        xi = torch.randn(args.infer_batch, 1, 28, 28, generator=g)
        with torch.no_grad():
            for _ in range(2):
                model(xi)
            c0 = time.process_time()
            t0 = time.perf_counter()
            for _ in range(args.infer_reps):
                model(xi)
            total = time.perf_counter() - t0
            cpu = time.process_time() - c0
        out["infer_batch"] = args.infer_batch
        out["infer_img_per_s"] = round(args.infer_batch * args.infer_reps / total, 1)
        out["infer_img_per_cpu_s"] = round(args.infer_batch * args.infer_reps / cpu, 1)

    if args.train_epochs > 0:
        if not args.mnist_dir:
            sys.exit("--train-epochs needs --mnist-dir")
        xtr, ytr, xte, yte = load_mnist(args.mnist_dir)
        torch.manual_seed(args.seed)
        model = models.LeNet5()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        g = torch.Generator().manual_seed(args.seed)
        model.train()
        epochs = []
        for e in range(1, args.train_epochs + 1):
            perm = torch.randperm(len(xtr), generator=g)
            t0 = time.perf_counter()
            loss_sum, n = 0.0, 0
            for i in range(0, len(xtr), args.batch):
                idx = perm[i:i + args.batch]
                loss = train_step(model, opt, xtr[idx], ytr[idx])
                loss_sum += loss.item() * len(idx)
                n += len(idx)
            secs = time.perf_counter() - t0
            acc = evaluate(model, xte, yte)
            epochs.append({"epoch": e, "seconds": round(secs, 2),
                           "train_img_per_s": round(n / secs, 1),
                           "train_loss": round(loss_sum / n, 4),
                           "test_accuracy": round(acc, 4)})
            print(json.dumps(epochs[-1]), file=sys.stderr, flush=True)
        out["epochs"] = epochs

    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["threads"] = torch.get_num_threads()
    out["torch"] = torch.__version__
    out["nproc"] = os.cpu_count()
    out["openblas_num_threads"] = os.environ.get("OPENBLAS_NUM_THREADS", "")
    out["loadavg_1m"] = round(os.getloadavg()[0], 2)  # >nproc means the timings were contended
    print(json.dumps(out))


if __name__ == "__main__":
    main()
