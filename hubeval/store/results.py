"""A batch's results: one :class:`BatchResult`, returned by the runner and read back for the memo.

:func:`hubeval.run_batch` returns it when a batch finishes; :func:`load_batch_results` reads the
same thing back from a batch folder (its ``results.csv`` and ``manifest.json``), so the memo, a
notebook or a script see one object whichever way they got the batch.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from hubeval.core.errors import ParameterError
from hubeval.core.paths import project_path
from hubeval.core.results import ResultMixin, result_field
from hubeval.store.records import KEY_COLUMNS, collect_records

__all__ = ["BatchResult", "load_batch_results", "read_batch", "RUN_COLUMNS"]

#: Columns of :attr:`BatchResult.runs`, one row per run of the batch.
RUN_COLUMNS = ["id", "notebook", "stage", "status", "error", "duration", "folder"]
_OK = ("ok", "reused")


def _path_text(value: Path | None) -> str | None:
    return None if value is None else str(value)


@dataclasses.dataclass(frozen=True)
class BatchResult(ResultMixin):
    """What a batch produced: its collected records and how each run went.

    Attributes
    ----------
    estimates : DataFrame
        The comparison rows of every outcome (naive claim and causal estimates, one scale each).
    event_studies : DataFrame
        Callaway-Sant'Anna event studies, stacked, with an ``outcome`` column.
    regional : DataFrame
        Synthetic-control effects (empty when the batch had no regional run).
    records : DataFrame
        Everything in ``results.csv``: one row per recorded estimate, key columns ``run_id,
        notebook, record, outcome`` first.
    spec : dict
        ``results_dir``: the batch folder.
    folder : Path or None
        The batch folder ``runs/<batch>/<timestamp>-<id>/``.
    runs : DataFrame
        One row per run: ``id, notebook, stage, status, error, duration, folder`` (empty when the
        folder has no ``manifest.json``).
    manifest : dict
        The contents of ``manifest.json`` (empty when there is none).
    """

    estimates: pd.DataFrame = result_field(repr=False)
    event_studies: pd.DataFrame = result_field(serialize="omit", repr=False)
    regional: pd.DataFrame = result_field(serialize="omit", repr=False)
    records: pd.DataFrame = result_field(serialize="omit", repr=False)
    spec: dict = dataclasses.field(default_factory=dict)
    folder: Path | None = result_field(serialize=_path_text, default=None)
    runs: pd.DataFrame = result_field(default_factory=lambda: pd.DataFrame(columns=RUN_COLUMNS),
                                      repr=False)
    manifest: dict = result_field(serialize="omit", default_factory=dict, repr=False)
    title = "Batch results"

    @property
    def ok(self) -> bool:
        """True when every run succeeded (ran or was reused)."""
        return bool(self.runs["status"].isin(_OK).all())

    @property
    def failed(self) -> list[str]:
        """Ids of the runs that failed."""
        return self.runs.loc[self.runs["status"] == "failed", "id"].tolist()

    def summary(self) -> str:
        """One line per run and where the outputs are."""
        lines = [f"batch folder: {self.folder}", f"results: {self._results_path()} "
                 f"({len(self.records)} rows)"]
        for row in self.runs.itertuples():
            detail = row.error if row.status == "failed" else _seconds(row.duration)
            lines.append(f"  {row.status:<7} {row.id}: {detail}")
        return "\n".join(lines)

    def _results_path(self) -> Path | str:
        return self.folder / "results.csv" if self.folder is not None else "(not saved)"

    def _repr_html_(self) -> str:
        from hubeval.core.html import block, result_html

        return result_html(title=self.title, lines=[f"batch {self.folder}"],
                           blocks=[block("Runs", table=self.runs), block("Estimates", table=self.estimates)])


def _seconds(value) -> str:
    return f"{value:.1f} s" if isinstance(value, (int, float)) and value == value else ""


def _runs_table(manifest: dict) -> pd.DataFrame:
    rows = [{k: entry.get(k) for k in RUN_COLUMNS} for entry in manifest.get("runs", [])]
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def _pick(records: pd.DataFrame, name: str) -> pd.DataFrame:
    if "record" not in records.columns:
        return pd.DataFrame(columns=KEY_COLUMNS)
    rows = records[records["record"] == name].dropna(axis=1, how="all")
    return rows.reset_index(drop=True)


def read_batch(folder: str | Path, *, manifest: dict | None = None) -> BatchResult:
    """The :class:`BatchResult` of a batch folder, whatever it holds (no checks).

    Parameters
    ----------
    folder : str or Path
        A batch folder; its ``results.csv`` is read, or its records collected when missing.
    manifest : dict, optional
        The batch's manifest (default: the folder's ``manifest.json``, if any).
    """
    folder = Path(folder)
    path = folder / "results.csv"
    records = pd.read_csv(path) if path.exists() else collect_records(folder)
    if manifest is None:
        manifest_path = folder / "manifest.json"
        manifest = (json.loads(manifest_path.read_text(encoding="utf-8"))
                    if manifest_path.exists() else {})
    return BatchResult(estimates=_pick(records, "comparison"),
                       event_studies=_pick(records, "event_study"),
                       regional=_pick(records, "synth_effect"), records=records,
                       spec={"results_dir": str(folder)}, folder=folder,
                       runs=_runs_table(manifest), manifest=manifest)


def load_batch_results(results_dir: str | Path) -> BatchResult:
    """Read a batch folder's ``results.csv`` (or its records) and manifest, for the memo.

    Parameters
    ----------
    results_dir : str or Path
        The batch folder printed by ``hubeval run`` (``runs/<batch>/<timestamp>-<id>``).

    Returns
    -------
    BatchResult
        The same object :func:`hubeval.run_batch` returned for that batch.

    Raises
    ------
    ParameterError
        The folder or its results are missing, or no outcome notebook recorded a comparison.
    """
    folder = project_path(results_dir) if results_dir is not None else None
    if folder is None or not folder.is_dir():
        raise ParameterError(f"`results_dir` `{folder}` is not a folder. Pass the batch folder printed "
                             "by `hubeval run` (runs/<batch>/<timestamp>-<id>).")
    result = read_batch(folder)
    if result.records.empty or "record" not in result.records.columns:
        raise ParameterError(f"No results in `{folder}`: results.csv is missing or empty. Run the outcome "
                             "notebooks first (the memo runs last in params/batches/main.yaml).")
    if result.estimates.empty:
        raise ParameterError(f"No `comparison` records in `{folder}`: no run of the outcome notebook "
                             "(notebooks/10_outcomes.ipynb, one run per outcome family) finished. "
                             "Check the batch log.")
    return result
