"""See __init__.py: import-time stand-ins for fvcore.nn's FLOP counters."""


def _unavailable(*args, **kwargs):
    raise RuntimeError("fvcore is not installed; the parity fixtures do not count FLOPs")


FlopCountAnalysis = flop_count_str = flop_count = parameter_count = _unavailable
