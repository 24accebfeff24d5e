#!/usr/bin/env bash
# Executes the course's notebooks headless with the GoNB kernel, in order,
# and fails on the first cell that fails.
#
#   notebooks/run.sh --subset            # CI: quick protocol, executed copies in a temp dir
#   notebooks/run.sh --in-place          # full protocol, outputs kept in the notebooks
#   notebooks/run.sh --subset 01-perceptron.ipynb
#
# Options:
#   --subset        set ZOO_NOTEBOOK_SUBSET=1: train on a subset of MNIST for one
#                   epoch (see notebooks/course); its results file is started afresh
#   --in-place      write the outputs into the notebooks themselves
#   --out DIR       write the executed copies into DIR (default: a new temp dir)
#
# Needs Debian's jupyter-nbconvert (apt-get install jupyter-nbconvert
# jupyter-client python3-nbclient) and the Go toolchain. goimports and the
# GoNB kernel are built from the versions pinned in notebooks/tools/go.mod
# (a module of their own: the zoo's go.mod carries no notebook tooling), into a private
# JUPYTER_DATA_DIR: the user's Jupyter configuration is not touched.
set -euo pipefail

subset=0 inplace=0 out=""
notebooks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --subset) subset=1 ;;
    --in-place) inplace=1 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) notebooks+=("$(basename "$1")") ;;
  esac
  shift
done

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [ ${#notebooks[@]} -eq 0 ]; then
  notebooks=([0-9][0-9]-*.ipynb)
fi

command -v jupyter >/dev/null || { echo "run.sh: jupyter not found (apt-get install jupyter-nbconvert jupyter-client python3-nbclient)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/zoo-notebooks.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
echo "== tools (goimports and the GoNB kernel, as pinned in notebooks/tools/go.mod)"
(cd "$here/tools" && go build -o "$work/bin/goimports" golang.org/x/tools/cmd/goimports)
export PATH="$work/bin:$PATH"
export JUPYTER_DATA_DIR="$work/jupyter"
(cd "$here/tools" && go tool gonb --install --force_deps --force_copy) >"$work/gonb-install.log" 2>&1 ||
  { cat "$work/gonb-install.log" >&2; exit 1; }
jupyter kernelspec list 2>/dev/null | grep -q gonb || { echo "run.sh: the GoNB kernel did not install" >&2; cat "$work/gonb-install.log" >&2; exit 1; }

timeout=-1 # no limit per cell: a full run trains the CNNs for a long time
if [ "$subset" = 1 ]; then
  export ZOO_NOTEBOOK_SUBSET=1
  rm -f resultados-subconjunto.jsonl # the quick runs start afresh
  timeout=900
else
  unset ZOO_NOTEBOOK_SUBSET
fi

args=(--to notebook --execute --ExecutePreprocessor.kernel_name=gonb
  --ExecutePreprocessor.timeout=$timeout --ExecutePreprocessor.startup_timeout=120)
if [ "$inplace" = 1 ]; then
  args+=(--inplace)
else
  out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/zoo-notebooks-out.XXXXXX")}
  mkdir -p "$out"
  args+=(--output-dir "$out")
fi

echo "== notebooks ($([ "$subset" = 1 ] && echo "subset: ZOO_NOTEBOOK_SUBSET=1" || echo "full course protocol"))"
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
  echo "$nb: ok in $((SECONDS - t0)) s"
done
echo "all ${#notebooks[@]} notebooks ran in $((SECONDS - start)) s$([ "$inplace" = 1 ] && echo ", outputs kept in place" || echo "; executed copies in $out")"
