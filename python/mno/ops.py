"""mamba_ssm's selective-scan interface on mno's scan (torch.ops.mno.selective_scan): CPU and CUDA,
float32 and float64 (and bf16/fp16 inputs, computed in fp32), differentiable in every input."""
import torch

__all__ = ["selective_scan_fn", "selective_scan", "selective_scan_2d"]


def selective_scan_fn(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False,
                      return_last_state=False):
    """mamba_ssm.ops.selective_scan_interface.selective_scan_fn, same signature and semantics:

        u, delta, z  (batch, D, L);  A (D, N), real;  B, C (D, N), (batch, N, L) or (batch, G, N, L)
        D, delta_bias  (D,)
        delta <- softplus(delta + delta_bias) when delta_softplus
        h_t = exp(delta_t A) h_{t-1} + delta_t B_t u_t;  y_t = C_t . h_t + D u_t;  y <- y * silu(z)

    Returns y (batch, D, L), and with return_last_state also the last state (batch, D, N)."""
    y, last_state = _scan(u, delta, A, B, C, D, z, delta_bias, delta_softplus, return_last_state)
    return (y, last_state) if return_last_state else y


def _scan(u, delta, A, B, C, D, z, delta_bias, delta_softplus, return_last_state):
    return torch.ops.mno.selective_scan(u, delta, A, B, C, D, z, delta_bias, delta_softplus, return_last_state)




selective_scan = selective_scan_fn


def selective_scan_2d(u, delta, A, B, C, D=None, z=None, delta_bias=None, directions=2, grid=None,
                      delta_softplus=False, return_last_state=False):
    """SS2D's fused scan: K = directions (2 or 4) scans of one sequence, summed, in one call.

        u, z  (batch, E, L);  delta (batch, K*E, L);  A (K*E, N);  B, C (batch, G, N, L) or (K*E, N)
        D, delta_bias  (K*E,)

    Channel k*E + e is direction k of u-channel e and reads group (k*E + e) // (K*E/G) of B and C.
    Direction 0 walks positions 0..L-1, 1 (K=2) walks them reversed; with K=4 on grid=(H, W)
    (row-major points, H*W = L): 0 row-major, 1 column-major, 2 and 3 their reverses. delta, B and C
    are indexed by position, whatever the direction. y = sum_k y_k (times silu(z)); the last state
    is (batch, K*E, N). Nothing is flipped in memory."""
    height, width = grid if grid is not None else (0, 0)
    y, last_state = _scan_2d(u, delta, A, B, C, D, z, delta_bias, directions, height, width, delta_softplus,
                             return_last_state)
    return (y, last_state) if return_last_state else y


def _scan_2d(*args):
    return torch.ops.mno.selective_scan_2d(*args)


# Under torch.compile (PyTorch 2) the op is a graph break: the compiler runs it as the eager call
# it is, and compiles the code around it. (Its kernels take real tensors; the compiler's tracing
# tensors hold no data.)
if hasattr(torch, "compiler") and hasattr(torch.compiler, "disable"):
    _scan = torch.compiler.disable(_scan)
    _scan_2d = torch.compiler.disable(_scan_2d)
