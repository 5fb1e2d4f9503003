"""A stand-in for timm, which Debian does not package: the authors import only DropPath and
trunc_normal_ from it (timm.models.layers). See timm/models/layers.py."""
