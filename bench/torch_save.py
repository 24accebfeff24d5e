#!/usr/bin/env python3
"""Save a course model's state_dict as safetensors: freshly initialised, or
after --train-steps steps of the course's SGD (lr 0.1, batches of 100).

    /usr/bin/python3 bench/torch_save.py cnn3 out.safetensors [--seed 0] [--train-steps 0]

Keys are written in state_dict order, so the Go side can be tested against
files laid out exactly as PyTorch orders them.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import course_models  # noqa: E402
import safetensors_io  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="Save a fresh course model as safetensors.")
    ap.add_argument("model", help="zoo name (model1..model4, cnn1..cnn3) or class name")
    ap.add_argument("out", help="output .safetensors path")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-steps", type=int, default=0,
                    help="SGD steps (lr 0.1, shuffled batches of 100) before saving; BatchNorm statistics move too")
    ap.add_argument("--data", default=None, help="MNIST folder (default ../shared/data/mnist)")
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    cls = course_models.model_class(args.model)
    model = cls()
    if args.train_steps > 0:
        import mnist_local  # noqa: E402
        x, y = mnist_local.load("train", args.data)
        optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
        criterion = torch.nn.CrossEntropyLoss()
        model.train()
        order = torch.randperm(len(y))
        for step in range(args.train_steps):
            idx = order[(step * 100) % len(y):][:100]
            optimiser.zero_grad()
            loss = criterion(model(x[idx]), y[idx])
            loss.backward()
            optimiser.step()
        model.eval()
    sd = model.state_dict()
    safetensors_io.save_file(sd, args.out, {"format": "pt", "model": cls.__name__, "seed": str(args.seed),
                                              "train_steps": str(args.train_steps)})
    print(f"wrote {args.out}: {cls.__name__}, {len(sd)} tensors, "
          f"{course_models.count_params(model)} parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
