#!/usr/bin/env bash
# Executes the course's notebooks headless, in order, with the GoNB kernel
# (the notebooks in notebooks/) or the gophernotes kernel (their conversions
# in notebooks/gophernotes/), and fails on the first cell that fails.
#
#   notebooks/run.sh --subset            # CI: quick protocol, executed copies in a temp dir
#   notebooks/run.sh --in-place          # full protocol, outputs kept in the notebooks
#   notebooks/run.sh --subset 01-perceptron.ipynb
#   notebooks/run.sh --kernel gophernotes --subset
#
# Options:
#   --kernel K      gonb (default) or gophernotes
#   --subset        set ZOO_NOTEBOOK_SUBSET=1: train on a subset of MNIST for one
#                   epoch (see notebooks/course); its results file is started afresh
#   --in-place      write the outputs into the notebooks themselves
#   --out DIR       write the executed copies into DIR (default: a new temp dir)
#
# Needs Debian's jupyter-nbconvert (apt-get install jupyter-nbconvert
# jupyter-client python3-nbclient) and the Go toolchain. goimports and the
# GoNB kernel are built from the versions pinned in notebooks/tools/go.mod
# (a module of their own: the zoo's go.mod carries no notebook tooling), the
# gophernotes kernel by notebooks/gophernotes/build-kernel.sh, in either case
# into a private JUPYTER_DATA_DIR: the user's Jupyter configuration is not
# touched. For gophernotes, the converted notebooks must be up to date with
# the GoNB ones (go run ./notebooks/gophernotes/convert writes them).
set -euo pipefail

subset=0 inplace=0 out="" kernel=gonb
notebooks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernel="$2"; shift ;;
    --subset) subset=1 ;;
    --in-place) inplace=1 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) notebooks+=("$(basename "$1")") ;;
  esac
  shift
done

case "$kernel" in
  gonb | gophernotes) ;;
  *) echo "run.sh: unknown kernel $kernel (gonb or gophernotes)" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
[ "$kernel" = gonb ] || cd "$kernel" # the gophernotes notebooks are in notebooks/gophernotes
if [ ${#notebooks[@]} -eq 0 ]; then
  notebooks=([0-9][0-9]-*.ipynb)
fi

command -v jupyter >/dev/null || { echo "run.sh: jupyter not found (apt-get install jupyter-nbconvert jupyter-client python3-nbclient)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/zoo-notebooks.XXXXXX")
# gophernotes' plugins and proxy go into $work, some of it read-only.
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/bin"
export JUPYTER_DATA_DIR="$work/jupyter"
if [ "$kernel" = gonb ]; then
  echo "== tools (goimports and the GoNB kernel, as pinned in notebooks/tools/go.mod)"
  (cd "$here/tools" && go build -o "$work/bin/goimports" golang.org/x/tools/cmd/goimports)
  export PATH="$work/bin:$PATH"
  (cd "$here/tools" && go tool gonb --install --force_deps --force_copy) >"$work/gonb-install.log" 2>&1 ||
    { cat "$work/gonb-install.log" >&2; exit 1; }
  jupyter kernelspec list 2>/dev/null | grep -q gonb || { echo "run.sh: the GoNB kernel did not install" >&2; cat "$work/gonb-install.log" >&2; exit 1; }
else
  echo "== the converted notebooks are those of the GoNB notebooks (notebooks/gophernotes/convert -check)"
  (cd "$here/.." && go run ./notebooks/gophernotes/convert -check)
  echo "== the gophernotes kernel (notebooks/gophernotes/build-kernel.sh)"
  t0=$SECONDS
  "$here/gophernotes/build-kernel.sh"
  echo "   kernel built and installed in $((SECONDS - t0)) s"
  # What the kernel builds (the import cells' plugins, the file:// proxy of
  # the zoo's build list: see gophernotes/kernel.sh) goes away with $work.
  export GOPHERNOTES_CACHE="$work/kernel-cache"
fi

timeout=-1 # no limit per cell: a full run trains the CNNs for a long time
if [ "$subset" = 1 ]; then
  export ZOO_NOTEBOOK_SUBSET=1
  rm -f resultados-subconjunto.jsonl # the quick runs start afresh
  timeout=900
else
  unset ZOO_NOTEBOOK_SUBSET
fi

args=(--to notebook --execute --ExecutePreprocessor.kernel_name="$kernel"
  --ExecutePreprocessor.timeout=$timeout --ExecutePreprocessor.startup_timeout=120)
if [ "$inplace" = 1 ]; then
  args+=(--inplace)
else
  out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/zoo-notebooks-out.XXXXXX")}
  mkdir -p "$out"
  args+=(--output-dir "$out")
fi

echo "== notebooks, $kernel kernel ($([ "$subset" = 1 ] && echo "subset: ZOO_NOTEBOOK_SUBSET=1" || echo "full course protocol"))"
start=$SECONDS
for nb in "${notebooks[@]}"; do
  t0=$SECONDS
  if ! jupyter nbconvert "${args[@]}" "$nb" >"$work/nbconvert.log" 2>&1; then
    cat "$work/nbconvert.log" >&2
    echo "run.sh: $nb failed" >&2
    exit 1
  fi
  # GoNB reports a cell program that panics or exits non-zero only as
  # "exit status N" on the cell's stderr, and nbconvert sees success: look for it.
  executed="$nb"
  [ "$inplace" = 1 ] || executed="$out/$nb"
  if ! python3 - "$executed" <<'PY'
import json, re, sys
path = sys.argv[1]
failed = False
for i, cell in enumerate(json.load(open(path, encoding="utf-8"))["cells"]):
    for o in cell.get("outputs", []):
        text = "".join(o.get("text", "")) if o.get("name") == "stderr" else ""
        if o.get("output_type") == "error" or re.search(r"^(exit status \d+|signal: \w+)$|^panic: ", text, re.M):
            print(f"{path}: cell {i} failed:\n{text or o.get('evalue', '')}", file=sys.stderr)
            failed = True
sys.exit(1 if failed else 0)
PY
  then
    echo "run.sh: $nb failed" >&2
    exit 1
  fi
  detail=""
  if [ "$kernel" = gophernotes ]; then
    # The import cell compiles the notebook's plugin: say how long it took.
    detail=$(python3 - "$executed" <<'PY'
import json, sys
from datetime import datetime
for cell in json.load(open(sys.argv[1], encoding="utf-8"))["cells"]:
    if cell["cell_type"] == "code" and "".join(cell["source"]).startswith("import"):
        t = cell.get("metadata", {}).get("execution", {})
        try:
            a = datetime.fromisoformat(t["iopub.execute_input"].replace("Z", "+00:00"))
            b = datetime.fromisoformat(t["shell.execute_reply"].replace("Z", "+00:00"))
            print(f" (import cell: {(b - a).total_seconds():.0f} s)")
        except (KeyError, ValueError):
            pass
        break
PY
)
  fi
  echo "$nb: ok in $((SECONDS - t0)) s$detail"
done
echo "all ${#notebooks[@]} notebooks ran in $((SECONDS - start)) s$([ "$inplace" = 1 ] && echo ", outputs kept in place" || echo "; executed copies in $out")"
