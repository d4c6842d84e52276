"""Data preparation of :func:`~hubeval.did.staggered.att_gt`: unit x time matrices, cohorts and cells.
"""
from __future__ import annotations

import dataclasses
import warnings as _warnings

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError, format_examples
from hubeval.data.panel import Panel

__all__: list[str] = []


# --- data preparation ------------------------------------------------------------------------
@dataclasses.dataclass(eq=False)
class _Arrays:
    """Unit x time matrices built once from the panel (columns contiguous for fast slicing)."""

    units: np.ndarray
    times: np.ndarray
    cohort: np.ndarray
    y: np.ndarray
    x: list
    weights: np.ndarray
    cluster: np.ndarray | None


def _wide(values: np.ndarray, positions, shape) -> np.ndarray:
    out = np.empty(shape, order="F")
    if positions is None:  # balanced: row blocks of the sorted table are the firms
        rows, block = values.reshape(shape), 1 << 16
        for start in range(0, shape[0], block):  # blocked transpose: cache-friendly
            out[start:start + block] = rows[start:start + block]
        return out
    out.fill(np.nan)
    out[positions] = values
    return out


def _codes(panel: Panel, data: pd.DataFrame, times: np.ndarray):
    """Sorted units, the first row of each, and (unit code, time code) of each row, or None
    when the panel is balanced.

    A Panel's rows are sorted by unit and time (no duplicates), so a balanced panel is a
    sequence of blocks of ``len(times)`` rows, and the units of any panel are runs of rows."""
    ids, years = data[panel.unit].to_numpy(), data[panel.time].to_numpy()
    n_times = len(times)
    if len(ids) % n_times == 0:
        blocks = ids.reshape(-1, n_times)
        if (np.array_equal(blocks[:, 0], blocks[:, -1])
                and (years.reshape(-1, n_times) == times).all()):
            return blocks[:, 0].copy(), np.arange(0, len(ids), n_times), None
    if ids.dtype.kind in "iuf":
        first = np.r_[True, ids[1:] != ids[:-1]]
        units, ucode = ids[first], np.cumsum(first) - 1
    else:
        ucode, units = pd.factorize(data[panel.unit], sort=True)
        first = np.r_[True, ucode[1:] != ucode[:-1]]
        units = np.asarray(units)
    return units, np.flatnonzero(first), (ucode, np.searchsorted(times, years))


def _per_unit(panel_name: str, role: str, wide: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Collapse a column that must be constant within firm to one value per firm."""
    with np.errstate(invalid="ignore"), _warnings.catch_warnings():
        _warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanmin(wide, axis=1), np.nanmax(wide, axis=1)
    varying = np.flatnonzero(low != high)
    if len(varying):
        raise SpecError(
            f"Column `{panel_name}` ({role}) varies over time within {len(varying)} firm(s), e.g. "
            f"{format_examples(units[varying])}. It must be constant within each firm; use each "
            "firm's value in one year (e.g. the first) for every year.")
    return low


def _build_arrays(panel: Panel, outcome: str, covariates: list[str], weights: str | None,
                  cluster: str | None) -> _Arrays:
    columns = [panel.unit, panel.time, panel.cohort, outcome] + covariates
    columns += [c for c in (weights, cluster) if c is not None and c not in columns]
    data = panel.data[list(dict.fromkeys(columns))]
    times = panel.times
    units, first, positions = _codes(panel, data, times)
    shape = (len(units), len(times))
    cohort = data[panel.cohort].to_numpy(dtype=float)[first]  # constant within unit (Panel)
    y = _wide(data[outcome].to_numpy(dtype=float), positions, shape)
    x = [_wide(data[c].to_numpy(dtype=float), positions, shape) for c in covariates]
    w = np.ones(len(units))
    if weights is not None:
        w = _per_unit(weights, "weights", _wide(data[weights].to_numpy(dtype=float), positions,
                                                shape), np.asarray(units))
    codes = None
    if cluster is not None:
        ccode, _ = pd.factorize(data[cluster])
        per_unit = _per_unit(cluster, "cluster", _wide(ccode.astype(float), positions, shape),
                             np.asarray(units))
        codes = pd.factorize(per_unit)[0].astype(np.int64)
    return _Arrays(np.asarray(units), times, cohort, y, x, w, codes)


def _check_covariates(arrays: _Arrays, covariates: list[str]) -> None:
    for name, wide in zip(covariates, arrays.x):
        values = wide[np.isfinite(wide)]
        if values.size == 0 or np.all(values == values[0]):
            raise SpecError(f"Covariate `{name}` is constant (or missing) for every firm, so it cannot "
                            "adjust the comparison. Remove it from `covariates`.")


# --- cohorts, periods and cells --------------------------------------------------------------
def _last_pre(g: float, times: np.ndarray, anticipation: int) -> int | None:
    """Index of the last year unaffected by entry in g (R: tail(which(tlist + a < g), 1))."""
    idx = np.flatnonzero(times + anticipation < g)
    return int(idx[-1]) if len(idx) else None


def _resolve_cohorts(arrays: _Arrays, control: str, anticipation: int, notes: list[str]) -> tuple[_Arrays, list]:
    """Apply R ``did``'s sample rules to cohorts and periods; every change goes into ``notes``."""
    times, cohort = arrays.times, arrays.cohort.copy()
    late = np.isfinite(cohort) & (cohort > times[-1] + anticipation)
    if late.any():
        notes.append(f"Cohort(s) {format_examples(np.unique(cohort[late]).astype(int))} enter after the "
                     f"last year ({times[-1]}): their {int(late.sum())} firm(s) are used as never-participants.")
        cohort[late] = np.inf
    cohorts = np.sort(pd.unique(cohort[np.isfinite(cohort)]))
    keep_t = np.ones(len(times), dtype=bool)
    if not np.isinf(cohort).any():
        if control == "never_treated":
            raise SpecError(
                f"`control=\"never_treated\"` but the panel has no never-participants, so cohort(s) "
                f"{format_examples(cohorts.astype(int))} have no comparison units. Use "
                "`control=\"not_yet_treated\"` (firms that join later serve as comparisons) or add "
                "non-participating firms.")
        last = cohorts[-1]
        keep_t = times < last - anticipation
        notes.append(f"No never-participants: cohort {int(last)} serves only as the not-yet-treated "
                     f"comparison, and years from {int(last - anticipation)} on are dropped (no "
                     "comparison units remain then).")
        cohorts = cohorts[cohorts < last]
    times = times[keep_t]
    no_pre = [g for g in cohorts if _last_pre(g, times, anticipation) is None]
    if no_pre:
        notes.append(f"Cohort(s) {format_examples(np.asarray(no_pre).astype(int))} have no year before "
                     f"entry (anticipation={anticipation}) and are dropped with their "
                     f"{int(np.isin(cohort, no_pre).sum())} firm(s).")
        cohorts = np.asarray([g for g in cohorts if g not in no_pre])
    if len(cohorts) == 0 or len(times) < 2:
        raise SpecError(f"No cohort can be estimated: every cohort lacks a year before entry "
                        f"(anticipation={anticipation}) or a comparison group. Add earlier years or "
                        "never-participating firms. Lowering `anticipation` would count possibly "
                        "affected years as untreated, which biases the estimates if firms react "
                        "before entry.")
    keep_u = ~np.isin(cohort, no_pre)
    if keep_u.all() and keep_t.all():  # nothing dropped: no copies of the unit x time matrices
        return dataclasses.replace(arrays, cohort=cohort), list(cohorts)
    out = _Arrays(arrays.units[keep_u], times, cohort[keep_u], arrays.y[keep_u][:, keep_t],
                  [x[keep_u][:, keep_t] for x in arrays.x], arrays.weights[keep_u],
                  None if arrays.cluster is None else pd.factorize(arrays.cluster[keep_u])[0])
    return out, list(cohorts)


def _plan_cells(cohorts, times, base_period: str, anticipation: int) -> list[tuple]:
    """Cells (g, t index, base index, is reference cell) in R ``did``'s order."""
    cells = []
    for g in cohorts:
        pre = _last_pre(g, times, anticipation)
        first = 1 if base_period == "varying" else 0
        for t in range(first, len(times)):
            base = pre if (base_period == "universal" or g - anticipation <= times[t]) else t - 1
            cells.append((g, t, base, base_period == "universal" and base == t))
    return cells
