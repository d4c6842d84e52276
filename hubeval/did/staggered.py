"""Group-time average treatment effects for staggered adoption (Callaway & Sant'Anna 2021).

:func:`att_gt` estimates ATT(g, t), the average effect in year t on the firms that entered the
program in year g (cohort g), for every cohort and year, each from a 2x2 comparison of cohort g
with never-participants or not-yet-participants between t and a base period before entry
(:mod:`hubeval.did.drdid`: doubly robust, IPW or regression). The result keeps each firm's influence
function for every ATT(g, t), so :func:`hubeval.aggregate`, :func:`hubeval.pretrend_test` and the
bootstraps of :mod:`hubeval.inference.wild` never refit.

The estimator follows R ``did`` (version 2.x, panel data) cell by cell: the same cells, base
periods, comparison groups, trimming and influence functions, so estimates agree with it (and
with the ``csdid`` Python port) to numerical precision, and so do the analytic standard errors with
``small_sample=False``; see ``tests/did/test_staggered.py``. Differences:

- by default (``small_sample=True``) each cell's influence functions carry a per-group
  ``n / (n - 1)`` degrees-of-freedom correction, which R ``did`` lacks (see :func:`att_gt`);
- unbalanced panels are not balanced first; a firm is left out only of the comparisons for which
  it lacks the outcome (or a covariate) in one of the two years (recorded in ``result.warnings``);
- a cohort with no never-participants to compare with raises :class:`~hubeval.core.errors.SpecError`
  instead of silently turning the last cohort into the comparison group;
- the uniform band of the multiplier bootstrap standardises by the analytic standard errors.

Why hand-written: neither statsmodels nor pyfixest implement it, and ``csdid``/``differences``
are 10-100 times slower on firm registers (``benchmarks/bench_staggered.py``). Without
covariates every cell is a difference of weighted means, which :mod:`hubeval.did._gt_fast`
computes straight into the influence matrix (same numbers as the general loop to rounding).

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. Journal of Econometrics 225(2), 200-230.
Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
Journal of Econometrics 219(1), 101-122.
"""
from __future__ import annotations

import dataclasses
import warnings as _warnings
from typing import Literal, get_args

import numpy as np
import pandas as pd

from hubeval.core.results import normal_quantile, normal_two_sided_p
from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.core.results import ResultMixin, percent_effect, result_field
from hubeval.data.panel import Panel
from hubeval.did._common import check_log_scale
from hubeval.did._gt_cells import (
    _cohort_notes,
    _Comparisons,
    _estimate_cells,
    _failure_notes,
    _missing_reason,
)
from hubeval.did._gt_fast import fast_cells
from hubeval.did._gt_data import (
    _build_arrays,
    _check_covariates,
    _plan_cells,
    _resolve_cohorts,
)
from hubeval.did.drdid import METHODS
from hubeval.did.influence import influence_se, influence_vcov, multiplier_bootstrap

__all__ = ["att_gt", "GroupTimeResult", "Control", "BasePeriod", "MultiplierWeights"]

Control = Literal["never_treated", "not_yet_treated"]
BasePeriod = Literal["varying", "universal"]
#: Multiplier-bootstrap weights of the uniform band (not the wild bootstrap's
#: :data:`hubeval.inference.weights.BootWeights`, which has more options).
MultiplierWeights = Literal["rademacher", "mammen"]
CONTROLS: tuple[str, ...] = get_args(Control)
BASE_PERIODS: tuple[str, ...] = get_args(BasePeriod)
BOOT_WEIGHTS: tuple[str, ...] = get_args(MultiplierWeights)


# --- result ----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, eq=False)
class GroupTimeResult(ResultMixin):
    """Group-time average treatment effects ATT(g, t), with per-firm influence functions.

    Attributes
    ----------
    estimates : DataFrame
        One row per (cohort, time): ``term, cohort, time, event_time, estimate, std_error,
        statistic, p_value, conf_low, conf_high`` (``band_low, band_high`` with ``n_boot > 0``),
        ``base_time``, ``n_treated``, ``n_control``.
    spec : dict
        The settings of the call (outcome, control, method, covariates, ...).
    n_units : int
        Firms in the estimation (rows of ``influence``).
    n_treated : dict
        Firms per cohort.
    influence : ndarray, shape (n_units, n_cells)
        Influence function of each ATT(g, t), in the row order of ``estimates``; the standard
        error of cell j is ``sqrt(sum(influence[:, j]**2)) / n_units`` (without clustering).
    units : ndarray
        Firm identifier of each row of ``influence``.
    unit_cohort : ndarray
        Cohort of each firm (``inf`` for never-participants).
    unit_weights : ndarray
        Sampling weight of each firm (ones without ``weights``).
    cluster : ndarray or None
        Integer cluster code of each firm when ``cluster`` was given.
    crit_value : float or None
        Critical value of the uniform band (``n_boot > 0``).
    warnings : tuple of str
        Everything dropped or chosen for the user.
    seed : int, Generator or None
    """

    title = "Group-time average treatment effects, ATT(g,t) (Callaway & Sant'Anna 2021)"
    estimates: pd.DataFrame
    spec: dict
    n_units: int
    n_treated: dict
    # per-firm arrays: only the shape of the influence functions is written, nothing else per firm
    influence: np.ndarray = result_field(serialize="shape")
    units: np.ndarray = result_field(serialize="omit")
    unit_cohort: np.ndarray = result_field(serialize="omit")
    unit_weights: np.ndarray = result_field(serialize="omit")
    cluster: np.ndarray | None = result_field(serialize="omit", default=None)
    crit_value: float | None = None
    warnings: tuple[str, ...] = ()
    seed: object = None

    def percent(self, *, log_outcome: bool | None = None) -> pd.DataFrame:
        """Estimates in percent, ``100 * (exp(b) - 1)``, for a log outcome (bounds transformed too).

        Refused for outcomes not in logs unless ``log_outcome=True`` (the rule of
        :meth:`AggregateResult.percent`).
        """
        check_log_scale(str(self.spec.get("outcome")), log_outcome)
        return _percent(self.estimates)

    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the ATT(g, t) estimates from the influence functions."""
        terms = self.estimates["term"].to_list()
        return pd.DataFrame(influence_vcov(self.influence, self.cluster), index=terms, columns=terms)


def _percent(frame: pd.DataFrame) -> pd.DataFrame:
    out = percent_effect(frame)
    for col in ("band_low", "band_high"):
        if col in out:
            out[col] = 100 * np.expm1(frame[col].astype(float))
    return out


def _as_list(covariates) -> list[str]:
    if covariates is None:
        return []
    return [covariates] if isinstance(covariates, str) else list(covariates)


def _check_option(name: str, value, options) -> None:
    if value not in options:
        shown = ", ".join(f'"{o}"' for o in options)
        raise SpecError(f"`{name}` must be one of {shown}; got {value!r}.")


def _check_column(panel: Panel, role: str, column, *, numeric: bool = True) -> None:
    data_columns = panel.data.columns
    if not isinstance(column, str) or column not in data_columns:
        raise SpecError(
            f"`{role}` names column {column!r}, which is not in the panel. Available columns: "
            f"{format_examples(list(data_columns), limit=12)}.")
    if numeric and not pd.api.types.is_numeric_dtype(panel.data[column]):
        raise SpecError(f"`{role}` column `{column}` must be numeric; it has dtype "
                        f"{panel.data[column].dtype}. Convert it to numbers first.")


def _validate(panel, outcome, control, method, covariates, anticipation, base_period, alpha,
              n_boot, boot_weights, weights, cluster) -> None:
    if not isinstance(panel, Panel):
        raise SpecError(f"`panel` must be a hubeval.Panel; got {type(panel).__name__}. Build one "
                        "with hb.Panel(df, unit=..., time=..., cohort=...).")
    _check_option("control", control, CONTROLS)
    _check_option("method", method, METHODS)
    _check_option("base_period", base_period, BASE_PERIODS)
    _check_option("boot_weights", boot_weights, BOOT_WEIGHTS)
    _check_column(panel, "outcome", outcome)
    roles = {panel.unit, panel.time, panel.cohort, outcome}
    for column in covariates:
        _check_column(panel, "covariates", column)
        if column in roles:
            raise SpecError(f"`covariates` contains `{column}`, which is the outcome or a panel role "
                            "(unit, time, cohort). Remove it from `covariates`.")
    for role, column in (("weights", weights), ("cluster", cluster)):
        if column is not None:
            _check_column(panel, role, column, numeric=role == "weights")
    if not isinstance(anticipation, (int, np.integer)) or anticipation < 0:
        raise SpecError(f"`anticipation` must be a whole number of years >= 0; got {anticipation!r}.")
    if not isinstance(alpha, (float, int)) or not 0 < alpha < 1:
        raise SpecError(f"`alpha` must be strictly between 0 and 1 (0.05 for 95% intervals); got {alpha!r}.")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise SpecError(f"`n_boot` must be a whole number >= 0 (0 for no bootstrap, e.g. 999); got {n_boot!r}.")
    if weights is not None:
        w = panel.data[weights]
        if w.isna().any() or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise SpecError(f"`weights` column `{weights}` must be finite and >= 0 with a positive "
                            f"total; it has {int(w.isna().sum())} missing and {int((w < 0).sum())} "
                            "negative values. Fill or fix them.")


def tidy_table(keys: dict, estimate, std_error, alpha: float, extra: dict | None = None) -> pd.DataFrame:
    """A tidy table built in one go: ``keys``, then estimate, std_error, statistic, p_value,
    normal confidence interval, then ``extra`` columns (same columns as results.add_inference,
    without its per-column pandas overhead, which dominates for small tables)."""
    estimate, std_error = np.asarray(estimate, dtype=float), np.asarray(std_error, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = estimate / np.where(std_error > 0, std_error, np.nan)
    z = normal_quantile(1 - alpha / 2)
    columns = dict(keys, estimate=estimate, std_error=std_error, statistic=statistic,
                   p_value=normal_two_sided_p(statistic), conf_low=estimate - z * std_error,
                   conf_high=estimate + z * std_error)
    return pd.DataFrame(dict(columns, **(extra or {})))


def _estimates_table(cells, times, fit, alpha) -> pd.DataFrame:
    g = np.array([c[0] for c in cells], dtype=float)
    t = times[[c[1] for c in cells]]
    keys = {"term": [f"ATT({int(a)},{int(b)})" for a, b in zip(g, t)], "cohort": g.astype(int),
            "time": t.astype(int), "event_time": (t - g).astype(int)}
    extra = {"base_time": times[[c[2] for c in cells]].astype(int),
             "n_treated": fit["counts"][:, 0], "n_control": fit["counts"][:, 1]}
    return tidy_table(keys, fit["att"], fit["std_error"], alpha, extra)


def _add_band(frame: pd.DataFrame, crit: float) -> pd.DataFrame:
    frame = frame.copy()
    position = frame.columns.get_loc("conf_high") + 1
    frame.insert(position, "band_low", frame["estimate"] - crit * frame["std_error"])
    frame.insert(position + 1, "band_high", frame["estimate"] + crit * frame["std_error"])
    return frame


def att_gt(panel: Panel, *, outcome: str, control: Control = "never_treated", method: str = "dr",
           covariates: str | list[str] | None = None, anticipation: int = 0,
           base_period: BasePeriod = "varying", alpha: float = 0.05, n_boot: int = 0,
           boot_weights: MultiplierWeights = "rademacher", seed=None, weights: str | None = None,
           cluster: str | None = None, small_sample: bool = True) -> GroupTimeResult:
    """Group-time average treatment effects ATT(g, t) of Callaway & Sant'Anna (2021).

    For each cohort g (firms entering in year g) and year t, compares the outcome change of
    cohort g between a base year and t with that of the comparison firms, by the doubly robust
    (default), IPW or regression 2x2 estimator of Sant'Anna & Zhao (2020). Standard errors come
    from the influence functions, which the result keeps for aggregation and bootstraps.

    Parameters
    ----------
    panel : Panel
        The firm panel; never-participants have cohort ``inf``.
    outcome : str
        Outcome column (e.g. log value added per worker).
    control : {"never_treated", "not_yet_treated"}
        Comparison firms: never-participants only, or also firms that join after year t
        (and after the base year), plus ``anticipation`` years.
    method : {"dr", "ipw", "reg"}
        Doubly robust, normalised inverse probability weighting, or outcome regression. Without
        covariates all three give the same numbers.
    covariates : str or list of str, optional
        Pre-entry firm characteristics to condition parallel trends on. Each 2x2 comparison uses
        each firm's value in the earlier of its two years (the base year for every post-entry
        cell), as R ``did`` does with panel data; a firm lacking it there is left out of that cell.
    anticipation : int, default 0
        Years before entry in which firms may already react; base years move back accordingly.
    base_period : {"varying", "universal"}
        Pre-entry cells compare consecutive years ("varying", R's default) or every year with the
        last year before entry ("universal", whose reference cell is 0 with no standard error).
    alpha : float, default 0.05
        1 - confidence level of the intervals and bands.
    n_boot : int, default 0
        Multiplier-bootstrap draws for a uniform (simultaneous) band over all ATT(g, t); 0 for none.
    boot_weights : {"rademacher", "mammen"}
        Multiplier distribution of the bootstrap.
    seed : int, Generator or None
        Seed of the bootstrap.
    weights : str, optional
        Column of sampling weights, constant within firm (e.g. from matching or survey design).
    cluster : str, optional
        Column with a cluster above the firm (e.g. industry, region), constant within firm, for
        standard errors and bootstrap clustered at that level (firm level by default).
    small_sample : bool, default True
        Finite-sample correction of the influence functions (see Notes). ``False`` gives R
        ``did``'s (and ``csdid``'s) standard errors exactly; point estimates never change.

    Returns
    -------
    GroupTimeResult

    Raises
    ------
    SpecError
        Bad options or columns, no comparison firms (``control="never_treated"`` without
        never-participants), constant covariates, time-varying weights or clusters.

    Warns
    -----
    EstimationWarning
        Firms left out of comparisons for missing data, cells not estimable (collinear
        covariates, perfect prediction in the propensity score, outcome missing for a whole
        cohort), single-firm cohorts, cohorts without a pre-entry year. All are also recorded in
        ``result.warnings``.

    Notes
    -----
    The influence-function variance of R ``did`` divides each group's sum of squares by its
    size n, not n - 1 (HC0). With a cohort of about 11 firms that understates the variance of
    the cohort's mean by a factor (n - 1) / n, and every ATT(g, t) and aggregate inherits it.
    ``small_sample=True`` multiplies each cell's influence functions by ``sqrt(n_g / (n_g - 1))``
    for the cohort's firms and ``sqrt(n_c / (n_c - 1))`` for the comparison firms (firms with
    positive weight in that cell). Without covariates this is exactly the unbiased two-sample
    variance, i.e. HC2 for the 2x2 regression on a treated dummy (Imbens & Kolesar 2016); with
    covariates it is the same degrees-of-freedom correction per group. The stored influence
    functions are the corrected ones, so :func:`hubeval.aggregate`, bootstraps and ``vcov`` use
    it too. On the example design (``hb.simulate_program``, cohorts of 11-14 firms; 1,020
    replications) it lifts the mean standard error of the headline ``aggregate(by="simple")``
    (default fixed cohort shares) from 0.93-0.98 to 0.975-1.02 of the Monte Carlo standard
    deviation across the four headline outcomes, and 95% coverage from 0.929-0.948 to
    0.942-0.961 (README, "Methods note"; ``tests/did/test_small_sample.py``).

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.
    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
    estimators. Journal of Econometrics 219(1), 101-122.
    Imbens, G. W. and Kolesar, M. (2016). Robust standard errors in small samples: some
    practical advice. Review of Economics and Statistics 98(4), 701-712.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(300, effect=0.1, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> gt = hb.att_gt(panel, outcome="y", covariates="x")
    >>> gt.estimates[["cohort", "time", "estimate", "std_error"]].shape[1]
    4
    """
    covariates = _as_list(covariates)
    _validate(panel, outcome, control, method, covariates, anticipation, base_period, alpha,
              n_boot, boot_weights, weights, cluster)
    if not isinstance(small_sample, (bool, np.bool_)):
        raise SpecError(f"`small_sample` must be True or False; got {small_sample!r}.")
    notes: list[str] = []
    arrays = _build_arrays(panel, outcome, covariates, weights, cluster)
    _check_covariates(arrays, covariates)
    arrays, cohorts = _resolve_cohorts(arrays, control, int(anticipation), notes)
    cells = _plan_cells(cohorts, arrays.times, base_period, int(anticipation))
    fit = fast_cells(arrays, cells, control, int(anticipation), outcome, covariates,
                     bool(small_sample), _missing_reason)
    if fit is None:
        fit = _estimate_cells(arrays, cells, _Comparisons(arrays, control, int(anticipation)),
                              method, outcome, covariates, bool(small_sample))
    fit["std_error"] = influence_se(fit["influence"], arrays.cluster)
    fit["std_error"][np.isnan(fit["att"])] = np.nan
    if fit["left_out"]:
        notes.append(f"Unbalanced panel: {fit['left_out']} firm(s) lack `{outcome}` (or a covariate) in "
                     f"one of the two years of {fit['cells_short']} comparison(s) and are left out of "
                     "those comparisons only (see columns n_treated and n_control).")
    notes += _failure_notes(fit["failures"])
    n_treated = {int(g): int(np.sum(arrays.cohort == g)) for g in cohorts}
    notes += _cohort_notes(n_treated)
    estimates = _estimates_table(cells, arrays.times, fit, alpha)
    crit = None
    if n_boot > 0:
        boot = multiplier_bootstrap(fit["influence"], n_boot=int(n_boot), alpha=alpha,
                                    std_error=fit["std_error"], cluster=arrays.cluster,
                                    boot_weights=boot_weights, seed=seed)
        crit = boot["crit_value"]
        estimates = _add_band(estimates, crit)
    for note in notes:
        _warnings.warn(note, EstimationWarning, stacklevel=2)
    spec = dict(outcome=outcome, control=control, method=method, covariates=covariates,
                anticipation=int(anticipation), base_period=base_period, alpha=alpha,
                n_boot=int(n_boot), boot_weights=boot_weights, weights=weights, cluster=cluster,
                small_sample=bool(small_sample), cohorts=[int(g) for g in cohorts],
                years=[int(arrays.times[0]), int(arrays.times[-1])],
                n_cells=len(cells), n_units_left_out=fit["left_out"],
                n_clusters=None if arrays.cluster is None else int(arrays.cluster.max()) + 1)
    return GroupTimeResult(estimates=estimates, spec=spec, n_units=len(arrays.units),
                           n_treated=n_treated, influence=fit["influence"], units=arrays.units,
                           unit_cohort=arrays.cohort, unit_weights=arrays.weights,
                           cluster=arrays.cluster, crit_value=crit, warnings=tuple(notes), seed=seed)
