"""evaluate_outcome(s): the naive claim beside every estimator, on one scale, against the truth."""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.did.fixed_effects import covariate_year_effects
from hubeval.pipeline.evaluate import comparison_scale, family_outcomes

TRUTH = json.loads((Path(__file__).resolve().parents[2] / "data" / "example" / "truth.json").read_text())
SETTINGS = dict(covariates=["posco_supplier", "metal"], anticipation=1, control="not_yet_treated")


@pytest.fixture(scope="module")
def evaluation(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.evaluate_outcomes(example_panel, outcomes=["log_va_per_worker", "cost_ratio"], **SETTINGS)


def true_simple(outcome):
    table = pd.DataFrame(TRUTH["firm"][outcome])
    post = table[table.event_time >= 0]
    return np.average(post.att, weights=post.n_units)


def row(evaluation, outcome, term):
    table = evaluation.estimates
    return table[(table.outcome == outcome) & (table.term == term)].iloc[0]


def test_table_has_every_estimator_with_its_evidence_level(evaluation):
    table = evaluation.estimates
    assert list(table.columns) == ["outcome", "term", "estimator", "horizon", "estimate", "std_error",
                                   "statistic", "p_value", "conf_low", "conf_high", "scale",
                                   "evidence_level", "design", "n_units"]
    levels = table.drop_duplicates("estimator").set_index("estimator")["evidence_level"].to_dict()
    assert levels == {"before_after": 1, "twfe": 3, "callaway_santanna": 3, "imputation": 3}
    assert set(table.scale) == {"percent"}


def test_causal_estimates_recover_the_truth_and_the_naive_claim_does_not(evaluation, example_panel):
    """On the example data, CS and imputation are within 3 SE of the true simple ATT; the naive is not."""
    for outcome in ("log_va_per_worker", "cost_ratio"):
        truth = true_simple(outcome)
        item = evaluation[outcome]
        cs = item.simple.overall
        assert abs(cs["estimate"] - truth) < 3 * cs["std_error"], (outcome, cs, truth)
        imp = item.imputation.overall
        assert abs(imp["estimate"] - truth) < 3 * imp["std_error"], (outcome, imp, truth)
    naive = row(evaluation, "log_va_per_worker", "before/after, event time 1")
    assert naive.estimate > 25 and naive.conf_low > 100 * np.expm1(true_simple("log_va_per_worker")) * 3


def test_percent_conversion_of_log_and_ratio_outcomes(evaluation):
    item = evaluation["log_va_per_worker"]
    cs = item.simple.overall
    converted = row(evaluation, "log_va_per_worker", "ATT simple")
    assert converted.estimate == pytest.approx(100 * np.expm1(cs["estimate"]))
    assert converted.conf_low == pytest.approx(100 * np.expm1(cs["conf_low"]))
    ratio = evaluation["cost_ratio"]
    base = ratio.spec["baseline_mean"]
    assert row(evaluation, "cost_ratio", "ATT simple").estimate == pytest.approx(
        100 * ratio.simple.overall["estimate"] / base)
    assert comparison_scale("dhs_growth") == "level" and comparison_scale("log_employment") == "percent"


def test_reading_is_generated_from_the_numbers(evaluation):
    item = evaluation["log_va_per_worker"]
    cs = row(evaluation, "log_va_per_worker", "ATT simple")
    assert f"{cs.estimate:+.1f}%" in item.reading
    assert "excludes zero" in item.reading and "level 1 of 5" in item.reading
    assert f"(p = {item.pretrend.p_value:.3f})" in item.reading


def test_korean_reading(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        item = hb.evaluate_outcome(example_panel, outcome="cost_ratio", lang="ko", **SETTINGS)
    assert "근거 수준 3/5" in item.reading and "전후 비교" in item.reading


def test_json_round_trip(evaluation):
    out = json.loads(json.dumps(evaluation.to_dict()))
    assert out["type"] == "EvaluationResult" and set(out) == {"type", "estimates", "evaluations", "spec"}
    assert len(out["evaluations"]) == 2 and out["evaluations"][0]["outcome"] == "log_va_per_worker"
    first = out["evaluations"][0]
    assert first["type"] == "OutcomeEvaluationResult"
    assert "group_time" not in first  # per-cell influence functions are left out (field metadata)
    assert first["event_study"]["type"] == "AggregateResult" and first["reading"]
    assert out["spec"]["family"] is None and out["spec"]["outcomes"] == ["log_va_per_worker", "cost_ratio"]
    assert out["spec"]["covariates"] == ["posco_supplier", "metal"] and out["spec"]["n_boot"] == 0


def test_headline_is_the_first_outcome(evaluation):
    assert isinstance(evaluation.headline, hb.OutcomeEvaluationResult)
    assert evaluation.headline is evaluation["log_va_per_worker"]
    assert evaluation.outcomes == ["log_va_per_worker", "cost_ratio"]


def test_outcomes_default_to_the_family():
    assert family_outcomes("costs") == list(hb.FAMILIES["costs"])
    assert family_outcomes("jobs") == ["log_employment", "dhs_growth"]   # not the count net_jobs
    assert family_outcomes("productivity") == ["log_va_per_worker", "log_sales_per_worker"]
    for family, names in hb.pipeline.evaluate.DEFAULT_OUTCOMES.items():
        assert set(names) <= set(hb.FAMILIES[family]) and names[0] == hb.FAMILIES[family][0]
    # named outcomes win over the family's (the family only labels the run)
    assert family_outcomes("costs", ["cost_ratio"]) == ["cost_ratio"]
    assert family_outcomes(None, "cost_ratio") == ["cost_ratio"]


def test_family_errors(example_panel):
    with pytest.raises(hb.SpecError) as info:
        hb.evaluate_outcomes(example_panel)
    assert str(info.value) == ("Name the outcomes to evaluate: `family` (e.g. 'productivity') or "
                               "`outcomes` (e.g. ['log_va_per_worker']).")
    with pytest.raises(hb.PanelError, match=r"^Unknown outcome family `wages`; choose one of "
                                            r"productivity, costs"):
        hb.evaluate_outcomes(example_panel, family="wages")


def test_family_run_evaluates_its_outcomes(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = hb.evaluate_outcomes(example_panel, family="costs", outcomes=["labour_ratio"],
                                      **SETTINGS)
    assert result.outcomes == ["labour_ratio"] and result.spec["family"] == "costs"
    assert set(result.estimates["outcome"]) == {"labour_ratio"}


def test_covariate_year_effects_columns(example_panel):
    panel, names = covariate_year_effects(example_panel, ["metal"])
    assert names == [f"metal_x_{y}" for y in range(2007, 2019)]
    data = panel.data
    metal_2010 = data[(data.year == 2010)]
    assert (metal_2010["metal_x_2010"] == metal_2010["metal"]).all()
    assert (data.loc[data.year != 2010, "metal_x_2010"] == 0).all()
    assert covariate_year_effects(example_panel, []) == (example_panel, [])


def test_twfe_kept_without_pyfixest_model_and_equal_to_a_direct_fit(evaluation, example_panel):
    """The evaluation drops pyfixest's fitted model (its firm-year arrays) but not a number."""
    from hubeval.data.restrict import anticipation_sample
    from hubeval.did.fixed_effects import twfe_treatments
    kept = evaluation["log_va_per_worker"].twfe
    assert kept.fit is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = anticipation_sample(example_panel, "log_va_per_worker", 1)
        trended, trends = covariate_year_effects(sample, SETTINGS["covariates"], "log_va_per_worker")
        panel, treatment = twfe_treatments(trended, 1)
        direct = hb.twfe(panel, outcome="log_va_per_worker", covariates=trends, **treatment)
    assert direct.fit is not None
    pd.testing.assert_frame_equal(kept.estimates, direct.estimates, check_exact=True)
    assert kept.regression.formula == direct.regression.formula
    pd.testing.assert_frame_equal(kept.regression.data, direct.regression.data)


def test_empty_outcomes_is_an_error(example_panel):
    with pytest.raises(hb.SpecError, match=r"^`outcomes` is empty; name at least one outcome"):
        hb.evaluate_outcomes(example_panel, outcomes=[])
    with pytest.raises(hb.SpecError, match=r"^`outcomes` is empty"):
        hb.evaluate_outcomes(example_panel, family="costs", outcomes=[])


def test_unknown_outcome_key(evaluation):
    with pytest.raises(KeyError, match="`wages` was not evaluated; evaluated: log_va_per_worker, cost_ratio"):
        evaluation["wages"]


def test_recorded_warnings_collects_each_message_once():
    import warnings as w

    from hubeval.core.results import recorded_warnings
    with recorded_warnings() as caught:
        caught.append("a note")
        w.warn("twice", hb.DataWarning)
        w.warn("twice", hb.DataWarning)
        w.warn("ignored: not a UserWarning", DeprecationWarning)
    assert caught == ["a note", "twice"]


def test_a_cohort_anticipation_leaves_without_an_untreated_year_is_left_out_and_said(example_panel):
    """Data from 2010: with anticipation=1 cohort 2011 has no untreated year. The run goes on
    without it, says so, and the other cohorts' estimates equal a run on data without it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        short = hb.restrict_sample(example_panel, years=[2010, 2018])
        without = hb.restrict_sample(short, drop_cohorts=[2011])
    settings = dict(outcome="log_va_per_worker", covariates=["posco_supplier", "metal"],
                    anticipation=1, n_boot=0)
    rows = int((short.data["cohort"] == 2011).sum())
    message = (f"Sample restricted (`drop_cohorts=[2011]`): {rows} of {len(short)} rows left out (14 firm(s) "
               "affected, 14 left out entirely), because `anticipation=1` leaves cohort(s) 2011 "
               "(earliest year with `log_va_per_worker` observed: event time -1) without an "
               "untreated year (event times from -1 on may already be affected); the other "
               "cohorts' estimates are unchanged. Add earlier years of data to keep them; lowering "
               "`anticipation` would bias every estimate if firms react before entry.")
    with pytest.warns(hb.DataWarning, match=re.escape(message)):
        result = hb.evaluate_outcome(short, **settings)
    assert message in result.warnings
    assert result.spec["sample"] == {"years": [2010, 2018], "drop_cohorts": [2011]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = hb.evaluate_outcome(without, **settings)
    pd.testing.assert_frame_equal(result.estimates, reference.estimates)
    pd.testing.assert_frame_equal(result.event_study.estimates, reference.event_study.estimates)
    assert 2011 not in result.by_cohort.estimates["cohort"].tolist()


def test_direct_estimators_refuse_and_never_advise_lower_anticipation(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        short = hb.restrict_sample(example_panel, years=[2010, 2018])
    with pytest.raises(hb.SpecError) as caught:
        hb.imputation(short, outcome="log_va_per_worker", anticipation=1)
    text = str(caught.value)
    assert "drop_cohorts=[2011]" in text and "Use anticipation=0" not in text
    assert text.endswith("Do not lower `anticipation` to keep them: if firms react before entry "
                         "(e.g. a pre-entry dip), that biases every estimate.")
