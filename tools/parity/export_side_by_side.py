#!/usr/bin/env python3
"""mno's predictions against the authors' own classes, at full size, through the command line both
ways: a run mno trained is exported (`mno export`), loaded into the authors' model with
`load_state_dict(strict=True)`, and fed a Darcy file the way the authors' loaders feed it; `mno
predict` runs the same run on the same file. The relative difference of the two predictions is the
figure (docs/models.md, "Export").

Usage (HERE on the CPU, with Debian's python3-torch and python3-h5py, einops on PYTHONPATH as
tools/parity/make_fixtures.py's header says; or on the GPU machine with --scan-extension):

    PYTHONPATH=.authors/pylib /usr/bin/python3 tools/parity/export_side_by_side.py --mno build/mno \\
        --authors .authors --work /tmp/sbs [--configs gt_mamba,gnot_mamba,...] [--samples 12] \\
        [--scan-extension /tmp/mamba-build --device cuda]

For each configs/darcy/<name>.yaml: one Darcy file (`mno generate darcy`, 128 x 128, read at stride 2
as the configs do), `mno train` for 2 optimiser steps on the CPU (full size: the weights are then no
longer an initialisation), `mno export`, `mno predict`; then, in a process of its own (the hosts'
packages share module names), the authors' model built as tools/parity/authors_bench.py builds it at
the paper's settings, the exported file(s) loaded strictly, and run on the file's samples with the
coordinates their loader makes (authors_bench.darcy_coordinates: GT and GNOT (y_j, x_i) at the cell
centres, OFormer linspace(0, 1, 64) per axis in (x_i, y_j) order; the OFormer runs are trained with
data.positions=linspace, which places mno's points there too, unless --oformer-positions file). Without --scan-extension the
authors' scan is the stand-in recurrence of tools/parity/stubs (the CPU); with it, mamba_ssm's
compiled kernel. GT's always-on functional dropout is replaced by the identity, as in the parity
fixtures. Prints one markdown row per config; exit status 1 when a step fails.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CONFIGS = "gt_mamba,gt_galerkin,gt_softmax,gnot_mamba,gnot_linear,gnot_softmax,oformer_mamba,oformer_galerkin,oformer_softmax"


def run(cmd, log):
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        code = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT)
    if code != 0:
        with open(log) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed ({code}); the end of {log}:\n{tail}")


def mno_side(args, name, data):
    """Train 2 steps, export, predict: returns (weights file base, prediction file)."""
    work = os.path.join(args.work, name)
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "mno.log")
    run_dir = os.path.join(work, "run")
    config = os.path.join(ROOT, "configs", "darcy", name + ".yaml")
    overrides = ["data.file=" + data, "train.device=cpu", "train.iterations=2", "train.batch_size=2",
                 "train.eval_batch_size=2", "train.plot_samples=0"]
    if name.startswith("oformer"):
        overrides.append("data.positions=" + args.oformer_positions)
    run([args.mno, "--threads", str(args.threads), "train", "-c", config, "--out", run_dir, "--overwrite"] + overrides,
        log)
    weights = os.path.join(work, "weights.pt")
    run([args.mno, "export", run_dir, "--out", weights, "--checkpoint", "last", "--overwrite"], log)
    pred = os.path.join(work, "pred.h5")
    run([args.mno, "--threads", str(args.threads), "predict", run_dir, "--input", data, "--out", pred, "--overwrite"],
        log)
    return weights, pred


def authors_side(args):
    """In its own process: the authors' model with the exported weights on the file's samples."""
    import h5py
    import torch
    sys.path.insert(0, HERE)
    import authors_bench as ab
    host, mixer = args.one.split("_", 1)
    device = torch.device(args.device)
    if args.scan_extension:
        ab.import_scan_extension(args.scan_extension)
        sys.path.append(os.path.join(HERE, "stubs"))
    else:
        sys.path.insert(0, os.path.join(HERE, "stubs"))  # the stand-in selective_scan_cuda (CPU)
    # GT's attention applies torch.nn.functional.dropout whatever the mode (docs/models.md); as in
    # the parity fixtures, the identity: a prediction is compared, not one random draw of it.
    torch.nn.functional.dropout = lambda input, p=0.5, training=True, inplace=False: input
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    parts, make_run, label = ab.BUILDERS[host](os.path.abspath(args.authors), mixer, device)
    base = args.weights[:-3] if args.weights.endswith(".pt") else args.weights
    for part, module in parts.items():
        path = args.weights if list(parts) == ["model"] else f"{base}.{part}.pt"
        state = torch.load(path, map_location=device)
        module.load_state_dict(state, strict=True)  # every name and shape, nothing left over
        module.eval()
    with h5py.File(args.data, "r") as f:
        a = torch.tensor(f["nu"][:, ::2, ::2], dtype=torch.float32)  # [N, 64, 64], the configs' stride 2
    with h5py.File(args.pred, "r") as f:
        ours = torch.tensor(f["tensor"][:, 0], dtype=torch.float64)  # [N, 64, 64]
    side = a.shape[1]
    # The run's normalisers where its config has them (OFormer's Darcy configs: per-point Gaussian,
    # as the authors' loader): the authors' model gets the inputs mno's model gets, and its output is
    # decoded the way `mno predict` decodes ours. (Their own normalisers would be fitted on their
    # training split; the model's function is what is compared.)
    def normaliser(name):
        path = os.path.join(args.run, "normalisers", name + ".pt")
        if not os.path.exists(path):
            return None
        params = dict(torch.jit.load(path).named_parameters())
        return params["shift"].reshape(side, side).float(), params["scale"].reshape(side, side).float()
    encode, decode = normaliser("inputs"), normaliser("targets")
    if encode is not None:
        a = (a - encode[0]) / encode[1]
    if args.positions == "theirs":
        pos = ab.darcy_coordinates(host, side, device)  # [L, 2], their loader's order and values
    elif host == "oformer" and args.oformer_positions == "linspace":  # mno's, data.positions=linspace
        pos = ab.darcy_coordinates(host, side, device)
    else:  # mno's: the file's coordinates, (x_i, y_j)
        with h5py.File(args.data, "r") as f:
            x = torch.tensor(f["x-coordinate"][::2], dtype=torch.float32)
            y = torch.tensor(f["y-coordinate"][::2], dtype=torch.float32)
        gx, gy = torch.meshgrid(x, y, indexing="ij")
        pos = torch.stack([gx, gy], dim=-1).reshape(-1, 2).to(device)
    errors = []
    with torch.no_grad():
        for i in range(a.shape[0]):
            features = a[i].reshape(1, side * side, 1).to(device)
            theirs = make_run(features, pos.unsqueeze(0))().reshape(side, side).cpu()
            if decode is not None:
                theirs = theirs * decode[1] + decode[0]
            theirs = theirs.double()
            errors.append(((theirs - ours[i]).norm() / theirs.norm()).item())
    print(json.dumps({"config": args.one, "authors_class": label, "samples": len(errors),
                      "max_relative_error": max(errors), "device": args.device}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mno", default=os.path.join(ROOT, "build", "mno"))
    p.add_argument("--authors", default=os.path.join(ROOT, ".authors"))
    p.add_argument("--work", default="/tmp/mno-export-side-by-side")
    p.add_argument("--configs", default=DEFAULT_CONFIGS)
    p.add_argument("--samples", type=int, default=12)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--scan-extension", default="")
    p.add_argument("--positions", default="theirs", choices=["theirs", "mno"],
                   help="coordinates fed to the authors' model: their loader's (default) or mno's (x_i, y_j) from "
                        "the file, which shows what a difference is made of")
    p.add_argument("--oformer-positions", default="linspace", choices=["linspace", "file"],
                   help="data.positions of the OFormer runs: linspace (default), the switch that places mno's points "
                        "where the authors' OFormer Darcy script does, or file (the file's cell centres)")
    p.add_argument("--one", help=argparse.SUPPRESS)
    p.add_argument("--weights", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--pred", help=argparse.SUPPRESS)
    p.add_argument("--run", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        return authors_side(args)
    if not os.path.isdir(os.path.join(args.authors, "MambaGalerkinTransformer")):
        sys.exit(f"export_side_by_side: {args.authors} holds no authors' code: run tools/parity/fetch-authors.sh")
    os.makedirs(args.work, exist_ok=True)
    data = os.path.join(args.work, "darcy.h5")
    if not os.path.exists(data):
        run([args.mno, "generate", "darcy", "--samples", str(args.samples), "--out", data],
            os.path.join(args.work, "generate.log"))
    print(f"| config | authors' class | samples | max relative difference, mno predict vs theirs | seconds |")
    print("|---|---|---|---|---|")
    failed = False
    for name in filter(None, args.configs.split(",")):
        start = time.time()
        try:
            weights, pred = mno_side(args, name, data)
            cmd = [sys.executable, os.path.abspath(__file__), "--one", name, "--weights", weights, "--data", data,
                   "--pred", pred, "--run", os.path.join(args.work, name, "run"), "--authors", args.authors, "--device", args.device, "--positions", args.positions,
                   "--oformer-positions", args.oformer_positions]
            if args.scan_extension:
                cmd += ["--scan-extension", args.scan_extension]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                raise RuntimeError(out.stderr[-3000:])
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {name} | {result['authors_class']} | {result['samples']} | {result['max_relative_error']:.1e} "
                  f"| {time.time() - start:.0f} |", flush=True)
        except Exception as error:  # report every config, then fail
            failed = True
            print(f"| {name} | FAILED: {str(error).strip().splitlines()[0][:200]} | | | |", flush=True)
            print(str(error), file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
