"""One-call steps the notebooks use: load a panel from parameters, describe it, read a batch back.

Notebooks hold no logic (STYLE.md): anything more than a call and a display lives here, tested.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .disclosure import _check_min_units
from .errors import DataWarning, ParameterError, PanelError
from .outcomes import derive_outcomes
from .panel import Panel
from .results import ResultMixin, to_jsonable

__all__ = ["load_panel", "describe_cohorts", "DescriptiveResult", "load_batch_results", "BatchResults",
           "load_cities", "report_folder", "balance_summary"]


def load_panel(data_path: str | Path, *, unit: str = "firm_id", time: str = "year",
               cohort: str | None = "cohort", treatment: str | None = None,
               columns: Mapping[str, str] | None = None, encoding: str | None = None,
               price_index: str | Path | Mapping | None = None, price_column: str | None = None,
               base_year: int | None = None, coerce_numeric: bool = False,
               drop_always_treated: bool = False) -> Panel:
    """Load a firm panel from a file and derive every outcome: the first step of each notebook.

    Parameters
    ----------
    data_path : path
        CSV (UTF-8 or CP949), Excel or Parquet firm-year table.
    unit, time, cohort, treatment, columns, encoding, coerce_numeric, drop_always_treated
        As :class:`hubeval.Panel`.
    price_index : path or mapping, optional
        Deflator by year: a mapping, or a CSV with a ``year`` column and one index column (named by
        ``price_column`` when it has several).
    base_year : int, optional
        Base year of real prices (default: where the index is 100).

    Returns
    -------
    Panel
        With derived outcomes (see :func:`hubeval.derive_outcomes`).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        panel = Panel(data_path, unit=unit, time=time, cohort=cohort, treatment=treatment,
                      columns=columns, encoding=encoding, coerce_numeric=coerce_numeric,
                      drop_always_treated=drop_always_treated)
    index = _read_price_index(price_index, price_column)
    derived = derive_outcomes(panel, price_index=index, base_year=base_year)
    for w in caught:  # re-issue once, for the notebook to show
        warnings.warn(w.message, w.category, stacklevel=2)
    return derived


def _read_price_index(price_index, price_column):
    if price_index is None or isinstance(price_index, Mapping):
        return price_index
    path = Path(price_index)
    if not path.exists():
        raise PanelError(f"Price index file `{path}` does not exist. Point `price_index` to a CSV with "
                         "a `year` column and an index column, or leave it empty for nominal values.")
    table = pd.read_csv(path)
    value_columns = [c for c in table.columns if c != "year"]
    if "year" not in table.columns or not value_columns:
        raise PanelError(f"Price index file `{path}` needs a `year` column and an index column; found "
                         f"columns {', '.join(map(str, table.columns))}.")
    column = price_column or value_columns[0]
    if column not in table.columns:
        raise PanelError(f"`price_column` `{column}` is not in `{path}`; choose one of "
                         f"{', '.join(value_columns)}.")
    if price_column is None and len(value_columns) > 1:
        raise PanelError(f"Price index file `{path}` has several index columns ({', '.join(value_columns)});"
                         " name the one to use with `price_column`.")
    return dict(zip(table["year"].astype(int), table[column].astype(float)))


def load_cities(data_path: str | Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read the city-level panel (for :func:`hubeval.synth`) with the same encoding detection."""
    from .io import read_table
    frame, _ = read_table(data_path, encoding=encoding)
    return frame


@dataclasses.dataclass(frozen=True)
class DescriptiveResult(ResultMixin):
    """Descriptive table by group, with cells on too few firms suppressed (disclosure control)."""

    estimates: pd.DataFrame
    spec: dict
    suppressed: tuple = ()
    title = "Descriptive statistics by cohort (pre-entry year means)"


def describe_cohorts(panel: Panel, *, columns: Sequence[str] = ("employment", "va_per_worker",
                     "cost_ratio", "investment_rate", "posco_supplier"), year: str = "pre",
                     min_units: int = 5) -> DescriptiveResult:
    """Means of ``columns`` per cohort and for never-participants, with firm counts.

    ``year="pre"`` uses each participant's last year before entry (event time -1) and, for
    never-participants, every year before the first cohort; ``year="all"`` uses every row. Means
    resting on fewer than ``min_units`` firms are suppressed (NaN) and listed in ``suppressed``
    (the threshold rule of :mod:`hubeval.disclosure`, with its hard floor of 3 firms). Means of
    ratios and shares are not magnitude totals, so the dominance rule is not applied here; publish
    magnitude totals through :func:`hubeval.protect_table`.
    """
    min_units = _check_min_units(min_units)
    missing = [c for c in columns if c not in panel.data.columns]
    if missing:
        raise PanelError(f"Column(s) {', '.join(f'`{c}`' for c in missing)} not in the panel; describe "
                         f"one of: {', '.join(panel.outcomes[:15])}.")
    data = panel.data.assign(_rel=panel.event_time())
    first = panel.cohorts.min()
    if year == "pre":
        keep = (data["_rel"] == -1) | (~np.isfinite(data[panel.cohort]) & (data[panel.time] < first))
        data = data[keep]
    cohorts = data[panel.cohort].to_numpy(float)
    group = np.array([str(int(c)) if np.isfinite(c) else "never" for c in cohorts], dtype=object)
    table = data.groupby(group)[list(columns)].mean()
    counts = data.groupby(group)[panel.unit].nunique().rename("n_units")
    table = pd.concat([counts, table], axis=1).reset_index(names="cohort")
    small = table["n_units"] < min_units
    table.loc[small, list(columns)] = np.nan
    suppressed = tuple(f"cohort {c}: {n} firm(s) < {min_units}" for c, n in
                       zip(table.loc[small, "cohort"], table.loc[small, "n_units"]))
    return DescriptiveResult(table, dict(columns=list(columns), year=year, min_units=min_units), suppressed)


@dataclasses.dataclass(frozen=True)
class BatchResults(ResultMixin):
    """The collected results of a batch, read back for the memo.

    Attributes
    ----------
    estimates : DataFrame
        The comparison rows of every outcome (naive claim and causal estimates, one scale each).
    event_studies : DataFrame
        Callaway-Sant'Anna event studies, stacked, with an ``outcome`` column.
    regional : DataFrame
        Synthetic-control effects (empty when the batch had no regional run).
    records : DataFrame
        Everything in ``results.csv``.
    """

    estimates: pd.DataFrame
    event_studies: pd.DataFrame
    regional: pd.DataFrame
    records: pd.DataFrame
    spec: dict
    title = "Batch results"

    def to_dict(self) -> dict:
        return {"type": type(self).__name__, "spec": to_jsonable(self.spec),
                "estimates": to_jsonable(self.estimates)}


def load_batch_results(results_dir: str | Path) -> BatchResults:
    """Read a batch folder's ``results.csv`` (or its records) for the memo.

    Raises
    ------
    ParameterError
        The folder or its results are missing, or no outcome notebook recorded a comparison.
    """
    from .record import collect_records

    folder = Path(results_dir)
    if not folder.is_dir():
        raise ParameterError(f"`results_dir` `{folder}` is not a folder. Pass the batch folder printed "
                             "by `hubeval run` (runs/<batch>/<timestamp>-<id>).")
    path = folder / "results.csv"
    records = pd.read_csv(path) if path.exists() else collect_records(folder)
    if records.empty or "record" not in records.columns:
        raise ParameterError(f"No results in `{folder}`: results.csv is missing or empty. Run the outcome "
                             "notebooks first (the memo runs last in params/batches/main.yaml).")
    comparison = records[records["record"] == "comparison"].dropna(axis=1, how="all")
    if comparison.empty:
        raise ParameterError(f"No `comparison` records in `{folder}`: none of the outcome notebooks "
                             "(10_productivity ... 40_jobs) finished. Check the batch log.")
    studies = records[records["record"] == "event_study"].dropna(axis=1, how="all")
    regional = records[records["record"] == "synth_effect"].dropna(axis=1, how="all")
    return BatchResults(comparison.reset_index(drop=True), studies.reset_index(drop=True),
                        regional.reset_index(drop=True), records, {"results_dir": str(folder)})


def report_folder(results_dir: str | Path, reports_dir: str | Path = "reports") -> Path:
    """A new folder for a batch's memo under ``reports_dir``, named after the batch folder.

    ``runs/main/20261126-101500-ab12cd`` gives ``reports/main/20261126-101500-ab12cd``: one
    folder per batch, so a memo never overwrites an earlier one. Created if missing.
    """
    batch = Path(results_dir).resolve()
    folder = Path(reports_dir) / batch.parent.name / batch.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def balance_summary(matching) -> pd.DataFrame:
    """The balance table of a :class:`~hubeval.matching.MatchResult` with firm counts.

    Adds ``n_treated`` (participants kept on common support) and ``n_control`` (comparison firms
    with a positive weight), so the table can pass the disclosure check and be recorded.
    """
    units = matching.units
    firms = units.groupby("unit").agg(treated=("treated", "max"), weight=("weight", "sum"),
                                      in_support=("in_support", "max"))
    n_treated = int((firms["treated"] & firms["in_support"]).sum())
    n_control = int((~firms["treated"] & (firms["weight"] > 0)).sum())
    return matching.estimates.assign(n_treated=n_treated, n_control=n_control,
                                     n_units=min(n_treated, n_control))
