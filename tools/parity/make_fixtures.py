#!/usr/bin/env python3
"""Parity fixtures: the MNO authors' own PyTorch models, seeded, run once, saved for mno's tests.

Usage (on a machine whose python3 has torch, einops and timm, e.g. the GPU machine's image):

    python3 tools/parity/make_fixtures.py --authors PATH/TO/Mamba-Neural-Operator \
        --out tests/fixtures/parity [--only gt_mamba_darcy,...] [--dtype float64|float32] [--list]

With mamba_ssm's compiled kernel, on the GPU machine (the fp32 fixtures of the Mamba rows,
tests/fixtures/parity_kernel/, made by tools/device/parity-kernel-fixtures.sh):

    python3 tools/parity/make_fixtures.py --authors .authors --scan-extension /tmp/mamba-build \
        --dtype float32 --mamba-only --out tests/fixtures/parity_kernel

On a Debian machine (how the committed fixtures were made, with /usr/bin/python3):
python3-torch (1.13.1), python3-yaml, python3-scipy, python3-pandas, python3-matplotlib and
python3-tqdm from apt; einops, which Debian does not package, as its source (pure Python) on
PYTHONPATH; timm is stubbed (tools/parity/stubs/timm: the two names the authors import from it):

    tools/parity/fetch-authors.sh MNO_MIRROR MAMBA_MIRROR          # fills .authors/
    mkdir -p .authors/pylib && git --git-dir=EINOPS_MIRROR archive v0.8.1 einops \
        | tar -x -C .authors/pylib                                  # github.com/arogozhnikov/einops
    PYTHONPATH=.authors/pylib python3 tools/parity/make_fixtures.py --authors .authors

PATH is a checkout of github.com/Math-ML-X/Mamba-Neural-Operator (fetched into an ignored folder,
never committed). For every host x mixer x dataset variant that mno's configs ship, a host module
(host_gt.py, host_gnot.py, host_oformer.py) builds the authors' model with the authors' classes and
config values, at a reduced width and depth so that each fixture stays small (the full-size
structure is pinned separately by the parameter-count tests). This script then:

  1. seeds torch with the CRC-32 of the fixture's name, builds the model on the CPU and converts it
     to --dtype (float64 by default: model.double(), inputs and target drawn in float64);
  2. turns every dropout off, including the authors' always-on functional dropout in GT's
     attention (docs/models.md): torch.nn.functional.dropout is replaced by the identity,
     so outputs are deterministic (the quirk itself is tested in mno against the plain formula);
  3. makes one input batch on a small grid (non-square where the host allows it);
  4. runs the model in eval mode (no grad) and in train mode, takes the MSE loss against a fixed
     random target and back-propagates it;
  5. writes <out>/<name>/: the checkpoint file(s) exactly as the authors' scripts save them
     (torch.save(model.state_dict(), ...); OFormer saves encoder.pt and decoder.pt), and data.pt,
     a dict of: features, pos, grid [H, W], target, output_eval, output_train, loss, grads (the
     authors' parameter names -> gradient; zeros where autograd gives none), mno_model (the
     matching `model:` config for mno, as JSON, which YAML reads), mno_data (the `data:` keys the
     import needs, e.g. input_frames, as JSON), authors_class, dtype, scan, device.
     features and pos are mno's (pos (x_i, y_j), channels step-major); each host's run() feeds the
     authors' model what their loaders would make of them (GT, GNOT: pos (y_j, x_i); GNOT DR2D:
     the branch's frames field-major).

Why float64: the test compares every gradient relative to its own norm. In fp32 the two codes'
rounding differs by ~1e-7 of the largest gradient, which is more than the whole of the small
gradients (the SSM's Δ and A parameters sit down to 1e-10 of the largest), so an fp32 fixture
could not tell a right small gradient from a wrong one. In float64 rounding is ~1e-16 and every
gradient is held to its own scale. The authors' scan casts its inputs to `torch.float` (fp32,
what the CUDA kernel takes; mamba_ops.py: bi_selective_scan and friends); in float64 mode the
name `torch` seen by the authors' modules is a view of torch whose `float` is float64, so the
same lines run the scan in float64 (the plain recurrence of the stand-in below) and nothing else
of their code changes (without it their float64 model stops at its fp32 scan output meeting a
float64 LayerNorm). While the models run, torch's default dtype is the fixture's too, so tensors
their forward makes without a dtype match. --dtype float32 makes fp32 fixtures, for experiments:
tests/models/test_parity.cpp requires float64.

The selective scan runs through tools/parity/stubs/selective_scan_cuda.py (mamba_ssm's maths in
plain PyTorch, CPU); fvcore, imported by the authors only for FLOP counts, is stubbed too.

--scan-extension DIR puts mamba_ssm's own kernel in the comparison instead: the compiled
selective_scan_cuda.so in DIR (tools/parity/authors_bench.py build) is imported before the stubs can
be reached, the model runs on the GPU in fp32 (the kernel takes nothing else; TF32 off for matmuls
and cuDNN, so the rest of the model is plain fp32 too), every compiled `fwd` call is counted and a
Mamba fixture that made none fails. The model is still built and seeded on the CPU, and the inputs
drawn there, so a kernel fixture holds the same weights and batch as the float64 fixture of the
same name; data.pt records which scan made it ("scan") and on what ("device").
"""
import argparse
import importlib
import json
import os
import sys
import zlib

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
HOSTS = ["gt", "gnot", "oformer"]  # each in its own process: their packages share module names


def no_dropout(input, p=0.5, training=True, inplace=False):
    return input


class TorchWithFloatAs:
    """The torch module as the authors' code sees it in float64 mode: every attribute is torch's,
    except `float` (torch.float, which their scan casts to) is the fixture's dtype."""

    def __init__(self, dtype):
        self.float = dtype

    def __getattr__(self, name):
        return getattr(torch, name)


def rebind_torch_float(root, dtype):
    """Gives every imported module of the authors' code (a file under `root`) the torch whose
    `float` is `dtype`. Run after the model is built: only what runs later sees it."""
    view = TorchWithFloatAs(dtype)
    root = os.path.realpath(root) + os.sep
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and os.path.realpath(path).startswith(root) and getattr(module, "torch", None) is torch:
            module.torch = view


def recompute_inv_freq(rotary, dtype):
    """OFormer's RotaryEmbedding makes its buffer as 1 / 10000 ** (arange(0, dim, 2).float() / dim):
    `.float()` rounds it to fp32 whatever the model's dtype, so model.double() keeps fp32 frequencies
    (a 3e-9..1e-7 output error against an exact float64 model). The same formula in `dtype`."""
    dim = 2 * rotary.inv_freq.numel()
    rotary.inv_freq = 1. / (10000 ** (torch.arange(0, dim, 2, dtype=dtype) / dim))


def make_inputs(fixture, generator, dtype):
    """features in [0, 1), pos the grid's coordinates in [0, 1] (row-major points), target ~ N(0,1).
    Drawn in float64 on the CPU and then cast, whatever the model's dtype and device, so that an fp32
    fixture holds the float64 fixture's batch rounded (fp32 draws would be other numbers)."""
    batch, (height, width) = fixture["batch"], fixture["grid"]
    f64, cpu = torch.float64, torch.device("cpu")
    features = torch.rand(batch, height * width, fixture["in_channels"], generator=generator, dtype=f64, device=cpu)
    rows = torch.linspace(0, 1, height, dtype=f64, device=cpu)
    cols = torch.linspace(0, 1, width, dtype=f64, device=cpu)
    grid_r, grid_c = torch.meshgrid(rows, cols, indexing="ij")
    pos = torch.stack([grid_r.reshape(-1), grid_c.reshape(-1)], dim=-1)
    pos = pos.unsqueeze(0).repeat(batch, 1, 1)
    target = torch.randn(batch, height * width, fixture["out_channels"], generator=generator, dtype=f64, device=cpu)
    return features.to(dtype), pos.to(dtype), target.to(dtype)


def named_parts(fixture):
    """(prefix, module) for each checkpoint file: ("", model) or ("encoder.", enc), ("decoder.", dec)."""
    parts = fixture["parts"]
    if list(parts) == ["checkpoint"]:
        return [("", parts["checkpoint"])]
    return [(name + ".", module) for name, module in parts.items()]


def make_one(fixture, index, out_dir, dtype, scan):
    name = fixture["name"]
    generator = torch.Generator().manual_seed(index + 1)
    device = scan["device"]
    features, pos, target = (t.to(device) for t in make_inputs(fixture, generator, dtype))
    parts = named_parts(fixture)
    for _, module in parts:
        module.to(device=device, dtype=dtype)
        for m in module.modules():
            if isinstance(m, torch.nn.Dropout):
                m.p = 0.0
            if dtype != torch.float32 and type(m).__name__ == "RotaryEmbedding":
                recompute_inv_freq(m, dtype)
    run = fixture["run"]  # (features, pos, (H, W)) -> [B, L, out_channels]
    # Tensors the authors' forward makes without a dtype (torch.arange, linspace, ...) in the
    # fixture's dtype too, as they would be in a float64 program.
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        if scan["counter"] is None:
            return _run_and_save(fixture, parts, run, features, pos, target, out_dir, dtype, scan)
        with scan["counter"] as calls:
            _run_and_save(fixture, parts, run, features, pos, target, out_dir, dtype, scan)
        if "mamba" in name and calls["fwd"] == 0:
            raise RuntimeError(f"{name}: the compiled selective_scan_cuda.fwd was never called")
        print(f"{name:28s} compiled selective_scan_cuda.fwd calls: {calls['fwd']}", flush=True)
    finally:
        torch.set_default_dtype(default_dtype)


def _run_and_save(fixture, parts, run, features, pos, target, out_dir, dtype, scan):
    name = fixture["name"]

    for _, module in parts:
        module.eval()
    with torch.no_grad():
        output_eval = run(features, pos, fixture["grid"]).detach().clone()

    for _, module in parts:
        module.train()
        module.zero_grad(set_to_none=True)
    output_train = run(features, pos, fixture["grid"])
    if output_train.shape != target.shape:
        raise RuntimeError(f"{name}: output {tuple(output_train.shape)} != target {tuple(target.shape)}")
    if output_train.dtype != dtype or output_eval.dtype != dtype:
        raise RuntimeError(f"{name}: outputs in {output_train.dtype}/{output_eval.dtype}, expected {dtype}")
    loss = F.mse_loss(output_train, target)
    loss.backward()

    grads = {}
    for prefix, module in parts:
        for pname, param in module.named_parameters():
            grad = param.grad if param.grad is not None else torch.zeros_like(param)
            grads[prefix + pname] = grad.detach().cpu().clone().contiguous()

    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    for file_name, module in fixture["parts"].items():
        state = {k: v.detach().cpu().clone().contiguous() for k, v in module.state_dict().items()}
        torch.save(state, os.path.join(folder, file_name + ".pt"))
    data = {
        "features": features.cpu(), "pos": pos.cpu(), "grid": torch.tensor(fixture["grid"]), "target": target.cpu(),
        "output_eval": output_eval.cpu(), "output_train": output_train.detach().cpu().clone(),
        "loss": loss.detach().cpu().clone(), "grads": grads,
        "mno_model": json.dumps(fixture["mno_model"]), "authors_class": fixture["authors_class"],
        "mno_data": json.dumps(fixture.get("mno_data", {})),
        "dtype": str(dtype).replace("torch.", ""), "scan": scan["name"], "device": scan["device_name"],
    }
    torch.save(data, os.path.join(folder, "data.pt"))
    count = sum(p.numel() for _, m in parts for p in m.parameters())
    print(f"{name:28s} {fixture['authors_class']:34s} params {count:7d}  loss {loss.item():.6e}"
          f"  {data['dtype']}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--authors", required=True, help="checkout of Math-ML-X/Mamba-Neural-Operator")
    parser.add_argument("--out", default=os.path.join(HERE, "..", "..", "tests", "fixtures", "parity"))
    parser.add_argument("--only", default="", help="comma-separated fixture names")
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"],
                        help="precision of the authors' model, inputs and target (default float64)")
    parser.add_argument("--list", action="store_true", help="print the authors' state_dict names and shapes")
    parser.add_argument("--hosts", default=",".join(HOSTS), help="comma-separated hosts (gt, gnot, oformer)")
    parser.add_argument("--scan-extension", default="",
                        help="folder of mamba_ssm's compiled selective_scan_cuda.so: run on the GPU with it")
    parser.add_argument("--mamba-only", action="store_true", help="only the fixtures with a Mamba mixer")
    args = parser.parse_args()
    if args.scan_extension and args.dtype != "float32":
        parser.error("--scan-extension runs mamba_ssm's CUDA kernel, which takes fp32 here: add --dtype float32")
    hosts = [h for h in args.hosts.split(",") if h]
    unknown = [h for h in hosts if h not in HOSTS]
    if unknown:
        parser.error(f"unknown host(s) {unknown}; expected some of {HOSTS}")
    if len(hosts) > 1:
        import subprocess
        status = 0
        for host in hosts:
            argv = [a for a in sys.argv[1:]]
            status |= subprocess.call([sys.executable, os.path.abspath(__file__), *argv, "--hosts", host])
        sys.exit(1 if status else 0)

    scan = {"device": torch.device("cpu"), "device_name": "cpu", "counter": None,
            "name": "stand-in recurrence (tools/parity/stubs/selective_scan_cuda.py)"}
    if args.scan_extension:
        sys.path.insert(0, HERE)
        from authors_bench import counting_scan_calls, import_scan_extension
        if not torch.cuda.is_available():
            parser.error("--scan-extension needs a CUDA device: torch.cuda.is_available() is False")
        extension = import_scan_extension(args.scan_extension)  # before the stubs are on the path
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        scan = {"device": torch.device("cuda"), "device_name": torch.cuda.get_device_name(0),
                "counter": counting_scan_calls(args.authors),
                "name": f"mamba_ssm selective_scan_cuda (compiled, {os.path.basename(extension.__file__)}), "
                        f"torch {torch.__version__}"}
        sys.path.append(os.path.join(HERE, "stubs"))  # after the compiled module: it cannot shadow it
    else:
        sys.path.insert(0, os.path.join(HERE, "stubs"))
    sys.path.insert(0, HERE)
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))
    F.dropout = no_dropout
    torch.nn.functional.dropout = no_dropout

    dtype = getattr(torch, args.dtype)
    wanted = set(filter(None, args.only.split(",")))
    failures = []
    for host_name in hosts:
        host = importlib.import_module("host_" + host_name)
        for spec in host.fixture_specs():
            index = zlib.crc32(spec["name"].encode())  # a seed that does not depend on --only
            if wanted and spec["name"] not in wanted:
                continue
            if args.mamba_only and "mamba" not in spec["name"]:
                continue
            torch.manual_seed(index)
            try:
                fixture = host.build(spec, os.path.abspath(args.authors))
                if dtype != torch.float32:
                    rebind_torch_float(args.authors, dtype)
                if args.list:
                    for prefix, module in named_parts(fixture):
                        for k, v in module.state_dict().items():
                            print(f"{spec['name']} {prefix}{k} {list(v.shape)}")
                make_one(fixture, index, args.out, dtype, scan)
            except Exception as error:  # report every fixture, then fail
                import traceback
                traceback.print_exc()
                failures.append(f"{spec['name']}: {error}")
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
