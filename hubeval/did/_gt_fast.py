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
    """Firms coded by cohort value (never-participants last), per-code sums and weighted means
    of each year, and each firm's outcome centred by its own code's mean (complete years only)."""

    def __init__(self, arrays: _Arrays):
        cohort, w, y = arrays.cohort, arrays.weights, arrays.y
        self.values = np.sort(np.asarray(_distinct(cohort)))
        self.code = np.searchsorted(self.values, cohort)
        k = len(self.values)
        self.weighted = not bool(np.all(w == 1.0))
        self.w = w
        self.count = np.bincount(self.code, minlength=k).astype(float)
        self.weight = np.bincount(self.code, weights=w, minlength=k) if self.weighted else self.count
        self.positive = (np.bincount(self.code, weights=(w > 0).astype(float), minlength=k)
                         if self.weighted else self.count)
        self.complete = ~np.isnan(y).any(axis=0)
        self.sums = np.full((k, y.shape[1]), np.nan)
        self.means = np.zeros((k, y.shape[1]))
        has_weight = self.weight > 0  # a code without weight keeps mean 0 (never in a fast cell)
        for t in np.flatnonzero(self.complete):
            values = y[:, t] * w if self.weighted else y[:, t]
            self.sums[:, t] = np.bincount(self.code, weights=values, minlength=k)
            self.means[has_weight, t] = self.sums[has_weight, t] / self.weight[has_weight]
        self.centred = None

    def centre(self, y: np.ndarray, in_place: bool) -> None:
        """Each firm's outcome minus its code's mean, in the complete years; ``in_place``
        overwrites ``y`` (no second firms x years matrix), which is then no longer the outcome."""
        self.centred = y if in_place else np.empty(y.shape, order="F")
        for t in np.flatnonzero(self.complete):
            np.subtract(y[:, t], self.means[self.code, t], out=self.centred[:, t])

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
    plans = [(int(groups.codes_of([g])[0]),
              _comparison_codes(groups, g, t, base, arrays.times, control, anticipation))
             for g, t, base, _ in cells]
    complete = groups.complete
    if not all(_usable(groups.weight[tr], groups.weight[co].sum())
               for (_, t, base, reference), (tr, co) in zip(cells, plans)
               if not reference and complete[t] and complete[base]):
        return None  # the general path fails or trims such cells: let it
    # with every year observed for every firm no cell can send us to the general path any more,
    # so arrays.y (built for this call) may be overwritten by the centred outcomes
    groups.centre(arrays.y, in_place=bool(complete.all()))
    n, k = len(arrays.units), len(cells)
    out = dict(att=np.full(k, np.nan), influence=np.zeros((n, k), order="F"),
               counts=np.zeros((k, 2), dtype=np.int64), failures={}, left_out=0, cells_short=0)
    left_out = np.zeros(n, dtype=bool)
    scales = {}  # per-firm factor of the last complete (cohort, comparison): cells share it
    for j, ((g, t, base, is_reference), (treated, comparison)) in enumerate(zip(cells, plans)):
        if is_reference:
            out["att"][j] = 0.0
            out["counts"][j] = int(groups.count[treated]), int(groups.count[comparison].sum())
            continue
        column = out["influence"][:, j]
        if groups.complete[t] and groups.complete[base]:
            done = _complete_cell(groups, column, treated, comparison, t, base, n, small_sample,
                                  scales)
        else:
            done = _short_cell(groups, arrays.y, column, treated, comparison, t, base, n,
                               small_sample, left_out, out)
        if done is None:
            return None  # the general path fails or trims such cells: let it
        out["counts"][j] = done[1:]
        if np.isnan(done[0]):
            reason = missing_reason(outcome, "cohort" if done[1] == 0 else "comparison firms")
            out["failures"].setdefault(reason, []).append((g, arrays.times[t]))
        out["att"][j] = done[0]
    out["left_out"] = int(left_out.sum())
    return out


def _usable(w_tr: float, w_co: float) -> bool:
    """Positive weight on both sides and a treated share below the trimming level (else the
    general path: it reports the failure, or trims, as R DRDID does)."""
    return w_tr > 0 and w_co > 0 and w_tr / (w_tr + w_co) < TRIM_LEVEL


def _scales(groups: _Groups, treated, comparison, weight, positive, n: int,
            small_sample: bool) -> np.ndarray:
    """``N / W_1`` (cohort), ``-N / W_0`` (comparison), 0 (others) per code, df-corrected."""
    scale = np.zeros(len(groups.values))
    scale[treated] = n / weight[treated] * _df_factor(positive[treated], small_sample)
    scale[comparison] = (-n / weight[comparison].sum()
                         * _df_factor(positive[comparison].sum(), small_sample))
    return scale


def _complete_cell(groups, column, treated, comparison, t, base, n, small_sample, scales):
    """A cell whose two years are observed for every firm: centred outcomes, cached scales."""
    w_co = float(groups.weight[comparison].sum())  # usable: checked for all cells before
    change = groups.means[:, t] - groups.means[:, base]
    mean_tr = change[treated]
    if len(comparison) == 1:
        mean_co = change[comparison[0]]
    else:
        mean_co = (groups.sums[comparison, t] - groups.sums[comparison, base]).sum() / w_co
    np.subtract(groups.centred[:, t], groups.centred[:, base], out=column)
    if len(comparison) > 1:  # centred by each cohort's own mean: shift to the comparison's
        shift = np.zeros(len(groups.values))
        shift[comparison] = mean_co - change[comparison]
        column -= shift[groups.code]
    key = (treated, tuple(comparison))
    if key not in scales:
        scales.clear()
        factor = _scales(groups, treated, comparison, groups.weight, groups.positive, n,
                         small_sample)[groups.code]
        scales[key] = factor * groups.w if groups.weighted else factor
    column *= scales[key]
    return (mean_tr - mean_co, int(groups.count[treated]), int(groups.count[comparison].sum()))


def _short_cell(groups, y, column, treated, comparison, t, base, n, small_sample, left_out, out):
    """A cell with firms lacking the outcome in one of its years: they are left out of it."""
    code = groups.code
    np.subtract(y[:, t], y[:, base], out=column)
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
    if n_tr == 0 or n_co == 0:
        column[:] = 0.0
        return (np.nan, n_tr, n_co)
    w_tr, w_co = float(weight[treated]), float(weight[comparison].sum())
    if not _usable(w_tr, w_co):
        return None
    mean_tr, mean_co = sums[treated] / w_tr, sums[comparison].sum() / w_co
    shift = np.zeros(len(groups.values))
    shift[treated], shift[comparison] = mean_tr, mean_co
    column -= shift[code]
    column *= _scales(groups, treated, comparison, weight, positive, n, small_sample)[code]
    if groups.weighted:
        column *= groups.w
    column[~valid] = 0.0
    return (mean_tr - mean_co, n_tr, n_co)


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
