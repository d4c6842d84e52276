"""Cost-benefit analysis of the programme from a cost ledger and estimated effect paths.

Pure functions on tidy tables: :func:`real_costs` (ledger to real base-year KRW),
:func:`cost_benefit` (NPV, benefit-cost ratio, cost-effectiveness ratios, simulation
intervals), :func:`~hubeval.cba.sensitivity.cba_sensitivity` (the table behind a tornado
chart, in ``cba_sensitivity.py``) and :func:`~hubeval.report.cba_text.describe_cba` (plain-language
sentences in English and Korean, in ``cba_text.py``); all are re-exported here.

Method
------
*Costs.* The full economic cost: every payer in the ledger (city, POSCO's in-kind consultant
and mentor days at a loaded day rate, the chamber, participating firms' own staff time),
deflated to real base-year KRW and counted in the cohort's participation year.

*Timing.* Year ``t`` is years since a cohort's participation (event time); costs fall at
``t = 0``, benefits at ``t = 0, ..., horizon - 1``, each discounted by ``(1 + r) ** -t``. Each
cohort is then discounted to the first cohort's year, so the NPV is at the programme's start.

*Benefits.* Net additional real value added: for event time ``e`` the estimated effect on log
value added per worker ``b_e`` raises participants' value added by ``exp(b_e) - 1`` times their
baseline real value added. Beyond the last estimated event time ``E`` the effect decays
geometrically, ``b_e = b_E * persistence ** (e - E)`` (``persistence = 1`` is permanent,
``0`` ends it at once). Deadweight is the counterfactual itself (the estimate is already net of
what participants would have done anyway), so gross benefits are made net by
``(1 - leakage) (1 - displacement) (1 - substitution) * multiplier`` (HCA 2014, ch. 5).

*No double counting.* Only value added is valued. Cost savings are not added: lower
intermediate costs already raise value added. Jobs are not added as a benefit: wages are part
of value added, and at national level a worker hired would mostly have worked elsewhere (HM
Treasury 2022). Jobs enter only as a cost-effectiveness ratio (cost per net additional job).

*Uncertainty.* Effect paths are drawn jointly from a normal distribution with the event-study
covariance ``vcov`` (from the influence functions: ``AggregateResult.vcov``; the memo reads it
from the batch's ``event_study_vcov`` records). Without ``vcov`` the draws are independent
across event times, which understates the spread of sums when the estimates are positively
correlated, as event-study estimates sharing a comparison group usually are (``spec["vcov"]``
says which was used). The interval for NPV and BCR and ``P(BCR > 1)`` are taken over draws, with
every assumption at its base value; :func:`cba_sensitivity` varies the assumptions one at a time
and moves the effect path to the ends of the same joint interval. Costs are treated as known.

Defaults for additionality parameters (all user-set, all varied in :func:`cba_sensitivity`):

============  =======  ===========  ==========================================================
parameter     default  range        basis
============  =======  ===========  ==========================================================
displacement  0.25     0.00-0.50    HCA (2014) ready reckoner "low" (25%): participants are
                                    supply-chain and export-oriented SMEs, not local retail
leakage       0.10     0.00-0.25    HCA (2014) "low" (10%): benefits stay with firms in the city
substitution  0.00     0.00-0.10    consulting funds no activity a firm could swap in
multiplier    1.00     1.00-1.30    no multiplier at national level (HM Treasury 2022); up to
                                    a sub-regional composite multiplier in sensitivity
persistence   0.80     0.50-1.00    assumption: 20% annual decay of the last estimated effect
============  =======  ===========  ==========================================================

Discount rate 4.5% real (Korean social discount rate, KDI PIMAC preliminary feasibility
guideline), sensitivity 3.5% and 5.5%; horizon 10 years, sensitivity 5 and 15.

References
----------
HM Treasury (2022). *The Green Book: Central Government Guidance on Appraisal and Evaluation*.
Homes and Communities Agency (2014). *Additionality Guide*, 4th edition.
KDI Public and Private Infrastructure Investment Management Center (2021). *General
Guidelines for Preliminary Feasibility Studies* (social discount rate 4.5%).
Boardman, A., Greenberg, D., Vining, A. and Weimer, D. (2018). *Cost-Benefit Analysis:
Concepts and Practice*, 5th ed., Cambridge University Press.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hubeval.cba._arithmetic import (
    _break_even_persistence,
    _extend,
    _Inputs,
    _net_factor,
    _net_jobs,
    _prepare,
    _present_values,
    _ratio,
)
from hubeval.cba.inputs import ADDITIONALITY_DEFAULTS, PAYERS, _check_int, _check_number
from hubeval.core.errors import SpecError
from hubeval.core.results import ResultMixin, result_field

__all__ = ["cost_benefit", "CostBenefitResult"]


# --- core arithmetic ------------------------------------------------------------------------


# --- results ----------------------------------------------------------------------------------

#: Units of the cost-benefit terms in the results store's ``statistics``.
_GLANCE_UNITS = {"pv_benefits": "money", "pv_costs": "money", "npv": "money", "bcr": "ratio",
                 "prob_bcr_above_1": "probability", "net_additional_jobs": "count",
                 "productivity_effect_pct": "percent", "cost_per_firm": "money",
                 "cost_per_net_job": "money", "cost_per_pp_productivity": "money",
                 "break_even_persistence": "ratio"}


@dataclasses.dataclass(frozen=True)
class CostBenefitResult(ResultMixin):
    """Cost-benefit result: NPV, benefit-cost ratio, cost-effectiveness and their uncertainty.

    Attributes
    ----------
    estimates : pandas.DataFrame
        Tidy table, one row per ``term``: ``pv_benefits``, ``pv_costs``, ``npv``, ``bcr``,
        ``prob_bcr_above_1``, ``net_additional_jobs``, ``productivity_effect_pct``,
        ``cost_per_firm``, ``cost_per_net_job``, ``cost_per_pp_productivity``,
        ``break_even_persistence``. ``estimate`` is the value at the point estimates;
        ``std_error``, ``conf_low`` and ``conf_high`` come from the simulation (missing where
        not simulated). Money is real base-year KRW, present values at the first cohort's year.
    flows : pandas.DataFrame
        Benefit and cost flows by cohort and event time at the point estimates, with
        ``source`` = "estimated" or "extrapolated".
    costs_by_payer : pandas.DataFrame
        Real cost and share by payer (undiscounted).
    draws : pandas.DataFrame
        Simulated ``pv_benefits``, ``npv``, ``bcr`` (and ``net_additional_jobs``); not in
        :meth:`to_dict`.
    spec : dict
        Every setting used.
    n_firms, n_sim, seed
        Participating firms, simulation draws, the seed given.
    notes : tuple of str
        Explanations of missing ratios (e.g. why break-even persistence is undefined).
    """

    estimates: pd.DataFrame
    flows: pd.DataFrame
    costs_by_payer: pd.DataFrame
    draws: pd.DataFrame = result_field(serialize="omit")  # simulation draws
    spec: dict
    n_firms: int
    n_sim: int
    seed: Any
    notes: tuple = ()
    #: The results store keeps these numbers in ``statistics`` (they are not model terms).
    _store_kind = "statistics"

    def _glance_rows(self) -> list[dict]:
        """Every term's value and, where simulated, its standard error and interval."""
        rows = []
        for row in self.estimates.itertuples(index=False):
            unit = _GLANCE_UNITS.get(row.term, "level")
            for column, suffix in (("estimate", ""), ("std_error", "_std_error"),
                                   ("conf_low", "_conf_low"), ("conf_high", "_conf_high")):
                value = getattr(row, column, None)
                if value is not None and value == value:
                    rows.append({"term": row.term, "statistic": row.term + suffix,
                                 "value": float(value), "unit": unit,
                                 "label": f"{row.term} ({column})"})
        return rows
    title = "Cost-benefit analysis"
    note = "Real base-year KRW; present values at the first cohort's year."

    def value(self, term: str) -> float:
        """The point value of one ``term`` of :attr:`estimates`."""
        row = self.estimates.loc[self.estimates["term"] == term, "estimate"]
        if row.empty:
            raise SpecError(f"No term {term!r}; terms are {self.estimates['term'].tolist()}.")
        return float(row.iloc[0])

    npv = property(lambda self: self.value("npv"), doc="Net present value (real KRW).")
    bcr = property(lambda self: self.value("bcr"), doc="Benefit-cost ratio.")
    pv_benefits = property(lambda self: self.value("pv_benefits"), doc="PV of net benefits.")
    pv_costs = property(lambda self: self.value("pv_costs"), doc="PV of full economic costs.")
    prob_bcr_above_1 = property(lambda self: self.value("prob_bcr_above_1"),
                                doc="Share of simulation draws with BCR > 1.")


def _interval(draws: np.ndarray, alpha: float) -> tuple[float, float, float]:
    finite = draws[np.isfinite(draws)]
    if finite.size == 0:
        return np.nan, np.nan, np.nan
    lo, hi = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return float(finite.std(ddof=1)) if finite.size > 1 else np.nan, float(lo), float(hi)


def _flows(inputs: _Inputs, p: Mapping[str, Any]) -> pd.DataFrame:
    d = 1.0 / (1.0 + p["discount_rate"])
    path = _extend(inputs.path["estimate"].to_numpy()[None, :], p["horizon"], p["persistence"])[0]
    observed = len(inputs.path)
    rows = []
    for cohort, base in inputs.baseline.iterrows():
        for e, effect in enumerate(path):
            gross = float(np.expm1(effect) * base["value_added_krw"])
            cost = float(inputs.cost_by_cohort[cohort]) if e == 0 else 0.0
            factor = d ** (cohort - inputs.first_cohort + e)
            rows.append({"cohort": cohort, "event_time": e, "year": cohort + e, "effect": effect,
                         "source": "estimated" if e < observed else "extrapolated",
                         "gross_benefit_krw": gross, "net_benefit_krw": gross * _net_factor(p),
                         "cost_krw": cost, "discount_factor": factor,
                         "pv_net_benefit_krw": gross * _net_factor(p) * factor,
                         "pv_cost_krw": cost * factor})
    return pd.DataFrame(rows)


def _settings(discount_rate, horizon, persistence, displacement, leakage, substitution,
              multiplier) -> dict:
    return {"discount_rate": _check_number(discount_rate, "discount_rate"),
            "horizon": _check_int(horizon, "horizon", 1, 50, "the number of years of benefits"),
            "persistence": _check_number(persistence, "persistence"),
            "displacement": _check_number(displacement, "displacement"),
            "leakage": _check_number(leakage, "leakage"),
            "substitution": _check_number(substitution, "substitution"),
            "multiplier": _check_number(multiplier, "multiplier")}


def _covariance(path: pd.DataFrame, vcov: Any) -> np.ndarray:
    """The covariance of the post-treatment estimates: ``vcov``, or independent errors."""
    n = len(path)
    cov = np.diag(path["std_error"].to_numpy() ** 2) if vcov is None else np.asarray(vcov, float)
    if cov.shape != (n, n):
        raise SpecError(f"`vcov` must be a {n} x {n} matrix over the post-treatment "
                        f"event times 0..{n - 1}; got shape {cov.shape}.")
    return cov


def _draw_paths(path: pd.DataFrame, vcov: Any, n_sim: int, rng: np.random.Generator) -> np.ndarray:
    # eigh tolerates singular covariances (e.g. a reference period with zero variance).
    return rng.multivariate_normal(path["estimate"].to_numpy(), _covariance(path, vcov),
                                   size=n_sim, method="eigh")


def cost_benefit(costs: pd.DataFrame, effects: Any, *, baseline: Mapping | pd.DataFrame,
                 price_index: Mapping[int, float] | pd.Series | None = None,
                 price_base_year: int | None = None, employment_effects: Any = None,
                 discount_rate: float = 0.045, horizon: int = 10,
                 persistence: float = ADDITIONALITY_DEFAULTS["persistence"],
                 displacement: float = ADDITIONALITY_DEFAULTS["displacement"],
                 leakage: float = ADDITIONALITY_DEFAULTS["leakage"],
                 substitution: float = ADDITIONALITY_DEFAULTS["substitution"],
                 multiplier: float = ADDITIONALITY_DEFAULTS["multiplier"],
                 vcov: Any = None, n_sim: int = 2000, alpha: float = 0.05,
                 seed: int | np.random.Generator | None = None) -> CostBenefitResult:
    """Net present value and benefit-cost ratio of the programme, with simulation intervals.

    Parameters
    ----------
    costs : pandas.DataFrame
        Cost ledger (see :func:`real_costs`).
    effects : pandas.DataFrame or result
        Event-study effects on log value added per worker: ``event_time``, ``estimate``,
        ``std_error`` (a result's ``estimates`` is used). Pre-treatment rows are ignored;
        post-treatment event times must run 0, 1, ..., E.
    baseline : mapping or pandas.DataFrame
        Per cohort: ``cohort``, ``n_firms``, ``value_added_krw`` (participants' total annual
        baseline value added, real base-year KRW) and, with ``employment_effects``,
        ``employment``. A mapping is one cohort.
    price_index, price_base_year
        Deflate the ledger (see :func:`real_costs`).
    employment_effects : pandas.DataFrame or result, optional
        Effects on log employment, for the cost per net additional job (not a benefit).
    discount_rate : float, default 0.045
        Real social discount rate (Korea 4.5%), between 0 and 0.2.
    horizon : int, default 10
        Years of benefits counted from the participation year, 1 to 50.
    persistence : float, default 0.8
        Share of the last estimated effect kept each later year, 0 to 1.
    displacement, leakage, substitution : float
        Gross-to-net shares, 0 to 1 (defaults 0.25, 0.10, 0.0; see the module docstring).
    multiplier : float, default 1.0
        Composite multiplier, 1 to 3.
    vcov : array, optional
        Covariance of the post-treatment estimates (event times 0..E) for the simulation.
    n_sim : int, default 2000
        Simulation draws; 0 skips the simulation (intervals missing).
    alpha : float, default 0.05
        The intervals cover ``1 - alpha``.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    CostBenefitResult

    Raises
    ------
    SpecError
        Invalid ledger, effects, baseline or settings (each message says which and how to fix).

    References
    ----------
    HM Treasury (2022), *The Green Book*; Homes and Communities Agency (2014), *Additionality
    Guide*; Boardman et al. (2018), *Cost-Benefit Analysis*.

    Examples
    --------
    >>> import pandas as pd, hubeval as hb
    >>> costs = pd.DataFrame({"cohort": [2011], "payer": ["posco"], "item": ["consulting"],
    ...     "quantity": [400.0], "unit": ["day"], "unit_cost_krw": [500_000.0],
    ...     "amount_krw": [2e8], "price_year": [2011]})
    >>> effects = pd.DataFrame({"event_time": [0, 1, 2], "estimate": [0.02, 0.04, 0.05],
    ...                         "std_error": [0.02, 0.02, 0.03]})
    >>> res = hb.cost_benefit(costs, effects, seed=1, baseline={"cohort": 2011, "n_firms": 20,
    ...                       "value_added_krw": 40e9})
    >>> round(res.bcr, 1) > 1
    True
    """
    settings = _settings(discount_rate, horizon, persistence, displacement, leakage,
                         substitution, multiplier)
    n_sim = _check_int(n_sim, "n_sim", 0, 1_000_000, "the number of simulation draws")
    if not isinstance(alpha, float) or not 0 < alpha < 0.5:
        raise SpecError(f"`alpha` must be a float between 0 and 0.5; got {alpha!r}.")
    inputs = _prepare(costs, effects, baseline, employment_effects, price_index, price_base_year)
    rng = np.random.default_rng(seed)
    point = inputs.path["estimate"].to_numpy()[None, :]
    sims = _draw_paths(inputs.path, vcov, n_sim, rng) if n_sim else np.empty((0, point.shape[1]))
    benefit, pv_costs = _present_values(inputs, settings, np.vstack([point, sims]))
    draws = pd.DataFrame({"pv_benefits": benefit[1:], "npv": benefit[1:] - pv_costs,
                          "bcr": _ratio(benefit[1:], pv_costs)})
    jobs = np.array([np.nan])
    if inputs.jobs is not None:
        job_point = inputs.jobs["estimate"].to_numpy()[None, :]
        job_sims = _draw_paths(inputs.jobs, None, n_sim, rng) if n_sim else job_point[:0]
        jobs = _net_jobs(inputs, settings, np.vstack([job_point, job_sims]))
        draws["net_additional_jobs"] = jobs[1:]
    break_even, why = _break_even_persistence(inputs, settings)
    estimates, notes = _summary_table(inputs, settings, float(benefit[0]), pv_costs,
                                      float(jobs[0]), break_even, draws, alpha)
    spec = {**settings, "n_sim": n_sim, "alpha": alpha,
            "price_base_year": int(inputs.costs["price_base_year"].iloc[0]),
            "first_cohort": inputs.first_cohort, "vcov": "given" if vcov is not None else
            "independent", "net_factor": _net_factor(settings)}
    return CostBenefitResult(
        estimates=estimates, flows=_flows(inputs, settings), costs_by_payer=_by_payer(inputs),
        draws=draws, spec=spec, n_firms=int(inputs.baseline["n_firms"].sum()), n_sim=n_sim,
        seed=seed if not isinstance(seed, np.random.Generator) else "Generator",
        notes=tuple(n for n in [why, *notes] if n))


def _by_payer(inputs: _Inputs) -> pd.DataFrame:
    totals = inputs.costs.groupby("payer")["amount_real_krw"].sum().reindex(PAYERS).dropna()
    grand = totals.sum()
    share = totals / grand if grand > 0 else totals * np.nan
    return pd.DataFrame({"payer": totals.index, "amount_real_krw": totals.to_numpy(),
                         "share": share.to_numpy()})


def _summary_table(inputs, p, pv_benefits, pv_costs, net_jobs, break_even, draws, alpha):
    notes = []
    mean_effect = float(np.expm1(inputs.path["estimate"].to_numpy()[: p["horizon"]]).mean())
    n_firms = float(inputs.baseline["n_firms"].sum())

    def per(amount: float, unit: float, what: str) -> float:
        if unit > 0:
            return amount / unit
        notes.append(f"cost per {what} is undefined: the estimated effect is not positive")
        return np.nan

    rows = {
        "pv_benefits": (pv_benefits, draws["pv_benefits"]), "pv_costs": (pv_costs, None),
        "npv": (pv_benefits - pv_costs, draws["npv"]),
        "bcr": (float(_ratio(pv_benefits, pv_costs)), draws["bcr"]),
        "prob_bcr_above_1": (float((draws["bcr"] > 1).mean()) if len(draws) else np.nan, None),
        "net_additional_jobs": (net_jobs, draws.get("net_additional_jobs")),
        "productivity_effect_pct": (100 * mean_effect, None),
        "cost_per_firm": (pv_costs / n_firms, None),
        "cost_per_net_job": (per(pv_costs, net_jobs, "net job") if np.isfinite(net_jobs)
                             else np.nan, None),
        "cost_per_pp_productivity": (per(pv_costs, 100 * mean_effect, "percentage point"), None),
        "break_even_persistence": (break_even, None),
    }
    records = []
    for term, (estimate, sims) in rows.items():
        se, lo, hi = _interval(np.asarray(sims, float), alpha) if sims is not None and len(sims) \
            else (np.nan, np.nan, np.nan)
        records.append({"term": term, "estimate": float(estimate), "std_error": se,
                        "statistic": np.nan, "p_value": np.nan, "conf_low": lo, "conf_high": hi})
    return pd.DataFrame(records), notes
