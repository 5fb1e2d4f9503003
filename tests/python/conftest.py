"""The Python module's tests (docs/python.md). Run by ctest as `python.pytest`, with PYTHONPATH at
build/python, MNO_BINARY the mno executable and MNO_SOURCE_DIR the source tree."""
import os
import subprocess

import pytest
import torch

import mno

mno.set_threads(2)  # as the CLI's --threads 2 below: the same BLAS threads, the same sums

SOURCE_DIR = os.environ.get("MNO_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
MNO = os.environ.get("MNO_BINARY", os.path.join(SOURCE_DIR, "build", "mno"))

# A GT-Mamba of the shipped Darcy config, narrowed so that a CPU test trains it in a second.
SMALL_GT = ["model.width=32", "model.layers=2", "model.ffn_dim=32", "model.regressor_hidden=16"]


def run_mno(*args):
    """The mno command line, as a user runs it; fails the test with its output when it fails."""
    done = subprocess.run([MNO, "--threads", "2", *args], capture_output=True, text=True)
    assert done.returncode == 0, f"mno {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="session")
def darcy_file(tmp_path_factory):
    """12 Darcy samples at 32 x 32, made by `mno generate`."""
    path = str(tmp_path_factory.mktemp("data") / "darcy.h5")
    run_mno("generate", "darcy", "--samples", "12", "--resolution", "32", "--seed", "3", "--out", path)
    return path


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, darcy_file):
    """A run of configs/darcy/gt_mamba.yaml (narrowed) trained for one epoch by `mno train`."""
    path = str(tmp_path_factory.mktemp("runs") / "gt_mamba")
    run_mno("train", "-c", os.path.join(SOURCE_DIR, "configs", "darcy", "gt_mamba.yaml"), "--out", path,
            "data.file=" + darcy_file, "data.stride=1", "data.resolution=0", "train.epochs=1",
            "train.batch_size=4", "train.eval_batch_size=4", "train.device=cpu", "train.plot_samples=0", *SMALL_GT)
    return path
