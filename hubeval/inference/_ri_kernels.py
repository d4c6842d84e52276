"""Permutation kernels for :mod:`hubeval.inference.randomization`: estimators as linear functions of the outcome.

Each kernel precomputes a firm x year outcome matrix once; ``value(cohorts)`` then recomputes
the estimator for any cohort assignment in microseconds, which is what makes 1,000-permutation
randomization inference cheap. The kernels are hand-written because a permutation re-fits the
same estimator thousands of times; each is tested equal to the library estimator it mirrors:

* :class:`CsSimple`: ``hb.aggregate(hb.att_gt(..., anticipation=a), by="simple")`` without
  covariates (Callaway & Sant'Anna 2021), unbalanced panels included;
* :class:`TwfeStatic`: the static TWFE coefficient on ``post = 1[t >= cohort]``, with (when
  ``anticipation > 0``) a separate ``anticipation_window`` dummy for the ``anticipation`` years
  before entry, as the TWFE benchmark of :func:`hubeval.evaluate_outcome` does; unbalanced
  panels, firm-level weights and extra regressors (e.g. covariate x year columns) included.
"""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError


def check_anticipation(anticipation) -> int:
    """Refuse anything but a whole number of years >= 0 (same message as the estimators)."""
    if (isinstance(anticipation, bool) or not isinstance(anticipation, (int, np.integer))
            or anticipation < 0):
        raise SpecError(f"`anticipation` must be a whole number of years >= 0 (how many years before "
                        f"entry firms may already react); got {anticipation!r}.")
    return int(anticipation)


class PermutationStatistic:
    """A statistic that is a linear function of the outcome, evaluated for any cohort assignment.

    Subclasses precompute a firm x year outcome matrix; ``value(cohorts)`` is the statistic with
    those unit cohorts and ``value(cohorts, effect_of=actual)`` the statistic computed on the
    post-entry indicator ``1[t >= cohort]`` of the ``actual`` assignment (for randomization
    intervals: a constant effect from entry on).
    """

    name = "statistic"

    def __init__(self, panel, outcome: str, weights: str | None = None, anticipation: int = 0):
        wide = panel.wide(outcome)
        self.anticipation = check_anticipation(anticipation)
        self.units = wide.index.to_numpy()
        self.times = wide.columns.to_numpy()
        self.y = wide.to_numpy(float)
        self.cohorts = panel.unit_cohorts.reindex(self.units).to_numpy(float)
        self.w = (np.ones(len(self.units)) if weights is None else
                  panel.data.groupby(panel.unit)[weights].first().reindex(self.units).to_numpy(float))

    def value(self, cohorts: np.ndarray, effect_of: np.ndarray | None = None) -> float:
        y = self.y if effect_of is None else self._indicator(effect_of)
        return self._compute(y, np.asarray(cohorts, float))

    def _indicator(self, cohorts: np.ndarray) -> np.ndarray:
        # Missing where the outcome is missing, so that T(y - tau D) = T(y) - tau T(D) exactly.
        d = (self.times[None, :] >= np.asarray(cohorts, float)[:, None]).astype(float)
        return np.where(np.isnan(self.y), np.nan, d)

    def _compute(self, y: np.ndarray, cohorts: np.ndarray) -> float:  # pragma: no cover
        raise NotImplementedError


class CsSimple(PermutationStatistic):
    """Callaway-Sant'Anna simple ATT (no covariates) for any assignment."""

    name = "ATT(simple), Callaway-Sant'Anna"

    def __init__(self, panel, outcome, control, weights, anticipation=0):
        super().__init__(panel, outcome, weights, anticipation)
        if control not in ("never_treated", "not_yet_treated"):
            raise SpecError(f"`control` must be 'never_treated' or 'not_yet_treated'; got {control!r}.")
        self.control = control

    def _compute(self, y: np.ndarray, cohorts: np.ndarray) -> float:
        times, w, a = self.times, self.w, self.anticipation
        # As att_gt (R did): cohorts entering after the last year + anticipation are never treated
        # within the window, so they join the never-participants.
        cohorts = np.where(cohorts > times[-1] + a, np.inf, cohorts)
        labels, codes = np.unique(cohorts, return_inverse=True)
        member = np.zeros((len(labels), len(y)))
        member[codes, np.arange(len(y))] = w
        size = member.sum(axis=1)
        total, weight = 0.0, 0.0
        for k, g in enumerate(labels):
            # Base year: the last year before the anticipation window (t + a < g); post cells t >= g.
            b = int(np.searchsorted(times, g - a, side="left")) - 1
            first = int(np.searchsorted(times, g, side="left"))
            if not np.isfinite(g) or b < 0 or first >= len(times):
                continue
            # Each cell uses the firms observed in both its year and the base year (unbalanced panels).
            diff = y - y[:, b:b + 1]
            seen = np.isfinite(diff)
            sums, counts = member @ np.where(seen, diff, 0.0), member @ seen
            for j in range(first, len(times)):
                # Not-yet-treated comparisons must also be outside their own anticipation window.
                ctrl = ~np.isfinite(labels) if self.control == "never_treated" else (labels > times[j] + a)
                n_c, n_t = counts[ctrl, j].sum(), counts[k, j]
                if n_c <= 0 or n_t <= 0:
                    continue
                att = sums[k, j] / n_t - sums[ctrl, j].sum() / n_c
                total += size[k] * att
                weight += size[k]
        return total / weight if weight > 0 else np.nan


class TwfeStatic(PermutationStatistic):
    """Static TWFE ``post`` coefficient (firm and year effects) for any assignment.

    By Frisch-Waugh-Lovell the coefficient is ``e1' (Z~'WZ~)^-1 Z~'W y`` with ``Z~`` the treatment
    regressors after (weighted) within-firm demeaning and residualising on the within-firm
    demeaned year dummies and extra regressors. That residual-maker does not depend on the
    assignment, so its projection is precomputed; a permutation costs one pass over the rows.
    """

    name = "TWFE post coefficient"

    def __init__(self, panel, outcome, weights, anticipation=0, covariates=()):
        super().__init__(panel, outcome, weights, anticipation)
        extra = [panel.wide(c).reindex(index=self.units, columns=self.times).to_numpy(float)
                 for c in covariates]
        obs = np.isfinite(self.y) & (self.w[:, None] > 0)
        for x in extra:
            obs &= np.isfinite(x)
        self.obs = obs
        self.row_unit, row_time = np.nonzero(obs)
        self.row_w = self.w[self.row_unit]
        self.unit_w = np.bincount(self.row_unit, weights=self.row_w, minlength=len(self.units))
        years = (row_time[:, None] == np.arange(1, len(self.times))[None, :]).astype(float)
        controls = self._within(np.column_stack([years, *[x[obs] for x in extra]]))
        weighted = controls * self.row_w[:, None]
        self.controls = controls
        self.projection = np.linalg.pinv(controls.T @ weighted) @ weighted.T

    def _within(self, values: np.ndarray) -> np.ndarray:
        """Weighted within-firm demeaning of the columns of ``values`` (rows: observed firm-years)."""
        n = len(self.units)
        sums = np.column_stack([np.bincount(self.row_unit, weights=values[:, i] * self.row_w, minlength=n)
                                for i in range(values.shape[1])])
        means = np.divide(sums, self.unit_w[:, None], out=np.zeros_like(sums),
                          where=self.unit_w[:, None] > 0)
        return values - means[self.row_unit]

    def regressors(self, cohorts: np.ndarray) -> np.ndarray:
        """``post`` and (with anticipation) ``anticipation_window`` for the observed firm-years."""
        event = self.times[None, :] - np.asarray(cohorts, float)[:, None]
        columns = [(event >= 0)[self.obs]]
        if self.anticipation:
            columns.append(((event < 0) & (event >= -self.anticipation))[self.obs])
        return np.column_stack(columns).astype(float)

    def _compute(self, y: np.ndarray, cohorts: np.ndarray) -> float:
        z = self._within(self.regressors(cohorts))
        z = z - self.controls @ (self.projection @ z)
        zw = z * self.row_w[:, None]
        lhs, rhs = zw.T @ z, zw.T @ y[self.obs]
        if lhs[0, 0] <= 1e-12 * max(len(z), 1) or np.linalg.matrix_rank(lhs) < len(lhs):
            return np.nan
        return float(np.linalg.solve(lhs, rhs)[0])
