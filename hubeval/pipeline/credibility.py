"""How much to trust the headline effect: one call for the outcome notebooks.

:func:`assess_credibility` bundles, for one outcome, what issue 5 asks the notebooks to show:

* an **inference panel** (conventional, small-sample, wild bootstrap and randomization
  inference side by side, :func:`hubeval.inference_panel`);
* the **matched-sample** estimate (nearest-neighbour matching on pre-entry characteristics and
  outcome trends, :func:`hubeval.match`, fed to :func:`hubeval.att_gt` as weights);
* **sensitivity** of the average post-entry effect to violations of parallel trends (Rambachan &
  Roth 2023 relative magnitudes, :func:`hubeval.relative_magnitudes`) on the universal-base event
  study, with the anticipation window left out of both pre- and post-periods;
* a **power** statement for the design (:func:`hubeval.mde_from_panel`).

Each piece is computed by its own tested function; this module only wires them with the
notebook's settings and collects a short summary table.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import HubevalError
from hubeval.core.progress import progress_bar
from hubeval.core.results import ResultMixin, recorded_warnings, result_field
from hubeval.data.restrict import anticipation_sample
from hubeval.design.matching import match
from hubeval.design.power import mde_from_panel
from hubeval.did.aggregation import aggregate
from hubeval.did.staggered import att_gt
from hubeval.inference.honest import relative_magnitudes
from hubeval.inference.method_panel import inference_panel
from hubeval.report.catalogue import text

__all__ = ["assess_credibility", "CredibilityResult", "sensitivity_inputs"]


@dataclasses.dataclass(frozen=True)
class CredibilityResult(ResultMixin):
    """Inference panel, matched-sample estimate, sensitivity and power for one outcome."""

    estimates: pd.DataFrame
    inference: object
    matching: object = result_field(serialize="omit")  # per-firm matches: confidential
    matched: object = result_field(serialize="omit")
    sensitivity: object
    power: object
    spec: dict
    warnings: tuple = ()
    title = "Credibility of the headline effect"

    def _missing(self, what: str) -> str:
        reasons = [w for w in self.warnings if w.startswith(f"{what} not available")]
        return reasons[0] if reasons else f"{what} not available."

    @property
    def power_statement(self) -> str:
        """What the design can detect (or why that could not be computed), in ``spec["lang"]``."""
        lang = self.spec.get("lang", "en")
        if self.power is None:
            why = self._missing("power")
            return why if lang == "en" else text("statement.power_missing", lang, why=why)
        return self.power.statement if lang == "en" else power_sentence(self.power, lang)

    @property
    def sensitivity_statement(self) -> str:
        """How robust the effect is to violations of parallel trends (or why it is missing),
        in ``spec["lang"]``."""
        lang = self.spec.get("lang", "en")
        if self.sensitivity is None:
            why = self._missing("sensitivity")
            return why if lang == "en" else text("statement.sensitivity_missing", lang, why=why)
        return self.sensitivity.statement if lang == "en" \
            else sensitivity_sentence(self.sensitivity, lang)

    @property
    def inference_statement(self) -> str:
        """Which row of the inference panel to trust and why (or why it is missing), in
        ``spec["lang"]``; in English the panel's own ``advice``."""
        lang = self.spec.get("lang", "en")
        if self.inference is None:
            why = self._missing("inference panel")
            return why if lang == "en" else text("statement.inference_missing", lang, why=why)
        return self.inference.advice if lang == "en" else inference_sentence(self.inference, lang)


#: Prefixes of the inference panel's method labels and their catalogue names.
_METHODS = (("conventional", "conventional"), ("small-sample", "small_sample"),
            ("jackknife", "jackknife"), ("wild (multiplier)", "multiplier"),
            ("wild cluster", "wcr"), ("randomization", "randomization"))


def _method_name(label: str, lang: str) -> str:
    """The method's name in ``lang``: English keeps the panel's full label (degrees of freedom
    and all), as the panel's own advice does; other languages use the catalogue's short name."""
    if lang == "en":
        return label
    kind = next((key for prefix, key in _METHODS if label.startswith(prefix)), None)
    return text(f"statement.method_{kind}", lang) if kind else label


def inference_sentence(panel, lang: str) -> str:
    """The advice of an :class:`~hubeval.InferencePanelResult` in ``lang``, from its numbers
    (catalogue ``statement.inference_*``; the same rule as the panel's own English advice)."""
    table = panel.estimates
    p = dict(zip(table["method"], table["p_value"]))
    alpha = panel.spec.get("alpha", 0.05)
    treated, control = panel.n_treated_clusters, panel.n_control_clusters
    counts = text("statement.inference_counts", lang, treated=treated, control=control)
    boot = _method_name(next(m for m in p if "bootstrap" in m), lang)
    kind = "few" if treated < 5 else "some" if treated < 30 else "many"
    sentence = text(f"statement.inference_{kind}", lang, counts=counts, boot=boot)
    significant = [value < alpha for value in p.values()]
    if any(significant) and not all(significant):
        listed = ", ".join(f"{_method_name(m, lang)}: {v:.3f}" for m, v in p.items())
        sentence += text("statement.inference_disagree", lang, alpha=alpha, pvalues=listed)
    ri = table[table["method"].str.startswith("randomization")].iloc[0]
    min_p = 1 / ri["draws"] if "(exact)" in ri["method"] else 1 / (ri["draws"] + 1)
    if min_p > alpha:
        sentence += text("statement.inference_min_p", lang, alpha=alpha, min_p=min_p)
    return sentence + text("statement.inference_end", lang)


def _size(row: pd.Series, scale) -> str:
    return f"{row['mde_percent']:+.1f}%" if scale == "log" else f"{row['mde']:.3g}"


def power_sentence(power, lang: str) -> str:
    """The power statement of a :class:`~hubeval.PowerResult` from ``mde_from_panel`` in
    ``lang``, from its numbers (catalogue ``statement.power``)."""
    from hubeval.report.figures import label_or_key

    spec, table = power.spec, power.mde
    scale = spec.get("percent_scale")
    pooled = table[table["term"].str.startswith("all cohorts")]
    single = table[table["term"].str.startswith("one cohort")]
    best, one = pooled.loc[pooled["mde"].idxmin()], single.loc[single["mde"].idxmin()]
    cs = pooled[pooled["term"].str.endswith("cs")]
    benchmark = f"{spec['benchmark']:+g}" + ("%" if scale == "log" else "")
    sentence = text("statement.power", lang, outcome=label_or_key(spec["outcome"], lang),
                    n_treated=spec["n_treated"], n_control=spec["n_control"],
                    pre=spec["pre_years"], post=spec["post_years"], power=spec["power"],
                    alpha=spec["alpha"], pooled=_size(best, scale),
                    pooled_cs=_size(cs.iloc[0], scale) if len(cs) else _size(best, scale),
                    single=_size(one, scale), cohort=spec.get("cohort_size", one["n_treated"]),
                    benchmark=benchmark, at_benchmark=best["power_at_benchmark"])
    return sentence if bool(best["detects_benchmark"]) else \
        f"{sentence} {text('statement.power_low', lang)}"


def sensitivity_sentence(sensitivity, lang: str) -> str:
    """The Rambachan-Roth statement of a :class:`~hubeval.SensitivityResult` in ``lang``."""
    breakdown = float(sensitivity.breakdown_mbar)
    if breakdown == 0:
        return text("statement.sensitivity_none", lang)
    if np.isinf(breakdown):
        max_mbar = float(sensitivity.estimates["mbar"].max())
        return text("statement.sensitivity_all", lang, max_mbar=f"{max_mbar:g}")
    verdict = text("statement.sensitivity_robust" if breakdown >= 1
                   else "statement.sensitivity_fragile", lang)
    return text("statement.sensitivity_breakdown", lang, mbar=f"{breakdown:.2f}", verdict=verdict)


def sensitivity_inputs(study, *, anticipation: int = 0, max_lead: int = 5):
    """Coefficients, covariance and counts for :func:`relative_magnitudes` from an event study.

    Uses pre-entry leads ``-max_lead ... -2 - anticipation`` (the reference period
    ``-1 - anticipation`` of the universal base is zero by construction and left out; so is the
    anticipation window) and every post-entry event time, averaged with equal weights.
    """
    est = study.estimates.reset_index(drop=True)
    e = est["event_time"].to_numpy()
    finite = np.isfinite(est["std_error"].to_numpy()) & (est["std_error"].to_numpy() > 0)
    pre = (e >= -max_lead) & (e <= -2 - anticipation) & finite
    post = (e >= 0) & finite
    rows = np.r_[np.flatnonzero(pre), np.flatnonzero(post)]
    beta = est["estimate"].to_numpy()[rows]
    vcov = np.asarray(study.vcov)[np.ix_(rows, rows)]
    n_post = int(post.sum())
    return beta, vcov, int(pre.sum()), n_post, np.ones(n_post) / n_post


def assess_credibility(panel, *, outcome: str, control: str = "not_yet_treated", method: str = "dr",
                       covariates: Sequence[str] | None = None, anticipation: int = 0,
                       match_covariates: Sequence[str] | None = None, alpha: float = 0.05,
                       n_boot: int = 999, n_permutations: int = 99, seed=None,
                       lang: str = "en") -> CredibilityResult:
    """Inference panel, matched sample, sensitivity and power for ``outcome`` in one call.

    Parameters
    ----------
    panel : Panel
    outcome : str
    control, method, covariates, anticipation, alpha, seed
        The headline Callaway-Sant'Anna settings.
    match_covariates : list of str, optional
        Pre-entry characteristics to match on (default ``covariates``); the outcome's pre-entry
        level and trend are always included.
    n_boot, n_permutations : int
        Wild-bootstrap draws and randomization-inference permutations of the inference panel.
        With covariates each permutation re-fits Callaway-Sant'Anna (about 0.1 s on the example
        data), so the default is 99 (smallest attainable p-value 0.01).

    Returns
    -------
    CredibilityResult
        ``estimates`` summarises: the matched-sample ATT, the Rambachan-Roth breakdown value and
        the minimum detectable effects. Cohorts that ``anticipation`` leaves without an
        untreated year are left out with a warning, as in :func:`hubeval.evaluate_outcome`
        (``spec["sample"]``).
    """
    covariates = list(covariates or [])
    with recorded_warnings() as caught:
        panel = anticipation_sample(panel, outcome, anticipation)  # as hb.evaluate_outcome does
        steps = progress_bar(range(4), desc="credibility checks")
        next(steps)
        inference = _try(caught, "inference panel", lambda: inference_panel(
            panel, outcome=outcome, control=control, method=method, covariates=covariates or None,
            anticipation=anticipation, n_boot=n_boot, n_permutations=n_permutations, alpha=alpha,
            seed=seed))
        next(steps)
        matching, matched = _matched(panel, outcome, control, method, anticipation,
                                     match_covariates or covariates, alpha, caught)
        next(steps)
        sensitivity = _try(caught, "sensitivity", lambda: _sensitivity(
            panel, outcome, control, method, covariates, anticipation, alpha))
        next(steps)
        power = _try(caught, "power", lambda: mde_from_panel(panel, outcome=outcome, alpha=alpha))
        next(steps, None)  # closes the bar
    table = _summary(matched, sensitivity, power)
    spec = dict(outcome=outcome, control=control, method=method, covariates=covariates,
                anticipation=anticipation, alpha=alpha, n_boot=n_boot, n_permutations=n_permutations,
                sample=dict(panel.restrictions), seed=seed if not isinstance(seed, np.random.Generator) else "Generator",
                lang=lang)
    return CredibilityResult(table, inference, matching, matched, sensitivity, power, spec,
                             tuple(caught))


def _try(notes: list, what: str, compute):
    """Run one check; a check the data cannot support is recorded, not fatal to the others."""
    try:
        return compute()
    except HubevalError as exc:
        notes.append(f"{what} not available: {exc}")
        return None


def _matched(panel, outcome, control, method, anticipation, covariates, alpha, notes):
    matching = _try(notes, "matching", lambda: match(panel, method="nearest", covariates=covariates,
                                                     outcomes=[outcome]))
    if matching is None:
        return None, None
    weighted = matching.to_panel(panel)
    matched = _try(notes, "matched-sample estimate", lambda: aggregate(att_gt(
        weighted, outcome=outcome, control=control, method=method, anticipation=anticipation,
        weights="weight", alpha=alpha), by="simple"))
    return matching, matched


def _sensitivity(panel, outcome, control, method, covariates, anticipation, alpha):
    gt = att_gt(panel, outcome=outcome, control=control, method=method, covariates=covariates or None,
                anticipation=anticipation, base_period="universal", alpha=alpha)
    study = aggregate(gt, by="event_time")
    beta, vcov, n_pre, n_post, l_vec = sensitivity_inputs(study, anticipation=anticipation)
    return relative_magnitudes(beta, vcov, n_pre=n_pre, n_post=n_post, l_vec=l_vec, alpha=alpha)


def _summary(matched, sensitivity, power) -> pd.DataFrame:
    rows = []
    if matched is not None:
        o = matched.overall
        rows.append(dict(term="matched sample: ATT simple", estimate=o["estimate"], std_error=o["std_error"],
                         conf_low=o["conf_low"], conf_high=o["conf_high"], p_value=o["p_value"]))
    if sensitivity is not None:
        rows.append(dict(term="Rambachan-Roth breakdown M-bar (average effect)",
                         estimate=sensitivity.breakdown_mbar))
    if power is not None:
        for r in power.mde.itertuples(index=False):
            # always in the outcome's own units; a percent only where it means something
            rows.append(dict(term=f"MDE ({r.term}), outcome units", estimate=r.mde))
            if np.isfinite(r.mde_percent):
                rows.append(dict(term=f"MDE ({r.term}), percent", estimate=r.mde_percent))
            elif np.isfinite(getattr(r, "mde_percent_of_baseline", np.nan)):
                rows.append(dict(term=f"MDE ({r.term}), percent of the baseline mean",
                                 estimate=r.mde_percent_of_baseline))
    columns = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value"]
    return pd.DataFrame(rows, columns=columns)
