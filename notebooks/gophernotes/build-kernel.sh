#!/usr/bin/env bash
# Builds the gophernotes Jupyter kernel with the module's Go toolchain, from
# the module proxy, and installs its kernelspec ("gophernotes") into the
# Jupyter data directory (jupyter kernelspec install --user, so JUPYTER_DATA_DIR
# is honoured: notebooks/run.sh installs it into a temporary one).
#
#   notebooks/gophernotes/build-kernel.sh [--name NAME]
#
# gophernotes v0.7.5, the last release, does not run on Go 1.26 as released:
#   - its interpreter, gomacro, predates go/types' Alias nodes: it panics with
#     "*types.Alias: any" unless GODEBUG=gotypesalias=0, and even then the
#     gomacro it pins cannot import generic code ("unsupported types.Type:
#     *types.TypeParam");
#   - the newest gomacro on the proxy fixes that, but its own x/tools v0.14.0
#     no longer compiles on Go 1.26, hence golang.org/x/tools v0.52.0;
#   - with that gomacro, v0.7.5's proxy_JSONer no longer matches the JSONer
#     interface of its own display.go; gophernotes' master branch changed
#     JSON() to return map[string]interface{}, and this script applies that
#     one-line change (see patch_jsoner below).
# The build happens in a temporary module (a copy of gophernotes' source with
# those requirements), so the zoo's go.mod never gains gophernotes or gomacro.
# kernel.go.sum, beside this script, holds the checksums of that module's
# dependencies: the checksum database this project's proxy answers with has no
# record of the gomacro pseudo-version, and with go.sum complete the go command
# needs none.
#
# GODEBUG=gotypesalias=0 goes into the kernel's environment (kernel.json) and
# into the binary's go.mod (godebug directive). Go 1.27 removes that setting,
# so on a Go newer than 1.26 this script stops with a message instead of
# building a kernel that panics at start.
#
# Needs: Go 1.26 with cgo (the kernel loads imported packages as Go plugins,
# which need cgo and a C compiler), and Jupyter's jupyter-kernelspec.
set -euo pipefail

gophernotes_version=v0.7.5
gomacro_version=v0.0.0-20240506194242-2ff796e3da10
xtools_version=v0.52.0

name=gophernotes
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="$2"; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "build-kernel.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

here=$(cd "$(dirname "$0")" && pwd)

# The toolchain: exactly Go 1.26.x (GOTOOLCHAIN is honoured: with
# GOTOOLCHAIN=go1.26.8 a newer go builds the kernel with Go 1.26.8). The
# kernel compiles its plugins with the go of the GOROOT it was built with.
goversion=$(go env GOVERSION)
minor=$(echo "$goversion" | sed -n 's/^go1\.\([0-9][0-9]*\).*/\1/p')
if [ -z "$minor" ]; then
  echo "build-kernel.sh: cannot read the Go version from \"$goversion\"" >&2
  exit 1
fi
if [ "$minor" -gt 26 ]; then
  cat >&2 <<MSG
build-kernel.sh: this is $goversion, and gophernotes $gophernotes_version cannot run on it.
  Its interpreter (gomacro) does not understand go/types' Alias nodes and only
  works with GODEBUG=gotypesalias=0, a setting that Go 1.27 removed. Build the
  kernel with Go 1.26 (for instance GOTOOLCHAIN=go1.26.8 with a network
  proxy, or a Go 1.26 install first in PATH), or use the GoNB notebooks in
  notebooks/, which compile every cell with whatever Go is installed.
MSG
  exit 1
fi
if [ "$minor" -lt 26 ]; then
  echo "build-kernel.sh: this is $goversion; the zoo (go.mod) and this kernel need Go 1.26" >&2
  exit 1
fi
if [ "$(go env CGO_ENABLED)" != 1 ]; then
  echo "build-kernel.sh: cgo is disabled (CGO_ENABLED=0), and gophernotes loads imported packages as Go plugins, which need it (and a C compiler)" >&2
  exit 1
fi
command -v jupyter >/dev/null || { echo "build-kernel.sh: jupyter not found (apt-get install jupyter-client, or pip install jupyter_client)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gophernotes-build.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

echo "== gophernotes $gophernotes_version from the module proxy, with gomacro $gomacro_version and x/tools $xtools_version, on $goversion"
# The source, from the module cache (downloaded and checked against the
# checksum database first if missing): a private, writable copy to patch.
srcdir=$(cd "$work" && go mod download -json "github.com/gopherdata/gophernotes@$gophernotes_version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$srcdir" ] && [ -d "$srcdir" ] || { echo "build-kernel.sh: could not download gophernotes $gophernotes_version" >&2; exit 1; }
cp -R "$srcdir" "$work/gophernotes"
chmod -R u+w "$work/gophernotes"
cd "$work/gophernotes"

# patch_jsoner: gophernotes' own later fix (its master branch), needed with
# the newer gomacro: the proxy type through which interpreted types implement
# display.JSONer must return what display.JSONer's JSON() returns.
patch_jsoner() {
  local f=x_package.go
  grep -q 'JSON_  func(interface{}) string$' "$f" && grep -q 'func (P \*proxy_JSONer) JSON() string {$' "$f" || {
    echo "build-kernel.sh: $f does not look like gophernotes $gophernotes_version's: the JSONer patch does not apply" >&2
    exit 1
  }
  sed -i.orig \
    -e 's/JSON_  func(interface{}) string$/JSON_  func(interface{}) map[string]interface{}/' \
    -e 's/func (P \*proxy_JSONer) JSON() string {$/func (P *proxy_JSONer) JSON() map[string]interface{} {/' "$f"
  rm -f "$f.orig"
}
patch_jsoner

# Go 1.26 language version and the godebug default in the binary itself;
# the newer gomacro and x/tools. go.sum is the committed one (see above), and
# -mod=mod lets the build fill in the indirect requirements from it.
go mod edit -go=1.26.0 -godebug=gotypesalias=0 \
  -require="github.com/cosmos72/gomacro@$gomacro_version" \
  -require="golang.org/x/tools@$xtools_version"
cp "$here/kernel.go.sum" go.sum

kernel="$work/kernel"
mkdir -p "$kernel"
start=$SECONDS
# No -trimpath or other flags: gomacro compiles the plugins of imported
# packages with a plain "go build -buildmode=plugin", and Go refuses to load a
# plugin built with flags that change the packages it shares with the kernel.
go build -mod=mod -o "$kernel/gophernotes" .
echo "   built in $((SECONDS - start)) s"
if ! cmp -s go.sum "$here/kernel.go.sum"; then
  echo "build-kernel.sh: the build needed checksums that kernel.go.sum lacks:" >&2
  diff "$here/kernel.go.sum" go.sum >&2 || true
  exit 1
fi

cp kernel/logo-32x32.png kernel/logo-64x64.png "$kernel/"
cp "$here/kernel.sh" "$kernel/kernel.sh"
chmod +x "$kernel/kernel.sh"
# {resource_dir} is the installed kernelspec's folder (jupyter_client >= 6).
cat >"$kernel/kernel.json" <<JSON
{
  "argv": ["{resource_dir}/kernel.sh", "{connection_file}"],
  "display_name": "Go (gophernotes)",
  "language": "go",
  "env": {"GODEBUG": "gotypesalias=0"},
  "metadata": {"gophernotes": "$gophernotes_version", "gomacro": "$gomacro_version", "go": "$goversion"}
}
JSON
jupyter kernelspec install --user --replace --name "$name" "$kernel" >/dev/null 2>&1 ||
  jupyter kernelspec install --user --replace --name "$name" "$kernel"
echo "== installed the kernelspec \"$name\" in $(jupyter kernelspec list 2>/dev/null | awk -v n="$name" '$1 == n {print $2}')"
