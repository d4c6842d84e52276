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
from hubeval.core.paths import find_project_root, project_path, project_root
from hubeval.core.random import as_generator
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
    "as_generator", "project_root", "project_path", "find_project_root",
]
