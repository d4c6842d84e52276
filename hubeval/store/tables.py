"""A batch's results store: the tidy tables the runner writes into each batch folder.

After every stage the runner gathers the ``store`` rows of every record (:mod:`hubeval.store.parts`)
and the manifest's runs into these files, each as CSV (UTF-8 with a byte-order mark, so Excel opens
Korean text) and Parquet (typed, for pandas, DuckDB or Arrow):

==================  ====================================================================
``runs``            one row per run: id, notebook, stage, status, duration, parameters
                    (JSON), data file hashes (JSON)
``estimates``       one row per estimated term, always the columns of
                    :data:`hubeval.store.schema.ESTIMATE_COLUMNS`
``statistics``      per-model numbers, long: ``statistic, value, unit`` (a ``glance()``)
other kinds         ``data_quality``, ``missing``, ``descriptives``, ``balance``, ``gaps``,
                    ``regional``, ``event_study_vcov``, ``sensitivity``, ``memo_files``, ...
``tables.csv``      the index: each table's name, rows, columns and what it holds
==================  ====================================================================

``records/*.json`` stay the lossless archive; the tables are rebuilt from them at any time with
:func:`collect_store`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from hubeval.core.results import to_jsonable
from hubeval.store.records import PRIVATE_PARAMS, read_record_documents
from hubeval.store.schema import (
    ESTIMATE_COLUMNS,
    RUN_TABLE_COLUMNS,
    STATISTIC_COLUMNS,
    conform_estimates,
    conform_statistics,
    conform_table,
)

__all__ = ["collect_store", "write_store", "read_store", "runs_table", "DESCRIPTIONS",
           "CORE_TABLES", "INDEX_FILE"]

CORE_TABLES = ("runs", "estimates", "statistics")
INDEX_FILE = "tables.csv"
#: What each table of the store holds (the index's ``description``).
DESCRIPTIONS = {
    "runs": "one row per run: notebook, stage, status, duration, parameters (JSON), data hashes (JSON)",
    "estimates": "one row per estimated term (fixed columns: estimator, aggregation, term, estimate, "
                 "std_error, intervals, scale, counts, evidence level)",
    "statistics": "per-model numbers in long form (statistic, value, unit): n, pre-trend test, MDE, "
                  "breakdown M-bar, placebo p-values, NPV, BCR, ...",
    "data_quality": "the data check's summary items (rows read and kept, units, participants, ...)",
    "missing": "missing values per column of the firm data",
    "descriptives": "participants per cohort and covariate means",
    "balance": "covariate balance (standardised differences) before and after matching",
    "gaps": "synthetic control: treated, synthetic and gap by year",
    "regional": "synthetic control effects with placebo p-values, donors and role (outcome/placebo)",
    "event_study_vcov": "covariance of each event study's estimates (event_time x event_time_other)",
    "sensitivity": "Rambachan-Roth robust intervals by M-bar",
    "memo_files": "files the memo published (kind, name, format, path)",
    "specification_curve": "the headline effect of every specification of a robustness batch, "
                           "sorted, with its choices (hb.specification_curve)",
}


def runs_table(manifest: dict) -> pd.DataFrame:
    """The ``runs`` table of a manifest (:data:`~hubeval.store.schema.RUN_TABLE_COLUMNS`)."""
    rows = []
    for entry in manifest.get("runs", []):
        params = {k: v for k, v in (entry.get("params") or {}).items() if k not in PRIVATE_PARAMS}
        rows.append({"run_id": entry.get("id"), "notebook": entry.get("notebook"),
                     "stage": entry.get("stage"), "status": entry.get("status"),
                     "error": entry.get("error"), "duration": entry.get("duration"),
                     "folder": entry.get("folder"),
                     "params": json.dumps(to_jsonable(params), ensure_ascii=False, sort_keys=True),
                     "data": json.dumps(entry.get("data") or {}, sort_keys=True)})
    out = pd.DataFrame(rows, columns=RUN_TABLE_COLUMNS)
    out["stage"] = pd.to_numeric(out["stage"], errors="coerce").astype("Int64")
    out["duration"] = pd.to_numeric(out["duration"], errors="coerce").astype("float64")
    for column in ("run_id", "notebook", "status", "error", "folder", "params", "data"):
        out[column] = out[column].astype(object).where(out[column].notna(), None).astype("string")
    return out


def _frames(documents: list[dict], kind: str) -> list[pd.DataFrame]:
    frames = []
    for doc in documents:
        rows = (doc.get("store") or {}).get(kind)
        if rows:
            frames.append(pd.DataFrame(rows).assign(run_id=doc.get("run_id") or ""))
    return frames


def collect_store(folder: str | Path, *, manifest: dict | None = None,
                  order: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Gather a batch folder's records into the store's tables.

    Parameters
    ----------
    folder : str or Path
        A batch folder (or one run's folder).
    manifest : dict, optional
        The batch manifest, for the ``runs`` table (empty without one).
    order : list of str, optional
        Run folder names in run order (default: the manifest's run order).

    Returns
    -------
    dict of str to DataFrame
        ``runs``, ``estimates``, ``statistics`` (always, possibly empty, with their fixed
        columns) and one table per other kind recorded, each with ``run_id, record, outcome``
        first.
    """
    manifest = manifest or {}
    order = order if order is not None else [e.get("id") for e in manifest.get("runs", [])]
    documents = read_record_documents(folder, order=order)
    runs = runs_table(manifest)
    unlisted = {}  # runs recorded outside this manifest (e.g. a folder assembled by hand)
    for doc in documents:
        run_id = doc.get("run_id") or ""
        if run_id not in set(runs["run_id"]) and run_id not in unlisted:
            unlisted[run_id] = {"id": run_id, "notebook": doc.get("notebook"),
                                "params": doc.get("params") or {}}
    if unlisted:
        runs = pd.concat([runs, runs_table({"runs": list(unlisted.values())})], ignore_index=True)
    estimates = _frames(documents, "estimates")
    statistics = _frames(documents, "statistics")
    out = {"runs": runs,
           "estimates": conform_estimates(pd.concat(estimates, ignore_index=True)) if estimates
           else conform_estimates(pd.DataFrame(columns=ESTIMATE_COLUMNS)),
           "statistics": conform_statistics(pd.concat(statistics, ignore_index=True)) if statistics
           else conform_statistics(pd.DataFrame(columns=STATISTIC_COLUMNS))}
    kinds: dict[str, list[pd.DataFrame]] = {}
    for doc in documents:
        for kind, rows in ((doc.get("store") or {}).get("tables") or {}).items():
            if rows:
                kinds.setdefault(kind, []).append(pd.DataFrame(rows).assign(
                    run_id=doc.get("run_id") or ""))
    for kind in sorted(kinds):
        out[kind] = conform_table(pd.concat(kinds[kind], ignore_index=True, sort=False))
    return out


def _replace(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_store(folder: str | Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write ``tables`` into ``folder`` as ``<name>.csv`` (UTF-8 with BOM) and ``<name>.parquet``,
    and the index ``tables.csv``; each file is replaced atomically. Returns the index's path."""
    folder = Path(folder)
    index = []
    for name, frame in tables.items():
        _replace(folder / f"{name}.csv",
                 lambda p, f=frame: f.to_csv(p, index=False, encoding="utf-8-sig"))
        _replace(folder / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
        index.append({"table": name, "rows": len(frame), "columns": len(frame.columns),
                      "description": DESCRIPTIONS.get(name, "recorded table")})
    stale = {p.stem for p in folder.glob("*.parquet")} - set(tables)
    for name in stale:  # a kind no longer recorded (e.g. after --resume): its old files go
        for suffix in (".csv", ".parquet"):
            (folder / f"{name}{suffix}").unlink(missing_ok=True)
    path = folder / INDEX_FILE
    _replace(path, lambda p: pd.DataFrame(index, columns=["table", "rows", "columns", "description"])
             .to_csv(p, index=False, encoding="utf-8-sig"))
    return path


def _read(folder: Path, name: str) -> pd.DataFrame:
    parquet = folder / f"{name}.parquet"
    if parquet.exists():
        return pd.read_parquet(parquet)
    frame = pd.read_csv(folder / f"{name}.csv", encoding="utf-8-sig")
    if name == "estimates":
        return conform_estimates(frame)
    if name == "statistics":
        return conform_statistics(frame)
    return frame


def read_store(folder: str | Path) -> dict[str, pd.DataFrame] | None:
    """The store tables of a batch folder (Parquet, else CSV), or None when it has none."""
    folder = Path(folder)
    index = folder / INDEX_FILE
    if not index.exists():
        return None
    names = pd.read_csv(index, encoding="utf-8-sig")["table"].astype(str).tolist()
    return {name: _read(folder, name) for name in names}
