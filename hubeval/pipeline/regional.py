"""City-level effects in one call: synthetic control with placebo inference for several outcomes.

The regional notebook calls :func:`evaluate_regional`, which fits :func:`hubeval.synth` for each
outcome, runs the placebo-in-space, placebo-in-time and leave-one-out checks of
:func:`hubeval.synth_placebo`, and stacks a tidy table. With one treated city the only honest
inference is the placebo distribution: its p-value cannot be smaller than ``1 / (J + 1)`` for
``J`` donors, and the table says so.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from hubeval.core.errors import SpecError
from hubeval.core.results import ResultMixin, recorded_warnings, result_field
from hubeval.synthetic.control import synth
from hubeval.synthetic.placebo import synth_placebo

__all__ = ["evaluate_regional", "RegionalResult"]


@dataclasses.dataclass(frozen=True)
class RegionalResult(ResultMixin):
    """Synthetic-control effects on several city outcomes, with placebo inference.

    Attributes
    ----------
    estimates : DataFrame
        One row per outcome: ``outcome, term, estimate, percent, p_value`` (placebo in space, post/
        pre RMSPE ratio rank), ``min_p_value``, ``n_donors``, ``pre_rmspe``, ``placebo_time_effect``,
        ``leave_one_out_min``, ``leave_one_out_max``, ``method``, ``evidence_level``, ``role``
        (``outcome`` or ``placebo``).
    gaps : DataFrame
        Treated minus synthetic by period, stacked over outcomes.
    fits, placebos : dict
        The :class:`SynthResult` and :class:`SynthPlaceboResult` of each outcome.
    """

    estimates: pd.DataFrame
    gaps: pd.DataFrame
    fits: dict = result_field(serialize="omit")  # fitted models: rendered on their own
    placebos: dict = result_field(serialize="omit")
    spec: dict
    warnings: tuple = ()
    title = "City-level effects: synthetic control with placebo inference"

    def __getitem__(self, outcome: str):
        if outcome not in self.placebos:
            raise KeyError(f"`{outcome}` was not evaluated; evaluated: {', '.join(self.placebos)}")
        return self.placebos[outcome]


def evaluate_regional(data: pd.DataFrame, *, outcomes: Sequence[str], unit: str = "city",
                      time: str = "year", treated_unit="Gwangyang", treatment_time=2011,
                      method: str = "synth", donors: Sequence | None = None,
                      placebo_outcomes: Sequence[str] = (), alpha: float = 0.05) -> RegionalResult:
    """Fit a synthetic control for each city outcome and run its placebo checks.

    Parameters
    ----------
    data : DataFrame
        City-year panel (e.g. ``data/example/cities.csv``).
    outcomes : list of str
        City outcomes, e.g. manufacturing employment, industrial investment, complex occupancy;
        add an outcome the program cannot plausibly move (population) as a placebo outcome.
    placebo_outcomes : list of str
        Outcomes in ``outcomes`` the program should not move (e.g. population): marked
        ``role="placebo"`` in the table, so a significant effect there warns against the design.
    unit, time, treated_unit, treatment_time, method, donors, alpha
        As :func:`hubeval.synth`.

    Returns
    -------
    RegionalResult
    """
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    if not outcomes:
        raise SpecError("`outcomes` is empty; name at least one city outcome (e.g. 'mfg_employment').")
    stray = [o for o in placebo_outcomes if o not in outcomes]
    if stray:
        raise SpecError(f"`placebo_outcomes` {', '.join(stray)} not in `outcomes` ({', '.join(outcomes)}); "
                        "add them to `outcomes` too.")
    fits, placebos, rows, gaps = {}, {}, [], []
    with recorded_warnings() as notes:
        for outcome in outcomes:
            fit = synth(data, unit=unit, time=time, outcome=outcome, treated_unit=treated_unit,
                        treatment_time=treatment_time, method=method, donors=donors, alpha=alpha)
            placebo = synth_placebo(fit)
            fits[outcome], placebos[outcome] = fit, placebo
            rows.append(_row(outcome, fit, placebo, method)
                        | {"role": "placebo" if outcome in placebo_outcomes else "outcome"})
            gaps.append(fit.gaps.assign(outcome=outcome))
    spec = dict(outcomes=outcomes, unit=unit, time=time, treated_unit=treated_unit,
                treatment_time=treatment_time, method=method, placebo_outcomes=list(placebo_outcomes),
                alpha=alpha)
    return RegionalResult(pd.DataFrame(rows), pd.concat(gaps, ignore_index=True), fits, placebos,
                              spec, tuple(notes))


def _row(outcome, fit, placebo, method) -> dict:
    head = fit.estimates.iloc[0]
    table = placebo.estimates.set_index("term")["estimate"]
    return {
        "outcome": outcome, "term": "att (post-period average gap)", "estimate": float(head["estimate"]),
        "percent": float(head.get("percent", float("nan"))), "p_value": float(placebo.p_value),
        "min_p_value": float(placebo.min_p_value), "n_donors": int(fit.n_donors),
        "n_units": int(fit.n_donors) + 1, "pre_rmspe": float(fit.pre_rmspe),
        "placebo_time_effect": float(table.get("att_placebo_time", float("nan"))),
        "leave_one_out_min": float(table.get("att_leave_one_out_min", float("nan"))),
        "leave_one_out_max": float(table.get("att_leave_one_out_max", float("nan"))),
        "method": method, "evidence_level": 3,
    }
