"""``plt``, imported on first use: `import hubeval` stays fast for code that never plots."""
from __future__ import annotations

import importlib


class _LazyPyplot:
    def __getattr__(self, name):
        module = importlib.import_module("matplotlib.pyplot")
        return getattr(module, name)


plt = _LazyPyplot()
