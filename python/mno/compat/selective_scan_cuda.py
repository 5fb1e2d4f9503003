"""mamba_ssm's compiled `selective_scan_cuda` module on mno's scan, on the CPU and on CUDA.

    fwd(u, delta, A, B, C, D, z, delta_bias, delta_softplus) -> [out, x] (+ [out_z] when z is given)
    bwd(u, delta, A, B, C, D, z, delta_bias, dout, x, out, dz, delta_softplus, recompute_out_z)
        -> [du, ddelta, dA, dB, dC, dD, ddelta_bias] (+ [dz] when z is given, + [out_z] when recomputed)

The same arguments and returns as mamba_ssm's: dD and ddelta_bias are None when D or delta_bias is;
dout is the gradient of out_z when z is given; dz, when given, receives the gradient of z. x, the
saved chunk states, holds the last state where mamba_ssm's Python reads it (x[:, :, -1, 1::2]) and
zeros elsewhere: mno's bwd recomputes the forward and reads neither x nor out."""
import torch


def fwd(u, delta, A, B, C, D, z, delta_bias, delta_softplus):
    return torch.ops.mno.selective_scan_fwd(u, delta, A, B, C, D, z, delta_bias, delta_softplus)


def bwd(u, delta, A, B, C, D, z, delta_bias, dout, x, out, dz, delta_softplus, recompute_out_z):
    grads = torch.ops.mno.selective_scan_bwd(u, delta, A, B, C, D, z, delta_bias, dout, x, out, dz,
                                             delta_softplus, recompute_out_z)
    # Undefined tensors (no D, no delta_bias) come back as None, as from mamba_ssm.
    return list(grads)
