#!/usr/bin/env python3
"""PyTorch inference speed of the course's seven models, images per second.

The course classes (course_models.py) in eval() mode under torch.no_grad(),
on the MNIST test images (mnist_local.py: pixels / 255, as ToTensor), at
batch 1 (one image per call: latency) and batch 1000 (throughput). Each call
returns what the zoo's Predictor returns: the logits' softmax and argmax
(--head logits times the model alone). The counterpart of bench/infer's Go
benchmark; bench/infer.sh runs both side by side.

    /usr/bin/python3 bench/torch_infer.py [--models all] [--batches 1,1000]
        [--threads 1,2] [--heads softmax] [--seconds 1] [--weights DIR] [--json]

--threads lists the torch.set_num_threads counts to measure in turn (0:
torch's default here); --heads softmax,logits also times the model alone.
Prints a table, or one JSON object per measurement (--json).
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import course_models  # noqa: E402
import mnist_local  # noqa: E402
import safetensors_io  # noqa: E402


def default_weights_dir():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(repo, "pretrained", "weights")


def make_model(name, weights_dir):
    """The course class with the zoo's pretrained weights if there are any,
    else PyTorch's own initialisation (seed 0); eval() mode."""
    torch.manual_seed(0)
    model = course_models.model_class(name)()
    path = os.path.join(weights_dir, name + ".safetensors")
    source = "seed 0"
    if os.path.exists(path):
        sd, _ = safetensors_io.load_file(path)
        model.load_state_dict(sd, strict=True)
        source = "pretrained"
    model.eval()
    return model, source


def measure(model, images, batch, seconds, head, warmup=0.2):
    """Images per second of model on consecutive batches of images, going
    round them, for at least `seconds` after a warm-up of `warmup` seconds
    (and at least 3 calls)."""
    n = images.shape[0] // batch * batch
    chunks = [images[i:i + batch] for i in range(0, n, batch)]

    def call(x):
        out = model(x)
        if head == "softmax":
            probs = torch.softmax(out, dim=1)
            cls = torch.argmax(out, dim=1)
            return probs, cls
        return out

    with torch.no_grad():
        i = 0
        start = time.perf_counter()
        calls = 0
        while calls < 3 or time.perf_counter() - start < warmup:
            call(chunks[i % len(chunks)])
            i += 1
            calls += 1
        calls = 0
        start = time.perf_counter()
        while True:
            call(chunks[i % len(chunks)])
            i += 1
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds and calls >= 3:
                break
    return calls * batch / elapsed, elapsed / calls


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="all", help="comma-separated zoo names, or all")
    ap.add_argument("--batches", default="1,1000")
    ap.add_argument("--threads", default="0",
                    help="comma-separated torch.set_num_threads counts, each measured (0: torch's default here)")
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    ap.add_argument("--heads", default="softmax",
                    help="softmax (the logits' softmax and argmax, as the zoo's Predict), logits (the model alone), or both")
    ap.add_argument("--weights", default=default_weights_dir())
    ap.add_argument("--data", default=None, help="MNIST gz dir (default <repo>/../shared/data/mnist)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    default_threads = torch.get_num_threads()
    thread_counts = [int(t) or default_threads for t in args.threads.split(",")]
    heads = args.heads.split(",")
    for h in heads:
        if h not in ("softmax", "logits"):
            raise SystemExit(f"unknown head {h!r}")
    names = list(course_models.NAMES) if args.models == "all" else args.models.split(",")
    batches = [int(b) for b in args.batches.split(",")]
    images, _ = mnist_local.load("test", args.data)
    images = images.contiguous()

    if not args.json:
        print(f"torch {torch.__version__} (default threads {default_threads})")
        print("| model | batch | threads | head | img/s | ms/call | weights |")
        print("| --- | ---: | ---: | --- | ---: | ---: | --- |")
    for name in names:
        model, source = make_model(name, args.weights)
        for batch in batches:
            for threads in thread_counts:
                torch.set_num_threads(threads)
                for head in heads:
                    rate, per_call = measure(model, images, batch, args.seconds, head)
                    if args.json:
                        print(json.dumps({"side": "torch", "model": name, "batch": batch, "img_s": rate,
                                          "s_per_call": per_call, "threads": torch.get_num_threads(),
                                          "default_threads": default_threads, "head": head,
                                          "weights": source, "torch": torch.__version__}), flush=True)
                    else:
                        print(f"| {name} | {batch} | {torch.get_num_threads()} | {head} | {rate:.0f} | "
                              f"{per_call * 1e3:.3f} | {source} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
