"""Words of the policy memo in English and Korean, and how its numbers are written.

Every sentence of the memo is one of these templates filled with numbers from the batch's
results (:mod:`hubeval.report.memo.build`); nothing here states a conclusion on its own. Keeping both
languages side by side, key by key, lets a test check that neither lacks a sentence.
"""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError
from hubeval.report.figures import LABELS, label
from hubeval.data.outcomes import FAMILIES

from hubeval.data.outcomes import SHARE_OUTCOMES

__all__ = ["TEXT", "text", "outcome_label", "family_label", "design_label",
           "format_effect", "format_interval", "format_number"]

#: Level-scale outcomes that are shares or rates: effects are written in percentage points.

#: Memo sentences and headings, ``{field}`` placeholders filled by :func:`text`.
TEXT: dict[str, dict[str, str]] = {
    # headings
    "title": {"en": "Shared-Growth Innovation Hub: what did it achieve, and is it worth it?",
              "ko": "동반성장 혁신허브: 무엇을 이루었고, 비용만큼 가치가 있는가?"},
    "subtitle": {"en": "Policy memo generated from batch `{batch}` ({date})",
                 "ko": "배치 `{batch}` 결과로 생성한 정책 메모 ({date})"},
    "other_language": {"en": "한국어판", "ko": "English version"},
    "h_findings": {"en": "Key findings", "ko": "핵심 결과"},
    "h_effects": {"en": "Effects on participating firms", "ko": "참여 기업에 대한 효과"},
    "h_event": {"en": "Effects by years since participation", "ko": "참여 후 연수별 효과"},
    "h_regional": {"en": "Did the city as a whole gain?", "ko": "광양시 전체에 효과가 있었는가?"},
    "h_cba": {"en": "Is it worth the money?", "ko": "비용만큼 가치가 있는가?"},
    "h_limitations": {"en": "Limitations", "ko": "한계"},
    "h_disclosure": {"en": "Disclosure control", "ko": "공개 통제(비밀 보호)"},
    "h_provenance": {"en": "Appendix: provenance", "ko": "부록: 재현 정보"},
    "h_all_estimates": {"en": "Appendix: every estimator compared", "ko": "부록: 추정 방법별 비교"},
    "all_estimates_note": {
        "en": "Two-way fixed effects is shown as a benchmark: with cohorts entering in different "
              "years it compares late entrants with early ones and is biased. The imputation "
              "estimator (Borusyak, Jaravel and Spiess) is a second valid design.",
        "ko": "이원고정효과는 참고용입니다. 참여 연도가 다른 코호트에서는 늦게 참여한 기업을 먼저 "
              "참여한 기업과 비교하게 되어 편의가 생깁니다. 대체 추정법(Borusyak, Jaravel, "
              "Spiess)은 또 하나의 타당한 설계입니다."},
    "h_batch": {"en": "Batch", "ko": "배치"},
    "h_data": {"en": "Data files (SHA-256)", "ko": "데이터 파일 (SHA-256)"},
    "h_runs": {"en": "Notebook runs", "ko": "노트북 실행"},
    "h_parameters": {"en": "Parameters", "ko": "매개변수"},
    "h_versions": {"en": "Software versions", "ko": "소프트웨어 버전"},
    # evidence scale
    "evidence_note": {
        "en": "Evidence strength follows the Maryland Scientific Methods Scale (1 = weakest, 5 = a "
              "randomised trial): a before/after comparison of participants only is level 1 of 5; "
              "difference-in-differences against a comparison group is level 3 of 5. Causal "
              "estimates are set on the same scale as the programme's own claim (percent for "
              "logs and ratios, percentage points for shares and rates).",
        "ko": "근거 수준은 메릴랜드 과학적 방법 척도(1 = 가장 약함, 5 = 무작위 실험)를 따릅니다. "
              "참여 기업만의 전후 비교는 5단계 중 1단계, 비교집단을 둔 이중차분은 5단계 중 3단계입니다. "
              "인과 추정치는 사업 측 주장과 같은 척도(로그·비율은 %, 비중·비율 지표는 %p)로 "
              "표시합니다."},
    "evidence_value": {"en": "{level} of 5", "ko": "{level}/5"},
    # headline findings
    "finding_effect": {
        "en": "{family} ({outcome}): {effect} (95% CI {interval}) against comparison firms "
              "(difference-in-differences, evidence level 3 of 5).",
        "ko": "{family} ({outcome}): 비교 기업 대비 {effect} (95% 신뢰구간 {interval}; 이중차분, "
              "근거 수준 3/5)."},
    "finding_null": {
        "en": "{family} ({outcome}): no effect distinguishable from zero, {effect} (95% CI "
              "{interval}; difference-in-differences, evidence level 3 of 5).",
        "ko": "{family} ({outcome}): 0과 구별되는 효과가 없습니다. 추정치 {effect} (95% 신뢰구간 "
              "{interval}; 이중차분, 근거 수준 3/5)."},
    "finding_times": {
        "en": "The programme's before/after figure, {naive} (level 1 of 5), is {ratio} times as "
              "large.",
        "ko": "사업 측 전후 비교 수치 {naive}(근거 수준 1/5)는 인과 추정치의 {ratio}배입니다."},
    "finding_naive": {
        "en": "The programme's before/after figure is {naive} (level 1 of 5).",
        "ko": "사업 측 전후 비교 수치는 {naive}(근거 수준 1/5)입니다."},
    "finding_suppressed": {
        "en": "{family} ({outcome}): the estimate is suppressed because it rests on fewer than "
              "{n} firms.",
        "ko": "{family} ({outcome}): {n}개 미만 기업에 근거한 추정치여서 공개하지 않습니다."},
    "finding_gap": {
        "en": "For {k} of {n} headline outcomes the programme's before/after claim is larger than "
              "the causal estimate: secular growth, selection of growing firms and recovery from "
              "a bad year before entry inflate before/after numbers.",
        "ko": "핵심 성과 지표 {n}개 중 {k}개에서 사업 측 전후 비교 주장이 인과 추정치보다 큽니다. "
              "경기 전반의 성장, 성장하는 기업의 자기선택, 참여 직전 부진에서의 회복이 전후 비교 "
              "수치를 부풀립니다."},
    # regional
    "regional_effect": {
        "en": "{outcome}: Gwangyang is {effect} ({percent} of its synthetic control) after the "
              "programme started; placebo p-value {p} (the smallest attainable is {pmin}). "
              "Synthetic control with one treated city: evidence level 3 of 5, inference from "
              "placebo cities.",
        "ko": "{outcome}: 사업 시작 이후 광양시는 합성 광양시 대비 {effect}({percent})입니다. "
              "위약 검정 p값 {p}(가능한 최솟값 {pmin}). 처치 도시가 하나인 합성통제법: 근거 수준 "
              "3/5, 추론은 위약 도시 비교에 근거합니다."},
    "regional_effect_no_p": {
        "en": "{outcome}: Gwangyang is {effect} ({percent} of its synthetic control) after the "
              "programme started; no placebo test was recorded, so this cannot be told apart from "
              "chance.",
        "ko": "{outcome}: 사업 시작 이후 광양시는 합성 광양시 대비 {effect}({percent})입니다. "
              "위약 검정이 기록되지 않아 우연과 구별할 수 없습니다."},
    "regional_not_run": {
        "en": "Not run: this batch has no regional (synthetic control) results. Add "
              "notebooks/50_regional.ipynb to the batch to compare Gwangyang with a synthetic "
              "control built from other cities.",
        "ko": "실행하지 않음: 이 배치에는 지역 단위(합성통제법) 결과가 없습니다. 다른 도시로 만든 "
              "합성 광양시와 비교하려면 notebooks/50_regional.ipynb를 배치에 추가하십시오."},
    "finding_regional_none": {
        "en": "City-wide jobs and investment were not evaluated in this batch (no synthetic "
              "control run).",
        "ko": "이 배치에서는 도시 전체의 일자리와 투자를 평가하지 않았습니다(합성통제 미실행)."},
    # cost-benefit
    "cba_not_run": {"en": "Not computed: {why}.", "ko": "계산하지 않음: {why}."},
    "cba_no_jobs": {
        "en": "Cost per net additional job not computed: the batch has no event study of `{outcome}`.",
        "ko": "순 추가 일자리당 비용은 계산하지 않았습니다: 이 배치에 `{outcome}`의 연차별 효과가 "
              "없습니다."},
    "cba_inputs": {
        "en": "Benefits are valued from the Callaway-Sant'Anna effect path of {outcome} "
              "(event times 0 to {last}); participants' baseline value added is their mean two "
              "and three years before entry, in real {year} prices; costs come from the ledger "
              "`{costs}`.",
        "ko": "편익은 {outcome}에 대한 Callaway-Sant'Anna 연차별 효과(참여 후 0~{last}년)로 "
              "평가하고, 참여 기업의 기준 부가가치는 참여 2~3년 전 평균(실질 {year}년 가격)이며, "
              "비용은 비용 대장 `{costs}`에서 가져옵니다."},
    "cba_range": {
        "en": "Across the sensitivity cases (one setting at a time at the end of its range) the "
              "benefit-cost ratio ranges from {low} to {high}; the largest swing comes from "
              "{driver}.",
        "ko": "민감도 분석(각 설정을 범위의 끝값으로 하나씩 변경)에서 비용편익비는 {low}에서 "
              "{high} 사이이며, 가장 큰 변화는 {driver}에서 나옵니다."},
    # limitations
    "lim_power": {
        "en": "Power: {n_treated} participating firms in {n_cohorts} cohorts. The smallest "
              "productivity effect this design detects with 80% power at the 5% level is about "
              "{mde} (2.8 standard errors of the headline estimate){cohort_clause}. Smaller "
              "true effects can go undetected; pooling cohorts and years is what makes the "
              "estimate informative.",
        "ko": "검정력: 참여 기업 {n_treated}개, 코호트 {n_cohorts}개. 이 설계가 유의수준 5%, "
              "검정력 80%로 검출할 수 있는 최소 생산성 효과는 약 {mde}(핵심 추정치 표준오차의 "
              "2.8배)입니다{cohort_clause}. 이보다 작은 실제 효과는 검출되지 않을 수 있으며, "
              "코호트와 연도를 합쳐야 추정치가 의미를 갖습니다."},
    "lim_power_cohort": {
        "en": "; one cohort of {size} firms alone could detect only about {mde}",
        "ko": "; {size}개 기업의 단일 코호트만으로는 약 {mde} 이상만 검출할 수 있습니다"},
    "lim_selection": {
        "en": "Selection: firms choose to apply. In the year before entry participants' "
              "{outcome} was {dip} relative to comparison firms (a dip before entry, which "
              "inflates before/after numbers); the estimates treat that year as anticipation and "
              "rest on parallel trends before it, which the earlier years support only as far "
              "as the pre-entry estimates stay near zero (largest: {pre}).",
        "ko": "자기선택: 기업이 스스로 신청합니다. 참여 직전 연도에 참여 기업의 {outcome}은(는) "
              "비교 기업보다 {dip} 차이가 났습니다(참여 전 부진으로, 전후 비교 수치를 "
              "부풀립니다). 추정은 그 해를 예상 효과 기간으로 두고 그 이전의 평행추세에 "
              "의존하며, 이는 참여 전 추정치가 0에 가까운 만큼만 뒷받침됩니다(최대: {pre})."},
    "lim_selection_plain": {
        "en": "Selection: firms choose to apply, so participants may differ from comparison firms "
              "in ways that also change their outcomes; the estimates rest on parallel trends.",
        "ko": "자기선택: 기업이 스스로 신청하므로 참여 기업은 성과에 영향을 주는 다른 면에서 비교 "
              "기업과 다를 수 있으며, 추정은 평행추세 가정에 의존합니다."},
    "lim_spillover": {
        "en": "Spillovers: comparison firms in Gwangyang may gain (as suppliers or customers of "
              "participants) or lose (displaced sales). Either biases the firm-level estimates; "
              "the city-level synthetic control speaks to the net effect on the city.",
        "ko": "파급효과: 광양시의 비교 기업은 참여 기업의 공급자·고객으로서 이득을 보거나(파급) 매출을 "
              "빼앗길(대체) 수 있습니다. 어느 쪽이든 기업 단위 추정치를 왜곡하며, 도시 단위 "
              "합성통제 분석이 도시 전체의 순효과를 보여줍니다."},
    "lim_cotreatment": {
        "en": "Co-treatment: {share_treated} of participants are POSCO suppliers, against "
              "{share_control} of other firms, and POSCO runs a separate benefit-sharing scheme "
              "with its suppliers. Controlling for supplier status removes level differences, "
              "not the effect of that scheme if it started at the same time.",
        "ko": "동시 처치: 참여 기업의 {share_treated}가 포스코 협력사로, 다른 기업({share_control})"
              "보다 많고, 포스코는 협력사 대상 성과공유제를 따로 운영합니다. 협력사 여부를 통제해도 "
              "수준 차이만 제거될 뿐, 같은 시기에 시작된 그 제도의 효과는 제거되지 않습니다."},
    "lim_cotreatment_plain": {
        "en": "Co-treatment: some participants are POSCO suppliers, and POSCO runs a separate "
              "benefit-sharing scheme with its suppliers; its effect cannot be separated from the "
              "programme's where both started together.",
        "ko": "동시 처치: 일부 참여 기업은 포스코 협력사이며 포스코는 협력사 대상 성과공유제를 따로 "
              "운영합니다. 두 제도가 함께 시작된 경우 그 효과를 사업 효과와 분리할 수 없습니다."},
    "lim_cba": {
        "en": "Cost-benefit: beyond the observed years the effect is assumed to keep {persistence} "
              "of its value each year, and displacement ({displacement}), leakage ({leakage}) "
              "and the multiplier ({multiplier}) are documented defaults, not estimates; the "
              "tornado chart shows how much each matters.",
        "ko": "비용편익: 관측 기간 이후 효과는 매년 {persistence}씩 유지된다고 가정하며, 대체효과"
              "({displacement}), 누출({leakage}), 승수({multiplier})는 추정치가 아닌 문서화된 "
              "기본값입니다. 각각의 영향은 토네이도 차트에 나타납니다."},
    # disclosure
    "disclosure_none": {
        "en": "Every firm-level number in this memo rests on at least {n} firms; nothing had to "
              "be suppressed.",
        "ko": "이 메모의 모든 기업 단위 수치는 최소 {n}개 기업에 근거하며, 비공개 처리한 항목은 "
              "없습니다."},
    "disclosure_regional": {
        "en": "The regional analysis uses public city statistics, not confidential firm data.",
        "ko": "지역 분석은 기밀 기업 자료가 아닌 공개된 도시 통계를 사용합니다."},
    "disclosure_some": {
        "en": "{k} estimate(s) rest on fewer than {n} firms and are suppressed (shown as "
              "'suppressed', left out of figures):",
        "ko": "{k}개 추정치는 {n}개 미만 기업에 근거하여 비공개 처리했습니다('비공개'로 표시, "
              "그림에서 제외):"},
    "disclosure_unverified": {
        "en": "The recorded `{table}` table is not published: it carries no firm counts, so it "
              "cannot be checked (record it with `n_treated` or `n_units`).",
        "ko": "기록된 `{table}` 표는 기업 수가 없어 점검할 수 없으므로 공개하지 않습니다"
              "(`n_treated` 또는 `n_units`와 함께 기록하십시오)."},
    "suppressed_cell": {"en": "suppressed", "ko": "비공개"},
    # figure captions
    "cap_headline": {
        "en": "The programme's before/after claim (hollow diamonds, evidence level 1 of 5) against "
              "the difference-in-differences estimate (dots with 95% intervals, level 3 of 5), "
              "in percent.",
        "ko": "사업 측 전후 비교 주장(빈 마름모, 근거 수준 1/5)과 이중차분 추정치(점과 95% "
              "신뢰구간, 근거 수준 3/5), 단위 %."},
    "cap_levels": {
        "en": "The same comparison for rates and shares (percentage points) and other level "
              "outcomes, one panel each.",
        "ko": "비율·비중 지표(%p)와 기타 수준 지표에 대한 같은 비교, 지표별 패널."},
    "cap_event": {
        "en": "Callaway-Sant'Anna effects by years since participation (95% pointwise "
              "intervals); years before 0 check for pre-existing differences in trends.",
        "ko": "참여 후 연수별 Callaway-Sant'Anna 효과(95% 개별 신뢰구간). 0 이전 연도는 참여 전 "
              "추세 차이를 점검합니다."},
    "cap_regional": {
        "en": "Gap between Gwangyang and its synthetic control (a weighted mix of other cities "
              "that tracks Gwangyang before the programme).",
        "ko": "광양시와 합성 광양시(사업 전 광양시의 추이를 따라가도록 가중한 다른 도시들의 조합)의 "
              "격차."},
    "cap_cba": {
        "en": "Costs by payer, benefits and net present value (with 95% simulation intervals), "
              "and how the net present value moves when each assumption goes to the end of its "
              "range.",
        "ko": "부담 주체별 비용, 편익, 순현재가치(95% 모의실험 구간)와 각 가정을 범위의 끝값으로 "
              "바꿀 때 순현재가치의 변화."},
    "cap_balance": {
        "en": "Standardised mean differences of baseline covariates between participants and "
              "comparison firms, before and after matching (dotted and dashed lines: 0.1 and 0.25).",
        "ko": "참여 기업과 비교 기업 간 기준 공변량의 표준화 평균 차이, 매칭 전후(점선과 파선: 0.1, "
              "0.25)."},
    "figure_missing": {"en": "[figure not drawn]", "ko": "[그림 없음]"},
    # provenance
    "no_manifest": {"en": "No manifest.json in `{folder}`: batch provenance unavailable.",
                    "ko": "`{folder}`에 manifest.json이 없어 배치 재현 정보를 표시할 수 없습니다."},
    "memo_inputs": {"en": "memo inputs", "ko": "메모 입력"},
    "pdf_note": {"en": "PDF not written: {why}.", "ko": "PDF를 만들지 않았습니다: {why}."},
}

_DESIGNS = {
    "before_after": {"en": "Before/after, participants only", "ko": "참여 기업 전후 비교"},
    "twfe": {"en": "Two-way fixed effects (benchmark, biased with staggered entry)",
             "ko": "이원고정효과 (참고용, 단계적 참여 시 편의)"},
    "callaway_santanna": {"en": "Difference-in-differences (Callaway-Sant'Anna)",
                          "ko": "이중차분 (Callaway-Sant'Anna)"},
    "imputation": {"en": "Difference-in-differences (imputation, BJS)",
                   "ko": "이중차분 (대체 추정, BJS)"},
}
_HORIZONS = {
    "post average": {"en": "average after entry", "ko": "참여 후 평균"},
    "event": {"en": "year {h} after entry", "ko": "참여 {h}년 후"},
}


def _check_lang(lang: str) -> str:
    if lang not in ("en", "ko"):
        raise SpecError(f"`lang` must be 'en' or 'ko'; got {lang!r}.")
    return lang


def text(key: str, lang: str, **fields) -> str:
    """The memo sentence ``key`` in ``lang`` with ``fields`` filled in."""
    return TEXT[key][_check_lang(lang)].format(**fields)


def outcome_label(outcome: str, lang: str) -> str:
    """The outcome's label in ``lang``; its column name when no label exists."""
    return label(outcome, lang) if outcome in LABELS else outcome


def family_label(outcome: str, lang: str) -> str:
    """The label of the outcome's family (productivity, costs, ...), or the outcome's own."""
    for family, members in FAMILIES.items():
        if outcome in members and family in LABELS:
            return label(family, lang)
    return outcome_label(outcome, lang)


def design_label(estimator: str, horizon: str, lang: str) -> str:
    """Design and horizon of a comparison row, e.g. 'Difference-in-differences ..., year 1'."""
    design = _DESIGNS.get(estimator, {}).get(lang, estimator)
    if horizon == "post average":
        when = _HORIZONS["post average"][lang]
    else:
        when = _HORIZONS["event"][lang].format(h=horizon)
    return f"{design}, {when}"


def format_number(value: float, digits: int = 3) -> str:
    """A number with ``digits`` significant figures and a sign; the Unicode minus is avoided."""
    if not np.isfinite(value):
        return ""
    magnitude = abs(value)
    decimals = 0 if magnitude == 0 else max(0, digits - 1 - int(np.floor(np.log10(magnitude))))
    return f"{value:+,.{min(decimals, 6)}f}"


def format_effect(value: float, *, scale: str, outcome: str, lang: str) -> str:
    """An effect as the memo writes it: ``+6.0%``, ``+0.24 pp`` (``+0.24%p``) or ``+3.1``."""
    if not np.isfinite(value):
        return ""
    if scale == "percent":
        return f"{value:+.1f}%"
    if outcome in SHARE_OUTCOMES:
        return f"{100 * value:+.2f}" + (" pp" if _check_lang(lang) == "en" else "%p")
    return format_number(value)


def format_interval(low: float, high: float, *, scale: str, outcome: str, lang: str) -> str:
    """A 95% interval written as ``+3.5% to +8.6%`` (``+3.5% ~ +8.6%``)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return ""
    joint = " to " if _check_lang(lang) == "en" else " ~ "
    return joint.join(format_effect(v, scale=scale, outcome=outcome, lang=lang) for v in (low, high))
