"""The results store: records a notebook writes, and a batch's collected results read back.
"""
from __future__ import annotations

from hubeval.store.compare import BatchComparison, compare_batches
from hubeval.store.provenance import read_provenance
from hubeval.store.records import collect_records, record
from hubeval.store.results import BatchResult, load_batch_results, read_batch

__all__ = [
    "record", "collect_records", "load_batch_results", "read_batch", "BatchResult", "read_provenance",
    "compare_batches", "BatchComparison",
]
