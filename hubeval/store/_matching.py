"""Matching two batches' store tables row by row, for :func:`hubeval.store.compare.compare_batches`.

Key columns are typed the same way on both sides (text as strings, cohort/time/event_time as
nullable integers) so that a missing key matches a missing key; rows with equal keys pair up in
the order they were recorded.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from hubeval.core.errors import ParameterError
from hubeval.store.schema import ESTIMATE_KEYS

__all__ = ["STATISTIC_KEYS", "compare_estimates", "compare_statistics",
           "compare_mappings", "compare_runs", "parse_by_run"]

#: Columns that identify a statistic (a ``glance()`` number) across batches.
STATISTIC_KEYS = ["run_id", "record", "outcome", "estimator", "term", "statistic"]
_INTEGER_KEYS = ("cohort", "time", "event_time")
_RUN_COLUMNS = ["run_id", "status_a", "status_b", "in_a", "in_b"]


def _keyed(frame: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """``frame`` with typed key columns (missing ones added as NA), an occurrence number among
    rows with equal keys (so repeated keys pair up in order) and its row position."""
    out = pd.DataFrame(index=range(len(frame)))
    for column in keys:
        raw = frame[column].reset_index(drop=True) if column in frame.columns \
            else pd.Series(pd.NA, index=out.index)
        if column in _INTEGER_KEYS:
            out[column] = pd.to_numeric(raw, errors="coerce").round().astype("Int64")
        else:
            out[column] = raw.astype("string")
    out["_occurrence"] = out.groupby(keys, dropna=False, sort=False).cumcount()
    out["_position"] = np.arange(len(out))
    for column in values:
        out[column] = frame[column].to_numpy() if column in frame.columns else np.nan
    return out


def _pair(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Outer match of two tables on ``keys``: A's order first, then the rows only in B."""
    numeric = [v for v in values if v not in ("label", "unit")]
    left, right = (_keyed(t, keys, values) for t in (a, b))
    for side in (left, right):
        for column in numeric:
            side[column] = pd.to_numeric(side[column], errors="coerce").astype(float)
    merged = left.merge(right, on=keys + ["_occurrence"], how="outer", suffixes=("_a", "_b"),
                        indicator=True)
    merged = merged.sort_values(["_position_a", "_position_b"], na_position="last", kind="stable")
    for column in set(values) - set(numeric):  # text carried for reading: B's, else A's
        merged[column] = merged[f"{column}_b"].combine_first(merged[f"{column}_a"])
    return merged.reset_index(drop=True)


def _status(merged: pd.DataFrame, equal: pd.Series, moved: pd.Series | None = None) -> pd.Series:
    status = pd.Series(np.where(equal, "same", "changed"), index=merged.index, dtype=object)
    if moved is not None:
        status[moved] = "moved"
    status[merged["_merge"] == "left_only"] = "only_a"
    status[merged["_merge"] == "right_only"] = "only_b"
    return status


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a == b) | (a.isna() & b.isna())


def compare_estimates(a: pd.DataFrame, b: pd.DataFrame, threshold: float) -> pd.DataFrame:
    merged = _pair(a, b, ESTIMATE_KEYS, ["label", "estimate", "std_error"])
    difference = merged["estimate_b"] - merged["estimate_a"]
    se_a, se_b = merged["std_error_a"], merged["std_error_b"]
    se = se_a.where(se_a > 0, se_b.where(se_b > 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        difference_se = (difference / se).where(difference != 0, difference * 0)
    # an estimate in one batch only, or one that was lost (or found) in a re-run, moved
    lost = merged["estimate_a"].isna() != merged["estimate_b"].isna()
    one_side = (merged["_merge"] != "both") | lost
    moved = (difference_se.abs() > threshold) | one_side
    equal = _same(merged["estimate_a"], merged["estimate_b"]) & _same(se_a, se_b)
    out = merged[ESTIMATE_KEYS + ["label", "estimate_a", "estimate_b", "std_error_a",
                                  "std_error_b"]].copy()
    out["difference"], out["difference_se"] = difference, difference_se
    out["moved"] = moved.to_numpy(dtype=bool)
    out["status"] = _status(merged, equal, moved)
    return out


def compare_statistics(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    merged = _pair(a, b, STATISTIC_KEYS, ["value", "unit", "label"])
    out = merged[STATISTIC_KEYS + ["value_a", "value_b"]].copy()
    out["difference"] = merged["value_b"] - merged["value_a"]
    out["unit"], out["label"] = merged["unit"], merged["label"]
    out["status"] = _status(merged, _same(merged["value_a"], merged["value_b"]))
    return out


def parse_by_run(runs: pd.DataFrame, column: str, which: str) -> dict[str, dict]:
    """``{run_id: parsed JSON of column}``; missing text reads as ``{}``."""
    out = {}
    if runs.empty or not {"run_id", column} <= set(runs.columns):
        return out
    for run_id, text in zip(runs["run_id"].astype(str), runs[column]):
        if not isinstance(text, str) or not text.strip():
            out[run_id] = {}
            continue
        try:
            out[run_id] = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParameterError(f"The `{column}` of run `{run_id}` in batch {which} is not JSON "
                                 f"({exc.msg}): {text[:60]!r}. Re-run the batch.") from None
    return out


def _shown(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def compare_mappings(a: dict, b: dict, columns: list[str]) -> pd.DataFrame:
    """One row per key whose value differs in a run present in both batches."""
    rows, missing = [], object()
    for run_id in (r for r in a if r in b):
        left, right = a[run_id], b[run_id]
        for key in dict.fromkeys([*left, *right]):
            va, vb = left.get(key, missing), right.get(key, missing)
            if va is not missing and vb is not missing and _canonical(va) == _canonical(vb):
                continue
            rows.append([run_id, key, None if va is missing else _shown(va),
                         None if vb is missing else _shown(vb)])
    return pd.DataFrame(rows, columns=columns[:4])


def _canonical(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def compare_runs(runs_a, runs_b, estimates_a, estimates_b) -> pd.DataFrame:
    def table(runs, estimates):
        if not runs.empty and "run_id" in runs.columns:
            status = runs["status"] if "status" in runs.columns else pd.Series(pd.NA, index=runs.index)
            return pd.DataFrame({"run_id": runs["run_id"].astype(str), "status": status.to_numpy()})
        ids = estimates["run_id"].astype(str).unique() if "run_id" in estimates.columns else []
        return pd.DataFrame({"run_id": ids, "status": pd.NA})

    merged = table(runs_a, estimates_a).merge(table(runs_b, estimates_b), on="run_id", how="outer",
                                              suffixes=("_a", "_b"), indicator=True, sort=False)
    merged["in_a"] = merged["_merge"] != "right_only"
    merged["in_b"] = merged["_merge"] != "left_only"
    return merged[_RUN_COLUMNS].reset_index(drop=True)
