#!/usr/bin/env python3
"""Side-by-side benchmark of the zoo and the course's PyTorch (issue 13).

    bench/compare.sh [--models all] [--epochs 1] [--rounds 1] [--seed 0]
        [--sides go,ob,course,preloaded] [--torch-threads 1,2] [--data DIR]
        [--out bench/results.md] [--sgemm-benchtime 1s] [--no-sgemm] [--no-allocs]
        [--suite [--suite-torch-threads N]]
    bench/compare.sh --from-json bench/results.json [--merge LATER.json] [--out FILE]

In one run on this machine, for each model, interleaved (every side of a
model runs before the next model starts, in an order rotated per model and
round, so that drift in the machine's load hits all sides alike):

  go         the zoo, default build: its own sgemm in Go assembly, no cgo
             (go build ./cmd/zoo); "zoo, default (Go asm)" in the report
  ob         the zoo, OpenBLAS (go build -tags openblas ./cmd/zoo)
  course     the course's pipeline: torchvision MNIST + ToTensor + DataLoader
             (bench/course_pipeline.py)
  preloaded  PyTorch with MNIST preloaded as one tensor (bench/torch_preloaded.py)

the PyTorch sides once per thread count of --torch-threads (default 1 and
one per core; the faster is reported: torch defaults to 1 thread on this VM,
best for the MLPs, while 2 suit the CNNs and the zoo uses both cores), each
trained from seed --seed for --epochs epochs (batches of 100, plain SGD
at 0.1) and evaluated on the 10000 test images.

It also measures sgemm on this machine (bench/sgemm: the zoo's own sgemm,
gonum and OpenBLAS at 1024³ and cnn2's shapes, on one core, as one product
over all cores and as one product per core at once) and the CPU's FMA peak
(BenchmarkFMAPeak: register-only fused multiply-adds, one core and all
cores), the allocations of a training step (bench/gobench, both builds),
counts the FLOPs of an epoch from the models' layer shapes, and writes a
Markdown report (--out, with the raw figures as JSON beside it) that says
which of the issue's targets are met:

  (a) the default build within 1.1× of the OpenBLAS build's epoch time on
      every model, or faster;
  (b) the default build faster than preloaded PyTorch on every model;
  (c) the default build at least 2× faster than the course pipeline on
      every model;
  (d) the CNNs' training (default build) at 70 % or more of the machine's
      sgemm limit, OpenBLAS's 1024³ product on both cores: FLOPs of an epoch
      ÷ epoch time;
  (e) test accuracy: every side's is reported; the default build's should
      be within 0.5 points of the OpenBLAS build's and of the zoo before the
      optimisations (bench/accuracy_before.json, when it has the run).

Every GFLOP/s figure is also given as a percentage of the measured FMA peak
of all cores.

--suite (long: about 40 minutes on 2 cores) then times the whole suite, the
7 models × 5 epochs, once per side in one process each (the zoo binary with
-model course -epochs 5, bench/course_pipeline.py and bench/torch_preloaded.py
with --models all --epochs 5), whatever --models and --epochs say, and
reports per side the sum of the training loops and the wall-clock time of
the process (start, data loading and evaluation included). The PyTorch
sides run with --suite-torch-threads threads, by default the count whose
per-model epoch times added up least in this run (one per core if the
per-model runs did not cover the side).

Times are training loops only (each side times its own loop; data loading,
process start and evaluation are outside), per epoch; with --rounds N the
median of N runs. Run from the repository root with /usr/bin/python3 (Debian's
torch); needs Go and, for the ob side, libopenblas-dev.

--from-json FILE only rewrites the report from the raw figures of an earlier
run; with --merge LATER.json the models (and the suite, if it has one) that
a later run measured are taken from LATER.json, and the report says so.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

MODELS = ["model1", "model2", "model3", "model4", "cnn1", "cnn2", "cnn3"]
MLPS = {"model1", "model2", "model3", "model4"}
SIDES = ["go", "ob", "course", "preloaded"]
SIDE_NAMES = {
    "go": "zoo, default (Go asm)",
    "ob": "zoo, OpenBLAS",
    "course": "course pipeline",
    "preloaded": "PyTorch preloaded",
}
TRAIN_SAMPLES = 60000
BATCH = 100
LR = 0.1

# The targets of issue 13 (this machine, the default build, one run).
VS_OPENBLAS = 1.1       # (a) every model: default build ≤ 1.1 × the OpenBLAS build's time
VS_PRELOADED = 1.0      # (b) every model: default build faster than preloaded PyTorch
COURSE_SPEEDUP = 2.0    # (c) every model: course pipeline ÷ default build ≥ 2
CNN_OF_LIMIT = 0.70     # (d) CNNs: FLOPs per epoch ÷ epoch time ≥ 70 % of the sgemm limit
ACCURACY_NOISE = 0.005  # (e) accuracy "unchanged": within 0.5 percentage points

# --suite: the whole suite, every model for this many epochs, once per side.
SUITE_EPOCHS = 5


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, env=None, timeout=None):
    """Run cmd; return stdout. Raises with the tail of stderr on failure."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        tail = "\n".join((p.stderr or p.stdout).strip().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(cmd)} exited with {p.returncode}:\n{tail}")
    return p.stdout


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------- builds

def build(tmp, have_openblas):
    """Build the zoo and the benchmark test binaries; return their paths."""
    bins = {}
    variants = [("go", [])] + ([("ob", ["-tags", "openblas"])] if have_openblas else [])
    for side, tags in variants:
        log(f"building the zoo ({SIDE_NAMES[side]})")
        bins["zoo-" + side] = os.path.join(tmp, "zoo-" + side)
        run(["go", "build"] + tags + ["-o", bins["zoo-" + side], "./cmd/zoo"])
        bins["gobench-" + side] = os.path.join(tmp, "gobench-" + side + ".test")
        run(["go", "test", "-c"] + tags + ["-o", bins["gobench-" + side], "./bench/gobench"])
        bins["sgemm-" + side] = os.path.join(tmp, "sgemm-" + side + ".test")
        run(["go", "test", "-c"] + tags + ["-o", bins["sgemm-" + side], "./bench/sgemm"])
    return bins


def openblas_available():
    """Whether a program linking -lopenblas builds here."""
    try:
        run(["go", "vet", "-tags", "openblas", "./graph"])
        run(["go", "build", "-tags", "openblas", "-o", os.devnull, "./cmd/zoo"])
        return True
    except RuntimeError as e:
        log(f"no OpenBLAS build ({e}); the ob side is skipped")
        return False


# ---------------------------------------------------------------- go benchmarks

BENCH_LINE = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$")


def parse_bench(out):
    """{name: {unit: value}} from `go test -bench` output."""
    res = {}
    for line in out.splitlines():
        m = BENCH_LINE.match(line.strip())
        if not m:
            continue
        fields = m.group(3).split()
        vals = {}
        for i in range(0, len(fields) - 1, 2):
            try:
                vals[fields[i + 1]] = float(fields[i])
            except ValueError:
                pass
        res[m.group(1)] = vals
    return res


def bench_key(name):
    """The key of a bench/sgemm benchmark in the figures: zoo/1024/serial
    for BenchmarkSgemm/zoo/1024/serial, fmapeak/serial for
    BenchmarkFMAPeak/serial."""
    name = name.removeprefix("Benchmark")
    if name.startswith("Sgemm/"):
        return name.removeprefix("Sgemm/")
    return name.replace("FMAPeak", "fmapeak", 1)


def sgemm_rates(bins, have_openblas, benchtime):
    """GFLOP/s of sgemm on this machine and of the CPU's FMA peak.

    Keys are IMPL/SHAPE/MODE (IMPL zoo, gonum or openblas; MODE serial,
    parallel or, for the zoo, allcores, as bench/sgemm names them), plus
    gonum/SHAPE/serial-1core (gonum at GOMAXPROCS 1: its serial splits a
    large product over GOMAXPROCS goroutines), openblas/SHAPE/serial-Nthreads
    (OpenBLAS with N = one thread per core), and fmapeak/serial and
    fmapeak/parallel."""
    binary = bins["sgemm-ob"] if have_openblas else bins["sgemm-go"]
    cores = os.cpu_count() or 2
    log("sgemm: the zoo's, gonum's" + (" and OpenBLAS's (one OpenBLAS thread)" if have_openblas else "")
        + ", 1024³ and cnn2's shapes; FMA peak")
    out = run([binary, "-test.run", "^$", "-test.bench", "Sgemm|FMAPeak", "-test.benchtime", benchtime],
              env={"OPENBLAS_NUM_THREADS": "1"})
    rates = {bench_key(k): v.get("GFLOP/s") for k, v in parse_bench(out).items()}
    log("sgemm: gonum on one core (GOMAXPROCS 1)")
    out = run([binary, "-test.run", "^$", "-test.bench", "Sgemm/gonum/.*/serial", "-test.cpu", "1",
               "-test.benchtime", benchtime], env={"OPENBLAS_NUM_THREADS": "1"})
    for k, v in parse_bench(out).items():
        rates[bench_key(k) + "-1core"] = v.get("GFLOP/s")
    if have_openblas:
        log(f"sgemm: OpenBLAS with {cores} threads")
        out = run([binary, "-test.run", "^$", "-test.bench", "Sgemm/openblas/.*/serial",
                   "-test.benchtime", benchtime], env={"OPENBLAS_NUM_THREADS": str(cores)})
        for k, v in parse_bench(out).items():
            rates[bench_key(k) + f"-{cores}threads"] = v.get("GFLOP/s")
    return rates


def step_allocs(bins, side, models):
    """Per model: allocs, bytes and ns of a training step (bench/gobench)."""
    log(f"allocations per step ({SIDE_NAMES[side]})")
    out = run([bins["gobench-" + side], "-test.run", "^$", "-test.bench", "Step/^(" + "|".join(models) + ")$",
               "-test.benchtime", "10x"])
    res = {}
    for name, vals in parse_bench(out).items():
        model = name.split("/")[-1]
        res[model] = {"allocs": vals.get("allocs/op"), "bytes": vals.get("B/op"),
                      "ns": vals.get("ns/op")}
    return res


# ---------------------------------------------------------------- FLOPs

def forward_macs():
    """Multiply-adds of one sample's forward pass through every conv and
    linear layer of each course model, from the layers' shapes."""
    import torch
    import torch.nn as nn

    import course_models
    macs = {}
    for name, cls in course_models.NAMES.items():
        net = cls()
        total = [0]

        def hook(mod, inp, out):
            if isinstance(mod, nn.Conv2d):
                k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
                total[0] += out.numel() * k
            elif isinstance(mod, nn.Linear):
                total[0] += out.numel() * mod.in_features

        hooks = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        with torch.no_grad():
            net.eval()(torch.zeros(1, 1, 28, 28))
        for h in hooks:
            h.remove()
        macs[name] = total[0]
    return macs


# ---------------------------------------------------------------- sides

def zoo_runs(bins, side, models, epochs, args, tmp):
    """Runs the zoo binary of a build on models (a name, or all); returns
    one dict per model trained, from the records it wrote."""
    out = os.path.join(tmp, f"{side}-{models}-{time.monotonic_ns()}.jsonl")
    run([bins["zoo-" + side], "-model", models, "-epochs", str(epochs), "-seed", str(args.seed),
         "-lr", str(LR), "-batch", str(BATCH), "-data", args.data, "-out", out])
    rows = []
    with open(out) as f:
        for line in f.read().strip().splitlines():
            rec = json.loads(line)
            rows.append({"model": rec.get("model"), "seconds": rec["train_seconds"], "accuracy": rec["test_accuracy"],
                         "loss": rec.get("epoch_loss"), "blas": rec.get("env", {}).get("blas")})
    if not rows:
        raise RuntimeError(f"the zoo ({SIDE_NAMES[side]}) wrote no record to {out}")
    return rows


def run_zoo(bins, side, model, args, tmp):
    rec = zoo_runs(bins, side, model, args.epochs, args, tmp)[-1]
    del rec["model"]
    return rec


def torch_env(threads):
    """OMP_NUM_THREADS for a PyTorch side (torch reads it at start-up); 0
    leaves torch's default."""
    return {"OMP_NUM_THREADS": str(threads)} if threads > 0 else None


COURSE_ROW = re.compile(r"^\|\s*(\w+)\s*\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|", re.M)


def course_runs(models, epochs, args, threads):
    """Runs the course pipeline on models (a name, or all); one dict per
    model, from the table it prints."""
    out = run([sys.executable, "bench/course_pipeline.py", "--models", models, "--epochs", str(epochs),
               "--seed", str(args.seed), "--lr", str(LR), "--batch", str(BATCH), "--data", args.data],
              env=torch_env(threads))
    used = re.search(r"torch \S+, (\d+) threads", out)
    # The table rounds to 0.1 s; the per-model line printed by benchmark()
    # is no finer, which is enough for runs of seconds.
    rows = [{"model": m.group(1), "seconds": float(m.group(3)), "accuracy": float(m.group(2)),
             "threads": int(used.group(1)) if used else None} for m in COURSE_ROW.finditer(out)]
    if not rows:
        raise RuntimeError(f"course_pipeline.py printed no row for {models}:\n{out}")
    return rows


def run_course(model, args, threads):
    rows = [r for r in course_runs(model, args.epochs, args, threads) if r["model"] == model]
    if not rows:
        raise RuntimeError(f"course_pipeline.py printed no row for {model}")
    del rows[0]["model"]
    return rows[0]


def preloaded_runs(models, epochs, args, threads):
    """Runs PyTorch with preloaded tensors on models (a name, or all); one
    dict per model, from the JSON lines it prints."""
    out = run([sys.executable, "bench/torch_preloaded.py", "--models", models, "--epochs", str(epochs),
               "--seed", str(args.seed), "--lr", str(LR), "--batch", str(BATCH), "--data", args.data, "--json",
               "--threads", str(threads)], env=torch_env(threads))
    rows = []
    for line in out.strip().splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            rows.append({"model": rec["model"], "seconds": rec["train_seconds"], "accuracy": rec["test_accuracy"],
                         "loss": rec["epoch_loss"], "threads": rec["threads"], "torch": rec["torch"]})
    if not rows:
        raise RuntimeError(f"torch_preloaded.py printed no record for {models}:\n{out}")
    return rows


def run_preloaded(model, args, threads):
    rec = preloaded_runs(model, args.epochs, args, threads)[-1]
    del rec["model"]
    return rec


def run_side(key, model, bins, args, tmp):
    """Run one side; key is a side, for PyTorch with @threads."""
    side, _, threads = key.partition("@")
    if side in ("ob", "go"):
        return run_zoo(bins, side, model, args, tmp)
    if side == "course":
        return run_course(model, args, int(threads or 0))
    return run_preloaded(model, args, int(threads or 0))


def suite_threads(res, args, side):
    """The thread count a PyTorch side runs the suite with: --suite-torch-threads,
    or the count whose per-model epoch times of this run add up least over
    the models measured at every count, or, without such runs, one per core."""
    if args.suite_torch_threads is not None:
        return args.suite_torch_threads
    _, _, by_threads = side_figures(res, args)
    per_count = {}
    for m in res["models"]:
        for t, secs in by_threads.get(m, {}).get(side, {}).items():
            per_count.setdefault(t, {})[m] = secs
    common = set(res["models"])
    for times in per_count.values():
        common &= set(times)
    totals = {t: sum(times[m] for m in common) for t, times in per_count.items()}
    if not common or not totals:
        return os.cpu_count() or 1
    return min(totals, key=totals.get)


def run_suite(res, sides, bins, args, tmp):
    """Times the whole suite (every model, SUITE_EPOCHS epochs) once per
    side, each in one process: the sum of its training loops and the
    process's wall-clock time."""
    suite = {"epochs": SUITE_EPOCHS, "models": list(MODELS), "date": datetime.date.today().isoformat(),
             "load_before": loadavg(), "sides": {}}
    for side in sides:
        threads = suite_threads(res, args, side) if side in ("course", "preloaded") else None
        log(f"suite, {len(MODELS)} models × {SUITE_EPOCHS} epochs: {SIDE_NAMES[side]}"
            f"{', ' + str(threads) + ' thread(s)' if threads is not None else ''}")
        start = time.monotonic()
        try:
            if side in ("ob", "go"):
                rows = zoo_runs(bins, side, "course", SUITE_EPOCHS, args, tmp)
            elif side == "course":
                rows = course_runs("all", SUITE_EPOCHS, args, threads)
            else:
                rows = preloaded_runs("all", SUITE_EPOCHS, args, threads)
        except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
            log(f"  failed: {e}")
            suite["sides"][side] = {"error": str(e).splitlines()[0] if str(e) else type(e).__name__,
                                    "threads": threads}
            continue
        wall = time.monotonic() - start
        rec = {"train_seconds": sum(r["seconds"] for r in rows), "wall_seconds": wall, "threads": threads,
               "per_model": {r["model"]: {"seconds": r["seconds"], "accuracy": r["accuracy"]} for r in rows}}
        if side in ("ob", "go"):
            rec["blas"] = rows[0].get("blas")
        missing = [m for m in MODELS if m not in rec["per_model"]]
        if missing:
            rec["missing"] = missing
        suite["sides"][side] = rec
        log(f"  {rec['train_seconds']:.1f} s of training, {wall:.1f} s wall clock")
    suite["load_after"] = loadavg()
    return suite


def run_keys(sides, torch_threads):
    """The runs of a round: the zoo's sides, and each PyTorch side once per
    thread count (side@threads)."""
    keys = []
    for s in sides:
        if s in ("course", "preloaded"):
            keys += [f"{s}@{t}" for t in torch_threads]
        else:
            keys.append(s)
    return keys


# ---------------------------------------------------------------- report

def fmt(x, digits=2, suffix=""):
    if x is None:
        return "–"
    return f"{x:.{digits}f}{suffix}"


def ratio(a, b):
    return a / b if a is not None and b else None


def machine():
    """The CPU's model name and which of the vector units the zoo's kernels
    use (AVX2, FMA, AVX-512F) /proc/cpuinfo lists."""
    cpu, flags = None, None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key.strip() == "model name" and cpu is None:
                    cpu = val.strip()
                elif key.strip() == "flags" and flags is None:
                    flags = set(val.split())
    except OSError:
        pass
    cpu = cpu or platform.processor() or platform.machine()
    if flags is None:
        return cpu
    units = [u for u in ("avx2", "fma", "avx512f") if u in flags]
    return f"{cpu} (vector units: {', '.join(units) if units else 'none of avx2, fma, avx512f'})"


def torch_info():
    import torch
    return torch.__version__, torch.get_num_threads()


def torch_threads_used(res):
    """The thread counts the PyTorch sides reported."""
    seen = sorted({x.get("threads") for m in res["runs"].values() for k, xs in m.items()
                   if k.split("@")[0] in ("course", "preloaded") for x in xs if x.get("threads")})
    return " and ".join(map(str, seen)) or "?"


def side_figures(res, args):
    """Per model and side: median epoch time and accuracy; for a PyTorch side
    run at several thread counts, those of its fastest count, and per model
    and PyTorch side all counts' times as {threads: seconds}."""
    ep, acc, by_threads = {}, {}, {}
    for m in res["models"]:
        ep[m], acc[m], by_threads[m] = {}, {}, {}
        for key, xs in res["runs"][m].items():
            side, _, _ = key.partition("@")
            t = median(x["seconds"] / args.epochs for x in xs)
            a = median(x["accuracy"] for x in xs)
            if t is None:
                continue
            if side in ("course", "preloaded"):
                threads = median(x.get("threads") for x in xs)
                by_threads[m].setdefault(side, {})[int(threads) if threads else 0] = t
            if ep[m].get(side) is None or t < ep[m][side]:
                ep[m][side], acc[m][side] = t, a
    return ep, acc, by_threads


def verdict(ok):
    return "met" if ok else "**NOT met**"


def sgemm_limit(sg, cores):
    """The machine's sgemm limit the models are held against, and how it was
    measured: OpenBLAS's 1024³ product on all cores (the better of one
    product on one thread per core and one product per core at once);
    without an OpenBLAS build, the zoo's, then gonum's."""
    for impl, name, modes in (("openblas", "OpenBLAS", (f"serial-{cores}threads", "parallel")),
                              ("zoo", "the zoo's sgemm (no OpenBLAS build)", ("allcores", "parallel")),
                              ("gonum", "gonum (no OpenBLAS build)", ("serial", "parallel"))):
        vals = {md: sg.get(f"{impl}/1024/{md}") for md in modes}
        vals = {md: v for md, v in vals.items() if v}
        if vals:
            best = max(vals, key=vals.get)
            return vals[best], name, vals
    return None, None, {}


def sgemm_cell(sg, key, peak):
    v = sg.get(key)
    if v is None:
        return "–"
    return f"{v:.1f} ({100 * v / peak:.0f} %)" if peak else f"{v:.1f}"


def build_blas(res, side):
    """graph.BLAS() of a build, from the records of its runs."""
    for runs in list(res.get("runs", {}).values()):
        for x in runs.get(side, []):
            if x.get("blas"):
                return x["blas"]
    return ((res.get("suite") or {}).get("sides", {}).get(side) or {}).get("blas")


def report(res, args):
    models = res["models"]
    ep, acc, by_threads = side_figures(res, args)
    several = any(len(v) > 1 for t in by_threads.values() for v in t.values())
    best_note = ", each PyTorch figure that of its faster thread count" if several else ""
    cores = res["cores"]
    all_cores = "both cores" if cores == 2 else f"all {cores} cores"
    L = []
    w = L.append
    w(f"### Side by side ({res['date']}, `bench/compare.sh {' '.join(res['argv'])}`)")
    w("")
    blas = [f"{SIDE_NAMES[s]}: {b}" for s in ("go", "ob") if (b := build_blas(res, s))]
    w(f"{res['cpu']}, {cores} cores; Go {res['go']} (GOMAXPROCS {res['gomaxprocs']}), OpenBLAS "
      f"{res['openblas_threads']} thread(s) (graph/blas_openblas.go)"
      f"{'; graph.BLAS(): ' + '; '.join(blas) if blas else ''}; torch {res['torch']}, Debian, "
      f"run with {torch_threads_used(res)} thread(s) (its default here: {res['torch_threads']}){best_note}; "
      f"{args.epochs} epoch(s) of 600 batches of 100, SGD lr 0.1, seed {args.seed}; "
      f"{'median of ' + str(args.rounds) + ' runs' if args.rounds > 1 else 'one run'} per side and model, "
      f"interleaved per model. Load average {res['load_before']} before, {res['load_after']} after.")
    for later in res.get("merged", []):
        w("")
        what = ", ".join(later["models"]) + (" and the whole suite" if later.get("suite") else "")
        w(f"{what}: measured again in a later run ({later['date']}, "
          f"`bench/compare.sh {' '.join(later['argv'])}`, load average {later['load_before']} before, "
          f"{later['load_after']} after), after a change that concerned them; the rest of this report, "
          f"sgemm rates included, is the first run's.")
    w("")
    w("Epoch time, seconds (training loop only), and ratios (× faster = the other's time ÷ the default build's time):")
    w("")
    w("| model | zoo, default (Go asm) | zoo, OpenBLAS | course pipeline | PyTorch preloaded "
      "| default ÷ OpenBLAS | vs preloaded | vs course pipeline |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")

    def torch_cell(m, side):
        times = by_threads[m].get(side, {})
        if len(times) < 2:
            return fmt(ep[m].get(side))
        best = min(times, key=times.get)
        others = ", ".join(f"{t} t: {v:.2f}" for t, v in sorted(times.items()) if t != best)
        return f"{times[best]:.2f} ({best} t; {others})"

    for m in models:
        e = ep[m]
        w(f"| {m} | {fmt(e.get('go'))} | {fmt(e.get('ob'))} | {torch_cell(m, 'course')} | {torch_cell(m, 'preloaded')} "
          f"| {fmt(ratio(e.get('go'), e.get('ob')), 2, '×')} | {fmt(ratio(e.get('preloaded'), e.get('go')), 2, '×')} "
          f"| {fmt(ratio(e.get('course'), e.get('go')), 1, '×')} |")
    w("")
    base = res.get("baseline") or {}
    w(f"Test accuracy after {args.epochs} epoch(s) (10000 images; 'before' is the zoo before the "
      "optimisations of issue 4, same seed and protocol, bench/accuracy_before.json):")
    w("")
    w("| model | zoo, default (Go asm) | zoo, OpenBLAS | before | course pipeline | PyTorch preloaded |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    for m in models:
        a = acc[m]
        w(f"| {m} | {fmt(a.get('go'), 4)} | {fmt(a.get('ob'), 4)} | {fmt(base.get(m), 4)} "
          f"| {fmt(a.get('course'), 4)} | {fmt(a.get('preloaded'), 4)} |")
    w("")
    sg = res.get("sgemm") or {}
    limit, limit_name, limit_vals = sgemm_limit(sg, cores)
    peak1, peak = sg.get("fmapeak/serial"), sg.get("fmapeak/parallel")
    how = {f"serial-{cores}threads": f"one product on {cores} threads", "allcores": "one product on all cores",
           "serial": "one product", "parallel": "one product per core at once"}
    limit_txt = (f"{limit:.0f} GFLOP/s, {limit_name} at 1024³ on {all_cores} (the better of "
                 + ", ".join(f"{how[md]}: {v:.0f}" for md, v in limit_vals.items()) + ")") if limit else "not measured"
    peak_txt = (f"{fmt(peak1, 0)} GFLOP/s on one core, {fmt(peak, 0)} GFLOP/s on {all_cores}"
                if peak or peak1 else "not measured")
    w(f"Arithmetic: forward multiply-adds per sample from the layer shapes; an epoch is "
      f"3 × 2 × MACs × 60000 FLOPs (forward, and a backward pass of twice the forward). "
      f"The machine's sgemm limit is {limit_txt}. The FMA peak (register-only fused multiply-adds of the "
      f"widest vectors, bench/sgemm BenchmarkFMAPeak) is {peak_txt}. Each rate is given as a percentage "
      f"of the limit, then of the all-cores FMA peak. "
      f"Allocations: one training step, bench/gobench, after a warm-up step.")
    w("")
    w("| model | MACs/sample | GFLOP/epoch | default (Go asm): GFLOP/s (of limit; of FMA peak) "
      "| OpenBLAS: GFLOP/s (of limit; of FMA peak) | PyTorch preloaded: GFLOP/s (of limit; of FMA peak) "
      "| allocs/step default | MiB/step default | allocs/step OpenBLAS | MiB/step OpenBLAS |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    al = res.get("allocs", {})

    def epoch_flops(m):
        return 6.0 * res["macs"][m] * TRAIN_SAMPLES

    for m in models:
        flops = epoch_flops(m)
        e = ep[m]

        def rate(s):
            if e.get(s) is None:
                return "–"
            g = flops / e[s] / 1e9
            pcts = [f"{100 * g / d:.1f} %" if d else "–" for d in (limit, peak)]
            return f"{g:.1f} ({'; '.join(pcts)})"

        ago, aob = al.get("go", {}).get(m, {}), al.get("ob", {}).get(m, {})
        mib = lambda b: None if b is None else b / 2**20  # noqa: E731
        w(f"| {m} | {res['macs'][m]:,} | {flops / 1e9:.0f} | {rate('go')} | {rate('ob')} | {rate('preloaded')} "
          f"| {fmt(ago.get('allocs'), 0)} | {fmt(mib(ago.get('bytes')), 1)} "
          f"| {fmt(aob.get('allocs'), 0)} | {fmt(mib(aob.get('bytes')), 1)} |")
    w("")
    shapes = []
    for k in sg:
        parts = k.split("/")
        if len(parts) == 3 and parts[0] in ("zoo", "gonum", "openblas") and parts[1] not in shapes:
            shapes.append(parts[1])
    if shapes:
        w(f"sgemm on this machine, GFLOP/s (bench/sgemm"
          f"{f'; in brackets, % of the FMA peak of {all_cores}, {peak:.0f} GFLOP/s' if peak else ''}). "
          f"One core: one product on one core (the zoo's SgemmSerial, gonum at GOMAXPROCS 1, OpenBLAS on 1 thread). "
          f"All cores: one product split over the {cores} cores (the zoo's Sgemm, gonum's own split at "
          f"GOMAXPROCS {cores}, OpenBLAS on {cores} threads). Per core: one product per core at once, "
          f"as the zoo's convolutions do.")
        w("")
        w("| shape | zoo, 1 core | gonum, 1 core | OpenBLAS, 1 core | zoo, all cores | gonum, all cores "
          "| OpenBLAS, all cores | zoo, per core | gonum, per core | OpenBLAS, per core |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for s in shapes:
            keys = [f"zoo/{s}/serial", f"gonum/{s}/serial-1core", f"openblas/{s}/serial",
                    f"zoo/{s}/allcores", f"gonum/{s}/serial", f"openblas/{s}/serial-{cores}threads",
                    f"zoo/{s}/parallel", f"gonum/{s}/parallel", f"openblas/{s}/parallel"]
            w(f"| {s} | " + " | ".join(sgemm_cell(sg, k, peak) for k in keys) + " |")
        w("")

    suite = res.get("suite")
    if suite:
        w(f"The whole suite ({len(suite['models'])} models × {suite['epochs']} epochs, `--suite`; {suite['date']}): "
          f"each side once, in one process (the zoo's `-model course`, the PyTorch scripts' `--models all`), after "
          f"the per-model runs; load average {suite['load_before']} before, {suite['load_after']} after. "
          f"Training loops: the sum of the models' training times; wall clock: the whole process "
          f"(start, data loading and evaluation included).")
        w("")
        w("| side | training loops, s | wall clock, s | training ÷ default build | wall clock ÷ default build |")
        w("| --- | ---: | ---: | ---: | ---: |")
        d = suite["sides"].get("go") or {}
        for side in SIDES:
            x = suite["sides"].get(side)
            if x is None:
                continue
            name = SIDE_NAMES[side] + (f", {x['threads']} thread(s)" if x.get("threads") else "")
            if "error" in x:
                w(f"| {name} | failed: {x['error']} | | | |")
                continue
            miss = f" (without {', '.join(x['missing'])})" if x.get("missing") else ""
            w(f"| {name} | {x['train_seconds']:.1f}{miss} | {x['wall_seconds']:.1f} "
              f"| {fmt(ratio(x['train_seconds'], d.get('train_seconds')), 2, '×')} "
              f"| {fmt(ratio(x['wall_seconds'], d.get('wall_seconds')), 2, '×')} |")
        w("")

    w("Targets (issue 13, the default build):")
    w("")
    have = lambda m, *ss: all(ep[m].get(s) is not None for s in ss)  # noqa: E731
    rows = []

    ms = [m for m in models if have(m, "go", "ob")]
    if ms:
        r = {m: ep[m]["go"] / ep[m]["ob"] for m in ms}
        bad = [f"{m} {r[m]:.2f}×" for m in ms if r[m] > VS_OPENBLAS]
        worst = max(r, key=r.get)
        rows.append(f"- (a) Within {VS_OPENBLAS:g}× of the OpenBLAS build's epoch time on every model, or faster: "
                    f"{verdict(not bad)} (largest ratio {worst} {r[worst]:.2f}×"
                    f"{'; over: ' + ', '.join(bad) if bad else ''}).")
    else:
        rows.append(f"- (a) Within {VS_OPENBLAS:g}× of the OpenBLAS build: not measured (no runs of both builds).")

    ms = [m for m in models if have(m, "go", "preloaded")]
    if ms:
        r = {m: ep[m]["preloaded"] / ep[m]["go"] for m in ms}
        bad = [f"{m} {r[m]:.2f}×" for m in ms if not ep[m]["go"] < VS_PRELOADED * ep[m]["preloaded"]]
        worst = min(r, key=r.get)
        rows.append(f"- (b) Faster than PyTorch preloaded on every model: {verdict(not bad)} "
                    f"(smallest speed-up {worst} {r[worst]:.2f}×{'; not faster: ' + ', '.join(bad) if bad else ''}).")
    else:
        rows.append("- (b) Faster than PyTorch preloaded: not measured.")

    ms = [m for m in models if have(m, "go", "course")]
    if ms:
        r = {m: ep[m]["course"] / ep[m]["go"] for m in ms}
        bad = [f"{m} {r[m]:.1f}×" for m in ms if r[m] < COURSE_SPEEDUP]
        worst = min(r, key=r.get)
        rows.append(f"- (c) At least {COURSE_SPEEDUP:g}× faster than the course pipeline on every model: "
                    f"{verdict(not bad)} (smallest {worst} {r[worst]:.1f}×{'; short: ' + ', '.join(bad) if bad else ''}).")
    else:
        rows.append(f"- (c) At least {COURSE_SPEEDUP:g}× faster than the course pipeline: not measured.")

    ms = [m for m in models if m not in MLPS and have(m, "go")]
    if ms and limit:
        r = {m: epoch_flops(m) / ep[m]["go"] / 1e9 / limit for m in ms}
        bad = [m for m in ms if r[m] < CNN_OF_LIMIT]
        rows.append(f"- (d) CNN training at {100 * CNN_OF_LIMIT:.0f} % or more of the sgemm limit ({limit:.0f} GFLOP/s): "
                    f"{verdict(not bad)} (" + ", ".join(f"{m} {100 * r[m]:.1f} %" for m in ms) + ").")
    elif not ms:
        rows.append(f"- (d) CNN training at {100 * CNN_OF_LIMIT:.0f} % of the sgemm limit: not measured (no CNN run).")
    else:
        rows.append(f"- (d) CNN training at {100 * CNN_OF_LIMIT:.0f} % of the sgemm limit: not measured (no sgemm figures).")

    ms = [m for m in models if acc[m].get("go") is not None]
    refs = [(name, {m: v for m in ms if (v := get(m)) is not None})
            for name, get in (("the OpenBLAS build", lambda m: acc[m].get("ob")),
                              ("the zoo before the optimisations", lambda m: base.get(m)))]
    refs = [(name, vals) for name, vals in refs if vals]
    if ms and refs:
        bad, notes = [], []
        for name, vals in refs:
            diff = {m: acc[m]["go"] - v for m, v in vals.items()}
            worst = max(diff, key=lambda m: abs(diff[m]))
            notes.append(f"against {name}: largest difference {100 * abs(diff[worst]):.2f} points, {worst}")
            bad += [f"{m} {acc[m]['go']:.4f} against {vals[m]:.4f} ({name})" for m in vals
                    if abs(diff[m]) > ACCURACY_NOISE]
        rows.append(f"- (e) Test accuracy unchanged (within {100 * ACCURACY_NOISE:g} percentage points of "
                    f"{' and of '.join(n for n, _ in refs)}, same seed): {verdict(not bad)} ({'; '.join(notes)}"
                    f"{'; off: ' + ', '.join(bad) if bad else ''}). Every side's accuracy is in the table above.")
    elif ms:
        rows.append(f"- (e) Test accuracy: nothing to hold the default build's against (no OpenBLAS run, and no record "
                    f"of the zoo before the optimisations for {args.epochs} epoch(s), seed {args.seed}, in "
                    "bench/accuracy_before.json); compare with PyTorch's above.")
    else:
        rows.append("- (e) Test accuracy: not measured (no run of the default build).")
    L.extend(rows)
    w("")
    return "\n".join(L) + "\n"


def load_baseline(args):
    path = os.path.join(HERE, "accuracy_before.json")
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError:
        return {}
    out = {}
    for r in data.get("runs", []):
        if r["epochs"] == args.epochs and r["seed"] == args.seed:
            out[r["model"]] = r["correct"] / r["total"]
    return out


def keep_inference(path, md):
    """md followed by the "## Inference" section of the report at path, if
    it has one: bench/infer.sh writes that section, and a run of this
    script keeps it."""
    try:
        old = open(path).read()
    except OSError:
        return md
    i = 0 if old.startswith("## Inference\n") else old.find("\n## Inference\n")
    if i < 0:
        return md
    return md.rstrip("\n") + "\n\n" + old[i:].lstrip("\n")


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def merge_runs(res, later):
    """Replaces, in res, the runs and step allocations of the models that the
    later run measured (and the whole suite's times, if it timed the suite),
    and records which models came from which run: each model's sides stay
    measured side by side, in one run."""
    for m in later["models"]:
        if m not in res["runs"]:
            raise SystemExit(f"--merge: {m} is not in the earlier run")
        res["runs"][m] = later["runs"][m]
        for side, per_model in later.get("allocs", {}).items():
            if m in per_model:
                res["allocs"].setdefault(side, {})[m] = per_model[m]
    if later.get("suite"):
        res["suite"] = later["suite"]
    note = {k: later[k] for k in ("argv", "date", "models", "load_before", "load_after")}
    note["suite"] = bool(later.get("suite"))
    res.setdefault("merged", []).append(note)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--models", default="all", help="comma-separated zoo names, or all (default)")
    ap.add_argument("--epochs", type=int, default=1, help="epochs per run (default 1)")
    ap.add_argument("--rounds", type=int, default=1, help="runs per side and model; medians are reported (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sides", default=",".join(SIDES), help="which of " + ",".join(SIDES))
    ap.add_argument("--data", default=None, help="MNIST gz dir (default <repo>/../shared/data/mnist)")
    ap.add_argument("--out", default=os.path.join(HERE, "results.md"), help="Markdown report; raw figures go to the same name with .json")
    ap.add_argument("--torch-threads", default=",".join(sorted({"1", str(os.cpu_count() or 1)})),
                    help="comma-separated thread counts to run each PyTorch side with; the faster is reported "
                         "(default 1 and one per core: torch's default here is 1, which suits the MLPs, "
                         "while the zoo uses every core; 0 is torch's own default)")
    ap.add_argument("--sgemm-benchtime", default="1s", help="go test -benchtime of each sgemm benchmark")
    ap.add_argument("--no-sgemm", action="store_true", help="skip the sgemm measurement")
    ap.add_argument("--no-allocs", action="store_true", help="skip the allocations per step")
    ap.add_argument("--suite", action="store_true",
                    help=f"after the per-model runs, time the whole suite ({len(MODELS)} models × {SUITE_EPOCHS} epochs) "
                         "once per side, in one process each (long: about 40 min on 2 cores)")
    ap.add_argument("--suite-torch-threads", type=int, default=None, metavar="N",
                    help="with --suite: torch threads of the PyTorch sides' suite runs (default: the count whose "
                         "per-model epoch times added up least in this run, else one per core)")
    ap.add_argument("--from-json", metavar="FILE", help="only rewrite the report from the raw figures of an earlier run")
    ap.add_argument("--merge", metavar="FILE",
                    help="with --from-json: take the models that FILE (the raw figures of a later run with --models) "
                         "measured, and its suite times if it has any, from FILE, and say so in the report; "
                         "writes the merged figures beside --out")
    args = ap.parse_args(argv)

    if args.merge and not args.from_json:
        ap.error("--merge goes with --from-json")
    if args.suite_torch_threads is not None and not args.suite:
        ap.error("--suite-torch-threads goes with --suite")
    if args.from_json:
        with open(args.from_json) as f:
            res = json.load(f)
        for k, v in res.get("args", {}).items():
            if k not in ("out", "from_json", "merge"):
                setattr(args, k, v)
        if args.merge:
            with open(args.merge) as f:
                later = json.load(f)
            merge_runs(res, later)
        md = report(res, args)
        with open(args.out, "w") as f:
            f.write(keep_inference(args.out, md))
        if args.merge:
            with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
                json.dump(res, f, indent=1)
        print(md)
        return 0

    import mnist_local
    args.data = os.path.abspath(args.data or mnist_local.default_data_dir())
    models = MODELS if args.models == "all" else [m.strip() for m in args.models.split(",")]
    for m in models:
        if m not in MODELS:
            ap.error(f"unknown model {m!r}; want some of {', '.join(MODELS)}")
    try:
        args.torch_threads = [int(t) for t in str(args.torch_threads).split(",")]
    except ValueError:
        ap.error(f"--torch-threads {args.torch_threads!r}: want comma-separated integers")
    sides = [s.strip() for s in args.sides.split(",")]
    for s in sides:
        if s not in SIDES:
            ap.error(f"unknown side {s!r}; want some of {', '.join(SIDES)}")

    res = {"argv": argv, "args": {k: v for k, v in vars(args).items() if k not in ("out", "from_json")}, "date": datetime.date.today().isoformat(), "cpu": machine(),
           "cores": os.cpu_count(), "load_before": loadavg(), "models": models}
    res["go"] = run(["go", "env", "GOVERSION"]).strip()
    res["gomaxprocs"] = os.environ.get("GOMAXPROCS", str(os.cpu_count()))
    res["openblas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS", "1")
    res["torch"], res["torch_threads"] = torch_info()
    have_ob = openblas_available()
    if not have_ob:
        sides = [s for s in sides if s != "ob"]
    res["sides"] = sides
    res["baseline"] = load_baseline(args)
    res["macs"] = forward_macs()

    with tempfile.TemporaryDirectory(prefix="zoo-compare-") as tmp:
        bins = build(tmp, have_ob)
        res["sgemm"] = {} if args.no_sgemm else sgemm_rates(bins, have_ob, args.sgemm_benchtime)
        res["allocs"] = {}
        if not args.no_allocs:
            for s in ("go", "ob"):
                if s in sides:
                    res["allocs"][s] = step_allocs(bins, s, models)
        keys = run_keys(sides, args.torch_threads)
        res["runs"] = {m: {s: [] for s in keys} for m in models}
        for i, m in enumerate(models):
            for r in range(args.rounds):
                k = (i + r) % len(keys)
                for s in keys[k:] + keys[:k]:
                    side, _, threads = s.partition("@")
                    log(f"{m}: {SIDE_NAMES[side]}{', ' + threads + ' thread(s)' if threads else ''} (round {r + 1}/{args.rounds})")
                    try:
                        out = run_side(s, m, bins, args, tmp)
                    except (RuntimeError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
                        log(f"  failed: {e}")
                        continue
                    res["runs"][m][s].append(out)
                    log(f"  {out['seconds']:.2f} s, accuracy {out['accuracy']:.4f}")
        res["load_after"] = loadavg()
        if args.suite:
            res["suite"] = run_suite(res, sides, bins, args, tmp)

    md = report(res, args)
    with open(args.out, "w") as f:
        f.write(keep_inference(args.out, md))
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(res, f, indent=1)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
