"""The policy memo: assembled from a batch's collected results, in English or Korean.

The memo notebook (``notebooks/90_policy_memo.ipynb``) only calls three functions:

1. :func:`~hubeval.report.memo.costbenefit.memo_cost_benefit` -- the cost-benefit analysis
   from the batch's recorded event studies, the firm data, the cost ledger and the price index;
2. :func:`build_memo` -- every sentence and table of the memo, generated from the numbers
   (:mod:`hubeval.report.memo.sentences`), disclosure notes and the provenance appendix read
   from the batch's ``manifest.json``;
3. :func:`hubeval.report.memo.render.publish_memo` -- the figures (through
   :func:`hubeval.save_figure`'s disclosure check), the HTML memo with the PNGs embedded and
   the PDF, both rendered from one document model (:mod:`hubeval.report.memo.document`).

Optional records (regional synthetic control, matching balance, descriptives) are read by
:mod:`hubeval.store.readers`, the provenance appendix by :mod:`hubeval.store.provenance`, and the
memo's words in both languages live in the text catalogue (``hubeval/report/locales``).

Disclosure control: every estimate table is passed through
:func:`hubeval.report.publication.check_estimates` before anything is written from it; estimates
resting on fewer than ``min_units`` firms are suppressed (missing in tables, left out of
figures) and listed in the memo. Publication re-checks each table with
:func:`hubeval.report.publication.assert_publishable`, so a raw table with small counts is refused.

References
----------
Sherman, L. et al. (1997). *Preventing Crime: What Works, What Doesn't, What's Promising*.
What Works Centre for Local Economic Growth (2016). *Guide to Scoring Evidence Using the
Maryland Scientific Methods Scale*.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from hubeval.core.errors import SpecError
from hubeval.core.results import ResultMixin, result_field
from hubeval.report.cba_text import cba_table
from hubeval.report.disclosure import COUNT_COLUMNS, DEFAULT_MIN_UNITS, public
from hubeval.report.memo.appendix import specification_appendix
from hubeval.report.memo.completeness import incomplete_sentences
from hubeval.report.memo.costbenefit import (
    MemoCostBenefitResult,
    effect_path,
    memo_cost_benefit,
)
from hubeval.report.memo.document import memo_document
from hubeval.report.memo.html import render_html
from hubeval.report.memo.robustness import (
    checked_inference,
    inference_table,
    robustness_finding,
    sensitivity_sentences,
)
from hubeval.report.memo.sentences import (
    cba_sentences,
    disclosure_sentences,
    effects_table,
    findings,
    headline_outcomes,
    limitations,
    regional_sentences,
)
from hubeval.report.memo.text import text
from hubeval.report.publication import check_estimates
from hubeval.store.provenance import read_provenance
from hubeval.store.readers import balance_records, regional_placebos, regional_tables
from hubeval.store.results import BatchResult

__all__ = ["MemoCostBenefitResult", "MemoResult", "memo_cost_benefit", "build_memo",
           "effect_path", "headline_outcomes", "effects_table", "regional_tables",
           "regional_placebos", "balance_records", "read_provenance", "REGIONAL_PUBLIC"]

#: Reason recorded when the regional figure is published: city data are official aggregates.
REGIONAL_PUBLIC = "city-level official statistics (synthetic control on public city aggregates)"


@dataclasses.dataclass(frozen=True)
class MemoResult(ResultMixin):
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
    robustness : tuple of str
        Per headline outcome, the Rambachan-Roth breakdown sentence (recorded by the outcome
        notebook, :func:`hubeval.assess_credibility`).
    inference : DataFrame
        The recorded inference panels of the headline outcomes as printed, after disclosure
        control (empty when the batch recorded none).
    cba : MemoCostBenefitResult or None
    cba_table : DataFrame
        Formatted cost-benefit measures (empty without a cost-benefit result).
    provenance : dict of str to DataFrame
        ``batch``, ``data``, ``runs``, ``parameters``, ``versions``.
    results : BatchResult
        The batch's results after disclosure control (what the figures draw).
    checks : dict of str to DisclosureResult
        The disclosure check behind each published table and figure.
    incomplete : tuple of str
        When runs of the batch failed before the memo: the notice printed at the top of the memo
        (an introduction, then one line per missing part); empty for a complete batch.
    specification : SpecificationCurveResult or None
        The specification curve of the robustness batch given to :func:`build_memo`, after
        disclosure control (its appendix); None without one.
    specification_text : tuple of str
        The appendix's reading, one paragraph per outcome.
    spec : dict
    """

    lang: str
    estimates: pd.DataFrame = result_field(serialize="omit")
    effects: pd.DataFrame = result_field()
    effects_all: pd.DataFrame = result_field(serialize="omit")
    findings: tuple = result_field()
    regional: tuple = result_field()
    robustness: tuple = result_field()
    inference: pd.DataFrame = result_field(serialize="omit")
    cba: MemoCostBenefitResult | None = result_field(serialize="omit")
    cba_text: tuple = result_field()
    cba_table: pd.DataFrame = result_field(serialize="omit")
    limitations: tuple = result_field()
    disclosure: tuple = result_field()
    provenance: dict = result_field(serialize="omit")
    results: BatchResult = result_field(serialize="omit")
    checks: dict = result_field(serialize="omit")
    spec: dict = result_field()
    incomplete: tuple = result_field(default=())
    specification: Any = result_field(serialize="omit", default=None)
    specification_text: tuple = result_field(default=())
    title = "Policy memo"

    @property
    def inference_rows(self) -> pd.DataFrame:
        """The inference panels as the memo prints them, as numbers: on the memo's scale (percent
        for log outcomes), after disclosure control; recorded by the memo notebook
        (``memo_inference``) so that these numbers are in the results store too."""
        check = self.checks.get("inference")
        return check.table.copy() if check is not None else pd.DataFrame(
            columns=["outcome", "method", "label", "estimate", "p_value", "conf_low", "conf_high",
                     "scale", "n_units"])

    def summary(self) -> str:
        """The memo's text sections as plain text."""
        notice = [*self.incomplete[:1], *[f"- {s}" for s in self.incomplete[1:]], ""] \
            if self.incomplete else []
        parts = [text("title", self.lang), "", *notice, *[f"- {s}" for s in self.findings], "",
                 *self.robustness, "", *self.regional, "", *self.cba_text, "", *[f"- {s}" for s in self.limitations]]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return render_html(memo_document(self), standalone=False)


def _protect(results: BatchResult, min_units: int) -> tuple[BatchResult, dict, list]:
    """Disclosure control of every firm-level table the memo publishes (and what was left out)."""
    # counts as recorded: comparison rows by their estimation sample, event-time rows by the
    # participants observed at that event time
    checks = {"estimates": check_estimates(results.comparison, min_units=min_units, count="n_units")}
    studies = results.event_studies
    checks["event_studies"] = check_estimates(studies, min_units=min_units, count="n_treated") \
        if not studies.empty else public("no event studies in the batch")
    checks["regional"] = public(REGIONAL_PUBLIC)
    balance, left_out = balance_records(results), []
    if not balance.empty and any(c in balance.columns for c in COUNT_COLUMNS):
        checks["balance"] = check_estimates(balance, min_units=min_units)
    elif not balance.empty:  # fail closed: without counts the table cannot be verified
        left_out.append("balance")
    others = results.estimates[~results.estimates["record"].isin(["comparison", "event_study"])]
    checked = [checks["estimates"].table] + ([checks["event_studies"].table] if not studies.empty else [])
    protected = dataclasses.replace(results, estimates=pd.concat([*checked, others],
                                                                 ignore_index=True))
    return protected, checks, left_out



def build_memo(results: BatchResult, *, cba: MemoCostBenefitResult | None = None, lang: str = "en",
               inputs: Mapping[str, str | Path | None] | None = None,
               min_units: int = DEFAULT_MIN_UNITS, robustness: Any = None) -> MemoResult:
    """Assemble the memo's text and tables in one language from a batch's results.

    Parameters
    ----------
    results : BatchResult
        From :func:`hubeval.load_batch_results`.
    cba : MemoCostBenefitResult, optional
        From :func:`memo_cost_benefit`; without it the cost-benefit section says "not computed".
    lang : {"en", "ko"}, default "en"
    inputs : mapping of name to path, optional
        Files the memo read itself (hashed into the provenance appendix).
    min_units : int, default 5
        Minimum number of firms behind any published number (disclosure control).
    robustness : BatchResult, str or Path, optional
        A robustness batch (``hubeval run params/batches/robustness.yaml``) or its folder: the
        memo gains an appendix with its specification curve and reading
        (:func:`hubeval.specification_curve`).

    Returns
    -------
    MemoResult

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
    curve, curve_check, curve_text = specification_appendix(robustness, lang, min_units)
    if curve_check is not None:
        checks["specification_curve"] = curve_check
    effects, _ = regional_tables(results)
    regional = regional_sentences(effects, lang)
    comparison = protected.comparison
    cba_text = cba_sentences(cba, lang, comparison)
    headlines = headline_outcomes(comparison)
    inference, inference_check = checked_inference(results, comparison, headlines, min_units)
    if inference_check is not None:
        checks["inference"] = inference_check
    cba_ok = cba is not None and cba.result is not None
    parts = {"cba_text": cba_text, "cba_ok": cba_ok, "regional": regional,
             "regional_ok": not effects.empty,
             "robustness": robustness_finding(inference, results, lang)}
    intro, missing = incomplete_sentences(results, lang)
    folder = results.spec.get("results_dir", "")
    provenance = read_provenance(folder, inputs=inputs) if folder else read_provenance(".")
    return MemoResult(
        lang=lang, estimates=comparison,
        effects=effects_table(comparison, lang, compact=True),
        effects_all=effects_table(comparison, lang),
        findings=tuple(findings(parts, comparison, lang, min_units)),
        regional=tuple(regional),
        robustness=tuple(sensitivity_sentences(results, headlines, lang)),
        inference=inference_table(inference, lang), cba=cba, cba_text=tuple(cba_text),
        cba_table=cba_table(cba.result, lang=lang) if cba_ok else pd.DataFrame(),
        limitations=tuple(limitations(protected, cba, lang)),
        disclosure=tuple(disclosure_sentences(checks, lang, min_units, not effects.empty,
                                               left_out)),
        provenance=provenance, results=protected, checks=checks,
        incomplete=(intro, *missing) if intro else (),
        specification=curve, specification_text=curve_text,
        spec={"lang": lang, "min_units": min_units, "results_dir": str(folder),
              "batch": _batch_name(provenance, folder), "date": _memo_date(provenance)})


def _batch_name(provenance: dict, folder: Any) -> str:
    table = provenance["batch"].set_index("item")["value"] if len(provenance["batch"]) else {}
    return str(table.get("batch", Path(str(folder)).parent.name or "interactive"))


def _memo_date(provenance: dict) -> str:
    table = provenance["batch"].set_index("item")["value"] if len(provenance["batch"]) else {}
    created = table.get("created")
    return str(created)[:10] if created else date.today().isoformat()
