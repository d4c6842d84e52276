"""The catalogue of every batch under ``runs/``: which batches exist, and any store table of all of them.

Each batch folder's results store (:mod:`hubeval.store.tables`) is a set of Parquet files, so the
results of all batches can be read together::

    hb.catalog()                          # one row per batch folder
    hb.catalog(table="estimates")         # every batch's estimates, with batch and folder first

or, without hubeval, with DuckDB: ``SELECT * FROM 'runs/*/*/estimates.parquet'``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from hubeval.core.errors import ParameterError
from hubeval.core.paths import project_path
from hubeval.store.tables import INDEX_FILE, read_store

__all__ = ["catalog", "CATALOG_COLUMNS"]

#: Columns of :func:`catalog` without ``table``.
CATALOG_COLUMNS = ["batch", "batch_folder", "created", "status", "n_runs", "n_failed",
                   "n_estimates", "n_statistics", "tables", "git_commit"]


def _batch_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob(f"*/*/{INDEX_FILE}")
                  if not any(part.startswith(".") for part in p.relative_to(root).parts))


def _manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError:
        return {}


def catalog(root: str | Path = "runs", *, table: str | None = None,
            batch: str | None = None) -> pd.DataFrame:
    """Every batch folder under ``root``, or one store table of all of them stacked.

    Parameters
    ----------
    root : str or Path, default "runs"
        The runs folder (relative paths are taken from the project root).
    table : str, optional
        A store table (``estimates``, ``statistics``, ``runs``, ``descriptives``, ...). Default:
        the index of batches (:data:`CATALOG_COLUMNS`), newest last.
    batch : str, optional
        Only the folders of this batch name (e.g. ``"main"``).

    Returns
    -------
    pandas.DataFrame
        With ``table``: ``batch, batch_folder`` then the table's columns; batches that did not
        record the table are left out.

    Raises
    ------
    ParameterError
        When ``root`` is not a folder, or ``table`` is in no batch (the message lists the tables
        that exist).
    """
    base = project_path(root)
    if not base.is_dir():
        raise ParameterError(f"`root` `{base}` is not a folder: pass the runs folder (default "
                             "`runs`, where `hubeval run` writes batches).")
    folders = [f for f in _batch_folders(base) if batch is None or f.parent.name == batch]
    if table is None:
        rows = []
        for folder in folders:
            manifest = _manifest(folder)
            index = pd.read_csv(folder / INDEX_FILE, encoding="utf-8-sig")
            count = dict(zip(index["table"], index["rows"]))
            runs = manifest.get("runs", [])
            rows.append({"batch": folder.parent.name, "batch_folder": str(folder),
                         "created": manifest.get("created"), "status": manifest.get("status"),
                         "n_runs": len(runs),
                         "n_failed": sum(r.get("status") == "failed" for r in runs),
                         "n_estimates": int(count.get("estimates", 0)),
                         "n_statistics": int(count.get("statistics", 0)),
                         "tables": ", ".join(index["table"].astype(str)),
                         "git_commit": ((manifest.get("environment") or {}).get("git") or {}).get("commit")})
        out = pd.DataFrame(rows, columns=CATALOG_COLUMNS)
        return out.sort_values(["created", "batch_folder"], kind="stable").reset_index(drop=True)
    frames, seen = [], set()
    for folder in folders:
        tables = read_store(folder) or {}
        seen |= set(tables)
        if table in tables:
            frame = tables[table]
            frame.insert(0, "batch_folder", str(folder))
            frame.insert(0, "batch", folder.parent.name)
            frames.append(frame)
    if not frames:
        found = ", ".join(sorted(seen)) or "none (no batch folder with a results store)"
        raise ParameterError(f"No batch under `{base}` has a table `{table}`; tables found: {found}.")
    return pd.concat(frames, ignore_index=True, sort=False)
