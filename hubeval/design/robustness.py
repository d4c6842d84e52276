"""Robustness re-estimations: placebo entry years, placebo outcomes and subgroup effects.

:func:`placebo_entry` re-estimates with fake entry years before the true one (on pre-entry data
only); :func:`placebo_outcomes` estimates effects on outcomes the program cannot have moved;
:func:`subgroup_effects` estimates effects by subgroup and flags subgroups with fewer than 5 firms
(the disclosure floor). The sensitivity analysis of Rambachan & Roth is in
:mod:`hubeval.inference.honest`.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationWarning, SpecError
from hubeval.core.results import ResultMixin, add_inference

__all__ = ["RobustnessResult", "placebo_entry", "placebo_outcomes", "subgroup_effects"]


# --- placebo tests and heterogeneity -------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class RobustnessResult(ResultMixin):
    """Placebo or subgroup estimates of the Callaway-Sant'Anna simple ATT.

    ``estimates`` has the tidy columns plus ``n_treated``, ``n_control`` and ``flag`` (e.g.
    ``"fewer than 5 firms"``); ``statement`` reads the table in one sentence.
    """

    title = "Robustness check"
    estimates: pd.DataFrame
    statement: str
    spec: dict
    warnings: tuple = ()

    @property
    def note(self) -> str:
        return self.statement


def _simple_att(panel, outcome: str, control: str, alpha: float) -> dict:
    from hubeval.did.aggregation import aggregate
    from hubeval.did.staggered import att_gt
    gt = att_gt(panel, outcome=outcome, control=control)
    overall = aggregate(gt, by="simple").overall
    n_treated = int(sum(gt.n_treated.values())) if isinstance(gt.n_treated, dict) else int(gt.n_treated)
    return dict(estimate=overall["estimate"], std_error=overall["std_error"], n_treated=n_treated,
                n_control=int(gt.n_units - n_treated))


def placebo_entry(panel, *, outcome: str, shift: int = 2, control: str = "never_treated",
                  alpha: float = 0.05) -> RobustnessResult:
    """Placebo test with fake entry ``shift`` years before the true one, on pre-entry data only.

    Each participant's years from its true entry on are dropped and its cohort moved ``shift``
    years earlier; participants left without a year before the fake entry are dropped (counted).
    Under parallel trends (and no anticipation) the simple ATT of the fake program is zero; a
    significant estimate signals diverging pre-trends or an Ashenfelter dip.
    """
    if not (isinstance(shift, (int, np.integer)) and shift >= 1):
        raise SpecError(f"`shift` must be a positive integer number of years; got {shift!r}.")
    data = panel.data
    cohort = data[panel.cohort]
    keep = ~np.isfinite(cohort) | (data[panel.time] < cohort)
    fake = data.loc[keep].assign(**{panel.cohort: cohort[keep] - shift})
    first = fake.groupby(panel.unit)[panel.time].transform("min")
    usable = ~np.isfinite(fake[panel.cohort]) | (fake[panel.cohort] > first)
    dropped = int(fake.loc[~usable, panel.unit].nunique())
    if not usable[np.isfinite(fake[panel.cohort])].any():
        raise SpecError(f"`shift={shift}` leaves no participant with a year before its fake entry; use a "
                        "smaller shift or add earlier years.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        placebo_panel = panel.with_data(fake.loc[usable])
        row = _simple_att(placebo_panel, outcome, control, alpha)
    table = add_inference(pd.DataFrame([dict(term=f"placebo entry {shift} years early", **row)]), alpha=alpha)
    table["flag"] = np.where(table["n_treated"] < 5, "fewer than 5 firms", "")
    p = float(table["p_value"].iloc[0])
    statement = (f"Fake entry {shift} years early: {row['estimate']:+.4f} (p = {p:.3f}). "
                 + ("No sign of diverging pre-trends." if p >= alpha else
                    "Significant: participants were already diverging before entry (pre-trend or "
                    "Ashenfelter dip); the DiD estimates need a conditional or robust design."))
    notes = (f"{dropped} participant(s) had no year before the fake entry and were dropped.",) if dropped else ()
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    return RobustnessResult(table, statement, dict(outcome=outcome, shift=shift, control=control,
                                                   alpha=alpha), notes)


def placebo_outcomes(panel, *, outcomes: Sequence[str], control: str = "never_treated",
                     alpha: float = 0.05) -> RobustnessResult:
    """The simple ATT on outcomes the program cannot have moved, with Holm-adjusted p-values."""
    from hubeval.inference.multiple_testing import holm
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for outcome in outcomes:
            rows.append(dict(term=f"placebo outcome {outcome}", **_simple_att(panel, outcome, control, alpha)))
    table = add_inference(pd.DataFrame(rows), alpha=alpha)
    table["p_holm"] = holm(table["p_value"])
    table["flag"] = np.where(table["p_holm"] < alpha, "placebo effect", "")
    bad = table.loc[table["p_holm"] < alpha, "term"].tolist()
    statement = ("No placebo outcome moves (Holm-adjusted)." if not bad else
                 f"Placebo outcome(s) move: {', '.join(bad)}: the comparison group differs in ways the "
                 "design does not remove.")
    return RobustnessResult(table, statement, dict(outcomes=list(outcomes), control=control, alpha=alpha))


def subgroup_effects(panel, *, outcome: str, by: str, control: str = "never_treated",
                     min_firms: int = 5, alpha: float = 0.05) -> RobustnessResult:
    """Simple ATT by subgroup (firm size, industry, POSCO link, ...), flagging small subgroups.

    Participants *and* comparison firms are restricted to each level of the firm-level column
    ``by`` (its value in the firm's first year), so each subgroup has its own counterfactual.
    Subgroups with fewer than ``min_firms`` participants are flagged ("fewer than 5 firms": not
    publishable under the disclosure rules) and those without comparison firms are skipped.
    With ``by`` the panel's cohort column, the effects by cohort of ``hb.aggregate(...,
    by="cohort")`` are returned instead (all cohorts share the comparison group).
    """
    if by not in panel.data.columns:
        raise SpecError(f"`by`: column `{by}` not found in the panel.")
    if by == panel.cohort:
        return _cohort_effects(panel, outcome, control, min_firms, alpha)
    data = panel.data
    level = data.groupby(panel.unit)[by].first()
    rows, notes = [], []
    for value in pd.unique(level.dropna()):
        units = level.index[level == value]
        sub = data[data[panel.unit].isin(units)]
        treated = sub.loc[np.isfinite(sub[panel.cohort]), panel.unit].nunique()
        control_n = sub.loc[~np.isfinite(sub[panel.cohort]), panel.unit].nunique()
        if treated == 0 or control_n == 0:
            notes.append(f"Subgroup {by}={value} skipped: {treated} participants, {control_n} comparison firms.")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                row = _simple_att(panel.with_data(sub), outcome, control, alpha)
        except Exception as exc:  # an estimator error in one subgroup must not hide the others
            notes.append(f"Subgroup {by}={value} could not be estimated: {exc}")
            continue
        rows.append(dict(term=f"{by}={value}", subgroup=value, **row))
    if not rows:
        raise SpecError(f"No subgroup of `{by}` has both participants and comparison firms.")
    table = add_inference(pd.DataFrame(rows), alpha=alpha)
    table["flag"] = np.where(table["n_treated"] < min_firms, f"fewer than {min_firms} firms", "")
    small = int((table["flag"] != "").sum())
    statement = (f"Effects by `{by}` in {len(table)} subgroups"
                 + (f"; {small} rest on fewer than {min_firms} participating firms and must not be "
                    "published" if small else "") + ".")
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    return RobustnessResult(table, statement, dict(outcome=outcome, by=by, control=control,
                                                   min_firms=min_firms, alpha=alpha), tuple(notes))


def _cohort_effects(panel, outcome, control, min_firms, alpha) -> RobustnessResult:
    from hubeval.did.aggregation import aggregate
    from hubeval.did.staggered import att_gt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = aggregate(att_gt(panel, outcome=outcome, control=control, alpha=alpha), by="cohort")
    table = agg.estimates.copy()
    table["subgroup"] = table["cohort"]
    table["flag"] = np.where(table["n_treated"] < min_firms, f"fewer than {min_firms} firms", "")
    small = int((table["flag"] != "").sum())
    statement = (f"Effects by cohort ({len(table)} cohorts)"
                 + (f"; {small} rest on fewer than {min_firms} firms and must not be published" if small else "")
                 + ".")
    return RobustnessResult(table, statement, dict(outcome=outcome, by="cohort", control=control,
                                                   min_firms=min_firms, alpha=alpha))
