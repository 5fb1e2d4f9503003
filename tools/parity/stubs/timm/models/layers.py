"""timm.models.layers' DropPath and trunc_normal_, the only names the authors import from timm.

DropPath is timm's stochastic depth, same maths: in training, each sample's residual branch is
zeroed with probability drop_prob and the survivors scaled by 1 / (1 - drop_prob); identity in eval
or when drop_prob is 0 (the fixtures build every model with drop_path 0, so it is the identity
there). trunc_normal_ is timm's initialiser, which torch.nn.init provides under the same name and
signature (mean, std, a, b); it only draws initial weights, which the fixtures save.
"""
import torch
from torch.nn.init import trunc_normal_  # noqa: F401  (re-exported as timm does)


def drop_path(x, drop_prob: float = 0.0, training: bool = False, scale_by_keep: bool = True):
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
    if keep_prob > 0.0 and scale_by_keep:
        random_tensor.div_(keep_prob)
    return x * random_tensor


class DropPath(torch.nn.Module):
    def __init__(self, drop_prob: float = 0.0, scale_by_keep: bool = True):
        super().__init__()
        self.drop_prob = drop_prob
        self.scale_by_keep = scale_by_keep

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training, self.scale_by_keep)
