"""Batch evaluations: notebook parameters, plans, the runner (local or Dask), manifest and CLI.

A batch returns a :class:`hubeval.store.BatchResult`, defined in the store layer so the memo can
read the same object back. Names are imported on first use (PEP 562), so the ``hubeval`` command
(:mod:`hubeval.batch.cli`) answers ``--help`` without loading the numerical stack.
"""
from __future__ import annotations

from hubeval.core.lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "hubeval.batch.params": ("Parameter", "read_parameters", "validate_params"),
    "hubeval.batch.plan": ("BatchPlan", "RunSpec"),
    "hubeval.batch.runner": ("latest_batch", "plan_batch", "run_batch"),
})

__all__ = [
    "Parameter", "read_parameters", "validate_params", "BatchPlan", "RunSpec", "run_batch",
    "plan_batch", "latest_batch",
]
