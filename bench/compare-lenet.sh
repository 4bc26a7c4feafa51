#!/usr/bin/env bash
# Compares convzoo and PyTorch on LeNet-5 training and inference in one run,
# alternating the two REPS times and reporting medians and their ratio.
#   bash bench/compare-lenet.sh [REPS] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
STEPS=${2:-200}
PY=/usr/bin/python3
go build -o /tmp/convzoo-bench ./cmd/zoo
out=$(mktemp)
for i in $(seq "$REPS"); do
	/tmp/convzoo-bench bench lenet --batch 64 --steps "$STEPS" --infer-batch 1000 --json >>"$out"
	$PY bench/pytorch/lenet_bench.py --batch 64 --steps "$STEPS" >>"$out"
done
$PY - "$out" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
def med(fw, key):
    return statistics.median(r[key] for r in rows if r.get("framework") == fw)
g_tr, p_tr = med("convzoo", "train_img_per_s"), med("pytorch", "train_img_per_s")
g_in, p_in = med("convzoo", "infer_img_per_s"), med("pytorch", "infer_img_per_s")
g_rss, p_rss = med("convzoo", "peak_rss_bytes"), med("pytorch", "peak_rss_bytes")
print(f"{'':10} {'train img/s':>12} {'infer img/s':>12} {'peak RSS MiB':>13}")
print(f"{'convzoo':10} {g_tr:12.0f} {g_in:12.0f} {g_rss/2**20:13.0f}")
print(f"{'pytorch':10} {p_tr:12.0f} {p_in:12.0f} {p_rss/2**20:13.0f}")
print(f"{'ratio':10} {g_tr/p_tr:12.2f} {g_in/p_in:12.2f} {g_rss/p_rss:13.2f}")
PYEOF
rm -f "$out"
