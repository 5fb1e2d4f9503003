"""A stand-in for mamba_ssm's compiled `selective_scan_cuda` module, in plain PyTorch.

The authors' SS2D calls `selective_scan_cuda.fwd/bwd` directly. The parity fixtures are made on
the CPU, where that extension does not exist, so this module provides the same two entry points
with the same arguments, computing mamba_ssm's selective scan by its defining recurrence
(docs/models.md, mamba_ssm's `selective_scan_ref`):

    delta <- softplus(delta + delta_bias)          (softplus when delta_softplus)
    x_t   = exp(delta_t * A) * x_{t-1} + delta_t * B_t * u_t
    y_t   = <x_t, C_t> + D * u_t

B and C are grouped: channel d of K*E channels reads group d // E. The backward recomputes the
forward under autograd and returns its vector-Jacobian product, so gradients are exact for the
same maths (no hand-written backward to get wrong).
"""
import torch
import torch.nn.functional as F


def _scan(u, delta, A, B, C, D, delta_bias, delta_softplus):
    batch, channels, length = u.shape
    groups = B.shape[1]
    if delta_bias is not None:
        delta = delta + delta_bias[None, :, None]
    if delta_softplus:
        delta = F.softplus(delta)
    per_group = channels // groups
    Bc = B.repeat_interleave(per_group, dim=1)  # (batch, channels, N, L)
    Cc = C.repeat_interleave(per_group, dim=1)
    state = u.new_zeros(batch, channels, A.shape[1])
    ys = []
    for t in range(length):
        dt = delta[:, :, t, None]
        state = torch.exp(dt * A) * state + dt * Bc[:, :, :, t] * u[:, :, t, None]
        ys.append((state * Cc[:, :, :, t]).sum(-1))
    y = torch.stack(ys, dim=-1)
    if D is not None:
        y = y + u * D[None, :, None]
    return y


def fwd(u, delta, A, B, C, D, z, delta_bias, delta_softplus):
    if z is not None:
        raise NotImplementedError("the stand-in scan has no z gate (the authors' SS2D passes none)")
    with torch.no_grad():
        out = _scan(u, delta, A, B, C, D, delta_bias, delta_softplus)
    return out, None


def bwd(u, delta, A, B, C, D, z, delta_bias, dout, x, out, dz, delta_softplus, recompute_out_z):
    inputs = [t.detach().requires_grad_(True) if t is not None else None
              for t in (u, delta, A, B, C, D, delta_bias)]
    with torch.enable_grad():
        y = _scan(*inputs, delta_softplus)
        wanted = [t for t in inputs if t is not None]
        grads = iter(torch.autograd.grad(y, wanted, dout))
    result = [next(grads) if t is not None else None for t in inputs]
    return tuple(result) + (None,)
