"""A batch's results: one :class:`BatchResult`, returned by the runner and read back for the memo.

:func:`hubeval.run_batch` returns it when a batch finishes; :func:`load_batch_results` reads the
same thing back from a batch folder's results store (:mod:`hubeval.store.tables`: ``runs``,
``estimates``, ``statistics`` and the other tables), so the memo, a notebook or a script see one
object whichever way they got the batch. Every number is found by columns
(``estimator``, ``aggregation``, ``term`` code, ``statistic`` code), never by a label's text.
"""
from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import pandas as pd

from hubeval.core.errors import ParameterError
from hubeval.core.paths import project_path
from hubeval.core.results import ResultMixin, result_field
from hubeval.store.schema import (
    ESTIMATE_COLUMNS,
    RUN_TABLE_COLUMNS,
    STATISTIC_COLUMNS,
    conform_estimates,
    conform_statistics,
)
from hubeval.store.tables import collect_store, read_store, runs_table

__all__ = ["BatchResult", "load_batch_results", "read_batch", "RUN_COLUMNS"]

#: Columns of :attr:`BatchResult.runs`, one row per run of the batch.
RUN_COLUMNS = RUN_TABLE_COLUMNS
_OK = ("ok", "reused")


def _path_text(value: Path | None) -> str | None:
    return None if value is None else str(value)


def _empty_estimates() -> pd.DataFrame:
    return conform_estimates(pd.DataFrame(columns=ESTIMATE_COLUMNS))


def _empty_statistics() -> pd.DataFrame:
    return conform_statistics(pd.DataFrame(columns=STATISTIC_COLUMNS))


@dataclasses.dataclass(frozen=True)
class BatchResult(ResultMixin):
    """What a batch produced: its results store and how each run went.

    Attributes
    ----------
    estimates : DataFrame
        One row per estimated term of every run, always the columns of
        :data:`hubeval.store.schema.ESTIMATE_COLUMNS`.
    statistics : DataFrame
        Per-model numbers, long: ``run_id, record, outcome, estimator, term, statistic, value,
        unit, label``.
    tables : dict of str to DataFrame
        The other kinds (``data_quality``, ``descriptives``, ``balance``, ``gaps``, ``regional``,
        ``event_study_vcov``, ``sensitivity``, ``memo_files``, ...), each ``run_id, record,
        outcome`` first.
    runs : DataFrame
        One row per run: ``run_id, notebook, stage, status, error, duration, folder, params``
        (JSON), ``data`` (JSON of data file hashes); empty without a manifest.
    spec : dict
        ``results_dir``: the batch folder.
    folder : Path or None
        The batch folder ``runs/<batch>/<timestamp>-<id>/``.
    manifest : dict
        The contents of ``manifest.json`` (empty when there is none).
    """

    estimates: pd.DataFrame = result_field(default_factory=_empty_estimates, repr=False)
    statistics: pd.DataFrame = result_field(default_factory=_empty_statistics, repr=False)
    tables: dict = result_field(serialize="omit", default_factory=dict, repr=False)
    runs: pd.DataFrame = result_field(default_factory=lambda: pd.DataFrame(columns=RUN_COLUMNS),
                                      repr=False)
    spec: dict = dataclasses.field(default_factory=dict)
    folder: Path | None = result_field(serialize=_path_text, default=None)
    manifest: dict = result_field(serialize="omit", default_factory=dict, repr=False)
    title = "Batch results"
    # `comparison`, `event_studies` and `regional` are computed once per object (cached), so a
    # figure drawn from one of them can be checked against the very table it drew

    def table(self, name: str) -> pd.DataFrame:
        """A table of another kind by name (empty when the batch did not record it)."""
        frame = self.tables.get(name)
        return frame.copy() if frame is not None else pd.DataFrame(columns=["run_id", "record", "outcome"])

    def rows(self, record: str, outcome: str | None = None) -> pd.DataFrame:
        """The ``estimates`` of one record (and outcome), in recorded order."""
        rows = self.estimates[self.estimates["record"] == record]
        if outcome is not None:
            rows = rows[rows["outcome"] == outcome]
        return rows.reset_index(drop=True)

    def statistic(self, statistic: str, *, outcome: str | None = None, record: str | None = None,
                  term: str | None = None) -> pd.DataFrame:
        """Rows of ``statistics`` with code ``statistic`` (optionally one outcome/record/term)."""
        table = self.statistics
        keep = table["statistic"] == statistic
        for column, value in (("outcome", outcome), ("record", record), ("term", term)):
            if value is not None:
                keep &= table[column] == value
        return table[keep.fillna(False)].reset_index(drop=True)

    @functools.cached_property
    def comparison(self) -> pd.DataFrame:
        """The outcome notebooks' comparison rows: naive claim and causal estimates."""
        return self.rows("comparison")

    @functools.cached_property
    def event_studies(self) -> pd.DataFrame:
        """Callaway-Sant'Anna event studies of every outcome, stacked."""
        return self.rows("event_study")

    @functools.cached_property
    def regional(self) -> pd.DataFrame:
        """Synthetic-control effects (the ``regional`` table; empty without a regional run)."""
        return self.table("regional")

    def params(self, run_id: str) -> dict:
        """The parameters of run ``run_id`` (from the ``runs`` table)."""
        row = self.runs[self.runs["run_id"] == run_id]
        if row.empty or pd.isna(row["params"].iloc[0]):
            return {}
        return json.loads(row["params"].iloc[0])

    def parameter(self, name: str) -> pd.Series:
        """One parameter of every run that has it, indexed by run id."""
        values = {}
        for run_id in self.runs["run_id"].dropna():
            params = self.params(run_id)
            if name in params:
                values[run_id] = params[name]
        return pd.Series(values, dtype=object, name=name)

    @property
    def ok(self) -> bool:
        """True when every run succeeded (ran or was reused)."""
        return bool(self.runs["status"].isin(_OK).all())

    @property
    def failed(self) -> list[str]:
        """Ids of the runs that failed."""
        return self.runs.loc[self.runs["status"] == "failed", "run_id"].tolist()

    def summary(self) -> str:
        """One line per run and where the outputs are."""
        lines = [f"batch folder: {self.folder}",
                 f"results store: {len(self.estimates)} estimates, {len(self.statistics)} "
                 f"statistics, tables {', '.join(sorted(self.tables)) or '(none)'}"]
        for row in self.runs.itertuples():
            detail = row.error if row.status == "failed" else _seconds(row.duration)
            lines.append(f"  {row.status:<7} {row.run_id}: {detail}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from hubeval.core.html import block, result_html

        runs = self.runs.drop(columns=["params", "data", "folder"], errors="ignore")
        return result_html(title=self.title, lines=[f"batch {self.folder}"],
                           blocks=[block("Runs", table=runs),
                                   block("Comparison", table=self.comparison)])


def _seconds(value) -> str:
    return f"{value:.1f} s" if isinstance(value, (int, float)) and value == value else ""


def from_tables(tables: dict[str, pd.DataFrame], *, folder: Path | None = None,
                manifest: dict | None = None) -> BatchResult:
    """A :class:`BatchResult` from store tables (``runs``, ``estimates``, ``statistics``, others)."""
    manifest = manifest or {}
    others = {k: v for k, v in tables.items() if k not in ("runs", "estimates", "statistics")}
    runs = tables.get("runs")
    return BatchResult(estimates=tables.get("estimates", _empty_estimates()),
                       statistics=tables.get("statistics", _empty_statistics()),
                       tables=others,
                       runs=runs if runs is not None else runs_table(manifest),
                       spec={"results_dir": str(folder) if folder is not None else None},
                       folder=folder, manifest=manifest)


def read_batch(folder: str | Path, *, manifest: dict | None = None) -> BatchResult:
    """The :class:`BatchResult` of a batch folder, whatever it holds (no checks).

    Parameters
    ----------
    folder : str or Path
        A batch folder; its results store is read, or gathered from its records when missing.
    manifest : dict, optional
        The batch's manifest (default: the folder's ``manifest.json``, if any).
    """
    folder = Path(folder)
    if manifest is None:
        manifest_path = folder / "manifest.json"
        manifest = (json.loads(manifest_path.read_text(encoding="utf-8"))
                    if manifest_path.exists() else {})
    tables = read_store(folder) or collect_store(folder, manifest=manifest)
    return from_tables(tables, folder=folder, manifest=manifest)


def load_batch_results(results_dir: str | Path) -> BatchResult:
    """Read a batch folder's results store and manifest (for the memo, a notebook or a script).

    Parameters
    ----------
    results_dir : str or Path
        The batch folder printed by ``hubeval run`` (``runs/<batch>/<timestamp>-<id>``).

    Returns
    -------
    BatchResult
        The same object :func:`hubeval.run_batch` returned for that batch: ``runs``,
        ``estimates``, ``statistics`` and ``tables``.

    Raises
    ------
    ParameterError
        The folder or its results are missing, or no outcome notebook recorded a comparison.

    Examples
    --------
    >>> import hubeval as hb
    >>> batch = hb.load_batch_results("runs/main/20261202-101500-1a2b3c")  # doctest: +SKIP
    >>> batch.estimates.query("estimator == 'callaway_santanna' and term == 'att'")  # doctest: +SKIP
    """
    folder = project_path(results_dir) if results_dir is not None else None
    if folder is None or not folder.is_dir():
        raise ParameterError(f"`results_dir` `{folder}` is not a folder. Pass the batch folder printed "
                             "by `hubeval run` (runs/<batch>/<timestamp>-<id>).")
    result = read_batch(folder)
    if result.estimates.empty and result.statistics.empty and not result.tables:
        if any(folder.glob("*/records/*.json")):
            raise ParameterError(
                f"`{folder}` holds records written by an earlier hubeval (before the results "
                "store: no `store` rows in records/*.json, no tables.csv). Run the batch again "
                "with this version (hubeval run params/batches/<batch>.yaml); the old folder "
                "stays as it is.")
        raise ParameterError(f"No results in `{folder}`: it has no results store (tables.csv) and no "
                             "records. Run the outcome notebooks first (the memo runs last in "
                             "params/batches/main.yaml).")
    if result.comparison.empty:
        raise ParameterError(f"No `comparison` records in `{folder}`: no run of the outcome notebook "
                             "(notebooks/10_outcomes.ipynb, one run per outcome family) finished. "
                             "Check the batch log.")
    return result
