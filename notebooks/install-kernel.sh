#!/usr/bin/env bash
# install-kernel.sh — install a working gophernotes (Go) Jupyter kernel.
#
# Targets a fresh Debian machine, run as root, where only the Go module proxy,
# Debian apt and npm are reachable. Idempotent: re-running rebuilds the binary
# (fast, warm cache) and rewrites the kernel spec.
#
# What it does:
#   1. apt-get installs the Jupyter pieces (nbconvert, nbclient, jupyter-client,
#      ipykernel). Always call /usr/bin/jupyter and /usr/bin/python3 afterwards:
#      another python3 (pyenv, conda) may be first on PATH and lack jupyter.
#   2. Builds gophernotes v0.7.5 against a newer gomacro. Stock v0.7.5 (gomacro
#      2022) panics at start on Go >= 1.2x; gomacro 20260901205243-0df6c0cd20af
#      works, but changed display.JSONer to `JSON() map[string]interface{}`,
#      so gophernotes' generated proxy_JSONer (x_package.go) must be patched to
#      the same signature or the kernel panics/refuses to build.
#   3. Installs the kernel spec "gophernotes" pointing at the absolute binary.
#
# Environment knobs:
#   GOPHERNOTES_BIN_DIR   where the binary goes   (default: $(go env GOPATH)/bin)
#   KERNEL_USER=1         install spec under ~/.local/share/jupyter/kernels
#                         instead of /usr/local/share/jupyter/kernels
#   SKIP_APT=1            do not run apt-get (Jupyter already installed)
set -euo pipefail

GOPHERNOTES_VERSION=v0.7.5
GOMACRO_VERSION=v0.0.0-20260901205243-0df6c0cd20af
KERNEL_NAME=gophernotes

log() { printf '\n==> %s\n' "$*" >&2; }

command -v go >/dev/null || { echo "go not found on PATH" >&2; exit 1; }

# ---------------------------------------------------------------- 1. apt ----
if [[ "${SKIP_APT:-0}" != 1 ]]; then
  pkgs=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel gcc libc6-dev graphviz)  # gcc: plugins need cgo; graphviz: `dot` for notebooks/02-zoo-tour.ipynb
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    # Lock timeout: other processes may be running apt concurrently.
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 \
      install -y -qq --no-install-recommends "${missing[@]}"
  else
    log "Jupyter packages already installed"
  fi
fi
[[ -x /usr/bin/jupyter ]] || { echo "/usr/bin/jupyter missing" >&2; exit 1; }

# -------------------------------------------------------------- 2. build ----
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/cosmos72"  # sum.golang.org lacks this gomacro
export GOFLAGS="-mod=mod"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export GOWORK=off
BIN_DIR="${GOPHERNOTES_BIN_DIR:-$(go env GOPATH)/bin}"
mkdir -p "$BIN_DIR"

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"' EXIT

log "downloading gophernotes $GOPHERNOTES_VERSION + gomacro $GOMACRO_VERSION"
# The proxy refuses version lists for these modules: always name exact versions.
(
  cd "$work"
  go mod init gophernotes-fetch >/dev/null 2>&1
  go mod download -json "github.com/gopherdata/gophernotes@$GOPHERNOTES_VERSION" \
    "github.com/cosmos72/gomacro@$GOMACRO_VERSION" >download.json
)
src_dir=$(cd "$work" && go mod download -json "github.com/gopherdata/gophernotes@$GOPHERNOTES_VERSION" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')

gomacro_dir=$(cd "$work" && go mod download -json "github.com/cosmos72/gomacro@$GOMACRO_VERSION" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')

log "patching writable copies of gophernotes and gomacro"
cp -r "$src_dir" "$work/gophernotes"
cp -r "$gomacro_dir" "$work/gomacro"
chmod -R u+w "$work/gophernotes" "$work/gomacro"

# Patch 1 (gophernotes): display.JSONer in this gomacro returns
# map[string]interface{}; make the generated proxy match it.
sed -i \
  -e 's/^\(\s*JSON_\s\+func(interface{})\) string$/\1 map[string]interface{}/' \
  -e 's/^func (P \*proxy_JSONer) JSON() string {$/func (P *proxy_JSONer) JSON() map[string]interface{} {/' \
  "$work/gophernotes/x_package.go"
grep -q 'func (P \*proxy_JSONer) JSON() map\[string\]interface{}' "$work/gophernotes/x_package.go" ||
  { echo "patch 1 (proxy_JSONer) failed: x_package.go changed?" >&2; exit 1; }

# Patch 2 (gomacro): hook GOMACRO_PLUGIN_GOMOD. For every `import` the kernel
# writes a fresh go.mod in $GOPATH/src/gomacro.imports/gomacro_pid_N/import_M
# and runs `go get` + `go build -buildmode=plugin` there. When the env var
# GOMACRO_PLUGIN_GOMOD names a file, its contents (require/replace/exclude
# directives) are appended to that go.mod. notebooks/run-notebooks.sh uses it
# to pin every plugin to the project's go.mod versions and to
# `replace github.com/convzoo/convzoo => <checkout>`. Unset: stock behaviour.
sed -i '/^\tfor key, value := range goModReplaceDirective {$/i\
\tif extra := os.Getenv("GOMACRO_PLUGIN_GOMOD"); extra != "" {\
\t\tb, err := ioutil.ReadFile(extra)\
\t\tif err != nil {\
\t\t\to.Errorf("GOMACRO_PLUGIN_GOMOD: %v", err)\
\t\t}\
\t\tbuf.Write(b)\
\t\tbuf.WriteString("\\n")\
\t}' "$work/gomacro/base/genimport/importer.go"
grep -q 'GOMACRO_PLUGIN_GOMOD' "$work/gomacro/base/genimport/importer.go" ||
  { echo "patch 2 (gomacro GOMACRO_PLUGIN_GOMOD) failed: importer.go changed?" >&2; exit 1; }

# Patch 3 (gomacro): in plugin mode every imported package gets interface
# proxies named P_<Iface>, all in one `package main`; importing two packages
# that export the same interface name in one cell (gorgonia + tensor both
# export BLAS, Dtyper, ...) fails with "P_BLAS redeclared". Use the per-package
# prefix gomacro already uses in its other modes.
sed -i 's/^\t\tgen.proxyprefix = "P_"$/\t\tgen.proxyprefix = fmt.Sprintf("P_%s_", sanitizeIdent(path))/' \
  "$work/gomacro/base/genimport/genimport.go"
grep -q 'gen.proxyprefix = "P_"$' "$work/gomacro/base/genimport/genimport.go" &&
  { echo "patch 3 (gomacro proxy prefix) failed: genimport.go changed?" >&2; exit 1; }

# Patch 4 (gomacro): hook GOMACRO_PLUGIN_LOCAL (comma-separated module paths).
# Before building a plugin gomacro runs `go get <imported paths>`, which asks
# the proxy for every prefix of a path (github.com/convzoo/convzoo/graph/op,
# .../graph, ...); a proxy that answers 403 (not 404) for unknown modules makes
# that fatal even though GOMACRO_PLUGIN_GOMOD already requires+replaces the
# module. Paths inside these modules are left out of `go get`.
sed -i '/^\tpaths := packagePathsToString(pkgpaths)$/a\
\tif local := os.Getenv("GOMACRO_PLUGIN_LOCAL"); local != "" {\
\t\tkept := make([]string, 0, len(paths))\
\t\tfor _, path := range paths {\
\t\t\tskip := false\
\t\t\tfor _, m := range strings.Split(local, ",") {\
\t\t\t\tif m != "" \&\& (path == m || strings.HasPrefix(path, m+"/")) {\
\t\t\t\t\tskip = true\
\t\t\t\t}\
\t\t\t}\
\t\t\tif !skip {\
\t\t\t\tkept = append(kept, path)\
\t\t\t}\
\t\t}\
\t\tpaths = kept\
\t\tif len(paths) == 0 {\
\t\t\treturn nil\
\t\t}\
\t}' "$work/gomacro/base/genimport/importer_load.go"
grep -q 'GOMACRO_PLUGIN_LOCAL' "$work/gomacro/base/genimport/importer_load.go" ||
  { echo "patch 4 (gomacro GOMACRO_PLUGIN_LOCAL) failed: importer_load.go changed?" >&2; exit 1; }

cd "$work/gophernotes"
go mod edit -require="github.com/cosmos72/gomacro@$GOMACRO_VERSION" \
  -replace="github.com/cosmos72/gomacro=$work/gomacro"
go mod tidy >/dev/null 2>&1 || true   # -mod=mod also fixes go.sum on build

log "building gophernotes -> $BIN_DIR/gophernotes"
# No -trimpath: Go plugins built later by gomacro (for imports) must share
# the exact build flags of this host binary, or plugin.Open fails.
go build -o "$BIN_DIR/gophernotes.new" .
mv -f "$BIN_DIR/gophernotes.new" "$BIN_DIR/gophernotes"
cd /

# --------------------------------------------------------- 3. kernelspec ----
if [[ "${KERNEL_USER:-0}" == 1 ]]; then
  kdir="${HOME}/.local/share/jupyter/kernels/$KERNEL_NAME"
else
  kdir="/usr/local/share/jupyter/kernels/$KERNEL_NAME"
fi
log "installing kernel spec in $kdir"
mkdir -p "$kdir"
cp -f "$src_dir"/kernel/logo-32x32.png "$src_dir"/kernel/logo-64x64.png "$kdir"/ 2>/dev/null || true
chmod u+w "$kdir"/*.png 2>/dev/null || true
# env: the kernel runs `go build -buildmode=plugin` for imports; the plugin must
# be built by the SAME Go toolchain as the kernel binary, so put that go first
# on PATH (${PATH} is substituted by jupyter_client >= 7) and forbid toolchain
# switching. GOPATH is pinned because gomacro writes $GOPATH/src/gomacro.imports.
goroot=$(go env GOROOT)
gopath=$(go env GOPATH)
cat >"$kdir/kernel.json" <<EOF
{
  "argv": ["$BIN_DIR/gophernotes", "{connection_file}"],
  "display_name": "Go (gophernotes)",
  "language": "go",
  "name": "$KERNEL_NAME",
  "env": {
    "PATH": "$goroot/bin:\${PATH}",
    "GOPATH": "$gopath",
    "GOTOOLCHAIN": "local"
  }
}
EOF

log "smoke test: kernel binary starts"
# gophernotes with no connection file prints usage / errors out, but must not panic.
out=$("$BIN_DIR/gophernotes" 2>&1 || true)
if grep -q 'panic' <<<"$out"; then echo "$out" >&2; echo "gophernotes panics at start" >&2; exit 1; fi

/usr/bin/jupyter kernelspec list
