#!/usr/bin/env bash
# Starts the gophernotes kernel that build-kernel.sh installed beside this
# script (kernel.json runs it with the connection file as its argument).
#
# gophernotes (its interpreter, gomacro) compiles the packages an import cell
# names into a Go plugin, in a new module under $GOPATH/src/gomacro.imports:
# it writes a go.mod there (a replace directive for each package imported by
# a local path, such as "../../zoo"), runs "go get" on the packages, then
# "go mod tidy" and "go build -buildmode=plugin". Left alone, "go get" asks
# the network for the newest version of every third-party package the cell
# names (gonum, Gorgonia), so the plugin would not build the versions that
# the notebook's module requires, and a proxy that fails a checksum lookup
# fails the import. So, when the kernel starts inside a Go module (Jupyter
# starts it in the notebook's folder), this script serves that module's
# build list, and only it, from the local module cache, as a file:// module
# proxy: "go get" resolves every module to exactly the version that the
# module's go.mod selects, without the network. The versions hold as long as
# the import cell also names a package of the notebook's module (its
# requirements then govern); the converted course notebooks import
# everything in one cell. Set GOPHERNOTES_KEEP_GOPROXY=1 to keep GOPROXY;
# GOPHERNOTES_CACHE moves what the kernel builds (default
# ~/.cache/gophernotes-kernel).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

# gomacro needs the go/types of Go 1.22 (no Alias nodes); kernel.json sets
# this too, and the binary defaults to it, but a GODEBUG from the environment
# would replace both.
case ",${GODEBUG:-}," in
  *,gotypesalias=0,*) ;;
  *) export GODEBUG="${GODEBUG:+$GODEBUG,}gotypesalias=0" ;;
esac
# The plugins must be built by the toolchain that built the kernel.
export GOTOOLCHAIN=local

# What this kernel builds goes under $root: the proxy below, and the plugins.
# gomacro writes those in $GOPATH/src/gomacro.imports/gomacro_pid_PID and,
# at a kernel's first import, removes all of gomacro.imports, the folders of
# the other running kernels included: each kernel gets a GOPATH of its own
# (the module cache stays the user's), and the folders of kernels that are
# gone are removed here.
root="${GOPHERNOTES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gophernotes-kernel}"
mkdir -p "$root"
for d in "$root"/gopath.*; do
  [ -d "$d" ] || continue
  pid=${d##*.}
  kill -0 "$pid" 2>/dev/null || { chmod -R u+w "$d" 2>/dev/null; rm -rf "$d"; }
done
GOMODCACHE=$(go env GOMODCACHE)
export GOMODCACHE GOPATH="$root/gopath.$$" # $$: exec keeps the pid

mod=$(go env GOMOD 2>/dev/null || true)
if [ -n "$mod" ] && [ "$mod" != /dev/null ] && [ -z "${GOPHERNOTES_KEEP_GOPROXY:-}" ]; then
  modroot=$(dirname "$mod")
  cache=$GOMODCACHE/cache/download
  list=$(cd "$modroot" && go list -m -f '{{if not .Main}}{{if .GoMod}}{{.Version}} {{.GoMod}}{{end}}{{end}}' all) || {
    echo "kernel.sh: go list -m all failed in $modroot (go mod download there fetches what is missing); imports will use GOPROXY=${GOPROXY:-$(go env GOPROXY)}" >&2
    list=""
  }
fi
if [ -n "${list:-}" ]; then

  # The proxy: one per build list (a hash of it names the folder), made once,
  # of symbolic links into the module cache, and of version lists that hold
  # only the build list's version: the one "go get" may pick. The module
  # cache keeps no .info for the go.mod-only versions of the module graph,
  # which "go mod tidy" asks the proxy for: they get a minimal one.
  key=$( { echo "$cache"; echo "$list"; } | sha256sum | cut -c1-16)
  proxy="$root/goproxy-$key"
  if [ ! -d "$proxy" ]; then
    tmp=$(mktemp -d "$root/.new.XXXXXX")
    while read -r version gomod; do
      [ -n "$version" ] || continue
      dir=$(dirname "$gomod")
      case "$dir" in "$cache"/*) ;; *) continue ;; esac # a replaced module: not served
      dst="$tmp/${dir#"$cache"/}"
      mkdir -p "$dst"
      for f in "$dir"/*; do
        case "$f" in */list | *.lock | *.partial | *.tmp) ;; *) ln -s "$f" "$dst/" ;; esac
      done
      for f in "$dst"/*.mod; do
        v=$(basename "$f" .mod)
        [ -e "$dst/$v.info" ] || printf '{"Version":"%s"}\n' "$v" >"$dst/$v.info"
      done
      echo "$version" >"$dst/list"
    done <<<"$list"
    mv -T "$tmp" "$proxy" 2>/dev/null || rm -rf "$tmp" # another kernel made it first
  fi
  export GOPROXY="file://$proxy"
  # The plugin modules are new, so "go get" writes their go.sum, and a file://
  # proxy cannot answer checksum-database lookups. The files come from the
  # module cache, where the go command verified them when it downloaded them.
  export GOSUMDB=off
fi

exec "$here/gophernotes" "$@"
