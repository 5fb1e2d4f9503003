#!/usr/bin/env python3
"""What the Python op costs over the C++ call, and what it saves over plain PyTorch (docs/python.md).

At one shape (default: shape (a) of `mno bench scan`, MNO-GNOT's 8 x 384 x 4096, N 16, B/C in
2 groups, one direction as mamba_ssm's interface has; fp32, delta_softplus, D and delta_bias), in one
process, alternating so that the machine's drift hits all alike:
  cpp        mno::ops::selective_scan called and timed in C++ (mno._C._time_scan)
  python     mno.ops.selective_scan_fn (torch.ops.mno.selective_scan) timed in Python
  reference  the plain-PyTorch recurrence of tests/python/scan_reference.py (forward only, fewer repeats)
Prints medians and the ratios, forward and forward+backward. Usage:

    PYTHONPATH=build/python python3 tools/python/scan_overhead.py [--threads 2] [--repeats 5] [--device cpu]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

import mno

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "python"))
from scan_reference import selective_scan_reference  # noqa: E402


def inputs(batch, channels, groups, length, state, device):
    torch.manual_seed(0)
    f = dict(device=device, dtype=torch.float32)
    return dict(u=torch.randn(batch, channels, length, **f), delta=torch.randn(batch, channels, length, **f) * 0.5,
                A=-torch.arange(1, state + 1, **f).repeat(channels, 1),
                B=torch.randn(batch, groups, state, length, **f), C=torch.randn(batch, groups, state, length, **f),
                D=torch.ones(channels, **f), delta_bias=torch.randn(channels, **f) * 0.5 - 3.0)


def python_ms(x, backward, warmups, repeats, sync):
    leaves = {k: v.detach().requires_grad_(backward) for k, v in x.items()}

    def call():
        with torch.set_grad_enabled(backward):
            y = mno.ops.selective_scan_fn(**leaves, delta_softplus=True)
            if backward:
                y.sum().backward()
        sync()
    for _ in range(warmups):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1e3)
    return times


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--channels", type=int, default=384)
    p.add_argument("--groups", type=int, default=2)
    p.add_argument("--length", type=int, default=4096)
    p.add_argument("--state", type=int, default=16)
    p.add_argument("--threads", type=int, default=0, help="mno.set_threads, as the CLI's --threads (0: all cores)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmups", type=int, default=2)
    p.add_argument("--reference-repeats", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--json", help="also write the figures here")
    args = p.parse_args()
    threads = mno.set_threads(args.threads)
    x = inputs(args.batch, args.channels, args.groups, args.length, args.state, args.device)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    report = {"shape": [args.batch, args.channels, args.groups, args.length, args.state], "device": args.device,
              "threads": threads, "torch": torch.__version__}
    for backward in (False, True):
        cpp, py = [], []
        for _ in range(args.repeats):  # alternate single calls: drift falls on both
            cpp += mno._C._time_scan(x["u"], x["delta"], x["A"], x["B"], x["C"], x["D"], x["delta_bias"], True,
                                     backward, args.warmups if not cpp else 0, 1)
            py += python_ms(x, backward, args.warmups if not py else 0, 1, sync)
        key = "forward_backward" if backward else "forward"
        report[key] = {"cpp_ms": statistics.median(cpp), "python_ms": statistics.median(py),
                       "overhead": statistics.median(py) / statistics.median(cpp) - 1}
    ref = []
    with torch.no_grad():
        for _ in range(args.reference_repeats):
            start = time.perf_counter()
            selective_scan_reference(**x, delta_softplus=True)
            sync()
            ref.append((time.perf_counter() - start) * 1e3)
    report["reference_forward_ms"] = statistics.median(ref)
    report["python_vs_reference"] = report["reference_forward_ms"] / report["forward"]["python_ms"]
    print(f"| shape {'×'.join(map(str, report['shape']))} ({args.device}, {threads[0]} threads) | C++ call ms | "
          f"Python op ms | overhead |")
    print("|---|---:|---:|---:|")
    for key in ("forward", "forward_backward"):
        r = report[key]
        print(f"| {key.replace('_', ' + ')} | {r['cpp_ms']:.1f} | {r['python_ms']:.1f} | {100 * r['overhead']:+.1f} % |")
    print(f"\nplain-PyTorch recurrence, forward: {report['reference_forward_ms']:.0f} ms; the Python op is "
          f"{report['python_vs_reference']:.0f}x faster")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
