"""mno.compat.selective_scan_cuda: mamba_ssm's raw fwd/bwd, argument for argument, against the
plain recurrence; and mamba_ssm's own Python autograd Function, as its selective_scan_interface
writes it, running on this module."""
import sys

import pytest
import torch

import mno
from mno.compat import selective_scan_cuda
from scan_reference import selective_scan_reference
from test_scan_op import DEVICES, leaves, make_inputs, relative


def grouped(inputs):
    """mamba_ssm's raw module takes B and C as (D, N) or (batch, G, N, L) only."""
    out = dict(inputs)
    for k in ("B", "C"):
        if out[k].dim() == 3:
            out[k] = out[k].unsqueeze(1)
    return out


@pytest.mark.parametrize("layout", ["invariant", "variable", "grouped"])
@pytest.mark.parametrize("with_z", [False, True])
@pytest.mark.parametrize("optional", [False, True])
@pytest.mark.parametrize("device", DEVICES)
def test_fwd_and_bwd_return_what_mamba_ssm_returns(layout, with_z, optional, device):
    dtype, tol = (torch.float64, 1e-10) if device == "cpu" else (torch.float32, 2e-5)  # CUDA: fp32
    i = grouped(make_inputs(layout, dtype, with_z=with_z, with_D=optional, with_bias=optional, device=device))
    args = (i["u"], i["delta"], i["A"], i["B"], i["C"], i["D"], i["z"], i["delta_bias"])
    result = selective_scan_cuda.fwd(*args, True)
    assert len(result) == (3 if with_z else 2)
    out, x = result[0], result[1]
    ref_in = leaves(i)
    y_ref, state = selective_scan_reference(**ref_in, delta_softplus=True)
    ungated, _ = selective_scan_reference(**{**ref_in, "z": None}, delta_softplus=True)
    assert relative(out, ungated.detach()) < tol  # out is before the gate ...
    if with_z:
        assert relative(result[2], y_ref.detach()) < tol  # ... out_z after it
    assert x.shape == (i["u"].shape[0], i["u"].shape[1], 1, 2 * i["A"].shape[1])
    assert relative(x[:, :, -1, 1::2], state.detach()) < tol  # where selective_scan_fn reads the last state

    dout = torch.randn_like(out)
    dz = torch.empty_like(i["z"]) if with_z else None
    grads = selective_scan_cuda.bwd(*args, dout, x, out, dz, True, with_z)
    y_ref.backward(dout)
    names = ["u", "delta", "A", "B", "C", "D", "delta_bias"]
    assert len(grads) == 7 + (2 if with_z else 0)
    for name, g in zip(names, grads[:7]):
        if i[name] is None:
            assert g is None, name  # as mamba_ssm: no D, no dD
        else:
            assert g.shape == i[name].shape, name
            assert relative(g, ref_in[name].grad) < 10 * tol, name
    if with_z:
        assert relative(grads[7], ref_in["z"].grad) < 10 * tol
        assert grads[7].data_ptr() == dz.data_ptr()  # written into the dz given, as mamba_ssm does
        assert relative(grads[8], y_ref.detach()) < tol  # out_z, recomputed


class SelectiveScanFn(torch.autograd.Function):
    """mamba_ssm's selective_scan_interface.SelectiveScanFn, reduced to what it does with the raw
    module (the same calls, the same saved tensors): code written against that module runs on mno's."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C, D, z, delta_bias, delta_softplus):
        import selective_scan_cuda as raw  # whatever module is installed under that name
        out, x, *rest = raw.fwd(u, delta, A, B, C, D, z, delta_bias, delta_softplus)
        ctx.delta_softplus = delta_softplus
        ctx.save_for_backward(u, delta, A, B, C, D, z, delta_bias, x, out)
        return out if z is None else rest[0]

    @staticmethod
    def backward(ctx, dout):
        import selective_scan_cuda as raw
        u, delta, A, B, C, D, z, delta_bias, x, out = ctx.saved_tensors
        du, ddelta, dA, dB, dC, dD, ddelta_bias, *rest = raw.bwd(
            u, delta, A, B, C, D, z, delta_bias, dout, x, out, None, ctx.delta_softplus, False)
        dz = rest[0] if z is not None else None
        return du, ddelta, dA, dB, dC, dD, dz, ddelta_bias, None


def test_code_that_imports_selective_scan_cuda_runs_on_mno_after_install():
    saved = sys.modules.pop("selective_scan_cuda", None)
    try:
        mno.compat.install()
        import selective_scan_cuda as raw
        assert raw is mno.compat.selective_scan_cuda
        i = grouped(make_inputs("grouped", torch.float64))
        ours, ref = leaves(i), leaves(i)
        y = SelectiveScanFn.apply(ours["u"], ours["delta"], ours["A"], ours["B"], ours["C"], ours["D"], ours["z"],
                                  ours["delta_bias"], True)
        y_ref, _ = selective_scan_reference(**ref, delta_softplus=True)
        assert relative(y, y_ref) < 1e-10
        y.sum().backward()
        y_ref.sum().backward()
        for name in ours:
            assert relative(ours[name].grad, ref[name].grad) < 1e-9, name
    finally:
        sys.modules.pop("selective_scan_cuda", None)
        if saved is not None:
            sys.modules["selective_scan_cuda"] = saved


def test_fwd_refuses_complex_weights_as_mamba_ssm_would_accept_them():
    i = grouped(make_inputs("grouped", torch.float32))
    with pytest.raises(mno.Error, match="complex"):
        selective_scan_cuda.fwd(i["u"], i["delta"], i["A"].to(torch.complex64), i["B"], i["C"], None, None, None,
                                False)
