#!/usr/bin/env bash
# Forward pass of every ImageNet-size model at 224x224, batch 1, eval mode:
# convzoo and PyTorch in the same run, each model in its own process (so
# peak RSS is per model). Median of REPS passes after 3 (Go) / 1 (PyTorch)
# warm-ups.
#   bash bench/compare-forward.sh [REPS] [MODELS]
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
MODELS=${2:-alexnet,vgg11,vgg13,vgg16,vgg19,vgg11_bn,vgg16_bn,googlenet,resnet18,resnet34,resnet50,resnet101,resnet152}
PY=/usr/bin/python3
go build -o /tmp/convzoo-bench ./cmd/zoo
out=$(mktemp)
for m in ${MODELS//,/ }; do
	/tmp/convzoo-bench bench "$m" --batch 1 --steps "$REPS" --inference-only --json >>"$out"
	$PY bench/pytorch/forward_bench.py --models "$m" --batch 1 --size 224 --reps "$REPS" --threads 2 2>/dev/null >>"$out"
done
$PY - "$out" <<'PYEOF'
import json, sys
go, pt = {}, {}
for line in open(sys.argv[1]):
    if not line.strip().startswith("{"):
        continue
    r = json.loads(line)
    if r.get("framework") == "convzoo":
        go[r["model"]] = (r["infer_ms_median"] / 1000, r["peak_rss_bytes"])
    elif r.get("framework") == "pytorch":
        pt[r["model"]] = (r["forward_ms_median"] / 1000, r["peak_rss_bytes"])
print(f"{'model':10} {'convzoo s':>10} {'pytorch s':>10} {'ratio':>6} {'convzoo MiB':>12} {'pytorch MiB':>12}")
for m in go:
    g, p = go[m], pt.get(m, (float('nan'), float('nan')))
    print(f"{m:10} {g[0]:10.3f} {p[0]:10.3f} {g[0]/p[0]:6.1f} {g[1]/2**20:12.0f} {p[1]/2**20:12.0f}")
PYEOF
rm -f "$out"
