#!/usr/bin/env bash
# run-notebooks.sh — execute Go (gophernotes) notebooks headless and fail on errors.
#
# Usage:
#   notebooks/run-notebooks.sh                 # every notebooks/*.ipynb
#   notebooks/run-notebooks.sh a.ipynb b.ipynb # just these
#   notebooks/run-notebooks.sh --env           # print the exports needed to run
#                                              # `jupyter notebook` interactively
#
# Env knobs:
#   NB_OUT_DIR   where executed notebooks are written (default: a fresh mktemp -d;
#                kept and printed so you can inspect them)
#   NB_TIMEOUT   per-cell timeout in seconds (default 1800: the first import of a
#                package builds a Go plugin, minutes on a cold build cache)
#
# A notebook FAILS when nbconvert fails (e.g. the kernel died), when any cell
# has an output of type "error", or when any output text contains "panic".
#
# Imports: the kernel (built by install-kernel.sh with a patched gomacro) appends
# the file named by $GOMACRO_PLUGIN_GOMOD to the go.mod of every plugin it
# builds for an `import`. This script generates that file from THIS checkout's
# go.mod: all of its require lines (so gorgonia, tensor, gonum, go4.org/... get
# exactly the project's versions, in every plugin) plus
#   require github.com/convzoo/convzoo v0.0.0-00010101000000-000000000000
#   replace github.com/convzoo/convzoo => <repo root>
# so `import "github.com/convzoo/convzoo/..."` compiles the working tree.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
JUPYTER=/usr/bin/jupyter
PY=/usr/bin/python3

[[ -x $JUPYTER ]] || { echo "$JUPYTER missing: run notebooks/install-kernel.sh" >&2; exit 2; }

# ------------------------------------------------ import environment -------
state_dir="${XDG_CACHE_HOME:-$HOME/.cache}/convzoo-notebooks"
mkdir -p "$state_dir"
plugin_gomod="$state_dir/plugin-$(printf %s "$root" | cksum | cut -d" " -f1).gomod"  # one per checkout
"$PY" - "$root" "$plugin_gomod" <<'PYEOF'
import os, re, sys
root, out = sys.argv[1], sys.argv[2]
src = open(os.path.join(root, "go.mod")).read()
mod = re.search(r'^module\s+(\S+)', src, re.M).group(1)
lines, in_block = [], None
for line in src.splitlines():
    s = line.strip()
    if in_block is None and re.match(r'^(module|go|toolchain|godebug|tool)\b', s):
        if s.endswith("("):
            in_block = "skip"
        continue
    if in_block == "skip":
        if s == ")":
            in_block = None
        continue
    # Relative replace targets (=> ./x, => ../x) must become absolute: the
    # plugin's go.mod lives under $GOPATH/src/gomacro.imports/.
    m = re.match(r'^(\s*(?:replace\s+)?\S+(?:\s+\S+)?\s+=>\s+)(\.{1,2}/\S*)(.*)$', line)
    if m:
        line = m.group(1) + os.path.normpath(os.path.join(root, m.group(2))) + m.group(3)
    lines.append(line)
lines.append("")
lines.append("// added by notebooks/run-notebooks.sh: the project itself, from this checkout")
lines.append(f"require {mod} v0.0.0-00010101000000-000000000000")
lines.append(f"replace {mod} => {root}")
tmp = out + ".tmp"
open(tmp, "w").write("\n".join(lines) + "\n")
os.replace(tmp, out)
PYEOF

export GOMACRO_PLUGIN_GOMOD="$plugin_gomod"
export GOMACRO_PLUGIN_LOCAL="$(sed -n "s/^module[[:space:]]\+\([^[:space:]]\+\).*/\1/p" "$root/go.mod")"
export GOWORK=off            # a go.work would hijack the plugin module
export GOTOOLCHAIN=local     # plugins must be built by the kernel's own Go
# -mod=mod: project packages are left out of gomacro's `go get` (they are
# replaced locally), so the plugin's go.sum lacks the hashes of THEIR imports
# (e.g. train -> github.com/schollz/progressbar/v3) and loading fails with
# "could not import ... (invalid package name: \"\")". -mod=mod lets go list /
# go build record those hashes (from the module cache or the proxy).
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
export PYDEVD_DISABLE_FILE_VALIDATION=1   # silence ipykernel debugger noise

if [[ "${1:-}" == "--env" ]]; then
  printf 'export GOMACRO_PLUGIN_GOMOD=%q GOMACRO_PLUGIN_LOCAL=%q GOWORK=off GOTOOLCHAIN=local GOFLAGS=%q\n' "$plugin_gomod" "$GOMACRO_PLUGIN_LOCAL" "$GOFLAGS"
  exit 0
fi

# ----------------------------------------------------------- notebooks -----
if (($#)); then
  nbs=("$@")
else
  shopt -s nullglob
  nbs=("$here"/*.ipynb)
  shopt -u nullglob
  ((${#nbs[@]})) || { echo "no notebooks in $here" >&2; exit 0; }
fi

out_dir="${NB_OUT_DIR:-$(mktemp -d -t convzoo-nb.XXXXXX)}"
mkdir -p "$out_dir"
timeout="${NB_TIMEOUT:-1800}"

check_py='
import json, sys
nb = json.load(open(sys.argv[1]))
bad = []
for i, cell in enumerate(nb.get("cells", [])):
    if cell.get("cell_type") != "code":
        continue
    for o in cell.get("outputs", []):
        texts = []
        if o.get("output_type") == "error":
            bad.append((i, "error: %s: %s" % (o.get("ename"), o.get("evalue"))))
            texts += o.get("traceback", [])
        t = o.get("text")
        if t is not None:
            texts.append(t if isinstance(t, str) else "".join(t))
        for v in (o.get("data") or {}).values():
            if isinstance(v, (str, list)):
                texts.append(v if isinstance(v, str) else "".join(v))
        if any("panic" in t for t in texts) and o.get("output_type") != "error":
            bad.append((i, "output contains \"panic\""))
for i, why in bad:
    src = "".join(nb["cells"][i].get("source", ""))
    print("  cell %d: %s\n    | %s" % (i, why, src.strip().replace("\n", "\n    | ")))
sys.exit(1 if bad else 0)
'

fails=0
for nb in "${nbs[@]}"; do
  name=$(basename "$nb" .ipynb)
  echo "=== $nb"
  start=$(date +%s)
  rc=0
  # --allow-errors: always write the executed notebook, then judge it ourselves.
  "$JUPYTER" nbconvert --to notebook --execute --allow-errors \
    --ExecutePreprocessor.timeout="$timeout" \
    --ExecutePreprocessor.kernel_name=gophernotes \
    --output-dir "$out_dir" --output "$name" "$nb" >"$out_dir/$name.log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - start ))
  executed="$out_dir/$name.ipynb"
  if ((rc != 0)) || [[ ! -f $executed ]]; then
    echo "FAIL $nb (${secs}s): nbconvert exited $rc (kernel died?); log: $out_dir/$name.log"
    tail -n 20 "$out_dir/$name.log" | sed 's/^/  /'
    fails=$((fails + 1))
  elif ! "$PY" -c "$check_py" "$executed"; then
    echo "FAIL $nb (${secs}s): executed notebook: $executed"
    fails=$((fails + 1))
  else
    echo "ok   $nb (${secs}s)"
  fi
done
echo "executed notebooks in $out_dir"
if ((fails)); then
  echo "$fails of ${#nbs[@]} notebook(s) failed" >&2
  exit 1
fi
