"""Aggregations of group-time effects (Callaway & Sant'Anna 2021).

:func:`aggregate` averages the ATT(g, t) of :func:`hubeval.att_gt` into one overall effect
(``"simple"``), an event study by years since entry (``"event_time"``), effects by cohort
(``"cohort"``) or by calendar year (``"calendar"``), exactly as R ``did::aggte``: cells are
weighted by cohort size, and the standard errors include the influence function of those
estimated weights. Everything comes from the stored influence functions: nothing is refitted.
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

from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.core.lazy import stats
from hubeval.core.results import ResultMixin, result_field
from hubeval.did._common import check_log_scale
from hubeval.did.influence import influence_se, influence_vcov, multiplier_bootstrap
from hubeval.did.staggered import (
    BOOT_WEIGHTS,
    GroupTimeResult,
    _add_band,
    _percent,
    tidy_table,
)

__all__ = ["aggregate", "AggregateResult", "By", "BY_OPTIONS"]

By = Literal["simple", "event_time", "cohort", "calendar"]
BY_OPTIONS: tuple[str, ...] = ("simple", "event_time", "cohort", "calendar")
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
        Influence function of each row's estimate (weights' estimation included).
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


# --- the weighted averages and their influence functions ------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class _Cells:
    """Estimated cells of a GroupTimeResult and the firm-level pieces for weight influence."""

    cohort: np.ndarray
    time: np.ndarray
    att: np.ndarray
    influence: np.ndarray
    pg: np.ndarray           # P(G = g) of each cell's cohort
    code: np.ndarray         # cohort index of each cell
    unit_code: np.ndarray    # cohort index of each firm, -1 for never-participants
    unit_weights: np.ndarray
    n_cohorts: int

    @property
    def event_time(self) -> np.ndarray:
        return self.time - self.cohort


def _cells(gt: GroupTimeResult, notes: list[str]) -> _Cells:
    est = gt.estimates
    valid = np.isfinite(est["estimate"].to_numpy())
    if not valid.all():
        notes.append(f"{int((~valid).sum())} ATT(g,t) cell(s) were not estimated and are left out: "
                     f"{format_examples(est.loc[~valid, 'term'])}.")
    cohorts = np.asarray(sorted(gt.n_treated), dtype=float)
    w = gt.unit_weights
    cohort = est["cohort"].to_numpy(dtype=float)[valid]
    code = np.searchsorted(cohorts, cohort)
    unit_code = np.searchsorted(cohorts, gt.unit_cohort)
    unit_code = np.where(np.isin(gt.unit_cohort, cohorts), unit_code, -1)
    # P(G = g) as R did: mean over all firms of weight x 1{cohort = g}.
    pg_cohort = np.bincount(unit_code + 1, weights=w, minlength=len(cohorts) + 1)[1:] / len(w)
    # Copy the influence matrix only when cells must be dropped (it can be 1M firms x 45 cells).
    influence = gt.influence if valid.all() else gt.influence[:, valid]
    return _Cells(cohort, est["time"].to_numpy(dtype=float)[valid],
                  est["estimate"].to_numpy(dtype=float)[valid], influence,
                  pg_cohort[code], code, unit_code, w, len(cohorts))


def _weighted(masks: np.ndarray, att, influence, pg, code, unit_code, unit_weights, n_groups):
    """Cohort-size weighted averages ``theta_j = sum_k pg_k att_k / S_j`` over ``masks[j]``.

    The influence function adds that of the estimated weights P(G = g) (R ``did``'s ``wif``),
    which simplifies to ``w_i (a_j[c_i] - theta_j b_j[c_i]) / S_j`` for a firm in cohort c_i,
    with ``a_j[c]`` the sum of att over the row's cells of cohort c and ``b_j[c]`` their number.
    """
    masks = masks.astype(float)
    total = masks @ pg
    omega = masks * pg / total[:, None]
    theta = omega @ att
    onehot = np.zeros((len(att), n_groups + 1))
    onehot[np.arange(len(att)), code] = 1.0
    a, b = (masks * att) @ onehot, masks @ onehot
    coef = (a - theta[:, None] * b) / total[:, None]
    coef[:, -1] = 0.0  # column for never-participants (unit_code -1)
    inf = influence @ omega.T + unit_weights[:, None] * coef.T[unit_code]
    return theta, inf


def _cell_rows(cells: _Cells, masks: np.ndarray):
    return _weighted(masks, cells.att, cells.influence, cells.pg, cells.code, cells.unit_code,
                     cells.unit_weights, cells.n_cohorts)


def _window(cells: _Cells, min_e, max_e) -> np.ndarray:
    e = cells.event_time
    return (cells.cohort <= cells.time) & (e >= min_e) & (e <= max_e)


def _by_simple(cells, min_e, max_e, **_):
    keep = _window(cells, min_e, max_e)
    if not keep.any():
        raise SpecError(f"No post-entry ATT(g,t) fall in event times {min_e} to {max_e}; widen "
                        "`min_event_time`/`max_event_time`.")
    theta, inf = _cell_rows(cells, keep[None, :])
    return [None], theta, inf, keep[None, :], None


def _by_cohort(cells, min_e, max_e, **_):
    inside = _window(cells, min_e, max_e)
    present = [c for c in range(cells.n_cohorts) if np.any(inside & (cells.code == c))]
    if not present:
        raise SpecError(f"No post-entry ATT(g,t) fall in event times {min_e} to {max_e}; widen "
                        "`min_event_time`/`max_event_time`.")
    masks = np.array([inside & (cells.code == c) for c in present])
    weights = masks / masks.sum(axis=1, keepdims=True)  # plain mean within a cohort
    theta, inf = weights @ cells.att, cells.influence @ weights.T
    pgg = np.array([cells.pg[cells.code == c][0] for c in present])
    overall, overall_inf = _weighted(np.ones((1, len(present))), theta, inf, pgg,
                                     np.arange(len(present)),
                                     _recode(cells.unit_code, present), cells.unit_weights,
                                     len(present))
    keys = [int(cells.cohort[cells.code == c][0]) for c in present]
    return keys, theta, inf, masks, (overall[0], overall_inf[:, 0])


def _recode(unit_code: np.ndarray, present: list[int]) -> np.ndarray:
    lookup = np.full(int(unit_code.max()) + 2, -1)
    lookup[present] = np.arange(len(present))
    return lookup[unit_code]


def _balanced(cells: _Cells, balance: int, first_year: int):
    """Cells of cohorts observed at every event time 0..balance (R ``aggte(balance_e=)``)."""
    e, max_t = cells.event_time, cells.time.max()
    eligible = max_t - cells.cohort >= balance
    required = np.unique(e[eligible & (e >= 0) & (e <= balance)])
    complete = [g for g in np.unique(cells.cohort[eligible])
                if np.isin(required, e[cells.cohort == g]).all()]
    if not complete:
        raise SpecError(f"`balance={balance}`: no cohort is observed at every event time from 0 to "
                        f"{balance}. Lower `balance`.")
    include = np.isin(cells.cohort, complete)
    eseq = np.unique(e[include])
    return include, eseq[(eseq <= balance) & (eseq >= balance - max_t + first_year)]


def _by_event_time(cells, min_e, max_e, balance, first_year, notes):
    include = np.ones(len(cells.att), dtype=bool)
    eseq = np.unique(cells.event_time)
    if balance is not None:
        include, eseq = _balanced(cells, balance, first_year)
    eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
    if len(eseq) == 0:
        raise SpecError(f"No event time falls in {min_e} to {max_e}"
                        f"{'' if balance is None else f' with balance={balance}'}; widen the window.")
    masks = np.array([(cells.event_time == e) & include for e in eseq])
    theta, inf = _cell_rows(cells, masks)
    post = eseq >= 0
    if not post.any():
        notes.append("No event time >= 0 in the window: the overall effect is not defined (NaN).")
        return [int(e) for e in eseq], theta, inf, masks, (np.nan, np.zeros(len(inf)))
    return [int(e) for e in eseq], theta, inf, masks, (theta[post].mean(), inf[:, post].mean(axis=1))


def _by_calendar(cells, min_e, max_e, balance, notes, **_):
    if np.isfinite(min_e) or np.isfinite(max_e) or balance is not None:
        notes.append("`min_event_time`, `max_event_time` and `balance` do not apply to "
                     "by=\"calendar\" and were ignored.")
    post = cells.cohort <= cells.time
    years = np.unique(cells.time[post])
    masks = np.array([post & (cells.time == t) for t in years])
    theta, inf = _cell_rows(cells, masks)
    return [int(t) for t in years], theta, inf, masks, (theta.mean(), inf.mean(axis=1))


# --- public functions ------------------------------------------------------------------------
def _validate(by, min_event_time, max_event_time, balance, alpha, n_boot, boot_weights) -> None:
    if by not in BY_OPTIONS:
        raise SpecError(f"`by` must be one of {', '.join(repr(b) for b in BY_OPTIONS)}; got {by!r}.")
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
              boot_weights: str | None = None, seed=None) -> AggregateResult:
    """Aggregate ATT(g, t) into an event study, effects by cohort or year, or one average.

    Follows R ``did::aggte`` (Callaway & Sant'Anna 2021, Section 3): post-entry cells are
    weighted by cohort size; standard errors include the estimation of those weights.

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
    _validate(by, min_event_time, max_event_time, balance, alpha, n_boot, boot_weights)
    notes: list[str] = []
    cells = _cells(gt, notes)
    min_e = -np.inf if min_event_time is None else min_event_time
    max_e = np.inf if max_event_time is None else max_event_time
    if by != "event_time" and balance is not None and by != "calendar":
        notes.append(f"`balance` applies to by=\"event_time\" only and was ignored for by=\"{by}\".")
    handler = {"simple": _by_simple, "cohort": _by_cohort, "event_time": _by_event_time,
               "calendar": _by_calendar}[by]
    keys, theta, inf, masks, overall = handler(cells, min_e=min_e, max_e=max_e, balance=balance,
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
                balance=balance, alpha=alpha, n_boot=int(n_boot), boot_weights=boot_weights)
    return AggregateResult(
        estimates=estimates, overall=_overall(by, overall[0], overall[1], gt.cluster, alpha),
        spec=spec, n_units=gt.n_units, n_treated=dict(gt.n_treated),
        vcov=pd.DataFrame(influence_vcov(inf, gt.cluster), index=labels, columns=labels),
        influence=inf, overall_influence=overall[1], units=gt.units, cluster=gt.cluster,
        crit_value=crit, warnings=tuple(gt.warnings) + tuple(notes), seed=seed)
