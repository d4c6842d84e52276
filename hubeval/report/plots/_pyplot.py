"""``plt``, imported on first use: `import hubeval` stays fast for code that never plots."""
from __future__ import annotations

from hubeval.core.lazy import LazyModule

plt = LazyModule("matplotlib.pyplot")
