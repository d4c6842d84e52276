"""Placebo inference and robustness for synthetic control (:func:`synth_placebo`).

With one treated unit, sampling-based standard errors are not available; inference compares the
treated unit's gap with gaps that arise where nothing happened (Abadie et al. 2010, 2015):

- placebo-in-space: each donor in turn is treated, the others form its donor pool; the rank of
  the treated unit's post/pre RMSPE ratio among all ``J + 1`` units gives an exact permutation
  p-value, so the smallest attainable p-value is ``1 / (J + 1)``;
- placebo-in-time: the same design with a fake treatment time inside the pre-period (data after
  the real treatment are dropped); a large fake effect discredits the real one;
- leave-one-out: the fit is repeated dropping each donor with positive weight in turn, showing
  whether one donor drives the result.

Every refit uses the main fit's prepared matrices and the same solver (:mod:`hubeval.synthetic.control`);
placebo fits are identical to calling :func:`hubeval.synth` with that donor as treated unit.

References
----------
Abadie, A., Diamond, A. & Hainmueller, J. (2010). JASA 105(490), 493-505.
Abadie, A., Diamond, A. & Hainmueller, J. (2015). Comparative politics and the synthetic control
method. American Journal of Political Science 59(2), 495-510.
Arkhangelsky, D. et al. (2021). Synthetic difference-in-differences. AER 111(12), 4088-4118.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal, Sequence, get_args

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.core.results import TIDY_COLUMNS, ResultMixin
from hubeval.synthetic.control import MIN_PRE_PERIODS, SynthResult, _fit, synth

__all__ = ["PlaceboTest", "SynthPlaceboResult", "synth_placebo"]

#: Placebo and robustness checks offered by :func:`synth_placebo`.
PlaceboTest = Literal["in_space", "in_time", "leave_one_out"]
#: Donors with weight at or below this are not dropped in leave-one-out (they do not matter).
LOO_MIN_WEIGHT = 1e-3


@dataclass(frozen=True)
class SynthPlaceboResult(ResultMixin):
    """Placebo tests and leave-one-out robustness for a :class:`~hubeval.SynthResult` (frozen).

    Attributes
    ----------
    estimates : DataFrame
        Tidy rows keyed by ``test``: ``att`` (``in_space``; ``p_value`` is the rank p-value of the
        post/pre RMSPE ratio, ``statistic`` that ratio; ``std_error`` and interval are the SDID
        placebo ones for ``method="sdid"``), ``att_placebo_time`` (``in_time``: the effect at the
        fake treatment time) and ``att_leave_one_out_min`` / ``_max`` (``leave_one_out``).
    in_space : DataFrame or None
        Per unit (treated and each placebo): ``unit, treated, pre_rmspe, post_rmspe, ratio, att,
        rank`` (rank 1 = largest ratio).
    placebo_gaps : DataFrame or None
        Long table ``unit, treated, time, gap`` for the gap plot.
    in_time : SynthResult or None
        The refit at the fake treatment time.
    leave_one_out : DataFrame or None
        Per dropped donor: ``unit, weight`` (its weight in the main fit), ``att, pre_rmspe``.
    leave_one_out_gaps : DataFrame or None
        Long table ``unit`` (dropped donor), ``time, synthetic, gap``.
    p_value, min_p_value : float
        Rank p-value and its floor ``1 / (J + 1)``.
    n_placebos : int
        Number of placebo units ``J``.
    result : SynthResult
        The result tested.
    spec : dict
        Tests run, placebo time, alpha, warnings issued.
    """

    title = "Synthetic control: placebo tests"
    estimates: pd.DataFrame
    in_space: pd.DataFrame | None
    placebo_gaps: pd.DataFrame | None
    in_time: SynthResult | None
    leave_one_out: pd.DataFrame | None
    leave_one_out_gaps: pd.DataFrame | None
    p_value: float
    min_p_value: float
    n_placebos: int
    result: SynthResult
    spec: dict
    note: str = ""


def _in_space(result: SynthResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Refit with every donor as treated (donor pool: the other donors) plus the real fit."""
    problem = result._problem
    donors = np.arange(1, len(problem.units))
    gaps = {0: problem.Y[0] - result.gaps.set_index("time")["synthetic"].reindex(problem.times).to_numpy()}
    for j in donors:
        gaps[j] = problem.Y[j] - _fit(problem, j, donors[donors != j]).synthetic
    mask = problem.fit | problem.post
    rows, long = [], []
    for j, gap in gaps.items():
        pre = float(np.sqrt(np.mean(gap[problem.fit] ** 2)))
        post = float(np.sqrt(np.mean(gap[problem.post] ** 2)))
        rows.append({"unit": problem.units[j], "treated": j == 0, "pre_rmspe": pre, "post_rmspe": post,
                     "ratio": post / pre if pre > 0 else np.inf, "att": float(gap[problem.post].mean())})
        long.append(pd.DataFrame({"unit": problem.units[j], "treated": j == 0,
                                  "time": problem.times[mask], "gap": gap[mask]}))
    table = pd.DataFrame(rows)
    table["rank"] = table["ratio"].rank(ascending=False, method="min").astype(int)
    return table, pd.concat(long, ignore_index=True)


def _rank_p_value(table: pd.DataFrame) -> float:
    """Share of units whose ratio is at least the treated unit's (Abadie et al. 2010, sec. 2.4)."""
    treated_ratio = table.loc[table["treated"], "ratio"].iloc[0]
    return float((table["ratio"] >= treated_ratio).mean())


def _placebo_time_problem(t, fit_times, call) -> str | None:
    """Why ``t`` cannot be the in-time placebo's fake treatment time (None when it can)."""
    if t not in set(fit_times.tolist()) or (fit_times < t).sum() < MIN_PRE_PERIODS:
        return (f"it must be a period of the fitting window with at least {MIN_PRE_PERIODS} earlier "
                f"periods; the window is {fit_times[0]}-{fit_times[-1]}")
    periods = call.get("predictor_period")
    if call.get("predictors") and periods is not None and not any(p < t for p in periods):
        return (f"the `predictors` are averaged over `predictor_period` {periods[0]}-{periods[-1]}, "
                "none of which falls before it")
    pre = call.get("pre_period")
    if pre is not None and sum(p < t for p in pre) < MIN_PRE_PERIODS:
        return f"fewer than {MIN_PRE_PERIODS} periods of `pre_period` fall before it"
    return None


def _default_placebo_time(fit_times, call):
    """The valid fake treatment time nearest the middle of the fitting window (later on ties).

    The middle leaves a fake pre- and post-period of similar length; predictors averaged over
    later years (Abadie et al. 2010's Prop 99 design: 1980-88 means) push it later. Returns None
    when no period of the window is valid.
    """
    times = fit_times.tolist()
    middle = max(MIN_PRE_PERIODS, len(times) // 2)
    order = sorted(range(len(times)), key=lambda i: (abs(i - middle), -i))
    return next((times[i] for i in order if _placebo_time_problem(times[i], fit_times, call) is None), None)


def _in_time(result: SynthResult, placebo_time, notes: list[str]) -> SynthResult | None:
    problem, call = result._problem, dict(result._problem.call)
    fit_times = problem.times[problem.fit]
    if placebo_time is None:
        placebo_time = _default_placebo_time(fit_times, call)
        if placebo_time is None:
            notes.append(f"in-time placebo not run: no period of the fitting window {fit_times[0]}-"
                         f"{fit_times[-1]} leaves {MIN_PRE_PERIODS} earlier periods and a predictor "
                         "period before it. Pass `placebo_time` with a shorter `predictor_period`, or "
                         "leave \"in_time\" out of `tests`.")
            return None
    problem_text = _placebo_time_problem(placebo_time, fit_times, call)
    if problem_text is not None:
        valid = [t for t in fit_times[MIN_PRE_PERIODS:].tolist() if _placebo_time_problem(t, fit_times, call) is None]
        raise SpecError(
            f"`placebo_time`={placebo_time!r} cannot be used: {problem_text}. Fix: pass one of "
            f"{format_examples(valid, 8) if valid else '(none: shorten `predictor_period`)'}.")
    data = problem.data[problem.data[call["time"]] < call["treatment_time"]]
    specials = []
    for col, periods, op in _specials(call.get("special_predictors")):
        kept = [p for p in periods if p < placebo_time]
        if kept:
            specials.append((col, kept, op))
        else:
            notes.append(f"in-time placebo dropped special predictor `{col}` {periods} (after the fake "
                         f"treatment time {placebo_time}).")
    if call.get("v") is not None and len(specials) != len(call.get("special_predictors") or []):
        notes.append("in-time placebo re-optimises V because special predictors were dropped.")
        call["v"] = None
    before = lambda periods: None if periods is None else [p for p in periods if p < placebo_time]
    call.update(treatment_time=placebo_time, special_predictors=specials or None,
                pre_period=before(call["pre_period"]), post_period=None,
                predictor_period=before(call["predictor_period"]))
    return synth(data, **call)


def _specials(special) -> list[tuple]:
    return [(item[0], sorted(np.atleast_1d(item[1]).tolist()), item[2] if len(item) > 2 else "mean")
            for item in special or []]


def _leave_one_out(result: SynthResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    problem = result._problem
    donors = np.arange(1, len(problem.units))
    weight = dict(zip(result.weights["unit"], result.weights["weight"]))
    mask = problem.fit | problem.post
    rows, long = [], []
    for j in donors:
        name = problem.units[j]
        if weight[name] <= LOO_MIN_WEIGHT:
            continue
        synthetic = _fit(problem, 0, donors[donors != j]).synthetic
        gap = problem.Y[0] - synthetic
        rows.append({"unit": name, "weight": weight[name], "att": float(gap[problem.post].mean()),
                     "pre_rmspe": float(np.sqrt(np.mean(gap[problem.fit] ** 2)))})
        long.append(pd.DataFrame({"unit": name, "time": problem.times[mask],
                                  "synthetic": synthetic[mask], "gap": gap[mask]}))
    table = pd.DataFrame(rows, columns=["unit", "weight", "att", "pre_rmspe"])
    gaps = pd.concat(long, ignore_index=True) if long else \
        pd.DataFrame(columns=["unit", "time", "synthetic", "gap"])
    return table.sort_values("weight", ascending=False, ignore_index=True), gaps


def _estimate_rows(result, in_space, p_value, in_time, loo) -> pd.DataFrame:
    main = result.estimates.iloc[0]
    rows = []
    if in_space is not None:
        ratio = in_space.loc[in_space["treated"], "ratio"].iloc[0]
        rows.append({**main[TIDY_COLUMNS].to_dict(), "statistic": ratio, "p_value": p_value,
                     "test": "in_space"})
    if in_time is not None:
        rows.append({"term": "att_placebo_time", "estimate": in_time.att, "test": "in_time"})
    if loo is not None and len(loo):
        rows.append({"term": "att_leave_one_out_min", "estimate": loo["att"].min(), "test": "leave_one_out"})
        rows.append({"term": "att_leave_one_out_max", "estimate": loo["att"].max(), "test": "leave_one_out"})
    out = pd.DataFrame(rows, columns=[*TIDY_COLUMNS, "test"])
    out["outcome"], out["treated_unit"] = main["outcome"], main["treated_unit"]
    return out


def _check_request(result_or_data, tests, synth_args) -> SynthResult:
    unknown = [t for t in tests if t not in get_args(PlaceboTest)]
    if unknown:
        raise SpecError(f"`tests` has unknown test(s) {format_examples(unknown)}; choose from "
                        f"{', '.join(get_args(PlaceboTest))}.")
    if isinstance(result_or_data, SynthResult):
        if synth_args:
            raise SpecError(f"Got a SynthResult and synth() arguments ({format_examples(synth_args)}); "
                            "the result already fixes them. Fix: pass either a result or data plus "
                            "synth() arguments.")
        if result_or_data._problem is None:
            raise SpecError("This SynthResult has no fitted data attached (it was rebuilt from a dict?). "
                            "Fix: re-run hb.synth() and pass its result.")
        return result_or_data
    return synth(result_or_data, **synth_args)


def synth_placebo(result_or_data, *, tests: Sequence[PlaceboTest] = ("in_space", "in_time", "leave_one_out"),
                  placebo_time=None, **synth_args) -> SynthPlaceboResult:
    """Placebo-in-space, placebo-in-time and leave-one-out checks of a synthetic control fit.

    Parameters
    ----------
    result_or_data : SynthResult or DataFrame
        A result of :func:`hubeval.synth`, or data plus ``synth_args`` to fit one first.
    tests : sequence of {"in_space", "in_time", "leave_one_out"}
        Which checks to run (all by default).
    placebo_time : object, optional
        Fake treatment time for ``in_time``; default the period nearest the middle of the fitting
        window that leaves 3 earlier periods and, with ``predictors``, a ``predictor_period``
        year before it (when none does, the in-time test is skipped with a warning). Data from
        the real treatment time on are dropped for this refit; special predictors are cut to
        periods before the fake time (dropped, with a note in ``spec``, if none remain).
    **synth_args
        Arguments of :func:`hubeval.synth` when ``result_or_data`` is data.

    Returns
    -------
    SynthPlaceboResult

    Warns
    -----
    EstimationWarning
        When ``1 / (J + 1) > alpha``: with fewer than ``1/alpha - 1`` donors (19 for
        ``alpha=0.05``) the placebo test cannot reject at level ``alpha``.

    Raises
    ------
    SpecError
        Unknown ``tests``, a ``placebo_time`` outside the fitting window, or a result together
        with synth() arguments.

    References
    ----------
    Abadie, Diamond & Hainmueller (2010), JASA 105(490), sec. 2.4 and 3.3; (2015), AJPS 59(2).

    Examples
    --------
    >>> import numpy as np, pandas as pd, hubeval as hb
    >>> rng = np.random.default_rng(0)
    >>> trend = np.cumsum(rng.normal(1, 1, (8, 12)), axis=1)
    >>> df = pd.DataFrame([(f"c{i}", 2000 + t, trend[i, t]) for i in range(8) for t in range(12)],
    ...                   columns=["city", "year", "jobs"])
    >>> res = hb.synth(df, unit="city", time="year", outcome="jobs", treated_unit="c0",
    ...                treatment_time=2008)
    >>> import warnings; warnings.simplefilter("ignore")
    >>> pl = hb.synth_placebo(res, tests=["in_space"])
    >>> pl.min_p_value == 1 / 8
    True
    """
    tests = [tests] if isinstance(tests, str) else list(tests)
    result = _check_request(result_or_data, tests, synth_args)
    alpha, n_placebos = result.spec["alpha"], result.n_donors
    notes: list[str] = []
    if "in_space" in tests and 1 / (n_placebos + 1) > alpha:
        message = (f"With {n_placebos} donors the smallest attainable placebo p-value is 1/"
                   f"{n_placebos + 1} = {1 / (n_placebos + 1):.3f} > alpha = {alpha}, so the "
                   f"placebo test cannot reject at that level. Fix: use at least "
                   f"{int(np.ceil(1 / alpha - 1))} donors, or report the rank instead of significance.")
        warnings.warn(message, EstimationWarning, stacklevel=2)
        notes.append(message)
    in_space = placebo_gaps = in_time = loo = loo_gaps = None
    p_value = np.nan
    if "in_space" in tests:
        in_space, placebo_gaps = _in_space(result)
        p_value = _rank_p_value(in_space)
    if "in_time" in tests:
        in_time = _in_time(result, placebo_time, notes)
        if in_time is None:
            warnings.warn(notes[-1], EstimationWarning, stacklevel=2)
    if "leave_one_out" in tests:
        loo, loo_gaps = _leave_one_out(result)
    spec = {"tests": tests, "placebo_time": None if in_time is None else in_time.spec["treatment_time"],
            "alpha": alpha, "statistic": "post/pre RMSPE ratio", "loo_min_weight": LOO_MIN_WEIGHT,
            "warnings": notes}
    return SynthPlaceboResult(
        estimates=_estimate_rows(result, in_space, p_value, in_time, loo), in_space=in_space,
        placebo_gaps=placebo_gaps, in_time=in_time, leave_one_out=loo, leave_one_out_gaps=loo_gaps,
        p_value=p_value, min_p_value=1 / (n_placebos + 1), n_placebos=n_placebos, result=result,
        spec=spec, note=" ".join(notes))
