"""Modules imported on first attribute access, so `import hubeval` stays fast.

matplotlib.pyplot, scipy.stats and statsmodels take most of the import time of hubeval; code
paths that never plot or test keep their kernel start-up short (the batch runner's per-notebook
overhead, benchmarks/bench_batch.py).
"""
from __future__ import annotations

import importlib


class LazyModule:
    """A stand-in for a module that imports it the first time an attribute is read."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute):
        module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


stats = LazyModule("scipy.stats")
