"""The selective scan written plainly in PyTorch, to test mno's op against: the maths of mamba_ssm's
`selective_scan_ref` (our own code), one step at a time, in the inputs' dtype.

    delta <- softplus(delta + delta_bias)          (softplus only when delta_softplus)
    h_t    = exp(delta_t A) * h_{t-1} + delta_t B_t u_t
    y_t    = <h_t, C_t> + D u_t;   y <- y * silu(z)
"""
import torch
import torch.nn.functional as F


def per_channel(M, channels, length):
    """B or C as [batch or 1, channels, N, L]: (D, N) time-invariant, (b, N, L) or (b, G, N, L)."""
    if M.dim() == 2:
        return M[None, :, :, None].expand(1, channels, M.shape[1], length)
    if M.dim() == 3:
        M = M.unsqueeze(1)
    return M.repeat_interleave(channels // M.shape[1], dim=1)


def selective_scan_reference(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False):
    """Returns (y, last_state): y [batch, D, L], last_state [batch, D, N]."""
    batch, channels, length = u.shape
    if delta_bias is not None:
        delta = delta + delta_bias[None, :, None]
    if delta_softplus:
        delta = F.softplus(delta)
    Bc, Cc = per_channel(B, channels, length), per_channel(C, channels, length)
    h = u.new_zeros(batch, channels, A.shape[1])
    ys = []
    for t in range(length):
        dt = delta[:, :, t, None]
        h = torch.exp(dt * A) * h + dt * Bc[..., t] * u[:, :, t, None]
        ys.append((h * Cc[..., t]).sum(-1))
    y = torch.stack(ys, dim=-1)
    if D is not None:
        y = y + u * D[None, :, None]
    if z is not None:
        y = y * F.silu(z)
    return y, h
