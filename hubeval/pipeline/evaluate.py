"""One call per outcome: the naive claim beside every causal estimator, and a reading of the result.

The outcome notebook stays thin by calling :func:`evaluate_outcomes` with an outcome ``family``
(productivity, costs, investment, jobs: the outcomes default to the family's logs, ratios and rates,
headline first, :data:`DEFAULT_OUTCOMES`), which runs, for each outcome,
the program's own before/after comparison, TWFE (a labelled benchmark), Callaway & Sant'Anna (the
headline, all four aggregations and the pre-trend test) and the imputation estimator of Borusyak,
Jaravel & Spiess, and puts their headline numbers on one comparable scale:

* log outcomes: percent, ``100 * (exp(b) - 1)``; the naive number is the percent change of the
  participants' mean level (the program's own way of reporting);
* level outcomes whose ratio to the baseline is meaningful (value added per worker, cost ratios,
  real capex): percent of the participants' mean in the base year;
* shares and growth rates (investment rate, any investment, DHS growth, net jobs, survival): levels
  (percentage points for shares).

Every row carries the evidence strength of its design on the Maryland Scientific Methods Scale:
before/after on participants only is level 1 of 5; difference-in-differences with a comparison
group is level 3.
"""
from __future__ import annotations

import dataclasses
import gc
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import DataWarning, EstimationWarning, HubevalError, SpecError
from hubeval.core.progress import progress_bar
from hubeval.pipeline.readings import Readings, outcome_reading
from hubeval.core.results import (
    ResultMixin,
    add_inference,
    percent_effect,
    recorded_warnings,
    result_field,
)
from hubeval.data.outcomes import outcome_family
from hubeval.data.panel import Panel
from hubeval.data.restrict import anticipation_sample
from hubeval.did.aggregation import aggregate
from hubeval.did.did_imputation import imputation
from hubeval.did.fixed_effects import covariate_year_effects, twfe, twfe_treatments
from hubeval.did.naive import before_after
from hubeval.did.pretrend import pretrend_test
from hubeval.did.staggered import att_gt
from hubeval.did.twfe_setup import check_formula_names
from hubeval.report.catalogue import text

__all__ = ["evaluate_outcome", "evaluate_outcomes", "OutcomeEvaluationResult", "EvaluationResult",
           "family_outcomes", "DEFAULT_OUTCOMES", "comparison_scale", "covariate_year_effects", "EVIDENCE_LEVELS"]

#: Maryland Scientific Methods Scale level of each design (Sherman et al. 1997; What Works Centre).
EVIDENCE_LEVELS = {"before_after": 1, "twfe": 3, "callaway_santanna": 3, "imputation": 3}
ESTIMATOR_LABELS = {
    "before_after": "Before/after (program's claim)",
    "twfe": "Two-way fixed effects",
    "callaway_santanna": "Callaway-Sant'Anna",
    "imputation": "Imputation (BJS)",
}
_RELATIVE = {"va_per_worker", "sales_per_worker", "cost_ratio", "materials_ratio", "labour_ratio",
             "capex_real", "employment"}


def comparison_scale(outcome: str) -> str:
    """``"percent"`` or ``"level"``: the scale on which an outcome's effects are compared."""
    if outcome.startswith(("log_", "ln_")) or outcome in _RELATIVE:
        return "percent"
    return "level"


def _naive_outcome(panel: Panel, outcome: str) -> str:
    """The level counterpart of a log outcome, as the program would report it."""
    if outcome.startswith("log_") and outcome[4:] in panel.outcomes:
        return outcome[4:]
    return outcome


@dataclasses.dataclass(frozen=True)
class OutcomeEvaluationResult(ResultMixin):
    """Every estimate for one outcome, with a comparison table and a reading.

    Attributes
    ----------
    outcome : str
    estimates : DataFrame
        The comparison table: one row per estimator with tidy columns, ``estimator``, ``scale``
        (percent or level), ``horizon``, ``evidence_level``, ``design`` and ``n_units``.
    naive, twfe, group_time, event_study, simple, by_cohort, calendar, imputation, pretrend
        The underlying results (each renders on its own in a notebook). ``twfe.fit`` is None: the
        evaluation keeps the TWFE estimates and design, not pyfixest's fitted model (its firm-year
        arrays are the largest object at national scale); ``hb.twfe`` returns the model.
    reading : str
        Plain-language reading generated from the numbers.
    """

    outcome: str
    estimates: pd.DataFrame
    spec: dict
    naive: object
    twfe: object
    group_time: object = result_field(serialize="omit")  # per-cell influence functions: large
    event_study: object
    simple: object
    by_cohort: object
    calendar: object
    imputation: object
    pretrend: object
    reading: str
    warnings: tuple = ()
    title = "Naive claim vs causal estimates"


@dataclasses.dataclass(frozen=True)
class EvaluationResult(ResultMixin):
    """Evaluations of several outcomes (one family) with one stacked comparison table.

    Attributes
    ----------
    estimates : DataFrame
        The comparison tables of every outcome, stacked (see :class:`OutcomeEvaluationResult`).
    evaluations : tuple of OutcomeEvaluationResult
        One per outcome, in the order evaluated; the first is the headline.
    spec : dict
        The settings, with ``family`` (None when the outcomes were named directly) and
        ``outcomes``.
    """

    estimates: pd.DataFrame
    evaluations: tuple
    spec: dict
    title = "Program effects: naive claim vs causal estimates"

    def _glance_rows(self) -> list[dict]:
        """Per outcome: the pre-trend test and the Callaway-Sant'Anna sample's counts."""
        rows = []
        for item in self.evaluations:
            keys = {"outcome": item.outcome, "estimator": "callaway_santanna"}
            if item.pretrend is not None:
                rows += [{**keys, **row} for row in item.pretrend._glance_rows()]
            simple = item.simple
            if isinstance(getattr(simple, "n_units", None), (int, np.integer)):
                rows.append({**keys, "statistic": "n_units", "value": float(simple.n_units),
                             "unit": "count", "label": "firms in the estimation sample"})
            treated = getattr(simple, "n_treated", None)
            if isinstance(treated, dict) and treated:
                rows.append({**keys, "statistic": "n_treated",
                             "value": float(sum(treated.values())), "unit": "count",
                             "label": "participating firms"})
        return rows

    def __getitem__(self, outcome: str) -> OutcomeEvaluationResult:
        for item in self.evaluations:
            if item.outcome == outcome:
                return item
        raise KeyError(f"`{outcome}` was not evaluated; evaluated: "
                       f"{', '.join(e.outcome for e in self.evaluations)}")

    @property
    def outcomes(self) -> list[str]:
        """The evaluated outcomes, headline first."""
        return [e.outcome for e in self.evaluations]

    @property
    def headline(self) -> OutcomeEvaluationResult:
        """The evaluation of the first (headline) outcome."""
        return self.evaluations[0]

    def event_studies(self) -> pd.DataFrame:
        """Callaway-Sant'Anna event studies of every outcome, stacked (with an ``outcome`` column)."""
        frames = [e.event_study.estimates.assign(outcome=e.outcome) for e in self.evaluations]
        return pd.concat(frames, ignore_index=True)

    def readings(self) -> Readings:
        """Each outcome's reading, then why the three averages after entry differ (Markdown)."""
        lang = self.spec.get("lang", "en") if isinstance(self.spec, dict) else "en"
        parts = [e.reading for e in self.evaluations] + [text("reading.overall", lang)]
        return Readings("\n\n".join(parts))


#: The outcomes a family's evaluation covers by default, headline first: those of
#: :data:`hubeval.FAMILIES` measured on a scale that compares firms of different size (logs,
#: ratios, rates, shares). Money levels (``va_per_worker``, ``capex_real``) and counts
#: (``net_jobs``) stay in the codebook for descriptives, the naive claim and the cost-benefit.
DEFAULT_OUTCOMES: dict[str, tuple[str, ...]] = {
    "productivity": ("log_va_per_worker", "log_sales_per_worker"),
    "costs": ("cost_ratio", "materials_ratio", "labour_ratio"),
    "investment": ("investment_rate", "any_investment"),
    "jobs": ("log_employment", "dhs_growth"),
    "survival": ("survival",),
}


def family_outcomes(family: str | None = None, outcomes: Sequence[str] | None = None) -> list[str]:
    """The outcomes to evaluate: ``outcomes`` when given, else the family's default outcomes.

    Parameters
    ----------
    family : {"productivity", "costs", "investment", "jobs", "survival"}, optional
        An outcome family of :data:`hubeval.FAMILIES`; its default outcomes
        (:data:`DEFAULT_OUTCOMES`) come headline first.
    outcomes : list of str, optional
        Outcomes named directly (they win over the family's).

    Raises
    ------
    SpecError
        When neither is given, or ``outcomes`` is empty.
    PanelError
        For an unknown family.
    """
    if outcomes is None:
        if family is None:
            raise SpecError("Name the outcomes to evaluate: `family` (e.g. 'productivity') or "
                            "`outcomes` (e.g. ['log_va_per_worker']).")
        members = outcome_family(family)  # validates the family name
        return [o for o in DEFAULT_OUTCOMES.get(family, members) if o in members]
    outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    if not outcomes:
        raise SpecError("`outcomes` is empty; name at least one outcome (e.g. 'log_va_per_worker'), "
                        "or pass None for the default outcomes of `family`.")
    return outcomes


def evaluate_outcomes(panel: Panel, *, family: str | None = None,
                      outcomes: Sequence[str] | None = None, control: str = "not_yet_treated",
                      method: str = "dr", covariates: Sequence[str] | None = None,
                      anticipation: int = 0, naive_post: int = 1, horizon: int = 1,
                      alpha: float = 0.05, n_boot: int = 0, seed=None,
                      lang: str = "en") -> EvaluationResult:
    """Run :func:`evaluate_outcome` for each outcome of a family and stack the comparison tables.

    Parameters
    ----------
    panel : Panel
    family : {"productivity", "costs", "investment", "jobs", "survival"}, optional
        The outcome family; ``outcomes`` default to its :data:`DEFAULT_OUTCOMES`,
        headline first. Recorded in ``spec`` (and by the batch as the run's parameter).
    outcomes : list of str, optional
        The outcomes to evaluate, headline first; default: every outcome of ``family``.
    control, method, covariates, anticipation, alpha, n_boot, seed
        Passed to :func:`hubeval.att_gt` (the headline estimator) for every outcome.
    naive_post : int, default 1
        Event time of the "after" year of the before/after claim.
    horizon : int, default 1
        Event time at which the causal event-study estimate is set beside the naive claim.
    lang : {"en", "ko"}
        Language of the generated readings.

    Returns
    -------
    EvaluationResult
        ``result.headline`` is the first outcome's :class:`OutcomeEvaluationResult`.

    Raises
    ------
    SpecError
        When neither ``family`` nor ``outcomes`` names an outcome.
    """
    outcomes = family_outcomes(family, outcomes)
    for outcome in outcomes:  # every outcome checked before the first is estimated
        check_formula_names(panel, outcome, covariates, function="twfe")
    settings = dict(control=control, method=method, covariates=covariates,
                    anticipation=anticipation, naive_post=naive_post, horizon=horizon,
                    alpha=alpha, n_boot=n_boot, seed=seed, lang=lang)
    items = tuple(evaluate_outcome(panel, outcome=o, **settings)
                  for o in progress_bar(outcomes, desc="outcomes"))
    table = pd.concat([e.estimates for e in items], ignore_index=True)
    spec = dict(settings, family=family, outcomes=outcomes,
                covariates=list(covariates or []), sample=dict(panel.restrictions),
                seed=seed if not isinstance(seed, np.random.Generator) else "Generator")
    return EvaluationResult(table, items, spec)


def evaluate_outcome(panel: Panel, *, outcome: str, control: str = "not_yet_treated",
                     method: str = "dr", covariates: Sequence[str] | None = None,
                     anticipation: int = 0, naive_post: int = 1, horizon: int = 1,
                     alpha: float = 0.05, n_boot: int = 0, seed=None,
                     lang: str = "en") -> OutcomeEvaluationResult:
    """Estimate the program's effect on ``outcome`` with every estimator and compare them.

    Parameters
    ----------
    panel : Panel
    outcome : str
    control, method, covariates, anticipation, alpha, n_boot, seed
        Passed to :func:`hubeval.att_gt` (the headline estimator).
    naive_post : int, default 1
        Event time of the "after" year of the before/after claim (the year after the program year).
    horizon : int, default 1
        Event time at which the causal event-study estimate is set beside the naive claim.
    lang : {"en", "ko"}
        Language of the generated reading.

    Returns
    -------
    OutcomeEvaluationResult
        ``spec["sample"]`` records the sample restrictions of ``panel`` and any cohort left out
        here: a cohort that ``anticipation`` leaves without an untreated year for ``outcome`` is
        left out of every estimator (with a warning in ``warnings``), so the other cohorts'
        estimates equal those on data without it.
    """
    covariates = list(covariates or [])
    with recorded_warnings() as left_out:  # cohorts anticipation leaves without an untreated year
        panel = anticipation_sample(panel, outcome, anticipation)
    for message in left_out:  # shown as well as recorded: data are left out
        warnings.warn(message, DataWarning, stacklevel=2)
    with recorded_warnings() as caught:
        caught.extend(left_out)
        naive = before_after(panel, outcome=_naive_outcome(panel, outcome), post=naive_post,
                             scale="percent" if comparison_scale(outcome) == "percent" else "level",
                             alpha=alpha)
        trended, trends = covariate_year_effects(panel, covariates, outcome)
        twfe_panel, treatment = twfe_treatments(trended, anticipation)
        bench = _without_fit(twfe(twfe_panel, outcome=outcome, covariates=trends or None, alpha=alpha,
                                  **treatment))
        gt = att_gt(panel, outcome=outcome, control=control, method=method, covariates=covariates or None,
                    anticipation=anticipation, alpha=alpha, n_boot=n_boot, seed=seed)
        aggs = {by: aggregate(gt, by=by) for by in ("event_time", "simple", "cohort", "calendar")}
        imp = imputation(trended, outcome=outcome, covariates=trends or None, anticipation=anticipation,
                         alpha=alpha)
        gc.collect()  # the TWFE fit (pyfixest) sits in reference cycles
        pre = _pretrend_or_none(gt)
    base = _baseline_mean(panel, outcome, anticipation)
    table = _comparison_table(outcome, naive, bench, aggs, imp, horizon, base, alpha)
    spec = dict(outcome=outcome, control=control, method=method, covariates=covariates,
                anticipation=anticipation, naive_post=naive_post, horizon=horizon, alpha=alpha,
                n_boot=n_boot, seed=seed if not isinstance(seed, np.random.Generator) else "Generator",
                baseline_mean=base, sample=dict(panel.restrictions))
    reading = outcome_reading(outcome, table, pre, gt, lang)
    return OutcomeEvaluationResult(outcome, table, spec, naive, bench, gt, aggs["event_time"], aggs["simple"],
                             aggs["cohort"], aggs["calendar"], imp, pre, reading, tuple(caught))


def _without_fit(bench):
    """The TWFE result without pyfixest's fitted model, whose firm-year arrays (design, scores,
    residuals: about 1.5 GB per outcome at 100,000 firms) the evaluation never reads; its
    estimates and design (for the wild bootstrap) stay. The model's reference cycles are
    collected at once, so they do not pile up over the outcomes."""
    bench = dataclasses.replace(bench, fit=None)
    gc.collect()
    return bench


def _pretrend_or_none(gt):
    try:
        return pretrend_test(gt)
    except HubevalError as exc:
        warnings.warn(f"No pre-trend test: {exc}", EstimationWarning, stacklevel=3)
        return None


def _baseline_mean(panel: Panel, outcome: str, anticipation: int) -> float:
    """Participants' mean of ``outcome`` in the base year (event time -1 - anticipation)."""
    rel = panel.event_time()
    values = panel.data.loc[rel == -1 - anticipation, outcome]
    return float(values.mean())


def _convert(row: dict, outcome: str, base: float) -> dict:
    """Put a causal estimate on the outcome's comparison scale."""
    if comparison_scale(outcome) != "percent":
        return row
    if outcome.startswith(("log_", "ln_")):
        return percent_effect(pd.DataFrame([row])).iloc[0].to_dict()
    est, se, lo, hi = (row[k] for k in ("estimate", "std_error", "conf_low", "conf_high"))
    return dict(row, estimate=100 * est / base, std_error=100 * se / abs(base),
                conf_low=100 * lo / base, conf_high=100 * hi / base)


def _comparison_table(outcome, naive, bench, aggs, imp, horizon, base, alpha) -> pd.DataFrame:
    keys = ("estimate", "std_error", "conf_low", "conf_high")
    head = naive.headline()
    rows = [dict({k: float(head[k]) for k in keys}, estimator="before_after",
                 term=f"before/after, event time {naive.spec.get('post', 1)}",
                 horizon=str(naive.spec.get("post", 1)), n_units=naive.n_units)]
    tw = bench.headline()
    rows.append(_convert(dict({k: float(tw[k]) for k in keys}, estimator="twfe", term="TWFE, post",
                              horizon="post average", n_units=bench.n_units), outcome, base))
    overall = aggs["simple"].overall
    rows.append(_convert(dict({k: float(overall[k]) for k in keys}, estimator="callaway_santanna",
                              term="ATT simple", horizon="post average",
                              n_units=aggs["simple"].n_units), outcome, base))
    es = aggs["event_time"].estimates
    at = es[es["event_time"] == horizon]
    if len(at):
        rows.append(_convert(dict({k: float(at.iloc[0][k]) for k in keys}, estimator="callaway_santanna",
                                  term=f"ATT event time {horizon}", horizon=str(horizon),
                                  n_units=aggs["event_time"].n_units), outcome, base))
    ih = imp.headline()
    rows.append(_convert(dict({k: float(ih[k]) for k in keys}, estimator="imputation",
                              term="imputation, post average", horizon="post average",
                              n_units=imp.n_units), outcome, base))
    table = add_inference(pd.DataFrame(rows), alpha=alpha)
    table[["conf_low", "conf_high"]] = pd.DataFrame(rows)[["conf_low", "conf_high"]]
    table["outcome"] = outcome
    table["scale"] = "percent" if comparison_scale(outcome) == "percent" else "level"
    table["evidence_level"] = table["estimator"].map(EVIDENCE_LEVELS)
    table["design"] = table["estimator"].map(ESTIMATOR_LABELS)
    cols = ["outcome", "term", "estimator", "horizon", "estimate", "std_error", "statistic", "p_value",
            "conf_low", "conf_high", "scale", "evidence_level", "design", "n_units"]
    return table[cols]
