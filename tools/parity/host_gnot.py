"""GNOT fixtures: the authors' GNOT (MambaGNOT/models/mmgpt.py), STGNOT (models/mmgpt_st.py) and
MambaGNOT (models/mmgpt_mamba.py), built with the constructor arguments their train scripts pass
(data_utils.get_model from args.py's defaults and each dataset's config), at a reduced size.

Reduced size (both sides): n_hidden 16, n_head 4 (head size 4), n_layers 2, mlp_layers 2,
n_inner 2 (FFN and gate width 32), n_experts 1 (args.py's default, as every script), SSM d_state 4
(expand 2, dt_rank "auto" = ceil(16/16) = 1). MambaGNOT hard-codes d_state 16 in its config class,
so the Mamba fixtures use the authors' own ablation twin MambaGNOT_ABL (same file, same modules and
forward; it passes ssm_d_state/ssm_ratio/ssm_rank_ratio through), and MambaGNOT_C4_ABL for K = 4.

Inputs. Our gnot builds the trunk input (pos, 0) and the branch input (pos, features) from
features [B, L, C] and pos [B, L, 2] (src/mno/models/gnot.cpp). The authors' forward takes
(g, u_p, inputs) as their loaders and collate make them (dataloader/dataset_*_pdebench_d3.py,
data_utils.collate_op): g a batch of edgeless DGL graphs with ndata['x'] = the query coordinates
(the trunk input before u_p, and the gate network's `pos`), u_p = torch.tensor([0]) per sample
stacked to [B, 1] (appended to every point: the trunk's 3rd input), inputs = MultipleTensors([cat
(coordinates, input function)]) ([B, L, 2 + C]). run() feeds exactly those, with the fixture's pos
as the coordinates in the authors' order (y_j, x_i) where mno's pos is (x_i, y_j) (their loaders'
meshgrids stack the second axis first; mno's import swaps the position columns back); DGL itself is
replaced by stubs/dgl (see its docstring). The output [B·L, out] is reshaped to [B, L, out].

Grids: the K = 2 scan (and attention) never looks at the grid shape: both codes scan the
row-major flattened points forward and reversed, so those fixtures use a non-square 6 x 5 grid.
The K = 4 core (mamba_ops_4.py) reshapes L to int(sqrt(L))^2, so the C4 fixture uses 6 x 6.
C4: no config ships gnot with mamba4, but the mixer registry builds it for gnot and
docs/models.md documents MambaGNOT_C4 as gnot_mamba.yaml with model.mixer.type=mamba4 (its
parameter count is asserted for all three datasets, docs/models.md), so it has a fixture per
dataset like the other MambaGNOT rows.
"""
import ast
import importlib
import os
import sys
import types

import torch

# our mixer -> (the authors' module under MambaGNOT/models, class, --attn-type of their scripts)
CLASSES = {
    "linear": ("mmgpt", "GNOT", "linear"),              # script/gnot/*: default --attn-type linear
    "softmax": ("mmgpt_st", "STGNOT", "standard"),      # script/stgnot/*: --attn-type standard
    "mamba": ("mmgpt_mamba", "MambaGNOT_ABL", "linear"),       # script/mambagnot/*: attn_type unused
    "mamba4": ("mmgpt_mamba_c4", "MambaGNOT_C4_ABL", "linear"),
}
VARIANTS = [(mixer, dataset) for mixer in ("linear", "softmax", "mamba") for dataset in ("darcy", "swe", "diffreact")]
VARIANTS += [("mamba4", dataset) for dataset in ("darcy", "swe", "diffreact")]
# The dataset class whose _update_dataset_config gives input_dim, theta_dim, branch_sizes, output_dim.
DATASET_FILES = {"darcy": "dataset_darcy_flow_pdebench_d3.py",
                 "swe": "dataset_shallow_water_2d_pdebench_d3.py",
                 "diffreact": "dataset_diffusion_reaction_2d_pdebench_d3.py"}
CHANNELS = {"darcy": (1, 1), "swe": (10, 91), "diffreact": (20, 182)}
# Physical fields per frame: mno interleaves them step-major (u0, v0, u1, v1, ...); the authors' DR2D
# loader puts the branch's input frames field-major (u0..u9, v0..v9).
FIELDS = {"darcy": 1, "swe": 1, "diffreact": 2}
# args.py defaults for everything no script overrides; the sizes reduced.
REDUCED = {"n_layers": 2, "n_hidden": 16, "n_head": 4, "mlp_layers": 2, "n_inner": 2, "n_experts": 1}
FIXED = {"ffn_dropout": 0.0, "attn_dropout": 0.0, "act": "gelu", "horiz_fourier_dim": 0, "space_dim": 2}
SSM_KEYS = {"ssm_d_state": 4, "ssm_ratio": 2.0, "ssm_rank_ratio": 2.0}


def fixture_specs():
    specs = [{"name": f"gnot_{mixer}_{dataset}", "mixer": mixer, "dataset": dataset, "experts": 1}
             for mixer, dataset in VARIANTS]
    # Two experts: the gate network then shapes the output (with one it is a softmax over one
    # expert, 1 whatever it computes), so its first layer's position columns are seen too.
    specs.append({"name": "gnot_linear_darcy_experts2", "mixer": "linear", "dataset": "darcy", "experts": 2})
    return specs


def _authors_utils(gnot_dir):
    """The module `utils` the model files import MultipleTensors from: only that class, compiled
    from MambaGNOT/utils.py's own source (the rest of that file imports matplotlib and scipy and
    is not needed)."""
    path = os.path.join(gnot_dir, "utils.py")
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    body = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "MultipleTensors"]
    if len(body) != 1:
        raise RuntimeError(f"{path}: expected one class MultipleTensors")
    module = types.ModuleType("utils")
    module.__file__ = path
    exec(compile(ast.Module(body=body, type_ignores=[]), path, "exec"), module.__dict__)
    return module


def _load_model_module(root, name):
    """Imports MambaGNOT/models/<name>.py as models.<name>, with `models` a bare package (its
    __init__.py is empty) and `utils` as above. Each host runs in its own process (make_fixtures.py),
    so these top-level names cannot meet GT's or OFormer's."""
    gnot_dir = os.path.join(root, "MambaGNOT")
    models_dir = os.path.join(gnot_dir, "models")
    if getattr(sys.modules.get("utils"), "__file__", None) != os.path.join(gnot_dir, "utils.py"):
        sys.modules["utils"] = _authors_utils(gnot_dir)
    if "models" not in sys.modules:
        package = types.ModuleType("models")
        package.__path__ = [models_dir]
        sys.modules["models"] = package
    elif list(getattr(sys.modules["models"], "__path__", [])) != [models_dir]:
        raise RuntimeError(f"another package 'models' is already imported: {sys.modules['models']}")
    return importlib.import_module("models." + name)


def _dataset_config(root, dataset):
    """The literal entries of the dict the dataset class sets in _update_dataset_config (read from
    its source: the dataset modules import the data pipeline, which the fixtures do not need)."""
    path = os.path.join(root, "MambaGNOT", "dataloader", DATASET_FILES[dataset])
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and function.name == "_update_dataset_config":
            for node in ast.walk(function):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                    config = {}
                    for key, value in zip(node.value.keys, node.value.values):
                        try:
                            config[ast.literal_eval(key)] = ast.literal_eval(value)
                        except ValueError:  # 'in_seq': self.in_seq, ...
                            pass
                    return config
    raise RuntimeError(f"{path}: no dict in _update_dataset_config")


def build(spec, root):
    mixer, dataset = spec["mixer"], spec["dataset"]
    module_name, class_name, attn_type = CLASSES[mixer]
    module = _load_model_module(root, module_name)
    import dgl  # tools/parity/stubs/dgl, the same module the authors' files imported

    in_ch, out_ch = CHANNELS[dataset]
    config = _dataset_config(root, dataset)
    trunk_size = config["input_dim"] + config["theta_dim"]
    if trunk_size != 3 or config["branch_sizes"] != [2 + in_ch] or config["output_dim"] != out_ch:
        raise RuntimeError(f"{DATASET_FILES[dataset]}: input_dim+theta_dim {trunk_size}, branch_sizes "
                           f"{config['branch_sizes']}, output_dim {config['output_dim']}; expected 3, "
                           f"[{2 + in_ch}], {out_ch}")

    # data_utils.get_model (args.component 'all' -> output_size = output_dim).
    kwargs = dict(trunk_size=trunk_size, branch_sizes=config["branch_sizes"], output_size=config["output_dim"],
                  attn_type=attn_type, **dict(REDUCED, n_experts=spec["experts"]), **FIXED)
    if mixer.startswith("mamba"):
        kwargs.update(SSM_KEYS)
    model = getattr(module, class_name)(**kwargs)
    multiple_tensors = sys.modules["utils"].MultipleTensors

    mno_mixer = {"linear": {"type": "linear", "heads": 4},
                 "softmax": {"type": "softmax", "heads": 4},
                 "mamba": {"type": "mamba", "d_state": 4},
                 "mamba4": {"type": "mamba4", "d_state": 4}}[mixer]
    mno_model = {"name": "gnot", "in_channels": in_ch, "out_channels": out_ch, "width": 16, "layers": 2,
                 "mlp_layers": 2, "ffn_ratio": 2, "experts": spec["experts"], "mixer": mno_mixer}

    def run(features, pos, grid):
        # pos is mno's (x_i, y_j) for point (i, j); the authors' loaders feed (y_j, x_i) to the graph
        # and the branch alike, so their model gets it that way (docs/models.md, "Coordinate order").
        pos = pos.flip(-1)
        batch, length, channels = features.shape
        fields = FIELDS[dataset]
        features = features.reshape(batch, length, channels // fields, fields).transpose(2, 3).reshape(
            batch, length, channels)  # field-major, as their loader
        graphs = []
        for b in range(batch):  # the loaders: one edgeless graph per sample, ndata['x'] = coordinates
            g = dgl.DGLGraph()
            g.add_nodes(length)
            g.ndata["x"] = pos[b]
            graphs.append(g)
        g = dgl.batch(graphs)
        u_p = torch.stack([torch.tensor([0], device=pos.device) for _ in range(batch)])  # the loaders' u_p, collated: [B, 1]
        inputs = multiple_tensors([torch.cat([pos, features], dim=-1)])  # branch: (coordinates, function)
        out = model(g, u_p, inputs)  # [B·L, out], samples in order
        return out.reshape(batch, length, -1)

    grid = (6, 6) if mixer == "mamba4" else (6, 5)
    return {"name": spec["name"], "parts": {"checkpoint": model}, "run": run, "grid": grid, "batch": 2,
            "in_channels": in_ch, "out_channels": out_ch, "mno_model": mno_model,
            "mno_data": {} if dataset == "darcy" else {"input_frames": in_ch // FIELDS[dataset]},
            "authors_class": class_name + (f"(ssm_d_state={SSM_KEYS['ssm_d_state']})" if mixer.startswith("mamba")
                                           else f"(attn_type={attn_type})")}
