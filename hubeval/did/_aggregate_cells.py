"""Cells of a GroupTimeResult and their cohort-size weighted averages, for :func:`hubeval.aggregate`.

Each ``_by_*`` handler returns the row keys, the row estimates, their influence functions, the
cell masks of the rows and the overall effect. With ``estimated_shares`` the influence functions
add that of the estimated cohort shares P(G = g) (R ``did``'s ``wif``); without it the shares are
the realised, design-fixed cohort sizes and contribute no variance.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from hubeval.core.errors import SpecError, format_examples
from hubeval.did.staggered import GroupTimeResult

@dataclasses.dataclass(frozen=True, eq=False)
class Cells:
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
    estimated_shares: bool  # add the influence function of the estimated P(G = g)

    @property
    def event_time(self) -> np.ndarray:
        return self.time - self.cohort


def cells_of(gt: GroupTimeResult, notes: list[str], estimated_shares: bool) -> Cells:
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
    found = cohorts[np.minimum(unit_code, len(cohorts) - 1)] == gt.unit_cohort
    unit_code = np.where(found, unit_code, -1)
    # P(G = g) as R did: mean over all firms of weight x 1{cohort = g}.
    pg_cohort = np.bincount(unit_code + 1, weights=w, minlength=len(cohorts) + 1)[1:] / len(w)
    # Copy the influence matrix only when cells must be dropped (it can be 1M firms x 45 cells).
    influence = gt.influence if valid.all() else gt.influence[:, valid]
    return Cells(cohort, est["time"].to_numpy(dtype=float)[valid],
                  est["estimate"].to_numpy(dtype=float)[valid], influence,
                  pg_cohort[code], code, unit_code, w, len(cohorts), estimated_shares)


def _weighted(masks: np.ndarray, att, influence, pg, code, unit_code, unit_weights, n_groups,
              estimated_shares: bool):
    """Cohort-size weighted averages ``theta_j = sum_k pg_k att_k / S_j`` over ``masks[j]``.

    The influence function is ``influence @ omega_j`` with the realised weights ``omega_j``.
    With ``estimated_shares`` it adds that of the estimated weights P(G = g) (R ``did``'s ``wif``),
    which simplifies to ``w_i (a_j[c_i] - theta_j b_j[c_i]) / S_j`` for a firm in cohort c_i,
    with ``a_j[c]`` the sum of att over the row's cells of cohort c and ``b_j[c]`` their number.
    """
    masks = masks.astype(float)
    total = masks @ pg
    omega = masks * pg / total[:, None]
    theta = omega @ att
    inf = times_weights(influence, omega)
    if not estimated_shares:
        return theta, inf
    onehot = np.zeros((len(att), n_groups + 1))
    onehot[np.arange(len(att)), code] = 1.0
    a, b = (masks * att) @ onehot, masks @ onehot
    coef = (a - theta[:, None] * b) / total[:, None]
    coef[:, -1] = 0.0  # column for never-participants (unit_code -1)
    unweighted = bool(np.all(unit_weights == 1.0))
    for row, firm_coef in enumerate(coef):
        inf[:, row] += firm_coef[unit_code] if unweighted else unit_weights * firm_coef[unit_code]
    return theta, inf


def times_weights(influence: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``influence @ weights.T`` summing only the nonzero weights, into a Fortran-ordered matrix.

    Each row of ``weights`` (an aggregate) usually weights a few cells, so column by column this
    reads each cell's influence column about once instead of a dense firms x cells product per
    row; mostly nonzero weights (one overall average) use the dense product.
    """
    if 2 * np.count_nonzero(weights) > weights.size:
        return np.asfortranarray(influence @ weights.T)
    out = np.zeros((len(influence), len(weights)), order="F")
    scratch = np.empty(len(influence))
    for row, omega in enumerate(weights):
        target = out[:, row]
        cells = np.flatnonzero(omega)
        if len(cells):
            np.multiply(influence[:, cells[0]], omega[cells[0]], out=target)
        for cell in cells[1:]:
            np.multiply(influence[:, cell], omega[cell], out=scratch)
            target += scratch
    return out


def _cell_rows(cells: Cells, masks: np.ndarray):
    return _weighted(masks, cells.att, cells.influence, cells.pg, cells.code, cells.unit_code,
                     cells.unit_weights, cells.n_cohorts, cells.estimated_shares)


def _window(cells: Cells, min_e, max_e) -> np.ndarray:
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
    theta, inf = weights @ cells.att, times_weights(cells.influence, weights)
    pgg = np.array([cells.pg[cells.code == c][0] for c in present])
    overall, overall_inf = _weighted(np.ones((1, len(present))), theta, inf, pgg,
                                     np.arange(len(present)),
                                     _recode(cells.unit_code, present), cells.unit_weights,
                                     len(present), cells.estimated_shares)
    keys = [int(cells.cohort[cells.code == c][0]) for c in present]
    return keys, theta, inf, masks, (overall[0], overall_inf[:, 0])


def _recode(unit_code: np.ndarray, present: list[int]) -> np.ndarray:
    lookup = np.full(int(unit_code.max()) + 2, -1)
    lookup[present] = np.arange(len(present))
    return lookup[unit_code]


def _balanced(cells: Cells, balance: int, first_year: int):
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
    overall = (theta[post].mean(), inf @ (post / post.sum()))  # mean over e >= 0, no copy
    return [int(e) for e in eseq], theta, inf, masks, overall


def _by_calendar(cells, min_e, max_e, balance, notes, **_):
    if np.isfinite(min_e) or np.isfinite(max_e) or balance is not None:
        notes.append("`min_event_time`, `max_event_time` and `balance` do not apply to "
                     "by=\"calendar\" and were ignored.")
    post = cells.cohort <= cells.time
    years = np.unique(cells.time[post])
    masks = np.array([post & (cells.time == t) for t in years])
    theta, inf = _cell_rows(cells, masks)
    return [int(t) for t in years], theta, inf, masks, (theta.mean(),
                                                     inf @ np.full(len(years), 1.0 / len(years)))


#: The handler of each ``by`` option of :func:`hubeval.aggregate`.
HANDLERS = {"simple": _by_simple, "cohort": _by_cohort, "event_time": _by_event_time,
            "calendar": _by_calendar}
