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
# With Debian's libopenblas-dev installed, also measure the cgo OpenBLAS build.
OB=""
if CGO_LDFLAGS=-lopenblas go build -tags openblas -o /tmp/convzoo-bench-openblas ./cmd/zoo 2>/dev/null; then
	OB=/tmp/convzoo-bench-openblas
fi
out=$(mktemp)
export OPENBLAS_NUM_THREADS=1 # fastest for both on 2 cores (PyTorch's Linear layers use OpenBLAS)
for i in $(seq "$REPS"); do
	/tmp/convzoo-bench bench lenet --batch 64 --steps "$STEPS" --infer-batch 1000 --json >>"$out"
	if [ -n "$OB" ]; then
		$OB bench lenet --batch 64 --steps "$STEPS" --infer-batch 1000 --json | sed 's/"convzoo"/"convzoo+openblas"/' >>"$out"
	fi
	$PY bench/pytorch/lenet_bench.py --batch 64 --steps "$STEPS" --threads 2 >>"$out"
done
$PY - "$out" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
def med(fw, key):
    return statistics.median(r[key] for r in rows if r.get("framework") == fw)
p_tr, p_in, p_rss = (med("pytorch", k) for k in ("train_img_per_s", "infer_img_per_s", "peak_rss_bytes"))
print(f"median of {len([r for r in rows if r.get('framework') == 'pytorch'])} runs each, batch 64 (inference batch 1000)")
print(f"{'':17} {'train img/s':>12} {'infer img/s':>12} {'peak RSS MiB':>13} {'train ratio':>12}")
for fw in ("convzoo", "convzoo+openblas", "pytorch"):
    if not any(r.get("framework") == fw for r in rows):
        continue
    tr, inf, rss = (med(fw, k) for k in ("train_img_per_s", "infer_img_per_s", "peak_rss_bytes"))
    print(f"{fw:17} {tr:12.0f} {inf:12.0f} {rss/2**20:13.0f} {tr/p_tr:12.2f}")
PYEOF
rm -f "$out"
