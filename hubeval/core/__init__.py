"""Foundations every layer uses: the exception hierarchy, result machinery, random numbers.

Nothing here imports from another hubeval folder. The errors are imported at once (they are
light); the result machinery, which needs pandas, on first use (PEP 562), so ``import hubeval``
and the ``hubeval`` command start fast.
"""
from __future__ import annotations

from hubeval.core.errors import (
    DataWarning,
    DisclosureError,
    EstimationError,
    EstimationWarning,
    HubevalError,
    HubevalWarning,
    PanelError,
    ParameterError,
    SpecError,
)
from hubeval.core.lazy import lazy_exports
from hubeval.core.paths import find_project_root, project_path, project_root
from hubeval.core.threads import set_threads, thread_policy

__getattr__, __dir__ = lazy_exports(__name__, {
    "hubeval.core.random": ("as_generator",),
    "hubeval.core.results": ("TIDY_COLUMNS", "ResultMixin", "add_inference", "percent_effect",
                             "recorded_warnings", "to_jsonable"),
})

__all__ = [
    "HubevalError", "PanelError", "SpecError", "EstimationError", "ParameterError",
    "DisclosureError", "HubevalWarning", "DataWarning", "EstimationWarning", "TIDY_COLUMNS",
    "ResultMixin", "add_inference", "percent_effect", "recorded_warnings", "to_jsonable",
    "as_generator", "project_root", "project_path", "find_project_root", "set_threads",
    "thread_policy",
]
