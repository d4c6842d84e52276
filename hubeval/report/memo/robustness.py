"""How robust each headline effect is: the inference panel and the Rambachan-Roth breakdown.

Both are computed once by the outcome notebook (:func:`hubeval.assess_credibility`) and recorded
(``inference_panel``, ``credibility``, ``sensitivity``; :func:`hubeval.record_outcome_results`);
here they are only read back from the results store by columns (``record``, ``inference`` code,
``statistic == "breakdown_mbar"``), put on the memo's scale for each outcome and worded from the
text catalogue. The inference table passes
:func:`hubeval.report.publication.check_estimates` with the firm count of the headline estimate
before anything is printed from it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.report.figures import label
from hubeval.report.memo.text import format_effect, format_interval, outcome_label, text
from hubeval.report.publication import check_estimates
from hubeval.store.results import BatchResult

__all__ = ["inference_rows", "inference_table", "checked_inference", "sensitivity_sentences",
           "robustness_finding", "method_label", "METHOD_KEYS"]

#: Catalogue key (``memo.method_<key>``) of each inference method (the store's ``inference``).
METHOD_KEYS = {"influence_function": "conventional", "cluster_t": "small_sample",
               "wild_bootstrap": "wild", "wild_cluster_bootstrap": "wild",
               "randomization": "randomization"}


def _headline(estimates: pd.DataFrame, outcome: str) -> pd.Series | None:
    rows = estimates[(estimates["outcome"] == outcome) & (estimates["estimator"] == "callaway_santanna")
                     & (estimates["term"] == "att")]
    return rows.iloc[0] if len(rows) else None


def _to_scale(values: pd.Series, outcome: str, causal: pd.Series, raw: float) -> pd.Series:
    """Raw effects (outcome units) on the comparison scale of the headline row."""
    if causal["scale"] != "percent":
        return values
    if outcome.startswith(("log_", "ln_")):
        return 100 * np.expm1(values)
    return values * causal["estimate"] / raw if raw else values * np.nan


def inference_rows(results: BatchResult, estimates: pd.DataFrame,
                   outcomes: list[str]) -> pd.DataFrame:
    """The recorded inference panels of ``outcomes`` on the memo's scale, with firm counts.

    Columns ``outcome, method`` (the store's ``inference`` code), ``label, estimate, p_value,
    conf_low, conf_high, scale, n_units``;
    ``n_units`` is the firm count of the headline estimate (the same firms), for the
    disclosure check.
    """
    frames = []
    for outcome in outcomes:
        rows, causal = results.rows("inference_panel", outcome), _headline(estimates, outcome)
        if rows.empty or causal is None:
            continue
        raw = float(rows["estimate"].iloc[0])
        out = rows.reindex(columns=["inference", "label", "estimate", "p_value", "conf_low",
                                    "conf_high"]).rename(columns={"inference": "method"})
        out["p_value"] = out["p_value"].astype(float)
        for column in ("estimate", "conf_low", "conf_high"):
            out[column] = _to_scale(out[column].astype(float), outcome, causal, raw)
        frames.append(out.assign(outcome=outcome, scale=causal["scale"], n_units=causal["n_units"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["outcome", "method", "label", "estimate", "p_value", "conf_low", "conf_high",
                 "scale", "n_units"])


def method_label(method: str, lang: str, label_text=None) -> str:
    """The name of an inference method (the store's ``inference`` code) in ``lang``; the recorded
    label (else the code) when the catalogue has no name for it."""
    key = METHOD_KEYS.get(str(method))
    if key:
        return text(f"method_{key}", lang)
    return str(label_text if label_text is not None and pd.notna(label_text) else method)


def _p_value(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def inference_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The checked inference rows as printed: outcome, method, effect, interval, p-value."""
    hidden = text("suppressed_cell", lang)
    out = []
    for row in rows.itertuples(index=False):
        fmt = {"scale": row.scale, "outcome": row.outcome, "lang": lang}
        shown = np.isfinite(row.estimate)
        out.append((outcome_label(row.outcome, lang), method_label(row.method, lang, row.label),
                    format_effect(row.estimate, **fmt) if shown else hidden,
                    format_interval(row.conf_low, row.conf_high, **fmt) if shown else "",
                    _p_value(row.p_value) if shown else ""))
    columns = [label("outcome", lang), text("col_method", lang), label("effect", lang),
               label("conf_int", lang), text("col_p_value", lang)]
    return pd.DataFrame(out, columns=columns)


def checked_inference(results, estimates, outcomes, min_units):
    """(checked rows, disclosure check) of the inference panels, or (empty, None)."""
    rows = inference_rows(results, estimates, outcomes)
    if rows.empty:
        return rows, None
    check = check_estimates(rows, min_units=min_units, count="n_units")
    return check.table, check


def _breakdown(results: BatchResult, outcome: str) -> float:
    pick = results.statistic("breakdown_mbar", outcome=outcome, record="sensitivity")
    return float(pick["value"].iloc[0]) if len(pick) else np.nan


def _original_excludes_zero(results: BatchResult, outcome: str) -> bool | None:
    rows = results.table("sensitivity")
    rows = rows[rows["outcome"] == outcome] if "outcome" in rows.columns else rows.iloc[:0]
    if rows.empty or "method" not in rows.columns:
        return None
    original = rows[rows["method"] == "original"]
    if original.empty:
        return None
    lo, hi = float(original["conf_low"].iloc[0]), float(original["conf_high"].iloc[0])
    return bool(lo > 0 or hi < 0)


def sensitivity_sentences(results: BatchResult, outcomes: list[str], lang: str) -> list[str]:
    """One sentence per headline outcome on the Rambachan-Roth relative-magnitudes breakdown."""
    out = []
    for outcome in outcomes:
        name = outcome_label(outcome, lang)
        mbar, significant = _breakdown(results, outcome), _original_excludes_zero(results, outcome)
        if not np.isfinite(mbar):
            out.append(text("rr_missing", lang, outcome=name))
        elif significant is False or mbar <= 0:
            out.append(text("rr_not_significant", lang, outcome=name))
        else:
            key = "rr_robust" if mbar >= 1 else "rr_fragile"
            out.append(text(key, lang, outcome=name, mbar=f"{mbar:.2f}"))
    return out


def robustness_finding(rows: pd.DataFrame, results: BatchResult, lang: str,
                       alpha: float = 0.05) -> str | None:
    """One key finding: how many significant headline effects survive every inference method
    and violations of parallel trends as large as the worst before entry (from the checked
    inference rows and the recorded breakdown values); None without an inference panel."""
    if rows.empty:
        return None
    shown = rows.dropna(subset=["estimate"])
    significant, robust, mbars = 0, 0, []
    for outcome, part in shown.groupby("outcome", sort=False):
        conventional = part[part["method"] == "influence_function"]
        if conventional.empty or not conventional["p_value"].iloc[0] < alpha:
            continue
        significant += 1
        robust += bool((part["p_value"].dropna() < alpha).all())
        mbars.append(_breakdown(results, outcome))
    if not significant:
        return None
    finite = [m for m in mbars if np.isfinite(m)]
    if not finite:
        return text("finding_robustness_no_rr", lang, k=significant, j=robust)
    return text("finding_robustness", lang, k=significant, j=robust,
                m=sum(m >= 1 for m in finite), low=f"{min(finite):.2f}", high=f"{max(finite):.2f}")
