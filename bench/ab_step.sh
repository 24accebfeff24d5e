#!/usr/bin/env bash
# Side-by-side training-step benchmark of a git revision against the working
# tree: bench/gobench's BenchmarkStep built from both, in both builds (pure Go
# and -tags openblas), run alternately in a shuffled order each round so that
# a shared machine's drift hits old and new alike; then benchstat old new.
#
#   bench/ab_step.sh [-r ROUNDS] [-b BENCH] [-t BENCHTIME] [-o DIR] REV
#
#   bench/ab_step.sh HEAD                          # 8 rounds of every model
#   bench/ab_step.sh -r 4 -b 'Step/^(cnn2|cnn3)$' HEAD
#
# The old tree is `git archive REV`, measured with its own
# bench/gobench/step_test.go (each tree's harness step; REV must have the
# warm-up step, f11613e and later). Raw outputs stay in DIR (default a new
# temporary directory) as {old,new}-{go,openblas}.txt. benchstat: go install
# golang.org/x/perf/cmd/benchstat@latest (without it, the raw files remain).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=8 bench=Step benchtime=20x dir=
while getopts r:b:t:o: opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    b) bench=$OPTARG ;;
    t) benchtime=$OPTARG ;;
    o) dir=$OPTARG ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { sed -n '2,16p' "$0"; exit 2; }
rev=$1
dir=${dir:-$(mktemp -d /tmp/ab-step.XXXXXX)}
mkdir -p "$dir"
old=$dir/old-tree
rm -rf "$old" && mkdir -p "$old"
git archive "$rev" | tar -x -C "$old"

tags=(go openblas)
for t in "${tags[@]}"; do
  flag=()
  [ "$t" = openblas ] && flag=(-tags openblas)
  echo "building $t: old ($rev) and new (working tree)" >&2
  (cd "$old" && go test -c "${flag[@]}" -o "$dir/old-$t.test" ./bench/gobench)
  go test -c "${flag[@]}" -o "$dir/new-$t.test" ./bench/gobench
  : >"$dir/old-$t.txt"
  : >"$dir/new-$t.txt"
done

for r in $(seq "$rounds"); do
  for v in $(printf '%s\n' old-go new-go old-openblas new-openblas | shuf); do
    echo "round $r/$rounds: $v" >&2
    "$dir/$v.test" -test.run '^$' -test.bench "$bench" -test.benchtime "$benchtime" -test.benchmem >>"$dir/$v.txt"
  done
done

for t in "${tags[@]}"; do
  echo "== $t ($rev → working tree)"
  if command -v benchstat >/dev/null; then
    benchstat "$dir/old-$t.txt" "$dir/new-$t.txt"
  else
    echo "(no benchstat; raw results in $dir)"
  fi
done
echo "raw results: $dir" >&2
