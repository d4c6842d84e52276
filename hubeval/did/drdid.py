"""Two-period, two-group (2x2) difference-in-differences on panel data, with influence functions.

The building block of :func:`hubeval.att_gt`: for one cohort g, one period t and its base period,
compare the change in the outcome of cohort g with that of the comparison units. Three estimators,
as in R ``DRDID`` (Sant'Anna & Zhao 2020) which R ``did`` calls:

- ``"reg"``: outcome regression (Heckman, Ichimura & Todd 1997), ``DRDID::reg_did_panel``;
- ``"ipw"``: normalised (Hajek) inverse probability weighting (Abadie 2005), ``std_ipw_did_panel``;
- ``"dr"``: the doubly robust estimator, ``DRDID::drdid_panel`` (logit propensity score, linear
  outcome regression on the comparison units, propensity scores of comparison units above 0.995
  trimmed, as DRDID does).

Each returns the estimate and its influence function (one value per unit of the 2x2 sample),
so that standard errors, aggregation and bootstraps never refit.

Why hand-written: statsmodels and pyfixest have no DR-DiD; the ``drdid`` package fits each cell
with statsmodels GLM, which is slow for many cells and million-unit samples. Here the
nuisance fits that depend only on the sample (propensity score, the comparison units' Gram
matrix) are split from the outcome-dependent part (:class:`Design` vs :func:`estimate`), so
:func:`hubeval.att_gt` fits them once per distinct sample and reuses them across periods.

References
----------
Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
Journal of Econometrics 219(1), 101-122.
Abadie, A. (2005). Semiparametric difference-in-differences estimators. Review of Economic
Studies 72(1), 1-19.
"""
from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

__all__ = ["Method", "METHODS", "CellFailure", "Design", "prepare_design", "estimate", "did_2x2",
           "expit"]

Method = Literal["dr", "ipw", "reg"]
METHODS: tuple[str, ...] = ("dr", "ipw", "reg")


def expit(x) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``, as :func:`scipy.special.expit` (which would
    cost att_gt's first call ~0.15 s of import).

    Written as ``1 / (1 + e)`` for ``x >= 0`` and ``e / (1 + e)`` for ``x < 0`` with
    ``e = exp(-|x|)`` in (0, 1]: nothing overflows, and far in the left tail the result is the
    tiny ``exp(x)`` (subnormal below -708) where ``1 / (1 + exp(-x))`` would give 0.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


#: Comparison units with a propensity score at or above this are given zero weight (DRDID).
TRIM_LEVEL = 0.995
#: A fitted propensity score at or above this signals (near-)perfect prediction (R ``did``).
OVERLAP_LIMIT = 0.999
_EPS = np.finfo(float).eps


class CellFailure(Exception):
    """A 2x2 comparison cannot be estimated; ``str(self)`` says why (used in recorded warnings)."""


@dataclasses.dataclass(frozen=True, eq=False)
class Design:
    """Everything of a 2x2 estimate that depends on the sample but not on the outcome.

    ``d`` treated indicator, ``x`` design matrix with intercept, ``w`` weights normalised to
    mean one; for ``ipw``/``dr`` the propensity score pieces, for ``reg``/``dr`` the inverse
    of the comparison units' weighted Gram matrix.
    """

    method: str
    d: np.ndarray
    x: np.ndarray
    w: np.ndarray
    w_treat: np.ndarray
    w_cont: np.ndarray | None = None
    asy_ps: np.ndarray | None = None
    gram_inv: np.ndarray | None = None
    ps_coef: np.ndarray | None = None


def _rcond(matrix: np.ndarray) -> float:
    try:
        value = 1.0 / np.linalg.cond(matrix, 1)
    except np.linalg.LinAlgError:
        return 0.0
    return float(value) if np.isfinite(value) else 0.0


def fit_logit(d: np.ndarray, x: np.ndarray, w: np.ndarray, *, start: np.ndarray | None = None,
              max_iter: int = 50, tol: float = 1e-11) -> tuple[np.ndarray, np.ndarray | None]:
    """Weighted logit by Newton-Raphson; returns fitted probabilities and coefficients.

    ``start`` warm-starts Newton (e.g. from the neighbouring cell of the same cohort, whose
    comparison sample differs by a few firms): the MLE is unique, so only the number of
    iterations changes, not the result (Newton's error after the last step of size 1e-11 is
    of order 1e-22). A start that does not converge falls back to zero.

    Raises :class:`CellFailure` when the design is singular. Divergence (separation) is not an
    error here: the probabilities then approach 0 or 1 and the overlap check catches it.
    """
    if x.shape[1] == 1:
        # Intercept only: the MLE is the weighted share of treated units.
        return np.full(len(d), np.sum(w * d) / np.sum(w)), None
    if start is not None and len(start) == x.shape[1] and np.all(np.isfinite(start)):
        beta, converged = _newton(d, x, w, np.array(start, dtype=float), max_iter, tol)
        if converged:
            return expit(x @ beta), beta
    beta, _ = _newton(d, x, w, np.zeros(x.shape[1]), max_iter, tol)
    return expit(x @ beta), beta


def _newton(d, x, w, beta, max_iter: int, tol: float) -> tuple[np.ndarray, bool]:
    for _ in range(max_iter):
        p = expit(x @ beta)
        info = x.T @ ((w * p * (1 - p))[:, None] * x)
        if _rcond(info) < _EPS:
            if np.max(p) > 0.99 or np.min(p) < 0.01:
                return beta, True  # separation drove the weights to zero: the overlap check decides
            raise CellFailure("the covariates are constant or collinear in this comparison "
                              "(singular propensity-score design)")
        step = np.linalg.solve(info, x.T @ (w * (d - p)))
        beta = beta + step
        if np.max(np.abs(step)) < tol * (1 + np.max(np.abs(beta))):
            return beta, True
    return beta, False


def prepare_design(d: np.ndarray, x: np.ndarray, w: np.ndarray, method: str, *,
                   start: np.ndarray | None = None) -> Design:
    """Fit the outcome-free nuisance parts of a 2x2 estimate on one sample.

    Parameters
    ----------
    d : array of 0/1
        Treated (1) or comparison (0) unit.
    x : 2-d array
        Covariates with an intercept column first (just the intercept without covariates).
    w : array
        Sampling weights (normalised to mean one here).
    method : {"dr", "ipw", "reg"}
    start : array, optional
        Starting values of the propensity-score logit (see :func:`fit_logit`).

    Raises
    ------
    CellFailure
        No treated or comparison units, covariates constant/collinear among the comparison
        units, or a propensity score reaching 0.999 (perfect prediction, no overlap).
    """
    d = np.asarray(d, dtype=float)
    w = np.asarray(w, dtype=float)
    w = w / np.mean(w)
    n = len(d)
    w_treat = w * d
    if not np.any(w_treat > 0) or not np.any(w * (1 - d) > 0):
        raise CellFailure("there are no treated or no comparison units with positive weight")
    gram_inv = None
    if method in ("reg", "dr"):
        w_ols = w * (1 - d)
        gram = x.T @ (w_ols[:, None] * x) / n
        if _rcond(gram) < _EPS:
            raise CellFailure("the covariates are constant or collinear among the comparison units "
                              "(singular outcome-regression design)")
        gram_inv = np.linalg.inv(gram)
    if method == "reg":
        return Design(method, d, x, w, w_treat, gram_inv=gram_inv)
    ps, coef = fit_logit(d, x, w, start=start)
    if np.max(ps) >= OVERLAP_LIMIT:
        raise CellFailure(f"the propensity score reaches {np.max(ps):.4f} (perfect prediction: "
                          "some covariate values occur only among treated units, no overlap)")
    ps = np.minimum(ps, 1 - 1e-6)
    keep = np.where(d == 1, True, ps < TRIM_LEVEL)
    w_cont = keep * w * ps * (1 - d) / (1 - ps)
    w_treat = keep * w_treat
    info = x.T @ ((w * ps * (1 - ps))[:, None] * x)
    if _rcond(info) < _EPS:
        raise CellFailure("the covariates are constant or collinear in this comparison "
                          "(singular propensity-score design)")
    asy_ps = (w * (d - ps))[:, None] * x @ (np.linalg.inv(info) * n)
    return Design(method, d, x, w, w_treat, w_cont=w_cont, asy_ps=asy_ps, gram_inv=gram_inv,
                  ps_coef=coef)


def estimate(design: Design, dy: np.ndarray) -> tuple:
    """The 2x2 ATT and its influence function for outcome changes ``dy`` on ``design``'s sample.

    ``dy`` is a vector (one comparison) or a matrix with one column per comparison sharing the
    sample (e.g. all years of a cohort against never-participants); the ATT is then a vector and
    the influence function a matrix. Once the design is fixed, the influence function is linear
    in ``dy`` (a diagonal part plus a few rank-one parts), which is how it is computed here: a
    handful of passes over the data for all columns at once. It is scaled so that
    ``sqrt(mean(inf**2) / n)`` is the standard error.
    """
    dy = np.asarray(dy, dtype=float)
    one = dy.ndim == 1
    dy = dy.reshape(len(dy), -1)
    att, inf = {"reg": _reg, "ipw": _ipw, "dr": _dr}[design.method](design, dy)
    return (float(att[0]), inf[:, 0]) if one else (att, inf)


def _outcome_fit(design: Design, dy: np.ndarray) -> np.ndarray:
    """Residual change ``dy - X beta`` from the comparison units' WLS, for every column of dy."""
    x = design.x
    w_ols = design.w * (1 - design.d)
    beta = design.gram_inv @ (x.T @ (w_ols[:, None] * dy)) / len(dy)
    return dy - x @ beta


def _ols_direction(design: Design, weights: np.ndarray) -> np.ndarray:
    """``w_ols_i x_i' G^-1 mean(weights x)``: how a unit's residual moves the fitted regression."""
    moment = design.x.T @ weights / len(weights)
    return design.w * (1 - design.d) * (design.x @ (design.gram_inv @ moment))


def _low_rank(design: Design, on_treat, on_cont, on_ps) -> np.ndarray:
    """``w_treat a' + w_cont b' + asy_ps C`` as one matrix product (one pass over the data)."""
    left = np.column_stack([design.w_treat, design.w_cont, design.asy_ps])
    return left @ np.vstack([on_treat, on_cont, on_ps])


def _reg(design: Design, dy: np.ndarray):
    resid = _outcome_fit(design, dy)
    w_treat, n = design.w_treat, len(dy)
    mean_wt = np.mean(w_treat)
    # ATT = mean(w_treat * (dy - out)) / mean(w_treat); out = dy - resid.
    att = (w_treat @ resid) / n / mean_wt
    inf = ((w_treat - _ols_direction(design, w_treat))[:, None] * resid
           - w_treat[:, None] * att[None, :]) / mean_wt
    return att, inf


def _ipw(design: Design, dy: np.ndarray):
    w_treat, w_cont, x, n = design.w_treat, design.w_cont, design.x, len(dy)
    mean_wt, mean_wc = np.mean(w_treat), np.mean(w_cont)
    eta_treat = (w_treat @ dy) / n / mean_wt
    eta_cont = (w_cont @ dy) / n / mean_wc
    coef = w_treat / mean_wt - w_cont / mean_wc
    moment = (x.T @ (w_cont[:, None] * dy)) / n - np.outer(x.T @ w_cont / n, eta_cont)
    inf = coef[:, None] * dy
    inf -= _low_rank(design, eta_treat / mean_wt, -eta_cont / mean_wc, moment / mean_wc)
    return eta_treat - eta_cont, inf


def _dr(design: Design, dy: np.ndarray):
    resid = _outcome_fit(design, dy)
    w_treat, w_cont, x, n = design.w_treat, design.w_cont, design.x, len(dy)
    mean_wt, mean_wc = np.mean(w_treat), np.mean(w_cont)
    eta_treat = (w_treat @ resid) / n / mean_wt
    eta_cont = (w_cont @ resid) / n / mean_wc
    coef = ((w_treat - _ols_direction(design, w_treat)) / mean_wt
            - (w_cont - _ols_direction(design, w_cont)) / mean_wc)
    moment = (x.T @ (w_cont[:, None] * resid)) / n - np.outer(x.T @ w_cont / n, eta_cont)
    inf = coef[:, None] * resid
    inf -= _low_rank(design, eta_treat / mean_wt, -eta_cont / mean_wc, moment / mean_wc)
    return eta_treat - eta_cont, inf


def did_2x2(y1, y0, d, *, covariates=None, weights=None, method: Method = "dr") -> tuple[float, float, np.ndarray]:
    """Panel 2x2 DiD: ATT, standard error and influence function (Sant'Anna & Zhao 2020).

    Parameters
    ----------
    y1, y0 : array
        Outcome of each unit after and before.
    d : array of 0/1
        1 for treated units.
    covariates : 2-d array, optional
        Baseline covariates (an intercept is added).
    weights : array, optional
        Sampling weights.
    method : {"dr", "ipw", "reg"}

    Returns
    -------
    (att, std_error, influence)

    Raises
    ------
    CellFailure
        See :func:`prepare_design`.

    Examples
    --------
    >>> import numpy as np
    >>> att, se, inf = did_2x2(np.array([2., 3, 1, 1]), np.array([1., 1, 1, 0]), np.array([1, 1, 0, 0]))
    >>> round(att, 6)
    1.0
    """
    d = np.asarray(d, dtype=float)
    n = len(d)
    x = np.ones((n, 1))
    if covariates is not None:
        cov = np.asarray(covariates, dtype=float).reshape(n, -1)
        x = np.column_stack([x, cov])
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    design = prepare_design(d, x, w, method)
    att, inf = estimate(design, np.asarray(y1, dtype=float) - np.asarray(y0, dtype=float))
    return att, float(np.sqrt(np.mean(inf ** 2) / n)), inf
