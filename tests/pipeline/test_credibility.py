"""assess_credibility: inference panel, matched sample, sensitivity and power in one call."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import hubeval as hb
from hubeval.pipeline.credibility import sensitivity_inputs


@pytest.fixture(scope="module")
def credibility(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.assess_credibility(example_panel, outcome="log_va_per_worker",
                                     covariates=["posco_supplier", "metal"], anticipation=1,
                                     n_boot=199, n_permutations=99, seed=3)


def test_every_piece_is_there(credibility):
    assert credibility.inference is not None and credibility.matching is not None
    assert credibility.sensitivity is not None and credibility.power is not None
    terms = credibility.estimates["term"].tolist()
    assert terms[0] == "matched sample: ATT simple"
    assert terms[1] == "Rambachan-Roth breakdown M-bar (average effect)"
    assert any(t.startswith("MDE (one cohort") for t in terms)
    out = json.loads(json.dumps(credibility.to_dict()))
    # the per-firm matches are confidential: left out by field metadata; nested results in full
    assert set(out) == {"type", "estimates", "inference", "sensitivity", "power", "spec", "warnings"}
    assert out["inference"]["type"] == type(credibility.inference).__name__


def test_matched_sample_estimate_is_near_the_truth(credibility):
    truth = 0.056  # true simple ATT on the example data (truth.json), log points
    row = credibility.estimates.iloc[0]
    assert abs(row.estimate - truth) < 3 * row.std_error


def test_sensitivity_uses_the_average_post_effect_without_the_anticipation_window(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = hb.att_gt(example_panel, outcome="log_va_per_worker", control="not_yet_treated",
                       anticipation=1, base_period="universal")
        study = hb.aggregate(gt, by="event_time")
    beta, vcov, n_pre, n_post, l_vec = sensitivity_inputs(study, anticipation=1, max_lead=5)
    table = study.estimates
    assert n_pre == 3  # leads -5, -4, -3; -2 is the reference, -1 the anticipation window
    assert n_post == int((table.event_time >= 0).sum())
    np.testing.assert_allclose(beta[n_pre:], table.loc[table.event_time >= 0, "estimate"])
    assert l_vec.sum() == pytest.approx(1.0) and vcov.shape == (n_pre + n_post, n_pre + n_post)


def test_statements_explain_missing_pieces(credibility):
    assert credibility.power_statement == credibility.power.statement
    broken = type(credibility)(credibility.estimates, None, None, None, None, None, credibility.spec,
                               ("power not available: `sd` must be positive; got nan.",))
    assert broken.power_statement == "power not available: `sd` must be positive; got nan."
    assert broken.sensitivity_statement == "sensitivity not available."


def _panel_result(treated, control, p_values, draws=99, exact=False):
    import pandas as pd

    from hubeval.inference._ri_panel import advice
    methods = ["conventional (influence function, normal)", f"small-sample cluster (t, {treated + control - 1} df)",
               "wild (multiplier) bootstrap-t", "randomization inference" + (" (exact)" if exact else "")]
    table = pd.DataFrame({"method": methods, "term": "ATT", "estimate": 0.05, "std_error": 0.02,
                          "statistic": 2.5, "p_value": p_values, "conf_low": 0.01, "conf_high": 0.09,
                          "draws": [0, 0, 999, draws]})
    min_p = 1 / draws if exact else 1 / (draws + 1)
    return hb.InferencePanelResult(table, advice(table, treated, control, min_p, 0.05), treated, control,
                                   {"alpha": 0.05})


@pytest.mark.parametrize("treated, p_values, draws, exact", [
    (3, [0.01, 0.02, 0.2, 0.3], 10, True),     # few clusters, disagreement, RI cannot reach 5%
    (12, [0.01, 0.02, 0.03, 0.04], 99, False),  # some clusters, all agree
    (69, [0.01, 0.01, 0.01, 0.05], 19, False),  # many clusters, disagreement
])
def test_inference_statement_follows_the_panels_own_rule(treated, p_values, draws, exact):
    from hubeval.pipeline.credibility import inference_sentence
    panel = _panel_result(treated, 500, p_values, draws, exact)
    assert inference_sentence(panel, "en") == panel.advice  # one rule, two languages
    korean = inference_sentence(panel, "ko")
    assert f"처리 클러스터 {treated}개와 비교 클러스터 500개" in korean
    assert not any(word in korean for word in ("bootstrap", "conventional", "randomization", "clusters"))


def test_korean_inference_statement_text():
    from hubeval.pipeline.credibility import inference_sentence
    panel = _panel_result(3, 40, [0.01, 0.02, 0.2, 0.3], 10, True)
    assert inference_sentence(panel, "ko") == (
        "처리 클러스터 3개와 비교 클러스터 40개뿐이어서 군집에 기초한 p값(관행적 추론, 소표본 추론, 와일드 "
        "부트스트랩까지, MacKinnon & Webb 2017)은 모두 믿기 어렵습니다. 참여가 (층 안에서) 대상 기업 "
        "사이에 무작위와 다름없이 이루어졌다면 정확한 무작위화 추론을 신뢰하십시오. 유의수준 5%에서 "
        "방법들의 결론이 엇갈립니다(관행적 추론: 0.010, 소표본 군집 추론: 0.020, 와일드(승수) "
        "부트스트랩-t: 0.200, 무작위화 추론: 0.300). 가장 작은 값이 아니라 신뢰할 수 있는 값을 "
        "보고하십시오. 이 자료에서는 무작위화 추론이 p < 0.05에 도달할 수 없습니다(달성 가능한 최소 p = "
        "0.100). 가능한 배정이 너무 적습니다.")
