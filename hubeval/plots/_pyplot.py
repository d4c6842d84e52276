"""``plt``, imported on first use: `import hubeval` stays fast for code that never plots."""
from __future__ import annotations

from .._lazy import LazyModule

plt = LazyModule("matplotlib.pyplot")
