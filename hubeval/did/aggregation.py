"""Aggregations of group-time effects (Callaway & Sant'Anna 2021).

:func:`aggregate` averages the ATT(g, t) of :func:`hubeval.att_gt` into one overall effect
(``"simple"``), an event study by years since entry (``"event_time"``), effects by cohort
(``"cohort"``) or by calendar year (``"calendar"``), as R ``did::aggte``: cells are weighted by
cohort size. ``cohort_shares="fixed"`` (the default) treats the cohort sizes as set by the
program, so the weights add no variance; ``cohort_shares="estimated"`` adds the influence
function of the estimated weights P(G = g) and reproduces R ``did``/``csdid`` exactly (README,
"Methods note"). Everything comes from the stored influence functions: nothing is refitted.
:func:`~hubeval.did.pretrend.pretrend_test` (in :mod:`hubeval.did.pretrend`) tests the pre-entry
effects.

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. Journal of Econometrics 225(2), 200-230 (Section 3 and Appendix on aggregation).
"""
from __future__ import annotations

import dataclasses
import warnings as _warnings
from typing import Literal

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationWarning, SpecError
from hubeval.core.lazy import stats
from hubeval.core.results import ResultMixin, result_field
from hubeval.did._aggregate_cells import HANDLERS, cells_of
from hubeval.did._common import check_log_scale
from hubeval.did.influence import influence_se, influence_vcov, multiplier_bootstrap
from hubeval.did.staggered import (
    BOOT_WEIGHTS,
    GroupTimeResult,
    _add_band,
    _percent,
    tidy_table,
)

__all__ = ["aggregate", "AggregateResult", "By", "BY_OPTIONS", "CohortShares", "COHORT_SHARE_OPTIONS"]

By = Literal["simple", "event_time", "cohort", "calendar"]
BY_OPTIONS: tuple[str, ...] = ("simple", "event_time", "cohort", "calendar")
#: How the cohort-size weights enter the variance: ``"fixed"`` (set by the program, no variance)
#: or ``"estimated"`` (sample shares P(G = g) with their influence function, as R ``did``).
CohortShares = Literal["fixed", "estimated"]
COHORT_SHARE_OPTIONS: tuple[str, ...] = ("fixed", "estimated")
_KEYS = {"simple": None, "event_time": "event_time", "cohort": "cohort", "calendar": "time"}
_TERM = {"simple": "ATT(simple)", "event_time": "ATT(e={})", "cohort": "ATT(g={})",
         "calendar": "ATT(t={})"}


@dataclasses.dataclass(frozen=True, eq=False)
class AggregateResult(ResultMixin):
    """Aggregated group-time effects: an event study, effects by cohort or year, or one average.

    Attributes
    ----------
    estimates : DataFrame
        One row per event time / cohort / year (one row for ``"simple"``): ``term``, the key
        column (``event_time``, ``cohort`` or ``time``), ``estimate, std_error, statistic,
        p_value, conf_low, conf_high`` (``band_low, band_high`` with a bootstrap), ``n_cohorts``,
        ``n_treated``.
    overall : dict
        The overall effect: ``term, estimate, std_error, statistic, p_value, conf_low,
        conf_high``. For ``"event_time"`` the mean over event times >= 0, for ``"cohort"`` the
        cohort-size weighted mean, for ``"calendar"`` the mean over years (as R ``aggte``).
    vcov : DataFrame
        Covariance of the rows' estimates (e.g. for Rambachan & Roth sensitivity analysis).
    influence : ndarray, shape (n_units, n_rows)
        Influence function of each row's estimate (with ``spec["cohort_shares"] == "estimated"``
        that of the weights' estimation included).
    overall_influence : ndarray, shape (n_units,)
    units, cluster
        Firm of each influence row, and its cluster code (or None).
    crit_value : float or None
        Critical value of the uniform band.
    """

    title = "Aggregated treatment effects (Callaway & Sant'Anna 2021)"
    estimates: pd.DataFrame
    overall: dict
    spec: dict
    n_units: int
    n_treated: dict
    vcov: pd.DataFrame = result_field(serialize="matrix")
    # per-firm arrays: only the shape of the influence functions is written, nothing else per firm
    influence: np.ndarray = result_field(serialize="shape")
    overall_influence: np.ndarray = result_field(serialize="omit")
    units: np.ndarray = result_field(serialize="omit")
    cluster: np.ndarray | None = result_field(serialize="omit", default=None)
    crit_value: float | None = None
    warnings: tuple[str, ...] = ()
    seed: object = None

    def tidy(self) -> pd.DataFrame:
        """The estimates with the overall effect as a last row (``aggregation`` says which is
        which: ``dynamic``/``group``/``calendar`` rows, then the overall ``simple`` row; for
        ``by="simple"`` the one row)."""
        rows = self.estimates.assign(aggregation=_AGGREGATION[self.spec["by"]])
        if self.spec["by"] == "simple":
            return rows
        overall = pd.DataFrame([self.overall]).assign(aggregation="simple")
        return pd.concat([rows, overall], ignore_index=True)

    def _glance_rows(self) -> list[dict]:
        return [{"statistic": "n_cells", "value": float(len(self.estimates)), "unit": "count",
                 "label": "rows aggregated"}]

    def _summary_lines(self) -> list[str]:
        o = self.overall
        return super()._summary_lines() + [
            f"overall: {o['estimate']:.4g} (std. error {o['std_error']:.4g}, "
            f"{1 - self.spec['alpha']:.0%} CI {o['conf_low']:.4g} to {o['conf_high']:.4g})"]

    def percent(self, *, log_outcome: bool | None = None) -> pd.DataFrame:
        """Estimates and the overall effect in percent, ``100 * (exp(b) - 1)``, for a log outcome.

        ``log_outcome=None`` reads log-ness from the outcome's name (``log_``/``ln_``, as
        :func:`hubeval.mde_from_panel` does); pass ``True`` for a log outcome named otherwise
        (e.g. ``lemp``). Raises :class:`SpecError` for other outcomes: a cost ratio or a rate has
        no percent reading of ``exp(b) - 1``.
        """
        check_log_scale(str(self.spec.get("outcome")), log_outcome)
        frame = self.estimates
        if self.spec["by"] != "simple":
            frame = pd.concat([frame, pd.DataFrame([self.overall])], ignore_index=True)
        return _percent(frame)


#: The results store's name of each ``by`` (:data:`hubeval.store.schema.AGGREGATIONS`).
_AGGREGATION = {"event_time": "dynamic", "cohort": "group", "calendar": "calendar",
                "simple": "simple"}


# --- public functions ------------------------------------------------------------------------
def check_cohort_shares(cohort_shares) -> None:
    """Refuse a ``cohort_shares`` that is not one of :data:`COHORT_SHARE_OPTIONS`."""
    if isinstance(cohort_shares, str) and cohort_shares in COHORT_SHARE_OPTIONS:
        return
    raise SpecError(f"`cohort_shares` must be one of {', '.join(repr(c) for c in COHORT_SHARE_OPTIONS)}; "
                    f"got {cohort_shares!r}. Use 'fixed' when the program set the number of "
                    "participants per cohort, 'estimated' to reproduce R did / csdid.")


def _validate(by, min_event_time, max_event_time, balance, alpha, n_boot, boot_weights,
              cohort_shares) -> None:
    if by not in BY_OPTIONS:
        raise SpecError(f"`by` must be one of {', '.join(repr(b) for b in BY_OPTIONS)}; got {by!r}.")
    check_cohort_shares(cohort_shares)
    for name, value in (("min_event_time", min_event_time), ("max_event_time", max_event_time)):
        if value is not None and not isinstance(value, (int, np.integer)):
            raise SpecError(f"`{name}` must be a whole number of years or None; got {value!r}.")
    if balance is not None and (not isinstance(balance, (int, np.integer)) or balance < 0):
        raise SpecError(f"`balance` must be a whole number >= 0 or None; got {balance!r}.")
    if not 0 < alpha < 1:
        raise SpecError(f"`alpha` must be strictly between 0 and 1; got {alpha!r}.")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise SpecError(f"`n_boot` must be a whole number >= 0; got {n_boot!r}.")
    if boot_weights not in BOOT_WEIGHTS:
        raise SpecError(f"`boot_weights` must be one of {BOOT_WEIGHTS}; got {boot_weights!r}.")


def _rows_table(by, keys, theta, se, masks, cells, gt, alpha) -> pd.DataFrame:
    columns = {"term": [_TERM[by].format(k) for k in keys]}
    if _KEYS[by] is not None:
        columns[_KEYS[by]] = keys
    cohorts_in = [np.unique(cells.cohort[m]) for m in masks]
    extra = {"n_cohorts": [len(c) for c in cohorts_in],
             "n_treated": [sum(gt.n_treated[int(g)] for g in c) for c in cohorts_in]}
    return tidy_table(columns, theta, se, alpha, extra)


def _overall(by, estimate, inf, cluster, alpha) -> dict:
    se = influence_se(inf, cluster) if np.isfinite(estimate) else np.nan
    z = stats.norm.ppf(1 - alpha / 2)
    statistic = estimate / se if se > 0 else np.nan
    return {"term": f"ATT(overall, {by})", "estimate": float(estimate), "std_error": float(se),
            "statistic": float(statistic), "p_value": float(2 * stats.norm.sf(abs(statistic))),
            "conf_low": float(estimate - z * se), "conf_high": float(estimate + z * se)}


def aggregate(gt: GroupTimeResult, *, by: By = "simple", min_event_time: int | None = None,
              max_event_time: int | None = None, balance: int | None = None,
              alpha: float | None = None, n_boot: int | None = None,
              boot_weights: str | None = None, cohort_shares: CohortShares = "fixed",
              seed=None) -> AggregateResult:
    """Aggregate ATT(g, t) into an event study, effects by cohort or year, or one average.

    Follows R ``did::aggte`` (Callaway & Sant'Anna 2021, Section 3): post-entry cells are
    weighted by cohort size. Point estimates do not depend on ``cohort_shares``; standard errors
    do.

    Parameters
    ----------
    gt : GroupTimeResult
        From :func:`hubeval.att_gt`.
    by : {"simple", "event_time", "cohort", "calendar"}
        ``"simple"``: all post-entry cells, cohort-size weighted. ``"event_time"``: by years since
        entry e = t - g (leads and lags; overall = mean over e >= 0). ``"cohort"``: mean over each
        cohort's post-entry years (overall = cohort-size weighted). ``"calendar"``: by year over
        the cohorts already in (overall = mean over years).
    min_event_time, max_event_time : int, optional
        Keep event times in this window (``"simple"``, ``"event_time"``, ``"cohort"``).
    balance : int, optional
        Event study on cohorts observed for at least ``balance`` years after entry only, so the
        composition does not change across event times 0..balance (R's ``balance_e``).
    alpha : float, optional
        Defaults to the ``alpha`` of ``gt``.
    n_boot : int, optional
        Multiplier-bootstrap draws for a uniform band over the rows; defaults to ``gt``'s.
    boot_weights : {"rademacher", "mammen"}, optional
        Defaults to ``gt``'s.
    cohort_shares : {"fixed", "estimated"}, default "fixed"
        ``"fixed"``: the cohort sizes are those the program set (a fixed number of slots per
        cohort), so the weights are known and the standard errors are those of the effect on
        these participants. ``"estimated"``: the cohort shares P(G = g) are sample estimates
        (firms drawn at random from a population in which cohort membership is random) and their
        influence function is added, exactly as R ``did::aggte`` and the ``csdid`` port. The two
        differ only when effects differ across the aggregated cohorts; on the example design
        "estimated" makes the interval conservative (README, "Methods note").
    seed : int, Generator or None
        Defaults to ``gt``'s seed.

    Returns
    -------
    AggregateResult

    Raises
    ------
    SpecError
        Bad options, or nothing left to aggregate in the requested window.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(300, effect=0.1, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> es = hb.aggregate(hb.att_gt(panel, outcome="y"), by="event_time")
    >>> list(es.estimates.columns[:3])
    ['term', 'event_time', 'estimate']
    """
    if not isinstance(gt, GroupTimeResult):
        raise SpecError(f"`gt` must be the result of hb.att_gt(); got {type(gt).__name__}.")
    alpha = gt.spec["alpha"] if alpha is None else alpha
    n_boot = gt.spec["n_boot"] if n_boot is None else n_boot
    boot_weights = gt.spec["boot_weights"] if boot_weights is None else boot_weights
    seed = gt.seed if seed is None else seed
    _validate(by, min_event_time, max_event_time, balance, alpha, n_boot, boot_weights, cohort_shares)
    notes: list[str] = []
    cells = cells_of(gt, notes, estimated_shares=cohort_shares == "estimated")
    min_e = -np.inf if min_event_time is None else min_event_time
    max_e = np.inf if max_event_time is None else max_event_time
    if by != "event_time" and balance is not None and by != "calendar":
        notes.append(f"`balance` applies to by=\"event_time\" only and was ignored for by=\"{by}\".")
    keys, theta, inf, masks, overall = HANDLERS[by](cells, min_e=min_e, max_e=max_e, balance=balance,
                                               first_year=gt.spec["years"][0], notes=notes)
    se = influence_se(inf, gt.cluster)
    estimates = _rows_table(by, keys, theta, se, masks, cells, gt, alpha)
    if overall is None:
        overall = (theta[0], inf[:, 0])
    crit = None
    if n_boot > 0:
        crit = multiplier_bootstrap(inf, n_boot=int(n_boot), alpha=alpha, std_error=se,
                                    cluster=gt.cluster, boot_weights=boot_weights,
                                    seed=seed)["crit_value"]
        z = stats.norm.ppf(1 - alpha / 2)
        if not np.isfinite(crit) or crit < z:
            notes.append(f"The bootstrap critical value ({crit:.3f}) is below the pointwise one "
                         f"({z:.3f}); the band uses the pointwise value.")
            crit = float(z)
        estimates = _add_band(estimates, crit)
    for note in notes:
        _warnings.warn(note, EstimationWarning, stacklevel=2)
    labels = keys if _KEYS[by] is not None else ["simple"]
    spec = dict(gt.spec, by=by, min_event_time=min_event_time, max_event_time=max_event_time,
                balance=balance, alpha=alpha, n_boot=int(n_boot), boot_weights=boot_weights,
                cohort_shares=cohort_shares)
    return AggregateResult(
        estimates=estimates, overall=_overall(by, overall[0], overall[1], gt.cluster, alpha),
        spec=spec, n_units=gt.n_units, n_treated=dict(gt.n_treated),
        vcov=pd.DataFrame(influence_vcov(inf, gt.cluster), index=labels, columns=labels),
        influence=inf, overall_influence=overall[1], units=gt.units, cluster=gt.cluster,
        crit_value=crit, warnings=tuple(gt.warnings) + tuple(notes), seed=seed)
