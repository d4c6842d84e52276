"""Randomization inference, and the inference panel that sets it beside the other methods.

:func:`randomization_inference` tests the sharp null of no effect for any firm by re-assigning
cohort labels (participation years, "never" included) among eligible firms, optionally within
strata such as industry x size class, and recomputing the headline statistic (Fisher 1935;
for DiD designs, MacKinnon & Webb 2020). It reports the permutation p-value, the number of
permutations and the smallest attainable p-value; when the assignments are few it enumerates
all of them (an exact test).

The statistic is any callable ``statistic(panel) -> float`` (it re-runs the estimator on each
re-assigned panel: general but slow), or one of the permutation kernels below, which compute
the same number as the estimator from a precomputed firm x year matrix in microseconds:

* :func:`cs_simple_statistic`: the Callaway-Sant'Anna simple ATT without covariates (equal to
  ``hb.aggregate(hb.att_gt(...), by="simple")``; tested), so 1,000 permutations take well
  under a second;
* :func:`twfe_statistic`: the static TWFE coefficient on a balanced panel without covariates.

:func:`inference_panel` gives, for the headline effect of one estimator, the conventional,
small-sample cluster, wild bootstrap and randomization p-values and intervals side by side, with
the numbers of treated and control clusters and a sentence on which to trust.

Both statistics are linear in the outcome, so the randomization confidence interval (the
constant effects tau not rejected, Imbens & Rubin 2015 ch. 5) costs nothing extra:
``T*(y - tau D) = T*(y) - tau T*(D)``.

References
----------
Fisher, R. A. (1935). The Design of Experiments. Oliver & Boyd.
MacKinnon, J. G. & Webb, M. D. (2020). Randomization inference for difference-in-differences
with few treated clusters. Journal of Econometrics 218(2).
Phipson, B. & Smyth, G. K. (2010). Permutation p-values should never be zero. Statistical
Applications in Genetics and Molecular Biology 9(1).
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from .errors import EstimationWarning, SpecError, format_examples
from .results import ResultMixin
from .simulate import as_generator

__all__ = ["randomization_inference", "RandomizationResult", "cs_simple_statistic", "twfe_statistic",
           "PermutationStatistic", "inference_panel", "InferencePanelResult"]

#: Enumerate every assignment when there are at most this many (and no more than n_permutations).
MAX_EXACT = 200_000


@dataclasses.dataclass(frozen=True)
class RandomizationResult(ResultMixin):
    """A randomization-inference test of the sharp null of no effect.

    Attributes
    ----------
    estimates : DataFrame
        One row: ``term, estimate`` (observed statistic), ``p_value``, ``conf_low, conf_high``
        (randomization interval for a constant effect; NaN for non-linear callables),
        ``n_permutations``, ``min_p_value``, ``exact``.
    distribution : ndarray
        The statistic under each re-assignment.
    spec : dict
    n_treated, n_eligible : int
    warnings : tuple of str
    seed
    """

    title = "Randomization inference (re-assigned cohorts)"
    estimates: pd.DataFrame
    distribution: np.ndarray
    spec: dict
    n_treated: int
    n_eligible: int
    warnings: tuple = ()
    seed: object = None

    def to_dict(self) -> dict:
        from .results import to_jsonable
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "distribution"}
        return {"type": type(self).__name__, **to_jsonable(out)}


class PermutationStatistic:
    """A statistic that is a linear function of the outcome, evaluated for any cohort assignment.

    Subclasses precompute a firm x year outcome matrix; ``value(cohorts)`` is the statistic with
    those unit cohorts and ``value(cohorts, effect_of=actual)`` the statistic computed on the
    treatment indicator of the ``actual`` assignment (for randomization intervals).
    """

    name = "statistic"

    def __init__(self, panel, outcome: str, weights: str | None = None):
        wide = panel.wide(outcome)
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


class _CsSimple(PermutationStatistic):
    name = "ATT(simple), Callaway-Sant'Anna"

    def __init__(self, panel, outcome, control, weights):
        super().__init__(panel, outcome, weights)
        if control not in ("never_treated", "not_yet_treated"):
            raise SpecError(f"`control` must be 'never_treated' or 'not_yet_treated'; got {control!r}.")
        self.control = control

    def _compute(self, y: np.ndarray, cohorts: np.ndarray) -> float:
        times, w = self.times, self.w
        labels, codes = np.unique(cohorts, return_inverse=True)
        member = np.zeros((len(labels), len(y)))
        member[codes, np.arange(len(y))] = w
        size = member.sum(axis=1)
        total, weight = 0.0, 0.0
        for k, g in enumerate(labels):
            if not np.isfinite(g) or g - 1 < times[0] or g > times[-1]:
                continue
            b = int(np.searchsorted(times, g - 1))
            # Each cell uses the firms observed in both its year and the base year (unbalanced panels).
            diff = y - y[:, b:b + 1]
            seen = np.isfinite(diff)
            sums, counts = member @ np.where(seen, diff, 0.0), member @ seen
            for j in range(b + 1, len(times)):
                ctrl = ~np.isfinite(labels) if self.control == "never_treated" else (labels > times[j])
                n_c, n_t = counts[ctrl, j].sum(), counts[k, j]
                if n_c <= 0 or n_t <= 0:
                    continue
                att = sums[k, j] / n_t - sums[ctrl, j].sum() / n_c
                total += size[k] * att
                weight += size[k]
        return total / weight if weight > 0 else np.nan


class _TwfeStatic(PermutationStatistic):
    name = "TWFE post coefficient"

    def __init__(self, panel, outcome, weights):
        super().__init__(panel, outcome, weights)
        if np.isnan(self.y).any():
            raise SpecError(
                f"`{outcome}` has missing firm-years; the TWFE permutation statistic needs a balanced "
                "panel. Pass a callable instead (e.g. `lambda p: hb.twfe(p, outcome="
                f"'{outcome}')`) or drop incomplete firms.")

    def _compute(self, y: np.ndarray, cohorts: np.ndarray) -> float:
        d = self._indicator(cohorts)
        # Balanced panel and firm-level weights: the (weighted) two-way within transformation of D
        # is closed form, D - firm mean - weighted year mean + weighted grand mean (FWL).
        p = self.w / self.w.sum()
        year_mean = p @ d
        dd = d - d.mean(axis=1, keepdims=True) - year_mean[None, :] + year_mean.mean()
        denom = (dd * dd * self.w[:, None]).sum()
        return float((dd * y * self.w[:, None]).sum() / denom) if denom > 0 else np.nan


def cs_simple_statistic(panel, *, outcome: str, control: str = "never_treated",
                        weights: str | None = None) -> PermutationStatistic:
    """The Callaway-Sant'Anna simple ATT (no covariates) as a fast permutation statistic.

    Equals ``hb.aggregate(hb.att_gt(panel, outcome=outcome, control=control, weights=weights),
    by="simple").overall["estimate"]`` (without covariates the DR, IPW and regression estimators
    coincide); on unbalanced panels each cell uses the firms observed in its year and base year.
    """
    return _CsSimple(panel, outcome, control, weights)


def twfe_statistic(panel, *, outcome: str, weights: str | None = None) -> PermutationStatistic:
    """The static TWFE coefficient on ``1[t >= cohort]`` (balanced panel, no covariates)."""
    return _TwfeStatic(panel, outcome, weights)


# --- assignments ---------------------------------------------------------------------------------
def _unit_values(panel, column) -> pd.Series:
    if column not in panel.data.columns:
        raise SpecError(f"Column `{column}` not found in the panel; available: "
                        f"{format_examples(list(panel.data.columns), 12)}.")
    return panel.data.groupby(panel.unit)[column].first()


def _strata_codes(panel, units: np.ndarray, strata) -> np.ndarray:
    if strata is None:
        return np.zeros(len(units), dtype=int)
    columns = [strata] if isinstance(strata, str) else list(strata)
    keys = pd.concat([_unit_values(panel, c).reindex(units).astype(str) for c in columns], axis=1)
    return pd.factorize(keys.agg(" / ".join, axis=1))[0]


def _eligible_mask(panel, units: np.ndarray, cohorts: np.ndarray, eligible) -> np.ndarray:
    if eligible is None:
        return np.ones(len(units), bool)
    if isinstance(eligible, str):
        mask = _unit_values(panel, eligible).reindex(units).fillna(False).astype(bool).to_numpy()
    else:
        mask = np.isin(units, list(eligible))
    left_out = np.isfinite(cohorts) & ~mask
    if left_out.any():
        raise SpecError(f"`eligible` leaves out {int(left_out.sum())} participant(s), e.g. "
                        f"{format_examples(units[left_out])}; every participant must be eligible.")
    return mask


def _check_strata(units, cohorts, mask, strata, notes) -> None:
    labels, counts = np.unique(strata[mask], return_counts=True)
    alone = [s for s, n in zip(labels, counts) if n == 1 and np.isfinite(cohorts[mask & (strata == s)]).any()]
    if alone:
        firms = [units[mask & (strata == s)][0] for s in alone]
        raise SpecError(
            f"`strata`: {len(alone)} stratum/strata hold a single eligible firm, a participant "
            f"({format_examples(firms)}); its assignment cannot vary, so the test has no power for it. "
            "Use coarser strata or more eligible comparison firms.")
    for s in labels:
        values = cohorts[mask & (strata == s)]
        if len(np.unique(values)) == 1:
            notes.append(f"A stratum with {len(values)} firms has a single cohort label; it is never "
                         "re-assigned.")


def _n_assignments(cohorts, mask, strata) -> int:
    total = 1
    for s in np.unique(strata[mask]):
        _, counts = np.unique(cohorts[mask & (strata == s)], return_counts=True)
        total *= math.factorial(int(counts.sum())) // math.prod(math.factorial(int(c)) for c in counts)
        if total > 10**12:
            return total
    return total


def _multiset_arrangements(values: np.ndarray):
    """Every distinct ordering of a multiset of labels (as position choices per label)."""
    labels, counts = np.unique(values, return_counts=True)

    def place(free, k):
        if k == len(labels) - 1:
            yield {labels[k]: free}
            return
        for chosen in itertools.combinations(free, counts[k]):
            rest = tuple(p for p in free if p not in chosen)
            for tail in place(rest, k + 1):
                yield {labels[k]: chosen, **tail}

    for layout in place(tuple(range(len(values))), 0):
        out = np.empty(len(values))
        for label, positions in layout.items():
            out[list(positions)] = label
        yield out


def _all_assignments(cohorts, mask, strata):
    blocks = [np.flatnonzero(mask & (strata == s)) for s in np.unique(strata[mask])]
    for combo in itertools.product(*[list(_multiset_arrangements(cohorts[b])) for b in blocks]):
        new = cohorts.copy()
        for b, values in zip(blocks, combo):
            new[b] = values
        yield new


def _random_assignments(cohorts, mask, strata, n, rng):
    blocks = [np.flatnonzero(mask & (strata == s)) for s in np.unique(strata[mask])]
    for _ in range(n):
        new = cohorts.copy()
        for b in blocks:
            new[b] = cohorts[rng.permutation(b)]
        yield new


# --- the test ------------------------------------------------------------------------------------
def randomization_inference(panel, statistic: Callable | PermutationStatistic, *,
                            n_permutations: int = 999, strata: str | Sequence[str] | None = None,
                            eligible: str | Sequence | None = None, alpha: float = 0.05,
                            seed=None) -> RandomizationResult:
    """Randomization (permutation) test of no effect by re-assigning cohorts among eligible firms.

    Parameters
    ----------
    panel : Panel
    statistic : callable or PermutationStatistic
        ``statistic(panel)`` returning a number or a result (its ``overall["estimate"]`` or first
        estimate is used) and re-run on every re-assigned panel; or a fast kernel from
        :func:`cs_simple_statistic` / :func:`twfe_statistic`.
    n_permutations : int, default 999
        Random re-assignments; when the distinct assignments number at most this, all are
        enumerated (exact test).
    strata : str or list of str, optional
        Firm-level columns (e.g. ``["industry", "size_class"]``): labels are permuted only
        within strata, preserving each stratum's cohort counts.
    eligible : str or sequence, optional
        Boolean firm-level column or list of firms that could have participated; others keep
        their label. Default: every firm.
    alpha : float
        For the randomization interval (linear kernels only).
    seed : int, Generator or None

    Returns
    -------
    RandomizationResult
        Two-sided p-value ``(1 + #{|T*| >= |T|}) / (R + 1)`` for random draws (Phipson & Smyth
        2010), ``#{|T*| >= |T|} / N`` over all N assignments when exact; the minimum attainable
        p-value is ``1 / (R + 1)`` or ``1 / N``.

    Raises
    ------
    SpecError
        A stratum whose only eligible firm is a participant, participants outside ``eligible``,
        unknown columns, too few permutations.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(200, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> stat = hb.cs_simple_statistic(panel, outcome="y")
    >>> res = hb.randomization_inference(panel, stat, n_permutations=999, seed=1)
    """
    if not (isinstance(n_permutations, (int, np.integer)) and n_permutations >= 19):
        raise SpecError(f"`n_permutations` must be an integer >= 19 (p-values below 0.05 need at least "
                        f"19); got {n_permutations!r}.")
    fast = isinstance(statistic, PermutationStatistic)
    if not fast and not callable(statistic):
        raise SpecError(f"`statistic` must be a callable or a PermutationStatistic; got "
                        f"{type(statistic).__name__}.")
    units = statistic.units if fast else panel.unit_cohorts.index.to_numpy()
    cohorts = statistic.cohorts if fast else panel.unit_cohorts.to_numpy(float)
    notes: list[str] = []
    mask = _eligible_mask(panel, units, cohorts, eligible)
    strata_codes = _strata_codes(panel, units, strata)
    _check_strata(units, cohorts, mask, strata_codes, notes)
    n_assign = _n_assignments(cohorts, mask, strata_codes)
    exact = n_assign <= min(int(n_permutations), MAX_EXACT)
    evaluate = statistic.value if fast else _refit(panel, units, statistic)
    observed = float(evaluate(cohorts))
    assignments = (_all_assignments(cohorts, mask, strata_codes) if exact else
                   _random_assignments(cohorts, mask, strata_codes, int(n_permutations), as_generator(seed)))
    draws, slopes = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for new in assignments:
            draws.append(float(evaluate(new)))
            if fast:
                slopes.append(statistic.value(new, effect_of=cohorts))
    draws = np.asarray(draws)
    p, low, high = _p_and_interval(observed, draws, np.asarray(slopes) if fast else None, exact, alpha)
    n_perm = len(draws)
    row = dict(term=statistic.name if fast else getattr(statistic, "__name__", "statistic"),
               estimate=observed, p_value=p, conf_low=low, conf_high=high, n_permutations=n_perm,
               min_p_value=1 / n_perm if exact else 1 / (n_perm + 1), exact=exact)
    for message in dict.fromkeys(notes):
        warnings.warn(message, EstimationWarning, stacklevel=2)
    spec = dict(n_permutations=int(n_permutations), strata=strata, eligible=None if eligible is None else
                (eligible if isinstance(eligible, str) else "list"), alpha=alpha,
                n_assignments=n_assign if n_assign <= 10**12 else float(n_assign), fast=fast)
    return RandomizationResult(pd.DataFrame([row]), draws, spec, int(np.isfinite(cohorts).sum()),
                               int(mask.sum()), tuple(dict.fromkeys(notes)), seed)


def _refit(panel, units, statistic) -> Callable[[np.ndarray], float]:
    data = panel.data

    def evaluate(cohorts: np.ndarray) -> float:
        mapping = pd.Series(cohorts, index=units)
        frame = data.assign(**{panel.cohort: data[panel.unit].map(mapping).to_numpy()})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = statistic(panel.with_data(frame))
        if hasattr(out, "overall") and isinstance(out.overall, dict):
            return float(out.overall["estimate"])
        if hasattr(out, "estimates"):
            return float(out.estimates["estimate"].iloc[0])
        return float(out)
    return evaluate


def _p_and_interval(observed, draws, slopes, exact, alpha):
    def pvalue(tau: float) -> float:
        t_obs = abs(observed - tau)
        t_perm = np.abs(draws - tau * slopes) if slopes is not None else np.abs(draws)
        hits = np.sum(t_perm >= t_obs * (1 - 1e-10) - 1e-14)
        return hits / len(draws) if exact else (1 + hits) / (len(draws) + 1)

    p = pvalue(0.0) if slopes is not None else pvalue(0.0)
    if slopes is None:
        return p, np.nan, np.nan
    spread = max(np.std(draws), abs(observed), 1e-8)
    return p, _invert(pvalue, observed, -spread, alpha), _invert(pvalue, observed, spread, alpha)


def _invert(pvalue, start: float, step: float, alpha: float) -> float:
    inner, outer = start, start + step
    for _ in range(60):
        if pvalue(outer) <= alpha:
            break
        inner, outer = outer, start + 2 * (outer - start)
    else:
        return np.inf * np.sign(step)
    for _ in range(60):
        mid = (inner + outer) / 2
        inner, outer = (mid, outer) if pvalue(mid) > alpha else (inner, mid)
        if abs(outer - inner) < 1e-7 * abs(step):
            break
    return float((inner + outer) / 2)


# --- the inference panel -------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class InferencePanelResult(ResultMixin):
    """One estimate under four kinds of inference, with a recommendation.

    Attributes
    ----------
    estimates : DataFrame
        One row per method: ``method, term, estimate, std_error, statistic, p_value, conf_low,
        conf_high, draws``.
    advice : str
        Which row to trust and why.
    n_treated_clusters, n_control_clusters : int
    spec : dict
    warnings : tuple of str
    seed
    """

    title = "Inference panel: one estimate, four kinds of inference"
    estimates: pd.DataFrame
    advice: str
    n_treated_clusters: int
    n_control_clusters: int
    spec: dict
    warnings: tuple = ()
    seed: object = None

    @property
    def note(self) -> str:
        return self.advice


def inference_panel(panel, *, outcome: str, estimator: str = "att_gt", control: str = "never_treated",
                    cluster: str | None = None, weights: str | None = None, n_boot: int = 9999,
                    n_permutations: int = 999, strata=None, eligible=None, alpha: float = 0.05,
                    seed=None) -> InferencePanelResult:
    """Conventional, small-sample, wild-bootstrap and randomization inference for one headline effect.

    Parameters
    ----------
    panel : Panel
    outcome : str
    estimator : {"att_gt", "twfe"}
        ``"att_gt"``: the Callaway-Sant'Anna simple ATT (no covariates); rows are the analytic
        influence-function interval (normal), the same with t(G - 1), the multiplier wild bootstrap
        (:func:`hubeval.bootstrap_influence`) and randomization inference. ``"twfe"``: the static
        TWFE coefficient; rows are CRV1 with the normal, CRV1 with t(G - 1), CRV3 (jackknife) with
        t(G - 1), the WCR bootstrap (:func:`hubeval.wild_cluster_bootstrap`) and RI.
    control : {"never_treated", "not_yet_treated"}
        Comparison group of ``att_gt``.
    cluster : str, optional
        Cluster column (default the firm), e.g. a region, for every method but RI.
    weights : str, optional
        Firm-level weights (e.g. from :meth:`MatchResult.to_panel`).
    n_boot, n_permutations : int
    strata, eligible
        Passed to :func:`randomization_inference`.
    alpha : float
    seed : int, Generator or None

    Returns
    -------
    InferencePanelResult

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(300, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> res = hb.inference_panel(panel, outcome="y", n_boot=999, n_permutations=199, seed=1)
    >>> res.advice  # doctest: +SKIP
    """
    if estimator not in ("att_gt", "twfe"):
        raise SpecError(f"`estimator` must be 'att_gt' or 'twfe'; got {estimator!r}.")
    rng = as_generator(seed)
    notes: list[str] = []
    treated_g, control_g = _cluster_counts(panel, cluster)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if estimator == "att_gt":
            rows = _att_gt_rows(panel, outcome, control, cluster, weights, n_boot, alpha, rng)
            kernel = cs_simple_statistic(panel, outcome=outcome, control=control, weights=weights)
        else:
            rows = _twfe_rows(panel, outcome, cluster, weights, n_boot, alpha, rng)
            kernel = twfe_statistic(panel, outcome=outcome, weights=weights)
        ri = randomization_inference(panel, kernel, n_permutations=n_permutations, strata=strata,
                                     eligible=eligible, alpha=alpha, seed=rng)
    notes += [str(w.message) for w in caught if issubclass(w.category, EstimationWarning)]
    r = ri.estimates.iloc[0]
    rows.append(dict(method="randomization inference" + (" (exact)" if r["exact"] else ""),
                     estimate=r["estimate"], std_error=np.nan, statistic=np.nan, p_value=r["p_value"],
                     conf_low=r["conf_low"], conf_high=r["conf_high"], draws=int(r["n_permutations"])))
    term = rows[0]["term"]
    table = pd.DataFrame([{k: v for k, v in row.items() if k != "term"} for row in rows])
    table.insert(1, "term", term)
    advice = _advice(table, treated_g, control_g, float(r["min_p_value"]), alpha)
    spec = dict(outcome=outcome, estimator=estimator, control=control, cluster=cluster or panel.unit,
                weights=weights, n_boot=n_boot, n_permutations=n_permutations, strata=strata, alpha=alpha)
    for message in dict.fromkeys(notes):
        warnings.warn(message, EstimationWarning, stacklevel=2)
    return InferencePanelResult(table, advice,
                                treated_g, control_g, spec, tuple(dict.fromkeys(notes)), seed)


def _cluster_counts(panel, cluster) -> tuple[int, int]:
    data = panel.data
    column = cluster or panel.unit
    if column not in data.columns:
        raise SpecError(f"`cluster` column `{column}` not found in the panel.")
    treated = data.groupby(column)[panel.cohort].apply(lambda c: bool(np.isfinite(c).any()))
    return int(treated.sum()), int((~treated).sum())


def _row(method, estimate, se, p, low, high, draws=0, term=None):
    return dict(method=method, estimate=float(estimate), std_error=float(se),
                statistic=float(estimate / se) if se and np.isfinite(se) else np.nan,
                p_value=float(p), conf_low=float(low), conf_high=float(high), draws=int(draws),
                **({"term": term} if term else {}))


def _att_gt_rows(panel, outcome, control, cluster, weights, n_boot, alpha, rng) -> list[dict]:
    from scipy import stats

    from .aggregate import aggregate
    from .inference import bootstrap_influence
    from .staggered import att_gt
    gt = att_gt(panel, outcome=outcome, control=control, weights=weights, cluster=cluster)
    agg = aggregate(gt, by="simple")
    est, se = agg.overall["estimate"], agg.overall["std_error"]
    n_clusters = (int(agg.cluster.max()) + 1) if agg.cluster is not None else agg.n_units
    z, t = stats.norm.ppf(1 - alpha / 2), stats.t.ppf(1 - alpha / 2, n_clusters - 1)
    boot = bootstrap_influence(agg, n_boot=n_boot, alpha=alpha, seed=rng).estimates.iloc[0]
    return [
        _row("conventional (influence function, normal)", est, se, 2 * stats.norm.sf(abs(est / se)),
             est - z * se, est + z * se, term=str(agg.estimates["term"].iloc[0])),
        _row(f"small-sample cluster (t, {n_clusters - 1} df)", est, se,
             2 * stats.t.sf(abs(est / se), n_clusters - 1), est - t * se, est + t * se),
        _row("wild (multiplier) bootstrap-t", est, boot["std_error"], boot["p_value"], boot["conf_low"],
             boot["conf_high"], n_boot),
    ]


def _twfe_rows(panel, outcome, cluster, weights, n_boot, alpha, rng) -> list[dict]:
    from scipy import stats

    from .did import twfe
    from .inference import wild_cluster_bootstrap
    fit = twfe(panel, outcome=outcome, cluster=cluster, weights=weights, alpha=alpha)
    head = fit.estimates.iloc[0]
    est, se, g = head["estimate"], head["std_error"], fit.n_clusters
    z = stats.norm.ppf(1 - alpha / 2)
    cv3 = twfe(panel, outcome=outcome, cluster=cluster, weights=weights, vcov="cv3", alpha=alpha).estimates.iloc[0]
    wcr = wild_cluster_bootstrap(fit, n_boot=n_boot, alpha=alpha, seed=rng).estimates.iloc[0]
    return [
        _row("conventional (CRV1, normal)", est, se, 2 * stats.norm.sf(abs(est / se)), est - z * se,
             est + z * se, term=str(head["term"])),
        _row(f"small-sample cluster (CRV1, t {g - 1} df)", est, se, head["p_value"], head["conf_low"],
             head["conf_high"]),
        _row(f"jackknife cluster (CRV3, t {g - 1} df)", est, cv3["std_error"], cv3["p_value"],
             cv3["conf_low"], cv3["conf_high"]),
        _row("wild cluster bootstrap (WCR)", est, se, wcr["p_value"], wcr["conf_low"], wcr["conf_high"],
             n_boot),
    ]


def _advice(table: pd.DataFrame, treated: int, control: int, min_p: float, alpha: float) -> str:
    p = table.set_index("method")["p_value"]
    boot = next(m for m in p.index if "bootstrap" in m)
    ri = next(m for m in p.index if m.startswith("randomization"))
    counts = f"{treated} treated and {control} control clusters"
    if treated < 5:
        text = (f"Only {counts}: every cluster-based p-value (conventional, small-sample and even the "
                "wild bootstrap, MacKinnon & Webb 2017) is unreliable. Trust randomization inference, "
                "which is exact under the sharp null if participation was as good as random among "
                "eligible firms (within strata)")
    elif treated < 30:
        text = (f"With {counts}, conventional clustered errors over-reject. Trust the {boot} p-value, "
                "with randomization inference as a check that holds if participation was as good as "
                "random among eligible firms (within strata)")
    else:
        text = (f"With {counts}, large-sample cluster inference is adequate and the methods should "
                f"agree; the {boot} p-value is the safest single number")
    significant = p < alpha
    if significant.any() and not significant.all():
        text += (f". They disagree at the {alpha:.0%} level ({', '.join(f'{m}: {v:.3f}' for m, v in p.items())}): "
                 "report the trusted one, not the smallest")
    if min_p > alpha:
        text += (f". Randomization inference cannot reach p < {alpha} here (minimum attainable p = "
                 f"{min_p:.3f}): too few assignments")
    return text + "."
