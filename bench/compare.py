#!/usr/bin/env python3
"""Side-by-side benchmark of the zoo and the course's PyTorch (issue 4).

    bench/compare.sh [--models all] [--epochs 1] [--rounds 1] [--seed 0]
        [--sides ob,go,course,preloaded] [--data DIR] [--out bench/results.md]

In one run on this machine, for each model, interleaved (every side of a
model runs before the next model starts, in an order rotated per model and
round, so that drift in the machine's load hits all sides alike):

  ob         the zoo, OpenBLAS (go build -tags openblas ./cmd/zoo)
  go         the zoo, pure Go (go build ./cmd/zoo)
  course     the course's pipeline: torchvision MNIST + ToTensor + DataLoader
             (bench/course_pipeline.py)
  preloaded  PyTorch with MNIST preloaded as one tensor (bench/torch_preloaded.py)

the PyTorch sides once per thread count of --torch-threads (default 1 and
one per core; the faster is reported: torch defaults to 1 thread on this VM,
best for the MLPs, while 2 suit the CNNs and the zoo uses both cores), each
trained from seed --seed for --epochs epochs (batches of 100, plain SGD
at 0.1) and evaluated on the 10000 test images. It also measures sgemm on
this machine (bench/sgemm: gonum and OpenBLAS, 1024³ and cnn2's shapes), the
allocations of a training step (bench/gobench, both builds), counts the
FLOPs of an epoch from the models' layer shapes, and writes a Markdown report
(--out, with the raw figures as JSON beside it) that says which of the
issue's targets are met.

Times are training loops only (each side times its own loop; data loading,
process start and evaluation are outside), per epoch; with --rounds N the
median of N runs. Run from the repository root with /usr/bin/python3 (Debian's
torch); needs Go and, for the ob side, libopenblas-dev.
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
SIDES = ["ob", "go", "course", "preloaded"]
SIDE_NAMES = {
    "ob": "zoo, OpenBLAS",
    "go": "zoo, pure Go",
    "course": "course pipeline",
    "preloaded": "PyTorch preloaded",
}
TRAIN_SAMPLES = 60000
BATCH = 100
LR = 0.1

# The targets (this machine, the fast path, one run).
COURSE_SPEEDUP = 2.0   # every model: course pipeline ÷ zoo-OpenBLAS ≥ 2
MLP_VS_PRELOADED = 1.0  # MLPs: zoo-OpenBLAS ≤ 1 × preloaded PyTorch
CNN_VS_PRELOADED = 1.5  # CNNs: zoo-OpenBLAS ≤ 1.5 × preloaded PyTorch
PURE_GO_LIMIT = 4.0    # pure Go ≤ 4 × zoo-OpenBLAS
ACCURACY_NOISE = 0.005  # accuracy "unchanged": within 0.5 percentage points


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


def sgemm_rates(bins, have_openblas, benchtime):
    """GFLOP/s of sgemm on this machine: gonum and OpenBLAS, serial and parallel."""
    binary = bins["sgemm-ob"] if have_openblas else bins["sgemm-go"]
    log("sgemm: gonum and OpenBLAS (one OpenBLAS thread), 1024³ and cnn2's shapes")
    out = run([binary, "-test.run", "^$", "-test.bench", "Sgemm", "-test.benchtime", benchtime],
              env={"OPENBLAS_NUM_THREADS": "1"})
    rates = {k.removeprefix("BenchmarkSgemm/"): v.get("GFLOP/s") for k, v in parse_bench(out).items()}
    if have_openblas:
        log("sgemm: OpenBLAS with two threads, 1024³")
        out = run([binary, "-test.run", "^$", "-test.bench", "Sgemm/openblas/1024/serial",
                   "-test.benchtime", benchtime], env={"OPENBLAS_NUM_THREADS": str(os.cpu_count() or 2)})
        for k, v in parse_bench(out).items():
            rates[k.removeprefix("BenchmarkSgemm/") + f"-{os.cpu_count()}threads"] = v.get("GFLOP/s")
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

def run_zoo(bins, side, model, args, tmp):
    out = os.path.join(tmp, f"{side}-{model}-{time.monotonic_ns()}.jsonl")
    run([bins["zoo-" + side], "-model", model, "-epochs", str(args.epochs), "-seed", str(args.seed),
         "-lr", str(LR), "-batch", str(BATCH), "-data", args.data, "-out", out])
    with open(out) as f:
        rec = json.loads(f.read().strip().splitlines()[-1])
    return {"seconds": rec["train_seconds"], "accuracy": rec["test_accuracy"],
            "loss": rec.get("epoch_loss"), "blas": rec.get("env", {}).get("blas")}


def torch_env(threads):
    """OMP_NUM_THREADS for a PyTorch side (torch reads it at start-up); 0
    leaves torch's default."""
    return {"OMP_NUM_THREADS": str(threads)} if threads > 0 else None


def run_course(model, args, threads):
    out = run([sys.executable, "bench/course_pipeline.py", "--models", model, "--epochs", str(args.epochs),
               "--seed", str(args.seed), "--lr", str(LR), "--batch", str(BATCH), "--data", args.data],
              env=torch_env(threads))
    used = re.search(r"torch \S+, (\d+) threads", out)
    m = re.search(r"^\|\s*" + re.escape(model) + r"\s*\|\s*([0-9.]+)\s*\|\s*([0-9.]+)\s*\|", out, re.M)
    if not m:
        raise RuntimeError(f"course_pipeline.py printed no row for {model}:\n{out}")
    # The table rounds to 0.1 s; the per-model line printed by benchmark()
    # is no finer, which is enough for runs of seconds.
    return {"seconds": float(m.group(2)), "accuracy": float(m.group(1)),
            "threads": int(used.group(1)) if used else None}


def run_preloaded(model, args, threads):
    out = run([sys.executable, "bench/torch_preloaded.py", "--models", model, "--epochs", str(args.epochs),
               "--seed", str(args.seed), "--lr", str(LR), "--batch", str(BATCH), "--data", args.data, "--json",
               "--threads", str(threads)], env=torch_env(threads))
    rec = json.loads(out.strip().splitlines()[-1])
    return {"seconds": rec["train_seconds"], "accuracy": rec["test_accuracy"], "loss": rec["epoch_loss"],
            "threads": rec["threads"], "torch": rec["torch"]}


def run_side(key, model, bins, args, tmp):
    """Run one side; key is a side, for PyTorch with @threads."""
    side, _, threads = key.partition("@")
    if side in ("ob", "go"):
        return run_zoo(bins, side, model, args, tmp)
    if side == "course":
        return run_course(model, args, int(threads or 0))
    return run_preloaded(model, args, int(threads or 0))


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
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return cpu


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
    return "met" if ok else "**not met**"


def report(res, args):
    models = res["models"]
    ep, acc, by_threads = side_figures(res, args)
    several = any(len(v) > 1 for t in by_threads.values() for v in t.values())
    best_note = ", each PyTorch figure that of its faster thread count" if several else ""
    L = []
    w = L.append
    w(f"### Side by side ({res['date']}, `bench/compare.sh {' '.join(res['argv'])}`)")
    w("")
    w(f"{res['cpu']}, {res['cores']} cores; Go {res['go']} (GOMAXPROCS {res['gomaxprocs']}), OpenBLAS "
      f"{res['openblas_threads']} thread(s) (graph/blas_openblas.go); torch {res['torch']}, Debian, "
      f"run with {torch_threads_used(res)} thread(s) (its default here: {res['torch_threads']}){best_note}; "
      f"{args.epochs} epoch(s) of 600 batches of 100, SGD lr 0.1, seed {args.seed}; "
      f"{'median of ' + str(args.rounds) + ' runs' if args.rounds > 1 else 'one run'} per side and model, "
      f"interleaved per model. Load average {res['load_before']} before, {res['load_after']} after.")
    for later in res.get("merged", []):
        w("")
        w(f"{', '.join(later['models'])}: measured again in a later run ({later['date']}, "
          f"`bench/compare.sh {' '.join(later['argv'])}`, load average {later['load_before']} before, "
          f"{later['load_after']} after), after a change that concerned them; the rest of this report, "
          f"sgemm rates included, is the first run's.")
    w("")
    w("Epoch time, seconds (training loop only), and ratios (× faster = the other's time ÷ the zoo-OpenBLAS time):")
    w("")
    w("| model | zoo, OpenBLAS | zoo, pure Go | course pipeline | PyTorch preloaded | vs course pipeline | vs preloaded | pure Go ÷ OpenBLAS |")
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
        w(f"| {m} | {fmt(e.get('ob'))} | {fmt(e.get('go'))} | {torch_cell(m, 'course')} | {torch_cell(m, 'preloaded')} "
          f"| {fmt(ratio(e.get('course'), e.get('ob')), 1, '×')} | {fmt(ratio(e.get('preloaded'), e.get('ob')), 2, '×')} "
          f"| {fmt(ratio(e.get('go'), e.get('ob')), 1, '×')} |")
    w("")
    base = res.get("baseline") or {}
    w(f"Test accuracy after {args.epochs} epoch(s) (10000 images; 'before' is the zoo before the "
      "optimisations, same seed and protocol, bench/accuracy_before.json):")
    w("")
    w("| model | zoo, OpenBLAS | zoo, pure Go | before | course pipeline | PyTorch preloaded |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    for m in models:
        a = acc[m]
        b = base.get(m)
        w(f"| {m} | {fmt(a.get('ob'), 4)} | {fmt(a.get('go'), 4)} | {fmt(b, 4)} | {fmt(a.get('course'), 4)} | {fmt(a.get('preloaded'), 4)} |")
    w("")
    sg = res["sgemm"]
    limit_ob = max([v for k, v in sg.items() if k.startswith("openblas/1024/") and v] or [0]) or None
    limit_go = max([v for k, v in sg.items() if k.startswith("gonum/1024/") and v] or [0]) or None
    limit = limit_ob or limit_go
    w(f"Arithmetic: forward multiply-adds per sample from the layer shapes; an epoch is "
      f"3 × 2 × MACs × 60000 FLOPs (forward, and a backward pass of twice the forward). "
      f"The machine's limit is the best sgemm rate measured here, {fmt(limit, 0)} GFLOP/s "
      f"(OpenBLAS, 1024³, both cores); pure Go is also held against gonum's best, {fmt(limit_go, 0)} GFLOP/s. "
      f"Allocations: one training step, bench/gobench, after a warm-up step.")
    w("")
    w("| model | MACs/sample | GFLOP/epoch | zoo, OpenBLAS: GFLOP/s (of limit) | pure Go: GFLOP/s (of limit; of gonum) | PyTorch preloaded: GFLOP/s (of limit) | allocs/step OpenBLAS | MiB/step OpenBLAS | allocs/step pure Go | MiB/step pure Go |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    al = res.get("allocs", {})
    for m in models:
        macs = res["macs"][m]
        flops = 6.0 * macs * TRAIN_SAMPLES
        e = ep[m]

        def rate(s, lim, lim2=None):
            if e.get(s) is None or not lim:
                return "–"
            g = flops / e[s] / 1e9
            txt = f"{g:.1f} ({100 * g / lim:.1f} %"
            if lim2:
                txt += f"; {100 * g / lim2:.0f} %"
            return txt + ")"

        aob, ago = al.get("ob", {}).get(m, {}), al.get("go", {}).get(m, {})
        mib = lambda b: None if b is None else b / 2**20  # noqa: E731
        w(f"| {m} | {macs:,} | {flops / 1e9:.0f} | {rate('ob', limit)} | {rate('go', limit, limit_go)} | {rate('preloaded', limit)} "
          f"| {fmt(aob.get('allocs'), 0)} | {fmt(mib(aob.get('bytes')), 1)} | {fmt(ago.get('allocs'), 0)} | {fmt(mib(ago.get('bytes')), 1)} |")
    w("")
    w("sgemm on this machine, GFLOP/s (bench/sgemm; serial: one product at a time, parallel: one per core at once):")
    w("")
    shapes = []
    for k in sg:
        parts = k.split("/")
        if len(parts) == 3 and parts[1] not in shapes:
            shapes.append(parts[1])
    w("| shape | gonum serial | gonum parallel | OpenBLAS serial (1 thread) | OpenBLAS parallel | OpenBLAS serial, " + str(res["cores"]) + " threads |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    for s in shapes:
        two = sg.get(f"openblas/{s}/serial-{res['cores']}threads")
        w(f"| {s} | {fmt(sg.get(f'gonum/{s}/serial'), 1)} | {fmt(sg.get(f'gonum/{s}/parallel'), 1)} "
          f"| {fmt(sg.get(f'openblas/{s}/serial'), 1)} | {fmt(sg.get(f'openblas/{s}/parallel'), 1)} | {fmt(two, 1)} |")
    w("")
    w("Targets (issue 4):")
    w("")
    have = lambda m, *ss: all(ep[m].get(s) is not None for s in ss)  # noqa: E731
    rows = []
    ms = [m for m in models if have(m, "ob", "course")]
    if ms:
        bad = [f"{m} {ep[m]['course'] / ep[m]['ob']:.1f}×" for m in ms if ep[m]["course"] / ep[m]["ob"] < COURSE_SPEEDUP]
        worst = min(ep[m]["course"] / ep[m]["ob"] for m in ms)
        rows.append(f"- Every model at least {COURSE_SPEEDUP:g}× faster than the course pipeline: {verdict(not bad)} "
                    f"(smallest {worst:.1f}×{'; short: ' + ', '.join(bad) if bad else ''}).")
    ms = [m for m in models if m in MLPS and have(m, "ob", "preloaded")]
    if ms:
        bad = [f"{m} {ep[m]['ob'] / ep[m]['preloaded']:.2f}×" for m in ms if ep[m]["ob"] > MLP_VS_PRELOADED * ep[m]["preloaded"]]
        rows.append(f"- MLPs no slower than PyTorch preloaded: {verdict(not bad)}"
                    f"{' (slower: ' + ', '.join(bad) + ' its time)' if bad else ''}.")
    ms = [m for m in models if m not in MLPS and have(m, "ob", "preloaded")]
    if ms:
        bad = [f"{m} {ep[m]['ob'] / ep[m]['preloaded']:.2f}×" for m in ms if ep[m]["ob"] > CNN_VS_PRELOADED * ep[m]["preloaded"]]
        times = ", ".join("%s %.2f×" % (m, ep[m]["ob"] / ep[m]["preloaded"]) for m in ms)
        rows.append(f"- CNNs within {CNN_VS_PRELOADED:g}× of PyTorch preloaded: {verdict(not bad)} ({times} its time).")
    ms = [m for m in models if have(m, "ob", "go")]
    if ms:
        bad = [f"{m} {ep[m]['go'] / ep[m]['ob']:.1f}×" for m in ms if ep[m]["go"] > PURE_GO_LIMIT * ep[m]["ob"]]
        rows.append(f"- Pure Go within {PURE_GO_LIMIT:g}× of OpenBLAS: {verdict(not bad)}"
                    f"{' (over: ' + ', '.join(bad) + ')' if bad else ''}.")
    ms = [m for m in models if m in base and acc[m].get("ob") is not None]
    if ms:
        bad = [f"{m} {acc[m]['ob']:.4f} against {base[m]:.4f}" for m in ms if abs(acc[m]["ob"] - base[m]) > ACCURACY_NOISE]
        worst = max(abs(acc[m]["ob"] - base[m]) for m in ms)
        rows.append(f"- Test accuracy unchanged (within {100 * ACCURACY_NOISE:g} percentage points of the zoo before the "
                    f"optimisations, same seed): {verdict(not bad)} (largest difference {100 * worst:.2f} points"
                    f"{'; ' + ', '.join(bad) if bad else ''}).")
    elif not base:
        rows.append(f"- Test accuracy unchanged: no record of the zoo before the optimisations for {args.epochs} epoch(s), "
                    "seed " + str(args.seed) + " (bench/accuracy_before.json); compare with PyTorch's above.")
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


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def merge_runs(res, later):
    """Replaces, in res, the runs and step allocations of the models that the
    later run measured, and records which models came from which run: each
    model's sides stay measured side by side, in one run."""
    for m in later["models"]:
        if m not in res["runs"]:
            raise SystemExit(f"--merge: {m} is not in the earlier run")
        res["runs"][m] = later["runs"][m]
        for side, per_model in later.get("allocs", {}).items():
            if m in per_model:
                res["allocs"].setdefault(side, {})[m] = per_model[m]
    res.setdefault("merged", []).append({k: later[k] for k in ("argv", "date", "models", "load_before", "load_after")})


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
    ap.add_argument("--from-json", metavar="FILE", help="only rewrite the report from the raw figures of an earlier run")
    ap.add_argument("--merge", metavar="FILE",
                    help="with --from-json: take the models that FILE (the raw figures of a later run with --models) "
                         "measured from FILE, and say so in the report; writes the merged figures beside --out")
    args = ap.parse_args(argv)

    if args.merge and not args.from_json:
        ap.error("--merge goes with --from-json")
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
            f.write(md)
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
            for s in ("ob", "go"):
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

    md = report(res, args)
    with open(args.out, "w") as f:
        f.write(md)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(res, f, indent=1)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
