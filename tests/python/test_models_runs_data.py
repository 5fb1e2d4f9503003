"""mno.Model, mno.load_run, mno.generate and mno.read_pdebench, checked against the command line."""
import os

import numpy as np
import pytest
import torch

import mno
from conftest import MNO, SMALL_GT, SOURCE_DIR, run_mno

GT_MAMBA = os.path.join(SOURCE_DIR, "configs", "darcy", "gt_mamba.yaml")


def darcy_batch(data, grid):
    """What the CLI's pipeline reads of a Darcy file: x [B, H, W, 1] and the target u [B, H, W, 1]."""
    x = torch.from_numpy(data["nu"]).unsqueeze(-1)
    y = torch.from_numpy(data["tensor"][:, 0]).unsqueeze(-1)
    assert tuple(x.shape[1:3]) == tuple(grid)
    return x, y


def test_a_run_predicts_in_python_what_mno_predict_writes(trained_run, darcy_file, tmp_path):
    cli_out = str(tmp_path / "cli.h5")
    run_mno("predict", trained_run, "--input", darcy_file, "--out", cli_out)
    cli = mno.read_pdebench(cli_out)["tensor"][:, 0]  # [n, H, W]

    run = mno.load_run(trained_run)
    data = mno.read_pdebench(darcy_file)
    x, _ = darcy_batch(data, run.grid)
    with torch.no_grad():
        out = run.model(run.features(x), run.positions(x.shape[0]), run.grid)
        ours = run.decode(out)[..., 0].numpy()
    assert ours.shape == cli.shape == (12, 32, 32)
    assert np.abs(ours - cli).max() <= 1e-5 * np.abs(cli).max()

    written = run.predict(darcy_file, out=str(tmp_path / "python.h5"))
    assert np.array_equal(written["tensor"], mno.read_pdebench(cli_out)["tensor"])  # run.predict is mno predict
    assert np.array_equal(run.predict(darcy_file)["tensor"], written["tensor"])     # also without keeping a file


def test_a_model_from_a_shipped_config_trains_with_torch_optim(darcy_file):
    torch.manual_seed(0)
    model = mno.Model.from_config(GT_MAMBA, overrides=SMALL_GT)
    assert (model.name, model.in_channels, model.out_channels) == ("gt", 1, 1)
    params = model.parameters()
    assert params and all(isinstance(p, torch.Tensor) and p.requires_grad for p in params)
    data = mno.read_pdebench(darcy_file)
    x, y = darcy_batch(data, (32, 32))
    features, target = x[:4].reshape(4, -1, 1), y[:4].reshape(4, -1, 1)
    target = target / target.std()
    axis = torch.from_numpy(data["x-coordinate"]), torch.from_numpy(data["y-coordinate"])
    gx, gy = torch.meshgrid(axis[0], axis[1], indexing="ij")
    positions = torch.stack([gx, gy], -1).reshape(1, -1, 2).expand(4, -1, -1)
    optimiser = torch.optim.Adam(params, lr=3e-3)
    losses = []
    model.train()
    for _ in range(8):
        optimiser.zero_grad()
        loss = torch.nn.functional.mse_loss(model(features, positions, (32, 32)), target)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert all(p.grad is not None for p in params)
    assert losses[-1] < 0.5 * losses[0], losses


def test_the_parameters_are_the_models_own_tensors():
    model = mno.Model.from_config(GT_MAMBA, overrides=SMALL_GT)
    model.eval()
    features, positions = torch.rand(1, 32 * 32, 1), torch.rand(1, 32 * 32, 2)
    with torch.no_grad():
        before = model(features, positions, (32, 32))
        for p in model.parameters():
            p.zero_()
        after = model(features, positions, (32, 32))
    assert not torch.equal(before, after)  # zeroing the Python tensors changed the C++ model
    assert len(model.named_parameters()) == len(model.parameters())


def test_generate_returns_pdebench_arrays_equal_to_mno_generate(tmp_path):
    ours = mno.generate("darcy", samples=3, resolution=32, seed=5)
    path = str(tmp_path / "cli.h5")
    run_mno("generate", "darcy", "--samples", "3", "--resolution", "32", "--seed", "5", "--out", path)
    cli = mno.read_pdebench(path)
    assert ours["pde"] == "darcy"
    assert ours["nu"].shape == (3, 32, 32) and ours["tensor"].shape == (3, 1, 32, 32)
    assert ours["x-coordinate"].shape == (32,) and ours["nu"].dtype == np.float32
    for key in ("nu", "tensor", "x-coordinate", "y-coordinate"):
        assert np.array_equal(ours[key], cli[key]), key
    frames = mno.generate("diffreact", samples=1, resolution=16, seed=1)
    assert frames["data"].ndim == 5 and frames["data"].shape[0] == 1 and frames["data"].shape[-1] == 2
    assert frames["t-coordinate"].shape[0] == frames["data"].shape[1]


def test_read_pdebench_reads_a_range_at_a_stride(darcy_file):
    whole = mno.read_pdebench(darcy_file)
    part = mno.read_pdebench(darcy_file, first=2, samples=3, stride=2)
    assert part["nu"].shape == (3, 16, 16)
    assert np.array_equal(part["nu"], whole["nu"][2:5, ::2, ::2])


def test_generate_keeps_its_file_only_when_asked_and_never_replaces_one(tmp_path):
    path = str(tmp_path / "kept.h5")
    mno.generate("darcy", samples=1, resolution=32, out=path)
    before = os.path.getmtime(path)
    with pytest.raises(mno.Error, match="exists"):
        mno.generate("darcy", samples=1, resolution=32, out=path)
    assert os.path.getmtime(path) == before
    mno.generate("darcy", samples=1, resolution=32, out=path, overwrite=True)


@pytest.mark.parametrize("call,message", [
    (lambda: mno.generate("heat", samples=1), "unknown PDE 'heat' .*darcy, swe or diffreact"),
    (lambda: mno.Model.from_config(GT_MAMBA, overrides=["model.widht=3"]), "widht"),
    (lambda: mno.Model.from_config("/nonexistent/config.yaml"), "/nonexistent/config.yaml"),
    (lambda: mno.load_run("/nonexistent/run"), "/nonexistent/run"),
    (lambda: mno.read_pdebench("/nonexistent/file.h5"), "/nonexistent/file.h5"),
])
def test_bad_input_is_refused_naming_it(call, message):
    with pytest.raises(mno.Error, match=message):
        call()


def test_a_model_refuses_inputs_of_the_wrong_width():
    model = mno.Model.from_config(GT_MAMBA, overrides=SMALL_GT)
    with pytest.raises(mno.Error, match="features"):
        model(torch.rand(1, 64, 3), torch.rand(1, 64, 2))
