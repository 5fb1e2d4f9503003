#!/usr/bin/env python3
"""The authors' GT (FourierTransformerNew) trained on an mno-generated Darcy file, for the
side-by-side with `mno train` (docs/training.md, "GT with Galerkin attention: ours and the
authors' side by side"; tools/device/gt-galerkin-side-by-side.sh runs both).

  --write-init FILE   build the paper-size model (seed 42) and save its state_dict (torch.save), the
                      initial weights both sides start from (mno reads it with `mno import`), then exit
  otherwise           load --init FILE and train it with the paper's GT settings, as the authors'
                      run_train_pdebench + train_batch_darcyflow_pdebench do: Adam(lr 1e-3), OneCycleLR
                      (max 1e-3, div 1e4, final div 1e4, pct_start 0.3, stepped per batch, PyTorch's
                      default cosine anneal and beta1 cycling), MSE, clip_grad_norm 0.999, batch 8,
                      drop_last; one CSV row per step: step, lr, loss.

The data are what mno trains on: the file's `nu` and `tensor` at stride 2 (128 -> 64), test = the
first 10 % (mno's `split: pdebench`), positions (x_i, y_j) from x-/y-coordinate as mno's
grid_positions builds them. The authors' attention applies an always-on functional dropout
(docs/models.md); --quirk off removes it (F.dropout -> identity), matching mno's default.
"""
import argparse
import csv
import math
import os
import sys
import time

import h5py
import torch
import torch.nn.functional as F
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def build_model(authors, attention):
    sys.path.insert(0, os.path.join(HERE, "stubs"))
    sys.path.insert(0, HERE)
    from host_gt import _load_libs
    model_mamba = _load_libs(authors)
    name = {"galerkin": "gt", "softmax": "st", "mamba": "mamba"}[attention]
    path = os.path.join(authors, "MambaGalerkinTransformer", "config", "darcyflow_pdebench",
                        f"config_{name}_darcyflow_pdebench.yml")
    with open(path) as f:
        config = yaml.full_load(f)["darcyflow_pdebench"]
    config["attn_norm"] = not config["layer_norm"]
    if config["attention_type"] == "galerkin":
        config["norm_eps"] = 1e-5
    torch.manual_seed(config["seed"])
    return model_mamba.FourierTransformerNew(**config), config


def load_data(path, stride=2):
    with h5py.File(path, "r") as f:
        a = torch.from_numpy(f["nu"][:, ::stride, ::stride]).float()
        u = torch.from_numpy(f["tensor"][:, 0, ::stride, ::stride]).float()
        x = torch.from_numpy(f["x-coordinate"][::stride]).float()
        y = torch.from_numpy(f["y-coordinate"][::stride]).float()
    n = a.shape[0]
    gx, gy = torch.meshgrid(x, y, indexing="ij")
    pos = torch.stack([gx, gy], dim=-1).reshape(-1, 2)
    a = a.reshape(n, -1, 1)
    u = u.reshape(n, -1, 1)
    test = n // 10
    return a[test:], u[test:], pos


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--authors", required=True)
    p.add_argument("--attention", default="galerkin")
    p.add_argument("--write-init")
    p.add_argument("--init")
    p.add_argument("--data")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--quirk", choices=["on", "off"], default="on")
    p.add_argument("--log", default="authors_loss.csv")
    p.add_argument("--device", default="cuda")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()

    model, config = build_model(args.authors, args.attention)
    if args.write_init:
        torch.save(model.state_dict(), args.write_init)
        print(f"wrote {args.write_init}: {sum(t.numel() for t in model.parameters())} parameters")
        return
    if args.quirk == "off":
        F.dropout = lambda input, p=0.5, training=True, inplace=False: input
    model.load_state_dict(torch.load(args.init, map_location="cpu"))
    device = torch.device(args.device)
    model.to(device)
    a, u, pos = load_data(args.data)
    a, u, pos = a.to(device), u.to(device), pos.to(device)
    batch = 8
    steps_per_epoch = a.shape[0] // batch
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-3, div_factor=1e4, final_div_factor=1e4,
                                                    pct_start=0.3, steps_per_epoch=steps_per_epoch,
                                                    epochs=args.epochs)
    generator = torch.Generator().manual_seed(args.seed)
    start = time.time()
    with open(args.log, "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["step", "epoch", "lr", "loss"])
        step = 0
        for epoch in range(args.epochs):
            order = torch.randperm(a.shape[0], generator=generator).to(device)
            model.train()
            for b in range(steps_per_epoch):
                idx = order[b * batch:(b + 1) * batch]
                lr = scheduler.get_last_lr()[0]
                optimizer.zero_grad()
                pred = model(a[idx], pos.unsqueeze(0).expand(len(idx), -1, -1))
                loss = F.mse_loss(pred, u[idx])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 0.999)
                optimizer.step()
                scheduler.step()
                step += 1
                value = loss.item()
                out.writerow([step, epoch, f"{lr:.6e}", f"{value:.6e}"])
                if not math.isfinite(value):
                    print(f"non-finite loss {value} at step {step} (lr {lr:.3e}); stopping", flush=True)
                    return
            f.flush()
            print(f"epoch {epoch + 1}: step {step}, lr {lr:.3e}, last loss {value:.4e}, "
                  f"{time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
