"""Every sentence and table of the memo, generated from a batch's numbers in one language.

Headline findings, the effects table with the evidence strength of each design, the regional
result (or "not run"), the cost-benefit section, limitations with the power and selection
numbers, and the disclosure notes. The words are the ``memo`` section of the text catalogue
(:mod:`hubeval.report.memo.text`); only numbers come from here.

Evidence strength follows the Maryland Scientific Methods Scale (Sherman et al. 1997; What
Works Centre for Local Economic Growth 2016): before/after on participants only is level 1 of
5; difference-in-differences with a comparison group is level 3.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hubeval.report.cba_text import describe_cba
from hubeval.report.figures import label
from hubeval.report.memo.costbenefit import MemoCostBenefitResult
from hubeval.report.memo.text import (
    design_label,
    family_label,
    format_effect,
    format_interval,
    format_number,
    outcome_label,
    text,
)
from hubeval.store.readers import descriptive_records, statistic_table
from hubeval.store.results import BatchResult

__all__ = ["headline_outcomes", "effect_rows", "effect_cells", "effects_table", "findings", "regional_sentences",
           "limitations", "cba_sentences", "disclosure_sentences"]

def headline_outcomes(estimates: pd.DataFrame) -> list[str]:
    """The first outcome of each outcome notebook (its headline), in batch order."""
    if "run_id" not in estimates.columns:
        return list(dict.fromkeys(estimates["outcome"]))
    firsts = estimates.drop_duplicates("run_id", keep="first")["outcome"]
    return list(dict.fromkeys(firsts))


def _row(rows: pd.DataFrame, estimator: str, term: str | None = None) -> pd.Series | None:
    pick = rows[rows["estimator"] == estimator]
    if term is not None:
        pick = pick[pick["term"] == term]
    return pick.iloc[0] if len(pick) else None


def _finding(rows: pd.DataFrame, outcome: str, lang: str, min_units: int) -> str:
    names = {"family": family_label(outcome, lang), "outcome": outcome_label(outcome, lang)}
    causal, naive = _row(rows, "callaway_santanna", "att"), _row(rows, "before_after")
    if causal is None or not np.isfinite(causal["estimate"]):
        return text("finding_suppressed", lang, n=min_units, **names)
    fmt = {"scale": causal["scale"], "outcome": outcome, "lang": lang}
    excludes = causal["conf_low"] > 0 or causal["conf_high"] < 0
    out = text("finding_effect" if excludes else "finding_null", lang,
               effect=format_effect(causal["estimate"], **fmt),
               interval=format_interval(causal["conf_low"], causal["conf_high"], **fmt), **names)
    if naive is None or not np.isfinite(naive["estimate"]):
        return out
    ratio = naive["estimate"] / causal["estimate"] if causal["estimate"] else np.inf
    claim = format_effect(naive["estimate"], **fmt)
    if excludes and np.isfinite(ratio) and ratio >= 1.5:
        return f"{out} {text('finding_times', lang, naive=claim, ratio=f'{ratio:.1f}')}"
    return f"{out} {text('finding_naive', lang, naive=claim)}"


def _claim_gap(estimates: pd.DataFrame, outcomes: list[str], lang: str) -> str | None:
    larger = 0
    counted = 0
    for outcome in outcomes:
        rows = estimates[estimates["outcome"] == outcome]
        causal, naive = _row(rows, "callaway_santanna", "att"), _row(rows, "before_after")
        if causal is None or naive is None or not np.isfinite([causal["estimate"],
                                                               naive["estimate"]]).all():
            continue
        counted += 1
        larger += abs(naive["estimate"]) > abs(causal["estimate"])
    return text("finding_gap", lang, k=larger, n=counted) if counted else None


def findings(memo_parts: dict, estimates: pd.DataFrame, lang: str, min_units: int) -> list[str]:
    outcomes = headline_outcomes(estimates)
    found = [_finding(estimates[estimates["outcome"] == o], o, lang, min_units) for o in outcomes]
    gap = _claim_gap(estimates, outcomes, lang)
    found += [gap] if gap else []
    found += [memo_parts["robustness"]] if memo_parts.get("robustness") else []
    cba_text = memo_parts["cba_text"]
    found += cba_text[:2] if memo_parts["cba_ok"] else []
    found += memo_parts["regional"][:1] if memo_parts["regional_ok"] else \
        [text("finding_regional_none", lang)]
    return found


def effect_rows(estimates: pd.DataFrame, *, compact: bool = False) -> pd.DataFrame:
    """The rows of the effects table (the memo's and the workbook's), in print order.

    ``compact=True`` keeps, per outcome, the programme's before/after claim and the headline
    causal estimate (Callaway-Sant'Anna, average after entry); the full table adds TWFE, the
    year-1 event-study estimate and the imputation estimator.
    """
    if not compact:
        return estimates
    keep = (estimates["estimator"] == "before_after") | (
        (estimates["estimator"] == "callaway_santanna") & (estimates["term"] == "att"))
    return estimates[keep]


def effect_cells(estimates: pd.DataFrame, lang: str, *, compact: bool = False) -> pd.DataFrame:
    """The effects table's cells as numbers, before formatting (the memo's table and workbook).

    Columns ``outcome`` and ``design`` (labels in ``lang``), ``evidence_level``, ``estimate``,
    ``conf_low``, ``conf_high`` (on the comparison scale), ``n_units``, ``suppressed``, and the
    keys ``outcome_code`` and ``scale``; the rows of :func:`effect_rows`.
    """
    rows = effect_rows(estimates, compact=compact).reset_index(drop=True)
    cells = pd.DataFrame({
        "outcome": rows["outcome"].map(lambda o: outcome_label(o, lang)),
        "design": [design_label(e, h, lang)
                   for e, h in zip(rows["estimator"], rows["event_time"])],
        "evidence_level": pd.to_numeric(rows["evidence"]).astype("Int64")})
    for column in ("estimate", "conf_low", "conf_high", "n_units"):
        cells[column] = pd.to_numeric(rows[column], errors="coerce").astype(float)
    hidden = rows["suppressed"] if "suppressed" in rows.columns else pd.Series(False, rows.index)
    return cells.assign(suppressed=hidden.fillna(True).astype(bool),
                        outcome_code=rows["outcome"], scale=rows["scale"])


def effects_table(estimates: pd.DataFrame, lang: str, *, compact: bool = False) -> pd.DataFrame:
    """The effects table as printed in the memo, one row per design and outcome
    (the cells of :func:`effect_cells`, formatted)."""
    rows = []
    hidden = text("suppressed_cell", lang)
    for row in effect_cells(estimates, lang, compact=compact).itertuples(index=False):
        fmt = {"scale": row.scale, "outcome": row.outcome_code, "lang": lang}
        shown = np.isfinite(row.estimate)
        rows.append((row.outcome, row.design,
                     text("evidence_value", lang, level=int(row.evidence_level)),
                     format_effect(row.estimate, **fmt) if shown else hidden,
                     format_interval(row.conf_low, row.conf_high, **fmt) if shown else "",
                     f"{int(row.n_units):,}" if pd.notna(row.n_units) else ""))
    columns = [label(k, lang) for k in ("outcome", "design", "evidence_short", "effect",
                                        "conf_int", "n_firms")]
    return pd.DataFrame(rows, columns=columns)


# --- regional (synthetic control) ------------------------------------------------------------

def regional_sentences(effects: pd.DataFrame, lang: str) -> list[str]:
    out = []
    for row in effects.itertuples(index=False):
        fields = {"outcome": outcome_label(str(row.outcome), lang),
                  "effect": format_number(float(row.estimate)),
                  "percent": f"{row.percent:+.1f}%" if np.isfinite(row.percent) else "n/a"}
        if np.isfinite(row.p_value):
            pmin = row.min_p_value if np.isfinite(row.min_p_value) else 1 / (row.n_donors + 1)
            pmin = f"{pmin:.3f}" if np.isfinite(pmin) else "1/(J+1)"
            out.append(text("regional_effect", lang, p=f"{row.p_value:.3f}", pmin=pmin, **fields))
        else:
            out.append(text("regional_effect_no_p", lang, **fields))
    return out or [text("regional_not_run", lang)]


# --- limitations -------------------------------------------------------------------------------

def _as_percent(value: float, outcome: str) -> str:
    """An event-study value (log points for log outcomes) as the memo writes it."""
    if outcome.startswith(("log_", "ln_")):
        return f"{100 * np.expm1(value):+.1f}%"
    return format_number(value)


def _mid(name: str, lang: str) -> str:
    """A label used mid-sentence: lower-case first letter in English."""
    return name[:1].lower() + name[1:] if lang == "en" else name


def _mde_text(row: pd.Series, outcome: str, lang: str) -> str:
    percent = row.get("mde_percent", np.nan)
    if np.isfinite(percent):
        return f"{percent:.1f}%"
    return format_effect(float(row["mde"]), scale="level", outcome=outcome, lang=lang).lstrip("+")


def _power(results: BatchResult, outcome: str, lang: str) -> str | None:
    """The power sentence from the outcome notebook's recorded ``power`` table (one definition:
    :func:`hubeval.mde_from_panel`, as printed in the notebook and the codebook)."""
    rows = statistic_table(results, "power", outcome)
    wanted = ["all_cohorts_cs", "all_cohorts_ancova", "one_cohort_cs", "one_cohort_ancova"]
    cohorts = results.statistic("n_cohorts", outcome=outcome, record="event_study")
    if not set(wanted) <= set(rows.index) or "n_treated" not in rows.columns or cohorts.empty:
        return None
    mde = {k: _mde_text(rows.loc[k], outcome, lang) for k in wanted}
    clause = text("lim_power_cohort", lang, size=int(rows.loc["one_cohort_cs", "n_treated"]),
                  mde=mde["one_cohort_cs"], mde_ancova=mde["one_cohort_ancova"])
    return text("lim_power", lang, n_treated=int(rows.loc["all_cohorts_cs", "n_treated"]),
                n_cohorts=int(cohorts["value"].iloc[0]), mde=mde["all_cohorts_cs"],
                mde_ancova=mde["all_cohorts_ancova"], cohort_clause=clause)


def _selection(results: BatchResult, outcome: str, lang: str) -> str:
    studies = results.event_studies
    study = studies[studies["outcome"] == outcome] if not studies.empty else studies
    values = pd.to_numeric(results.parameter("anticipation"), errors="coerce").dropna()
    anticipation = values.max() if len(values) else 0
    dip = study[study["event_time"] == -1]["estimate"] if len(study) else pd.Series(dtype=float)
    pre = study[study["event_time"] <= -2]["estimate"].dropna() if len(study) else dip
    if not (len(dip) and np.isfinite(dip.iloc[0]) and len(pre) and anticipation >= 1):
        return text("lim_selection_plain", lang)
    largest = float(pre.iloc[np.argmax(np.abs(pre.to_numpy()))])
    return text("lim_selection", lang, outcome=_mid(outcome_label(outcome, lang), lang),
                dip=_as_percent(float(dip.iloc[0]), outcome), pre=_as_percent(largest, outcome))


def _cotreatment(results: BatchResult, lang: str) -> str:
    table = descriptive_records(results)
    if table.empty or "posco_supplier" not in table.columns:
        return text("lim_cotreatment_plain", lang)
    table = table.dropna(subset=["posco_supplier", "n_units"])
    never = table["cohort"].astype(str) == "never"
    treated, control = table[~never], table[never]
    if treated.empty or control.empty:
        return text("lim_cotreatment_plain", lang)
    share = np.average(treated["posco_supplier"], weights=treated["n_units"])
    return text("lim_cotreatment", lang, share_treated=f"{share:.0%}",
                share_control=f"{control['posco_supplier'].iloc[0]:.0%}")


def limitations(results: BatchResult, cba: MemoCostBenefitResult | None, lang: str) -> list[str]:
    outcomes = headline_outcomes(results.comparison)
    focus = next((o for o in outcomes if "va_per_worker" in o), outcomes[0] if outcomes else None)
    out = []
    power = _power(results, focus, lang) if focus else None
    out += [power] if power else []
    out.append(_selection(results, focus, lang) if focus else text("lim_selection_plain", lang))
    out.append(text("lim_spillover", lang))
    out.append(_cotreatment(results, lang))
    if cba is not None and cba.result is not None:
        spec = cba.result.spec
        out.append(text("lim_cba", lang, persistence=f"{spec['persistence']:.0%}",
                        displacement=f"{spec['displacement']:.0%}",
                        leakage=f"{spec['leakage']:.0%}", multiplier=f"{spec['multiplier']:g}"))
    return out


# --- cost-benefit section -------------------------------------------------------------------

def _headline_row(estimates: pd.DataFrame | None, outcome: str) -> pd.Series | None:
    if estimates is None or estimates.empty:
        return None
    row = _row(estimates[estimates["outcome"] == outcome], "callaway_santanna", "att")
    return row if row is not None and np.isfinite(row["estimate"]) else None


def _effect_weights(cba: MemoCostBenefitResult, headline: pd.Series, lang: str) -> str:
    spec = cba.spec
    pct = cba.result.value("productivity_effect_pct")
    fmt = {"scale": headline["scale"], "outcome": spec["outcome"], "lang": lang}
    return text("cba_effect_weights", lang, pct=f"{pct:.1f}%", last=spec["last_event_time"],
                headline=format_effect(headline["estimate"], **fmt))


def _range(cba: MemoCostBenefitResult, lang: str) -> str:
    """The tornado against the simulation: the effect bar (the same joint interval) apart from
    the assumptions (which the simulation holds at their base values)."""
    table = cba.sensitivity.estimates
    effect, assumptions = table[table["term"] == "effect"], table[table["term"] != "effect"]
    est = cba.result.estimates.set_index("term")
    sim = est.at["bcr", "conf_low"], est.at["bcr", "conf_high"]
    if effect.empty or assumptions.empty or not np.isfinite(sim).all():
        driver = str(table["term"].iloc[0])
        driver = label("effect_size" if driver == "effect" else driver, lang)
        return text("cba_range_plain", lang, low=f"{table['bcr'].min():.2f}",
                    high=f"{table['bcr'].max():.2f}", driver=_mid(driver, lang))
    driver = _mid(label(str(assumptions["term"].iloc[0]), lang), lang)
    return text("cba_range", lang, low=f"{assumptions['bcr'].min():.2f}",
                high=f"{assumptions['bcr'].max():.2f}", driver=driver,
                eff_low=f"{effect['bcr'].min():.2f}", eff_high=f"{effect['bcr'].max():.2f}",
                sim_low=f"{sim[0]:.2f}", sim_high=f"{sim[1]:.2f}")


def cba_sentences(cba: MemoCostBenefitResult | None, lang: str,
                  estimates: pd.DataFrame | None = None) -> list[str]:
    """The cost-benefit sentences; ``estimates`` (the comparison table) gives the headline
    effect of the valued outcome, so the memo does not call net benefits near-certain when that
    effect's interval includes zero, and says how its weights differ from the cost-benefit's."""
    if cba is None or cba.result is None:
        why = cba.note if cba is not None else "no cost-benefit analysis was passed to the memo"
        return [text("cba_not_run", lang, why=why)]
    spec = cba.spec
    headline = _headline_row(estimates, spec["outcome"])
    uncertain = headline is not None and headline["conf_low"] <= 0 <= headline["conf_high"]
    out = describe_cba(cba.result, lang=lang, effect_includes_zero=uncertain)
    if cba.note and spec.get("employment_outcome"):
        out.append(text("cba_no_jobs", lang,
                        outcome=_mid(outcome_label(spec["employment_outcome"], lang), lang)))
    out.append(text("cba_inputs", lang, outcome=_mid(outcome_label(spec["outcome"], lang), lang),
                    last=spec["last_event_time"], year=spec["price_base_year"],
                    costs=Path(spec["costs"]).name))
    if headline is not None:
        out.append(_effect_weights(cba, headline, lang))
    if cba.sensitivity is not None:
        out.append(_range(cba, lang))
    return out


def disclosure_sentences(checks: dict, lang: str, min_units: int, regional: bool,
                          left_out: list) -> list[str]:
    hidden = []
    for check in checks.values():
        table = check.table
        if "suppressed" in table.columns and table["suppressed"].any():
            part = table[table["suppressed"].astype(bool)]
            where = part["outcome"].astype(str).map(lambda o: outcome_label(o, lang) + ": ") \
                if "outcome" in part.columns else ""
            named = part["label"] if "label" in part.columns else part.get("term", part.index.to_series())
            if "term" in part.columns and "label" in part.columns:
                named = named.fillna(part["term"])
            hidden += list(where + named.astype(str))
    public_note = [text("disclosure_regional", lang)] if regional else []
    public_note += [text("disclosure_unverified", lang, table=name) for name in left_out]
    if not hidden:
        return [text("disclosure_none", lang, n=min_units), *public_note]
    return [text("disclosure_some", lang, k=len(hidden), n=min_units), *hidden, *public_note]
