#!/usr/bin/env python3
"""Times the MNO authors' own PyTorch code (and mamba_ssm's selective scan) on a CUDA GPU, for the
side-by-side with `mno bench model` / `mno bench scan` (tools/device/authors-bench.sh runs all of it
in one device call; tools/parity/join_bench.py joins the tables).

Usage (on the GPU machine, from the repository root; .authors/ filled by tools/parity/fetch-authors.sh):

    python3 tools/parity/authors_bench.py build  --mamba .authors/mamba --build-dir /tmp/mamba-build \
        [--arch 90] [--json F]
    python3 tools/parity/authors_bench.py models --authors .authors --ext-dir /tmp/mamba-build \
        [--hosts gnot,gt,oformer] [--only gt_mamba,...] [--batch 8] [--side 64] [--warmups 3] \
        [--repeats 10] --json F [--markdown F]
    python3 tools/parity/authors_bench.py scan   --mamba .authors/mamba --ext-dir /tmp/mamba-build \
        [--warmups 3] [--repeats 10] --json F [--markdown F]

build   compiles ONLY mamba_ssm's selective-scan extension (csrc/selective_scan/*.cpp, *.cu) with
        torch.utils.cpp_extension.load into --build-dir as selective_scan_cuda.so, with the nvcc and
        host flags of mamba's setup.py but one target (sm_<arch>), and reports its wall time. The
        authors' mamba_ops.py files `import selective_scan_cuda` directly and call its fwd/bwd;
        nothing of theirs imports causal_conv1d or any other compiled module.
models  builds each Darcy host x mixer with the authors' classes at their full paper settings (their
        yml / script arguments; mno's twin is configs/darcy/<host>_<mixer>.yaml), fp32, train mode,
        batch 8 on the 64 x 64 grid (4096 points), and times forward (no grad), forward+backward
        (MSE) and a full torch.optim.AdamW step (PyTorch's default implementation, as the authors'
        scripts construct it), each the median of --repeats runs after --warmups, with
        torch.cuda.synchronize() before and after each run; then the peak of
        torch.cuda.max_memory_allocated over one AdamW step (after reset_peak_memory_stats: parameters,
        gradients, AdamW state, inputs and activations, as mno's bench counts it). One process per
        host (their packages share module names), with the REAL selective_scan_cuda (never
        tools/parity/stubs/selective_scan_cuda.py: this script imports the compiled one first and
        checks every Mamba model uses it). The other stubs (dgl, fvcore, torchinfo, IPython) stand
        in for packages the GPU machine lacks; they compute nothing the authors' code would not.
scan    times mamba_ssm.ops.selective_scan_interface.selective_scan_fn (fp32, d_state 16, softplus,
        delta_bias, D, no z, directions 1) at the four shapes of bench/scan_bench_cuda.cpp, with the
        same inputs as mno's bench: fwd and fwd+bwd ms, CUDA events, median of --repeats after
        --warmups; first a small check against mamba_ssm's own selective_scan_ref.

Not timed, as in mno's bench: data loading, gradient clipping (GNOT and GT clip in their loops),
the LR scheduler, OFormer's de-normalisation of the output. The authors' OFormer steps two Adams
(encoder, decoder); here one AdamW holds both parts' parameters, as mno's one optimiser does.
Dropout is left as the authors' scripts leave it (their defaults, in train mode):
  GNOT (args.py: --ffn-dropout 0, --attn-dropout 0; no script overrides them): no dropout.
  GT (yml dropout/encoder_dropout/ffn_dropout 0.0): the attention's functional dropout,
      F.dropout(p_attn) with its default p = 0.5, always on (galerkin: on K^T V / L; softmax: on
      the probabilities); softmax encoder layers also force residual dropout 0.1.
  OFormer (SpatialEncoder2D defaults): input-embedding dropout 0.05, 0.03 in the encoder layers.
Their memory as it is: GT's SimpleAttention keeps the last attention matrix of each layer as
self.attn_weight between steps (softmax at batch 8, 64 x 64: 6 x 2.1 GB), so it counts in the peak
as it does in their training ("resident_bytes" in the JSON: what is allocated before the step).
"""
import argparse
import gc
import glob
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HOSTS = ("gnot", "gt", "oformer")
# (host, mixer) in mno's bench order; the name is mno's config stem, configs/darcy/<name>.yaml.
CONFIGS = [("gnot", "linear"), ("gnot", "softmax"), ("gnot", "mamba"),
           ("gt", "galerkin"), ("gt", "softmax"), ("gt", "mamba"),
           ("oformer", "galerkin"), ("oformer", "softmax"), ("oformer", "mamba")]
# Trainable parameters of the full-size Darcy models, the authors' way (a complex entry counts 2):
# docs/models.md "Parameter counts" (equal to mno's, asserted in tests/models/test_parameter_counts.cpp).
EXPECTED_PARAMETERS = {"gnot_linear": 890885, "gnot_softmax": 890885, "gnot_mamba": 1287173,
                       "gt_galerkin": 3582369, "gt_softmax": 3582369, "gt_mamba": 4854177,
                       "oformer_galerkin": 2556321, "oformer_softmax": 2556321, "oformer_mamba": 1626465}
# The scan shapes of bench/scan_bench_cuda.cpp (batch, channels C, groups G of B/C, length L).
SCAN_SHAPES = [("(a) MNO-GNOT", 8, 384, 2, 4096),
               ("(b) MNO-GT", 8, 1024, 2, 4096),
               ("(c) MNO long", 4, 384, 2, 16384),
               ("(d) Mamba", 8, 1536, 1, 4096)]
SCAN_STATE = 16
FETCH_HINT = ("fill it with tools/parity/fetch-authors.sh (from git mirrors of github.com/Math-ML-X/Mamba-Neural-Operator "
              "and github.com/state-spaces/mamba; see that script's header)")


def fail(message):
    print(f"authors_bench: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


def check_authors(root):
    missing = [d for d in ("MambaGNOT", "MambaGalerkinTransformer", "MambaOFormer")
               if not os.path.isdir(os.path.join(root, d))]
    if missing:
        fail(f"the authors' code is missing in {root} ({', '.join(missing)}): {FETCH_HINT}")


def check_mamba(root):
    needed = [os.path.join("csrc", "selective_scan", "selective_scan.cpp"),
              os.path.join("mamba_ssm", "ops", "selective_scan_interface.py")]
    missing = [p for p in needed if not os.path.isfile(os.path.join(root, p))]
    if missing:
        fail(f"mamba's source is missing in {root} ({', '.join(missing)}): {FETCH_HINT}")


def write_text(path, text):
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def machine():
    import torch
    return {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "cuda": torch.version.cuda,
            "python": sys.version.split()[0], "date": time.strftime("%Y-%m-%d")}


# ---------------------------------------------------------------------------------------------------
# build


def nvcc_flags(arch, std):
    """mamba's setup.py: extra_compile_args["nvcc"] for CUDA (append_nvcc_threads adds --threads 4),
    with its list of -gencode targets replaced by the one this GPU needs."""
    return ["-O3", f"-std={std}",
            "-U__CUDA_NO_HALF_OPERATORS__", "-U__CUDA_NO_HALF_CONVERSIONS__",
            "-U__CUDA_NO_BFLOAT16_OPERATORS__", "-U__CUDA_NO_BFLOAT16_CONVERSIONS__",
            "-U__CUDA_NO_BFLOAT162_OPERATORS__", "-U__CUDA_NO_BFLOAT162_CONVERSIONS__",
            "--expt-relaxed-constexpr", "--expt-extended-lambda", "--use_fast_math",
            "--ptxas-options=-v", "-lineinfo",
            "-gencode", f"arch=compute_{arch},code=sm_{arch}",
            "--threads", "4"]


def cmd_build(args):
    check_mamba(args.mamba)
    import torch
    from torch.utils import cpp_extension

    csrc = os.path.join(os.path.abspath(args.mamba), "csrc", "selective_scan")
    sources = sorted(glob.glob(os.path.join(csrc, "*.cpp"))) + sorted(glob.glob(os.path.join(csrc, "*.cu")))
    if len(sources) != 10:  # setup.py: selective_scan.cpp, 3 forward and 6 backward .cu files
        print(f"note: {len(sources)} source files in {csrc} (mamba's setup.py lists 10)", flush=True)
    # setup.py pins -std=c++17; PyTorch >= 2.12 wants C++20 for its headers (its cpp_extension default).
    major, minor = (int(x) for x in torch.__version__.split(".")[:2])
    std = "c++17" if (major, minor) < (2, 12) else "c++20"
    cuda_flags = nvcc_flags(args.arch, std)
    cxx_flags = ["-O3", f"-std={std}"]
    build_dir = os.path.abspath(args.build_dir)
    if args.clean and os.path.isdir(build_dir):
        import shutil
        shutil.rmtree(build_dir)
    os.makedirs(build_dir, exist_ok=True)
    # The -gencode flag above already names the target (cpp_extension then adds none of its own).
    os.environ.setdefault("TORCH_CUDA_ARCH_LIST", f"{args.arch[:-1]}.{args.arch[-1]}")
    print(f"building selective_scan_cuda from {len(sources)} files for sm_{args.arch} in {build_dir} "
          f"(MAX_JOBS={os.environ.get('MAX_JOBS', 'ninja default')})", flush=True)
    start = time.time()
    module = cpp_extension.load(name="selective_scan_cuda", sources=sources, extra_cflags=cxx_flags,
                                extra_cuda_cflags=cuda_flags, extra_include_paths=[csrc],
                                build_directory=build_dir, with_cuda=True, verbose=args.verbose)
    seconds = time.time() - start
    commit_file = os.path.join(args.mamba, "COMMIT")
    commit = open(commit_file).read().strip() if os.path.isfile(commit_file) else "unknown"
    result = {"seconds": round(seconds, 1), "module": module.__file__, "mamba_commit": commit,
              "sources": [os.path.relpath(s, args.mamba) for s in sources], "nvcc_flags": cuda_flags,
              "cxx_flags": cxx_flags, "max_jobs": os.environ.get("MAX_JOBS"), "cpus": os.cpu_count(),
              **machine()}
    print(f"built {module.__file__} in {seconds:.1f} s", flush=True)
    write_text(args.json, json.dumps(result, indent=2) + "\n")


# ---------------------------------------------------------------------------------------------------
# shared by models and scan


def import_scan_extension(ext_dir):
    """The compiled selective_scan_cuda from ext_dir, imported before anything could find the stub."""
    import torch  # noqa: F401  (the extension links against torch's libraries)
    so = os.path.join(os.path.abspath(ext_dir), "selective_scan_cuda.so")
    if not os.path.isfile(so):
        fail(f"{so} does not exist: build it first (authors_bench.py build --build-dir {ext_dir})")
    sys.path.insert(0, os.path.abspath(ext_dir))
    module = importlib.import_module("selective_scan_cuda")
    if os.path.abspath(module.__file__) != so:
        fail(f"selective_scan_cuda came from {module.__file__}, not {so}")
    return module


def add_stubs():
    """dgl, fvcore, torchinfo, IPython stand-ins, after everything else on the path (a real package
    wins). The stub selective_scan_cuda.py there can't be reached: the real one is imported already."""
    if "selective_scan_cuda" not in sys.modules:
        fail("internal: import the compiled selective_scan_cuda before adding the stubs")
    sys.path.append(os.path.join(HERE, "stubs"))
    sys.path.insert(0, HERE)


def median_ms(fn, warmups, repeats):
    import torch
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)  # the mean of the two middle ones for an even count, as mno's


# ---------------------------------------------------------------------------------------------------
# models


def darcy_coordinates(host, side, device):
    """[side*side, 2] point coordinates in row-major point order, as each host's loader makes them.
    GT and GNOT: SquareMeshGenerator over PDEBench's 128 cell centres, np.meshgrid ('xy') then every
    second row and column, so point (i, j) is (c_j, c_i). OFormer: linspace(0, 1, 64) per axis,
    point (i, j) = (x_i, y_j)."""
    import torch
    if host == "oformer":
        axis = torch.linspace(0, 1, side)
        gi, gj = torch.meshgrid(axis, axis, indexing="ij")
        return torch.stack([gi, gj], dim=-1).reshape(-1, 2).to(device)
    full = 2 * side
    centres = (torch.arange(full, dtype=torch.float64) + 0.5) / full
    gx, gy = torch.meshgrid(centres, centres, indexing="xy")  # gx[i, j] = c_j, gy[i, j] = c_i
    grid = torch.stack([gx, gy], dim=-1)[::2, ::2]
    return grid.reshape(-1, 2).float().to(device)


def build_gnot(root, mixer, device):
    """data_utils.get_model with args.py's defaults and the Darcy scripts' arguments
    (script/{gnot,stgnot,mambagnot}/train_*_darcyflow2d.sh; STGNOT's script runs batch 6, here 8)."""
    import torch
    from host_gnot import _dataset_config, _load_model_module
    module_name, class_name, attn_type = {"linear": ("mmgpt", "GNOT", "linear"),
                                          "softmax": ("mmgpt_st", "STGNOT", "standard"),
                                          "mamba": ("mmgpt_mamba", "MambaGNOT", "linear")}[mixer]
    module = _load_model_module(root, module_name)
    import dgl  # the stand-in (tools/parity/stubs/dgl) unless a real DGL is installed
    config = _dataset_config(root, "darcy")
    model = getattr(module, class_name)(
        trunk_size=config["input_dim"] + config["theta_dim"], branch_sizes=config["branch_sizes"],
        output_size=config["output_dim"], n_layers=4, n_hidden=96, n_head=8, attn_type=attn_type,
        ffn_dropout=0.0, attn_dropout=0.0, mlp_layers=4, act="gelu", horiz_fourier_dim=0, space_dim=2,
        n_experts=1, n_inner=2).to(device)
    multiple_tensors = sys.modules["utils"].MultipleTensors

    def make_run(features, pos):
        batch, length, _ = features.shape
        graphs = []
        for b in range(batch):  # the loader: one edgeless graph per sample, ndata['x'] = coordinates
            g = dgl.DGLGraph()
            g.add_nodes(length)
            g.ndata["x"] = pos[b]
            graphs.append(g)
        g = dgl.batch(graphs)
        u_p = torch.zeros(batch, 1, dtype=torch.int64, device=device)  # torch.tensor([0]) per sample
        inputs = multiple_tensors([torch.cat([pos, features], dim=-1)])  # branch: (coordinates, a)
        return lambda: model(g, u_p, inputs).reshape(batch, length, -1)

    return {"model": model}, make_run, f"{class_name}(attn_type={attn_type})"


def build_gt(root, mixer, device):
    """FourierTransformerNew(**yml) after what train_darcyflow_pdebench.py does to the config."""
    import yaml
    from host_gt import _load_libs
    model_mamba = _load_libs(root)
    name = {"galerkin": "gt", "softmax": "st", "mamba": "mamba"}[mixer]
    path = os.path.join(root, "MambaGalerkinTransformer", "config", "darcyflow_pdebench",
                        f"config_{name}_darcyflow_pdebench.yml")
    with open(path) as f:
        config = yaml.full_load(f)["darcyflow_pdebench"]
    config["attn_norm"] = not config["layer_norm"]
    if config["attention_type"] == "fourier":
        config["norm_eps"] = 1e-7
    elif config["attention_type"] == "galerkin":
        config["norm_eps"] = 1e-5
    model = model_mamba.FourierTransformerNew(**config).to(device)

    def make_run(features, pos):
        return lambda: model(features, pos=pos)

    return {"model": model}, make_run, f"FourierTransformerNew({config['attention_type']})"


def build_oformer(root, mixer, device):
    """train_darcyflow_pdebench_mamba.py build_model: SpatialEncoder2D(3, 96, 256, 4, 6, res=64,
    use_ln=True) and PointWiseDecoder2DSimple(256, 1, scale=0.5, res=64) from the modules its flag
    picks (none: Galerkin, --use_st: softmax, --use_mamba: Mamba); queries = the input grid
    (--resolution_query 64 --reduce_resolution_query 2 in scripts/ayl/DF2D)."""
    import torch
    from host_oformer import _load_nn_module
    suffix = {"galerkin": "", "softmax": "_st", "mamba": "_mamba"}[mixer]
    encoder_module, decoder_module = _load_nn_module(root, suffix)
    res = 64
    encoder = encoder_module.SpatialEncoder2D(3, 96, 256, 4, 6, res=res, use_ln=True).to(device)
    decoder = decoder_module.PointWiseDecoder2DSimple(256, 1, scale=0.5, res=res).to(device)

    def make_run(features, pos):
        x = torch.cat((features, pos), dim=-1)
        return lambda: decoder.forward(encoder.forward(x, pos), pos, pos)

    return ({"encoder": encoder, "decoder": decoder}, make_run,
            f"SpatialEncoder2D{suffix}+PointWiseDecoder2DSimple{suffix}")


BUILDERS = {"gnot": build_gnot, "gt": build_gt, "oformer": build_oformer}


class counting_scan_calls:
    """Counts calls of the compiled selective_scan_cuda.fwd while active. The authors' mamba_ops
    modules look `selective_scan_cuda.fwd` up at each call, so a Mamba model that ran anything else
    (the stub, a copy) counts 0. Also checks that every loaded module of theirs (a file under root)
    that holds a selective_scan_cuda holds the compiled one."""

    def __init__(self, root):
        self.root = os.path.join(os.path.abspath(root), "")

    def __enter__(self):
        self.module = sys.modules["selective_scan_cuda"]
        for m in list(sys.modules.values()):
            path = getattr(m, "__file__", None)
            if not isinstance(path, str) or not os.path.abspath(path).startswith(self.root):
                continue
            held = m.__dict__.get("selective_scan_cuda")
            if held is not None and held is not self.module:
                raise RuntimeError(f"{m.__name__} holds {held!r}, not the compiled selective_scan_cuda")
        self.calls = {"fwd": 0}
        self.fwd = self.module.fwd

        def fwd(*args, **kwargs):
            self.calls["fwd"] += 1
            return self.fwd(*args, **kwargs)

        self.module.fwd = fwd
        return self.calls

    def __exit__(self, *exc):
        self.module.fwd = self.fwd
        return False


def measure_config(root, host, mixer, args, device):
    import torch
    import torch.nn.functional as F
    name = f"{host}_{mixer}"
    torch.manual_seed(0)
    parts, make_run, authors_class = BUILDERS[host](root, mixer, device)
    params = [p for module in parts.values() for p in module.parameters()]
    trainable = sum(p.numel() * (1 + p.is_complex()) for p in params if p.requires_grad)
    for module in parts.values():
        module.float().train()
    length = args.side * args.side
    pos = darcy_coordinates(host, args.side, device).unsqueeze(0).repeat(args.batch, 1, 1)
    features = torch.rand(args.batch, length, 1, device=device)
    target = torch.randn(args.batch, length, 1, device=device)
    run = make_run(features, pos)
    optimizer = torch.optim.AdamW(params, lr=1e-3, weight_decay=5e-6)  # default: foreach on CUDA

    def forward():
        with torch.no_grad():
            run()

    def forward_backward():
        optimizer.zero_grad()
        F.mse_loss(run(), target).backward()

    def train_step():
        optimizer.zero_grad()
        F.mse_loss(run(), target).backward()
        optimizer.step()

    with counting_scan_calls(root) as calls:  # one untimed forward: the output's shape, the scan's use
        with torch.no_grad():
            out_shape = list(run().shape)
    if (calls["fwd"] > 0) != (mixer == "mamba"):
        raise RuntimeError(f"{name}: {calls['fwd']} calls of the compiled selective_scan_cuda.fwd in one forward")
    if out_shape != [args.batch, length, 1]:
        raise RuntimeError(f"{name}: output shape {out_shape}, expected {[args.batch, length, 1]}")
    row = {"config": name, "twin": f"configs/darcy/{name}.yaml", "authors_class": authors_class,
           "parameters": trainable, "parameters_expected": EXPECTED_PARAMETERS.get(name),
           "scan_calls_per_forward": calls["fwd"]}
    t0 = time.time()
    row["forward_ms"] = median_ms(forward, args.warmups, args.repeats)
    row["forward_backward_ms"] = median_ms(forward_backward, args.warmups, args.repeats)
    row["train_step_ms"] = median_ms(train_step, args.warmups, args.repeats)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    row["resident_bytes"] = torch.cuda.memory_allocated()  # parameters, gradients, AdamW state, inputs
    train_step()
    torch.cuda.synchronize()
    row["peak_bytes"] = torch.cuda.max_memory_allocated()
    row["seconds"] = round(time.time() - t0, 1)
    if row["parameters_expected"] is not None and trainable != row["parameters_expected"]:
        print(f"WARNING {name}: {trainable} trainable parameters, docs/models.md says "
              f"{row['parameters_expected']}", flush=True)
    del run, optimizer, parts, params, features, target, pos
    return row


def run_host(args):
    import torch
    root = os.path.abspath(args.authors)
    import_scan_extension(args.ext_dir)
    add_stubs()
    if not torch.cuda.is_available():
        fail("no CUDA device is visible")
    device = torch.device("cuda")
    wanted = set(filter(None, args.only.split(",")))
    rows = []
    for host, mixer in CONFIGS:
        name = f"{host}_{mixer}"
        if host != args.hosts or (wanted and name not in wanted):
            continue
        try:
            row = measure_config(root, host, mixer, args, device)
            print(f"{name:18s} {row['authors_class']:48s} params {row['parameters']:8d}  fwd {row['forward_ms']:8.2f}"
                  f"  fwd+bwd {row['forward_backward_ms']:8.2f}  step {row['train_step_ms']:8.2f} ms  peak "
                  f"{row['peak_bytes'] / 1e6:7.0f} MB  ({row['seconds']} s)", flush=True)
        except Exception as error:  # noqa: BLE001 (report every config, e.g. an out-of-memory)
            import traceback
            traceback.print_exc()
            row = {"config": name, "twin": f"configs/darcy/{name}.yaml", "error": f"{type(error).__name__}: {error}"}
        rows.append(row)
        gc.collect()
        torch.cuda.empty_cache()
    return rows


def models_markdown(report):
    s = (f"The authors' models — {report['device']}, PyTorch {report['torch']} (CUDA {report['cuda']}), "
         f"{report['date']}; batch {report['batch']}, {report['side']} × {report['side']}, fp32, train mode, "
         f"median of {report['repeats']} after {report['warmups']} warm-ups; torch.optim.AdamW (default "
         "implementation) + MSE; peak memory of one AdamW step: torch.cuda.max_memory_allocated; "
         f"selective scan: mamba_ssm's compiled selective_scan_cuda.\n\n")
    s += "| config twin | authors' class | parameters | forward ms | forward+backward ms | AdamW step ms | peak memory |\n"
    s += "|---|---|---:|---:|---:|---:|---:|\n"
    for r in report["rows"]:
        if "error" in r:
            s += f"| {r['twin']} | failed: {r['error'][:120]} | | | | | |\n"
            continue
        params = str(r["parameters"])
        if r.get("parameters_expected") not in (None, r["parameters"]):
            params += f" (expected {r['parameters_expected']})"
        s += (f"| {r['twin']} | {r['authors_class']} | {params} | {r['forward_ms']:.1f} | "
              f"{r['forward_backward_ms']:.1f} | {r['train_step_ms']:.1f} | {r['peak_bytes'] / 1e6:.0f} MB |\n")
    return s


def cmd_models(args):
    check_authors(args.authors)
    hosts = [h for h in args.hosts.split(",") if h]
    unknown = [h for h in hosts if h not in HOSTS]
    if unknown:
        fail(f"unknown host(s) {unknown}; expected some of {list(HOSTS)}")
    if args.part:  # one host, in this process
        rows = run_host(args)
        write_text(args.json, json.dumps({"rows": rows}, indent=2) + "\n")
        return 1 if any("error" in r for r in rows) else 0
    if not args.json:
        fail("models: --json FILE is required")
    rows, status = [], 0
    for host in hosts:  # each host in its own process: their packages share module names
        part = f"{args.json}.{host}.part"
        argv = [sys.executable, os.path.abspath(__file__), "models", "--authors", args.authors, "--ext-dir",
                args.ext_dir, "--hosts", host, "--only", args.only, "--batch", str(args.batch), "--side",
                str(args.side), "--warmups", str(args.warmups), "--repeats", str(args.repeats), "--json", part,
                "--part"]
        code = subprocess.call(argv)
        status |= code
        if os.path.isfile(part):
            with open(part) as f:
                rows += json.load(f)["rows"]
            os.remove(part)
        else:
            rows.append({"config": host, "twin": f"configs/darcy/{host}_*.yaml", "error": f"exit status {code}"})
    report = {"command": "python3 tools/parity/authors_bench.py models", **machine(), "batch": args.batch,
              "side": args.side, "warmups": args.warmups, "repeats": args.repeats,
              "optimizer": "torch.optim.AdamW(lr=1e-3, weight_decay=5e-6), default implementation",
              "selective_scan_cuda": os.path.join(os.path.abspath(args.ext_dir), "selective_scan_cuda.so"),
              "rows": rows}
    write_text(args.json, json.dumps(report, indent=2) + "\n")
    markdown = models_markdown(report)
    write_text(args.markdown, markdown)
    print(markdown, flush=True)
    return 1 if status else 0


# ---------------------------------------------------------------------------------------------------
# scan


def import_selective_scan_interface(mamba_root):
    """mamba_ssm.ops.selective_scan_interface from the exported source. The package's __init__ also
    imports the Mamba-2/3 modules (Triton, TileLang, CuTe kernels) that the selective scan does not
    need; where that import fails, the package is entered without running its __init__."""
    sys.path.insert(0, os.path.abspath(mamba_root))
    try:
        interface = importlib.import_module("mamba_ssm.ops.selective_scan_interface")
        how = "import mamba_ssm (PYTHONPATH)"
    except Exception as error:  # noqa: BLE001
        for name in [n for n in sys.modules if n == "mamba_ssm" or n.startswith("mamba_ssm.")]:
            del sys.modules[name]
        package = types.ModuleType("mamba_ssm")
        package.__path__ = [os.path.join(os.path.abspath(mamba_root), "mamba_ssm")]
        sys.modules["mamba_ssm"] = package
        interface = importlib.import_module("mamba_ssm.ops.selective_scan_interface")
        how = f"mamba_ssm without its __init__ ({type(error).__name__}: {str(error)[:200]})"
    if interface.selective_scan_cuda is not sys.modules["selective_scan_cuda"]:
        fail("mamba_ssm's selective_scan_interface does not use the compiled selective_scan_cuda")
    return interface, how


def scan_inputs(batch, channels, groups, length, seed=0):
    """What bench/scan_bench_cuda.cpp's measure() makes (directions 1, so E = C)."""
    import torch
    torch.manual_seed(seed)
    cuda = dict(device="cuda", dtype=torch.float32)
    u = torch.randn(batch, channels, length, **cuda)
    delta = torch.randn(batch, channels, length, **cuda) * 0.5
    A = -torch.arange(1, SCAN_STATE + 1, **cuda).repeat(channels, 1)
    B = torch.randn(batch, groups, SCAN_STATE, length, **cuda)
    C = torch.randn(batch, groups, SCAN_STATE, length, **cuda)
    D = torch.ones(channels, **cuda)
    bias = torch.randn(channels, **cuda) * 0.5 - 3.0
    return [u, delta, A, B, C, D, bias]


def cuda_event_median_ms(fn, warmups, repeats):
    import torch
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def cmd_scan(args):
    check_mamba(args.mamba)
    import torch
    import_scan_extension(args.ext_dir)
    interface, how = import_selective_scan_interface(args.mamba)
    scan_fn = interface.selective_scan_fn

    # Check: the compiled kernel against mamba_ssm's reference on a small case, values and gradients.
    leaves = [t.detach().requires_grad_(True) for t in scan_inputs(2, 64, 2, 300, seed=1)]
    y = scan_fn(*leaves[:5], D=leaves[5], delta_bias=leaves[6], delta_softplus=True)
    ref_leaves = [t.detach().clone().requires_grad_(True) for t in leaves]  # the reference computes in fp32
    y_ref = interface.selective_scan_ref(*ref_leaves[:5], D=ref_leaves[5], delta_bias=ref_leaves[6],
                                         delta_softplus=True)
    gy = torch.randn_like(y)
    y.backward(gy)
    y_ref.backward(gy)
    rel = lambda a, b: ((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()  # noqa: E731
    check = {"y": rel(y, y_ref)}
    for name, a, b in zip(("du", "ddelta", "dA", "dB", "dC", "dD", "ddelta_bias"), leaves, ref_leaves):
        check[name] = rel(a.grad, b.grad)
    worst = max(check.values())
    print(f"check against selective_scan_ref (mamba_ssm's loop of PyTorch ops, fp32): worst relative error {worst:.2e} "
          f"({', '.join(f'{k} {v:.1e}' for k, v in check.items())})", flush=True)
    if worst > 1e-3:
        fail(f"the compiled selective scan disagrees with mamba_ssm's reference: {check}")

    rows = []
    for shape, batch, channels, groups, length in SCAN_SHAPES:
        inputs = scan_inputs(batch, channels, groups, length)
        gy = torch.randn(batch, channels, length, device="cuda")

        def forward():
            with torch.no_grad():
                scan_fn(*inputs[:5], D=inputs[5], delta_bias=inputs[6], delta_softplus=True)

        def forward_backward():
            leaves = [t.detach().requires_grad_(True) for t in inputs]
            scan_fn(*leaves[:5], D=leaves[5], delta_bias=leaves[6], delta_softplus=True).backward(gy)

        fwd = cuda_event_median_ms(forward, args.warmups, args.repeats)
        fwdbwd = cuda_event_median_ms(forward_backward, args.warmups, args.repeats)
        rows.append({"shape": shape, "dtype": "fp32", "batch": batch, "channels": channels, "groups": groups,
                     "length": length, "state": SCAN_STATE, "directions": 1, "forward_ms": fwd,
                     "forward_backward_ms": fwdbwd, "backward_ms": fwdbwd - fwd})
        print(f"{shape:14s} {batch}x{channels}x{length}, G {groups}: fwd {fwd:.3f} ms, fwd+bwd {fwdbwd:.3f} ms",
              flush=True)
        del inputs, gy
        torch.cuda.empty_cache()
    report = {"command": "python3 tools/parity/authors_bench.py scan", **machine(),
              "function": "mamba_ssm.ops.selective_scan_interface.selective_scan_fn", "import": how,
              "options": "fp32, d_state 16, delta_softplus, delta_bias, D, no z, directions 1",
              "timing": f"CUDA events, median of {args.repeats} after {args.warmups} warm-ups, whole op incl. autograd",
              "check_vs_reference": check, "rows": rows}
    write_text(args.json, json.dumps(report, indent=2) + "\n")
    s = (f"mamba_ssm selective_scan_fn — {report['device']}, PyTorch {report['torch']}, {report['date']}; "
         f"{report['options']}; {report['timing']}.\n\n")
    s += "| shape | batch×C×L, G | fwd ms | fwd+bwd ms | bwd ms |\n"
    s += "|---|---|---:|---:|---:|\n"
    for r in rows:
        s += (f"| {r['shape']} | {r['batch']}×{r['channels']}×{r['length']}, G {r['groups']} | {r['forward_ms']:.3f} | "
              f"{r['forward_backward_ms']:.3f} | {r['backward_ms']:.3f} |\n")
    write_text(args.markdown, s)
    print(s, flush=True)
    return 0


# ---------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="compile mamba_ssm's selective_scan_cuda")
    b.add_argument("--mamba", default=os.path.join(ROOT, ".authors", "mamba"))
    b.add_argument("--build-dir", default="/tmp/mamba-build")
    b.add_argument("--arch", default="90", help="compute capability without the dot (90 = sm_90)")
    b.add_argument("--clean", action="store_true", help="remove --build-dir first (a full rebuild)")
    b.add_argument("--verbose", action="store_true", help="print ninja's and nvcc's output")
    b.add_argument("--json")
    m = sub.add_parser("models", help="time the authors' models")
    m.add_argument("--authors", default=os.path.join(ROOT, ".authors"))
    m.add_argument("--ext-dir", default="/tmp/mamba-build")
    m.add_argument("--hosts", default=",".join(HOSTS))
    m.add_argument("--only", default="", help="comma-separated config names, e.g. gt_mamba,gnot_mamba")
    m.add_argument("--batch", type=int, default=8)
    m.add_argument("--side", type=int, default=64)
    m.add_argument("--warmups", type=int, default=3)
    m.add_argument("--repeats", type=int, default=10)
    m.add_argument("--json")
    m.add_argument("--markdown")
    m.add_argument("--part", action="store_true", help=argparse.SUPPRESS)  # one host, in this process
    s = sub.add_parser("scan", help="time mamba_ssm's selective_scan_fn")
    s.add_argument("--mamba", default=os.path.join(ROOT, ".authors", "mamba"))
    s.add_argument("--ext-dir", default="/tmp/mamba-build")
    s.add_argument("--warmups", type=int, default=3)
    s.add_argument("--repeats", type=int, default=10)
    s.add_argument("--json")
    s.add_argument("--markdown")
    args = parser.parse_args()
    if args.command == "build":
        if not args.arch.isdigit() or len(args.arch) < 2:
            parser.error("--arch: digits such as 90")
        cmd_build(args)
        return 0
    if args.command == "models":
        return cmd_models(args)
    return cmd_scan(args)


if __name__ == "__main__":
    sys.exit(main())
