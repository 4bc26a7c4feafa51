#!/usr/bin/env bash
# convzoo against PyTorch on every case of issue 12's table, in one run: for
# each case the two programs alternate REPS times (each run a fresh process,
# STEPS timed steps after 3 warm-ups, 20x STEPS for LeNet's short step); the table gives the medians over the
# runs of each run's median step, the ratio PyTorch time / convzoo time (> 1:
# convzoo is faster), peak RSS, and PyTorch's total wall time of the STEPS
# steps (convzoo's too where `zoo bench --json` reports train_total_ms /
# infer_total_ms). PyTorch at 2 threads, OPENBLAS_NUM_THREADS=1.
#   bash bench/compare.sh [REPS] [STEPS] [CASES]
# CASES is a comma-separated subset of the case names below (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-3}
STEPS=${2:-20}
CASES=${3:-lenet-train,resnet20-train,resnet18-train,resnet18-fwd,resnet50-fwd,vgg16-fwd,googlenet-fwd,alexnet-fwd}
PY=/usr/bin/python3
ZOO=$(mktemp /tmp/convzoo-compare.XXXXXX)
out=$(mktemp)
trap 'rm -f "$ZOO" "$out"' EXIT
go build -o "$ZOO" ./cmd/zoo
export OPENBLAS_NUM_THREADS=1 # fastest for PyTorch on 2 cores
# Training cases time training alone where this zoo has --train-only.
TRAIN_ONLY=""
if "$ZOO" bench --help | grep -q -- --train-only; then
	TRAIN_ONLY=--train-only
fi

# case name -> model, batch, size, train|fwd, steps. LeNet's step is ~10 ms,
# so its case times 20x STEPS on both sides: 10 steps (0.1 s) gave medians
# from 7.6 to 12.8 ms between runs of the same binary.
spec() {
	case $1 in
	lenet-train) echo lenet 64 28 train $((STEPS * 20)) ;;
	resnet20-train) echo resnet20 64 32 train "$STEPS" ;;
	resnet18-train) echo resnet18 8 224 train "$STEPS" ;;
	resnet18-fwd) echo resnet18 1 224 fwd "$STEPS" ;;
	resnet50-fwd) echo resnet50 1 224 fwd "$STEPS" ;;
	vgg16-fwd) echo vgg16 1 224 fwd "$STEPS" ;;
	googlenet-fwd) echo googlenet 1 224 fwd "$STEPS" ;;
	alexnet-fwd) echo alexnet 1 224 fwd "$STEPS" ;;
	*) echo "compare.sh: unknown case $1" >&2; exit 2 ;;
	esac
}

tag() { sed "s/^{/{\"case\": \"$1\", /"; }

for c in ${CASES//,/ }; do
	read -r model batch size kind steps <<<"$(spec "$c")"
	for _ in $(seq "$REPS"); do
		if [ "$kind" = train ]; then
			# shellcheck disable=SC2086
			"$ZOO" bench "$model" --batch "$batch" --size "$size" --steps "$steps" $TRAIN_ONLY --json | tag "$c" >>"$out"
			$PY bench/pytorch/train_bench.py --model "$model" --batch "$batch" --size "$size" --steps "$steps" --threads 2 | tag "$c" >>"$out"
		else
			"$ZOO" bench "$model" --batch "$batch" --size "$size" --steps "$steps" --inference-only --json | tag "$c" >>"$out"
			$PY bench/pytorch/forward_bench.py --models "$model" --batch "$batch" --size "$size" --reps "$steps" --warmup 3 --threads 2 2>/dev/null | tag "$c" >>"$out"
		fi
	done
done

$PY - "$out" "$REPS" "$STEPS" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
reps, steps = sys.argv[2], sys.argv[3]

def step_ms(r):  # this run's median step and total of the timed steps (None if not reported)
    if r["framework"] == "pytorch":
        if "forward_ms_median" in r:
            return r["forward_ms_median"], sum(r["forward_ms_all"])
        return r["train_step_ms_median"], r.get("train_total_ms")
    if r.get("train_step_ms_median"):
        return r["train_step_ms_median"], r.get("train_total_ms")
    return r["infer_ms_median"], r.get("infer_total_ms")

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")

print(f"medians of {reps} alternated runs, {steps} timed steps each ({int(steps) * 20} for lenet-train); ratio = PyTorch / convzoo step time")
print(f"{'case':16} {'convzoo ms':>11} {'PyTorch ms':>11} {'ratio':>6} {'convzoo MiB':>12} {'PyTorch MiB':>12} {'total s conv/PT':>16}")
for case in dict.fromkeys(r["case"] for r in rows):
    side = {}
    for fw in ("convzoo", "pytorch"):
        rs = [r for r in rows if r["case"] == case and r["framework"] == fw and "error" not in r]
        side[fw] = (med(step_ms(r)[0] for r in rs), med(step_ms(r)[1] for r in rs),
                    med(r["peak_rss_bytes"] / 2**20 for r in rs))
    g, p = side["convzoo"], side["pytorch"]
    print(f"{case:16} {g[0]:11.1f} {p[0]:11.1f} {p[0]/g[0]:6.2f} {g[2]:12.0f} {p[2]:12.0f} {g[1]/1e3:7.2f} / {p[1]/1e3:<7.2f}")
PYEOF
