"""Estimation of the ATT(g, t) cells of :func:`~hubeval.did.staggered.att_gt`.

Cells on the same firms share one 2x2 design (:mod:`hubeval.did.drdid`) and are estimated
together; failures are collected with the reason and a fix.
"""
from __future__ import annotations

import hashlib
import warnings as _warnings

import numpy as np

from hubeval.core.errors import format_examples
from hubeval.did._gt_data import _Arrays
from hubeval.did.drdid import CellFailure, estimate, prepare_design

__all__: list[str] = []


# --- estimation ------------------------------------------------------------------------------
class _Comparisons:
    """Index sets of treated and comparison firms per cell, from one sort by cohort."""

    def __init__(self, arrays: _Arrays, control: str, anticipation: int):
        self.times, self.control, self.anticipation = arrays.times, control, anticipation
        self.order = np.argsort(arrays.cohort, kind="stable")
        self.sorted_cohort = arrays.cohort[self.order]

    def treated(self, g: float) -> np.ndarray:
        lo = np.searchsorted(self.sorted_cohort, g, side="left")
        hi = np.searchsorted(self.sorted_cohort, g, side="right")
        return self.order[lo:hi]

    def comparison(self, g: float, t: int, base: int) -> tuple[np.ndarray, tuple]:
        """Comparison firms of cell (g, t, base), and a key identifying that set."""
        if self.control == "never_treated":
            return self.order[np.searchsorted(self.sorted_cohort, np.inf, side="left"):], ("never",)
        threshold = self.times[max(t, base)] + self.anticipation
        start = int(np.searchsorted(self.sorted_cohort, threshold, side="right"))
        candidates, cohorts = self.order[start:], self.sorted_cohort[start:]
        if g > threshold:
            return candidates[cohorts != g], (start, g)
        return candidates, (start,)


def _missing_reason(outcome: str, who: str) -> str:
    """Why a cell is not estimated when its cohort or comparison firms all lack the outcome."""
    return f"`{outcome}` (or a covariate) is missing for every firm of the {who} in one of the two years"


def _constant_within_unit(wide: np.ndarray) -> bool:
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", RuntimeWarning)  # all-missing firms
        low, high = np.nanmin(wide, axis=1), np.nanmax(wide, axis=1)
    return bool(np.all((low == high) | np.isnan(low)))


def _design_key(g, comparison_key, sel_ok, complete: bool, early: int, invariant: bool) -> tuple:
    """Cells with the same firms (and covariate year, if covariates vary) share one design.

    A complete sample is identified by its cohort and comparison set; otherwise by a hash of
    the firms kept."""
    sample = ("all",) if complete else (hashlib.blake2b(sel_ok.tobytes(), digest_size=16).digest(),)
    return (g, comparison_key) + sample + (None if invariant else early,)


def _design(arrays: _Arrays, sel_ok: np.ndarray, n_treated: int, early: int, method: str,
            start: np.ndarray | None = None):
    x = np.ones((len(sel_ok), 1 + len(arrays.x)))
    for c, cov in enumerate(arrays.x):
        x[:, c + 1] = cov[:, early][sel_ok]
    d = np.zeros(len(sel_ok))
    d[:n_treated] = 1.0
    return prepare_design(d, x, arrays.weights[sel_ok], method, start=start)


def _estimate_cells(arrays: _Arrays, cells: list, comparisons: _Comparisons, method: str,
                    outcome: str, covariates: list[str], small_sample: bool = True) -> dict:
    """Estimate every cell; returns estimates, influence matrix, counts, failures, left-out firms.

    Consecutive cells on the same firms (a cohort's years against never-participants, say)
    share one design and are estimated together as the columns of one outcome-change matrix.
    """
    n, k = len(arrays.units), len(cells)
    out = dict(att=np.full(k, np.nan), influence=np.zeros((n, k), order="F"),
               counts=np.zeros((k, 2), dtype=np.int64), failures={}, left_out=0, cells_short=0,
               starts={})  # last propensity-score coefficients per cohort: warm starts
    left_out = np.zeros(n, dtype=bool)
    invariant = all(_constant_within_unit(x) for x in arrays.x)
    group = None
    for j, (g, t, base, is_reference) in enumerate(cells):
        treated = comparisons.treated(g)
        comparison, comparison_key = comparisons.comparison(g, t, base)
        if is_reference:
            out["att"][j] = 0.0
            out["counts"][j] = len(treated), len(comparison)
            continue
        sel = np.concatenate([treated, comparison])
        dy = arrays.y[:, t][sel] - arrays.y[:, base][sel]
        early = min(t, base)
        ok = np.isfinite(dy)
        for x in arrays.x:
            ok &= np.isfinite(x[:, early][sel])
        complete = bool(ok.all())
        if not complete:
            left_out[sel[~ok]] = True
            out["cells_short"] += 1
        n_tr = int(ok[:len(treated)].sum())
        out["counts"][j] = n_tr, int(ok.sum()) - n_tr
        if n_tr == 0 or out["counts"][j, 1] == 0:
            who = "cohort" if n_tr == 0 else "comparison firms"
            out["failures"].setdefault(_missing_reason(outcome, who), []).append((g, arrays.times[t]))
            continue
        sel_ok = sel if complete else sel[ok]
        key = _design_key(g, comparison_key, sel_ok, complete, early, invariant)
        if group is not None and group["key"] != key:
            _estimate_group(arrays, group, method, out, small_sample)
            group = None
        if group is None:
            group = dict(key=key, sel=sel_ok, n_treated=n_tr, early=early, cells=[], dy=[])
        group["cells"].append((j, g, arrays.times[t]))
        group["dy"].append(dy if complete else dy[ok])
    if group is not None:
        _estimate_group(arrays, group, method, out, small_sample)
    out["left_out"] = int(left_out.sum())
    return out


def _group_df_correction(inf: np.ndarray, weights: np.ndarray, n_treated: int) -> None:
    """Scale a cell's influence functions by ``sqrt(n_k / (n_k - 1))`` within each group k.

    k is the treated cohort (the first ``n_treated`` rows) or the comparison firms, ``n_k`` its
    firms with positive weight. Without covariates this turns the influence-function variance
    (two sample variances with divisor n) into the unbiased two-sample one, which is HC2 for the
    2x2 regression on a treated dummy (Imbens & Kolesar 2016). In place; groups of one unchanged.
    """
    for rows in (slice(0, n_treated), slice(n_treated, len(inf))):
        n_k = int(np.count_nonzero(weights[rows] > 0))
        if n_k > 1:
            inf[rows] *= np.sqrt(n_k / (n_k - 1))


def _estimate_group(arrays: _Arrays, group: dict, method: str, out: dict,
                    small_sample: bool = True) -> None:
    sel = group["sel"]
    try:
        g = group["cells"][0][1]
        design = _design(arrays, sel, group["n_treated"], group["early"], method, out["starts"].get(g))
        att, inf = estimate(design, np.column_stack(group["dy"]))
    except CellFailure as failure:
        out["failures"].setdefault(str(failure), []).extend((g, t) for _, g, t in group["cells"])
        return
    if design.ps_coef is not None:
        out["starts"][g] = design.ps_coef
    inf *= len(arrays.units) / len(sel)  # R did: n / n_cell, so SE = sqrt(sum inf^2) / n
    if small_sample:
        _group_df_correction(inf, arrays.weights[sel], group["n_treated"])
    for column, (j, _, _) in enumerate(group["cells"]):
        out["att"][j] = att[column]
        out["influence"][:, j][sel] = inf[:, column]


_FIXES = {
    "collinear": "Remove or recode the covariate(s) that do not vary within the comparison.",
    "propensity score reaches": "Use fewer or coarser covariates, or method=\"reg\".",
    "missing for every firm": "Check the outcome's coverage in those years.",
    "no treated or no comparison": "Check `weights` for those firms.",
}


def _failure_notes(failures: dict) -> list[str]:
    notes = []
    for reason, cells in failures.items():
        shown = format_examples([f"({int(g)}, {int(t)})" for g, t in cells])
        fix = next((f for key, f in _FIXES.items() if key in reason), "")
        notes.append(f"ATT(g,t) not estimated for {len(cells)} cell(s) (cohort, year) {shown}: "
                     f"{reason}. They are NaN and left out of aggregations. {fix}".rstrip())
    return notes


def _cohort_notes(n_treated: dict) -> list[str]:
    single = [g for g, size in n_treated.items() if size == 1]
    if not single:
        return []
    return [f"Cohort(s) {format_examples(single)} have a single firm: their ATT(g,t) describe one "
            "firm, their standard errors are unreliable and they must not be published on their own."]
