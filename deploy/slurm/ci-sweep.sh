#!/usr/bin/env bash
# CI: a sweep as a Slurm job array on a throwaway one-node cluster
# (local-cluster.sh), run for real:
#
#  1. installs slurm and munge if missing, builds zoo, starts the cluster;
#  2. submits sweep.sbatch as a 4-task array of 12 runs; as soon as task 2
#     has recorded its first run, cancels that task (scancel JOB_2), which
#     must still have runs to do (its last is a CNN, seconds long); the
#     other tasks must complete;
#  3. submits task 2 alone again (--array=2, ZOO_SHARDS=4): -resume skips
#     what it recorded and does the rest;
#  4. checks that each shard file holds exactly its part of the plan (zoo
#     -plan -shard i/4: model, configuration hash, seed), each run once, and
#     that together they are the plan; then zoo report over the shard files.
#
# Between 2 and 3 it checks that resubmitting task 2 without ZOO_SHARDS is
# refused (as shard 0 of 1 it would run the whole plan).
#
# Any mismatch fails with a line saying what. The daemons are stopped on
# every exit (trap). Run as root, from anywhere; about 20-35 s on 2 cores,
# plus 8-25 s to install the packages on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
here=$repo/deploy/slurm

work=$(mktemp -d /tmp/zoo-ci-sweep.XXXXXX)
export ZOO_SLURM_DIR=$work/slurm SLURM_CONF=$work/slurm/slurm.conf
bin=$work/zoo
results=$work/results
logs=$work/logs
mkdir -p "$logs"

fail() {
  echo "ci-sweep: FAIL: $*" >&2
  exit 1
}

t_start=$(date +%s.%N)
t_last=$t_start
timings=()
# lap NAME: how long since the previous lap, kept for the summary.
lap() {
  local now
  now=$(date +%s.%N)
  timings+=("$(awk -v a="$now" -v b="$t_last" -v what="$1" 'BEGIN { printf "%-34s %6.1f s", what, a - b }')")
  echo "   ${timings[-1]}"
  t_last=$now
}

started=
cleanup() {
  local code=$?
  if [ -n "$started" ]; then
    "$here/local-cluster.sh" stop || true
  fi
  if [ "$code" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "ci-sweep: kept $work (task logs in $work/logs, Slurm's in $work/slurm)" >&2
  fi
}
trap cleanup EXIT
# Interrupted too: exit, so that the EXIT trap stops the cluster.
trap 'exit 130' INT
trap 'exit 143' TERM

echo "-- packages (slurmctld slurmd slurm-client munge)"
"$here/local-cluster.sh" install
lap "install (if missing)"

echo "-- zoo, built once; the tasks run this binary"
go build -o "$bin" ./cmd/zoo
lap "go build"

# The sweep: two MLPs and a CNN, 2 learning rates, 2 seeds, on a subset:
# 12 runs, 3 per task. A CNN run ends each task's part (the plan's order),
# slow enough (seconds) for the cancel to land inside it.
sweep=(-model model1,model2,cnn2 -lr 0.01,0.1 -seeds 0,1 -epochs 1 -train-samples 10000 -test-samples 500)
if [ -d "$repo/../shared/data/mnist" ]; then
  sweep+=(-data "$(cd "$repo/../shared/data/mnist" && pwd)")
else
  # The jobs get this environment (sbatch's default --export=ALL): zoo
  # finds MNIST in the module cache, which go build just filled.
  GOMODCACHE=$(go env GOMODCACHE)
  export GOMODCACHE
fi
shards=4
cancel=2

echo "-- the plan"
# key FILE: "model config-hash seed" of each record of a results file, or
# of each run of a -plan listing; fails on a line it cannot read.
plan_keys() { awk '!/^#/ && NF == 9 { print $3, $8, $7 }' "$1"; }
record_keys() {
  local n_lines n_keys
  n_lines=$(grep -c '' "$1" || true)
  sed -nE 's/.*"model":"([^"]*)",.*"seed":(-?[0-9]+),"config_hash":"([0-9a-f]+)".*/\1 \3 \2/p' "$1"
  n_keys=$(sed -nE '/"model":"[^"]*",.*"seed":-?[0-9]+,"config_hash":"[0-9a-f]+"/p' "$1" | grep -c '' || true)
  [ "$n_lines" = "$n_keys" ] || fail "$1: $((n_lines - n_keys)) of its $n_lines lines are not records"
}
"$bin" "${sweep[@]}" -plan >"$work/plan.txt"
plan_keys "$work/plan.txt" | sort >"$work/plan.keys"
total=$(grep -c '' "$work/plan.keys")
for i in $(seq 0 $((shards - 1))); do
  "$bin" "${sweep[@]}" -plan -shard "$i/$shards" >"$work/plan-$i.txt"
  plan_keys "$work/plan-$i.txt" | sort >"$work/plan-$i.keys"
  echo "   shard $i of $shards: $(grep -c '' "$work/plan-$i.keys") runs: $(awk '{print $1}' "$work/plan-$i.keys" | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
done
[ "$total" -eq 12 ] || fail "the plan has $total runs, want 12"
sort -m "$work"/plan-*.keys | cmp -s - "$work/plan.keys" || fail "the shards' plans are not the plan, each run once"
lap "plan"

echo "-- cluster"
started=1
"$here/local-cluster.sh" start
lap "cluster start"

# submit ARGS...: sbatch's job id.
submit() {
  RESULTS=$results ZOO=$bin sbatch --parsable --output="$logs/%A_%a.out" "$@" "$here/sweep.sbatch" "${sweep[@]}"
}

# wait_job ID: until no task of the job is pending, running or completing,
# then until the job completion log has a line per task. squeue forgets
# jobs MinJobAge (300 s) after they end; the log keeps state and exit code.
wait_job() {
  local id=$1 ntasks=$2
  for _ in $(seq 1200); do
    [ -z "$(squeue -h -r -j "$id" -o %i 2>/dev/null || true)" ] && break
    sleep 0.25
  done
  [ -z "$(squeue -h -r -j "$id" -o %i 2>/dev/null || true)" ] || fail "job $id is still in the queue after 5 minutes"
  for _ in $(seq 100); do
    [ "$(grep -c " ArrayJobId=$id " "$ZOO_SLURM_DIR/jobcomp.log" 2>/dev/null || true)" -ge "$ntasks" ] && return
    sleep 0.1
  done
  fail "job $id: the completion log has no line for some of its $ntasks tasks"
}

# task_end JOB TASK: "STATE EXITCODE" of an array task, from the completion log.
task_end() {
  grep " ArrayJobId=$1 ArrayTaskId=$2 " "$ZOO_SLURM_DIR/jobcomp.log" | tail -1 |
    sed -E 's/.* JobState=([A-Z_]+) .* ExitCode=([0-9]+:[0-9]+).*/\1 \2/'
}

count() { if [ -f "$1" ]; then grep -c '' "$1" || true; else echo 0; fi; }

echo "-- the sweep: a $shards-task array; task $cancel is cancelled after its first record"
job=$(submit --array=0-$((shards - 1)))
echo "   job $job"
cancel_file=$results/r-$cancel-of-$shards.jsonl
for _ in $(seq 6000); do
  [ "$(count "$cancel_file")" -ge 1 ] && break
  sleep 0.02
done
[ "$(count "$cancel_file")" -ge 1 ] || fail "task $cancel recorded nothing in 2 minutes"
scancel "${job}_$cancel"
echo "   scancel ${job}_$cancel at its record $(count "$cancel_file") of $(grep -c '' "$work/plan-$cancel.keys")"
wait_job "$job" "$shards"
for i in $(seq 0 $((shards - 1))); do
  end=$(task_end "$job" "$i")
  echo "   task $i: $end, $(count "$results/r-$i-of-$shards.jsonl") records"
  if [ "$i" -eq "$cancel" ]; then
    [ "${end%% *}" = CANCELLED ] || fail "task $cancel ended $end, want CANCELLED"
  else
    [ "$end" = "COMPLETED 0:0" ] || fail "task $i ended $end, want COMPLETED 0:0 (log: $logs/${job}_$i.out)"
  fi
done
kept=$(count "$cancel_file")
want=$(grep -c '' "$work/plan-$cancel.keys")
[ "$kept" -lt "$want" ] || fail "task $cancel finished all its $want runs before the cancel reached it: nothing was left to resume"
grep -q "zoo: interrupted during" "$logs/${job}_$cancel.out" || fail "task $cancel's log has no word from zoo of the interruption (log: $logs/${job}_$cancel.out)"
grep -h "interrupted\|CANCELLED" "$logs/${job}_$cancel.out" | sed 's/^/   log: /'
lap "array, one task cancelled"

echo "-- a part of the array without ZOO_SHARDS is refused (it would run the whole plan as shard 0 of 1)"
bad=$(submit --array=$cancel)
wait_job "$bad" 1
end=$(task_end "$bad" "$cancel")
[ "$end" = "FAILED 2:0" ] || fail "sbatch --array=$cancel without ZOO_SHARDS ended $end, want FAILED 2:0"
grep -q "set ZOO_SHARDS" "$logs/${bad}_$cancel.out" || fail "sbatch --array=$cancel without ZOO_SHARDS: no word of ZOO_SHARDS in its log"
[ "$(count "$cancel_file")" -eq "$kept" ] || fail "the refused task wrote records"
sed 's/^/   log: /' "$logs/${bad}_$cancel.out"
lap "partial array refused"

echo "-- task $cancel again, alone, with -resume"
again=$(ZOO_SHARDS=$shards submit --array=$cancel)
wait_job "$again" 1
end=$(task_end "$again" "$cancel")
[ "$end" = "COMPLETED 0:0" ] || fail "task $cancel, again, ended $end, want COMPLETED 0:0 (log: $logs/${again}_$cancel.out)"
skipped=$(grep -c "recorded already, skipped (-resume)" "$logs/${again}_$cancel.out" || true)
[ "$skipped" -eq "$kept" ] || fail "task $cancel, again, skipped $skipped recorded runs, want $kept"
echo "   job $again: $end, skipped the $skipped recorded runs, now $(count "$cancel_file") records"
lap "task resubmitted"

echo "-- the shard files against the plan"
: >"$work/all.keys"
for i in $(seq 0 $((shards - 1))); do
  f=$results/r-$i-of-$shards.jsonl
  record_keys "$f" | sort >"$work/got-$i.keys"
  dup=$(uniq -d "$work/got-$i.keys")
  [ -z "$dup" ] || fail "shard $i recorded these runs more than once: $dup"
  if ! diff -u "$work/plan-$i.keys" "$work/got-$i.keys" >"$work/diff-$i" 2>&1; then
    cat "$work/diff-$i" >&2
    fail "shard $i's records are not its part of the plan (- planned, + recorded)"
  fi
  cat "$work/got-$i.keys" >>"$work/all.keys"
done
sort "$work/all.keys" | cmp -s - "$work/plan.keys" || fail "the merged records are not the plan"
echo "   $total runs recorded, each once, each in its shard's file: the plan (model, config hash, seed)"
ls "$results" | tr '\n' ' ' | sed 's/^/   /'
echo
lap "check"

echo "-- zoo report over the shard files"
"$bin" report -out "$work/report" "$results"/r-*-of-$shards.jsonl >/dev/null
rows=$(($(grep -c '' "$work/report/runs.csv") - 1))
[ "$rows" -eq "$total" ] || fail "the report's runs.csv has $rows runs, want $total"
grep -A5 '^| model' "$work/report/report.md" | head -6 | sed 's/^/   /' || true
lap "report"

"$here/local-cluster.sh" stop
started=
lap "cluster stop"

echo "-- timings"
printf '   %s\n' "${timings[@]}"
awk -v a="$(date +%s.%N)" -v b="$t_start" 'BEGIN { printf "   %-34s %6.1f s\n", "total", a - b }'
echo "ci-sweep: ok"
