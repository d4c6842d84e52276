"""Batch evaluations: notebook parameters, plans, the runner (local or Dask), manifest and CLI.

A batch returns a :class:`hubeval.store.BatchResult`, defined in the store layer so the memo can
read the same object back.
"""
from __future__ import annotations

from hubeval.batch.params import Parameter, read_parameters, validate_params
from hubeval.batch.plan import BatchPlan, RunSpec
from hubeval.batch.runner import latest_batch, plan_batch, run_batch

__all__ = [
    "Parameter", "read_parameters", "validate_params", "BatchPlan", "RunSpec", "run_batch",
    "plan_batch", "latest_batch",
]
