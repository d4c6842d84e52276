"""Lean OLS with unit and year fixed effects and a CRV1 covariance clustered by unit.

Hand-written because :func:`pyfixest.feols` holds several firm-year x regressor copies at once
(its model matrix, the row selection, the demeaned arrays, the scores): at national scale
(100,000 firms, 1.1M firm-years, ~30 regressors) that alone pushed the BJS pre-trend regression
of :func:`hubeval.imputation` past 4 GB per kernel. This module keeps one float64 copy of
``[y, X]`` and overwrites it in place:

1. the unit effects are absorbed by within-unit demeaning (group means through ``np.bincount``);
2. the year effects by Frisch-Waugh-Lovell: the columns are residualised on the year dummies,
   themselves demeaned within unit. Their cross-products come from the unit x year counts, so
   the dummies are never built; the result is the exact two-way within transformation, also on
   unbalanced panels (no iterations, no convergence tolerance);
3. collinear regressors are dropped by the rule of fixest and pyfixest: a sequential Cholesky
   pass over ``X'X`` of the demeaned design, a column is dropped when its pivot falls below
   ``collin_tol`` (pyfixest's default 1e-9, absolute);
4. CRV1 clustered by unit with pyfixest's default small-sample factor
   ``(N - 1) / (N - k - T) * G / (G - 1)``: ``k`` kept slopes, ``T`` year levels, ``G`` units; the
   unit effects are nested in the clusters so they do not count (``ssc(k_fixef="nonnested")``).

The tests check coefficients, covariance and the dropped columns against :func:`pyfixest.feols`
(``fixef_rm="none"``) on unbalanced panels to 1e-10.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationError

#: pyfixest's (and fixest's) default collinearity tolerance for ``feols``.
COLLIN_TOL = 1e-9


@dataclasses.dataclass(frozen=True)
class FeOlsFit:
    """Slopes of a unit + year fixed-effects regression (``fe_ols``).

    Attributes
    ----------
    coef : Series
        Kept slopes, in the order given.
    vcov : DataFrame
        CRV1 covariance clustered by unit (pyfixest's default small-sample factor).
    collinear : tuple of str
        Regressors dropped as collinear with the fixed effects or earlier regressors (fixest's
        order: a column is dropped if it is spanned by the kept columns before it).
    n_obs, n_clusters, n_years : int
    ssc : float
        The small-sample factor applied to the sandwich.
    """

    coef: pd.Series
    vcov: pd.DataFrame
    collinear: tuple
    n_obs: int
    n_clusters: int
    n_years: int
    ssc: float


def fe_ols(y, X: Mapping, unit, time, *, collin_tol: float = COLLIN_TOL) -> FeOlsFit:
    """OLS of ``y`` on the columns of ``X`` with unit and year fixed effects, CRV1 by unit.

    Parameters
    ----------
    y : array-like, length n
    X : mapping of name -> array-like of length n (a DataFrame or a dict)
        Copied once, column by column, into the working array.
    unit, time : array-like, length n
        Unit (also the cluster) and year labels; rows need not be balanced or sorted.
    collin_tol : float
        Pivot below which a demeaned regressor counts as collinear.

    Returns
    -------
    FeOlsFit

    Raises
    ------
    EstimationError
        Rows of different lengths or missing values. Collinear regressors are not an error:
        they are listed in ``collinear`` (all of them, with empty ``coef``, if none is
        identified; pyfixest raises then).
    """
    names = [str(name) for name in X.keys()]
    unit_code, n_units = _codes(unit)
    year_code, n_years = _codes(time)
    n = len(unit_code)
    work = np.empty((n, len(names) + 1), order="F")  # the one copy: [y, X]
    if len(year_code) != n:
        raise EstimationError("fe_ols: y, X, unit and time need the same rows.")
    for j, values in enumerate([y] + [X[name] for name in names]):
        work[:, j] = np.asarray(values, dtype=float)
        if not np.isfinite(work[:, j]).all():
            raise EstimationError(f"fe_ols: missing values in {(['y'] + names)[j]}.")
    _demean_two_way(work, unit_code, n_units, year_code, n_years)
    cross = work.T @ work[:, 1:]  # [y, X]' X: X'y and X'X without slicing copies
    gram, ytil, xtil = cross[1:], work[:, 0], work[:, 1:]
    keep = _independent(gram, collin_tol)
    idx = np.flatnonzero(keep)
    bread = np.linalg.inv(gram[np.ix_(idx, idx)])
    coef = bread @ cross[0, idx]
    # Residuals overwrite y's column; the scores are summed per unit one regressor at a time.
    for b, j in zip(coef, idx):
        ytil -= b * xtil[:, j]
    scores = np.empty((n_units, len(idx)))
    for out, j in enumerate(idx):
        scores[:, out] = np.bincount(unit_code, weights=xtil[:, j] * ytil, minlength=n_units)
    meat = scores.T @ scores
    n_clusters = int(np.count_nonzero(np.bincount(unit_code, minlength=n_units)))
    ssc = (n - 1) / (n - len(idx) - n_years) * n_clusters / (n_clusters - 1)
    vcov = ssc * bread @ meat @ bread
    kept = [names[j] for j in idx]
    return FeOlsFit(pd.Series(coef, index=kept), pd.DataFrame(vcov, index=kept, columns=kept),
                    tuple(names[j] for j in np.flatnonzero(~keep)), n, n_clusters, n_years,
                    float(ssc))


def _codes(labels) -> tuple[np.ndarray, int]:
    codes, levels = pd.factorize(np.asarray(labels), sort=False)
    if (codes < 0).any():
        raise EstimationError("fe_ols: missing unit or year labels.")
    return codes.astype(np.intp, copy=False), len(levels)


def _demean_two_way(work: np.ndarray, unit: np.ndarray, n_units: int, year: np.ndarray,
                    n_years: int) -> None:
    """Overwrite every column of ``work`` with its residual on unit and year dummies."""
    size = np.bincount(unit, minlength=n_units).astype(float)
    size[size == 0] = 1.0
    for j in range(work.shape[1]):  # 1. within units
        column = work[:, j]
        column -= (np.bincount(unit, weights=column, minlength=n_units) / size)[unit]
    if n_years < 2:
        return
    # 2. FWL on the within-unit demeaned year dummies D = Y - S Y with S the unit-mean operator.
    # share[i, s] = share of unit i's rows in year s; D'D = diag(rows per year) - share' counts.
    counts = np.bincount(unit * n_years + year, minlength=n_units * n_years).reshape(n_units, n_years)
    share = counts / size[:, None]
    dtd = np.diag(counts.sum(axis=0).astype(float)) - share.T @ counts
    # D'D has rank T - 1 (the dummies sum to the demeaned constant, zero) when the panel is
    # connected; its pseudo-inverse projects onto the dummies' span either way.
    values, vectors = np.linalg.eigh(dtd)
    good = values > values.max() * 1e-10
    dtd_pinv = (vectors[:, good] / values[good]) @ vectors[:, good].T
    for j in range(work.shape[1]):
        column = work[:, j]
        # D'w = Y'w - share' (unit sums of w); the unit sums are ~0 after step 1 but kept exact.
        dtw = (np.bincount(year, weights=column, minlength=n_years)
               - share.T @ np.bincount(unit, weights=column, minlength=n_units))
        beta = dtd_pinv @ dtw
        column -= beta[year]
        column += (share @ beta)[unit]


def _independent(gram: np.ndarray, tol: float) -> np.ndarray:
    """fixest's rule: Cholesky column by column, dropping a column whose pivot is below ``tol``."""
    k = gram.shape[0]
    upper = np.zeros((k, k))
    keep = np.zeros(k, dtype=bool)
    for j in range(k):
        prev = np.flatnonzero(keep[:j])
        pivot = gram[j, j] - upper[prev, j] @ upper[prev, j]
        if pivot < tol:
            continue
        keep[j] = True
        upper[j, j] = np.sqrt(pivot)
        rest = np.arange(j + 1, k)
        upper[j, rest] = (gram[rest, j] - upper[prev][:, rest].T @ upper[prev, j]) / upper[j, j]
    return keep
