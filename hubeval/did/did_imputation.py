"""The imputation estimator of Borusyak, Jaravel & Spiess (2024) for staggered adoption.

Steps (BJS Theorem 1): fit firm and year fixed effects (plus time-varying covariates) on
*untreated* observations only (never-participants and participants before entry); impute the
untreated outcome ``Y_it(0)`` of every treated observation; average ``tau_it = Y_it - Y_it(0)``
over treated observations by event time (and over all of them for the overall ATT). Unlike TWFE,
already-treated firms never serve as controls, so growing effects do not bias it.

Standard errors follow BJS Theorem 3 (conservative, clustered by firm). The estimator is linear,
``tau_w = sum_it v_it Y_it``, with ``v_it = w_it`` for treated observations and
``v = -Z0 (Z0'Z0)^-1 Z1' w`` for untreated ones; the variance is
``sum_i (sum_t v_it e_it)^2`` with untreated residuals ``e_it`` from the first step and, for
treated observations, ``tau_it`` minus the average ``tau`` of the other firms in the same
cohort x year cell (the leave-one-out version BJS recommend for small cells; cells of one firm
fall back to the other firms at the same event time).

With ``anticipation=k`` firm-years from ``k`` years before entry on count as (possibly) treated,
as R ``didimputation`` and Stata ``did_imputation`` do by shifting the treatment date: they are
left out of the first step and their effects are estimated (event times ``-k .. -1``); the
overall ATT still averages event times >= 0 only, like Callaway & Sant'Anna's simple aggregation.

The pre-trend test is BJS Test 1: on untreated observations only, add dummies for the last
``K`` years before ``entry - anticipation`` to the first-step regression and test them jointly
(CRV1 by firm, F(K, G - 1)); their coefficients are the pre-period rows of the event-study table.

Hand-written (sparse normal equations) because no Python library implements the Theorem 3
variance; point estimates are checked against :func:`pyfixest.did2s` (Gardner's two-stage
estimator equals the imputation estimator for the same specification) in the tests. The
pre-trend regression is the lean hand-written :func:`hubeval.did._fe_ols.fe_ols` (pyfixest's
copies of the design exceeded 4 GB at 100,000 firms); the tests check it against
:func:`pyfixest.feols`.

References
----------
Borusyak, K., Jaravel, X. & Spiess, J. (2024). Revisiting event-study designs: robust and
    efficient estimation. Review of Economic Studies 91(6), 3253-3285.
Gardner, J. (2022). Two-stage differences in differences. arXiv:2207.05943.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.core.lazy import stats
from hubeval.core.results import add_inference, result_field
from hubeval.data.panel import Panel
from hubeval.did._bjs import OVERALL_TERM, _bjs_vcov, _FirstStep, _weights
from hubeval.did._common import (
    EffectResultMixin,
    check_anticipation,
    check_covariates,
    check_outcome,
    event_counts,
    event_term,
    is_log_outcome,
    treated_by_cohort,
)
from hubeval.did._fe_ols import fe_ols
from hubeval.did.twfe_setup import check_formula_names

__all__ = ["imputation", "ImputationResult"]

DESIGN_IMPUTATION = ("difference-in-differences, imputation estimator of Borusyak, Jaravel & "
                     "Spiess (level 3 of 5)")
NOTE_IMPUTATION = ("Causal under parallel trends and no effect earlier than `anticipation` years before "
                   "entry (see spec); untreated outcomes imputed from firm and year effects fitted on "
                   "not-yet- and never-participating firm-years. Rows before that window are BJS Test 1 "
                   "coefficients, not imputation estimates.")
#: The columns of ``hb.aggregate(gt, by="event_time")`` (without a bootstrap band).
_EVENT_COLUMNS = ["term", "event_time", "estimate", "std_error", "statistic", "p_value", "conf_low",
                  "conf_high", "n_cohorts", "n_treated"]


@dataclasses.dataclass(frozen=True)
class ImputationResult(EffectResultMixin):
    """Event-study and overall effects from the BJS imputation estimator.

    Attributes
    ----------
    estimates : DataFrame
        One row per event time with the columns of ``hb.aggregate(gt, by="event_time")``:
        ``term, event_time, estimate, std_error, statistic, p_value, conf_low, conf_high,
        n_cohorts, n_treated`` (pre-periods from the pre-trend regression).
    overall : dict
        ``term = "ATT(overall)"``, estimate and inference: the average effect over all treated
        observations in the horizons at event times >= 0 (BJS's default equal weights per
        treated firm-year; anticipation rows are left out, as in ``aggregate(by="simple")``).
    vcov : DataFrame
        Covariance of the post-entry estimates and the overall ATT (BJS Theorem 3).
    pretrend_test : dict
        BJS Test 1: ``statistic`` (F), ``df``, ``p_value``, ``chi2``, ``leads``; empty if not run.
    effects : DataFrame
        Per treated firm-year: unit, time, cohort, event_time, outcome, imputed untreated
        outcome and ``tau`` (confidential: not serialised).
    n_units, n_obs : int
    n_treated : dict
        Participating firms per cohort with at least one imputed effect.
    warnings : tuple of str
    """

    estimates: pd.DataFrame
    overall: dict
    vcov: pd.DataFrame = result_field(serialize="matrix")
    spec: dict
    pretrend_test: dict
    n_units: int
    n_obs: int
    n_treated: dict
    effects: pd.DataFrame = result_field(serialize="omit", repr=False)  # per-firm: confidential
    warnings: tuple = ()
    design: str = DESIGN_IMPUTATION
    note: str = NOTE_IMPUTATION
    title = "Imputation estimator (Borusyak, Jaravel & Spiess 2024)"

    def headline(self) -> pd.Series:
        """The overall ATT (a Series with ``term``, ``estimate`` and inference)."""
        return pd.Series(self.overall, name=OVERALL_TERM)

    def _summary_lines(self) -> list[str]:
        lines = super()._summary_lines()
        row = self.overall
        lines.append(f"overall ATT: {row['estimate']:.4g} (SE {row['std_error']:.4g}, "
                     f"{row['conf_low']:.4g} to {row['conf_high']:.4g})")
        if self.pretrend_test:
            test = self.pretrend_test
            lines.append(f"pre-trend test (BJS Test 1, {len(test['leads'])} leads): F = "
                         f"{test['statistic']:.3g}, p = {test['p_value']:.3g}")
        return lines


def imputation(panel: Panel, *, outcome: str, covariates: Sequence[str] | None = None,
               horizons: Sequence[int] | None = None, pretrends: int | None = None,
               anticipation: int = 0, alpha: float = 0.05) -> ImputationResult:
    """Event-study effects by the imputation estimator of Borusyak, Jaravel & Spiess (2024).

    Parameters
    ----------
    panel : Panel
    outcome : str
        Outcome column (``log_``/``ln_`` names are logs: see ``result.percent()``).
    covariates : list of str, optional
        Time-varying controls in the untreated-outcome model.
    horizons : list of int, optional
        Event times (>= ``-anticipation``) to estimate; default every observed event time from
        ``-anticipation`` on.
    pretrends : int, optional
        Number of pre-entry years tested (BJS Test 1) and shown as pre-period rows; default
        ``min(3, identified)``; 0 skips the test. With anticipation the leads are the years before
        ``entry - anticipation``.
    anticipation : int
        Years before entry in which firms may already react (e.g. preparing for the consulting,
        or a dip that selected them). Observations from event time ``-anticipation`` on are left
        out of the untreated-outcome model and their effects are estimated, as R's
        ``didimputation`` and Stata's ``did_imputation`` do by shifting the treatment date.
        Event times ``-anticipation .. -1`` get their own rows; the overall ATT averages event
        times >= 0 only (as ``hb.aggregate(gt, by="simple")``), so it stays comparable.
    alpha : float
        1 - confidence level (normal critical values, as BJS).

    Returns
    -------
    ImputationResult
        Its ``estimates`` table has the columns of ``hb.aggregate(gt, by="event_time")``.

    Raises
    ------
    SpecError
        Unknown outcome or covariate, bad ``horizons``, ``pretrends`` or ``anticipation`` (also
        when it leaves a cohort without an untreated year), no treated observation, covariates
        collinear with the fixed effects or each other.
    EstimationError
        Untreated observations that split into unconnected groups (fixed effects not identified).

    References
    ----------
    Borusyak, Jaravel & Spiess (2024), Review of Economic Studies 91(6), 3253-3285.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(300, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> res = hb.imputation(panel, outcome="y", horizons=[0, 1, 2])
    >>> res.estimates["event_time"].tolist()
    [-3, -2, -1, 0, 1, 2]
    """
    check_outcome(panel, outcome, function="imputation")
    covariates = check_covariates(panel, covariates)
    check_formula_names(panel, outcome, covariates, function="imputation")
    notes: list[str] = []
    data = _sample(panel, outcome, covariates, notes)
    anticipation = check_anticipation(anticipation, data, cohort=panel.cohort, event_time="_event_time",
                                      outcome=outcome)
    untreated = ~(data["_event_time"] >= -anticipation).to_numpy()
    data = _drop_unimputable(panel, data, untreated, notes)
    untreated = ~(data["_event_time"] >= -anticipation).to_numpy()
    horizons = _check_horizons(data, horizons, anticipation)
    design = _FirstStep(panel, data, untreated, outcome, covariates)
    tau, effects = design.impute()
    weights, labels = _weights(effects["event_time"].to_numpy(), horizons)
    estimate = weights.T @ tau
    vcov = _bjs_vcov(design, tau, weights, effects, panel, notes)
    table = _post_table(estimate, vcov, effects, horizons, labels, panel, alpha)
    n_units, n_obs, untreated_rows = int(data[panel.unit].nunique()), len(data), data[untreated]
    del data, design  # the first step's rows, sparse design and factor, before the pre-trend fit
    leads, test = _pretrend_test(panel, untreated_rows, outcome, covariates, pretrends, anticipation,
                                 alpha)
    parts = [leads, table.iloc[:-1]] if len(leads) else [table.iloc[:-1]]
    estimates = pd.concat(parts, ignore_index=True)[_EVENT_COLUMNS]
    estimates["event_time"] = estimates["event_time"].astype(int)
    overall = {k: (v.item() if hasattr(v, "item") else v)
               for k, v in table.iloc[-1].drop("event_time").items()}
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    spec = dict(estimator="imputation", outcome=outcome, covariates=covariates,
                horizons=[int(h) for h in horizons], pretrends=len(test.get("leads", [])),
                anticipation=anticipation, alpha=alpha, log_outcome=is_log_outcome(outcome),
                variance="BJS (2024) Theorem 3, leave-one-out cohort x year averages, clustered by unit")
    used = effects.loc[weights[:, -1] > 0]
    return ImputationResult(estimates, overall, pd.DataFrame(vcov, index=labels, columns=labels), spec,
                            test, n_units, n_obs, treated_by_cohort(used, panel), effects, tuple(notes))


# --- sample and first step ---------------------------------------------------------------------
def _sample(panel: Panel, outcome: str, covariates: list[str], notes: list[str]) -> pd.DataFrame:
    # Only the columns the estimator reads: the rows are copied below, so every other column of a
    # national panel (tens of them, millions of rows) would be copied for nothing.
    needed = [outcome] + covariates
    data = panel.data[list(dict.fromkeys([panel.unit, panel.time, panel.cohort] + needed))]
    data["_event_time"] = panel.event_time().to_numpy()
    complete = data[needed].notna().all(axis=1)
    if not complete.all():
        notes.append(f"{int((~complete).sum())} of {len(data)} rows dropped for missing values in "
                     f"{format_examples([c for c in needed if data[c].isna().any()])}.")
    data = data.loc[complete].reset_index(drop=True)
    if not (data["_event_time"] >= 0).any():
        raise SpecError(f"No treated observation: no participant has '{outcome}' observed in or after "
                        "its program year, so there is no effect to estimate. Check the cohort coding "
                        "and that the panel covers years after entry.")
    return data


def _drop_unimputable(panel, data, untreated, notes) -> pd.DataFrame:
    """Treated rows whose firm or year never appears untreated have no imputable Y(0)."""
    units0 = set(data.loc[untreated, panel.unit])
    years0 = set(data.loc[untreated, panel.time])
    bad_unit = ~untreated & ~data[panel.unit].isin(units0).to_numpy()
    bad_year = ~untreated & ~data[panel.time].isin(years0).to_numpy()
    if bad_unit.any():
        notes.append(f"{int(bad_unit.sum())} treated rows of {data.loc[bad_unit, panel.unit].nunique()} "
                     "firm(s) without any untreated year with data dropped (no firm effect to impute "
                     f"from), e.g. {format_examples(pd.unique(data.loc[bad_unit, panel.unit]))}.")
    if bad_year.any():
        years = sorted(int(y) for y in pd.unique(data.loc[bad_year, panel.time]))
        notes.append(f"{int(bad_year.sum())} treated rows in year(s) {format_examples(years)} dropped: "
                     "every firm is treated then, so the year effect cannot be imputed.")
    keep = ~(bad_unit | bad_year)
    if not (~untreated & keep).any():
        raise SpecError("No treated observation can be imputed: every treated firm-year lacks an "
                        "untreated observation of the same firm or of the same year.")
    return data.loc[keep].reset_index(drop=True)


def _check_horizons(data: pd.DataFrame, horizons, anticipation: int) -> list[int]:
    treated = data["_event_time"] >= -anticipation
    observed = sorted(int(e) for e in data.loc[treated, "_event_time"].unique())
    if horizons is None:
        return observed
    horizons = [horizons] if isinstance(horizons, (int, np.integer)) else list(horizons)
    bad = [h for h in horizons if not isinstance(h, (int, np.integer)) or h < -anticipation]
    if bad:
        raise SpecError(f"`horizons` must be whole event times >= {-anticipation}; got "
                        f"{format_examples(bad)}. Pre-entry years are tested with `pretrends=`"
                        f"{'' if anticipation else ' (or estimated with `anticipation=`)'}.")
    if not any(h >= 0 for h in horizons):
        raise SpecError(f"`horizons` needs at least one event time >= 0 for the overall effect; got "
                        f"{format_examples(horizons)}.")
    absent = [h for h in horizons if h not in observed]
    if absent:
        raise SpecError(f"`horizons`: no treated observation at event time(s) {format_examples(absent)}."
                        f" Observed event times: {format_examples(observed, 20)}.")
    return sorted(int(h) for h in set(horizons))


def _post_table(estimate, vcov, effects, horizons, labels, panel, alpha) -> pd.DataFrame:
    counts = event_counts(effects, panel.unit, panel.cohort, "event_time").reindex(horizons)
    used = effects[effects["event_time"].isin([h for h in horizons if h >= 0])]
    table = pd.DataFrame({"term": labels, "event_time": horizons + [np.nan], "estimate": estimate,
                          "std_error": np.sqrt(np.clip(np.diag(vcov), 0, None)),
                          "n_cohorts": list(counts["n_cohorts"]) + [used[panel.cohort].nunique()],
                          "n_treated": list(counts["n_treated"]) + [used[panel.unit].nunique()]})
    return add_inference(table, alpha=alpha)[_EVENT_COLUMNS]


# --- pre-trend test (BJS Test 1) ---------------------------------------------------------------
def _pretrend_test(panel, data0, outcome, covariates, pretrends, anticipation,
                   alpha) -> tuple[pd.DataFrame, dict]:
    available = sorted({int(-e) for e in data0["_event_time"].dropna().unique()})
    # A lead is identified only against earlier untreated years of the same firms (the firm
    # effects absorb the rest), so the longest pre-period must extend beyond the window.
    limit = max(len(available) - 1, 0)
    if pretrends is None:
        pretrends = max(min(3, limit), 0)
    elif not isinstance(pretrends, (int, np.integer)) or pretrends < 0 or pretrends > limit:
        raise SpecError(f"`pretrends` must be a whole number from 0 to {limit} (the pre-entry years that "
                        f"can be tested against earlier pre-entry years); got {pretrends!r}.")
    empty = pd.DataFrame(columns=_EVENT_COLUMNS)
    if pretrends == 0:
        return empty, {}
    leads = list(range(-int(pretrends) - anticipation, -anticipation))
    names = [f"hb_lead_{-k}" for k in leads]
    event_time = data0["_event_time"].to_numpy()
    columns = {n: event_time == k for n, k in zip(names, leads)}
    columns.update({c: data0[c] for c in covariates})
    # Hand-written lean FE OLS (one float64 copy of [y, X]); it agrees with pyfixest.feols(...,
    # vcov={"CRV1": unit}, fixef_rm="none") to 1e-10 in the tests.
    fit = fe_ols(data0[outcome], columns, data0[panel.unit], data0[panel.time])
    if fit.collinear:
        raise SpecError(f"`pretrends={pretrends}`: lead(s) {format_examples(list(fit.collinear))} are not "
                        "identified in the untreated-only regression. Use a smaller `pretrends`.")
    coef = fit.coef[names].to_numpy()
    cov = fit.vcov.loc[names, names].to_numpy()
    counts = event_counts(data0, panel.unit, panel.cohort, "_event_time").reindex(leads).fillna(0)
    table = add_inference(pd.DataFrame({
        "term": [event_term(k) for k in leads], "event_time": leads, "estimate": coef,
        "std_error": np.sqrt(np.diag(cov)), "n_cohorts": counts["n_cohorts"].astype(int).to_numpy(),
        "n_treated": counts["n_treated"].astype(int).to_numpy()}), alpha=alpha)[_EVENT_COLUMNS]
    chi2 = float(coef @ np.linalg.solve(cov, coef))
    n_clusters = fit.n_clusters
    f_stat = chi2 / len(leads)
    test = dict(statistic=f_stat, df=[len(leads), n_clusters - 1],
                p_value=float(stats.f.sf(f_stat, len(leads), n_clusters - 1)), chi2=chi2,
                leads=leads, method="BJS (2024) Test 1: leads in the untreated-only regression, "
                                   "CRV1 by unit, F(K, G - 1)")
    return table, test
