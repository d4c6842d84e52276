"""ATT(g, t) without covariates as differences of group means, straight into the influence matrix.

Without covariates the doubly robust, IPW and regression 2x2 estimators of
:mod:`hubeval.did.drdid` all reduce to a difference of weighted means: with ``W_1`` and ``W_0`` the
summed weights of the cohort's and the comparison firms in the cell, ``m_1`` and ``m_0`` their
weighted mean outcome changes and ``N`` all firms, ATT = m_1 - m_0 and the influence function
(scaled as :mod:`hubeval.did._gt_cells` scales it) is ``N w_i (dy_i - m_1) / W_1`` for the cohort's
firms, ``-N w_i (dy_i - m_0) / W_0`` for the comparison firms and 0 for the others (the propensity
score is the constant share of treated weight, so its correction terms vanish). This module
computes every cell that way: group sums from one ``bincount`` per year (per cell only where the
outcome is missing), then a few passes over the firms per cell, written into the cell's column of
the influence matrix. No 2x2 design is built and no firm subset is copied.

Hand-written because it is the 1-million-firm path of :func:`hubeval.att_gt` (``benchmarks/
bench_staggered.py``): the general cell loop spends most of its time gathering firm subsets and in
matrix products that are trivial without covariates. It returns None, and the general path runs,
whenever its shortcut could differ from the general estimator: covariates, a cell whose
treated share of weight reaches the propensity-score trimming level, or a group without positive
weight (where the general path reports the failure). ``tests/did/test_gt_fast.py`` checks it
against the general path cell by cell.
"""
from __future__ import annotations

import numpy as np

from hubeval.did._gt_data import _Arrays
from hubeval.did.drdid import TRIM_LEVEL

__all__: list[str] = []

#: Private switch: False forces the general cell loop (used by the tests to compare the two).
ENABLED = True


class _Groups:
    """Firms coded by cohort value (never-participants last) and the per-code sums of each year."""

    def __init__(self, arrays: _Arrays):
        cohort = arrays.cohort
        self.values = np.unique(np.asarray(_distinct(cohort)))
        self.code = np.searchsorted(self.values, cohort)
        k = len(self.values)
        self.weighted = not bool(np.all(arrays.weights == 1.0))
        w = arrays.weights
        self.w = w
        self.count = np.bincount(self.code, minlength=k).astype(float)
        self.weight = np.bincount(self.code, weights=w, minlength=k) if self.weighted else self.count
        self.positive = (np.bincount(self.code, weights=(w > 0).astype(float), minlength=k)
                         if self.weighted else self.count)
        y = arrays.y
        self.complete = ~np.isnan(y).any(axis=0)
        self.sums = np.full((k, y.shape[1]), np.nan)
        for t in np.flatnonzero(self.complete):
            values = y[:, t] * w if self.weighted else y[:, t]
            self.sums[:, t] = np.bincount(self.code, weights=values, minlength=k)

    def codes_of(self, cohorts) -> np.ndarray:
        return np.searchsorted(self.values, np.asarray(cohorts, dtype=float))


def _distinct(values: np.ndarray) -> np.ndarray:
    import pandas as pd  # a hash of a few distinct cohorts beats sorting a million values

    return pd.unique(values)


def _comparison_codes(groups: _Groups, g: float, t: int, base: int, times, control: str,
                      anticipation: int) -> np.ndarray:
    """Codes of the comparison cohorts of cell (g, t, base), as :class:`_Comparisons` picks firms."""
    values = groups.values
    if control == "never_treated":
        return np.flatnonzero(np.isinf(values))
    threshold = times[max(t, base)] + anticipation
    return np.flatnonzero((values > threshold) & (values != g))


def _df_factor(positive: float, small_sample: bool) -> float:
    return float(np.sqrt(positive / (positive - 1))) if small_sample and positive > 1 else 1.0


def fast_cells(arrays: _Arrays, cells: list, control: str, anticipation: int, outcome: str,
               covariates: list[str], small_sample: bool, missing_reason) -> dict | None:
    """The fit dict of :func:`~hubeval.did._gt_cells._estimate_cells`, or None for the general path.

    ``missing_reason(outcome, who)`` is the general path's text for a cell whose cohort or
    comparison firms all lack the outcome.
    """
    if not ENABLED or covariates:
        return None
    groups = _Groups(arrays)
    n, k = len(arrays.units), len(cells)
    out = dict(att=np.full(k, np.nan), influence=np.zeros((n, k), order="F"),
               counts=np.zeros((k, 2), dtype=np.int64), failures={}, left_out=0, cells_short=0)
    left_out = np.zeros(n, dtype=bool)
    y, times, code = arrays.y, arrays.times, groups.code
    for j, (g, t, base, is_reference) in enumerate(cells):
        treated = int(groups.codes_of([g])[0])
        comparison = _comparison_codes(groups, g, t, base, times, control, anticipation)
        if is_reference:
            out["att"][j] = 0.0
            out["counts"][j] = int(groups.count[treated]), int(groups.count[comparison].sum())
            continue
        column = out["influence"][:, j]
        np.subtract(y[:, t], y[:, base], out=column)
        valid = None
        if groups.complete[t] and groups.complete[base]:
            sums, weight, count, positive = (groups.sums[:, t] - groups.sums[:, base], groups.weight,
                                             groups.count, groups.positive)
        else:
            valid = ~np.isnan(column)
            column[~valid] = 0.0
            sums, weight, count, positive = _cell_sums(groups, column, valid)
            member = np.zeros(len(groups.values), dtype=bool)
            member[treated] = member[comparison] = True
            short = ~valid & member[code]
            if short.any():
                left_out |= short
                out["cells_short"] += 1
        n_tr, n_co = int(count[treated]), int(count[comparison].sum())
        out["counts"][j] = n_tr, n_co
        if n_tr == 0 or n_co == 0:
            column[:] = 0.0
            reason = missing_reason(outcome, "cohort" if n_tr == 0 else "comparison firms")
            out["failures"].setdefault(reason, []).append((g, times[t]))
            continue
        w_tr, w_co = float(weight[treated]), float(weight[comparison].sum())
        if w_tr <= 0 or w_co <= 0 or w_tr / (w_tr + w_co) >= TRIM_LEVEL:
            return None  # the general path fails or trims such cells: let it
        mean_tr, mean_co = sums[treated] / w_tr, sums[comparison].sum() / w_co
        out["att"][j] = mean_tr - mean_co
        shift, scale = np.zeros(len(groups.values)), np.zeros(len(groups.values))
        shift[treated], shift[comparison] = mean_tr, mean_co
        scale[treated] = n / w_tr * _df_factor(positive[treated], small_sample)
        scale[comparison] = -n / w_co * _df_factor(positive[comparison].sum(), small_sample)
        column -= shift[code]
        column *= scale[code]
        if groups.weighted:
            column *= groups.w
        if valid is not None:
            column[~valid] = 0.0
    out["left_out"] = int(left_out.sum())
    return out


def _cell_sums(groups: _Groups, dy: np.ndarray, valid: np.ndarray):
    """Per-code sums over the firms observed in both years of a cell (dy zero elsewhere)."""
    k, code = len(groups.values), groups.code
    present = valid.astype(float)
    count = np.bincount(code, weights=present, minlength=k)
    if not groups.weighted:
        return np.bincount(code, weights=dy, minlength=k), count, count, count
    w = groups.w * present
    return (np.bincount(code, weights=w * dy, minlength=k), np.bincount(code, weights=w, minlength=k),
            count, np.bincount(code, weights=present * (groups.w > 0), minlength=k))
