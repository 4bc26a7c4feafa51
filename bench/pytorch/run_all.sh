#!/bin/sh
# Run every PyTorch reference script once and log the outputs.
# usage: bench/pytorch/run_all.sh [FIXDIR] [EPOCHS]
#   FIXDIR  where the fixtures go (default: a fresh mktemp -d; never the repository)
#   EPOCHS  MNIST epochs for lenet_bench (default 1; 0 skips)
# Waits (up to 5 minutes) for the 1-minute load average to drop below 1.0 before
# the timed benchmarks, since other processes on a 2-core machine distort them.
set -eu
PY=/usr/bin/python3
D=$(cd "$(dirname "$0")" && pwd)
FIX=${1:-$(mktemp -d /tmp/convzoo-fixtures.XXXXXX)}
EPOCHS=${2:-1}
MNIST=${MNIST_DIR:-"/root/go/pkg/mod/github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data"}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC')  nproc=$(nproc)  torch threads=$($PY -c 'import torch; print(torch.get_num_threads())')  $(uptime | sed 's/.*load/load/')"
$PY "$D/st.py"
$PY "$D/export_fixtures.py" "$FIX"
$PY "$D/check_fixtures.py" "$FIX"

wait_quiet() {
  i=0
  while [ "$(awk '{print ($1 < 1.0)}' /proc/loadavg)" = 0 ] && [ $i -lt 60 ]; do sleep 5; i=$((i + 1)); done
  echo "# $(uptime | sed 's/.*load/load/')"
}
wait_quiet
$PY "$D/lenet_bench.py" --batch 64 --steps 500
$PY "$D/lenet_bench.py" --batch 64 --steps 500 --threads 1
$PY "$D/lenet_bench.py" --batch 64 --steps 500 --threads 2
wait_quiet
$PY "$D/forward_bench.py" --models alexnet,vgg16,googlenet,resnet18,resnet50,resnet20,lenet --batch 1 --size 224 --reps 3
if [ "$EPOCHS" -gt 0 ]; then
  wait_quiet
  $PY "$D/lenet_bench.py" --steps 0 --train-epochs "$EPOCHS" --mnist-dir "$MNIST" 2>/dev/null
fi
