"""What a disclosure check leaves visible, and the seal that ties a check to its table.

Two building blocks of the disclosure gate (:mod:`hubeval.report.disclosure`):

* **keys** -- the allow-list :data:`KEY_COLUMNS` (plus ``param_*`` run settings and keys a
  caller names) of columns that identify a cell; :func:`blank_rows` blanks every other column
  of a suppressed row, numeric or text, so no value derived from the hidden one survives;
* **seal** -- :func:`table_digest` is a SHA-256 of a table's content (columns, types, values:
  what a CSV of it would show); :func:`signature` is an HMAC of the digests and rules, keyed
  with a secret drawn when the module is imported. Only the checking functions call it, so a
  hand-built or later-modified :class:`~hubeval.report.disclosure.DisclosureResult` carries no
  valid seal and is refused. The key lives in memory only: a seal is valid in the process that
  made it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["KEY_COLUMNS", "KEY_PREFIXES", "is_key_column", "key_columns", "blank_rows",
           "table_digest", "signature", "cell_label"]

#: Columns that name a cell (kept on a suppressed row); every other column is a value.
KEY_COLUMNS = (
    "term", "outcome", "cohort", "time", "year", "period", "event_time", "horizon", "group",
    "subgroup", "industry", "ksic", "sector", "size", "size_class", "region", "city", "category",
    "variable", "covariate", "level", "label", "estimator", "design", "method", "scale",
    "evidence_level", "family", "restriction", "metric", "scenario", "run_id", "notebook",
    "record", "stage", "suppressed", "aggregation", "inference", "evidence", "statistic", "unit",
)
#: Column-name prefixes of keys: ``param_*`` are the run settings a batch records.
KEY_PREFIXES = ("param_",)

_SECRET = secrets.token_bytes(32)


def is_key_column(column: Any, extra: Iterable[str] = ()) -> bool:
    """True when ``column`` names a cell rather than holding a value."""
    name = str(column)
    return name in KEY_COLUMNS or name in set(extra) or name.startswith(KEY_PREFIXES)


def key_columns(frame: pd.DataFrame, extra: Iterable[str] = ()) -> list[str]:
    """The key columns of ``frame``, in its column order."""
    extra = list(extra)
    return [c for c in frame.columns if is_key_column(c, extra)]


def cell_label(row: pd.Series, keys: list[str], fallback: str) -> str:
    """A cell named by its keys only (``fallback``, e.g. ``row 3``, without keys)."""
    return ", ".join(f"{k}={row[k]}" for k in keys if k != "suppressed") or fallback


def blank_rows(table: pd.DataFrame, hide: np.ndarray, extra: Iterable[str] = ()) -> pd.DataFrame:
    """Copy of ``table`` with every non-key value of the rows in ``hide`` missing.

    Numeric value columns become float (missing is NaN); others become object (missing is
    None). Columns are converted only when some row is hidden.
    """
    table = table.copy()
    hide = np.asarray(hide, dtype=bool)
    if not hide.any():
        return table
    for column in [c for c in table.columns if not is_key_column(c, extra)]:
        values = table[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        values = values.astype(float) if numeric else values.astype(object)
        values[hide] = np.nan if numeric else None
        table[column] = values
    return table


def table_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's columns, types and values (the index is not published)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(json.dumps([str(t) for t in frame.dtypes]).encode())
    digest.update(frame.to_csv(index=False, na_rep="\x00NA").encode())
    return digest.hexdigest()


def signature(table: pd.DataFrame, suppressed: pd.DataFrame, spec: dict) -> str:
    """The seal of a check: an HMAC of its table, suppression list and rules."""
    message = "|".join([table_digest(table), table_digest(suppressed),
                        json.dumps(spec, sort_keys=True, default=str)])
    return hmac.new(_SECRET, message.encode(), hashlib.sha256).hexdigest()
