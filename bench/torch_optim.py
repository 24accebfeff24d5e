#!/usr/bin/env python3
"""Writes zoo/testdata/optim_torch.json: what PyTorch's optimizers and
learning-rate schedules do, for the zoo's Go tests to match.

Run with Debian's torch:  /usr/bin/python3 bench/torch_optim.py

For each optimizer setting: three float32 parameters drawn from a fixed
seed, five steps, each with given float32 gradients; the parameters after
every step (torch.optim's SGD, Adam, AdamW, and RMSprop, which package optim
registers). For each schedule: the learning rate of each of 12 epochs, and
OneCycleLR's of every batch when stepped per batch. For gradient clipping:
torch.nn.utils.clip_grad_norm_ of the first step's gradients at a few norms.
"""
import json
import math
import os

import torch

torch.manual_seed(20261130)
shapes = [(7,), (3, 4), (5,)]
steps = 5
init = [torch.randn(s, dtype=torch.float32) for s in shapes]
grads = [[torch.randn(s, dtype=torch.float32) for s in shapes] for _ in range(steps)]


def flat(ts):
    return [t.detach().reshape(-1).tolist() for t in ts]


optimizers = [
    ("sgd", {}, lambda ps: torch.optim.SGD(ps, lr=0.1)),
    ("sgd_wd", {"weight_decay": 0.01}, lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.01)),
    ("momentum", {"momentum": 0.9}, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
    ("momentum_dampening", {"momentum": 0.9, "dampening": 0.5, "weight_decay": 0.001},
     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.001)),
    ("nesterov", {"momentum": 0.8, "nesterov": True, "weight_decay": 0.01},
     lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("adam", {}, lambda ps: torch.optim.Adam(ps, lr=0.01)),
    ("adam_wd", {"weight_decay": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
     lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)),
    ("adamw", {"weight_decay": 0.01}, lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.01)),
    ("rmsprop", {}, lambda ps: torch.optim.RMSprop(ps, lr=0.01)),
    ("rmsprop_alpha_eps", {"alpha": 0.9, "eps": 1e-4},
     lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-4)),
    ("rmsprop_momentum_wd", {"momentum": 0.9, "weight_decay": 0.01},
     lambda ps: torch.optim.RMSprop(ps, lr=0.005, momentum=0.9, weight_decay=0.01)),
    ("rmsprop_centered", {"centered": True, "alpha": 0.95},
     lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.95, centered=True)),
    ("rmsprop_centered_momentum_wd", {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-6},
     lambda ps: torch.optim.RMSprop(ps, lr=0.02, centered=True, momentum=0.5, weight_decay=0.1, eps=1e-6)),
]
lrs = {"sgd": 0.1, "sgd_wd": 0.1, "momentum": 0.1, "momentum_dampening": 0.05, "nesterov": 0.1,
       "adam": 0.01, "adam_wd": 0.01, "adamw": 0.01,
       "rmsprop": 0.01, "rmsprop_alpha_eps": 0.01, "rmsprop_momentum_wd": 0.005, "rmsprop_centered": 0.01,
       "rmsprop_centered_momentum_wd": 0.02}
kinds = {"sgd": "sgd", "sgd_wd": "sgd", "momentum": "sgd", "momentum_dampening": "sgd", "nesterov": "sgd",
         "adam": "adam", "adam_wd": "adam", "adamw": "adamw"}
kinds.update({name: "rmsprop" for name, _, _ in optimizers if name.startswith("rmsprop")})

out = {"torch": torch.__version__, "shapes": shapes, "init": flat(init),
       "grads": [flat(g) for g in grads], "optimizers": [], "schedules": []}
for name, settings, make in optimizers:
    ps = [p.clone().requires_grad_(True) for p in init]
    opt = make(ps)
    after = []
    for g in grads:
        for p, gi in zip(ps, g):
            p.grad = gi.clone()
        opt.step()
        after.append(flat(ps))
    out["optimizers"].append({"name": name, "optimizer": kinds[name], "lr": lrs[name],
                              "settings": settings, "after": after})

epochs = 12
schedules = [
    ("step", {"step_size": 3, "gamma": 0.5},
     lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    ("cosine", {}, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=epochs)),
    ("warmup", {"warmup": 3},
     lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 4, total_iters=3)),
    ("warmup_cosine", {"warmup": 2},
     lambda o: torch.optim.lr_scheduler.ChainedScheduler([
         torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 3, total_iters=2),
         torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=epochs)])),
    ("warmup_step", {"warmup": 2, "step_size": 4, "gamma": 0.1},
     lambda o: torch.optim.lr_scheduler.ChainedScheduler([
         torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 3, total_iters=2),
         torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.1)])),
]
for name, settings, make in schedules:
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make(opt)
    lr = []
    for _ in range(epochs):
        lr.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    out["schedules"].append({"name": name, "base_lr": 0.1, "epochs": epochs, "settings": settings, "lr": lr})

# OneCycleLR stepped after every batch, as the harness steps it, over
# epochs × batches steps; and once an epoch (total_steps = epochs).
out["one_cycle"] = []
for name, epochs_, batches, settings in [
    ("defaults", 3, 7, {}),
    ("pct_div", 4, 5, {"pct_start": 0.25, "div_factor": 10, "final_div_factor": 100}),
    ("per_epoch", 12, 1, {"pct_start": 0.2}),
    ("short_warmup", 2, 3, {"pct_start": 0.1}),
]:
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=epochs_ * batches,
                                                cycle_momentum=False, anneal_strategy="cos", **settings)
    lr = []
    for _ in range(epochs_ * batches):
        lr.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    out["one_cycle"].append({"name": name, "max_lr": 0.1, "epochs": epochs_, "batches": batches,
                             "settings": settings, "lr": lr})

# clip_grad_norm_ of the first step's gradients.
out["clip"] = []
for max_norm in [0.5, 2.0, 1e3]:
    gs = [g.clone() for g in grads[0]]
    ps = [torch.zeros_like(g, requires_grad=True) for g in gs]
    for p, g in zip(ps, gs):
        p.grad = g
    norm = torch.nn.utils.clip_grad_norm_(ps, max_norm)
    out["clip"].append({"max_norm": max_norm, "norm": norm.item(), "grads": flat([p.grad for p in ps])})

path = os.path.join(os.path.dirname(__file__), "..", "zoo", "testdata", "optim_torch.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", os.path.normpath(path), "with torch", torch.__version__)
