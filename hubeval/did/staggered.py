"""Group-time average treatment effects for staggered adoption (Callaway & Sant'Anna 2021).

:func:`att_gt` estimates ATT(g, t), the average effect in year t on the firms that entered the
program in year g (cohort g), for every cohort and year, each from a 2x2 comparison of cohort g
with never-participants or not-yet-participants between t and a base period before entry
(:mod:`hubeval.did.drdid`: doubly robust, IPW or regression). The result keeps each firm's influence
function for every ATT(g, t), so :func:`hubeval.aggregate`, :func:`hubeval.pretrend_test` and the
bootstraps of :mod:`hubeval.inference.wild` never refit.

The estimator follows R ``did`` (version 2.x, panel data) cell by cell: the same cells, base
periods, comparison groups, trimming and influence functions, so estimates and analytic standard
errors agree with it (and with the ``csdid`` Python port) to numerical precision; see
``tests/test_staggered.py``. Differences, all recorded in ``result.warnings``:

- unbalanced panels are not balanced first; a firm is left out only of the comparisons for which
  it lacks the outcome (or a covariate) in one of the two years;
- a cohort with no never-participants to compare with raises :class:`~hubeval.core.errors.SpecError`
  instead of silently turning the last cohort into the comparison group;
- the uniform band of the multiplier bootstrap standardises by the analytic standard errors.

Why hand-written: neither statsmodels nor pyfixest implement it, and ``csdid``/``differences``
are 10-100 times slower on firm registers (``benchmarks/bench_staggered.py``).

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. Journal of Econometrics 225(2), 200-230.
Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
Journal of Econometrics 219(1), 101-122.
"""
from __future__ import annotations

import dataclasses
import hashlib
import warnings as _warnings
from typing import Literal

import numpy as np
import pandas as pd
from hubeval.core.lazy import stats

from hubeval.did.drdid import METHODS, CellFailure, estimate, prepare_design
from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.did.influence import influence_se, influence_vcov, multiplier_bootstrap
from hubeval.data.panel import Panel
from hubeval.core.results import ResultMixin, percent_effect, to_jsonable

__all__ = ["att_gt", "GroupTimeResult", "Control", "BasePeriod", "BootWeights"]

Control = Literal["never_treated", "not_yet_treated"]
BasePeriod = Literal["varying", "universal"]
BootWeights = Literal["rademacher", "mammen"]
CONTROLS: tuple[str, ...] = ("never_treated", "not_yet_treated")
BASE_PERIODS: tuple[str, ...] = ("varying", "universal")
BOOT_WEIGHTS: tuple[str, ...] = ("rademacher", "mammen")


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
    influence: np.ndarray
    units: np.ndarray
    unit_cohort: np.ndarray
    unit_weights: np.ndarray
    cluster: np.ndarray | None = None
    crit_value: float | None = None
    warnings: tuple[str, ...] = ()
    seed: object = None

    def percent(self) -> pd.DataFrame:
        """Estimates in percent, ``100 * (exp(b) - 1)``, for a log outcome (bounds transformed too)."""
        return _percent(self.estimates)

    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the ATT(g, t) estimates from the influence functions."""
        terms = self.estimates["term"].to_list()
        return pd.DataFrame(influence_vcov(self.influence, self.cluster), index=terms, columns=terms)

    def to_dict(self) -> dict:
        """JSON-serialisable dict; per-firm arrays are summarised, not dumped."""
        out = {"type": type(self).__name__, "title": self.title}
        for name in ("estimates", "spec", "n_units", "n_treated", "crit_value", "warnings", "seed"):
            out[name] = to_jsonable(getattr(self, name))
        out["influence_shape"] = list(self.influence.shape)
        return out


def _percent(frame: pd.DataFrame) -> pd.DataFrame:
    out = percent_effect(frame)
    for col in ("band_low", "band_high"):
        if col in out:
            out[col] = 100 * np.expm1(frame[col].astype(float))
    return out


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


def _wide(values: np.ndarray, ucode: np.ndarray, tcode: np.ndarray, shape) -> np.ndarray:
    out = np.full(shape, np.nan, order="F")
    out[ucode, tcode] = values
    return out


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
    ucode, units = pd.factorize(data[panel.unit], sort=True)
    times = panel.times
    tcode = np.searchsorted(times, data[panel.time].to_numpy())
    shape = (len(units), len(times))
    cohort = np.empty(len(units))
    cohort[ucode] = data[panel.cohort].to_numpy(dtype=float)
    y = _wide(data[outcome].to_numpy(dtype=float), ucode, tcode, shape)
    x = [_wide(data[c].to_numpy(dtype=float), ucode, tcode, shape) for c in covariates]
    w = np.ones(len(units))
    if weights is not None:
        w = _per_unit(weights, "weights", _wide(data[weights].to_numpy(dtype=float), ucode, tcode,
                                                shape), np.asarray(units))
    codes = None
    if cluster is not None:
        ccode, _ = pd.factorize(data[cluster])
        per_unit = _per_unit(cluster, "cluster", _wide(ccode.astype(float), ucode, tcode, shape),
                             np.asarray(units))
        codes = pd.factorize(per_unit)[0].astype(np.int64)
    return _Arrays(np.asarray(units), times, cohort, y, x, w, codes)


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
    cohorts = np.unique(cohort[np.isfinite(cohort)])
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
        raise SpecError("No cohort can be estimated: every cohort lacks a year before entry or a "
                        "comparison group. Add earlier years or never-participating firms, or lower "
                        "`anticipation`.")
    keep_u = ~np.isin(cohort, no_pre)
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


def _design(arrays: _Arrays, sel_ok: np.ndarray, n_treated: int, early: int, method: str):
    x = np.ones((len(sel_ok), 1 + len(arrays.x)))
    for c, cov in enumerate(arrays.x):
        x[:, c + 1] = cov[:, early][sel_ok]
    d = np.zeros(len(sel_ok))
    d[:n_treated] = 1.0
    return prepare_design(d, x, arrays.weights[sel_ok], method)


def _estimate_cells(arrays: _Arrays, cells: list, comparisons: _Comparisons, method: str,
                    outcome: str, covariates: list[str]) -> dict:
    """Estimate every cell; returns estimates, influence matrix, counts, failures, left-out firms.

    Consecutive cells on the same firms (a cohort's years against never-participants, say)
    share one design and are estimated together as the columns of one outcome-change matrix.
    """
    n, k = len(arrays.units), len(cells)
    out = dict(att=np.full(k, np.nan), influence=np.zeros((n, k), order="F"),
               counts=np.zeros((k, 2), dtype=np.int64), failures={}, left_out=0, cells_short=0)
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
            out["failures"].setdefault(f"`{outcome}` (or a covariate) is missing for every firm of the "
                                       f"{who} in one of the two years", []).append((g, arrays.times[t]))
            continue
        sel_ok = sel if complete else sel[ok]
        key = _design_key(g, comparison_key, sel_ok, complete, early, invariant)
        if group is not None and group["key"] != key:
            _estimate_group(arrays, group, method, out)
            group = None
        if group is None:
            group = dict(key=key, sel=sel_ok, n_treated=n_tr, early=early, cells=[], dy=[])
        group["cells"].append((j, g, arrays.times[t]))
        group["dy"].append(dy if complete else dy[ok])
    if group is not None:
        _estimate_group(arrays, group, method, out)
    out["left_out"] = int(left_out.sum())
    return out


def _estimate_group(arrays: _Arrays, group: dict, method: str, out: dict) -> None:
    sel = group["sel"]
    try:
        design = _design(arrays, sel, group["n_treated"], group["early"], method)
        att, inf = estimate(design, np.column_stack(group["dy"]))
    except CellFailure as failure:
        out["failures"].setdefault(str(failure), []).extend((g, t) for _, g, t in group["cells"])
        return
    inf *= len(arrays.units) / len(sel)  # R did: n / n_cell, so SE = sqrt(sum inf^2) / n
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


def tidy_table(keys: dict, estimate, std_error, alpha: float, extra: dict | None = None) -> pd.DataFrame:
    """A tidy table built in one go: ``keys``, then estimate, std_error, statistic, p_value,
    normal confidence interval, then ``extra`` columns (same columns as results.add_inference,
    without its per-column pandas overhead, which dominates for small tables)."""
    estimate, std_error = np.asarray(estimate, dtype=float), np.asarray(std_error, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = estimate / np.where(std_error > 0, std_error, np.nan)
    z = stats.norm.ppf(1 - alpha / 2)
    columns = dict(keys, estimate=estimate, std_error=std_error, statistic=statistic,
                   p_value=2 * stats.norm.sf(np.abs(statistic)), conf_low=estimate - z * std_error,
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
           boot_weights: BootWeights = "rademacher", seed=None, weights: str | None = None,
           cluster: str | None = None) -> GroupTimeResult:
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

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.
    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
    estimators. Journal of Econometrics 219(1), 101-122.

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
    notes: list[str] = []
    arrays = _build_arrays(panel, outcome, covariates, weights, cluster)
    _check_covariates(arrays, covariates)
    arrays, cohorts = _resolve_cohorts(arrays, control, int(anticipation), notes)
    cells = _plan_cells(cohorts, arrays.times, base_period, int(anticipation))
    fit = _estimate_cells(arrays, cells, _Comparisons(arrays, control, int(anticipation)), method,
                          outcome, covariates)
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
                cohorts=[int(g) for g in cohorts],
                years=[int(arrays.times[0]), int(arrays.times[-1])],
                n_cells=len(cells), n_units_left_out=fit["left_out"],
                n_clusters=None if arrays.cluster is None else int(arrays.cluster.max()) + 1)
    return GroupTimeResult(estimates=estimates, spec=spec, n_units=len(arrays.units),
                           n_treated=n_treated, influence=fit["influence"], units=arrays.units,
                           unit_cohort=arrays.cohort, unit_weights=arrays.weights,
                           cluster=arrays.cluster, crit_value=crit, warnings=tuple(notes), seed=seed)
