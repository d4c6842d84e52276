"""The policy memo: assembled from a batch's collected results, in English or Korean.

The memo notebook (``notebooks/90_policy_memo.ipynb``) only calls three functions:

1. :func:`memo_cost_benefit` -- the cost-benefit analysis from the batch: the Callaway-Sant'Anna
   event-study path of log value added per worker (and of log employment, for the cost per net
   job) recorded by the outcome notebooks, participants' baseline value added from the firm
   data (:func:`hubeval.participant_baseline`), the cost ledger and the price index;
2. :func:`build_memo` -- every sentence and table of the memo, generated from the numbers
   (headline findings, the effects table with the evidence strength of each design, the
   regional result or "not run", the cost-benefit result, limitations with the power and
   selection numbers, disclosure notes and the provenance appendix read from the batch's
   ``manifest.json``);
3. :func:`hubeval.report.memo.render.publish_memo` -- the figures (through
   :func:`hubeval.save_figure`'s disclosure check), the HTML memo with the PNGs embedded and,
   where ``fpdf2`` is installed, the PDF.

Optional records (regional synthetic control, matching balance, descriptives) are read by
:mod:`hubeval.store.readers`, the provenance appendix by :mod:`hubeval.store.provenance`, and the
memo's words in both languages live in :mod:`hubeval.report.memo.text`.

Disclosure control: every estimate table is passed through
:func:`hubeval.report.disclosure.check_estimates` before anything is written from it; estimates
resting on fewer than ``min_units`` firms are suppressed (missing in tables, left out of
figures) and listed in the memo. Publication re-checks each table with
:func:`hubeval.report.disclosure.assert_publishable`, so a raw table with small counts is refused.

Evidence strength follows the Maryland Scientific Methods Scale (Sherman et al. 1997; What
Works Centre for Local Economic Growth 2016): before/after on participants only is level 1 of
5; difference-in-differences with a comparison group is level 3.

References
----------
Sherman, L. et al. (1997). *Preventing Crime: What Works, What Doesn't, What's Promising*.
What Works Centre for Local Economic Growth (2016). *Guide to Scoring Evidence Using the
Maryland Scientific Methods Scale*.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubeval.cba.model import CostBenefitResult, cost_benefit
from hubeval.cba.sensitivity import CostBenefitSensitivityResult, cba_sensitivity
from hubeval.report.cba_text import cba_table, describe_cba
from hubeval.cba.inputs import participant_baseline
from hubeval.report.disclosure import COUNT_COLUMNS, DEFAULT_MIN_UNITS, check_estimates, public
from hubeval.core.errors import DataWarning, ParameterError, SpecError
from hubeval.report.figures import label
from hubeval.data.io import read_table
from hubeval.report.memo.text import (
    design_label, family_label, format_effect, format_interval, format_number, outcome_label, text,
)
from hubeval.store.readers import (
    balance_records, cohort_sizes, descriptive_records, regional_placebos, regional_tables,
)
from hubeval.data.panel import Panel
from hubeval.store.provenance import read_provenance
from hubeval.core.results import ResultMixin, to_jsonable
from hubeval.store.records import BatchResults

__all__ = ["MemoCostBenefit", "Memo", "memo_cost_benefit", "build_memo", "effect_path",
           "headline_outcomes", "effects_table", "regional_tables", "regional_placebos",
           "balance_records", "read_provenance", "REGIONAL_PUBLIC"]

#: Reason recorded when the regional figure is published: city data are official aggregates.
REGIONAL_PUBLIC = "city-level official statistics (synthetic control on public city aggregates)"
_Z80 = 2.8  # 1.96 + 0.84: minimum detectable effect at 5% two-sided, 80% power, in SEs


# --- cost-benefit from the batch ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class MemoCostBenefit(ResultMixin):
    """The memo's cost-benefit analysis: result, sensitivity table and what it was built from.

    Attributes
    ----------
    result : CostBenefitResult or None
        None when it could not be computed (``note`` says why).
    sensitivity : CostBenefitSensitivityResult or None
    spec : dict
        Outcome, employment outcome, cost ledger, price base year, simulation settings.
    note : str
        Why the analysis (or the cost per net job) is missing, empty otherwise.
    """

    result: CostBenefitResult | None
    sensitivity: CostBenefitSensitivityResult | None
    spec: dict
    note: str = ""
    title = "Cost-benefit analysis from the batch"

    @property
    def estimates(self) -> pd.DataFrame:
        """The cost-benefit estimates (empty when not computed)."""
        return self.result.estimates if self.result is not None else pd.DataFrame()

    def to_dict(self) -> dict:
        return {"type": type(self).__name__, "spec": to_jsonable(self.spec), "note": self.note,
                "result": None if self.result is None else self.result.to_dict()}


def effect_path(results: BatchResults, outcome: str) -> pd.DataFrame | None:
    """The recorded Callaway-Sant'Anna event study of ``outcome``: event_time, estimate, std_error.

    None when the batch has no event study for ``outcome``.
    """
    studies = results.event_studies
    if studies.empty or outcome not in set(studies["outcome"]):
        return None
    rows = studies[studies["outcome"] == outcome]
    return rows[["event_time", "estimate", "std_error"]].astype(float).sort_values(
        "event_time").reset_index(drop=True)


def _read_frame(source: Any, name: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    path = Path(source)
    if not path.is_file():
        raise ParameterError(f"`{name}` file `{path}` does not exist. Point it to the CSV file "
                             "(see data/example/ for the expected columns).")
    frame, _ = read_table(path)
    return frame


def _firm_rows(data: Panel | pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Firm-year rows with never-participants' cohort missing, and the column names."""
    if isinstance(data, Panel):
        rows = data.data.copy()
        rows[data.cohort] = rows[data.cohort].replace(np.inf, np.nan)
        return rows, {"unit": data.unit, "time": data.time, "cohort": data.cohort}
    if isinstance(data, pd.DataFrame):
        return data, {}
    raise SpecError(f"`data` must be a hubeval Panel (hb.load_panel) or a DataFrame of firm-years; "
                    f"got {type(data).__name__}.")


def memo_cost_benefit(results: BatchResults, data: Panel | pd.DataFrame, *,
                      costs: str | Path | pd.DataFrame,
                      price_index: str | Path | pd.DataFrame | Mapping | None = None,
                      base_year: int | None = None, outcome: str = "log_va_per_worker",
                      employment_outcome: str | None = "log_employment",
                      money_unit: float = 1e6, n_sim: int = 2000,
                      seed: int | np.random.Generator | None = None,
                      **settings: Any) -> MemoCostBenefit:
    """Cost-benefit analysis of the programme from a batch's recorded event studies.

    Parameters
    ----------
    results : BatchResults
        From :func:`hubeval.load_batch_results`.
    data : Panel or DataFrame
        The firm panel the batch analysed (for participants' baseline value added).
    costs : path or DataFrame
        Cost ledger (``data/example/program_costs.csv`` layout, see :func:`hubeval.real_costs`).
    price_index : path, DataFrame or mapping, optional
        Deflator by year (CSV with ``year`` and one index column); deflates both the ledger and
        baseline value added to ``base_year`` prices.
    base_year : int, optional
        Price base year (default: where the index is 100).
    outcome : str, default "log_va_per_worker"
        Outcome whose event-study path values the benefits (log value added per worker).
    employment_outcome : str or None, default "log_employment"
        Outcome for the cost per net additional job; skipped when the batch has none.
    money_unit : float, default 1e6
        KRW per unit of the data's ``value_added`` (1e6: data in KRW million).
    n_sim, seed
        Simulation draws and seed of :func:`hubeval.cost_benefit`.
    **settings
        Other settings of :func:`hubeval.cost_benefit` (discount rate, horizon, persistence,
        displacement, leakage, substitution, multiplier); the sensitivity analysis starts from
        the same base case.

    Returns
    -------
    MemoCostBenefit
        With ``result`` None (and a :class:`~hubeval.DataWarning`) when the batch has no event
        study of ``outcome``.
    """
    spec = {"outcome": outcome, "employment_outcome": employment_outcome, "n_sim": n_sim,
            "seed": seed if not isinstance(seed, np.random.Generator) else "Generator",
            "costs": str(costs) if not isinstance(costs, pd.DataFrame) else "DataFrame",
            "base_year": base_year, **settings}
    path = effect_path(results, outcome)
    if path is None:
        why = (f"the batch has no event study of `{outcome}` (run notebooks/10_productivity with "
               f"it among its outcomes)")
        warnings.warn(f"No cost-benefit analysis: {why}.", DataWarning, stacklevel=2)
        return MemoCostBenefit(None, None, spec, note=why)
    ledger = _read_frame(costs, "costs")
    index = None if price_index is None or isinstance(price_index, Mapping) \
        else _read_frame(price_index, "price_index")
    index = price_index if isinstance(price_index, Mapping) else index
    rows, names = _firm_rows(data)
    baseline = participant_baseline(rows, **names, money_unit=money_unit, price_index=index,
                                    price_base_year=base_year)
    jobs = effect_path(results, employment_outcome) if employment_outcome else None
    note = "" if jobs is not None or not employment_outcome else \
        f"no event study of `{employment_outcome}`: cost per net job not computed"
    prices = {"price_index": index, "price_base_year": base_year}
    result = cost_benefit(ledger, path, baseline=baseline, employment_effects=jobs, n_sim=n_sim,
                          seed=seed, **prices, **settings)
    sensitivity = cba_sensitivity(ledger, path, baseline=baseline, **prices, **settings)
    spec["last_event_time"] = int(path["event_time"].max())
    spec["price_base_year"] = result.spec["price_base_year"]
    return MemoCostBenefit(result, sensitivity, spec, note=note)


# --- the memo ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Memo(ResultMixin):
    """Everything the memo says, in one language, generated from a batch's numbers.

    Attributes
    ----------
    lang : {"en", "ko"}
    estimates : DataFrame
        The comparison table after disclosure control (suppressed numbers missing).
    effects : DataFrame
        The effects table as printed: outcome, design, evidence level, effect, interval, firms;
        per outcome the before/after claim and the headline causal estimate.
    effects_all : DataFrame
        The same for every estimator (appendix).
    findings, regional, cba_text, limitations, disclosure : tuple of str
        Sentences of each section.
    cba : MemoCostBenefit or None
    cba_table : DataFrame
        Formatted cost-benefit measures (empty without a cost-benefit result).
    provenance : dict of str to DataFrame
        ``batch``, ``data``, ``runs``, ``parameters``, ``versions``.
    results : BatchResults
        The batch's results after disclosure control (what the figures draw).
    checks : dict of str to DisclosureResult
        The disclosure check behind each published table and figure.
    spec : dict
    """

    lang: str
    estimates: pd.DataFrame
    effects: pd.DataFrame
    effects_all: pd.DataFrame
    findings: tuple
    regional: tuple
    cba: MemoCostBenefit | None
    cba_text: tuple
    cba_table: pd.DataFrame
    limitations: tuple
    disclosure: tuple
    provenance: dict
    results: BatchResults
    checks: dict
    spec: dict
    title = "Policy memo"

    def to_dict(self) -> dict:
        return {"type": type(self).__name__, "lang": self.lang, "spec": to_jsonable(self.spec),
                "findings": list(self.findings), "effects": to_jsonable(self.effects),
                "regional": list(self.regional), "cost_benefit": list(self.cba_text),
                "limitations": list(self.limitations), "disclosure": list(self.disclosure)}

    def summary(self) -> str:
        """The memo's text sections as plain text."""
        parts = [text("title", self.lang), "", *[f"- {s}" for s in self.findings], "",
                 *self.regional, "", *self.cba_text, "", *[f"- {s}" for s in self.limitations]]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        from hubeval.report.memo.render import render_html
        return render_html(self, figures={}, standalone=False)


def _protect(results: BatchResults, min_units: int) -> tuple[BatchResults, dict, list]:
    """Disclosure control of every firm-level table the memo publishes (and what was left out)."""
    checks = {"estimates": check_estimates(results.estimates, min_units=min_units)}
    studies = results.event_studies
    checks["event_studies"] = check_estimates(studies, min_units=min_units) if not studies.empty \
        else public("no event studies in the batch")
    checks["regional"] = public(REGIONAL_PUBLIC)
    balance, left_out = balance_records(results), []
    if not balance.empty and any(c in balance.columns for c in COUNT_COLUMNS):
        checks["balance"] = check_estimates(balance, min_units=min_units)
    elif not balance.empty:  # fail closed: without counts the table cannot be verified
        left_out.append("balance")
    protected = dataclasses.replace(results, estimates=checks["estimates"].table,
                                    event_studies=checks["event_studies"].table
                                    if not studies.empty else studies)
    return protected, checks, left_out


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
    causal, naive = _row(rows, "callaway_santanna", "ATT simple"), _row(rows, "before_after")
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
        causal, naive = _row(rows, "callaway_santanna", "ATT simple"), _row(rows, "before_after")
        if causal is None or naive is None or not np.isfinite([causal["estimate"],
                                                               naive["estimate"]]).all():
            continue
        counted += 1
        larger += abs(naive["estimate"]) > abs(causal["estimate"])
    return text("finding_gap", lang, k=larger, n=counted) if counted else None


def _findings(memo_parts: dict, estimates: pd.DataFrame, lang: str, min_units: int) -> list[str]:
    outcomes = headline_outcomes(estimates)
    found = [_finding(estimates[estimates["outcome"] == o], o, lang, min_units) for o in outcomes]
    gap = _claim_gap(estimates, outcomes, lang)
    found += [gap] if gap else []
    cba_text = memo_parts["cba_text"]
    found += cba_text[:2] if memo_parts["cba_ok"] else []
    found += memo_parts["regional"][:1] if memo_parts["regional_ok"] else \
        [text("finding_regional_none", lang)]
    return found


def effects_table(estimates: pd.DataFrame, lang: str, *, compact: bool = False) -> pd.DataFrame:
    """The effects table as printed in the memo, one row per design and outcome.

    ``compact=True`` keeps, per outcome, the programme's before/after claim and the headline
    causal estimate (Callaway-Sant'Anna, average after entry); the full table adds TWFE, the
    year-1 event-study estimate and the imputation estimator.
    """
    if compact:
        keep = (estimates["estimator"] == "before_after") | (
            (estimates["estimator"] == "callaway_santanna") & (estimates["term"] == "ATT simple"))
        estimates = estimates[keep]
    rows = []
    hidden = text("suppressed_cell", lang)
    for row in estimates.itertuples(index=False):
        fmt = {"scale": row.scale, "outcome": row.outcome, "lang": lang}
        shown = np.isfinite(row.estimate)
        rows.append((outcome_label(row.outcome, lang), design_label(row.estimator, str(row.horizon), lang),
                     text("evidence_value", lang, level=int(row.evidence_level)),
                     format_effect(row.estimate, **fmt) if shown else hidden,
                     format_interval(row.conf_low, row.conf_high, **fmt) if shown else "",
                     f"{int(row.n_units):,}" if np.isfinite(row.n_units) else ""))
    columns = [label(k, lang) for k in ("outcome", "design", "evidence_short", "effect",
                                        "conf_int", "n_firms")]
    return pd.DataFrame(rows, columns=columns)


# --- regional (synthetic control) ------------------------------------------------------------

def _regional_sentences(effects: pd.DataFrame, lang: str) -> list[str]:
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


def _power(results: BatchResults, outcome: str, lang: str) -> str | None:
    rows = results.estimates[results.estimates["outcome"] == outcome]
    causal = _row(rows, "callaway_santanna", "ATT simple")
    studies = results.event_studies
    study = studies[studies["outcome"] == outcome] if not studies.empty else studies
    if causal is None or not np.isfinite(causal["std_error"]) or study.empty:
        return None
    n_treated = int(np.nanmax(study["n_treated"]))
    n_cohorts = int(np.nanmax(study["n_cohorts"])) if "n_cohorts" in study.columns else 1
    mde = _Z80 * causal["std_error"]
    fmt = {"scale": causal["scale"], "outcome": outcome, "lang": lang}
    clause = ""
    sizes = cohort_sizes(results.records)
    if len(sizes) and sizes.min() < n_treated:
        size = int(sizes.min())
        clause = text("lim_power_cohort", lang, size=size,
                      mde=format_effect(mde * np.sqrt(n_treated / size), **fmt).lstrip("+"))
    return text("lim_power", lang, n_treated=n_treated, n_cohorts=n_cohorts,
                mde=format_effect(mde, **fmt).lstrip("+"), cohort_clause=clause)


def _selection(results: BatchResults, outcome: str, lang: str) -> str:
    studies = results.event_studies
    study = studies[studies["outcome"] == outcome] if not studies.empty else studies
    anticipation = results.estimates.get("param_anticipation", pd.Series([0])).max()
    dip = study[study["event_time"] == -1]["estimate"] if len(study) else pd.Series(dtype=float)
    pre = study[study["event_time"] <= -2]["estimate"].dropna() if len(study) else dip
    if not (len(dip) and np.isfinite(dip.iloc[0]) and len(pre) and anticipation >= 1):
        return text("lim_selection_plain", lang)
    largest = float(pre.iloc[np.argmax(np.abs(pre.to_numpy()))])
    return text("lim_selection", lang, outcome=_mid(outcome_label(outcome, lang), lang),
                dip=_as_percent(float(dip.iloc[0]), outcome), pre=_as_percent(largest, outcome))


def _cotreatment(records: pd.DataFrame, lang: str) -> str:
    table = descriptive_records(records)
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


def _limitations(results: BatchResults, cba: MemoCostBenefit | None, lang: str) -> list[str]:
    outcomes = headline_outcomes(results.estimates)
    focus = next((o for o in outcomes if "va_per_worker" in o), outcomes[0] if outcomes else None)
    out = []
    power = _power(results, focus, lang) if focus else None
    out += [power] if power else []
    out.append(_selection(results, focus, lang) if focus else text("lim_selection_plain", lang))
    out.append(text("lim_spillover", lang))
    out.append(_cotreatment(results.records, lang))
    if cba is not None and cba.result is not None:
        spec = cba.result.spec
        out.append(text("lim_cba", lang, persistence=f"{spec['persistence']:.0%}",
                        displacement=f"{spec['displacement']:.0%}",
                        leakage=f"{spec['leakage']:.0%}", multiplier=f"{spec['multiplier']:g}"))
    return out


# --- cost-benefit section -------------------------------------------------------------------

def _cba_sentences(cba: MemoCostBenefit | None, lang: str) -> list[str]:
    if cba is None or cba.result is None:
        why = cba.note if cba is not None else "no cost-benefit analysis was passed to the memo"
        return [text("cba_not_run", lang, why=why)]
    out = describe_cba(cba.result, lang=lang)
    spec = cba.spec
    if cba.note and spec.get("employment_outcome"):
        out.append(text("cba_no_jobs", lang, outcome=spec["employment_outcome"]))
    out.append(text("cba_inputs", lang, outcome=_mid(outcome_label(spec["outcome"], lang), lang),
                    last=spec["last_event_time"], year=spec["price_base_year"],
                    costs=Path(spec["costs"]).name))
    if cba.sensitivity is not None:
        table = cba.sensitivity.estimates
        driver = str(table["term"].iloc[0])
        driver = label("effect_size" if driver == "effect" else driver, lang)
        out.append(text("cba_range", lang, low=f"{table['bcr'].min():.2f}",
                        high=f"{table['bcr'].max():.2f}", driver=_mid(driver, lang)))
    return out


def _disclosure_sentences(checks: dict, lang: str, min_units: int, regional: bool,
                          left_out: list) -> list[str]:
    hidden = []
    for check in checks.values():
        table = check.table
        if "suppressed" in table.columns and table["suppressed"].any():
            part = table[table["suppressed"].astype(bool)]
            where = part["outcome"].astype(str).map(lambda o: outcome_label(o, lang) + ": ") \
                if "outcome" in part.columns else ""
            hidden += list(where + part["term"].astype(str))
    public_note = [text("disclosure_regional", lang)] if regional else []
    public_note += [text("disclosure_unverified", lang, table=name) for name in left_out]
    if not hidden:
        return [text("disclosure_none", lang, n=min_units), *public_note]
    return [text("disclosure_some", lang, k=len(hidden), n=min_units), *hidden, *public_note]


# --- assembly ------------------------------------------------------------------------------------

def build_memo(results: BatchResults, *, cba: MemoCostBenefit | None = None, lang: str = "en",
               inputs: Mapping[str, str | Path | None] | None = None,
               min_units: int = DEFAULT_MIN_UNITS) -> Memo:
    """Assemble the memo's text and tables in one language from a batch's results.

    Parameters
    ----------
    results : BatchResults
        From :func:`hubeval.load_batch_results`.
    cba : MemoCostBenefit, optional
        From :func:`memo_cost_benefit`; without it the cost-benefit section says "not computed".
    lang : {"en", "ko"}, default "en"
    inputs : mapping of name to path, optional
        Files the memo read itself (hashed into the provenance appendix).
    min_units : int, default 5
        Minimum number of firms behind any published number (disclosure control).

    Returns
    -------
    Memo

    Raises
    ------
    SpecError
        Unknown ``lang``.
    DisclosureError
        ``min_units`` below the hard floor of 3, or a table that cannot be verified.
    """
    if lang not in ("en", "ko"):
        raise SpecError(f"`lang` must be 'en' or 'ko'; got {lang!r}.")
    protected, checks, left_out = _protect(results, min_units)
    effects, _ = regional_tables(results)
    regional = _regional_sentences(effects, lang)
    cba_text = _cba_sentences(cba, lang)
    cba_ok = cba is not None and cba.result is not None
    parts = {"cba_text": cba_text, "cba_ok": cba_ok, "regional": regional,
             "regional_ok": not effects.empty}
    folder = results.spec.get("results_dir", "")
    provenance = read_provenance(folder, inputs=inputs) if folder else read_provenance(".")
    return Memo(
        lang=lang, estimates=protected.estimates,
        effects=effects_table(protected.estimates, lang, compact=True),
        effects_all=effects_table(protected.estimates, lang),
        findings=tuple(_findings(parts, protected.estimates, lang, min_units)),
        regional=tuple(regional), cba=cba, cba_text=tuple(cba_text),
        cba_table=cba_table(cba.result, lang=lang) if cba_ok else pd.DataFrame(),
        limitations=tuple(_limitations(protected, cba, lang)),
        disclosure=tuple(_disclosure_sentences(checks, lang, min_units, not effects.empty,
                                               left_out)),
        provenance=provenance, results=protected, checks=checks,
        spec={"lang": lang, "min_units": min_units, "results_dir": str(folder),
              "batch": _batch_name(provenance, folder), "date": _memo_date(provenance)})


def _batch_name(provenance: dict, folder: Any) -> str:
    table = provenance["batch"].set_index("item")["value"] if len(provenance["batch"]) else {}
    return str(table.get("batch", Path(str(folder)).parent.name or "interactive"))


def _memo_date(provenance: dict) -> str:
    table = provenance["batch"].set_index("item")["value"] if len(provenance["batch"]) else {}
    created = table.get("created")
    return str(created)[:10] if created else date.today().isoformat()
