"""Descriptive steps of the data check: cohort means with small cells suppressed, balance counts.

Notebooks hold no logic (STYLE.md): anything more than a call and a display lives here, tested.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import PanelError
from hubeval.core.results import ResultMixin
from hubeval.data.panel import Panel
from hubeval.report.disclosure import check_min_units

__all__ = ["describe_cohorts", "DescriptiveResult", "balance_summary"]


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
    (the threshold rule of :mod:`hubeval.report.disclosure`, with its hard floor of 3 firms). Means of
    ratios and shares are not magnitude totals, so the dominance rule is not applied here; publish
    magnitude totals through :func:`hubeval.protect_table`.
    """
    min_units = check_min_units(min_units)
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


def balance_summary(matching) -> pd.DataFrame:
    """The balance table of a :class:`~hubeval.design.matching.MatchResult` with firm counts.

    Adds ``n_treated`` (participants kept on common support) and ``n_control`` (comparison firms
    with a positive weight), so the table can pass the disclosure check and be recorded.
    """
    units = matching.units
    firms = units.groupby("unit").agg(treated=("treated", "max"), weight=("weight", "sum"),
                                      in_support=("in_support", "max"))
    n_treated = int((firms["treated"] & firms["in_support"]).sum())
    n_control = int((~firms["treated"] & (firms["weight"] > 0)).sum())
    return matching.balance.assign(n_treated=n_treated, n_control=n_control,
                                   n_units=min(n_treated, n_control))
