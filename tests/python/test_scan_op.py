"""torch.ops.mno.selective_scan and mno.ops.selective_scan_fn against the plain recurrence, with
gradients, for every layout of B and C and every option mamba_ssm's selective_scan_fn has."""
import itertools

import pytest
import torch

import mno
from scan_reference import selective_scan_reference

BATCH, DIM, LENGTH, STATE = 2, 4, 24, 3


CUDA = torch.cuda.is_available() and mno._C.cuda_built()
DEVICES = ["cpu"] + (["cuda"] if CUDA else [])


def make_inputs(layout, dtype, groups=2, seed=0, with_D=True, with_z=True, with_bias=True, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64).to(device=device, dtype=dtype)
    u, delta = rand(BATCH, DIM, LENGTH), rand(BATCH, DIM, LENGTH) * 0.5
    A = -torch.rand(DIM, STATE, generator=g, dtype=torch.float64).to(device=device, dtype=dtype) - 0.5
    shape = {"invariant": (DIM, STATE), "variable": (BATCH, STATE, LENGTH),
             "grouped": (BATCH, groups, STATE, LENGTH)}[layout]
    B, C = rand(*shape), rand(*shape)
    D = rand(DIM) if with_D else None
    z = rand(BATCH, DIM, LENGTH) if with_z else None
    bias = rand(DIM) * 0.1 if with_bias else None
    return dict(u=u, delta=delta, A=A, B=B, C=C, D=D, z=z, delta_bias=bias)


def leaves(inputs):
    return {k: (v.detach().clone().requires_grad_(True) if v is not None else None) for k, v in inputs.items()}


def relative(a, b):
    return ((a - b).norm() / b.norm().clamp_min(1e-30)).item()


CASES = list(itertools.product(["invariant", "variable", "grouped"], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("layout,softplus,optional,last_state", CASES)
@pytest.mark.parametrize("dtype,tolerance", [(torch.float64, 1e-10), (torch.float32, 2e-5)])
@pytest.mark.parametrize("device", DEVICES)
def test_selective_scan_fn_matches_the_recurrence_with_gradients(layout, softplus, optional, last_state, dtype,
                                                               tolerance, device):
    if device == "cuda" and dtype == torch.float64:
        pytest.skip("mno's CUDA scan is fp32 (and bf16/fp16 inputs)")
    inputs = make_inputs(layout, dtype, with_D=optional, with_z=optional, with_bias=optional, device=device)
    ours_in, ref_in = leaves(inputs), leaves(inputs)
    result = mno.ops.selective_scan_fn(**ours_in, delta_softplus=softplus, return_last_state=last_state)
    y, state = result if last_state else (result, None)
    y_ref, state_ref = selective_scan_reference(**ref_in, delta_softplus=softplus)
    assert y.shape == (BATCH, DIM, LENGTH) and y.dtype == dtype
    assert relative(y, y_ref) < tolerance
    if last_state:
        assert state.shape == (BATCH, DIM, STATE)
        assert relative(state, state_ref.detach()) < tolerance
    grad = torch.randn_like(y)
    y.backward(grad)
    y_ref.backward(grad)
    for name in ours_in:
        if ours_in[name] is None:
            continue
        assert ours_in[name].grad is not None, name
        assert relative(ours_in[name].grad, ref_in[name].grad) < 10 * tolerance, name


def test_the_op_passes_gradcheck_in_float64():
    inputs = make_inputs("grouped", torch.float64)
    for k, v in inputs.items():
        inputs[k] = v[..., :8].contiguous() if v is not None and v.dim() >= 3 else v  # a short sequence
    names = ["u", "delta", "A", "B", "C", "D", "z", "delta_bias"]
    tensors = tuple(inputs[n].detach().requires_grad_(True) for n in names)

    def op(*ts):
        return torch.ops.mno.selective_scan(*ts, True, False)[0]
    assert torch.autograd.gradcheck(op, tensors, eps=1e-6, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("device", DEVICES)
def test_half_precision_inputs_are_computed_in_float32(device):
    inputs = make_inputs("variable", torch.float32, with_z=False, device=device)
    y32 = mno.ops.selective_scan_fn(**inputs)
    half = {k: (v.to(torch.bfloat16) if k in ("u", "delta", "B", "C") else v) for k, v in inputs.items()}
    y16 = mno.ops.selective_scan_fn(**half)
    assert y16.dtype == torch.bfloat16
    assert relative(y16.float(), y32) < 5e-2


def test_complex_A_is_refused_by_name():
    inputs = make_inputs("variable", torch.float32)
    inputs["A"] = inputs["A"].to(torch.complex64)
    with pytest.raises(mno.Error, match="complex A, B or C .* is not supported"):
        mno.ops.selective_scan_fn(**inputs)


@pytest.mark.parametrize("change,message", [
    (lambda i: i.update(delta=i["delta"][:, :, :-1]), "delta"),
    (lambda i: i.update(A=i["A"][:-1]), "A"),
    (lambda i: i.update(B=i["B"][:, :, :-1]), "B"),
    (lambda i: i.update(D=i["D"][:-1]), "D"),
    (lambda i: i.update(z=i["z"][:1]), "z"),
])
def test_a_tensor_that_does_not_fit_is_refused_naming_it(change, message):
    inputs = make_inputs("variable", torch.float32)
    change(inputs)
    with pytest.raises(mno.Error) as error:
        mno.ops.selective_scan_fn(**inputs)
    assert f"{message}" in str(error.value) and "expected" in str(error.value), str(error.value)


@pytest.mark.skipif(not hasattr(torch, "compile"), reason=f"torch.compile needs PyTorch 2 (this is {torch.__version__})")
@pytest.mark.parametrize("device", DEVICES)
def test_selective_scan_fn_runs_under_torch_compile(device):
    """The op is opaque to the compiler (a graph break around it, mno.ops.selective_scan_fn); the code
    around it compiles, and the result and gradients are the eager ones."""
    inputs = make_inputs("grouped", torch.float32, device=device)

    def block(u, delta, A, B, C, D, z, delta_bias):
        y = mno.ops.selective_scan_fn(torch.tanh(u), delta, A, B, C, D, z, delta_bias, delta_softplus=True)
        return (y * y).sum()
    compiled = torch.compile(block)
    eager_in, compiled_in = leaves(inputs), leaves(inputs)
    eager, ours = block(**eager_in), compiled(**compiled_in)
    assert relative(ours, eager) < 1e-5
    eager.backward()
    ours.backward()
    for name in eager_in:
        assert relative(compiled_in[name].grad, eager_in[name].grad) < 1e-4, name


def walk(length, direction, directions, grid):
    """Positions in the order direction k visits them (row-major points on an H x W grid)."""
    order = torch.arange(length)
    if directions == 4 and direction % 2 == 1:
        h, w = grid
        order = order.reshape(h, w).t().reshape(-1)  # column-major
    if (directions == 2 and direction == 1) or (directions == 4 and direction >= 2):
        order = order.flip(0)
    return order


def multi_direction_reference(u, delta, A, B, C, D, z, delta_bias, directions, grid, softplus):
    """Each direction as a 1-D scan of the sequence permuted into its walk, permuted back, summed."""
    E, G = u.shape[1], B.shape[1]
    y = 0
    for k in range(directions):
        order = walk(u.shape[-1], k, directions, grid)
        inverse = torch.argsort(order)
        ch = slice(k * E, (k + 1) * E)
        group = k * E // (directions * E // G)
        y_k, _ = selective_scan_reference(u[..., order], delta[:, ch][..., order], A[ch], B[:, group][..., order],
                                          C[:, group][..., order], D[ch], None, delta_bias[ch], softplus)
        y = y + y_k[..., inverse]
    return y * torch.nn.functional.silu(z)


@pytest.mark.parametrize("directions,grid", [(2, None), (4, (4, 6))])
@pytest.mark.parametrize("device", DEVICES)
def test_selective_scan_2d_is_the_sum_of_its_walks(directions, grid, device):
    dtype, tol = (torch.float64, 1e-10) if device == "cpu" else (torch.float32, 2e-5)
    g = torch.Generator().manual_seed(7)
    def rand(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64).to(device=device, dtype=dtype)
    K, E = directions, DIM
    inputs = dict(u=rand(BATCH, E, LENGTH), delta=rand(BATCH, K * E, LENGTH) * 0.5,
                  A=-rand(K * E, STATE).abs() - 0.5, B=rand(BATCH, K, STATE, LENGTH), C=rand(BATCH, K, STATE, LENGTH),
                  D=rand(K * E), z=rand(BATCH, E, LENGTH), delta_bias=rand(K * E) * 0.1)
    ours_in, ref_in = leaves(inputs), leaves(inputs)
    y = mno.ops.selective_scan_2d(**ours_in, directions=K, grid=grid, delta_softplus=True)
    y_ref = multi_direction_reference(**ref_in, directions=K, grid=grid, softplus=True)
    assert relative(y, y_ref) < tol
    grad = torch.randn_like(y)
    y.backward(grad)
    y_ref.backward(grad)
    for name in ours_in:
        assert relative(ours_in[name].grad, ref_in[name].grad) < 10 * tol, name


def test_selective_scan_2d_refuses_a_grid_that_does_not_hold_the_sequence():
    u = torch.randn(1, 2, 24)
    with pytest.raises(mno.Error, match="height"):
        mno.ops.selective_scan_2d(u, torch.rand(1, 8, 24), -torch.rand(8, 3), torch.randn(1, 4, 3, 24),
                                  torch.randn(1, 4, 3, 24), directions=4, grid=(5, 5))
