"""Randomization inference: re-assign the cohorts, recompute the statistic, compare.

:func:`randomization_inference` tests the sharp null of no effect for any firm by re-assigning
cohort labels (participation years, "never" included) among eligible firms, optionally within
strata such as industry x size class, and recomputing the headline statistic (Fisher 1935;
for DiD designs, MacKinnon & Webb 2020). It reports the permutation p-value, the number of
permutations and the smallest attainable p-value; when the assignments are few it enumerates
all of them (an exact test).

The statistic is any callable ``statistic(panel) -> float`` (it re-runs the estimator on each
re-assigned panel: general but slow), or one of the permutation kernels below, which compute
the same number as the estimator from a precomputed firm x year matrix in microseconds:

* :func:`cs_simple_statistic`: the Callaway-Sant'Anna simple ATT without covariates, with any
  ``anticipation`` (equal to ``hb.aggregate(hb.att_gt(...), by="simple")``; tested), so 1,000
  permutations take well under a second;
* :func:`twfe_statistic`: the static TWFE ``post`` coefficient (balanced or unbalanced panel,
  weights, extra regressors; with anticipation a separate anticipation-window dummy).

The kernels live in the private module :mod:`hubeval.inference._ri_kernels`.

:func:`~hubeval.inference.method_panel.inference_panel` (in :mod:`hubeval.inference.method_panel`)
sets randomization inference beside the conventional, small-sample and wild bootstrap inference.

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
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.core.progress import progress_bar
from hubeval.core.random import as_generator
from hubeval.core.results import ResultMixin, result_field
from hubeval.data.views import relabel_cohorts
from hubeval.inference._ri_assignments import (
    all_assignments,
    log10_n_assignments,
    n_assignments,
    random_assignments,
)
from hubeval.inference._ri_kernels import (
    CsSimple,
    PermutationStatistic,
    TwfeStatic,
)

__all__ = ["randomization_inference", "RandomizationResult", "cs_simple_statistic", "twfe_statistic"]

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
        The settings, with ``n_assignments`` (the exact number of distinct re-assignments, None
        above 1e12) and ``log10_n_assignments`` (its log10, for any register size).
    n_treated, n_eligible : int
    warnings : tuple of str
    seed
    """

    title = "Randomization inference (re-assigned cohorts)"
    estimates: pd.DataFrame
    distribution: np.ndarray = result_field(serialize="omit")  # simulation draws
    spec: dict
    n_treated: int
    n_eligible: int
    warnings: tuple = ()
    seed: object = None


def cs_simple_statistic(panel, *, outcome: str, control: str = "never_treated",
                        weights: str | None = None, anticipation: int = 0) -> PermutationStatistic:
    """The Callaway-Sant'Anna simple ATT (no covariates) as a fast permutation statistic.

    Parameters
    ----------
    panel : Panel
    outcome : str
    control : {"never_treated", "not_yet_treated"}
    weights : str, optional
        Firm-level weight column.
    anticipation : int, default 0
        Years before entry in which firms may already react (or dip): the base year is the last
        year before ``cohort - anticipation`` and not-yet-treated comparisons must enter after
        ``t + anticipation``, as in :func:`hubeval.att_gt`.

    Returns
    -------
    PermutationStatistic
        Its ``value(cohorts)`` equals ``hb.aggregate(hb.att_gt(panel, outcome=outcome,
        control=control, weights=weights, anticipation=anticipation), by="simple")
        .overall["estimate"]`` (without covariates the DR, IPW and regression estimators
        coincide); on unbalanced panels each cell uses the firms observed in its year and base year.

    Raises
    ------
    SpecError
        Unknown ``control``; ``anticipation`` not a whole number >= 0.

    References
    ----------
    Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2).

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(200, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> stat = hb.cs_simple_statistic(panel, outcome="y", anticipation=1)
    >>> estimate = stat.value(stat.cohorts)
    """
    return CsSimple(panel, outcome, control, weights, anticipation)


def twfe_statistic(panel, *, outcome: str, weights: str | None = None, anticipation: int = 0,
                   covariates: Sequence[str] | None = None) -> PermutationStatistic:
    """The static TWFE coefficient on ``post = 1[t >= cohort]`` as a fast permutation statistic.

    Parameters
    ----------
    panel : Panel
        Balanced or unbalanced (firm-years with a missing outcome or covariate are left out, as
        :func:`hubeval.twfe` does).
    outcome : str
    weights : str, optional
        Firm-level weight column (regression weights).
    anticipation : int, default 0
        With ``a > 0`` a separate ``anticipation_window`` dummy (event times ``-a .. -1``) enters
        beside ``post``, so a pre-entry dip is not averaged into the post-entry effect: the TWFE
        benchmark of :func:`hubeval.evaluate_outcome`.
    covariates : list of str, optional
        Extra regressors, as ``hb.twfe(covariates=...)`` (e.g. the covariate x year columns of
        :func:`hubeval.covariate_year_effects`).

    Returns
    -------
    PermutationStatistic
        Its ``value(cohorts)`` equals the ``post`` coefficient of ``hb.twfe(panel,
        outcome=outcome, covariates=covariates, weights=weights)`` (``anticipation=0``) or of
        ``hb.twfe(..., treatment=["post", "anticipation_window"])`` with those columns built from
        the cohort (``anticipation > 0``).

    Raises
    ------
    SpecError
        ``anticipation`` not a whole number >= 0.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(200, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> stat = hb.twfe_statistic(panel, outcome="y", anticipation=1)
    >>> estimate = stat.value(stat.cohorts)
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    return TwfeStatic(panel, outcome, weights, anticipation, covariates)


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
    log10_assign = log10_n_assignments(cohorts, mask, strata_codes)
    n_assign = n_assignments(cohorts, mask, strata_codes, log10_assign)
    exact = n_assign is not None and n_assign <= min(int(n_permutations), MAX_EXACT)
    evaluate = statistic.value if fast else _refit(panel, units, statistic)
    observed = float(evaluate(cohorts))
    assignments = (all_assignments(cohorts, mask, strata_codes) if exact else
                   random_assignments(cohorts, mask, strata_codes, int(n_permutations), as_generator(seed)))
    draws, slopes = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for new in progress_bar(assignments, total=n_assign if exact else int(n_permutations),
                                desc="permutations"):
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
                n_assignments=n_assign if n_assign is not None and n_assign <= 10**12 else None,
                log10_n_assignments=log10_assign, fast=fast,
                anticipation=getattr(statistic, "anticipation", None))
    return RandomizationResult(pd.DataFrame([row]), draws, spec, int(np.isfinite(cohorts).sum()),
                               int(mask.sum()), tuple(dict.fromkeys(notes)), seed)


def _refit(panel, units, statistic) -> Callable[[np.ndarray], float]:
    # Only the cohort labels change between draws: relabel the validated panel instead of
    # re-building (and re-validating) it from its data frame for every permutation.
    index = pd.Index(units)

    def evaluate(cohorts: np.ndarray) -> float:
        permuted = relabel_cohorts(panel, pd.Series(cohorts, index=index))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = statistic(permuted)
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
