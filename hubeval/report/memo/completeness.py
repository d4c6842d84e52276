"""Is the batch behind a memo complete? Which parts are missing when a run failed.

The runner records every run's status in the batch's ``manifest.json`` (read back as
:attr:`hubeval.BatchResult.runs`); a failed run does not stop the memo, which then rests on the
runs that finished. :func:`missing_parts` lists what failed before the memo ran (an outcome
family, the regional synthetic control, the data check or another run) and
:func:`incomplete_sentences` says so at the top of the memo, in the catalogue's words.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from hubeval.report.figures import LABELS, label
from hubeval.report.memo.text import text
from hubeval.store.results import BatchResult

__all__ = ["missing_parts", "incomplete_sentences", "MISSING_COLUMNS"]

#: Columns of :func:`missing_parts`.
MISSING_COLUMNS = ["run", "notebook", "part", "family", "error"]
_UNFINISHED = ("running", "pending")
_ERROR_CHARS = 200


def _stage(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def _part(notebook: str, params: dict) -> tuple[str, str | None]:
    stem = Path(str(notebook)).stem
    if params.get("family"):
        return "family", str(params["family"])
    if "regional" in stem:
        return "regional", None
    if "data_check" in stem:
        return "data_check", None
    return "run", None


def _before_memo(manifest: dict) -> list[dict]:
    """The manifest's runs before the memo's stage (all of them once the batch finished)."""
    entries = list(manifest.get("runs", []))
    unfinished = [_stage(e.get("stage")) for e in entries if e.get("status") in _UNFINISHED]
    if not unfinished:
        return entries
    return [e for e in entries if _stage(e.get("stage")) < min(unfinished)]


def missing_parts(results: BatchResult) -> pd.DataFrame:
    """The runs that failed before the memo ran, and which part of the evaluation each held.

    Runs of the memo's own stage (the earliest stage with a run still running or pending, i.e.
    the one executing the memo) and later ones are not counted; read after the batch finished,
    every failed run is.

    Returns
    -------
    DataFrame
        One row per failed run: ``run, notebook, part`` (``family``, ``regional``,
        ``data_check`` or ``run``), ``family`` (the outcome family of an outcome run) and
        ``error`` (the runner's one-line message). Empty when the batch is complete.
    """
    rows = []
    for entry in _before_memo(results.manifest):
        if entry.get("status") != "failed":
            continue
        part, family = _part(entry.get("notebook", ""), entry.get("params") or {})
        rows.append((entry.get("id"), entry.get("notebook"), part, family, entry.get("error")))
    return pd.DataFrame(rows, columns=MISSING_COLUMNS)


def _error(value, lang: str) -> str:
    if not isinstance(value, str) or not value.strip():
        return text("incomplete_no_error", lang)
    value = " ".join(value.split())
    return value if len(value) <= _ERROR_CHARS else value[:_ERROR_CHARS - 3].rstrip() + "..."


def _item(row, lang: str) -> str:
    error = _error(row.error, lang)
    if row.part == "family":
        family = label(row.family, lang) if row.family in LABELS else row.family
        return text("incomplete_family", lang, family=family, run=row.run, error=error)
    if row.part in ("regional", "data_check"):
        return text(f"incomplete_{row.part}", lang, run=row.run, error=error)
    return text("incomplete_run", lang, run=row.run, notebook=row.notebook, error=error)


def _rerun_command(manifest: dict) -> str:
    source, root = manifest.get("source"), manifest.get("root")
    if not source:
        return "hubeval run BATCH_FILE --resume"
    try:
        shown = Path(source).relative_to(root) if root else Path(source)
    except ValueError:
        shown = Path(source)
    return f"hubeval run {shown} --resume"


def incomplete_sentences(results: BatchResult, lang: str) -> tuple[str, tuple[str, ...]]:
    """The memo's notice of an incomplete batch: an introduction and one item per missing part.

    Returns ``("", ())`` when nothing failed before the memo ran.
    """
    missing = missing_parts(results)
    if missing.empty:
        return "", ()
    intro = text("incomplete_intro", lang, n_failed=len(missing),
                 n_runs=len(_before_memo(results.manifest)),
                 batch=results.manifest.get("batch") or Path(str(results.folder)).parent.name,
                 command=_rerun_command(results.manifest))
    return intro, tuple(_item(row, lang) for row in missing.itertuples(index=False))
