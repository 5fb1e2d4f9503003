#!/usr/bin/env python3
"""Loss curves of GT with Galerkin attention, the authors' and ours, from one initial state
(tools/device/gt-galerkin-side-by-side.sh): the authors' per-step training loss (quirk on / off)
as lines, mno's per-epoch mean training loss as markers, and optionally mno runs at lower peak
learning rates. Usage: plot_side_by_side.py DIR OUT.png [LABEL=log.csv ...]"""
import csv
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main():
    folder, out = sys.argv[1], sys.argv[2]
    extra = [a.split("=", 1) for a in sys.argv[3:]]
    fig, (ax, axlr) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    for q, style in (("on", "tab:red"), ("off", "tab:orange")):
        r = rows(f"{folder}/authors_quirk_{q}.csv")
        steps = [int(x["step"]) for x in r]
        ax.plot(steps, [float(x["loss"]) for x in r], lw=0.6, color=style,
                label=f"authors' GT-Galerkin, always-on dropout {q} (per step)")
        if q == "on":
            axlr.plot(steps, [float(x["lr"]) for x in r], color="k", lw=1)
    ours = rows(f"{folder}/ours_log.csv")
    ax.plot([int(x["step"]) for x in ours], [float(x["train_loss"]) for x in ours], "o-", color="tab:blue",
            label="mno GT-Galerkin, max_lr 1e-3 (epoch mean)")
    colours = ["tab:green", "tab:purple", "tab:brown", "tab:cyan"]
    for (label, path), colour in zip(extra, colours):
        r = rows(path)
        ax.plot([int(x["step"]) for x in r], [float(x["train_loss"]) for x in r], "s--", color=colour,
                label=f"mno GT-Galerkin, {label} (epoch mean)")
    ax.set_yscale("log")
    ax.set_ylabel("training MSE")
    ax.legend(fontsize=7)
    ax.set_title("GT + Galerkin attention, paper settings, same initial weights, same Darcy data", fontsize=9)
    axlr.set_ylabel("lr (max 1e-3)")
    axlr.set_xlabel("optimiser step")
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
