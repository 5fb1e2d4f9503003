"""GT fixtures: the authors' FourierTransformerNew (MambaGalerkinTransformer/libs/model_mamba.py),
built from their yml configs as their train scripts do, at a reduced size.

Reduced size (both sides): n_hidden 16, 4 heads, 2 encoder layers, FFN 24, freq_dim 8, 3 Fourier
modes, SSM d_state 4 (dt_rank "auto" = 1). GT's regressor reshapes the points to an n x n square,
so GT's fixtures use a square 8 x 8 grid.
"""
import importlib
import os
import sys
import types

import yaml

# (our mixer, the authors' yml per dataset); the SW/DR Mamba ymls lack the SSM keys (docs/models.md
# §8.6), so the Darcy yml's SSM values are used for them, as mno's configs do.
CONFIGS = {
    "galerkin": {"darcy": "darcyflow_pdebench/config_gt_darcyflow_pdebench.yml",
                 "swe": "sw2d_pdebench/config_gt_sw2d_cx2_pdebench.yml",
                 "diffreact": "dr2d_pdebench/config_gt_dr2d_cx2_pdebench.yml"},
    "softmax": {"darcy": "darcyflow_pdebench/config_st_darcyflow_pdebench.yml",
                "swe": "sw2d_pdebench/config_st_sw2d_cx2_pdebench.yml",
                "diffreact": "dr2d_pdebench/config_st_dr2d_cx2_pdebench.yml"},
    "mamba": {"darcy": "darcyflow_pdebench/config_mamba_darcyflow_pdebench.yml",
              "swe": "sw2d_pdebench/config_mamba_sw2d_cx2_pdebench.yml",
              "diffreact": "dr2d_pdebench/config_mamba_dr2d_cx2_pdebench.yml"},
    "mamba4": {"darcy": "darcyflow_pdebench/config_mamba_c4_darcyflow_pdebench.yml"},
}
CHANNELS = {"darcy": (1, 1), "swe": (10, 91), "diffreact": (20, 182)}
SSM_KEYS = {"ssm_d_state": 4, "ssm_ratio": 2.0, "ssm_rank_ratio": 2.0, "forward_type": "v2"}
REDUCED = {"n_hidden": 16, "n_head": 4, "num_encoder_layers": 2, "dim_feedforward": 24,
           "freq_dim": 8, "fourier_modes": 3}


def fixture_specs():
    return [{"name": f"gt_{mixer}_{dataset}", "mixer": mixer, "dataset": dataset, "yml": yml}
            for mixer, per_dataset in CONFIGS.items() for dataset, yml in per_dataset.items()]


def _load_libs(root):
    """Imports libs.model_mamba without running libs/__init__.py (which pulls in plotting and
    data code the fixtures do not need)."""
    libs_dir = os.path.join(root, "MambaGalerkinTransformer", "libs")
    if "libs" not in sys.modules:
        package = types.ModuleType("libs")
        package.__path__ = [libs_dir]
        sys.modules["libs"] = package
    return importlib.import_module("libs.model_mamba")


def build(spec, root):
    model_mamba = _load_libs(root)
    with open(os.path.join(root, "MambaGalerkinTransformer", "config", spec["yml"])) as f:
        config = next(iter(yaml.full_load(f).values()))
    in_ch, out_ch = CHANNELS[spec["dataset"]]
    if config["node_feats"] != in_ch or config["n_targets"] != out_ch:
        raise RuntimeError(f"{spec['yml']}: node_feats/n_targets {config['node_feats']}/{config['n_targets']}"
                           f" != {in_ch}/{out_ch}")
    config.update(REDUCED)
    if spec["mixer"].startswith("mamba"):
        config.update(SSM_KEYS)
    # What every GT train script does before building the model (train_*_pdebench.py).
    config["attn_norm"] = not config["layer_norm"]
    if config["attention_type"] == "fourier":
        config["norm_eps"] = 1e-7
    elif config["attention_type"] == "galerkin":
        config["norm_eps"] = 1e-5
    model = model_mamba.FourierTransformerNew(**config)

    mixer = {"galerkin": {"type": "galerkin", "heads": 4, "norm_eps": 1e-5},
             "softmax": {"type": "softmax", "heads": 4, "norm_eps": config["norm_eps"]},
             "mamba": {"type": "mamba", "d_state": 4},
             "mamba4": {"type": "mamba4", "d_state": 4}}[spec["mixer"]]
    mno_model = {"name": "gt", "in_channels": in_ch, "out_channels": out_ch, "width": 16, "layers": 2,
                 "ffn_dim": 24, "freq_dim": 8, "modes": 3, "spectral_layers": 2, "regressor_hidden": 32,
                 "mixer": mixer}

    def run(features, pos, grid):
        # pos is mno's (x_i, y_j) for point (i, j); the authors' loaders feed (y_j, x_i) (their
        # meshgrids stack the second axis first), so their model gets it that way: mno's import maps
        # the convention (docs/models.md, "Coordinate order").
        return model(features, pos.flip(-1))

    return {"name": spec["name"], "parts": {"checkpoint": model}, "run": run, "grid": (8, 8), "batch": 2,
            "in_channels": in_ch, "out_channels": out_ch, "mno_model": mno_model,
            "authors_class": f"FourierTransformerNew({config['attention_type']})"}
