"""Plain-language sentences from cost-benefit numbers, in English and Korean, for the memo.

Amounts are written the way each readership reads them: ``KRW 1.23 billion`` in English,
``12.3억 원`` in Korean (units of 10^4 만, 10^8 억 and 10^12 조).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError

if TYPE_CHECKING:
    from hubeval.cba.model import CostBenefitResult

__all__ = ["format_krw", "describe_cba", "cba_table"]


def format_krw(value: float, lang: str = "en") -> str:
    """Format an amount of won for a memo: ``KRW 1.23 billion`` or ``12.3억 원``."""
    if not np.isfinite(value):
        return {"en": "not defined", "ko": "정의되지 않음"}.get(lang, "n/a")
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


def _sig(x: float) -> str:
    """Three significant figures, thousands separators, no trailing zeros."""
    digits = max(0, 2 - int(np.floor(np.log10(x)))) if x > 0 else 0
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"


_TEXT = {
    "en": {
        "npv": "Over {horizon} years at a {rate:.1%} real discount rate, the programme's net "
               "present value is {npv} ({level:.0%} simulation interval {lo} to {hi}) and the "
               "benefit-cost ratio is {bcr}.",
        "prob": "Benefits exceed costs in {prob:.0%} of {n_sim:,} simulations that carry the "
                "uncertainty of the effect estimates.",
        "cost": "The full economic cost, including POSCO's in-kind consulting time, is {cost} "
                "in present value, {per_firm} per participating firm.",
        "jobs": "Each net additional job cost {per_job}.",
        "breakeven": "Benefits cover costs if at least {be:.0%} of the last estimated effect "
                     "persists each year after the observed period (assumed: {p:.0%}).",
        "no_breakeven": "Break-even persistence is not defined: {why}.",
        "covered": "The estimated years alone cover the costs, whatever happens afterwards.",
        "count": "Benefits count net additional value added only; jobs and cost savings are not "
                 "added on top, to avoid double counting.",
    },
    "ko": {
        "npv": "실질 할인율 {rate:.1%}, 분석 기간 {horizon}년 기준 사업의 순현재가치(NPV)는 {npv}"
               "({level:.0%} 모의실험 구간 {lo} ~ {hi})이며, 비용편익비(B/C)는 {bcr}입니다.",
        "prob": "효과 추정치의 불확실성을 반영한 모의실험 {n_sim:,}회 중 {prob:.0%}에서 편익이 "
                "비용보다 큽니다.",
        "cost": "포스코의 현물 컨설팅 인력 시간을 포함한 전체 경제적 비용은 현재가치로 {cost}, "
                "참여 기업당 {per_firm}입니다.",
        "jobs": "순 추가 일자리 1개당 비용은 {per_job}입니다.",
        "breakeven": "관측 기간 이후 마지막 추정 효과가 매년 {be:.0%} 이상 유지되면 편익이 비용을 "
                     "넘습니다(가정: {p:.0%}).",
        "no_breakeven": "손익분기 지속률을 정의할 수 없습니다: {why}.",
        "covered": "관측된 기간의 편익만으로도 비용을 넘으며, 이후 효과와 관계없습니다.",
        "count": "편익은 순 부가가치 증가분만 계산하며, 이중 계산을 피하기 위해 일자리와 비용 절감은 "
                 "따로 더하지 않습니다.",
    },
}


def describe_cba(result: CostBenefitResult, *, lang: str = "en") -> list[str]:
    """Plain-language sentences on a :class:`CostBenefitResult`, generated from its numbers.

    Parameters
    ----------
    result : CostBenefitResult
    lang : {"en", "ko"}, default "en"

    Returns
    -------
    list of str
        Headline NPV and BCR with interval, probability that benefits exceed costs, full cost
        per firm, cost per net job (when estimated), break-even persistence, and the
        counting rule.
    """
    if lang not in _TEXT:
        raise SpecError(f"`lang` must be one of {list(_TEXT)}; got {lang!r}.")
    text, est = _TEXT[lang], result.estimates.set_index("term")
    money = lambda term, col="estimate": format_krw(est.at[term, col], lang)  # noqa: E731
    bcr = est.at["bcr", "estimate"]
    out = [text["npv"].format(horizon=result.spec["horizon"], rate=result.spec["discount_rate"],
                              npv=money("npv"), lo=money("npv", "conf_low"),
                              hi=money("npv", "conf_high"), level=1 - result.spec["alpha"],
                              bcr=f"{bcr:.2f}" if np.isfinite(bcr) else "∞")]
    if result.n_sim:
        out.append(text["prob"].format(prob=est.at["prob_bcr_above_1", "estimate"],
                                       n_sim=result.n_sim))
    out.append(text["cost"].format(cost=money("pv_costs"), per_firm=money("cost_per_firm")))
    if np.isfinite(est.at["cost_per_net_job", "estimate"]):
        out.append(text["jobs"].format(per_job=money("cost_per_net_job")))
    be = est.at["break_even_persistence", "estimate"]
    if be == 0:
        out.append(text["covered"])
    elif np.isfinite(be):
        out.append(text["breakeven"].format(be=be, p=result.spec["persistence"]))
    elif result.notes:
        out.append(text["no_breakeven"].format(why=_why(result.notes[0], lang)))
    out.append(text["count"])
    return out


_WHY_KO = {
    "the horizon ends within the estimated years, so persistence plays no role":
        "분석 기간이 추정 기간 안에 끝나 지속률이 영향을 주지 않습니다",
    "even a permanent effect would not cover the costs": "효과가 영구적이어도 비용을 넘지 못합니다",
    "the last estimated effect is not positive, so persistence cannot help":
        "마지막 추정 효과가 양수가 아니어서 지속률이 도움이 되지 않습니다",
}


def _why(note: str, lang: str) -> str:
    return _WHY_KO.get(note, note) if lang == "ko" else note


_MONEY_TERMS = ("pv_costs", "pv_benefits", "npv", "cost_per_firm", "cost_per_net_job",
                "cost_per_pp_productivity")
_TABLE_TERMS = ("pv_costs", "pv_benefits", "npv", "bcr", "prob_bcr_above_1", "cost_per_firm",
                "net_additional_jobs", "cost_per_net_job", "productivity_effect_pct",
                "cost_per_pp_productivity", "break_even_persistence")


def _format_value(term: str, value: float, lang: str) -> str:
    if not np.isfinite(value):
        return "∞" if value == np.inf else ""
    if term in _MONEY_TERMS:
        return format_krw(value, lang)
    if term in ("prob_bcr_above_1", "break_even_persistence"):
        return f"{value:.0%}"
    if term == "productivity_effect_pct":
        return f"{value:.1f}%"
    if term == "net_additional_jobs":
        return f"{value:,.0f}"
    return f"{value:.2f}"


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
    from hubeval.report.figures import label

    if lang not in _TEXT:
        raise SpecError(f"`lang` must be one of {list(_TEXT)}; got {lang!r}.")
    est = result.estimates.set_index("term")
    level = 1 - result.spec["alpha"]
    rows = []
    for term in _TABLE_TERMS:
        value = est.at[term, "estimate"]
        if np.isnan(value):
            continue
        lo, hi = est.at[term, "conf_low"], est.at[term, "conf_high"]
        interval = f"{_format_value(term, lo, lang)} ~ {_format_value(term, hi, lang)}" \
            if np.isfinite(lo) and np.isfinite(hi) else ""
        rows.append((label(term, lang), _format_value(term, value, lang), interval))
    columns = [label("measure", lang), label("value", lang), label("interval", lang, level=level)]
    return pd.DataFrame(rows, columns=columns)
