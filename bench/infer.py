#!/usr/bin/env python3
"""Inference speed side by side: the zoo's Predictor against PyTorch.

    bench/infer.sh [--models all] [--rounds 5] [--seconds 1]
        [--torch-threads 1,2,default] [--out bench/results.md]
        [--json bench/infer_results.json] [--no-write]
    bench/infer.sh --from-json bench/infer_results.json   # rewrite the report

Images per second at batch 1 (one image per call: latency) and batch 1000
(throughput) for the seven course models, on the MNIST test images:

  zoo    bench/infer (BenchmarkInfer): zoo.(*Model).NewPredictor(1000) and
         Predict, the default build (the zoo's own sgemm, Go assembly), at
         the machine's GOMAXPROCS; each call returns every image's class and
         softmax probabilities
  torch  bench/torch_infer.py: the course's classes (course_models.py) in
         eval() under torch.no_grad(), the logits' softmax and argmax per
         call (the same answer), and the model alone ("logits") for
         reference; once per thread setting of --torch-threads, each in a
         process of its own with OMP_NUM_THREADS set (torch's OpenMP pool
         and the OpenBLAS that does its linear layers both read it), and
         torch.set_num_threads; "default" is torch's own default here, no
         variable set

Both sides load the same weights (pretrained/weights/*.safetensors, where
they exist; else each side's own seed-0 initialisation: the time does not
depend on the weights). Rounds alternate the sides per model (zoo first in
even rounds, torch first in odd ones), so that drift in the machine's load
hits both; each figure is the median over rounds, and PyTorch's is that of
its fastest thread setting for the model and batch size.

Writes the "## Inference" section of bench/results.md (replacing it if it
is there; compare.sh keeps it) and the raw figures as JSON.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODELS = ["model1", "model2", "model3", "model4", "cnn1", "cnn2", "cnn3"]
BATCHES = [1, 1000]
SECTION = "## Inference"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, cwd=REPO, env=None, timeout=900):
    full = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        full.pop(k, None)
    full.update(env or {})
    p = subprocess.run(cmd, cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p.stdout


BENCH_LINE = re.compile(r"^BenchmarkInfer/(\w+)/batch=(\d+)(?:-(\d+))?\s+(\d+)\s+([\d.]+) ns/op\s+([\d.]+) img/s"
                        r"(?:\s+(\d+) B/op\s+(\d+) allocs/op)?")


def run_zoo(binary, model, seconds):
    out = run([binary, "-test.run", "^$", "-test.bench", f"Infer/^{model}$/", "-test.benchtime", f"{seconds}s"],
              cwd=os.path.join(HERE, "infer"))
    res = []
    for line in out.splitlines():
        m = BENCH_LINE.match(line)
        if m:
            res.append({"side": "zoo", "model": m[1], "batch": int(m[2]), "procs": int(m[3] or 1),
                        "n": int(m[4]), "ns_op": float(m[5]), "img_s": float(m[6]),
                        "bytes_op": int(m[7]) if m[7] else None, "allocs_op": int(m[8]) if m[8] else None})
        elif "weights), batch" in line:
            w = re.search(r"\((.*) weights\)", line)
            if w:
                for r in res:
                    r.setdefault("weights", w[1])
    if len(res) != len(BATCHES):
        raise RuntimeError(f"zoo {model}: {len(res)} results in\n{out}")
    return res


def run_torch(model, setting, seconds):
    env = {} if setting == "default" else {"OMP_NUM_THREADS": str(setting)}
    threads = "0" if setting == "default" else str(setting)
    out = run(["/usr/bin/python3", os.path.join(HERE, "torch_infer.py"), "--models", model,
               "--batches", ",".join(map(str, BATCHES)), "--threads", threads, "--heads", "softmax,logits",
               "--seconds", str(seconds), "--json"], env=env)
    res = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for r in res:
        r["setting"] = str(setting)
    return res


def machine():
    """CPU model name, the vector units /proc/cpuinfo lists, and cores."""
    cpu, flags = None, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key.strip() == "model name" and cpu is None:
                    cpu = val.strip()
                elif key.strip() == "flags" and not flags:
                    flags = set(val.split())
    except OSError:
        pass
    units = [u for u in ("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                         "avx512_bf16", "avx512_fp16", "amx_tile") if u in flags]
    return {"cpu": cpu or "?", "units": units, "cores": os.cpu_count()}


def torch_info():
    out = run(["/usr/bin/python3", "-c",
               "import json, torch; c = torch.__config__.show(); "
               "cap = [l.split(':', 1)[1].strip() for l in c.splitlines() if 'CPU capability' in l]; "
               "blas = [p.split('=', 1)[1] for p in c.replace(',', ' ').split() if p.startswith('BLAS_INFO=')]; "
               "print(json.dumps({'version': torch.__version__, 'default_threads': torch.get_num_threads(), "
               "'capability': cap[0] if cap else '?', 'mkldnn': torch.backends.mkldnn.is_available()}))"])
    return json.loads(out)


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def median(xs):
    return statistics.median(xs) if xs else None


def summarise(res):
    """Per model and batch: the zoo's median, each torch setting's median
    (softmax head and model alone), and the best setting."""
    rows = []
    for model in res["models"]:
        for batch in BATCHES:
            zoo = [r for r in res["runs"] if r["side"] == "zoo" and r["model"] == model and r["batch"] == batch]
            row = {"model": model, "batch": batch, "zoo": median([r["img_s"] for r in zoo]),
                   "zoo_runs": len(zoo), "zoo_allocs": median([r["allocs_op"] for r in zoo if r.get("allocs_op") is not None]),
                   "torch": {}, "torch_logits": {}}
            for setting in res["args"]["torch_threads"]:
                for head, key in (("softmax", "torch"), ("logits", "torch_logits")):
                    xs = [r["img_s"] for r in res["runs"] if r["side"] == "torch" and r["model"] == model
                          and r["batch"] == batch and r["setting"] == str(setting) and r["head"] == head]
                    if xs:
                        row[key][str(setting)] = median(xs)
            if row["torch"]:
                best = max(row["torch"], key=row["torch"].get)
                row["best_setting"], row["torch_best"] = best, row["torch"][best]
                row["ratio"] = row["zoo"] / row["torch_best"] if row["zoo"] else None
            if row["torch_logits"]:
                bl = max(row["torch_logits"], key=row["torch_logits"].get)
                row["torch_logits_best"], row["logits_setting"] = row["torch_logits"][bl], bl
            rows.append(row)
    return rows


def setting_name(s, default_threads):
    return f"default ({default_threads} t)" if s == "default" else f"{s} t"


def fmt(x):
    if x is None:
        return "–"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def report(res):
    rows = summarise(res)
    m, t = res["machine"], res["torch"]
    dt = t["default_threads"]
    a = res["args"]
    lines = [SECTION, ""]
    lines.append(f"### Side by side ({res['date']}, `bench/infer.sh --rounds {a['rounds']} --seconds {a['seconds']:g}`)")
    lines.append("")
    lines.append(
        f"{m['cpu']} (vector units: {', '.join(m['units']) or 'none listed'}), {m['cores']} cores; "
        f"zoo: Go {res['go']}, GOMAXPROCS {res['gomaxprocs']}, default build (graph.BLAS(): the zoo's sgemm, Go assembly), "
        f"`zoo.(*Model).NewPredictor(1000)` and `Predict` (bench/infer); "
        f"torch {t['version']} (Debian; ATen CPU capability {t['capability']}, oneDNN {'on' if t['mkldnn'] else 'off'}, "
        f"OpenBLAS for the linear layers), the course classes in `eval()` under `torch.no_grad()` (bench/torch_infer.py), "
        f"run with {', '.join(setting_name(s, dt) for s in a['torch_threads'])} "
        f"(OMP_NUM_THREADS and torch.set_num_threads; torch's own default here: {dt}); "
        f"weights: {res.get('weights', '?')}. "
        f"MNIST test images; each call returns every image's class and softmax probabilities on both sides. "
        f"{a['rounds']} rounds, sides alternated per model, {a['seconds']:g} s per measurement; medians over rounds. "
        f"Load average {res['load_before']} before, {res['load_after']} after (the machine is shared).")
    lines.append("")
    lines.append("Images per second; torch at its fastest thread setting for each model and batch (which one in brackets); "
                 "ratio = zoo ÷ torch (above 1: the zoo is faster):")
    lines.append("")
    lines.append("| model | batch | zoo img/s | torch img/s | ratio zoo/torch | torch, every setting | torch, model alone (no softmax) | zoo allocs/call |")
    lines.append("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for r in rows:
        every = ", ".join(f"{setting_name(s, dt)}: {fmt(v)}" for s, v in r["torch"].items())
        best = f"{fmt(r.get('torch_best'))} ({setting_name(r['best_setting'], dt)})" if r.get("torch_best") else "–"
        ratio = f"{r['ratio']:.2f}×" if r.get("ratio") else "–"
        alone = fmt(r.get("torch_logits_best"))
        allocs = f"{r['zoo_allocs']:.0f}" if r["zoo_allocs"] is not None else "–"
        lines.append(f"| {r['model']} | {r['batch']} | {fmt(r['zoo'])} | {best} | {ratio} | {every} | {alone} | {allocs} |")
    lines.append("")
    met = [r for r in rows if r.get("ratio") and r["ratio"] >= 1]
    missed = [r for r in rows if r.get("ratio") and r["ratio"] < 1]
    detail = f"{len(met)} of {len(rows)} model-batch pairs"
    if missed:
        short = ", ".join("%s batch %d %.2f×" % (r["model"], r["batch"], r["ratio"]) for r in missed)
        detail += f"; short: {short}"
    elif met:
        detail += "; smallest ratio %.2f×" % min(r["ratio"] for r in met)
    verdict = "met" if not missed and len(met) == len(rows) else "not met"
    lines.append(f"Target (the zoo at least as fast as PyTorch at both sizes for every model): {verdict} ({detail}).")
    lines.append("")
    return "\n".join(lines)


def write_section(path, md):
    """Replace the Inference section of path (or append it)."""
    old = open(path).read() if os.path.exists(path) else ""
    i = old.find("\n" + SECTION + "\n")
    if old.startswith(SECTION + "\n"):
        i = 0
    if i >= 0:
        j = old.find("\n## ", i + len(SECTION) + 2)
        tail = old[j:] if j >= 0 else ""
        new = old[:i].rstrip("\n") + ("\n\n" if i > 0 else "") + md.rstrip("\n") + "\n" + tail
    else:
        new = old.rstrip("\n") + ("\n\n" if old else "") + md.rstrip("\n") + "\n"
    with open(path, "w") as f:
        f.write(new)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="all")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement, each side")
    ap.add_argument("--torch-threads", default="1,2,default",
                    help="torch thread settings: counts, or default (torch's own, nothing set)")
    ap.add_argument("--out", default=os.path.join(HERE, "results.md"))
    ap.add_argument("--json", default=os.path.join(HERE, "infer_results.json"))
    ap.add_argument("--no-write", action="store_true", help="print the section, leave --out alone (the JSON is still written)")
    ap.add_argument("--from-json", help="rewrite the report from a previous run's JSON")
    args = ap.parse_args(argv)

    if args.from_json:
        with open(args.from_json) as f:
            res = json.load(f)
        md = report(res)
        if not args.no_write:
            write_section(args.out, md)
        print(md)
        return 0

    models = MODELS if args.models == "all" else args.models.split(",")
    settings = [s if s == "default" else int(s) for s in args.torch_threads.split(",")]
    tmp = tempfile.mkdtemp(prefix="infer-")
    try:
        binary = os.path.join(tmp, "infer.test")
        log("building bench/infer")
        run(["go", "test", "-c", "-o", binary, "./bench/infer"])
        go = run(["go", "env", "GOVERSION"]).strip()
        res = {"date": datetime.date.today().isoformat(), "machine": machine(), "torch": torch_info(),
               "go": go, "models": models,
               "args": {"rounds": args.rounds, "seconds": args.seconds, "torch_threads": [str(s) for s in settings]},
               "load_before": loadavg(), "runs": []}
        for rnd in range(args.rounds):
            for model in models:
                sides = ["zoo", "torch"] if rnd % 2 == 0 else ["torch", "zoo"]
                for side in sides:
                    if side == "zoo":
                        out = run_zoo(binary, model, args.seconds)
                        res["gomaxprocs"] = out[0]["procs"]
                        res["runs"] += out
                        log(f"round {rnd + 1} {model} zoo: " + ", ".join(f"batch {r['batch']} {r['img_s']:,.0f}" for r in out))
                    else:
                        for s in (settings if rnd % 2 == 0 else settings[::-1]):
                            out = run_torch(model, s, args.seconds)
                            res["runs"] += out
                            log(f"round {rnd + 1} {model} torch {s}: " + ", ".join(
                                f"batch {r['batch']} {r['head']} {r['img_s']:,.0f}" for r in out))
        res["load_after"] = loadavg()
        weights = {}
        for r in res["runs"]:
            if r["side"] == "zoo":
                weights.setdefault(r["model"], r.get("weights", "?"))
        if set(weights.values()) == {"pretrained"}:
            res["weights"] = "pretrained (pretrained/weights/*.safetensors) for every model"
        else:
            res["weights"] = ", ".join(f"{m} {w}" for m, w in weights.items())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(args.json, "w") as f:
        json.dump(res, f, indent=1)
    md = report(res)
    if not args.no_write:
        write_section(args.out, md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
