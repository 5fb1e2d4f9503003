"""OFormer fixtures: the authors' encoder + decoder pairs (MambaOFormer/nn_module/), built with the
constructor arguments of their train scripts, at a reduced size. `build_model` there picks the
modules by flag (docs/models.md): no flag -> encoder_module / decoder_module (Galerkin),
--use_st -> *_st (softmax), --use_mamba -> *_mamba (SS2D / Cross SS2D).

  Darcy (train_darcyflow_pdebench_mamba.py):
      SpatialEncoder2D(3, 96, 256, 4, 6, res=res, use_ln=True)
      PointWiseDecoder2DSimple(256, 1, scale=0.5, res=res)
      z = encoder(cat(x, pos), pos); out = decoder(z, pos, pos)                  -> [B, L, 1]
  SW2D / DR2D (train_shallow_water_mamba.py, train_diffusion_reaction_mamba.py):
      SpatialTemporalEncoder2D(in_channels, 64, 64, 1, 2)
      PointWiseDecoder2D(128, c, 1, 1, scale=8, dropout=0.0)
      z = encoder(cat(x, pos), pos); out = decoder.rollout(z, pos, 91, pos)    -> [B, 91·c, L]
      then 'b t c -> b c t' in the loop: [B, L, 91·c], step-major then channel.

Reduced size (both sides):
  Darcy:  encoder width 16, 2 heads (the script's 4 -> 2: still several heads, so the output
          projection stays), depth 2, latent 32 (query width 32, 16 Gaussian Fourier features).
          res stays 64, the script's value: it only sets the rotary scales [res, res//4] = [64, 16]
          and min_freq 1/res, so those are the authors' own.
  SW/DR:  encoder width 16, 1 head (the script's, so to_out stays Identity), depth 2 (rotary scales
          [32, 1]), latent 48 (query width 24, 24 Gaussian Fourier features, propagator width 48),
          3 output steps instead of 91 (out channels 3·c).
The decoder's 4 cross-attention heads are hard-coded in the authors' decoders and kept. The SSM
settings are hard-coded in their TransformerCatNoCls / CrossFormer (d_state 16, expand 2,
dt_rank auto = ceil(d_model/16)) and kept: d_state 16 here, unlike the GT fixtures' 4.

Grid 6 x 5 (non-square): no OFormer module reshapes the points into an image (the K=2 scan runs on
the flat row-major sequence; `res` is only a number), so H != W is allowed on both sides.
"""
import importlib
import os
import sys
import types

import torch

MIXERS = {  # our mixer -> (module suffix chosen by build_model's flag, our mixer type)
    "galerkin": ("", "rotary_galerkin"),
    "softmax": ("_st", "softmax"),
    "mamba": ("_mamba", "mamba"),
}
DATASETS = {"darcy": 1, "swe": 1, "diffreact": 2}  # channels per frame (input frames: 10 for SW/DR)
IN_FRAMES = 10
STEPS = 3  # output steps of the reduced SW/DR fixtures (the authors: 91)
RES = 64  # the Darcy script's `res` (opt.resolution)
ENCODER_WIDTH, DEPTH = 16, 2
DARCY_HEADS, DARCY_LATENT = 2, 32
MARCH_HEADS, MARCH_LATENT = 1, 48  # PointWiseDecoder2D's latent_channels; queries are latent // 2
GRID = (6, 5)


def fixture_specs():
    return [{"name": f"oformer_{mixer}_{dataset}", "mixer": mixer, "dataset": dataset}
            for mixer in MIXERS for dataset in DATASETS]


def _load_nn_module(root, suffix):
    """Imports nn_module.encoder_module<suffix> and nn_module.decoder_module<suffix> from the
    authors' MambaOFormer without putting MambaOFormer itself on sys.path (its top level holds
    utils.py, dataset.py, ... whose names would shadow others)."""
    package_dir = os.path.join(root, "MambaOFormer", "nn_module")
    if "nn_module" not in sys.modules:
        package = types.ModuleType("nn_module")
        package.__path__ = [package_dir]
        sys.modules["nn_module"] = package
    encoder_module = importlib.import_module("nn_module.encoder_module" + suffix)
    decoder_module = importlib.import_module("nn_module.decoder_module" + suffix)
    return encoder_module, decoder_module


def build(spec, root):
    suffix, mixer_type = MIXERS[spec["mixer"]]
    encoder_module, decoder_module = _load_nn_module(root, suffix)
    c = DATASETS[spec["dataset"]]
    darcy = spec["dataset"] == "darcy"

    if darcy:
        in_ch, out_ch = 1, 1
        # train_darcyflow_pdebench_mamba.py build_model: SpatialEncoder2D(3, 96, 256, 4, 6, res=res,
        # use_ln=True); PointWiseDecoder2DSimple(256, 1, scale=0.5, res=res).
        encoder = encoder_module.SpatialEncoder2D(
            in_ch + 2,  # a + xy coordinates
            ENCODER_WIDTH,
            DARCY_LATENT,
            DARCY_HEADS,
            DEPTH,
            res=RES,
            use_ln=True,
        )
        decoder = decoder_module.PointWiseDecoder2DSimple(
            DARCY_LATENT,
            out_ch,
            scale=0.5,
            res=RES,
        )
        classes = "SpatialEncoder2D+PointWiseDecoder2DSimple"
        mno_model = {
            "name": "oformer", "variant": "steady", "in_channels": in_ch, "out_channels": out_ch,
            "encoder_width": ENCODER_WIDTH, "encoder_heads": DARCY_HEADS, "encoder_head_dim": ENCODER_WIDTH,
            "rotary_scales": [RES, RES // 4],
            "input_dropout": 0.0, "ffn_dropout": 0.0,  # the driver turns the authors' dropouts off
            "decoder_width": DARCY_LATENT, "decoder_heads": 4, "decoder_head_dim": DARCY_LATENT,
            "fourier_features": DARCY_LATENT // 2, "fourier_scale": 0.5, "decoder_rotary_scale": 16,
            "mixer": {"type": mixer_type},
        }
    else:
        in_ch, out_ch = IN_FRAMES * c, STEPS * c
        # train_{shallow_water,diffusion_reaction}_mamba.py build_model:
        # SpatialTemporalEncoder2D(opt.in_channels, opt.encoder_emb_dim, opt.out_seq_emb_dim,
        #                          opt.encoder_heads, opt.encoder_depth)
        # PointWiseDecoder2D(opt.decoder_emb_dim, opt.out_channels, opt.out_step, opt.propagator_depth,
        #                    scale=opt.fourier_frequency, dropout=0.0)
        # with in_channels 12 / 22 (frames + xy), out_step 1, propagator_depth 1, fourier_frequency 8.
        encoder = encoder_module.SpatialTemporalEncoder2D(
            in_ch + 2,
            ENCODER_WIDTH,
            MARCH_LATENT // 2,  # out_seq_emb_dim = the decoder's query width (64 = 128 // 2 in the script)
            MARCH_HEADS,
            DEPTH,
        )
        decoder = decoder_module.PointWiseDecoder2D(
            MARCH_LATENT,
            c,
            1,  # out_step
            1,  # propagator_depth
            scale=8,
            dropout=0.0,
        )
        classes = "SpatialTemporalEncoder2D+PointWiseDecoder2D"
        mno_model = {
            "name": "oformer", "variant": "marching", "in_channels": in_ch, "out_channels": out_ch,
            "encoder_width": ENCODER_WIDTH, "encoder_heads": MARCH_HEADS, "encoder_head_dim": ENCODER_WIDTH,
            "rotary_scales": [32, 1],  # SpatialTemporalEncoder2D, depth <= 4: [32] + [16]*(depth-2) + [1]
            "input_dropout": 0.0, "ffn_dropout": 0.0,
            "decoder_width": MARCH_LATENT // 2, "decoder_heads": 4, "decoder_head_dim": MARCH_LATENT // 2,
            "fourier_features": MARCH_LATENT // 2, "fourier_scale": 8, "decoder_rotary_scale": 16,
            "steps": STEPS, "march_width": MARCH_LATENT,
            "mixer": {"type": mixer_type},
        }

    def run(features, pos, grid):
        # What the train loops do: the encoder sees [x, pos] and pos; the decoder queries the same
        # points (prop_pos = input_pos = the grid). pos is mno's (x_i, y_j); the SW/DR scripts stack
        # (y_j, x_i) (train_shallow_water_mamba.py, train_diffusion_reaction_mamba.py:
        # torch.stack((gy, gx))), so their model gets it that way; the Darcy script's grid is (x_i, y_j).
        if not darcy:
            pos = pos.flip(-1)
        z = encoder.forward(torch.cat((features, pos), dim=-1), pos)
        if darcy:
            return decoder.forward(z, pos, pos)  # [B, L, 1]
        history = decoder.rollout(z, pos, STEPS, pos)  # [B, STEPS·c, L], step-major then channel
        return history.permute(0, 2, 1)  # the loop's rearrange 'b t c -> b c t'

    return {"name": spec["name"], "parts": {"encoder": encoder, "decoder": decoder}, "run": run, "grid": GRID,
            "batch": 2, "in_channels": in_ch, "out_channels": out_ch, "mno_model": mno_model,
            "authors_class": f"{classes}({mixer_type})"}
