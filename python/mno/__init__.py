"""mno from Python (docs/python.md).

Three levels:
  mno.ops.selective_scan_fn            mamba_ssm's selective_scan_fn on mno's CPU and CUDA scan
  mno.compat.selective_scan_cuda       mamba_ssm's raw compiled module (fwd/bwd), on the CPU too
  mno.Model, mno.load_run, mno.generate, mno.read_pdebench
                                       mno's models, runs and PDEBench data

The operators are torch.ops.mno.selective_scan, .selective_scan_fwd and .selective_scan_bwd,
registered when this package is imported.
"""
import os as _os
import tempfile as _tempfile

import torch as _torch  # first: mno._C links the LibTorch that torch has loaded

from . import _C

if _os.environ.get("MNO_CRASH_REPORT"):  # a crash in native code then prints its C++ call stack
    _C._install_crash_report()
from . import ops
from . import compat
from ._C import Error, Model, Run, set_threads

__all__ = ["ops", "compat", "Model", "Run", "Error", "set_threads", "load_run", "generate", "read_pdebench"]


def load_run(dir, checkpoint="", data_file="", device="cpu"):
    """A run directory made by `mno train` or `mno import`: run.model with the checkpoint's weights
    ("" = the run's train.report_checkpoint, "last", "best"), its data pipeline (run.features,
    run.positions, run.decode) and run.predict(path), which is `mno predict`."""
    return _Run(_C.load_run(dir, checkpoint, data_file, device))


class _Run:
    def __init__(self, run):
        self._run = run
        self.model = run.model
        self.dir = run.dir

    grid = property(lambda self: self._run.grid)
    data_file = property(lambda self: self._run.data_file)

    def positions(self, batch):
        return self._run.positions(batch)

    def features(self, x):
        return self._run.features(x)

    def decode(self, outputs):
        return self._run.decode(outputs)

    def predict(self, path, out=None, overwrite=False, progress=False):
        """`mno predict RUN --input path --out out`: every sample of `path` predicted, written to `out`
        (atomically; an existing file only with overwrite=True) when it is given. Returns the written
        file's arrays as numpy (read_pdebench)."""
        if out is not None:
            self._run.predict_file(path, out, overwrite, progress)
            return read_pdebench(out)
        with _tempfile.TemporaryDirectory(prefix="mno-predict-") as tmp:
            target = _os.path.join(tmp, "predictions.h5")
            self._run.predict_file(path, target, False, progress)
            return read_pdebench(target)


def read_pdebench(path, first=0, samples=0, stride=1):
    """A PDEBench-layout HDF5 file as numpy arrays named as PDEBench names them: Darcy "nu" [n, X, Y]
    and "tensor" [n, 1, X, Y]; shallow water and diffusion-reaction "data" [n, T, X, Y, C] and
    "t-coordinate"; every file "x-coordinate" and "y-coordinate"; "pde" names the PDE. samples=0:
    every sample from `first`; stride: spatial sub-sampling."""
    raw = _C.read_pdebench(path, first, samples, stride)
    return {k: (v.numpy() if isinstance(v, _torch.Tensor) else v) for k, v in raw.items()}


def generate(pde, samples, resolution=128, seed=0, out=None, threads=0, overwrite=False, progress=False):
    """`mno generate`: `samples` solutions of "darcy", "swe" or "diffreact" at `resolution` from `seed`,
    returned as read_pdebench's numpy arrays (PDEBench's layout); also kept in `out` when given."""
    if out is not None:
        _C.generate_file(pde, out, samples, resolution, seed, threads, overwrite, progress)
        return read_pdebench(out)
    with _tempfile.TemporaryDirectory(prefix="mno-generate-") as tmp:
        target = _os.path.join(tmp, pde + ".h5")
        _C.generate_file(pde, target, samples, resolution, seed, threads, False, progress)
        return read_pdebench(target)
