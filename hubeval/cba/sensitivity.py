"""One-at-a-time sensitivity analysis of the cost-benefit result (the tornado-chart table).

Each setting of :func:`hubeval.cba.model.cost_benefit` is moved to the low and high end of its
documented range (:data:`hubeval.cba.inputs.SENSITIVITY_RANGES`: discount rate 3.5% and 5.5%, horizon
5 and 15 years, each additionality parameter over its range) with the others at the base case,
plus the effect path at the ends of its joint confidence interval. Deterministic: no simulation.

*The effect bar and the simulation.* The ``effect`` row moves the whole effect path to where the
present value of benefits reaches the ends of its ``1 - alpha`` interval under the joint normal
distribution of the event-time estimates (``vcov``, or independent errors without it): the path
``b +/- z * V g / sqrt(g' V g)``, with ``g`` the gradient of the benefits with respect to the path,
is the most likely path given that the benefits sit at that bound. To first order it therefore
reproduces the simulation interval of :func:`~hubeval.cba.model.cost_benefit` with the same
``vcov``; the other rows vary one assumption at a time, which the simulation holds fixed.

References
----------
Boardman, A., Greenberg, D., Vining, A. and Weimer, D. (2018). *Cost-Benefit Analysis:
Concepts and Practice*, 5th ed., ch. 11 (partial sensitivity analysis).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hubeval.core.results import normal_quantile
from hubeval.cba._arithmetic import _prepare, _present_values, _ratio
from hubeval.cba.inputs import ADDITIONALITY_DEFAULTS, SENSITIVITY_RANGES
from hubeval.cba.model import _covariance, _settings
from hubeval.core.errors import SpecError
from hubeval.core.results import ResultMixin

__all__ = ["CostBenefitSensitivityResult", "cba_sensitivity"]


@dataclasses.dataclass(frozen=True)
class CostBenefitSensitivityResult(ResultMixin):
    """One-at-a-time sensitivity of NPV and BCR: the table behind a tornado chart.

    Attributes
    ----------
    estimates : pandas.DataFrame
        Long table: ``term`` (the parameter varied), ``scenario`` ("low" / "high"),
        ``value`` and ``value_label`` (the setting), ``estimate`` (the NPV) and ``bcr``; terms
        ordered by the NPV swing, largest first. Deviates from the shared tidy columns because a
        scenario has no standard error.
    base_npv, base_bcr : float
        The base case.
    spec : dict
        Base settings and the ranges used.
    """

    estimates: pd.DataFrame
    base_npv: float
    base_bcr: float
    spec: dict
    title = "Cost-benefit sensitivity"


def _value_label(term: str, value: Any) -> str:
    if term == "discount_rate":
        return f"{value:.1%}"
    if term == "horizon":
        return f"{value}"
    if term == "effect":
        return value
    return f"{value:g}"


def cba_sensitivity(costs: pd.DataFrame, effects: Any, *, baseline: Mapping | pd.DataFrame,
                    ranges: Mapping[str, tuple] | None = None, alpha: float = 0.05,
                    vcov: Any = None, **settings: Any) -> CostBenefitSensitivityResult:
    """Vary each setting over its range, one at a time, and record NPV and BCR.

    Parameters
    ----------
    costs, effects, baseline
        As for :func:`cost_benefit`.
    ranges : mapping of parameter to (low, high), optional
        Overrides of :data:`SENSITIVITY_RANGES` (discount rate 3.5/5.5%, horizon 5/15 and the
        additionality parameters over their documented ranges).
    alpha : float, default 0.05
        The ``effect`` row uses the effect path at the ``1 - alpha`` bounds of the benefits.
    vcov : array, optional
        Covariance of the post-treatment estimates (as for :func:`cost_benefit`); without it
        the event-time errors are taken as independent.
    **settings
        Base-case settings of :func:`cost_benefit` (``discount_rate``, ``horizon``,
        ``persistence``, ``displacement``, ``leakage``, ``substitution``, ``multiplier``,
        ``price_index``, ``price_base_year``).

    Returns
    -------
    CostBenefitSensitivityResult

    Raises
    ------
    SpecError
        Unknown parameters in ``ranges`` or ``settings``, or any invalid value.
    """
    allowed = {"discount_rate", "horizon", *ADDITIONALITY_DEFAULTS}
    unknown = sorted(set(settings) - allowed - {"price_index", "price_base_year"})
    bad_ranges = sorted(set(ranges or {}) - allowed)
    if unknown or bad_ranges:
        raise SpecError(f"Unknown setting(s) {unknown + bad_ranges}; vary one of {sorted(allowed)}.")
    ranges = {**SENSITIVITY_RANGES, **(ranges or {})}
    prices = {k: settings.pop(k) for k in ("price_index", "price_base_year") if k in settings}
    base = {"discount_rate": 0.045, "horizon": 10, **ADDITIONALITY_DEFAULTS, **settings}
    base = _settings(**base)
    inputs = _prepare(costs, effects, baseline, None, prices.get("price_index"),
                      prices.get("price_base_year"))
    point = inputs.path["estimate"].to_numpy()

    def run(p: Mapping[str, Any], path: np.ndarray = point) -> tuple[float, float]:
        benefits, pv_costs = _present_values(inputs, p, path[None, :])
        return float(benefits[0] - pv_costs), float(_ratio(benefits[0], pv_costs))

    base_npv, base_bcr = run(base)
    rows = []
    for term, (low, high) in ranges.items():
        for scenario, value in (("low", low), ("high", high)):
            varied = _settings(**{**base, term: value})
            rows.append((term, scenario, float(value), _value_label(term, value), *run(varied)))
    shift = _joint_shift(inputs, base, _covariance(inputs.path, vcov))
    z = normal_quantile(1 - alpha / 2)
    for scenario, sign in (("low", -1), ("high", 1)):
        rows.append(("effect", scenario, np.nan, f"{scenario} {1 - alpha:.0%} bound",
                     *run(base, point + sign * z * shift)))
    table = pd.DataFrame(rows, columns=["term", "scenario", "value", "value_label", "estimate",
                                        "bcr"])
    swing = table.groupby("term")["estimate"].agg(lambda s: s.max() - s.min())
    order = swing.sort_values(ascending=False, kind="stable").index
    table["term"] = pd.Categorical(table["term"], categories=list(order), ordered=True)
    table["scenario"] = pd.Categorical(table["scenario"], categories=["low", "high"], ordered=True)
    table = table.sort_values(["term", "scenario"]).reset_index(drop=True)
    table["scenario"] = table["scenario"].astype(str)
    table["term"] = table["term"].astype(str)
    return CostBenefitSensitivityResult(
        estimates=table, base_npv=base_npv, base_bcr=base_bcr,
        spec={**base, "ranges": {k: list(v) for k, v in ranges.items()}, "alpha": alpha,
              "n_firms": int(inputs.baseline["n_firms"].sum())})


def _joint_shift(inputs, p: Mapping[str, Any], cov: np.ndarray) -> np.ndarray:
    """``V g / sqrt(g' V g)``: the path shift that moves the benefits by one standard deviation.

    ``g`` is the gradient of the present value of benefits with respect to the effect path
    (central differences); the shift is zero when the benefits have no variance.
    """
    point = inputs.path["estimate"].to_numpy()
    h = 1e-5
    steps = h * np.eye(len(point))
    up, _ = _present_values(inputs, p, point + steps)
    down, _ = _present_values(inputs, p, point - steps)
    grad = (up - down) / (2 * h)
    sd = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
    return cov @ grad / sd if sd > 0 else np.zeros_like(point)
