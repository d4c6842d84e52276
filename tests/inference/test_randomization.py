"""Tests of hubeval.inference.randomization: kernels equal the estimators, exact enumeration, strata, seeds, errors,
the inference panel; slow size study."""
from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import SpecError
from hubeval.inference.method_panel import inference_panel
from hubeval.inference.randomization import (
    cs_simple_statistic,
    randomization_inference,
    twfe_statistic,
)


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def make_panel(n=300, seed=1, **kw):
    sim = hb.simulate_panel(n, seed=seed, **kw)
    return quiet(hb.Panel, sim.data, unit="firm_id", time="year", cohort="cohort")


@pytest.fixture(scope="module")
def panel():
    return make_panel()


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_cs_kernel_equals_att_gt_simple(panel, control):
    stat = cs_simple_statistic(panel, outcome="y", control=control)
    agg = quiet(hb.aggregate, quiet(hb.att_gt, panel, outcome="y", control=control), by="simple")
    assert stat.value(stat.cohorts) == pytest.approx(agg.overall["estimate"], rel=1e-10)


def test_cs_kernel_equals_att_gt_with_weights(panel):
    w = panel.data.groupby("firm_id")["x"].transform("first") + 0.5
    p = quiet(panel.with_data, panel.data.assign(w=w), outcomes=["y", "w"])
    stat = cs_simple_statistic(p, outcome="y", weights="w")
    agg = quiet(hb.aggregate, quiet(hb.att_gt, p, outcome="y", weights="w"), by="simple")
    assert stat.value(stat.cohorts) == pytest.approx(agg.overall["estimate"], rel=1e-10)


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_cs_kernel_equals_att_gt_on_unbalanced_panel(control):
    sim = hb.simulate_panel(300, seed=6, missing_share=0.08)
    p = quiet(hb.Panel, sim.data, unit="firm_id", time="year", cohort="cohort")
    stat = cs_simple_statistic(p, outcome="y", control=control)
    agg = quiet(hb.aggregate, quiet(hb.att_gt, p, outcome="y", control=control), by="simple")
    assert stat.value(stat.cohorts) == pytest.approx(agg.overall["estimate"], rel=1e-10)
    assert stat.value(stat.cohorts, effect_of=stat.cohorts) == pytest.approx(1.0)


def test_twfe_kernel_equals_twfe(panel):
    stat = twfe_statistic(panel, outcome="y")
    assert stat.value(stat.cohorts) == pytest.approx(quiet(hb.twfe, panel, outcome="y").estimates["estimate"].iloc[0],
                                                     rel=1e-9)


def unbalanced_panel(late=False):
    """Unbalanced panel with firm weights; ``late``: some firms enter after the last year (2019, 2020)."""
    data = hb.simulate_panel(300, seed=6, missing_share=0.08).data
    data = data.assign(w=data.groupby("firm_id")["x"].transform("first") + 0.5)
    if late:
        firms = data.loc[data["cohort"] == 2016, "firm_id"].unique()
        data.loc[data["firm_id"].isin(firms[:8]), "cohort"] = 2019.0
        data.loc[data["firm_id"].isin(firms[8:]), "cohort"] = 2020.0
    return quiet(hb.Panel, data, unit="firm_id", time="year", cohort="cohort")


@pytest.mark.parametrize("anticipation", [1, 2])
@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("late", [False, True])
def test_cs_kernel_equals_att_gt_with_anticipation(anticipation, control, late):
    p = unbalanced_panel(late)
    for weights in (None, "w"):
        stat = cs_simple_statistic(p, outcome="y", control=control, weights=weights, anticipation=anticipation)
        gt = quiet(hb.att_gt, p, outcome="y", control=control, weights=weights, anticipation=anticipation)
        assert stat.value(stat.cohorts) == pytest.approx(
            quiet(hb.aggregate, gt, by="simple").overall["estimate"], rel=1e-10)
        assert stat.value(stat.cohorts, effect_of=stat.cohorts) == pytest.approx(1.0)
    # Anticipation moves the base year, so the estimate changes.
    assert stat.value(stat.cohorts) != pytest.approx(
        cs_simple_statistic(p, outcome="y", control=control, weights="w").value(stat.cohorts), rel=1e-6)


def test_cs_kernel_equals_att_gt_without_never_participants():
    p = unbalanced_panel(late=True)
    p = quiet(p.with_data, p.data[np.isfinite(p.data["cohort"])])
    for anticipation in (0, 1, 2):
        stat = cs_simple_statistic(p, outcome="y", control="not_yet_treated", anticipation=anticipation)
        gt = quiet(hb.att_gt, p, outcome="y", control="not_yet_treated", anticipation=anticipation)
        assert stat.value(stat.cohorts) == pytest.approx(
            quiet(hb.aggregate, gt, by="simple").overall["estimate"], rel=1e-10)


@pytest.mark.parametrize("anticipation", [0, 1, 2])
def test_twfe_kernel_equals_twfe_benchmark_unbalanced(anticipation):
    """The kernel is the TWFE benchmark of evaluate_outcome: post plus an anticipation-window dummy."""
    from hubeval.did.fixed_effects import covariate_year_effects
    from hubeval.did.fixed_effects import twfe_treatments as _twfe_treatments
    p = unbalanced_panel()
    bench_panel, treatment = _twfe_treatments(p, anticipation)
    trended, trends = covariate_year_effects(bench_panel, ["x"], "y")
    for weights, covariates, data in ((None, None, bench_panel), ("w", None, bench_panel), ("w", trends, trended)):
        stat = twfe_statistic(data, outcome="y", weights=weights, covariates=covariates, anticipation=anticipation)
        fit = quiet(hb.twfe, data, outcome="y", weights=weights, covariates=covariates, **treatment)
        head = fit.estimates.iloc[0]
        assert head["term"] == "post"
        assert stat.value(stat.cohorts) == pytest.approx(head["estimate"], rel=1e-9)
        assert stat.value(stat.cohorts, effect_of=stat.cohorts) == pytest.approx(1.0)


def test_kernels_are_linear_in_the_outcome(panel):
    stat = cs_simple_statistic(panel, outcome="y")
    # The statistic computed on the treatment indicator of the actual assignment is exactly 1.
    assert stat.value(stat.cohorts, effect_of=stat.cohorts) == pytest.approx(1.0)


def test_callable_path_agrees_with_kernel():
    p = make_panel(60, seed=4, cohorts=(2011, 2012))
    kernel = twfe_statistic(p, outcome="y")
    fast = randomization_inference(p, kernel, n_permutations=29, seed=3)
    slow = randomization_inference(p, lambda q: hb.twfe(q, outcome="y"), n_permutations=29, seed=3)
    np.testing.assert_allclose(fast.distribution, slow.distribution, rtol=1e-8)
    assert fast.estimates["p_value"].iloc[0] == slow.estimates["p_value"].iloc[0]


def test_callable_path_agrees_with_kernel_with_anticipation():
    p = make_panel(60, seed=4, cohorts=(2011, 2012), missing_share=0.05)
    kernel = cs_simple_statistic(p, outcome="y", control="not_yet_treated", anticipation=1)
    fast = randomization_inference(p, kernel, n_permutations=19, seed=3)
    slow = randomization_inference(p, lambda q: hb.aggregate(hb.att_gt(
        q, outcome="y", control="not_yet_treated", anticipation=1), by="simple"), n_permutations=19, seed=3)
    np.testing.assert_allclose(fast.distribution, slow.distribution, rtol=1e-8)
    assert fast.spec["anticipation"] == 1


def test_exact_enumeration_small_design():
    rows = [(f"F{i}", year, cohort, float(i) + (year >= 2012) * (cohort == 2012) * 1.0)
            for i, cohort in enumerate([2012, 2012, 0, 0, 0, 0]) for year in range(2009, 2015)]
    data = pd.DataFrame(rows, columns=["firm", "year", "cohort", "y"])
    data["y"] += np.random.default_rng(1).normal(0, 0.1, len(data))
    p = quiet(hb.Panel, data, unit="firm", time="year", cohort="cohort")
    res = randomization_inference(p, cs_simple_statistic(p, outcome="y"), n_permutations=999)
    row = res.estimates.iloc[0]
    assert row["exact"] and row["n_permutations"] == math.comb(6, 2) == 15
    assert row["min_p_value"] == pytest.approx(1 / 15)
    assert row["p_value"] == pytest.approx(1 / 15)  # the real assignment is the most extreme


def test_assignment_count_is_exact_when_small_and_in_log_space_always(panel):
    ri = randomization_inference(panel, cs_simple_statistic(panel, outcome="y"), n_permutations=19, seed=1)
    counts = panel.unit_cohorts.value_counts().to_numpy()  # 300 firms: 90 participants in 6 cohorts
    exact_log10 = math.lgamma(301) / math.log(10) - sum(math.lgamma(c + 1) for c in counts) / math.log(10)
    assert ri.spec["log10_n_assignments"] == pytest.approx(exact_log10, rel=1e-12)
    assert ri.spec["n_assignments"] is None  # about 1e200: far too many to enumerate or to store
    small = randomization_inference(panel, cs_simple_statistic(panel, outcome="y"), n_permutations=19,
                                    strata="x", seed=1)
    assert small.spec["log10_n_assignments"] < exact_log10  # strata only permute within themselves


def test_randomization_inference_on_a_register_with_more_than_1e308_assignments():
    """3,000 firms with 180 participants (issue 15): the count overflowed float and crashed."""
    big = make_panel(3000, seed=2, treated_share=0.06)
    assert int(np.isfinite(big.unit_cohorts.to_numpy(float)).sum()) == 180
    ri = randomization_inference(big, cs_simple_statistic(big, outcome="y"), n_permutations=19, seed=3)
    row = ri.estimates.iloc[0]
    assert not row["exact"] and row["n_permutations"] == 19 and row["min_p_value"] == pytest.approx(1 / 20)
    assert ri.spec["log10_n_assignments"] > 308 and ri.spec["n_assignments"] is None
    import json
    assert json.loads(json.dumps(ri.to_dict()))["spec"]["log10_n_assignments"] > 308


def test_assignment_count_exact_when_small():
    from hubeval.inference._ri_assignments import log10_n_assignments, n_assignments
    cohorts = np.array([2012.0, 2012.0, 2013.0, np.inf, np.inf, np.inf, np.inf])
    mask, strata = np.ones(7, bool), np.zeros(7)
    log10 = log10_n_assignments(cohorts, mask, strata)
    assert log10 == pytest.approx(math.log10(105))
    assert n_assignments(cohorts, mask, strata, log10) == math.factorial(7) // (2 * 1 * 24) == 105


def test_strata_preserve_counts_and_seed_reproducible(panel):
    data = panel.data.assign(sector=lambda d: np.where(d["x"] == 1, "metal", "other"))
    p = quiet(panel.with_data, data)
    stat = cs_simple_statistic(p, outcome="y")
    from hubeval.inference._ri_assignments import random_assignments
    from hubeval.inference.randomization import _strata_codes
    strata = _strata_codes(p, stat.units, "sector")
    mask = np.ones(len(stat.units), bool)
    for new in random_assignments(stat.cohorts, mask, strata, 5, np.random.default_rng(1)):
        for s in np.unique(strata):
            a, b = np.sort(new[strata == s]), np.sort(stat.cohorts[strata == s])
            np.testing.assert_array_equal(a, b)
    r1 = randomization_inference(p, stat, n_permutations=99, strata="sector", seed=5)
    r2 = randomization_inference(p, stat, n_permutations=99, strata="sector", seed=5)
    np.testing.assert_array_equal(r1.distribution, r2.distribution)


def test_null_p_value_not_small_and_effect_detected():
    null = make_panel(200, seed=2, effect=0.0)
    res = randomization_inference(null, cs_simple_statistic(null, outcome="y"), n_permutations=499, seed=1)
    assert res.estimates["p_value"].iloc[0] > 0.01
    low, high = res.estimates[["conf_low", "conf_high"]].iloc[0]
    assert low < 0 < high or res.estimates["p_value"].iloc[0] <= 0.05
    strong = make_panel(200, seed=2, effect=0.2)
    res = randomization_inference(strong, cs_simple_statistic(strong, outcome="y"), n_permutations=499, seed=1)
    assert res.estimates["p_value"].iloc[0] == pytest.approx(1 / 500)


def test_errors(panel):
    data = panel.data
    lone = data.loc[np.isfinite(data["cohort"]), "firm_id"].iloc[0]
    p = quiet(panel.with_data, data.assign(sector=np.where(data["firm_id"] == lone, "ships", "metal")))
    stat = cs_simple_statistic(p, outcome="y")
    with pytest.raises(SpecError, match=re.escape(
            f"`strata`: 1 stratum/strata hold a single eligible firm, a participant ({lone}); its "
            "assignment cannot vary")):
        randomization_inference(p, stat, strata="sector")
    with pytest.raises(SpecError, match=re.escape("`eligible` leaves out 1 participant(s), e.g. " + lone)):
        randomization_inference(p, stat, eligible=[u for u in p.units if u != lone])
    with pytest.raises(SpecError, match=re.escape("`n_permutations` must be an integer >= 19")):
        randomization_inference(p, stat, n_permutations=10)
    for bad in (-1, 1.5, True):
        message = (f"`anticipation` must be a whole number of years >= 0 (how many years before entry "
                   f"firms may already react); got {bad!r}.")
        with pytest.raises(SpecError, match=re.escape(message)):
            cs_simple_statistic(p, outcome="y", anticipation=bad)
        with pytest.raises(SpecError, match=re.escape(message)):
            twfe_statistic(p, outcome="y", anticipation=bad)
        with pytest.raises(SpecError, match=re.escape(message)):
            inference_panel(p, outcome="y", anticipation=bad)


@pytest.mark.parametrize("estimator", ["att_gt", "twfe"])
def test_inference_panel(estimator):
    p = make_panel(200, seed=3, treated_share=0.1, cohorts=(2011, 2012, 2013))
    res = quiet(inference_panel, p, outcome="y", estimator=estimator, n_boot=999, n_permutations=199, seed=1)
    table = res.estimates
    assert table["method"].str.startswith("randomization").iloc[-1]
    assert np.ptp(table["estimate"]) < 1e-9
    assert res.n_treated_clusters == 20 and res.n_control_clusters == 180
    assert res.advice.startswith("With 20 treated and 180 control clusters, conventional clustered "
                                 "errors over-reject. Trust the wild")
    assert (table["conf_low"] < table["estimate"]).all() and (table["estimate"] < table["conf_high"]).all()


def test_inference_panel_few_treated_clusters_advice():
    p = make_panel(200, seed=3, treated_share=0.1, cohorts=(2011, 2012, 2013))
    region = p.data["firm_id"].str[-1].map(lambda c: int(c) % 8)
    q = quiet(p.with_data, p.data.assign(region=region))
    res = quiet(inference_panel, q, outcome="y", cluster="region", n_boot=999, n_permutations=199, seed=1)
    assert res.n_treated_clusters + res.n_control_clusters == 8
    assert "conventional clustered errors over-reject" in res.advice
    assert any("Only 8 clusters" in w for w in res.warnings)


@pytest.mark.slow
def test_size_monte_carlo_ri_and_conventional():
    """1,000 null panels, ~20 treated firms: RI rejects 3-7%; reports how often CR1 (normal) does."""
    from scipy import stats
    reps, hits_ri, hits_conv = 1000, 0, 0
    for seed in range(reps):
        p = make_panel(200, seed=seed, effect=0.0, treated_share=0.1, cohorts=(2011, 2012, 2013), rho=0.6)
        stat = cs_simple_statistic(p, outcome="y")
        ri = randomization_inference(p, stat, n_permutations=199, seed=seed).estimates.iloc[0]
        hits_ri += ri["p_value"] <= 0.05
        agg = quiet(hb.aggregate, quiet(hb.att_gt, p, outcome="y"), by="simple").overall
        hits_conv += 2 * stats.norm.sf(abs(agg["statistic"])) < 0.05
    print("rejection at 5%: RI", hits_ri / reps, "conventional", hits_conv / reps)
    assert 0.03 <= hits_ri / reps <= 0.07


@pytest.mark.parametrize("estimator", ["att_gt", "twfe"])
def test_inference_panel_with_matching_weights(estimator):
    p = make_panel(200, seed=5, treated_share=0.15, cohorts=(2011, 2012, 2013))
    sub = quiet(quiet(hb.match, p, method="entropy", covariates=["x"], outcomes=["y"]).to_panel, p)
    res = quiet(inference_panel, sub, outcome="y", estimator=estimator, weights="weight", n_boot=499,
                n_permutations=99, seed=1)
    assert np.ptp(res.estimates["estimate"]) < 1e-9
    assert res.spec["weights"] == "weight"


def test_results_serialise(panel):
    import json
    stat = cs_simple_statistic(panel, outcome="y")
    ri = randomization_inference(panel, stat, n_permutations=49, seed=1)
    out = json.loads(json.dumps(ri.to_dict()))
    assert out["type"] == "RandomizationResult" and "distribution" not in out
    res = quiet(inference_panel, panel, outcome="y", n_boot=199, n_permutations=49, seed=1)
    assert json.loads(json.dumps(res.to_dict()))["advice"] == res.advice


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_inference_panel_anticipation_att_gt_equals_aggregate(control):
    p = unbalanced_panel()
    res = quiet(inference_panel, p, outcome="y", control=control, anticipation=1, n_boot=199,
                n_permutations=49, seed=1)
    gt = quiet(hb.att_gt, p, outcome="y", control=control, anticipation=1)
    overall = quiet(hb.aggregate, gt, by="simple").overall
    # Every row, randomization inference included, reports the anticipation-adjusted estimate.
    np.testing.assert_allclose(res.estimates["estimate"], overall["estimate"], rtol=1e-10)
    assert res.estimates["std_error"].iloc[0] == pytest.approx(overall["std_error"], rel=1e-10)
    assert res.spec["anticipation"] == 1 and res.spec["ri_statistic"] == "kernel"
    unadjusted = quiet(inference_panel, p, outcome="y", control=control, n_boot=199, n_permutations=49, seed=1)
    assert unadjusted.estimates["estimate"].iloc[0] != pytest.approx(overall["estimate"], rel=1e-6)


def test_inference_panel_anticipation_twfe_equals_evaluate_benchmark():
    p = unbalanced_panel()
    res = quiet(inference_panel, p, outcome="y", estimator="twfe", covariates=["x"], anticipation=1,
                n_boot=199, n_permutations=49, seed=1)
    bench = quiet(hb.evaluate_outcome, p, outcome="y", covariates=["x"], anticipation=1).twfe
    head = bench.estimates.iloc[0]
    assert head["term"] == "post" and (res.estimates["term"] == "post").all()
    np.testing.assert_allclose(res.estimates["estimate"], head["estimate"], rtol=1e-9)
    assert res.estimates["std_error"].iloc[0] == pytest.approx(head["std_error"], rel=1e-9)
    assert res.spec["ri_statistic"] == "kernel" and res.spec["covariates"] == ["x"]


def test_inference_panel_covariates_att_gt_refits_for_randomization_inference():
    p = make_panel(120, seed=3, treated_share=0.2, cohorts=(2012, 2013))
    res = quiet(inference_panel, p, outcome="y", covariates="x", anticipation=1, n_boot=199,
                n_permutations=19, seed=1)
    gt = quiet(hb.att_gt, p, outcome="y", covariates=["x"], anticipation=1)
    overall = quiet(hb.aggregate, gt, by="simple").overall
    table = res.estimates
    np.testing.assert_allclose(table["estimate"], overall["estimate"], rtol=1e-10)
    ri = table.iloc[-1]
    assert ri["method"] == "randomization inference (re-fitted)" and ri["draws"] == 19
    assert np.isnan(ri["conf_low"]) and np.isnan(ri["conf_high"]) and 0 < ri["p_value"] <= 1
    assert res.spec["ri_statistic"] == "refit" and res.spec["covariates"] == ["x"]
    assert any(w.startswith("Randomization inference re-fitted att_gt with covariates x on each of the 19 "
                            "re-assigned panels") for w in res.warnings)
    # Without covariates the fast kernel runs, with its randomization interval.
    plain = quiet(inference_panel, p, outcome="y", anticipation=1, n_boot=199, n_permutations=19, seed=1)
    assert plain.spec["ri_statistic"] == "kernel" and np.isfinite(plain.estimates["conf_low"].iloc[-1])
