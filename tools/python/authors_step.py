#!/usr/bin/env python3
"""The MNO authors' GT-Mamba, unchanged, training on mno's scan through mno.compat.selective_scan_cuda
(docs/python.md, "The authors' code on mno's scan").

Their SS2D calls mamba_ssm's compiled `selective_scan_cuda.fwd/bwd` directly, so it cannot run
where that CUDA extension does not exist. Here mno's module is installed under that name before
their code is imported; their FourierTransformerNew is built from their Darcy config (full size, as
tools/parity/authors_bench.py builds it) and takes AdamW steps on a Darcy-sized batch, the loss
and every gradient compared with the same steps on a second scan:
  CPU (default):       the plain recurrence of tools/parity/stubs/selective_scan_cuda.py
  --scan-extension DIR on the GPU: mamba_ssm's compiled kernel (authors_bench.py build)

    PYTHONPATH=build/python:.authors/pylib python3 tools/python/authors_step.py [--side 64] [--batch 2]
        [--steps 1] [--device cpu|cuda] [--scan-extension DIR] [--threads 2] [--json FILE]

The authors' code is fetched into .authors/ by tools/parity/fetch-authors.sh (never committed).
"""
import argparse
import copy
import importlib.util
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

import mno

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PARITY = os.path.join(ROOT, "tools", "parity")


def load_file_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def second_scan(args):
    """The scan to compare with: mamba_ssm's compiled module, or the plain stand-in recurrence."""
    if args.scan_extension:
        so = os.path.join(os.path.abspath(args.scan_extension), "selective_scan_cuda.so")
        # An extension module must load under the name it was built with (its PyInit_ function);
        # loaded from its file it does not replace mno's module in sys.modules.
        return load_file_module("selective_scan_cuda", so), "mamba_ssm's compiled selective_scan_cuda"
    return (load_file_module("selective_scan_cuda_stub", os.path.join(PARITY, "stubs", "selective_scan_cuda.py")),
            "the plain recurrence (tools/parity/stubs/selective_scan_cuda.py)")


class ScanSwitch:
    """Points every module of the authors' that holds `selective_scan_cuda` at `module`, counting fwd calls."""

    def __init__(self, root, module):
        self.root, self.module, self.calls = os.path.join(os.path.abspath(root), ""), module, 0

    def __enter__(self):
        self.held = []
        counted = self

        class Counting:
            def __getattr__(self, name):
                if name == "fwd":
                    counted.calls += 1
                return getattr(counted.module, name)
        for m in list(sys.modules.values()):
            path = getattr(m, "__file__", None)
            if isinstance(path, str) and os.path.abspath(path).startswith(self.root) \
                    and "selective_scan_cuda" in m.__dict__:
                self.held.append((m, m.__dict__["selective_scan_cuda"]))
                m.selective_scan_cuda = Counting()
        if not self.held:
            raise RuntimeError("no module of the authors' holds selective_scan_cuda: is this their Mamba model?")
        return self

    def __exit__(self, *exc):
        for m, held in self.held:
            m.selective_scan_cuda = held
        return False


def train_steps(model, features, pos, target, steps):
    """`steps` AdamW steps as their train script takes them; returns the losses and the first step's gradients."""
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5e-6)
    losses, grads, seconds = [], None, []
    for step in range(steps):
        start = time.perf_counter()
        optimiser.zero_grad()
        loss = F.mse_loss(model(features, pos=pos), target)
        loss.backward()
        if step == 0:
            grads = {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.grad is not None}
        optimiser.step()
        if features.is_cuda:
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - start)
        losses.append(loss.item())
    return losses, grads, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--authors", default=os.path.join(ROOT, ".authors"))
    p.add_argument("--side", type=int, default=64)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--steps", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--scan-extension", default="")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--no-compare", action="store_true",
                   help="run the steps on mno's scan alone (the plain recurrence takes minutes per step at full size)")
    p.add_argument("--json")
    args = p.parse_args()
    if not os.path.isdir(os.path.join(args.authors, "MambaGalerkinTransformer")):
        sys.exit(f"authors_step: {args.authors} holds no authors' code: run tools/parity/fetch-authors.sh")
    threads = mno.set_threads(args.threads)
    mno.compat.install()  # before their code is imported: `import selective_scan_cuda` finds mno's
    sys.path.append(os.path.join(PARITY, "stubs"))  # dgl, timm, ... stand-ins; not their scan (installed above)
    sys.path.insert(0, PARITY)
    import authors_bench as ab
    other, other_name = second_scan(args)

    device = torch.device(args.device)
    torch.manual_seed(0)
    parts, _, authors_class = ab.build_gt(args.authors, "mamba", device)
    model = parts["model"].float().train()
    for m in model.modules():  # their always-on dropout off, so that both runs compute the same function
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    twin = copy.deepcopy(model)
    length = args.side * args.side
    features = torch.rand(args.batch, length, 1, device=device)
    pos = ab.darcy_coordinates("gt", args.side, device).unsqueeze(0).repeat(args.batch, 1, 1)
    target = torch.randn(args.batch, length, 1, device=device)

    with ScanSwitch(args.authors, mno.compat.selective_scan_cuda) as on_mno:
        losses, grads, seconds = train_steps(model, features, pos, target, args.steps)
    print(f"on mno's scan: {args.steps} step(s), {sum(seconds):.1f} s", file=sys.stderr, flush=True)
    if args.no_compare:
        print(json.dumps({"authors_class": authors_class, "device": args.device, "torch": torch.__version__,
                          "threads": threads, "side": args.side, "batch": args.batch,
                          "scan_calls_per_step": on_mno.calls // args.steps, "loss_mno": losses,
                          "step_seconds_mno": seconds}, indent=1))
        return
    with ScanSwitch(args.authors, other) as on_other:
        losses_ref, grads_ref, seconds_ref = train_steps(twin, features, pos, target, args.steps)
    print(f"on {other_name}: {args.steps} step(s), {sum(seconds_ref):.1f} s", file=sys.stderr, flush=True)
    worst = max(((grads[n] - grads_ref[n]).norm() / grads_ref[n].norm().clamp_min(1e-30)).item() for n in grads)
    after = max(((a - b).norm() / b.norm()).item() for a, b in zip(model.parameters(), twin.parameters()))
    report = {"authors_class": authors_class, "device": args.device, "torch": torch.__version__, "threads": threads,
              "side": args.side, "batch": args.batch, "steps": args.steps, "compared_with": other_name,
              "scan_calls_per_step": on_mno.calls // args.steps, "loss_mno": losses, "loss_other": losses_ref,
              "worst_gradient_relative_difference": worst, "parameters_after_relative_difference": after,
              "step_seconds_mno": seconds, "step_seconds_other": seconds_ref}
    if on_mno.calls == 0 or on_other.calls == 0:
        sys.exit(f"authors_step: a run made no scan calls ({on_mno.calls}, {on_other.calls})")
    print(json.dumps(report, indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
