"""Synthetic control inputs: validate the city panel and build the matrices every fit shares.

:func:`hubeval.synth` and each placebo refit in :mod:`hubeval.synthetic.placebo` use the
:class:`_Problem` prepared here (outcome and predictor matrices, fitting and post windows), so
validation and reshaping happen once per call.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence, get_args

import numpy as np
import pandas as pd

from hubeval.core.errors import PanelError, SpecError, format_examples
from hubeval.data.panel import Panel

#: Estimators offered by :func:`hubeval.synth`.
SynthMethod = Literal["synth", "sdid"]
#: Aggregations allowed in ``special_predictors``.
PredictorOp = Literal["mean", "median", "sum", "min", "max"]
#: Fewest pre-treatment periods accepted: weights fitted on fewer periods are meaningless.
MIN_PRE_PERIODS = 3


# ------------------------------------------------------------------------------------------------
# Prepared problem: matrices shared by the main fit and every placebo refit
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Problem:
    """Validated inputs as arrays. Row 0 of ``Y``/column 0 of ``X`` is the treated unit."""

    units: tuple            # treated unit first, then donors in data order
    times: np.ndarray       # analysis periods, sorted
    Y: np.ndarray           # outcome, units x times
    fit: np.ndarray         # bool over times: the fitting window (pre-period)
    post: np.ndarray        # bool over times: post-treatment periods
    X: np.ndarray | None    # raw predictors, k x units (None: match the outcome path)
    labels: tuple           # predictor labels, len k
    v: np.ndarray | None    # fixed predictor importance, or None to optimise
    method: str
    call: dict              # arguments of the synth() call, for refits with other settings
    data: pd.DataFrame      # the columns used, for placebo-in-time refits


def _frame_and_roles(data, unit, time, treated_unit, treatment_time, donors):
    """DataFrame and roles. A :class:`hubeval.Panel` supplies ``unit``/``time`` and, when it has a
    single treated unit, ``treated_unit``/``treatment_time``; its default donors are its
    never-treated units (other participants would contaminate the control)."""
    if isinstance(data, Panel):
        cohorts = data.unit_cohorts
        treated = cohorts[np.isfinite(cohorts)]
        if treated_unit is None:
            if len(treated) != 1:
                raise SpecError(f"The Panel has {len(treated)} treated units ({format_examples(treated.index)}); "
                                "synth() needs one. Fix: pass `treated_unit=`.")
            treated_unit = treated.index[0]
        if treatment_time is None and treated_unit in treated.index:
            treatment_time = int(treated[treated_unit])
        if donors is None:
            donors = [u for u in cohorts.index[~np.isfinite(cohorts)] if u != treated_unit]
        return data.data, unit or data.unit, time or data.time, treated_unit, treatment_time, donors
    if not isinstance(data, pd.DataFrame):
        raise SpecError(f"`data` must be a pandas DataFrame or hubeval.Panel, got "
                        f"{type(data).__name__}. Fix: load the panel with pandas.read_csv or hb.Panel.")
    missing = [name for name, value in (("unit", unit), ("time", time), ("treated_unit", treated_unit),
                                        ("treatment_time", treatment_time)) if value is None]
    if missing:
        raise SpecError(f"{', '.join(f'`{m}`' for m in missing)} required when `data` is a DataFrame. "
                        "Fix: pass them, e.g. unit='city', time='year', treated_unit='Gwangyang', "
                        "treatment_time=2011.")
    return data, unit, time, treated_unit, treatment_time, donors


def _check_columns(frame, roles: dict[str, Sequence[str]]) -> None:
    for role, cols in roles.items():
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise PanelError(
                f"Column(s) {', '.join(f'`{c}`' for c in missing)} ({role}) not found in `data`. "
                f"Available columns: {format_examples(list(frame.columns), limit=12)}. Fix: pass "
                "existing column names or rename the columns.")


def _check_duplicates(frame, unit, time) -> None:
    dup = frame.duplicated([unit, time], keep=False)
    if dup.any():
        pairs = frame.loc[dup, [unit, time]].drop_duplicates()
        shown = format_examples([f"({u}, {t})" for u, t in pairs.itertuples(index=False)])
        raise PanelError(
            f"`data` has {len(pairs)} duplicate (`{unit}`, `{time}`) pair(s) over {int(dup.sum())} "
            f"rows: {shown}. Fix: keep one row per unit and period (aggregate or drop duplicates, "
            f"e.g. data.drop_duplicates(['{unit}', '{time}'])).")


def _check_treated(units, treated_unit, unit) -> None:
    if treated_unit not in set(units):
        raise PanelError(
            f"`treated_unit`={treated_unit!r} is not in column `{unit}` ({len(units)} units, e.g. "
            f"{format_examples(units)}). Fix: check the spelling or pass one of the units in `data`.")


def _periods(times, treatment_time, pre_period, post_period, time):
    """Fitting window and post-period as boolean masks over ``times``."""
    try:
        inside = bool(times[0] < treatment_time <= times[-1])
    except TypeError:
        raise SpecError(f"`treatment_time`={treatment_time!r} cannot be compared with `{time}` values "
                        f"such as {times.tolist()[0]!r}. Fix: pass it with the same type, e.g. "
                        f"treatment_time={times.tolist()[len(times) // 2]!r}.") from None
    if not inside:
        raise SpecError(
            f"`treatment_time`={treatment_time!r} is outside the observed range of `{time}` "
            f"({times[0]} to {times[-1]}); synthetic control needs periods before and from "
            f"treatment. Fix: pass a time after {times[0]} and at or before {times[-1]}.")
    before = times < treatment_time
    fit = before if pre_period is None else _mask(times, pre_period, "pre_period", time) & before
    if pre_period is not None and fit.sum() < len(list(pre_period)):
        raise SpecError(f"`pre_period` must hold observed periods before `treatment_time`="
                        f"{treatment_time}; got {format_examples(pre_period)}. Fix: drop later periods.")
    if fit.sum() < MIN_PRE_PERIODS:
        raise SpecError(
            f"Only {int(fit.sum())} pre-treatment period(s) ({format_examples(times[fit])}) before "
            f"`treatment_time`={treatment_time}; at least {MIN_PRE_PERIODS} are needed to fit weights "
            "(Abadie 2021 advises many more). Fix: use data with a longer history or a wider "
            "`pre_period`.")
    post = ~before if post_period is None else _mask(times, post_period, "post_period", time) & ~before
    early = [] if post_period is None else [p for p in np.atleast_1d(post_period) if p < treatment_time]
    if early:  # the mirror of the `pre_period` check: never drop requested periods silently
        raise SpecError(f"`post_period` must hold observed periods at or after `treatment_time`="
                        f"{treatment_time}; got {format_examples(list(np.atleast_1d(post_period)))} "
                        f"({len(early)} before it: {format_examples(early)}). Fix: drop the earlier periods.")
    if not post.any():
        raise SpecError(f"`post_period` has no observed period at or after `treatment_time`="
                        f"{treatment_time}. Fix: pass periods from {treatment_time} to {times[-1]}.")
    return fit, post


def _mask(times, periods, name, time):
    periods = list(np.atleast_1d(periods))
    unknown = [p for p in periods if p not in set(times.tolist())]
    if unknown:
        raise SpecError(f"`{name}` has period(s) not observed in `{time}`: {format_examples(unknown)}. "
                        f"Fix: use periods between {times[0]} and {times[-1]}.")
    return np.isin(times, periods)


def _donor_list(units, treated_unit, donors, unit):
    if donors is None:
        return [u for u in units if u != treated_unit]
    donors = list(donors)
    unknown = [d for d in donors if d not in set(units)]
    if unknown:
        raise PanelError(f"`donors` has unit(s) not in column `{unit}`: {format_examples(unknown)}. "
                         "Fix: pass units that appear in `data`.")
    if treated_unit in donors:
        raise SpecError(f"`donors` includes the treated unit {treated_unit!r}. Fix: remove it; a unit "
                        "cannot be its own control.")
    if len(set(donors)) != len(donors):
        raise SpecError("`donors` lists a unit more than once. Fix: pass each donor once.")
    return donors


def _check_complete(wide: pd.DataFrame, mask, outcome, window: str, fix: str) -> None:
    block = wide.loc[:, mask]
    bad = block.isna()
    if bad.values.any():
        rows = bad.any(axis=1)
        shown = format_examples([f"{u} ({', '.join(str(t) for t in block.columns[bad.loc[u]])})"
                                 for u in wide.index[rows]])
        raise PanelError(
            f"{int(rows.sum())} unit(s) have missing `{outcome}` in the {window} "
            f"{block.columns[0]}-{block.columns[-1]}: {shown}. Fix: {fix}.")


def _special_label(col, periods, op) -> str:
    span = f"{periods[0]}" if len(periods) == 1 else f"{periods[0]}-{periods[-1]}"
    return f"{col}[{span}]" if op == "mean" else f"{col}[{span}, {op}]"


def _parse_special(special, treatment_time, frame) -> list[tuple]:
    out = []
    for item in special or []:
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
            raise SpecError(f"Each `special_predictors` entry must be (column, periods) or (column, "
                            f"periods, op); got {item!r}. Fix: e.g. ('mfg_employment', [2005]).")
        col, periods, op = (*item, "mean")[:3]
        periods = sorted(np.atleast_1d(periods).tolist())
        if op not in get_args(PredictorOp):
            raise SpecError(f"`special_predictors` op {op!r} for `{col}` is not one of "
                            f"{', '.join(get_args(PredictorOp))}. Fix: use one of them.")
        late = [p for p in periods if p >= treatment_time]
        if late:
            raise SpecError(f"`special_predictors` entry for `{col}` uses period(s) "
                            f"{format_examples(late)} at or after `treatment_time`={treatment_time}, "
                            "which would let the effect leak into the match. Fix: use pre-treatment periods.")
        _check_columns(frame, {"special_predictors": [col]})
        out.append((col, periods, op))
    return out


def _predictor_matrix(frame, unit, time, units, predictors, specials, predictor_period) -> tuple:
    """Raw predictor values (k x units) and labels; NaNs are skipped when averaging (as R Synth)."""
    rows, labels = [], []
    window = frame[frame[time].isin(predictor_period)]
    for col in predictors:
        rows.append(window.groupby(unit)[col].mean().reindex(units).to_numpy(float))
        labels.append(col)
    for col, periods, op in specials:
        sub = frame[frame[time].isin(periods)]
        rows.append(sub.groupby(unit)[col].agg(op).reindex(units).to_numpy(float))
        labels.append(_special_label(col, periods, op))
    X = np.vstack(rows)
    for label, row in zip(labels, X):
        missing = [u for u, value in zip(units, row) if not np.isfinite(value)]
        if missing:
            raise PanelError(f"Predictor `{label}` has no values for unit(s) {format_examples(missing)} "
                             "in its periods. Fix: fill the data, choose other periods, or drop the "
                             "predictor or those donors.")
        if np.ptp(row) <= 1e-12 * max(1.0, np.abs(row).max()):
            raise SpecError(f"Predictor `{label}` is constant across units (all {row[0]:.6g}), so it "
                            "cannot be standardised and cannot help matching. Fix: drop it from "
                            "`predictors`/`special_predictors`.")
    return X, tuple(labels)


def _fixed_v(v, labels) -> np.ndarray | None:
    if v is None:
        return None
    if isinstance(v, (dict, pd.Series)):
        unknown = [k for k in dict(v) if k not in labels]
        if unknown:
            raise SpecError(f"`v` names unknown predictor(s) {format_examples(unknown)}; predictors "
                            f"are {format_examples(labels, 12)}. Fix: key `v` by these labels.")
        v = [dict(v).get(label, 0.0) for label in labels]
    v = np.asarray(v, float)
    if v.shape != (len(labels),) or (v < 0).any() or v.sum() <= 0:
        raise SpecError(f"`v` must hold {len(labels)} non-negative predictor weights, not all zero; got "
                        f"{np.round(v, 4).tolist()}. Fix: pass one weight per predictor ({format_examples(labels, 12)}).")
    return v / v.sum()


def _outcome_matrix(frame, unit, time, outcome, units, times, fit, post) -> np.ndarray:
    """Outcome as units x times (treated first); no gaps allowed where the fit or effect uses it."""
    wide = frame.pivot(index=unit, columns=time, values=outcome).reindex(index=units, columns=times)
    treated_gaps = wide.loc[units[0], fit].isna().any()
    _check_complete(wide, fit, outcome, "fitting window",
                    "fill the treated unit's gaps or shorten `pre_period`" if treated_gaps else
                    "drop those units with `donors=` or fill the gaps before calling synth()")
    _check_complete(wide, post, outcome, "post-period", "drop those donors with `donors=`, fill the "
                    "gaps, or shorten `post_period`")
    return wide.to_numpy(float)


def _prepare(frame, *, unit, time, outcome, treated_unit, treatment_time, predictors,
             special_predictors, donors, pre_period, post_period, predictor_period, method, v,
             call) -> _Problem:
    if method not in get_args(SynthMethod):
        raise SpecError(f"`method`={method!r} is not one of {', '.join(get_args(SynthMethod))}. Fix: "
                        "use 'synth' (Abadie et al. 2010) or 'sdid' (Arkhangelsky et al. 2021).")
    predictors = [predictors] if isinstance(predictors, str) else list(predictors or [])
    if method == "sdid" and (predictors or special_predictors or v is not None):
        raise SpecError("`predictors`, `special_predictors` and `v` are not used by method='sdid', which "
                        "matches pre-period outcome paths only. Fix: drop them, or use method='synth'.")
    _check_columns(frame, {"unit/time": [unit, time], "outcome": [outcome], "predictors": predictors})
    _check_duplicates(frame, unit, time)
    all_units = list(pd.unique(frame[unit]))
    _check_treated(all_units, treated_unit, unit)
    times = np.sort(pd.unique(frame[time]))
    fit, post = _periods(times, treatment_time, pre_period, post_period, time)
    specials = _parse_special(special_predictors, treatment_time, frame)
    donors = _donor_list(all_units, treated_unit, donors, unit)
    if len(donors) < 2:
        raise SpecError(f"Only {len(donors)} donor(s); synthetic control needs at least 2. Fix: add "
                        "comparison units to `data` or `donors`.")
    units = [treated_unit, *donors]
    wide = _outcome_matrix(frame, unit, time, outcome, units, times, fit, post)
    X, labels = None, ()
    if predictors or specials:
        period = times[fit] if predictor_period is None else \
            times[_mask(times, predictor_period, "predictor_period", time) & (times < treatment_time)]
        X, labels = _predictor_matrix(frame, unit, time, units, predictors, specials, period)
    used = list(dict.fromkeys([unit, time, outcome, *predictors, *(s[0] for s in specials)]))
    return _Problem(units=tuple(units), times=times, Y=wide, fit=fit, post=post,
                    X=X, labels=labels, v=_fixed_v(v, labels), method=method, call=call,
                    data=frame[used])
