"""Synthetic control for one treated region: ADH synthetic control and synthetic DiD.

:func:`synth` builds a counterfactual for one treated unit (a city) from a weighted average of
donor units. Two estimators share one data preparation and one result type:

- ``method="synth"``: Abadie, Diamond & Hainmueller (2010). Donor weights ``W`` lie on the
  simplex and minimise the ``V``-weighted distance between the treated unit's predictors and the
  synthetic unit's; the diagonal predictor-importance matrix ``V`` is chosen by a nested
  optimisation to minimise the pre-period outcome MSPE. Predictors are standardised by their
  standard deviation across the units in the fit, as in R ``Synth`` and ``pysyncon``.
- ``method="sdid"``: synthetic difference-in-differences (Arkhangelsky et al. 2021) with
  ridge-regularised unit weights, time weights and intercepts; standard error from the paper's
  placebo variance estimator (Algorithm 4).

Why hand-written: no maintained Python library offers both estimators behind a tidy, validated
API, and the placebo loops need a much faster inner solver than ``pysyncon``'s (a test-only
reference here). Both weight problems are least squares on the simplex, ``min ||C w||^2`` s.t.
``w >= 0, sum(w) = 1``, solved exactly by one non-negative least-squares call (see
:func:`_simplex_lsq`). Inference (placebo tests, leave-one-out) lives in
:mod:`hubeval.synthetic.placebo`.

References
----------
Abadie, A., Diamond, A. & Hainmueller, J. (2010). Synthetic control methods for comparative case
studies. JASA 105(490), 493-505.
Abadie, A. (2021). Using synthetic controls: feasibility, data requirements, and methodological
aspects. Journal of Economic Literature 59(2), 391-425.
Arkhangelsky, D., Athey, S., Hirshberg, D., Imbens, G. & Wager, S. (2021). Synthetic
difference-in-differences. American Economic Review 111(12), 4088-4118.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize, nnls

from hubeval.core.errors import SpecError
from hubeval.core.results import TIDY_COLUMNS, ResultMixin, add_inference
from hubeval.synthetic.data import (  # noqa: F401
    MIN_PRE_PERIODS,
    SynthMethod,
    _frame_and_roles,
    _prepare,
    _Problem,
)

__all__ = ["SynthResult", "synth"]


# ------------------------------------------------------------------------------------------------
# Solvers
# ------------------------------------------------------------------------------------------------
def _simplex_lsq(C: np.ndarray) -> np.ndarray:
    """``argmin ||C w||^2`` over the unit simplex, exactly, with one NNLS call.

    Appending the row ``M * 1'`` with target ``M`` gives ``min ||C w||^2 + M^2 (1'w - 1)^2`` over
    ``w >= 0``. Writing ``w = s u`` with ``u`` on the simplex, the objective is
    ``s^2 ||C u||^2 + M^2 (s - 1)^2``, minimised over ``u`` by the simplex solution for every
    ``s > 0``: rescaling the NNLS solution to sum 1 is exact for any ``M``, which only affects
    conditioning. ``||Aw - b||^2`` on the simplex equals ``||(A - b 1')w||^2``, so callers pass
    ``C = A - b 1'`` (plus any ridge rows).
    """
    n_cols = C.shape[1]
    scale = float(np.sqrt((C * C).sum() / n_cols)) or 1.0
    A = np.vstack([C, np.full((1, n_cols), scale)])
    b = np.zeros(A.shape[0])
    b[-1] = scale
    w, _ = nnls(A, b, maxiter=50 * n_cols)
    return w / w.sum()


@dataclass(frozen=True)
class _Fit:
    """One fitted synthetic unit (main fit or a placebo refit)."""

    weights: np.ndarray            # donor weights, aligned with the donor indices passed in
    synthetic: np.ndarray          # synthetic outcome path over all times
    v: np.ndarray | None = None    # predictor importance (ADH)
    time_weights: np.ndarray | None = None  # over fitting-window periods (SDID)


def _standardised_gaps(X: np.ndarray, treated: int, donors: np.ndarray) -> np.ndarray:
    """Donor minus treated predictors, each predictor divided by its sd over the fit's units."""
    cols = X[:, np.r_[treated, donors]]
    scale = cols.std(axis=1, ddof=1)
    return (X[:, donors] - X[:, [treated]]) / scale[:, None]


def _v_starts(C: np.ndarray, D: np.ndarray) -> list[np.ndarray]:
    """Equal importance, and R Synth's regression-based start (squared OLS coefficients)."""
    k = C.shape[0]
    starts = [np.full(k, 1.0 / k)]
    if C.shape[1] > k + 1:
        design = np.column_stack([np.ones(C.shape[1]), C.T])
        beta = np.linalg.lstsq(design, D.T, rcond=None)[0][1:]
        reg = (beta * beta).sum(axis=1)
        if np.isfinite(reg).all() and reg.sum() > 0:
            starts.append(reg / reg.sum())
    return starts


def _optimise_v(C: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nested ADH optimisation: V minimising the pre-period outcome MSPE of W(V).

    ``V`` is parametrised by ``k - 1`` log-ratios (softmax), which removes the scale direction
    that makes Nelder-Mead on ``|x| / sum|x|`` (R Synth, pysyncon) wander. Two starts; best kept.
    The problem is non-convex: like R Synth, this finds a good local optimum, not a certified one.
    """
    k = C.shape[0]
    D = D / (np.sqrt((D * D).mean()) or 1.0)  # scale-free loss, so tolerances mean the same everywhere

    def weights(z):
        # Clipping makes relative importance below e^-12 a plateau, so Nelder-Mead stops instead
        # of creeping towards a corner for thousands of evaluations for 1e-12 gains.
        v = np.exp(np.concatenate([[0.0], np.clip(z, -12.0, 12.0)]))
        v /= v.sum()
        return v, _simplex_lsq(np.sqrt(v)[:, None] * C)

    def loss(z):
        r = D @ weights(z)[1]
        return r @ r

    if k == 1:
        return np.ones(1), _simplex_lsq(C)
    best = None
    for start in _v_starts(C, D):
        z0 = np.log(np.maximum(start, 1e-8))
        res = minimize(loss, z0[1:] - z0[0], method="Nelder-Mead",
                       options={"maxiter": 400 * k, "xatol": 1e-2, "fatol": 1e-8})
        if best is None or res.fun < best.fun:
            best = res
    return weights(best.x)


def _fit_adh(problem: _Problem, treated: int, donors: np.ndarray) -> _Fit:
    Y = problem.Y
    D = (Y[donors][:, problem.fit] - Y[treated, problem.fit]).T  # T0 x J outcome gaps
    if problem.X is None:
        # No predictors: match the pre-period outcome path directly (V would be uniform anyway).
        w, v = _simplex_lsq(D), None
    else:
        C = _standardised_gaps(problem.X, treated, donors)
        if problem.v is not None:
            v = problem.v
            w = _simplex_lsq(np.sqrt(v)[:, None] * C)
        else:
            v, w = _optimise_v(C, D)
    return _Fit(weights=w, synthetic=w @ Y[donors], v=v)


def _sdid_zetas(Y0_pre: np.ndarray, n_post: int) -> tuple[float, float]:
    """Regularisation from Arkhangelsky et al. (2021, eq. 2.3): noise = sd of first differences."""
    noise = np.diff(Y0_pre, axis=1).std(ddof=1) if Y0_pre.shape[1] > 1 else 0.0
    return (1 * n_post) ** 0.25 * noise, 1e-6 * noise


def _ridge_simplex(A: np.ndarray, b: np.ndarray, zeta: float) -> np.ndarray:
    """argmin over the simplex (with free intercept) of ``||A w - b||^2 / n + zeta^2 ||w||^2``."""
    A = A - A.mean(axis=0)  # a free intercept is the same as demeaning every column
    b = b - b.mean()
    C = np.vstack([(A - b[:, None]) / np.sqrt(A.shape[0]), zeta * np.eye(A.shape[1])])
    return _simplex_lsq(C)


def _fit_sdid(problem: _Problem, treated: int, donors: np.ndarray) -> _Fit:
    Y, fit, post = problem.Y, problem.fit, problem.post
    Y0_pre, y1 = Y[donors][:, fit], Y[treated]
    zeta_omega, zeta_lambda = _sdid_zetas(Y0_pre, int(post.sum()))
    omega = _ridge_simplex(Y0_pre.T, y1[fit], zeta_omega)                 # unit weights
    lam = _ridge_simplex(Y0_pre, Y[donors][:, post].mean(axis=1), zeta_lambda)  # time weights
    path = omega @ Y[donors]
    # The intercept shifts the synthetic path by the lambda-weighted pre-period difference, so that
    # the mean post-period gap is the SDID estimate (the trajectory plotted by R synthdid).
    offset = lam @ (y1[fit] - path[fit])
    return _Fit(weights=omega, synthetic=path + offset, time_weights=lam)


def _fit(problem: _Problem, treated: int, donors) -> _Fit:
    donors = np.asarray(donors, int)
    return (_fit_sdid if problem.method == "sdid" else _fit_adh)(problem, treated, donors)


def _rmspe(gap: np.ndarray, mask: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap[mask] ** 2)))


def _sdid_placebo_se(problem: _Problem) -> float:
    """Placebo variance (Arkhangelsky et al. 2021, Algorithm 4) over all donors as placebo treated.

    With one treated unit the paper's random draws pick one control at a time, so enumerating
    every control gives the B -> infinity limit without seeds. Donor pool: the other controls.
    """
    donors = np.arange(1, len(problem.units))
    taus = []
    for j in donors:
        result = _fit(problem, j, donors[donors != j])
        taus.append(np.mean((problem.Y[j] - result.synthetic)[problem.post]))
    return float(np.std(taus))  # ddof=0: the paper's 1/B variance


# ------------------------------------------------------------------------------------------------
# Result
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SynthResult(ResultMixin):
    """Synthetic control estimate for one treated unit (frozen).

    Attributes
    ----------
    estimates : DataFrame
        One row, ``term="att"``: the average post-period gap (treated minus synthetic) with tidy
        columns; ``std_error`` and interval from the SDID placebo variance (``method="sdid"``),
        NaN for ADH (use :func:`hubeval.synth_placebo`). Keys ``outcome``, ``treated_unit``,
        ``method``; ``percent`` is the effect in percent of the synthetic post-period mean.
    gaps : DataFrame
        Per period: ``time, treated, synthetic, estimate`` (the gap), ``post`` (bool), ``term``.
    weights : DataFrame
        Donor weights (``unit, weight``), largest first; they sum to 1 and are non-negative.
    balance : DataFrame
        Per predictor: ``predictor, importance`` (diagonal of V), ``treated, synthetic,
        donor_mean`` in the data's units. For SDID or no predictors: pre-period outcome mean.
    time_weights : DataFrame or None
        SDID time weights over the fitting window (``time, weight``); None for ADH.
    pre_rmspe, post_rmspe : float
        Root mean squared gap over the fitting window and the post-period.
    spec : dict
        Settings of the call (method, periods, predictors, donors count, ...).
    n_donors, n_pre, n_post : int
        Donor pool size, fitting-window and post-period lengths.
    """

    title = "Synthetic control"
    estimates: pd.DataFrame
    gaps: pd.DataFrame
    weights: pd.DataFrame
    balance: pd.DataFrame
    time_weights: pd.DataFrame | None
    pre_rmspe: float
    post_rmspe: float
    spec: dict
    n_donors: int
    n_pre: int
    n_post: int
    note: str = ""
    _problem: Any = field(default=None, repr=False, compare=False)

    @property
    def att(self) -> float:
        """The average post-period effect (``estimates.estimate[0]``)."""
        return float(self.estimates["estimate"].iloc[0])


def _balance(problem: _Problem, fitted: _Fit, outcome: str) -> pd.DataFrame:
    donors = np.arange(1, len(problem.units))
    if problem.X is None:
        X, labels = problem.Y[:, problem.fit].mean(axis=1)[None, :], (f"{outcome} (pre-period mean)",)
        importance = [np.nan]
    else:
        X, labels = problem.X, problem.labels
        importance = fitted.v if fitted.v is not None else np.full(len(labels), np.nan)
    return pd.DataFrame({"predictor": labels, "importance": importance, "treated": X[:, 0],
                         "synthetic": X[:, donors] @ fitted.weights,
                         "donor_mean": X[:, donors].mean(axis=1)})


def _build_result(problem: _Problem, fitted: _Fit, alpha: float) -> SynthResult:
    call, Y = problem.call, problem.Y
    gap = Y[0] - fitted.synthetic
    mask = problem.fit | problem.post
    gaps = pd.DataFrame({"term": "gap", "time": problem.times[mask], "treated": Y[0, mask],
                         "synthetic": fitted.synthetic[mask], "estimate": gap[mask],
                         "post": problem.post[mask]})
    att = float(gap[problem.post].mean())
    se = _sdid_placebo_se(problem) if problem.method == "sdid" else np.nan
    row = pd.DataFrame({"term": ["att"], "estimate": [att], "std_error": [se]})
    row = add_inference(row, alpha=alpha)[TIDY_COLUMNS]
    row["outcome"], row["treated_unit"], row["method"] = call["outcome"], problem.units[0], problem.method
    row["percent"] = 100 * att / fitted.synthetic[problem.post].mean()
    weights = pd.DataFrame({"unit": problem.units[1:], "weight": fitted.weights}) \
        .sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)
    time_weights = None if fitted.time_weights is None else \
        pd.DataFrame({"time": problem.times[problem.fit], "weight": fitted.time_weights})
    design = ("synthetic control (Abadie et al. 2010)" if problem.method == "synth"
              else "synthetic difference-in-differences (Arkhangelsky et al. 2021)")
    spec = {"method": problem.method, "design": f"{design}, one treated unit", "outcome": call["outcome"], "unit": call["unit"],
            "time": call["time"], "treated_unit": problem.units[0],
            "treatment_time": call["treatment_time"], "pre_period": problem.times[problem.fit].tolist(),
            "post_period": problem.times[problem.post].tolist(), "predictors": list(problem.labels),
            "v": "fixed" if problem.v is not None else ("optimised" if problem.X is not None else None),
            "alpha": alpha, "variance": "placebo" if problem.method == "sdid" else None}
    note = ("One treated unit: judge the effect by placebo tests (hb.synth_placebo); pre-period fit "
            "RMSPE should be small relative to the effect.")
    return SynthResult(estimates=row, gaps=gaps, weights=weights, balance=_balance(problem, fitted, call["outcome"]),
                       time_weights=time_weights, pre_rmspe=_rmspe(gap, problem.fit),
                       post_rmspe=_rmspe(gap, problem.post), spec=spec, n_donors=len(problem.units) - 1,
                       n_pre=int(problem.fit.sum()), n_post=int(problem.post.sum()), note=note,
                       _problem=problem)


def synth(data, *, unit: str | None = None, time: str | None = None, outcome: str,
          treated_unit=None, treatment_time=None, predictors: Sequence[str] | None = None,
          special_predictors: Sequence[tuple] | None = None, donors: Sequence | None = None,
          method: SynthMethod = "synth", pre_period: Sequence | None = None,
          post_period: Sequence | None = None, predictor_period: Sequence | None = None,
          v: Sequence[float] | dict | None = None, alpha: float = 0.05) -> SynthResult:
    """Synthetic control estimate of the effect on one treated unit.

    Parameters
    ----------
    data : DataFrame or hubeval.Panel
        Long panel, one row per unit and period.
    unit, time : str
        Unit and period columns (taken from the Panel when ``data`` is one).
    outcome : str
        Outcome column.
    treated_unit : object
        The treated unit's value in ``unit``. Optional for a Panel with one treated unit.
    treatment_time : object
        First treated period; earlier periods are pre-treatment. Optional for a Panel (the
        treated unit's cohort).
    predictors : list of str, optional
        ``method="synth"``: columns averaged over ``predictor_period`` per unit. With neither
        ``predictors`` nor ``special_predictors``, the weights match the pre-period outcome path
        directly (minimum pre-period MSPE; no V).
    special_predictors : list of tuple, optional
        ``(column, periods)`` or ``(column, periods, op)`` with op in mean, median, sum, min, max,
        e.g. ``("mfg_employment", [2005])`` for the outcome in 2005 (R Synth's convention).
    donors : list, optional
        Donor pool; default every other unit (a Panel's never-treated units). Donors need complete outcomes in the fitting
        window and the post-period.
    method : {"synth", "sdid"}
        ADH synthetic control or synthetic difference-in-differences.
    pre_period : list, optional
        Fitting window (pre-treatment periods whose outcome MSPE V minimises, and SDID's
        pre-period); default every period before ``treatment_time``.
    post_period : list, optional
        Periods averaged into the effect; default every period from ``treatment_time``.
    predictor_period : list, optional
        Periods over which ``predictors`` are averaged; default the fitting window.
    v : list or dict, optional
        Fixed predictor importance (one non-negative weight per predictor, or a dict by label);
        skips the nested optimisation of V.
    alpha : float
        Significance level for the SDID interval (and placebo tests run on this result).

    Returns
    -------
    SynthResult

    Raises
    ------
    PanelError
        Missing columns, duplicate unit-period rows, treated unit not in the data, missing
        outcomes in the fitting window or post-period, predictors without values.
    SpecError
        Treatment time outside the data, fewer than 3 pre-periods, a constant predictor, bad
        ``method``, ``donors``, ``v`` or ``special_predictors``.

    References
    ----------
    Abadie, Diamond & Hainmueller (2010), JASA 105(490). Abadie (2021), JEL 59(2).
    Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), AER 111(12).

    Examples
    --------
    >>> import numpy as np, pandas as pd, hubeval as hb
    >>> rng = np.random.default_rng(0)
    >>> trend = np.cumsum(rng.normal(1, 1, (6, 12)), axis=1)
    >>> df = pd.DataFrame([(f"c{i}", 2000 + t, trend[i, t] + (3 * (i == 0) if t >= 8 else 0))
    ...                    for i in range(6) for t in range(12)], columns=["city", "year", "jobs"])
    >>> res = hb.synth(df, unit="city", time="year", outcome="jobs", treated_unit="c0",
    ...                treatment_time=2008)
    >>> bool(abs(res.weights["weight"].sum() - 1) < 1e-9)
    True
    >>> res.n_donors, res.n_pre, res.n_post
    (5, 8, 4)
    """
    if not 0 < alpha < 1:
        raise SpecError(f"`alpha` must be between 0 and 1; got {alpha!r}. Fix: e.g. alpha=0.05.")
    frame, unit, time, treated_unit, treatment_time, donors = _frame_and_roles(
        data, unit, time, treated_unit, treatment_time, donors)
    call = dict(unit=unit, time=time, outcome=outcome, treated_unit=treated_unit,
                treatment_time=treatment_time, predictors=predictors,
                special_predictors=special_predictors, donors=donors, method=method,
                pre_period=pre_period, post_period=post_period, predictor_period=predictor_period,
                v=v, alpha=alpha)
    problem = _prepare(frame, **{k: val for k, val in call.items() if k != "alpha"}, call=call)
    fitted = _fit(problem, 0, np.arange(1, len(problem.units)))
    return _build_result(problem, fitted, alpha)
