"""The program's own method: participants' mean change from before entry to after.

:func:`before_after` uses participants only: the mean change from the year before entry to some
years after. It has no comparison group, so it is **descriptive, not causal** (level 1 of 5 on
the Maryland Scientific Methods Scale): secular growth, selection of growing firms and mean
reversion after a bad year (an Ashenfelter dip) are all inside it. Its result says so wherever it
is shown. It is hand-written because it is a paired mean. Compare it with
:func:`hubeval.att_gt`, :func:`hubeval.imputation` and :func:`hubeval.twfe`.

References
----------
Ashenfelter, O. (1978). Estimating the effect of training programs on earnings. Review of
    Economics and Statistics 60(1), 47-57.
Madaleno, M. & Waights, S. (2016). Guide to scoring methods using the Maryland Scientific Methods
    Scale. What Works Centre for Local Economic Growth.
"""
from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError, format_examples
from hubeval.core.results import ResultMixin, add_inference, result_field
from hubeval.data.panel import Panel
from hubeval.did._common import (
    EffectResultMixin,
    check_choice,
    check_outcome,
    is_log_outcome,
    treated_by_cohort,
)

__all__ = ["before_after", "BeforeAfterResult", "BeforeAfterScale"]

BeforeAfterScale = Literal["percent", "level", "log"]

#: Evidence label (Maryland Scientific Methods Scale) carried by the result.
DESIGN_BEFORE_AFTER = "before-after (level 1 of 5, descriptive)"
NOTE_BEFORE_AFTER = (
    "Descriptive, not causal: participants only, no comparison group (Maryland SMS level 1 of 5). "
    "Secular growth, selection of growing firms and mean reversion after a bad pre-entry year "
    "(Ashenfelter dip) are all inside this number; compare with the difference-in-differences "
    "estimates.")


@dataclasses.dataclass(frozen=True)
class BeforeAfterResult(EffectResultMixin):
    """Mean change of participants from event time ``pre`` to ``post``: descriptive, not causal.

    Attributes
    ----------
    estimates : DataFrame
        One row per quantity (``term``): ``mean_before``, ``mean_after``, ``change_level``,
        ``percent_change_of_means``, ``mean_firm_percent_change``, ``change_log`` (log outcomes
        and ``scale="log"``), each with tidy inference columns and ``n_treated``.
    headline_term : str
        The row chosen by ``scale``.
    n_units : int
        Participants observed at both event times.
    n_treated : dict
        Those participants per cohort.
    firms : DataFrame
        Per-firm before/after values (confidential: never publish as is).
    """

    estimates: pd.DataFrame
    spec: dict
    headline_term: str
    n_units: int
    n_treated: dict
    firms: pd.DataFrame = result_field(serialize="omit")  # per-firm values: confidential
    design: str = DESIGN_BEFORE_AFTER
    note: str = NOTE_BEFORE_AFTER
    title = "Before/after change of participants (descriptive, not causal)"

    def summary(self) -> str:
        """A plain-text summary (the percent rows are already in the table)."""
        return ResultMixin.summary(self)

    def percent(self) -> pd.DataFrame:
        """The rows that are percent changes (levels are not converted)."""
        return self.estimates[self.estimates["term"].str.contains("percent")].reset_index(drop=True)

    def headline(self) -> pd.Series:
        """The row selected by ``scale`` (with ``term``, ``estimate`` and interval)."""
        return self.estimates.set_index("term").loc[self.headline_term].rename(self.headline_term)


def before_after(panel: Panel, *, outcome: str, post: int = 1, pre: int = -1,
                 scale: BeforeAfterScale = "percent", alpha: float = 0.05) -> BeforeAfterResult:
    """The program's own claim: participants' mean change from before entry to after.

    For every participant observed (non-missing ``outcome``) at event time ``pre`` and at event
    time ``post`` (years since entry, entry year = 0), the firm-level change is formed; the result
    reports mean levels before and after, the mean change in levels, the percent change of the
    means, the mean of firm-level percent changes and, with ``scale="log"``, the mean change in
    logs. Standard errors come from the paired firm-level changes (Student t, ``n - 1`` df; the
    percent change of means by the delta method). Firms with a non-positive value before entry
    are left out of the mean of firm-level percent changes only.

    This is **descriptive, not causal** (Maryland SMS level 1): there is no comparison group.

    Parameters
    ----------
    panel : Panel
    outcome : str
        Outcome column. Names starting ``log_``/``ln_`` are treated as logs: changes are in log
        points and the percent row is ``100 * (exp(change) - 1)``.
    post, pre : int
        Event times compared (default: the year after the program year vs the year before it).
    scale : {"percent", "level", "log"}
        Which row is the headline (used by comparison plots): percent change of means, change in
        level, or mean change in logs (log points; requires positive values).
    alpha : float
        1 - confidence level.

    Returns
    -------
    BeforeAfterResult

    Raises
    ------
    SpecError
        Unknown outcome or scale, ``pre >= post``, no participant observed at both event times.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(300, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> res = hb.before_after(panel, outcome="y", scale="level")
    >>> res.design
    'before-after (level 1 of 5, descriptive)'
    """
    check_outcome(panel, outcome, function="before_after")
    check_choice("scale", scale, BeforeAfterScale)
    if not (isinstance(pre, (int, np.integer)) and isinstance(post, (int, np.integer))) or pre >= post:
        raise SpecError(f"`pre` and `post` must be whole event times with pre < post; got pre={pre!r}, "
                        f"post={post!r}. The default compares the year before entry (-1) with the year "
                        "after (1).")
    firms = _paired_changes(panel, outcome, pre, post)
    log_outcome = is_log_outcome(outcome)
    if scale == "log" and not log_outcome and (firms[["before", "after"]] <= 0).any().any():
        raise SpecError(f"`scale='log'` needs positive values of '{outcome}', but "
                        f"{int((firms[['before', 'after']] <= 0).any(axis=1).sum())} firm(s) have a "
                        "zero or negative value at `pre` or `post`. Use scale='level' or 'percent'.")
    rows = _before_after_rows(firms, log_outcome, scale)
    table = pd.DataFrame(rows)
    n = len(firms)
    table = add_inference(table, alpha=alpha, df=max(n - 1, 1))
    table["n_treated"] = n
    table = table[["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high",
                   "n_treated"]]
    for term in ("mean_before", "mean_after"):  # levels are not tests of zero
        table.loc[table["term"] == term, ["statistic", "p_value"]] = np.nan
    headline = {"level": "change_level", "log": "change_log",
                "percent": "percent_change" if log_outcome else "percent_change_of_means"}[scale]
    spec = dict(estimator="before_after", outcome=outcome, pre=int(pre), post=int(post), scale=scale,
                alpha=alpha, log_outcome=log_outcome)
    return BeforeAfterResult(table.reset_index(drop=True), spec, headline, n,
                             treated_by_cohort(firms, panel), firms)


def _paired_changes(panel: Panel, outcome: str, pre: int, post: int) -> pd.DataFrame:
    data = panel.data
    data["_event_time"] = panel.event_time().to_numpy()
    data = data[data[outcome].notna()]
    wide = {}
    for name, k in (("before", pre), ("after", post)):
        rows = data[data["_event_time"] == k]
        if rows.empty:
            raise SpecError(
                f"`{'pre' if name == 'before' else 'post'}={k}`: no participant has a non-missing "
                f"'{outcome}' at event time {k} (years since entry). Observed event times: "
                f"{format_examples(sorted(int(e) for e in data['_event_time'].dropna().unique()), 20)}."
                " Choose event times inside that range.")
        wide[name] = rows.set_index(panel.unit)[outcome]
    firms = pd.concat(wide, axis=1, join="inner").reset_index()
    if firms.empty:
        raise SpecError(f"No participant has '{outcome}' at both event time {pre} and {post}, so no "
                        "before/after change can be formed. Choose other event times.")
    cohorts = panel.unit_cohorts
    firms[panel.cohort] = firms[panel.unit].map(cohorts).to_numpy()
    return firms


def _before_after_rows(firms: pd.DataFrame, log_outcome: bool, scale: str) -> list[dict]:
    before, after = firms["before"].to_numpy(float), firms["after"].to_numpy(float)
    n = len(firms)
    change = after - before

    def mean_se(values):
        values = values[np.isfinite(values)]
        se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.nan
        return float(values.mean()) if len(values) else np.nan, float(se)

    rows = [dict(zip(("term", "estimate", "std_error"), ("mean_before",) + mean_se(before))),
            dict(zip(("term", "estimate", "std_error"), ("mean_after",) + mean_se(after))),
            dict(zip(("term", "estimate", "std_error"), ("change_level",) + mean_se(change)))]
    if log_outcome:
        est, se = mean_se(change)
        rows.append(dict(term="percent_change", estimate=100 * np.expm1(est),
                         std_error=100 * np.exp(est) * se))
    else:
        ratio = after.mean() / before.mean() if before.mean() != 0 else np.nan
        # Delta method for a ratio of paired means: linearise a_i - r b_i.
        lin = (after - ratio * before) / before.mean() if np.isfinite(ratio) else np.full(n, np.nan)
        se = 100 * lin.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        rows.append(dict(term="percent_change_of_means", estimate=100 * (ratio - 1), std_error=se))
        with np.errstate(divide="ignore", invalid="ignore"):
            firm_pct = np.where(before > 0, 100 * (after / before - 1), np.nan)
        rows.append(dict(zip(("term", "estimate", "std_error"),
                             ("mean_firm_percent_change",) + mean_se(firm_pct))))
    if scale == "log" and not log_outcome:
        rows.append(dict(zip(("term", "estimate", "std_error"),
                             ("change_log",) + mean_se(np.log(after) - np.log(before)))))
    elif scale == "log":
        rows.append(dict(zip(("term", "estimate", "std_error"), ("change_log",) + mean_se(change))))
    return rows
