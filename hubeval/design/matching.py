"""Comparison groups: propensity-score matching, inverse-probability weighting, entropy balancing.

:func:`match` builds a comparison group for a staggered program. Each cohort ``g`` forms a
*stack*: the participants of cohort ``g`` and the candidate comparison firms, all described by
their characteristics in the ``pre_years`` years before ``g`` (mean of each covariate, level and
linear trend of each outcome), so that a firm that joined after a bad year (an Ashenfelter dip)
is compared with firms that had a similar path. Within each stack the comparison firms are then

* ``"nearest"``: matched to participants on the logit of the propensity score (a statsmodels
  Logit pooled over stacks with cohort dummies), ``ratio`` neighbours each within a ``caliper``
  in standard deviations of the logit score (Austin 2011), exactly within ``exact`` strata;
* ``"ipw"``: weighted by the odds ``p / (1 - p)`` (the ATT weights of Hirano, Imbens & Ridder
  2003), normalised within each cohort (and ``exact`` stratum);
* ``"entropy"``: weighted by entropy balancing (Hainmueller 2012): the weights closest to uniform
  in Kullback-Leibler divergence whose weighted means equal the participants' means exactly. The
  convex dual is solved with :func:`scipy.optimize.minimize` (Newton trust region); this is
  hand-written because no maintained Python package implements it.

A comparison firm's weight is summed over the stacks it serves in, so the result is one weight
per firm (participants 1, unmatched firms 0): :meth:`MatchResult.to_panel` returns the sub-panel
of firms with positive weight and the weight as a column, ready for ``hb.att_gt(...,
weights="weight")`` or ``hb.twfe(..., weights="weight")``. Cohort-specific weights are kept in
``result.units``. Two cautions: a comparison firm serving several cohorts carries its summed
weight into every cohort's comparison, so per-cohort balance is approximate after ``to_panel``;
and standard errors from the weighted estimators treat the weights as known (the matching step's
own uncertainty is not included; use the bootstrap or randomization inference for the headline).
Balance before and after (standardised mean differences and variance ratios,
Austin 2009) is ``result.balance``; common-support trimming is counted in ``result.support``.

References
----------
Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline covariates
between treatment groups in propensity-score matched samples. Statistics in Medicine 28.
Austin, P. C. (2011). Optimal caliper widths for propensity-score matching. Pharm. Statistics 10.
Hainmueller, J. (2012). Entropy balancing for causal effects. Political Analysis 20(1), 25-46.
Hirano, K., Imbens, G. W. & Ridder, G. (2003). Efficient estimation of average treatment effects
using the estimated propensity score. Econometrica 71(4).
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd

from hubeval.core.errors import (
    EstimationError,
    EstimationWarning,
    SpecError,
    format_examples,
)
from hubeval.core.results import ResultMixin, result_field
from hubeval.design._weighting import (
    _check_concentration,
    _entropy,
    _ipw,
    _nearest,
    _unit_weights,
)
from hubeval.design.balance import _stacked_balance

__all__ = ["match", "MatchResult", "MatchMethod", "ComparisonPool"]

MatchMethod = Literal["nearest", "ipw", "entropy"]
ComparisonPool = Literal["all", "inside", "outside"]
Control = Literal["never_treated", "not_yet_treated"]
Trim = Literal["minmax", "none"]


@dataclasses.dataclass(frozen=True)
class MatchResult(ResultMixin):
    """A comparison group: unit weights, matches, balance and common-support report.

    A comparison group is not an effect estimate, so there is no ``estimates`` table:
    :meth:`tidy`, :meth:`summary` and the notebook display show the ``balance`` table (its columns
    are those of :func:`balance_table`, not the tidy ``term, estimate, std_error, ...`` schema).
    ``to_dict()`` leaves out the per-firm fields ``weights``, ``units`` and ``matches``
    (confidential firm data).

    Attributes
    ----------
    balance : DataFrame
        The balance table before and after matching / weighting (see :func:`balance_table`).
    weights : Series
        Weight per firm (index: unit) for every firm with a positive weight.
    units : DataFrame
        One row per cohort stack and firm: ``cohort, unit, treated``, the features, ``pscore``,
        ``in_support``, ``weight`` (the cohort-specific weight).
    matches : DataFrame
        For ``"nearest"``: ``cohort, treated_unit, control_unit, distance, weight``; else empty.
    support : DataFrame
        Per cohort: participants and candidates before, trimmed off common support, unmatched, kept.
    spec : dict
    n_treated, n_control : int
        Participants and comparison firms with positive weight.
    effective_n_control : float
        Kish effective number of comparison firms, ``(sum w)^2 / sum w^2``.
    warnings : tuple of str
    """

    title = "Comparison group (matching / weighting)"
    _table = "balance"
    balance: pd.DataFrame
    # per-firm data: confidential, kept out of to_dict()
    weights: pd.Series = result_field(serialize="omit")
    units: pd.DataFrame = result_field(serialize="omit")
    matches: pd.DataFrame = result_field(serialize="omit")
    support: pd.DataFrame
    spec: dict
    n_treated: int
    n_control: int
    effective_n_control: float
    warnings: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        worst = float(self.balance["smd_after"].abs().max()) if len(self.balance) else np.nan
        return (f"{self.n_treated} participants, {self.n_control} comparison firms "
                f"(effective {self.effective_n_control:.1f}); largest |SMD| after: {worst:.3f}")

    def to_panel(self, panel, *, column: str = "weight"):
        """The sub-panel of firms with positive weight, with the weight as column ``column``.

        Feed it to ``hb.att_gt(..., weights=column)`` or ``hb.twfe(..., weights=column)``.
        """
        data = panel.data
        if column in data.columns:
            raise SpecError(f"`column`: the panel already has a column named {column!r}; pass another "
                            "name, e.g. `column='match_weight'`.")
        keep = data[panel.unit].isin(self.weights.index)
        out = data.loc[keep].copy()
        out[column] = out[panel.unit].map(self.weights).astype(float)
        return panel.with_data(out, outcomes=list(panel.outcomes) + [column])


def match(panel, *, method: MatchMethod = "nearest", covariates: Sequence[str] = (),
          outcomes: Sequence[str] = (), pre_years: int = 3, exact: Sequence[str] = (),
          ratio: int = 4, caliper: float | None = 0.2, replace: bool = True,
          control: Control = "never_treated", pool: ComparisonPool = "all",
          region: str | None = None, home: object = None, trim: Trim | None = None) -> MatchResult:
    """Build a comparison group by matching or weighting on pre-entry characteristics.

    Parameters
    ----------
    panel : Panel
    method : {"nearest", "ipw", "entropy"}
        Nearest-neighbour matching on the propensity score, inverse-probability (odds) weighting,
        or entropy balancing.
    covariates : sequence of str
        Numeric firm characteristics, averaged over the pre-entry window.
    outcomes : sequence of str
        Outcomes whose pre-entry level (window mean) and trend (OLS slope per year) are matched on.
    pre_years : int, default 3
        Length of the pre-entry window ``[g - pre_years, g - 1]`` of cohort ``g``.
    exact : sequence of str
        Columns matched exactly (e.g. ``["industry", "size_class"]``), read in year ``g - 1``.
        With ``"entropy"`` the stratum shares are balanced exactly instead.
    ratio : int, default 4
        Comparison firms per participant (``"nearest"``).
    caliper : float or None, default 0.2
        Largest distance, in standard deviations of the logit propensity score (``"nearest"``).
    replace : bool, default True
        Whether a comparison firm may be matched to several participants (``"nearest"``).
    control : {"never_treated", "not_yet_treated"}
        Candidate comparison firms: never-participants, or also firms joining after ``g + 1``...
        (any later cohort).
    pool : {"all", "inside", "outside"}
        Candidates from anywhere, only inside the ``home`` region, or only outside it.
    region, home
        Region column and the program's region value (e.g. ``"gwangyang"``, ``1``), for ``pool``.
    trim : {"minmax", "none"}, optional
        Drop participants and candidates outside the overlap of the propensity-score ranges, per
        cohort. Default ``"minmax"`` for ``"nearest"`` and ``"ipw"``, ``"none"`` for ``"entropy"``
        (which needs no score model).

    Returns
    -------
    MatchResult

    Raises
    ------
    SpecError
        Unknown columns or options, a participant alone in its exact stratum, a caliper that
        matches nobody, an empty comparison pool.
    EstimationError
        Propensity model or entropy balancing fails; all comparison weight on one firm.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(300, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> res = hb.match(panel, covariates=["x"], outcomes=["y"])
    >>> matched = res.to_panel(panel)
    """
    trim = trim if trim is not None else ("none" if method == "entropy" else "minmax")
    spec = dict(method=method, covariates=list(covariates), outcomes=list(outcomes),
                pre_years=pre_years, exact=list(exact), ratio=ratio, caliper=caliper,
                replace=replace, control=control, pool=pool, region=region, home=home, trim=trim)
    _validate(panel, spec)
    notes: list[str] = []
    stacks, features = _build_stacks(panel, spec, notes)
    stacks["pscore"] = _propensity(stacks, features) if method != "entropy" or trim != "none" else np.nan
    stacks["in_support"] = _support(stacks) if trim == "minmax" else True
    weigh = {"nearest": _nearest, "ipw": _ipw, "entropy": _entropy}[method]
    stacks["weight"], matches = weigh(stacks, features, spec, notes)
    support = _support_table(stacks)
    weights = _unit_weights(stacks)
    _check_concentration(weights, stacks)
    balance = _stacked_balance(stacks, features)
    control_w = weights[~weights.index.isin(stacks.loc[stacks["treated"], "unit"])]
    ess = float(control_w.sum() ** 2 / (control_w**2).sum()) if len(control_w) else 0.0
    if ess < 5:
        notes.append(f"The comparison group has an effective size of {ess:.1f} firms (< 5): estimates "
                     "lean on very few firms and may not be publishable.")
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    return MatchResult(balance, weights, stacks, matches, support, spec,
                       int(stacks.loc[stacks["treated"] & (stacks["weight"] > 0), "unit"].nunique()),
                       len(control_w), ess, tuple(notes))


# --- validation ----------------------------------------------------------------------------------
def _validate(panel, spec) -> None:
    for name, options in (("method", MatchMethod), ("pool", ComparisonPool), ("control", Control),
                          ("trim", Trim)):
        if spec[name] not in get_args(options):
            raise SpecError(f"`{name}` must be one of {', '.join(map(repr, get_args(options)))}; "
                            f"got {spec[name]!r}.")
    data = panel.data
    columns = spec["covariates"] + spec["outcomes"] + spec["exact"] + ([spec["region"]] if spec["region"] else [])
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SpecError(f"Column(s) {', '.join(f'`{c}`' for c in missing)} not found in the panel. "
                        f"Available: {format_examples(list(data.columns), 15)}.")
    numeric = spec["covariates"] + spec["outcomes"]
    bad = [c for c in numeric if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise SpecError(f"`covariates`/`outcomes` must be numeric; {', '.join(f'`{c}`' for c in bad)} "
                        "are not. Pass categorical columns in `exact=` or as 0/1 dummy columns.")
    if not numeric and not spec["exact"]:
        raise SpecError("Nothing to match on: give `covariates=` and/or `outcomes=` (pre-entry "
                        "outcome levels and trends), e.g. `outcomes=['log_productivity']`.")
    if spec["pool"] != "all" and (spec["region"] is None or spec["home"] is None):
        raise SpecError(f"`pool={spec['pool']!r}` needs `region=` (the region column) and `home=` "
                        "(the program's region value), e.g. `region='gwangyang', home=1`.")
    if not (isinstance(spec["pre_years"], (int, np.integer)) and spec["pre_years"] >= 1):
        raise SpecError(f"`pre_years` must be a positive integer; got {spec['pre_years']!r}.")
    if not (isinstance(spec["ratio"], (int, np.integer)) and spec["ratio"] >= 1):
        raise SpecError(f"`ratio` must be a positive integer; got {spec['ratio']!r}.")
    if spec["caliper"] is not None and not spec["caliper"] > 0:
        raise SpecError(f"`caliper` must be positive or None; got {spec['caliper']!r}.")


# --- features ------------------------------------------------------------------------------------
def _build_stacks(panel, spec, notes) -> tuple[pd.DataFrame, list[str]]:
    data = panel.data
    unit, time, cohort = panel.unit, panel.time, panel.cohort
    first = panel.unit_cohorts
    frames = []
    for g in panel.cohorts:
        treated = first.index[first == g]
        later = first.index[first > g] if spec["control"] == "not_yet_treated" else first.index[np.isinf(first)]
        rows = data[data[unit].isin(treated.union(later)) & data[time].between(g - spec["pre_years"], g - 1)]
        stack = _window_features(rows, unit, time, spec)
        stack.insert(0, "cohort", int(g))
        stack.insert(2, "treated", stack["unit"].isin(treated))
        frames.append(_apply_pool(stack, spec, int(g)))
    stacks = pd.concat(frames, ignore_index=True)
    features = [c for c in stacks.columns if c not in ("cohort", "unit", "treated", "stratum", "region")]
    incomplete = stacks[features].isna().any(axis=1)
    if incomplete.any():
        counts = stacks.loc[incomplete].groupby("treated").size()
        notes.append(f"Dropped {int(incomplete.sum())} firm-cohort rows with missing pre-entry features "
                     f"({int(counts.get(True, 0))} participants, {int(counts.get(False, 0))} candidates), "
                     f"e.g. not observed in the {spec['pre_years']} years before entry.")
        stacks = stacks.loc[~incomplete].reset_index(drop=True)
    _check_stacks(stacks, spec)
    return stacks, features


def _window_features(rows: pd.DataFrame, unit: str, time: str, spec) -> pd.DataFrame:
    grouped = rows.groupby(unit, sort=True)
    out = pd.DataFrame(index=pd.Index(grouped.size().index, name="unit"))
    for col in spec["covariates"]:
        out[col] = grouped[col].mean()
    for col in spec["outcomes"]:
        out[f"{col}_pre_level"] = grouped[col].mean()
        if spec["pre_years"] >= 2:
            out[f"{col}_pre_trend"] = _slopes(rows, unit, time, col)
    last = rows.sort_values(time).groupby(unit).last()
    if spec["exact"]:
        out["stratum"] = last[spec["exact"]].astype(str).agg(" / ".join, axis=1)
    if spec["region"]:
        out["region"] = last[spec["region"]]
    return out.reset_index()


def _slopes(rows: pd.DataFrame, unit: str, time: str, col: str) -> pd.Series:
    """OLS slope of ``col`` on year per unit (NaN with fewer than two observed years)."""
    frame = rows[[unit, time, col]].dropna()
    t = frame[time].astype(float)
    frame = frame.assign(t=t - frame.groupby(unit)[time].transform("mean"))
    frame = frame.assign(ty=frame["t"] * frame[col], tt=frame["t"] ** 2)
    sums = frame.groupby(unit)[["ty", "tt"]].sum()
    return (sums["ty"] / sums["tt"].where(sums["tt"] > 0)).rename(col)


def _apply_pool(stack: pd.DataFrame, spec, g: int) -> pd.DataFrame:
    if spec["pool"] == "all":
        return stack
    inside = stack["region"] == spec["home"]
    keep = stack["treated"] | (inside if spec["pool"] == "inside" else ~inside)
    return stack.loc[keep]


def _check_stacks(stacks: pd.DataFrame, spec) -> None:
    counts = stacks.groupby("cohort")["treated"].agg(["sum", "size"])
    empty = counts.index[counts["size"] == counts["sum"]]
    if len(empty):
        raise SpecError(f"No comparison candidates for cohort(s) {format_examples(empty)} with "
                        f"`control={spec['control']!r}`, `pool={spec['pool']!r}` and complete pre-entry "
                        "data. Widen the pool (`pool='all'`), use `control='not_yet_treated'` or shorten "
                        "`pre_years`.")
    if "stratum" in stacks:
        cell = stacks.groupby(["cohort", "stratum"])["treated"].agg(["sum", "size"])
        alone = cell[(cell["sum"] > 0) & (cell["sum"] == cell["size"])]
        if len(alone):
            shown = ", ".join(f"cohort {g} / {s} ({int(n)} firm{'s' if n > 1 else ''})"
                              for (g, s), n in alone["sum"].items())
            raise SpecError(
                f"Exact matching on {spec['exact']}: {len(alone)} stratum/strata hold participants but "
                f"no comparison firm: {format_examples(shown.split(', '), 8)}. A firm alone in its "
                "stratum cannot be matched. Match exactly on fewer or coarser columns (e.g. drop "
                "`size_class`), or widen the comparison `pool`.")


# --- propensity score and support -----------------------------------------------------------------
def _propensity(stacks: pd.DataFrame, features: list[str]) -> np.ndarray:
    x = stacks[features].to_numpy(float)
    sd = x.std(axis=0)
    constant = sd == 0
    x = (x[:, ~constant] - x[:, ~constant].mean(axis=0)) / sd[~constant]
    dummies = pd.get_dummies(stacks["cohort"], prefix="cohort", dtype=float).to_numpy()
    design = np.column_stack([dummies, x])
    y = stacks["treated"].to_numpy(float)
    if design.shape[1] >= y.sum():
        raise EstimationError(f"The propensity model has {design.shape[1]} parameters but only "
                              f"{int(y.sum())} participant rows; use fewer `covariates`/`outcomes`.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from statsmodels.discrete.discrete_model import (
                Logit,  # lazily: statsmodels is slow to import
            )

            fit = Logit(y, design).fit(disp=0, maxiter=200)
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise EstimationError(f"The propensity-score logit failed ({exc}). Features may be collinear; "
                              f"drop redundant ones among {format_examples(features)}.") from exc
    p = fit.predict(design)
    if not fit.mle_retvals.get("converged", True) or (p[y == 1] > 1 - 1e-8).any():
        raise EstimationError(
            "The propensity-score logit did not converge or separates participants perfectly: some "
            f"feature among {format_examples(features)} predicts participation exactly. Drop it or "
            "use `method='entropy'`, which needs no score model.")
    return p


def _support(stacks: pd.DataFrame) -> np.ndarray:
    keep = np.ones(len(stacks), bool)
    for _, idx in stacks.groupby("cohort").indices.items():
        s = stacks.iloc[idx]
        pt, pc = s.loc[s["treated"], "pscore"], s.loc[~s["treated"], "pscore"]
        low, high = max(pt.min(), pc.min()), min(pt.max(), pc.max())
        keep[idx] = s["pscore"].between(low, high).to_numpy()
    return keep


def _support_table(stacks: pd.DataFrame) -> pd.DataFrame:
    def count(s):
        t = s["treated"]
        return pd.Series({
            "treated": int(t.sum()), "candidates": int((~t).sum()),
            "treated_off_support": int((t & ~s["in_support"]).sum()),
            "candidates_off_support": int((~t & ~s["in_support"]).sum()),
            "treated_unmatched": int((t & s["in_support"] & (s["weight"] == 0)).sum()),
            "treated_kept": int((t & (s["weight"] > 0)).sum()),
            "controls_kept": int((~t & (s["weight"] > 0)).sum())})
    return stacks.groupby("cohort").apply(count, include_groups=False).reset_index()
