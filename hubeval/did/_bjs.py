"""The first step and the variance of the imputation estimator (Borusyak, Jaravel & Spiess 2024).

:class:`_FirstStep` fits firm and year fixed effects (and covariates) on untreated observations
by sparse least squares; :func:`_bjs_vcov` is BJS's conservative variance (Theorem 3) with
leave-out averages of the effects.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationError, SpecError, format_examples
from hubeval.core.lazy import LazyModule
from hubeval.did._common import event_term

# imported on first use, so that importing hubeval.did (e.g. for att_gt) does not load them
sparse = LazyModule("scipy.sparse")
csgraph = LazyModule("scipy.sparse.csgraph")
_linalg = LazyModule("scipy.sparse.linalg")

__all__: list[str] = []

#: Term of the overall effect in the estimates table.
OVERALL_TERM = "ATT(overall)"


class _FirstStep:
    """Sparse design ``Z = [unit dummies, year dummies (first dropped), covariates]``."""

    def __init__(self, panel, data, untreated, outcome, covariates):
        self.data, self.untreated = data, untreated
        self.unit_codes = pd.factorize(data[panel.unit])[0]
        units0 = pd.unique(data.loc[untreated, panel.unit])
        unit_index = pd.Index(units0)
        years0 = np.sort(pd.unique(data.loc[untreated, panel.time]))
        u = unit_index.get_indexer(data[panel.unit])
        t = pd.Index(years0).get_indexer(data[panel.time])
        n = len(data)
        fe_unit = sparse.csr_matrix((np.ones(n), (np.arange(n), u)), shape=(n, len(units0)))
        has_year = t > 0
        fe_year = sparse.csr_matrix((np.ones(has_year.sum()), (np.flatnonzero(has_year), t[has_year] - 1)),
                                    shape=(n, len(years0) - 1))
        self.fe = sparse.hstack([fe_unit, fe_year]).tocsr()
        _check_connected(u[untreated], t[untreated], len(units0), len(years0), panel)
        self.x = data[covariates].to_numpy(float)
        self.covariates = covariates
        self.z = sparse.hstack([self.fe, sparse.csr_matrix(self.x)]).tocsr()
        self.y = data[outcome].to_numpy(float)
        self.panel, self.outcome = panel, outcome
        if covariates:
            _check_collinear(self.fe[untreated], self.x[untreated], covariates)
        z0 = self.z[untreated]
        self.lu = _linalg.splu((z0.T @ z0).tocsc())
        self.theta = self.lu.solve(np.asarray(z0.T @ self.y[untreated]).ravel())

    def impute(self) -> tuple[np.ndarray, pd.DataFrame]:
        treated = ~self.untreated
        y0_hat = self.z[treated] @ self.theta
        tau = self.y[treated] - y0_hat
        p = self.panel
        effects = self.data.loc[treated, [p.unit, p.time, p.cohort, "_event_time", self.outcome]]
        effects = effects.rename(columns={"_event_time": "event_time"}).assign(
            event_time=lambda d: d["event_time"].astype(int), y0_hat=y0_hat, tau=tau)
        return tau, effects.reset_index(drop=True)

    def untreated_weights(self, weights: np.ndarray) -> np.ndarray:
        """``v0 = -Z0 (Z0'Z0)^-1 Z1' w``: the weight each untreated outcome gets in each estimate."""
        rhs = np.asarray(self.z[~self.untreated].T @ weights)
        return -(self.z[self.untreated] @ self.lu.solve(rhs))

    def untreated_residuals(self) -> np.ndarray:
        return self.y[self.untreated] - self.z[self.untreated] @ self.theta


def _check_connected(u, t, n_units, n_years, panel) -> None:
    graph = sparse.csr_matrix((np.ones(len(u)), (u, n_units + t)), shape=(n_units + n_years,) * 2)
    n_parts, _ = csgraph.connected_components(graph, directed=False)
    if n_parts > 1:
        raise EstimationError(
            f"The untreated firm-years split into {n_parts} groups that share no firm or year, so the "
            "firm and year effects are not identified. This happens with gaps that separate firms in "
            f"time; check the coverage of `{panel.time}` (panel.report()).")


def _check_collinear(fe0, x0, covariates) -> None:
    lu = _linalg.splu((fe0.T @ fe0).tocsc())
    residual = x0 - fe0 @ lu.solve(np.asarray(fe0.T @ x0))
    scale = np.linalg.norm(x0, axis=0)
    absorbed = [c for c, r, s in zip(covariates, np.linalg.norm(residual, axis=0), scale)
                if r <= 1e-8 * max(s, 1.0)]
    if absorbed:
        raise SpecError(f"`covariates`: {format_examples(absorbed)} are collinear with the firm and year "
                        "fixed effects on untreated observations (constant within firms, or the same for "
                        "all firms each year), so they cannot be estimated. Drop them from `covariates`.")
    # Walk the covariates in the user's order so the later of two collinear ones is named. One
    # QR of the normalised residuals (rows x k) replaces an SVD of rows x |kept| per covariate:
    # A[:, S] = Q R[:, S], so the singular values of any column subset are those of R[:, S].
    normalised = residual / np.linalg.norm(residual, axis=0)
    r = np.linalg.qr(normalised, mode="r")
    kept: list[int] = []
    redundant = []
    for j, name in enumerate(covariates):
        if np.linalg.svd(r[:, kept + [j]], compute_uv=False)[-1] > 1e-7:
            kept.append(j)
        else:
            redundant.append(name)
    if redundant:
        raise SpecError(f"`covariates` are collinear with each other (after the fixed effects): "
                        f"{format_examples(redundant)} can be written from the others. Drop "
                        f"{'it' if len(redundant) == 1 else 'them'} from `covariates`.")


# --- estimands and variance --------------------------------------------------------------------
def _weights(event_time: np.ndarray, horizons: list[int]) -> tuple[np.ndarray, list[str]]:
    """Columns: one per horizon (equal weights on its treated rows), then the overall ATT.

    Anticipation horizons (< 0) are left out of the overall ATT, as in Callaway & Sant'Anna's
    simple aggregation, so the headline effect means the same with and without anticipation.
    """
    columns = [(event_time == h).astype(float) for h in horizons]
    columns.append(np.isin(event_time, [h for h in horizons if h >= 0]).astype(float))
    weights = np.column_stack([c / c.sum() for c in columns])
    return weights, [event_term(h) for h in horizons] + [OVERALL_TERM]


def _bjs_vcov(design: _FirstStep, tau, weights, effects, panel, notes) -> np.ndarray:
    """BJS (2024) Theorem 3: ``V = S'S`` with ``S[i] = sum_t v_it e_it`` per firm."""
    v0 = design.untreated_weights(weights)
    e0 = design.untreated_residuals()
    e1 = tau - _leave_out_mean(effects, tau, panel, notes)
    n_units = design.unit_codes.max() + 1
    scores = np.zeros((n_units, weights.shape[1]))
    np.add.at(scores, design.unit_codes[design.untreated], v0 * e0[:, None])
    np.add.at(scores, design.unit_codes[~design.untreated], weights * e1[:, None])
    return scores.T @ scores


def _leave_out_mean(effects: pd.DataFrame, tau: np.ndarray, panel, notes) -> np.ndarray:
    cell = effects.groupby([panel.cohort, panel.time])["tau"]
    total, count = cell.transform("sum").to_numpy(), cell.transform("size").to_numpy()
    by_event = effects.groupby("event_time")["tau"]
    total_e, count_e = by_event.transform("sum").to_numpy(), by_event.transform("size").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(count > 1, (total - tau) / (count - 1),
                        np.where(count_e > 1, (total_e - tau) / (count_e - 1), tau))
    lone = int(((count == 1) & (count_e == 1)).sum())
    if lone:
        notes.append(f"{lone} treated firm-year(s) are alone at their event time; their residual in "
                     "the BJS variance is set to 0 (variance may be understated there).")
    return mean
