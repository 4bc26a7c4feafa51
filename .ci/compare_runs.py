"""Compare two `zoo train` output folders: the weights, tensor by tensor,
as max|a-b| / max|a| (the largest over the tensors must be <= --rtol),
and the last epoch's test accuracy (must agree to --acc).

python3 .ci/compare_runs.py RUN_A RUN_B --rtol 1e-5 --acc 0.001
"""
import argparse
import csv
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench", "pytorch"))
import numpy as np  # noqa: E402
import st  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("--rtol", type=float, required=True)
ap.add_argument("--acc", type=float, required=True)
args = ap.parse_args()

wa = st.load(os.path.join(args.a, "weights.safetensors"))
wb = st.load(os.path.join(args.b, "weights.safetensors"))
if set(wa) != set(wb):
    sys.exit(f"different tensors: {sorted(set(wa) ^ set(wb))}")
worst, at = 0.0, ""
for k in sorted(wa):
    a, b = wa[k].astype(np.float64), wb[k].astype(np.float64)
    d = float(np.abs(a - b).max()) / max(float(np.abs(a).max()), 1e-30)
    if d > worst:
        worst, at = d, k
acc = [float(list(csv.DictReader(open(os.path.join(r, "history.csv"))))[-1]["test_acc"]) for r in (args.a, args.b)]
print(f"max relative weight difference {worst:.3g} ({at}); test accuracy {acc[0]:.4f} vs {acc[1]:.4f}")
ok = worst <= args.rtol and abs(acc[0] - acc[1]) <= args.acc
sys.exit(0 if ok else f"beyond tolerance: rtol {args.rtol}, accuracy {args.acc}")
