"""The memo's credibility reporting: joint cost-benefit draws, power and robustness read from records."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from tests.report.test_memo import (
    comparison,
    event_study,
    firm_data,
    inference_table_rows,
    ledger,
    make_batch,
    write_run,
)

COSTS = pd.DataFrame({"cohort": [2011], "payer": ["posco"], "item": ["consulting"],
                      "quantity": [400.0], "unit": ["day"], "unit_cost_krw": [500_000.0],
                      "amount_krw": [2e8], "price_year": [2011]})
BASE = {"cohort": 2011, "n_firms": 20, "value_added_krw": 4e9}


def effects(se=0.03):
    return pd.DataFrame({"event_time": [0, 1, 2, 3], "estimate": [0.02, 0.03, 0.04, 0.05],
                         "std_error": se})


def correlated(se=0.03, rho=0.8):
    return se ** 2 * (rho * np.ones((4, 4)) + (1 - rho) * np.eye(4))


def width(res, term="bcr"):
    row = res.estimates.set_index("term").loc[term]
    return row["conf_high"] - row["conf_low"]


def test_positively_correlated_errors_widen_the_bcr_interval():
    kw = {"baseline": BASE, "n_sim": 4000, "seed": 3}
    indep = hb.cost_benefit(COSTS, effects(), **kw)
    joint = hb.cost_benefit(COSTS, effects(), vcov=correlated(), **kw)
    assert width(joint) > 1.5 * width(indep)
    assert joint.spec["vcov"] == "given" and indep.spec["vcov"] == "independent"
    # the diagonal covariance is exactly the independent case (same draws, same seed)
    diag = hb.cost_benefit(COSTS, effects(), vcov=np.diag(np.full(4, 0.03 ** 2)), **kw)
    pd.testing.assert_frame_equal(diag.draws, indep.draws)


def test_tornado_effect_bar_matches_the_simulation_interval():
    for vcov in (None, correlated()):
        sim = hb.cost_benefit(COSTS, effects(), baseline=BASE, vcov=vcov, n_sim=20000, seed=5)
        sens = hb.cba_sensitivity(COSTS, effects(), baseline=BASE, vcov=vcov)
        bar = sens.estimates.query("term == 'effect'").set_index("scenario")["bcr"]
        row = sim.estimates.set_index("term").loc["bcr"]
        # to first order (benefits are nearly linear in the path): within 3% of the width
        tolerance = 0.03 * (row["conf_high"] - row["conf_low"])
        assert bar["low"] == pytest.approx(row["conf_low"], abs=tolerance)
        assert bar["high"] == pytest.approx(row["conf_high"], abs=tolerance)
    # exact: positive correlation moves the bar's ends strictly outwards
    narrow = hb.cba_sensitivity(COSTS, effects(), baseline=BASE).estimates
    wide = hb.cba_sensitivity(COSTS, effects(), baseline=BASE, vcov=correlated()).estimates
    span = lambda t: np.ptp(t.query("term == 'effect'")["bcr"])  # noqa: E731
    assert span(wide) > span(narrow)


def vcov_records(outcome, path, se=0.01, rho=0.5):
    times = np.arange(-3, len(path) - 3)
    rows = [(outcome, "vcov", a, b, se ** 2 * (1.0 if a == b else rho)) for a in times for b in times]
    return pd.DataFrame(rows, columns=["outcome", "term", "event_time", "event_time_other",
                                       "covariance"])


def test_memo_cost_benefit_draws_from_the_recorded_covariance(tmp_path):
    from tests.report.test_memo import VA_PATH

    folder = make_batch(tmp_path)
    write_run(folder, "11_vcov", {"event_study_vcov": vcov_records("log_va_per_worker", VA_PATH)})
    hb.write_store(folder, hb.collect_store(folder))
    results = hb.load_batch_results(folder)
    cba = hb.memo_cost_benefit(results, firm_data(), costs=ledger(), n_sim=300, seed=7)
    assert cba.spec["vcov"] == "joint" and cba.result.spec["vcov"] == "given"
    matrix = hb.store.readers.event_study_vcov(results, "log_va_per_worker", [0, 1, 2, 3])
    assert matrix.shape == (4, 4) and matrix.iloc[0, 1] == pytest.approx(0.5e-4)
    indep = hb.memo_cost_benefit(hb.load_batch_results(make_batch(tmp_path / "plain")), firm_data(),
                                 costs=ledger(), n_sim=300, seed=7)
    assert indep.spec["vcov"] == "independent"
    assert cba.result.npv == pytest.approx(indep.result.npv)
    assert width(cba.result) > width(indep.result)
    en = hb.build_memo(results, cba=cba, lang="en").cba_text
    assert any("draw the whole effect path from the joint distribution" in s for s in en)


def test_no_near_certainty_when_the_headline_interval_includes_zero(tmp_path):
    folder = make_batch(tmp_path)
    # the productivity run's headline interval now includes zero
    results = hb.load_batch_results(folder)
    table = results.estimates.copy()
    pick = ((table["outcome"] == "log_va_per_worker") & (table["record"] == "comparison")
            & (table["estimator"] == "callaway_santanna") & (table["term"] == "att"))
    assert pick.sum() == 1
    table.loc[pick, ["conf_low", "conf_high"]] = [-1.0, 8.6]
    results = dataclasses.replace(results, estimates=table)
    cba = hb.memo_cost_benefit(results, firm_data(), costs=ledger(), n_sim=200, seed=7)
    assert cba.result.prob_bcr_above_1 > 0.9  # the simulation alone would suggest near-certainty
    for lang in ("en", "ko"):
        memo = hb.build_memo(results, cba=cba, lang=lang)
        said = " ".join([*memo.findings, *memo.cba_text])
        assert ("Benefits exceed costs in" if lang == "en" else "에서 편익이 비용보다 큽니다.") \
            not in said
    en = " ".join(hb.build_memo(results, cba=cba, lang="en").cba_text)
    assert ("The confidence interval of the headline effect includes zero, so the data cannot rule "
            "out that the programme had no effect and no benefits;") in en
    assert "does not make net benefits likely, let alone near-certain." in en
    assert "The estimated years alone cover the costs, whatever happens afterwards." not in en


def test_cover_sentence_is_qualified_when_the_effect_includes_zero():
    from hubeval.report.cba_text import describe_cba

    costs = pd.DataFrame([{"cohort": 2011, "payer": "city", "item": "mentoring", "quantity": 10.0,
                           "unit": "day", "unit_cost_krw": 1e6, "amount_krw": 1e7, "price_year": 2011}])
    effects = pd.DataFrame({"event_time": [0, 1], "estimate": [0.05, 0.05], "std_error": [0.02, 0.02]})
    result = hb.cost_benefit(costs, effects, n_sim=50, seed=1,
                             baseline={"cohort": 2011, "n_firms": 20, "value_added_krw": 40e9,
                                       "employment": 800})
    assert result.value("break_even_persistence") == 0
    sure = describe_cba(result, lang="en")
    unsure = describe_cba(result, lang="en", effect_includes_zero=True)
    assert "The estimated years alone cover the costs, whatever happens afterwards." in sure
    assert ("At the point estimates the estimated years alone would cover the costs, but the effect "
            "itself is not distinguishable from zero.") in unsure
    assert "점추정치 기준으로는" in " ".join(describe_cba(result, lang="ko", effect_includes_zero=True))


def test_memo_reports_inference_panel_and_sensitivity_for_headline_outcomes(tmp_path):
    results = hb.load_batch_results(make_batch(tmp_path))
    en, ko = (hb.build_memo(results, lang=lang) for lang in ("en", "ko"))
    table = en.inference
    assert list(table.columns) == ["Outcome", "Inference", "Effect", "95% confidence interval",
                                   "p-value"]
    assert table["Inference"].tolist() == [
        "Analytic SE from the influence functions (normal)", "Small-sample cluster (t)",
        "Wild (multiplier) bootstrap-t", "Randomization inference"]
    # log points on the memo's percent scale: 100 (exp(0.0583) - 1) = +6.0%
    assert table["Effect"].tolist() == ["+6.0%"] * 4
    assert table["p-value"].tolist() == ["0.001", "0.002", "0.004", "0.010"]
    assert en.robustness[0] == (
        "Sensitivity (Log value added per worker): the average effect after entry stays significant "
        "at the 5% level only as long as violations of parallel trends after entry are at most 0.60 "
        "times the largest one before entry (breakdown M-bar); it does not survive violations as "
        "large as the worst seen before entry, so it rests on parallel trends holding closely.")
    assert en.robustness[1].startswith("Sensitivity (Cost ratio): the Rambachan-Roth analysis was not")
    assert len(ko.robustness) == len(en.robustness) and "0.60배" in ko.robustness[0]
    assert ko.inference.shape == table.shape
    assert "inference" in en.checks and not en.checks["inference"].table["suppressed"].any()
    assert ("Robustness: of 1 significant headline effects, 1 stay significant at the 5% level under "
            "every inference method (small-sample, wild bootstrap, randomization inference), and 0 "
            "survive violations of parallel trends after entry as large as the largest one before "
            "entry (Rambachan-Roth breakdown M-bar from 0.60 to 0.60).") in en.findings
    assert any(f.startswith("견고성: 유의한 핵심 효과 1개 중 1개는") for f in ko.findings)


def test_inference_rows_on_few_firms_are_suppressed(tmp_path):
    folder = make_batch(tmp_path)
    write_run(folder, "12_small", {
        "comparison": comparison("log_sales", scale="percent", naive=3.0, cs=1.0, low=0.5, high=1.5,
                                 n_all=3),
        "event_study": event_study("log_sales", [0.0, 0.0, 0.0, 0.01, 0.01]),
        "inference_panel": inference_table_rows("log_sales")})
    hb.write_store(folder, hb.collect_store(folder))
    memo = hb.build_memo(hb.load_batch_results(folder), lang="en")
    rows = memo.inference[memo.inference["Outcome"] == "log_sales"]
    assert len(rows) == 4 and set(rows["Effect"]) == {"suppressed"}
