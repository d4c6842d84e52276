"""Foundations every layer uses: the exception hierarchy, result machinery, random numbers.

Nothing here imports from another hubeval folder.
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
from hubeval.core.random import as_generator
from hubeval.core.threads import set_threads, thread_policy
from hubeval.core.results import (
    TIDY_COLUMNS,
    ResultMixin,
    add_inference,
    percent_effect,
    recorded_warnings,
    to_jsonable,
)

__all__ = [
    "HubevalError", "PanelError", "SpecError", "EstimationError", "ParameterError",
    "DisclosureError", "HubevalWarning", "DataWarning", "EstimationWarning", "TIDY_COLUMNS",
    "ResultMixin", "add_inference", "percent_effect", "recorded_warnings", "to_jsonable",
    "as_generator", "set_threads", "thread_policy",
]
