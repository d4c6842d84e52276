"""The arithmetic of :func:`~hubeval.cba.model.cost_benefit`: prepared inputs, effect paths,
present values, net jobs and break-even persistence (shared with :mod:`hubeval.cba.sensitivity`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from hubeval.cba.inputs import _baseline, _effect_path, real_costs
from hubeval.core.errors import SpecError

__all__: list[str] = []


def _extend(paths: np.ndarray, horizon: int, persistence: float) -> np.ndarray:
    """Extend (draws x observed) effect paths to ``horizon`` years with geometric decay."""
    observed = paths.shape[1]
    if horizon <= observed:
        return paths[:, :horizon]
    steps = np.arange(1, horizon - observed + 1)
    tail = paths[:, [-1]] * persistence ** steps[None, :]
    return np.concatenate([paths, tail], axis=1)


@dataclasses.dataclass(frozen=True)
class _Inputs:
    """Validated inputs, prepared once and reused by simulation and sensitivity runs."""

    costs: pd.DataFrame          # ledger with amount_real_krw
    cost_by_cohort: pd.Series    # real KRW per cohort
    baseline: pd.DataFrame       # per cohort: n_firms, value_added_krw, (employment)
    path: pd.DataFrame           # productivity effects, event time 0..E
    jobs: pd.DataFrame | None    # employment effects, event time 0..E_jobs
    first_cohort: int


def _prepare(costs, effects, baseline, employment_effects, price_index, price_base_year) -> _Inputs:
    ledger = real_costs(costs, price_index=price_index, price_base_year=price_base_year)
    path = _effect_path(effects, "effects")
    jobs = None if employment_effects is None else _effect_path(employment_effects,
                                                                 "employment_effects")
    base = _baseline(baseline, need_employment=jobs is not None)
    by_cohort = ledger.groupby(ledger["cohort"].astype(int))["amount_real_krw"].sum()
    only_costs = sorted(set(by_cohort.index) - set(base.index))
    only_base = sorted(set(base.index) - set(by_cohort.index))
    if only_costs or only_base:
        raise SpecError(
            f"Cohorts differ between `costs` and `baseline`: only in costs {only_costs}, only in "
            f"baseline {only_base}. Give each cohort a baseline row and at least one ledger row "
            "(an amount of 0 if it truly cost nothing).")
    return _Inputs(costs=ledger, cost_by_cohort=by_cohort, baseline=base, path=path, jobs=jobs,
                   first_cohort=int(base.index.min()))


def _net_factor(p: Mapping[str, float]) -> float:
    """Gross-to-net factor (HCA 2014): deadweight is already netted out by the counterfactual."""
    return (1 - p["leakage"]) * (1 - p["displacement"]) * (1 - p["substitution"]) * p["multiplier"]


def _present_values(inputs: _Inputs, p: Mapping[str, Any], paths: np.ndarray) -> tuple:
    """PV of benefits per draw (array) and PV of costs (scalar), at the first cohort's year."""
    d = 1.0 / (1.0 + p["discount_rate"])
    cohort_weight = d ** (inputs.baseline.index.to_numpy() - inputs.first_cohort)
    extended = _extend(paths, p["horizon"], p["persistence"])
    annuity = (np.expm1(extended) * d ** np.arange(extended.shape[1])).sum(axis=1)
    weighted_va = float((inputs.baseline["value_added_krw"].to_numpy(float) * cohort_weight).sum())
    pv_benefits = _net_factor(p) * weighted_va * annuity
    costs = inputs.cost_by_cohort.reindex(inputs.baseline.index).to_numpy(float)
    return pv_benefits, float((costs * cohort_weight).sum())


def _ratio(numerator, denominator):
    """Benefit-cost ratio: +inf for positive benefits at zero cost, NaN for 0/0."""
    numerator = np.asarray(numerator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = numerator / denominator if denominator > 0 else np.where(
            numerator > 0, np.inf, np.where(numerator < 0, -np.inf, np.nan))
    return out


def _net_jobs(inputs: _Inputs, p: Mapping[str, Any], paths: np.ndarray) -> np.ndarray:
    """Net additional jobs: mean over estimated post years within the horizon."""
    observed = paths[:, : min(paths.shape[1], p["horizon"])]
    employment = float(inputs.baseline["employment"].sum())
    return _net_factor(p) * employment * np.expm1(observed).mean(axis=1)


def _break_even_persistence(inputs: _Inputs, p: Mapping[str, Any]) -> tuple[float, str]:
    observed = inputs.path["estimate"].to_numpy()[None, :]
    if p["horizon"] <= observed.shape[1]:
        return np.nan, "the horizon ends within the estimated years, so persistence plays no role"

    def npv(persistence: float) -> float:
        benefits, costs = _present_values(inputs, {**p, "persistence": persistence}, observed)
        return float(benefits[0] - costs)

    if observed[0, -1] <= 0:
        return np.nan, "the last estimated effect is not positive, so persistence cannot help"
    low, high = npv(0.0), npv(1.0)
    if low >= 0:
        return 0.0, "the estimated years alone cover the costs"
    if high < 0:
        return np.nan, "even a permanent effect would not cover the costs"
    return float(optimize.brentq(npv, 0.0, 1.0, xtol=1e-10)), ""
