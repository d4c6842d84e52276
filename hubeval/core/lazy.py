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


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]):
    """``__getattr__`` and ``__dir__`` for a package that re-exports names on first use (PEP 562).

    ``exports`` maps a module to the names it defines. A name is imported the first time it is
    read and then cached in the package's namespace; a subpackage (``hubeval.did``) is imported
    when read as an attribute, as an eager ``import`` would have made it available.
    """
    where = {name: module for module, names in exports.items() for name in names}
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str):
        if name in where:
            value = getattr(importlib.import_module(where[name]), name)
            namespace[name] = value
            return value
        if not name.startswith("__"):
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as error:
                if error.name != f"{package}.{name}":
                    raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(where))

    return __getattr__, __dir__
