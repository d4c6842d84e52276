"""Plain-language sentences from cost-benefit numbers, in English and Korean, for the memo.

The sentences are the ``cba`` and ``cba_why`` sections of the text catalogue
(:mod:`hubeval.report.catalogue`, ``locales/en.yaml`` and ``ko.yaml``).

Amounts are written the way each readership reads them: ``KRW 1.23 billion`` in English,
``12.3억 원`` in Korean (units of 10^4 만, 10^8 억 and 10^12 조).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError
from hubeval.report.catalogue import LANGS, section, text
from hubeval.report.figures import label

if TYPE_CHECKING:
    from hubeval.cba.model import CostBenefitResult

__all__ = ["format_krw", "describe_cba", "cba_rows", "cba_table", "MONEY_TERMS"]


def format_krw(value: float, lang: str = "en") -> str:
    """Format an amount of won for a memo: ``KRW 1.23 billion`` or ``12.3억 원``."""
    if not np.isfinite(value):
        return text("money.not_defined", lang) if lang in LANGS else "n/a"
    sign, amount = ("-" if value < 0 else ""), abs(float(value))
    if lang == "ko":
        for unit, name in ((1e12, "조"), (1e8, "억"), (1e4, "만")):
            if amount >= unit:
                return f"{sign}{_sig(amount / unit)}{name} 원"
        return f"{sign}{amount:,.0f} 원"
    for unit, name in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if amount >= unit:
            return f"KRW {sign}{_sig(amount / unit)}{name}"
    return f"KRW {sign}{amount:,.0f}"


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise SpecError(f"`lang` must be one of {list(LANGS)}; got {lang!r}.")


def _sig(x: float) -> str:
    """Three significant figures, thousands separators, no trailing zeros."""
    digits = max(0, 2 - int(np.floor(np.log10(x)))) if x > 0 else 0
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"


def describe_cba(result: CostBenefitResult, *, lang: str = "en",
                 effect_includes_zero: bool = False) -> list[str]:
    """Plain-language sentences on a :class:`CostBenefitResult`, generated from its numbers.

    Parameters
    ----------
    result : CostBenefitResult
    lang : {"en", "ko"}, default "en"
    effect_includes_zero : bool, default False
        The confidence interval of the headline effect of the valued outcome includes zero:
        the share of simulations with benefits above costs is then reported with the warning
        that no effect (and no benefit) is consistent with the data, never as near-certainty.

    Returns
    -------
    list of str
        Headline NPV and BCR with interval, probability that benefits exceed costs, full cost
        per firm, cost per net job (when estimated), break-even persistence, and the
        counting rule.
    """
    _check_lang(lang)
    est = result.estimates.set_index("term")
    say = lambda key, **fields: text(f"cba.{key}", lang, **fields)  # noqa: E731
    money = lambda term, col="estimate": format_krw(est.at[term, col], lang)  # noqa: E731
    bcr = est.at["bcr", "estimate"]
    out = [say("npv", horizon=result.spec["horizon"], rate=result.spec["discount_rate"],
               npv=money("npv"), lo=money("npv", "conf_low"), hi=money("npv", "conf_high"),
               level=1 - result.spec["alpha"], bcr=f"{bcr:.2f}" if np.isfinite(bcr) else "∞")]
    if result.n_sim:
        draws = say("draws_joint" if result.spec.get("vcov") == "given" else "draws_independent")
        out.append(say("prob_uncertain" if effect_includes_zero else "prob",
                       prob=est.at["prob_bcr_above_1", "estimate"], n_sim=result.n_sim, draws=draws))
    out.append(say("cost", cost=money("pv_costs"), per_firm=money("cost_per_firm")))
    if np.isfinite(est.at["cost_per_net_job", "estimate"]):
        out.append(say("jobs", per_job=money("cost_per_net_job")))
    be = est.at["break_even_persistence", "estimate"]
    if be == 0:
        out.append(say("covered_uncertain" if effect_includes_zero else "covered"))
    elif np.isfinite(be):
        out.append(say("breakeven", be=be, p=result.spec["persistence"]))
    elif result.notes:
        out.append(say("no_breakeven", why=_why(result.notes[0], lang)))
    out.append(say("count"))
    return out


def _why(note: str, lang: str) -> str:
    """A note of the cost-benefit model (in English) in ``lang``; unknown notes stay as they are."""
    english = section("cba_why", "en")
    key = next((k for k, v in english.items() if v == note), None)
    return text(f"cba_why.{key}", lang) if key is not None else note


#: Cost-benefit measures in won.
MONEY_TERMS = ("pv_costs", "pv_benefits", "npv", "cost_per_firm", "cost_per_net_job",
               "cost_per_pp_productivity")
_TABLE_TERMS = ("pv_costs", "pv_benefits", "npv", "bcr", "prob_bcr_above_1", "cost_per_firm",
                "net_additional_jobs", "cost_per_net_job", "productivity_effect_pct",
                "cost_per_pp_productivity", "break_even_persistence")


def _format_value(term: str, value: float, lang: str) -> str:
    if not np.isfinite(value):
        return "∞" if value == np.inf else ""
    if term in MONEY_TERMS:
        return format_krw(value, lang)
    if term in ("prob_bcr_above_1", "break_even_persistence"):
        return f"{value:.0%}"
    if term == "productivity_effect_pct":
        return f"{value:.1f}%"
    if term == "net_additional_jobs":
        return f"{value:,.0f}"
    return f"{value:.2f}"


def cba_rows(result: CostBenefitResult) -> pd.DataFrame:
    """The measures of the cost-benefit table in print order, as numbers.

    Columns ``term, estimate, conf_low, conf_high``; measures without a value are left out and
    the interval is missing unless both ends are finite (as :func:`cba_table` prints them).
    """
    est = result.estimates.set_index("term")
    rows = []
    for term in _TABLE_TERMS:
        value = est.at[term, "estimate"]
        if np.isnan(value):
            continue
        lo, hi = est.at[term, "conf_low"], est.at[term, "conf_high"]
        both = np.isfinite(lo) and np.isfinite(hi)
        rows.append((term, value, lo if both else np.nan, hi if both else np.nan))
    return pd.DataFrame(rows, columns=["term", "estimate", "conf_low", "conf_high"])


def cba_table(result: CostBenefitResult, *, lang: str = "en") -> pd.DataFrame:
    """The cost-benefit result as a memo table: measure, formatted value and interval.

    Parameters
    ----------
    result : CostBenefitResult
    lang : {"en", "ko"}, default "en"

    Returns
    -------
    pandas.DataFrame
        Three text columns with headers in ``lang``; measures without a value (e.g. cost per
        net job when no employment effect was given) are left out.
    """
    _check_lang(lang)
    level = 1 - result.spec["alpha"]
    rows = []
    for term, value, lo, hi in cba_rows(result).itertuples(index=False, name=None):
        interval = f"{_format_value(term, lo, lang)} ~ {_format_value(term, hi, lang)}" \
            if np.isfinite(lo) else ""
        rows.append((label(term, lang), _format_value(term, value, lang), interval))
    columns = [label("measure", lang), label("value", lang), label("interval", lang, level=level)]
    return pd.DataFrame(rows, columns=columns)
