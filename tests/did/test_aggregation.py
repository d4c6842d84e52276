"""Tests of hb.aggregate and hb.pretrend_test: csdid golden agreement, truth, invariants, errors."""
from __future__ import annotations

import json
import pathlib
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import EstimationWarning, SpecError

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"
_SPECS = json.loads((GOLDEN / "csdid_specs.json").read_text())
_WINDOWS = {"all": {}, "min-3_max3": dict(min_event_time=-3, max_event_time=3),
            "balance2": dict(balance=2), "max2": dict(max_event_time=2)}


@pytest.fixture(scope="module")
def golden_fits():
    data = pd.read_csv(GOLDEN / "csdid_data.csv")
    panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return [hb.att_gt(panel, outcome="y", small_sample=False, **spec) for spec in _SPECS["specs"]]


def _quiet_aggregate(gt, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return hb.aggregate(gt, **kwargs)


@pytest.fixture(scope="module")
def simulated():
    sim = hb.simulate_panel(800, years=(2008, 2016), cohorts=(2011, 2012, 2013, 2014), seed=8,
                            effect=0.15, trend_x=0.03, selection_x=1.0, heterogeneity=0.5)
    panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    return sim, hb.att_gt(panel, outcome="y", covariates="x")


# --- reference software: csdid -----------------------------------------------------------------------
@pytest.mark.parametrize("index", range(len(_SPECS["specs"])))
def test_aggregations_match_csdid(golden_fits, index):
    """cohort_shares="estimated" (with att_gt's small_sample=False) reproduces csdid exactly."""
    ref = pd.read_csv(GOLDEN / "csdid_aggregate.csv", dtype={"key": str}).query("spec == @index")
    for by, window, _ in _SPECS["aggregations"]:
        agg = _quiet_aggregate(golden_fits[index], by=by, cohort_shares="estimated", **_WINDOWS[window])
        expected = ref[(ref["by"] == by) & (ref["window"] == window)]
        overall = expected[expected["key"] == "overall"].iloc[0]
        assert agg.overall["estimate"] == pytest.approx(overall["estimate"], abs=1e-6)
        assert agg.overall["std_error"] == pytest.approx(overall["std_error"], abs=1e-6)
        rows = expected[expected["key"] != "overall"]
        if by == "simple":
            assert len(rows) == 0 and len(agg.estimates) == 1
            continue
        key = {"event_time": "event_time", "cohort": "cohort", "calendar": "time"}[by]
        assert agg.estimates[key].tolist() == rows["key"].astype(int).tolist(), (by, window)
        np.testing.assert_allclose(agg.estimates["estimate"], rows["estimate"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(agg.estimates["std_error"], rows["std_error"], atol=1e-6, rtol=0)


def test_default_small_sample_changes_aggregate_standard_errors_only():
    """att_gt's default df correction reaches aggregate() through the stored influence functions."""
    data = pd.read_csv(GOLDEN / "csdid_data.csv")
    panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        fits = [hb.att_gt(panel, outcome="y", control="not_yet_treated", small_sample=flag)
                for flag in (True, False)]
    for by in ("simple", "event_time"):
        new, raw = (_quiet_aggregate(gt, by=by).overall for gt in fits)
        assert new["estimate"] == raw["estimate"]
        smallest = min(fits[0].n_treated.values())
        assert 1 < new["std_error"] / raw["std_error"] <= np.sqrt(smallest / (smallest - 1))


# --- cohort shares: fixed (default) or estimated (R did / csdid) ------------------------------------------
@pytest.mark.parametrize("by", ["simple", "event_time", "cohort", "calendar"])
def test_cohort_shares_change_standard_errors_only(golden_fits, by):
    gt = golden_fits[0]
    fixed, estimated = (_quiet_aggregate(gt, by=by, cohort_shares=c) for c in ("fixed", "estimated"))
    assert fixed.spec["cohort_shares"] == "fixed" and estimated.spec["cohort_shares"] == "estimated"
    assert _quiet_aggregate(gt, by=by).spec["cohort_shares"] == "fixed"  # the default
    np.testing.assert_array_equal(fixed.estimates["estimate"], estimated.estimates["estimate"])
    assert fixed.overall["estimate"] == estimated.overall["estimate"]
    assert fixed.overall["std_error"] != pytest.approx(estimated.overall["std_error"], rel=1e-6)
    if by == "cohort":  # a cohort's own mean has no cohort weights: only the overall row differs
        np.testing.assert_allclose(fixed.estimates["std_error"], estimated.estimates["std_error"], rtol=1e-12)


def _post_weights(gt):
    """Cohort-size weights of the post-entry cells, as aggregate(by="simple") by hand."""
    est = gt.estimates
    post = (est["time"] >= est["cohort"]).to_numpy()
    size = est["cohort"].map(lambda g: gt.n_treated[int(g)]).to_numpy(float) * post
    return size / size.sum()


def test_fixed_cohort_shares_equal_the_weighted_mean_of_cells_with_their_covariance():
    """Fixed weights: estimate w'att and variance w'Vw with V the cells' covariance (no weight term)."""
    sim = hb.simulate_panel(240, years=(2008, 2014), cohorts=(2010, 2011, 2012), seed=11,
                            effect=lambda e: 0.05 + 0.04 * np.clip(e, 0, None))  # effects differ by cohort
    gt = hb.att_gt(hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort"), outcome="y")
    w = _post_weights(gt)
    fixed = hb.aggregate(gt, cohort_shares="fixed").overall
    assert fixed["estimate"] == pytest.approx(w @ gt.estimates["estimate"].to_numpy(), abs=1e-14)
    assert fixed["std_error"] == pytest.approx(np.sqrt(w @ gt.vcov().to_numpy() @ w), rel=1e-12)
    # Estimated shares add the influence function of P(G = g): a firm of cohort g contributes
    # (sum of g's post-cell att - theta x their number) / S, S the sum of P(G = g) over post cells.
    est = gt.estimates.query("time >= cohort")
    total = sum(gt.n_treated[int(g)] for g in est["cohort"]) / gt.n_units
    theta = fixed["estimate"]
    extra = np.zeros(gt.n_units)
    for g, cells in est.groupby("cohort"):
        extra[gt.unit_cohort == g] = (cells["estimate"].sum() - theta * len(cells)) / total
    inf_fixed = gt.influence @ w
    estimated = hb.aggregate(gt, cohort_shares="estimated").overall
    assert estimated["std_error"] == pytest.approx(
        np.sqrt(np.sum((inf_fixed + extra) ** 2)) / gt.n_units, rel=1e-10)


def test_cohort_shares_make_no_difference_with_one_cohort():
    sim = hb.simulate_panel(200, years=(2008, 2014), cohorts=(2011,), seed=5)
    gt = hb.att_gt(hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort"), outcome="y")
    for by in ("simple", "event_time"):
        fixed, estimated = (hb.aggregate(gt, by=by, cohort_shares=c) for c in ("fixed", "estimated"))
        np.testing.assert_allclose(fixed.estimates["std_error"], estimated.estimates["std_error"], rtol=1e-12)


def test_pretrend_test_follows_the_cohort_shares_choice(golden_fits):
    gt = golden_fits[0]
    fixed, estimated = (hb.pretrend_test(gt, cohort_shares=c) for c in ("fixed", "estimated"))
    assert fixed.spec["cohort_shares"] == "fixed" and hb.pretrend_test(gt).spec["cohort_shares"] == "fixed"
    study = _quiet_aggregate(gt, by="event_time", cohort_shares="estimated")
    pre = study.estimates.query("event_time < 0 and event_time >= -5")
    rows = pre.index.to_numpy()
    beta, vcov = pre["estimate"].to_numpy(), study.vcov.to_numpy()[np.ix_(rows, rows)]
    assert estimated.statistic == pytest.approx(beta @ np.linalg.solve(vcov, beta), rel=1e-10)
    assert fixed.statistic != pytest.approx(estimated.statistic, rel=1e-6)


@pytest.mark.parametrize("call", [lambda gt: hb.aggregate(gt, cohort_shares="random"),
                                  lambda gt: hb.pretrend_test(gt, by="cells", cohort_shares="random")])
def test_cohort_shares_error_message(golden_fits, call):
    message = ("`cohort_shares` must be one of 'fixed', 'estimated'; got 'random'. Use 'fixed' when the "
               "program set the number of participants per cohort, 'estimated' to reproduce R did / csdid.")
    with pytest.raises(SpecError) as info:
        call(golden_fits[0])
    assert str(info.value) == message


@pytest.mark.parametrize("index", range(len(_SPECS["specs"])))
def test_pretrend_wald_matches_csdid(golden_fits, index):
    ref = pd.read_csv(GOLDEN / "csdid_pretrend.csv").query("spec == @index")["statistic"].iloc[0]
    if np.isnan(ref):
        pytest.skip("csdid reports no Wald statistic here (clustered covariance of rank 8 < cells)")
    test = hb.pretrend_test(golden_fits[index], by="cells")
    assert test.statistic == pytest.approx(ref, rel=1e-8)
    assert test.p_value == pytest.approx(1 - __import__("scipy").stats.chi2.cdf(ref, test.df))


# --- simulated truth ------------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["simple", "event_time", "cohort", "calendar"])
def test_aggregations_within_three_standard_errors_of_truth(simulated, by):
    sim, gt = simulated
    agg = hb.aggregate(gt, by=by)
    truth = sim.true_effect(by)
    if by == "simple":
        estimate = agg.estimates.set_index("term")["estimate"].iloc[0]
        assert abs(estimate - truth.iloc[0]) < 3 * agg.overall["std_error"]
        return
    key = {"event_time": "event_time", "cohort": "cohort", "calendar": "time"}[by]
    table = agg.estimates.set_index(key)
    truth = truth.reindex(table.index).fillna(0.0)  # pre-entry event times have no effect
    z = (table["estimate"] - truth) / table["std_error"]
    assert np.all(np.abs(z.dropna()) < 3), z


def test_pretrend_test_does_not_reject_under_parallel_trends_and_rejects_with_a_dip():
    sim = hb.simulate_panel(1500, years=(2008, 2016), cohorts=(2012, 2013), seed=4)
    ok = hb.att_gt(hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort"), outcome="y")
    assert hb.pretrend_test(ok).p_value > 0.01
    dip = hb.simulate_panel(1500, years=(2008, 2016), cohorts=(2012, 2013), seed=4, dip=-0.1)
    bad = hb.att_gt(hb.Panel(dip.data, unit="firm_id", time="year", cohort="cohort"), outcome="y")
    result = hb.pretrend_test(bad, by="cells")
    assert result.p_value < 1e-6 and result.df == len(result.cells) == 7
    assert "pre-trends (Wald, cells)" in result.summary()
    assert hb.pretrend_test(bad).p_value < 1e-6


def test_event_time_pretrend_test_keeps_its_size_with_few_treated_firms():
    """12 participants per cohort, 6 cohorts: the cell-level Wald over-rejects, the default does not."""
    p_events, p_cells = [], []
    for seed in range(12):
        sim = hb.simulate_panel(600, seed=seed, treated_share=0.12)
        gt = hb.att_gt(hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort"), outcome="y",
                       control="not_yet_treated")
        p_events.append(hb.pretrend_test(gt).p_value)
        p_cells.append(hb.pretrend_test(gt, by="cells").p_value)
    assert np.mean(np.array(p_events) < 0.05) <= 0.25  # 5% nominal; 12 draws
    assert np.mean(np.array(p_cells) < 0.05) >= 0.75  # documents why the default changed


# --- invariants and structure -------------------------------------------------------------------------------
def test_event_study_structure_vcov_and_influence(simulated):
    _, gt = simulated
    es = hb.aggregate(gt, by="event_time")
    assert list(es.estimates.columns[:9]) == ["term", "event_time", "estimate", "std_error", "statistic",
                                              "p_value", "conf_low", "conf_high", "n_cohorts"]
    assert es.estimates["term"].iloc[0] == "ATT(e=-5)"
    np.testing.assert_allclose(np.sqrt(np.diag(es.vcov)), es.estimates["std_error"], rtol=1e-12)
    assert list(es.vcov.index) == es.estimates["event_time"].tolist()
    assert es.influence.shape == (gt.n_units, len(es.estimates))
    post = es.estimates["event_time"] >= 0
    assert es.overall["estimate"] == pytest.approx(es.estimates.loc[post, "estimate"].mean())
    assert set(es.overall) >= {"estimate", "std_error", "conf_low", "conf_high", "p_value"}
    json.dumps(es.to_dict())


def test_single_cohort_simple_equals_mean_of_post_cells():
    sim = hb.simulate_panel(300, years=(2008, 2014), cohorts=(2011,), seed=2)
    gt = hb.att_gt(hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort"), outcome="y")
    simple = hb.aggregate(gt)
    post = gt.estimates.query("time >= cohort")
    assert simple.overall["estimate"] == pytest.approx(post["estimate"].mean(), abs=1e-12)
    # One cohort: weights are not random, so the SE is that of the plain mean of the cells.
    inf = gt.influence[:, post.index].mean(axis=1)
    assert simple.overall["std_error"] == pytest.approx(np.sqrt(np.sum(inf ** 2)) / gt.n_units)


def test_uniform_band_is_wider_and_reproducible(simulated):
    _, gt = simulated
    a = hb.aggregate(gt, by="event_time", n_boot=999, seed=3)
    b = hb.aggregate(gt, by="event_time", n_boot=999, seed=3)
    assert a.crit_value == b.crit_value and a.crit_value > 1.96
    width = a.estimates["band_high"] - a.estimates["band_low"]
    assert (width > a.estimates["conf_high"] - a.estimates["conf_low"]).all()


def test_percent_for_log_outcomes(simulated):
    sim, _ = simulated
    data = sim.data.rename(columns={"y": "log_y"})
    gt = hb.att_gt(hb.Panel(data, unit="firm_id", time="year", cohort="cohort"), outcome="log_y")
    agg = hb.aggregate(gt, by="cohort")
    pct = agg.percent()
    assert pct["term"].iloc[-1] == "ATT(overall, cohort)"
    assert pct["estimate"].iloc[-1] == pytest.approx(100 * np.expm1(agg.overall["estimate"]))


def test_percent_refuses_an_outcome_that_is_not_a_log(simulated):
    _, gt = simulated
    agg = hb.aggregate(gt, by="cohort")
    with pytest.raises(SpecError) as info:
        agg.percent()
    assert str(info.value) == (
        "`percent()` reads estimates as log points, 100 * (exp(b) - 1), but the outcome 'y' is not a log "
        "(its name does not start with log_ or ln_). Report the estimates in the outcome's own units, or "
        "call percent(log_outcome=True) if 'y' is in logs.")
    # the explicit override, e.g. for a log outcome named `lemp`
    pct = agg.percent(log_outcome=True)
    assert pct["estimate"].iloc[-1] == pytest.approx(100 * np.expm1(agg.overall["estimate"]))


def test_nan_cells_are_left_out_with_a_recorded_warning():
    sim = hb.simulate_panel(300, years=(2008, 2014), cohorts=(2010, 2011, 2012), seed=3)
    data = sim.data.copy()
    data.loc[(data["cohort"] == 2011) & (data["year"] == 2013), "y"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = hb.att_gt(hb.Panel(data, unit="firm_id", time="year", cohort="cohort"), outcome="y")
    with pytest.warns(EstimationWarning, match=re.escape("1 ATT(g,t) cell(s) were not estimated and are "
                                                         "left out: ATT(2011,2013).")):
        agg = hb.aggregate(gt, by="calendar")
    assert np.isfinite(agg.estimates["estimate"]).all()


# --- errors --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    (dict(by="dynamic"), "`by` must be one of 'simple', 'event_time', 'cohort', 'calendar'; got 'dynamic'."),
    (dict(balance=-1), "`balance` must be a whole number >= 0 or None; got -1."),
    (dict(by="event_time", min_event_time=10), "No event time falls in 10 to inf; widen the window."),
    (dict(by="simple", max_event_time=-1), "No post-entry ATT(g,t) fall in event times -inf to -1; widen "
                                           "`min_event_time`/`max_event_time`."),
    (dict(by="event_time", balance=20), "`balance=20`: no cohort is observed at every event time from 0 "
                                        "to 20. Lower `balance`."),
])
def test_error_messages(simulated, kwargs, message):
    _, gt = simulated
    with pytest.raises(SpecError, match=re.escape(message)):
        hb.aggregate(gt, **kwargs)


def test_error_not_a_group_time_result_and_no_pre_cells():
    with pytest.raises(SpecError, match=re.escape("`gt` must be the result of hb.att_gt(); got dict.")):
        hb.aggregate({})
    sim = hb.simulate_panel(100, years=(2010, 2013), cohorts=(2011,), seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    gt = hb.att_gt(panel, outcome="y", base_period="universal")
    message = ("No pre-entry ATT(g,t) with a standard error to test: each cohort needs at least two years "
               "before entry (one more with base_period=\"universal\"). Add earlier years to the panel.")
    with pytest.raises(SpecError, match=re.escape(message)):
        hb.pretrend_test(gt)


def test_calendar_ignores_window_with_a_recorded_warning(simulated):
    _, gt = simulated
    with pytest.warns(EstimationWarning, match="do not apply to by=\"calendar\""):
        agg = hb.aggregate(gt, by="calendar", max_event_time=1)
    assert any("do not apply" in w for w in agg.warnings)


# --- slow Monte Carlo ------------------------------------------------------------------------------------
@pytest.mark.slow
def test_monte_carlo_coverage_of_aggregates():
    hits = {"simple": [], "event_time": []}
    for seed in range(200):
        sim = hb.simulate_panel(300, years=(2008, 2015), cohorts=(2010, 2011, 2012), seed=500 + seed,
                                effect=0.1, trend_x=0.03, selection_x=1.0)
        gt = hb.att_gt(hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort"), outcome="y",
                       covariates="x")
        simple = hb.aggregate(gt).overall
        truth = sim.true_effect("simple").iloc[0]
        hits["simple"].append(simple["conf_low"] <= truth <= simple["conf_high"])
        es = hb.aggregate(gt, by="event_time").estimates.set_index("event_time").loc[2]
        truth = sim.true_effect("event_time").loc[2]
        hits["event_time"].append(es["conf_low"] <= truth <= es["conf_high"])
    for key, values in hits.items():
        assert 0.93 <= np.mean(values) <= 0.97, (key, np.mean(values))
