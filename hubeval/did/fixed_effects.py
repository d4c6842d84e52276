"""Two-way fixed effects (TWFE) regressions: the conventional difference-in-differences benchmark.

:func:`twfe` regresses the outcome on a post-participation indicator (or an event-time dummy set)
with firm and year fixed effects, through :func:`pyfixest.feols` (weighted least squares with
``weights=``). It is a **benchmark**: with
staggered cohorts it compares late entrants with early entrants that are already treated, so its
coefficient is a weighted average of 2x2 comparisons with some negative weights, and it is biased
(typically towards zero, possibly with the wrong sign) when effects grow with time since entry
(Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020). The event-study version is also
contaminated by effects at other event times (Sun & Abraham 2021). Use
:func:`hubeval.att_gt` / :func:`hubeval.imputation` for the causal estimate.

:func:`~hubeval.did.twfe_setup.twfe_design` (in :mod:`hubeval.did.twfe_setup`) exposes the
regression (formula, estimation sample, outcome and coefficient names, cluster ids, weights,
fixed-effect-demeaned arrays) for the wild cluster bootstrap. CV3 standard errors live in
:mod:`hubeval.did._cv3`. :func:`covariate_year_effects` and :func:`twfe_treatments` prepare the
panel so TWFE conditions and separates anticipation like the other estimators. The program's own
before/after number, :func:`~hubeval.did.naive.before_after`, lives in :mod:`hubeval.did.naive`.

References
----------
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    Journal of Econometrics 225(2), 254-277.
de Chaisemartin, C. & D'Haultfoeuille, X. (2020). Two-way fixed effects estimators with
    heterogeneous treatment effects. American Economic Review 110(9), 2964-2996.
Sun, L. & Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
    heterogeneous treatment effects. Journal of Econometrics 225(2), 175-199.
MacKinnon, J., Nielsen, M. & Webb, M. (2023). Cluster-robust inference: a guide to empirical
    practice. Journal of Econometrics 232(2), 272-299.
MacKinnon, J. & Webb, M. (2017). Wild bootstrap inference for wildly different cluster sizes.
    Journal of Applied Econometrics 32(2), 233-254.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.core.results import result_field
from hubeval.data.panel import Panel
from hubeval.data.views import with_columns
from hubeval.did._common import (
    EffectResultMixin,
    check_choice,
    event_counts,
    event_term,
    is_log_outcome,
    treated_by_cohort,
)
from hubeval.did._cv3 import units_nested_in_clusters, with_cv3
from hubeval.did.twfe_setup import FIXEF_TOL, TwfeDesign, twfe_design

__all__ = ["twfe", "TwfeResult", "Vcov", "covariate_year_effects", "twfe_treatments"]

Vcov = Literal["cluster", "iid", "hc1", "cv3"]

#: Fewer treated clusters than this and clustered p-values are not trusted (as hb.inference_panel).
FEW_TREATED_CLUSTERS = 5

#: Evidence label (Maryland Scientific Methods Scale) carried by every result.
DESIGN_TWFE = "difference-in-differences, two-way fixed effects (level 3 of 5, benchmark)"
NOTE_TWFE = (
    "Benchmark only: with staggered cohorts TWFE uses already-treated firms as controls and is "
    "biased when effects grow with time since entry (Goodman-Bacon 2021; de Chaisemartin & "
    "D'Haultfoeuille 2020). Prefer att_gt() or imputation(). With few participating firms, "
    "clustered standard errors over-reject: use vcov='cv3' or the wild cluster bootstrap.")
_VCOV_PYFIXEST = {"iid": "iid", "hc1": "hetero"}


@dataclasses.dataclass(frozen=True)
class TwfeResult(EffectResultMixin):
    """A two-way fixed effects regression: a labelled benchmark, biased with staggered adoption.

    Attributes
    ----------
    estimates : DataFrame
        Static: one row per regressor (treatment terms first, then covariates). Event study: one
        row per event time with the columns of ``hb.aggregate(gt, by="event_time")`` (``term,
        event_time, estimate, std_error, statistic, p_value, conf_low, conf_high, n_cohorts,
        n_treated``), the reference period (-1, or ``-1 - anticipation``) at zero with no
        interval.
    spec : dict
    n_units, n_obs, n_clusters : int
    n_treated : dict
        Participating units per cohort in the estimation sample.
    regression : TwfeDesign
        The design, for the wild cluster bootstrap (:meth:`TwfeDesign.arrays`).
    fit : pyfixest Feols
        The fitted model (not serialised).
    warnings : tuple of str
        Choices made for the user (rows dropped, dose treatment, reference periods).
    """

    estimates: pd.DataFrame
    spec: dict
    n_units: int
    n_obs: int
    n_clusters: int
    n_treated: dict
    regression: TwfeDesign = result_field(serialize=TwfeDesign.summary_dict, repr=False)  # no data
    fit: object = result_field(serialize="omit", repr=False, compare=False)
    warnings: tuple = ()
    design: str = DESIGN_TWFE
    note: str = NOTE_TWFE
    title = "Two-way fixed effects (benchmark)"

    def headline(self) -> pd.Series:
        """The first treatment coefficient (static model only)."""
        if self.spec["event_study"]:
            raise SpecError("A TWFE event study has no single headline effect. Fit "
                            "`hb.twfe(panel, outcome=..., event_study=False)` for the comparison plot.")
        return self.estimates.iloc[0].rename(self.estimates["term"].iloc[0])


def twfe(panel: Panel, *, outcome: str, treatment: str | Sequence[str] | None = None,
         covariates: Sequence[str] | None = None, vcov: Vcov = "cluster", cluster: str | None = None,
         event_study: bool = False, anticipation: int = 0, weights: str | None = None,
         alpha: float = 0.05) -> TwfeResult:
    """Two-way (firm and year) fixed effects regression: the conventional DiD benchmark.

    Fits ``y_it = a_i + l_t + b * D_it + x_it' c + e_it`` by :func:`pyfixest.feols`, where
    ``D_it`` is by default the post-participation indicator ``1[t >= cohort_i - anticipation]``.
    With ``event_study=True`` it fits the dynamic version with one dummy per event time (years
    since entry) except the reference ``-1 - anticipation`` (and, without never-participants,
    also the earliest lead, which is not identified otherwise).

    **Benchmark only.** With staggered cohorts the static coefficient averages 2x2 comparisons in
    which earlier entrants serve as controls for later ones; when effects grow with time since
    entry those comparisons subtract part of the effect, biasing TWFE towards zero or beyond
    (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020). Event-study coefficients are
    contaminated by effects at other event times (Sun & Abraham 2021).

    Parameters
    ----------
    panel : Panel
    outcome : str
        Outcome column (``log_``/``ln_`` names are treated as logs: see ``result.percent()``).
    treatment : str or list of str, optional
        0/1 (or numeric dose) regressor columns; default the post-participation indicator (term
        ``post``).
    covariates : list of str, optional
        Time-varying controls (time-invariant ones are absorbed by the firm effects: an error).
    vcov : {"cluster", "iid", "hc1", "cv3"}
        ``"cluster"``: CRV1 clustered by unit (or ``cluster``); ``"cv3"``: the jackknife-type CRV3
        recommended with few clusters (MacKinnon, Nielsen & Webb 2023); ``"hc1"``: heteroskedasticity
        robust; ``"iid"``. Clustered inference uses t(G - 1).
    cluster : str, optional
        Cluster column for ``"cluster"``/``"cv3"``.
    event_study : bool
        Fit leads and lags instead of one post indicator.
    anticipation : int
        Years before entry in which firms may already react. The post indicator starts at
        ``cohort - anticipation`` (so the static coefficient mixes anticipation and post-entry
        effects); in the event study the reference period becomes ``-1 - anticipation`` and
        event times ``-anticipation .. -1`` are estimated. Not combinable with ``treatment``.
    weights : str, optional
        Column of non-negative regression weights, per firm (e.g. ``hb.match(...).to_panel(panel)``
        adds ``weight``) or per firm-year, used as weighted least squares weights (pyfixest
        ``aweights``). Rows with weight 0 are dropped (recorded in ``warnings``).
    alpha : float

    Returns
    -------
    TwfeResult
        ``regression`` holds the design for the wild cluster bootstrap.

    Warns
    -----
    EstimationWarning
        Also recorded in ``result.warnings``: rows dropped, dose treatments, and, with a clustered
        ``vcov``, treated observations in fewer than ``FEW_TREATED_CLUSTERS`` (5) clusters, where
        clustered p-values are far too small (MacKinnon & Webb 2017): use
        :func:`hubeval.wild_cluster_bootstrap` or :func:`hubeval.randomization_inference`.

    Raises
    ------
    SpecError
        Unknown outcome, covariate, treatment, cluster or weights column; non-numeric treatment; no
        treated observation; regressors collinear with the fixed effects or each other; bad
        ``anticipation`` (also when it leaves a cohort without an untreated year); missing,
        negative or non-numeric weights, or all weight on one firm.

    References
    ----------
    Goodman-Bacon (2021); de Chaisemartin & D'Haultfoeuille (2020); Sun & Abraham (2021).

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(300, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> res = hb.twfe(panel, outcome="y")
    >>> res.estimates["term"].tolist()
    ['post']
    """
    check_choice("vcov", vcov, Vcov)
    if cluster is not None and vcov not in ("cluster", "cv3"):
        raise SpecError(f"`cluster={cluster!r}` is only used with vcov='cluster' or 'cv3'; got "
                        f"vcov={vcov!r}. Drop `cluster` or choose a clustered vcov.")
    design = twfe_design(panel, outcome=outcome, treatment=treatment, covariates=covariates,
                         cluster=cluster, event_study=event_study, anticipation=anticipation,
                         weights=weights)
    notes = design.warnings + _few_treated_clusters(design, vcov)
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    fit = _fit_feols(design, vcov)
    table = _twfe_table(fit, design, panel, alpha)
    if vcov == "cv3" and units_nested_in_clusters(design):
        table = with_cv3(table, design, alpha)
    spec = dict(estimator="twfe", outcome=outcome, treatment=list(design.coefficients) if treatment
                is not None else "post-participation indicator", covariates=list(design.covariates),
                vcov=vcov, cluster=design.cluster, event_study=event_study,
                anticipation=design.anticipation, weights=weights, alpha=alpha,
                log_outcome=is_log_outcome(outcome), formula=design.formula)
    data = design.data
    return TwfeResult(table, spec, int(data[panel.unit].nunique()), len(data),
                      int(data[design.cluster].nunique()), treated_by_cohort(
                          data.assign(**{panel.cohort: data[panel.unit].map(panel.unit_cohorts)}), panel),
                      design, fit, notes)


def _few_treated_clusters(design: TwfeDesign, vcov: str) -> tuple[str, ...]:
    """A note when the treatment is non-zero in fewer than ``FEW_TREATED_CLUSTERS`` clusters.

    Cluster-robust errors then over-reject badly (one treated cluster: p-values near 0 whatever
    the truth), MacKinnon & Webb (2017); the threshold is the one of ``hb.inference_panel``.
    """
    if vcov not in ("cluster", "cv3"):
        return ()
    data = design.data
    treated = (data[list(design.coefficients)] != 0).any(axis=1)
    clusters = data.loc[treated, design.cluster].unique()
    if len(clusters) >= FEW_TREATED_CLUSTERS:
        return ()
    total = data[design.cluster].nunique()
    message = (
        f"Only {len(clusters)} of {total} clusters (`{design.cluster}`) have treated observations "
        f"({format_examples(list(clusters))}): clustered standard errors (vcov='{vcov}') are unreliable "
        "and their p-values far too small with so few treated clusters (MacKinnon & Webb 2017), so they "
        "must not be published on their own. Test the effect with hb.wild_cluster_bootstrap(result) or "
        "randomization inference (hb.randomization_inference; hb.inference_panel(panel, outcome=..., "
        "estimator='twfe') shows all of them).")
    return (message,)


def _fit_feols(design: TwfeDesign, vcov: str):
    import pyfixest as pf
    # CV3 with clusters that nest the firms is computed by with_cv3 (pyfixest refits the whole
    # fixed-effects model once per cluster, minutes for a few hundred firms); otherwise pyfixest's.
    cv3 = {"CRV1": design.cluster} if units_nested_in_clusters(design) else {"CRV3": design.cluster}
    spec = {"cluster": {"CRV1": design.cluster}, "cv3": cv3}.get(vcov, _VCOV_PYFIXEST.get(vcov))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # collinearity is checked below and raised as SpecError
        # design.data is the design's own frame (the needed columns, a fresh RangeIndex), so
        # pyfixest need not copy it; with weights it would rewrite the weights column, so it does.
        fit = pf.feols(design.formula, data=design.data, vcov=spec, fixef_rm="none",
                       weights=design.weights, fixef_tol=FIXEF_TOL,
                       copy_data=design.weights is not None)
    dropped = list(getattr(fit, "_collin_vars", []) or [])
    if dropped:
        labels = dict(zip(design.coefficients, design.terms))
        shown = format_examples([labels.get(c, c) for c in dropped])
        raise SpecError(f"Regressor(s) {shown} are collinear with the firm and year fixed effects or "
                        "with other regressors (e.g. constant within firms, identical across firms "
                        "each year, or duplicates), so their effect is not identified. Drop them from "
                        "`covariates` (or `treatment`).")
    return fit


def _twfe_table(fit, design: TwfeDesign, panel: Panel, alpha: float) -> pd.DataFrame:
    tidy = fit.tidy(alpha=alpha)
    table = pd.DataFrame({"term": tidy.index.astype(str), "estimate": tidy.iloc[:, 0].to_numpy(),
                          "std_error": tidy.iloc[:, 1].to_numpy(), "statistic": tidy.iloc[:, 2].to_numpy(),
                          "p_value": tidy.iloc[:, 3].to_numpy(), "conf_low": tidy.iloc[:, 4].to_numpy(),
                          "conf_high": tidy.iloc[:, 5].to_numpy()})
    labels = dict(zip(design.coefficients, design.terms))
    order = list(design.coefficients) + list(design.covariates)
    table = table.set_index("term").loc[order].reset_index()
    table["term"] = table["term"].map(lambda c: labels.get(c, c))
    if design.event_times is not None:
        table = table.iloc[:len(design.coefficients)]
        table.insert(1, "event_time", list(design.event_times))
        reference = pd.DataFrame({"term": [event_term(design.reference, "TWFE")],
                                  "event_time": [design.reference], "estimate": [0.0]})
        table = pd.concat([table, reference], ignore_index=True).sort_values("event_time")
        cohorts = design.data[panel.unit].map(panel.unit_cohorts)
        counts = event_counts(design.data.assign(_cohort=cohorts, _e=design.data[panel.time] - cohorts),
                              panel.unit, "_cohort", "_e")
        for col in ("n_cohorts", "n_treated"):
            table[col] = table["event_time"].map(counts[col]).fillna(0).astype(int).to_numpy()
    return table.reset_index(drop=True)


def covariate_year_effects(panel: Panel, covariates: Sequence[str],
                           outcome: str | None = None) -> tuple[Panel, list[str]]:
    """Add ``covariate x year`` columns so TWFE and imputation condition like Callaway-Sant'Anna.

    Callaway-Sant'Anna assume parallel trends *conditional* on baseline covariates, letting
    firms with different covariate values follow different time paths. In a fixed-effects
    regression a time-invariant covariate is absorbed by the firm effect; the equivalent
    assumption is a separate year effect per covariate value, i.e. the covariate interacted
    with year dummies. The reference is the first year in which ``outcome`` is observed (for
    lagged outcomes such as growth rates the panel's first year has none; a dummy for every
    observed year would be collinear with the firm effects). Each covariate's value is its value
    in the firm's first year, as Callaway-Sant'Anna use baseline values.

    Returns the new panel and the names of the added columns (empty without covariates).
    """
    covariates = list(covariates or [])
    if not covariates:
        return panel, []
    data = panel.data
    first = data.groupby(panel.unit, sort=False)[covariates].transform("first")
    observed = data.loc[data[outcome].notna(), panel.time] if outcome else data[panel.time]
    years = np.sort(observed.unique())
    names, columns = [], {}
    for year in years[1:]:
        in_year = (data[panel.time] == year).to_numpy(float)
        for cov in covariates:
            name = f"{cov}_x_{int(year)}"
            columns[name] = first[cov].to_numpy(float) * in_year
            names.append(name)
    return with_columns(panel, columns), names


def twfe_treatments(panel: Panel, anticipation: int):
    """The static TWFE benchmark's regressors: ``post`` (event time >= 0) first, and with
    anticipation a separate ``anticipation_window`` dummy, so a pre-entry dip is not averaged
    into the post-entry effect. Returns ``(panel, {"treatment": [...]})`` for ``twfe``."""
    if anticipation == 0:
        return panel, {}
    rel = panel.event_time()
    new = with_columns(panel, {"post": (rel >= 0).to_numpy(float),
                               "anticipation_window": ((rel < 0) & (rel >= -anticipation)).to_numpy(float)},
                       replace=True)
    return new, {"treatment": ["post", "anticipation_window"]}
