"""The results store: records a notebook writes, and a batch's store tables read back.
"""
from __future__ import annotations

from hubeval.store.batch_index import catalog
from hubeval.store.provenance import read_provenance
from hubeval.store.records import record
from hubeval.store.results import BatchResult, load_batch_results, read_batch
from hubeval.store.tables import collect_store, read_store, write_store

__all__ = [
    "record", "load_batch_results", "read_batch", "BatchResult", "read_provenance", "catalog",
    "collect_store", "read_store", "write_store",
]
