"""Exceptions and warnings raised by hubeval.

Every error message says what is wrong (the argument or column in backticks), what was
received (values, counts, the first few offending rows or firms) and how to fix it.

Hierarchy::

    HubevalError(Exception)
     +-- PanelError(HubevalError, ValueError)      bad input data or roles (hb.Panel, loaders)
     +-- SpecError(HubevalError, ValueError)       an estimator request that cannot be met
     +-- EstimationError(HubevalError, RuntimeError) a numerical failure during estimation
     +-- ParameterError(HubevalError, ValueError)  notebook / batch parameters that do not fit
     +-- DisclosureError(HubevalError, ValueError) output that would reveal confidential firm data

    HubevalWarning(UserWarning)
     +-- DataWarning(HubevalWarning)               data quality issues recorded on a Panel
     +-- EstimationWarning(HubevalWarning)         choices made for the user, recorded in results
"""
from __future__ import annotations

__all__ = [
    "HubevalError",
    "PanelError",
    "SpecError",
    "EstimationError",
    "ParameterError",
    "DisclosureError",
    "HubevalWarning",
    "DataWarning",
    "EstimationWarning",
]


class HubevalError(Exception):
    """Base class of every error hubeval raises on purpose."""


class PanelError(HubevalError, ValueError):
    """The input data cannot form a valid panel (raised by :class:`hubeval.Panel` and loaders)."""


class SpecError(HubevalError, ValueError):
    """An estimator was asked for something the data or settings cannot support."""


class EstimationError(HubevalError, RuntimeError):
    """Estimation failed numerically (singular design, no convergence)."""


class ParameterError(HubevalError, ValueError):
    """Notebook or batch parameters do not match what the notebook declares."""


class DisclosureError(HubevalError, ValueError):
    """A table or figure would disclose confidential firm-level information."""


class HubevalWarning(UserWarning):
    """Base class of hubeval warnings."""


class DataWarning(HubevalWarning):
    """A data-quality problem that does not stop the analysis (recorded on the Panel)."""


class EstimationWarning(HubevalWarning):
    """A choice made for the user during estimation (recorded in the result)."""


def format_examples(values, limit: int = 5) -> str:
    """Render the first few offending values for an error message: ``a, b, c (and 7 more)``."""
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    if len(values) > limit:
        shown += f" (and {len(values) - limit} more)"
    return shown
