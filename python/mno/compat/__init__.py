"""Drop-in replacements for compiled modules other code imports (docs/python.md)."""
from . import selective_scan_cuda

__all__ = ["selective_scan_cuda", "install"]


def install():
    """Makes `import selective_scan_cuda` give mno's module, for code (mamba_ssm's Python, the MNO
    authors' SS2D) that imports mamba_ssm's compiled extension by that name. Call before importing it."""
    import sys
    sys.modules["selective_scan_cuda"] = selective_scan_cuda
