"""Tests of hb.imputation (Borusyak, Jaravel & Spiess 2024)."""
from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import EstimationWarning, SpecError
from hubeval.data.simulate import ramp_effect

EVENT_COLUMNS = ["term", "event_time", "estimate", "std_error", "statistic", "p_value", "conf_low",
                 "conf_high", "n_cohorts", "n_treated"]


def make_panel(data: pd.DataFrame) -> hb.Panel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.Panel(data, unit="firm_id", time="year", cohort="cohort")


@pytest.fixture(scope="module")
def sim():
    return hb.simulate_panel(300, seed=21, effect=0.12, treated_share=0.5)


@pytest.fixture(scope="module")
def panel(sim):
    return make_panel(sim.data)


@pytest.fixture(scope="module")
def result(panel):
    return hb.imputation(panel, outcome="y")


def test_event_study_table_columns_and_rows(result, panel):
    table = result.estimates
    assert table.columns.tolist() == EVENT_COLUMNS
    assert table["event_time"].tolist() == [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]
    assert table["term"].iloc[3] == "ATT(e=0)"
    assert result.overall["term"] == "ATT(overall)"
    assert table.loc[table["event_time"] == 0, "n_treated"].item() == panel.n_treated
    assert table.loc[table["event_time"] == 0, "n_cohorts"].item() == 6
    assert table.loc[table["event_time"] == 7, "n_cohorts"].item() == 1
    assert result.n_treated == {int(c): int(n) for c, n in panel.cohort_sizes.items()}


def test_within_three_standard_errors_of_truth(sim, result):
    truth = sim.true_effect("event_time")
    post = result.estimates[result.estimates["event_time"] >= 0].set_index("event_time")
    gap = (post["estimate"] - truth.loc[post.index]).abs()
    assert (gap < 3 * post["std_error"]).all(), gap / post["std_error"]
    overall = result.overall
    expected = float(sim.true_effect("simple").iloc[0])
    assert abs(overall["estimate"] - expected) < 3 * overall["std_error"]


def test_unbiased_where_twfe_is_biased():
    sim = hb.simulate_panel(400, seed=0, treated_share=0.9, cohorts=(2009, 2011, 2013, 2015),
                            effect=ramp_effect(0.3, years_to_full=8), noise_sd=0.05)
    panel = make_panel(sim.data)
    truth = float(sim.true_effect("simple").iloc[0])
    row = hb.imputation(panel, outcome="y", pretrends=0).overall
    assert abs(row["estimate"] - truth) < 3 * row["std_error"]
    assert hb.twfe(panel, outcome="y").estimates["estimate"].iloc[0] < 0.5 * truth


def test_point_estimates_agree_with_pyfixest_did2s(sim, result):
    import pyfixest as pf
    data = sim.data.assign(rel=lambda d: np.where(d["cohort"] > 0, d["year"] - d["cohort"], -1000))
    horizons = sorted(data.loc[data["rel"] >= 0, "rel"].unique())
    dummies = {f"h{h}": (data["rel"] == h).astype(float) for h in horizons}
    data = data.assign(treated=data["rel"] >= 0, **dummies)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.did2s(data, yname="y", first_stage="~ 0 | firm_id + year",
                       second_stage="~ 0 + " + " + ".join(dummies), treatment="treated",
                       cluster="firm_id")
    ours = result.estimates.loc[result.estimates["event_time"] >= 0, "estimate"].to_numpy()
    # did2s recovers the fixed effects with pyfixest's default tolerances (1e-6): agreement to ~1e-6.
    np.testing.assert_allclose(ours, fit.coef().to_numpy(), atol=1e-5)
    # Gardner's two steps with pyfixest at tight tolerances: agreement to 1e-8.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = pf.feols("y ~ 1 | firm_id + year", data=data[~data["treated"]], fixef_tol=1e-13)
        first.fixef(atol=1e-13, btol=1e-13)
        tau = data["y"] - first.predict(newdata=data, atol=1e-13, btol=1e-13)
    two_step = tau[data["treated"]].groupby(data.loc[data["treated"], "rel"]).mean()
    np.testing.assert_allclose(ours, two_step.to_numpy(), atol=1e-8)


def dense_bjs(data: pd.DataFrame, outcome: str, covariates=(), anticipation=0):
    """The imputation estimator and its Theorem 3 variance with dense matrices, for checking."""
    rel = np.where(data["cohort"] > 0, data["year"] - data["cohort"], -1000)
    treated = rel >= -anticipation
    z = pd.get_dummies(data[["firm_id"]].astype(str), dtype=float)
    z = pd.concat([z, pd.get_dummies(data["year"], drop_first=True, dtype=float,
                                     prefix="t"), data[list(covariates)]], axis=1).to_numpy(float)
    y = data[outcome].to_numpy(float)
    theta = np.linalg.lstsq(z[~treated], y[~treated], rcond=None)[0]
    tau = y[treated] - z[treated] @ theta
    horizons = sorted(set(rel[treated]))
    w = np.column_stack([(rel[treated] == h) / (rel[treated] == h).sum() for h in horizons])
    v0 = -z[~treated] @ np.linalg.pinv(z[~treated].T @ z[~treated]) @ z[treated].T @ w
    effects = data.loc[treated, ["cohort", "year"]].assign(tau=tau, rel=rel[treated])
    cell = effects.groupby(["cohort", "year"])["tau"]
    loo = (cell.transform("sum") - effects["tau"]) / (cell.transform("size") - 1)
    e1 = tau - loo.to_numpy()
    e0 = y[~treated] - z[~treated] @ theta
    firms = pd.factorize(data["firm_id"])[0]
    scores = np.zeros((firms.max() + 1, len(horizons)))
    np.add.at(scores, firms[~treated], v0 * e0[:, None])
    np.add.at(scores, firms[treated], w * e1[:, None])
    return w.T @ tau, np.sqrt(np.diag(scores.T @ scores)), v0, w


def test_variance_matches_dense_theorem_3():
    sim = hb.simulate_panel(60, seed=5, cohorts=(2010, 2013), effect=0.1, treated_share=0.5)
    data = sim.data.assign(w=np.random.default_rng(1).normal(size=len(sim.data)))
    res = hb.imputation(make_panel(data), outcome="y", covariates=["w"], pretrends=0)
    estimate, se, v0, w = dense_bjs(data, "y", ["w"])
    np.testing.assert_allclose(res.estimates["estimate"], estimate, atol=1e-10)
    np.testing.assert_allclose(res.estimates["std_error"], se, rtol=1e-8)
    # The estimator is linear in y: sum_it v_it y_it reproduces every estimate.
    rel = np.where(data["cohort"] > 0, data["year"] - data["cohort"], -1)
    y = data["y"].to_numpy()
    np.testing.assert_allclose(v0.T @ y[rel < 0] + w.T @ y[rel >= 0], estimate, atol=1e-10)


def test_variance_matches_dense_theorem_3_with_anticipation():
    sim = hb.simulate_panel(60, seed=5, cohorts=(2010, 2013), effect=0.1, treated_share=0.5)
    res = hb.imputation(make_panel(sim.data), outcome="y", pretrends=0, anticipation=1)
    estimate, se, _, _ = dense_bjs(sim.data, "y", anticipation=1)
    assert res.estimates["event_time"].iloc[0] == -1
    np.testing.assert_allclose(res.estimates["estimate"], estimate, atol=1e-10)
    np.testing.assert_allclose(res.estimates["std_error"], se, rtol=1e-8)


def test_two_by_two_equals_hand_did_and_twfe():
    rng = np.random.default_rng(5)
    rows = [{"firm_id": f"F{i:02d}", "year": year, "cohort": 2012 if i < 15 else 0,
             "y": i * 0.1 + 0.2 * (year == 2012) + 0.5 * (i < 15 and year == 2012) + rng.normal(0, .3)}
            for i in range(40) for year in (2011, 2012)]
    data = pd.DataFrame(rows)
    means = data.assign(d=data["cohort"] > 0).groupby(["d", "year"])["y"].mean()
    did = (means[True, 2012] - means[True, 2011]) - (means[False, 2012] - means[False, 2011])
    panel = make_panel(data)
    res = hb.imputation(panel, outcome="y")
    assert res.estimates["event_time"].tolist() == [0]  # one pre-period: nothing to test it against
    assert res.overall["estimate"] == pytest.approx(did, abs=1e-10)
    assert hb.twfe(panel, outcome="y").estimates["estimate"].item() == pytest.approx(did, abs=1e-10)


def test_pretrend_test_detects_violated_parallel_trends():
    good = hb.imputation(make_panel(hb.simulate_panel(300, seed=3).data), outcome="y")
    bad = hb.imputation(make_panel(hb.simulate_panel(300, seed=3, trend_selection=0.03).data),
                        outcome="y")
    assert good.pretrend_test["leads"] == [-3, -2, -1]
    assert good.pretrend_test["df"] == [3, 299]
    assert good.pretrend_test["p_value"] > 0.01
    assert bad.pretrend_test["p_value"] < 1e-4
    assert "pre-trend test (BJS Test 1, 3 leads)" in bad.summary()
    none = hb.imputation(make_panel(hb.simulate_panel(300, seed=3).data), outcome="y", pretrends=0)
    assert none.pretrend_test == {} and (none.estimates["event_time"] >= 0).all()


def test_pretrend_rows_equal_a_full_pyfixest_fit_on_every_column(sim):
    """The pre-trend regression reads only its columns and keeps a lean pyfixest model: its rows
    are those of an ordinary fit on the whole untreated frame (extra columns included)."""
    import pyfixest as pf
    data = sim.data.assign(w=np.random.default_rng(4).normal(size=len(sim.data)), junk=1.5)
    res = hb.imputation(make_panel(data), outcome="y", covariates=["w"], anticipation=1)
    e = data["year"] - data["cohort"].where(data["cohort"] > 0)
    frame = data[~(e >= -1)].assign(**{f"lead_{k}": (e == -k - 1).astype(float) for k in (1, 2, 3)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols("y ~ lead_3 + lead_2 + lead_1 + w | firm_id + year", data=frame,
                       vcov={"CRV1": "firm_id"}, fixef_rm="none", fixef_tol=1e-12)
    rows = res.estimates.set_index("event_time").loc[[-4, -3, -2]]
    np.testing.assert_allclose(rows["estimate"], fit.coef()[["lead_3", "lead_2", "lead_1"]],
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(rows["std_error"], fit.se()[["lead_3", "lead_2", "lead_1"]],
                               rtol=0, atol=1e-12)


def test_horizons_subset(panel, result):
    sub = hb.imputation(panel, outcome="y", horizons=[0, 2], pretrends=1)
    assert sub.estimates["event_time"].tolist() == [-1, 0, 2]
    full = result.estimates.set_index("event_time")
    np.testing.assert_allclose(sub.estimates.set_index("event_time").loc[[0, 2], "estimate"],
                               full.loc[[0, 2], "estimate"], atol=1e-12)


def test_without_never_treated_drops_late_years():
    sim = hb.simulate_panel(200, seed=2, cohorts=(2010, 2012, 2014), years=(2006, 2016))
    data = sim.data[sim.data["cohort"] > 0]
    with pytest.warns(EstimationWarning, match=re.escape(
            "treated rows in year(s) 2014, 2015, 2016 dropped: every firm is treated then, so the "
            "year effect cannot be imputed.")):
        res = hb.imputation(make_panel(data), outcome="y", pretrends=1)
    assert res.estimates["event_time"].max() == 3
    assert any("every firm is treated" in w for w in res.warnings)


def test_missing_outcomes_are_dropped_and_recorded(sim):
    data = sim.data.copy()
    data.loc[data.index[:7], "y"] = np.nan
    with pytest.warns(EstimationWarning, match=re.escape("7 of 3900 rows dropped for missing values in y.")):
        res = hb.imputation(make_panel(data), outcome="y")
    assert res.n_obs == 3893 and res.warnings


def test_row_order_and_input_not_mutated(sim, result):
    data = sim.data.copy()
    before = data.copy()
    shuffled = hb.imputation(make_panel(data.sample(frac=1, random_state=9)), outcome="y")
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(shuffled.estimates, result.estimates, atol=1e-10)
    for key in ("estimate", "std_error", "n_treated"):
        assert shuffled.overall[key] == pytest.approx(result.overall[key], abs=1e-10)


def test_result_serialises_and_displays(result):
    out = result.to_dict()
    json.dumps(out)
    assert "effects" not in out and out["design"].startswith("difference-in-differences")
    vcov = out["vcov"]  # a labelled matrix: {"index", "columns", "data"}
    i, j = vcov["index"].index("ATT(overall)"), vcov["columns"].index("ATT(overall)")
    assert vcov["data"][i][j] == pytest.approx(result.overall["std_error"] ** 2)
    assert "Borusyak" in result._repr_html_() and "overall ATT" in result.summary()
    assert result.headline()["estimate"] == result.overall["estimate"]


def test_log_outcome_percent(panel):
    data = panel.data.rename(columns={"y": "log_va"})
    res = hb.imputation(panel.with_data(data), outcome="log_va", horizons=[0, 1], pretrends=0)
    np.testing.assert_allclose(res.percent()["estimate"], 100 * np.expm1(res.estimates["estimate"]))
    assert res.spec["log_outcome"] and "In percent" in res.summary()


def test_errors(panel):
    with pytest.raises(SpecError, match=re.escape(
            "`outcome`: column 'sales' is not in the panel. Outcomes available: x, y. Pass one of "
            "them, or add the column to the data before building the Panel.")):
        hb.imputation(panel, outcome="sales")
    with pytest.raises(SpecError, match=re.escape(
            "`horizons` must be whole event times >= 0; got -1. Pre-entry years are tested with "
            "`pretrends=` (or estimated with `anticipation=`).")):
        hb.imputation(panel, outcome="y", horizons=[-1, 0])
    with pytest.raises(SpecError, match=re.escape(
            "`horizons`: no treated observation at event time(s) 12. Observed event times: 0, 1, 2, "
            "3, 4, 5, 6, 7.")):
        hb.imputation(panel, outcome="y", horizons=[0, 12])
    with pytest.raises(SpecError, match=re.escape(
            "`pretrends` must be a whole number from 0 to 9 (the pre-entry years that can be tested "
            "against earlier pre-entry years); got 10.")):
        hb.imputation(panel, outcome="y", pretrends=10)
    with pytest.raises(SpecError, match=re.escape(
            "`covariates`: x are collinear with the firm and year fixed effects on untreated "
            "observations (constant within firms, or the same for all firms each year), so they "
            "cannot be estimated. Drop them from `covariates`.")):
        hb.imputation(panel, outcome="y", covariates=["x"])
    noise = np.random.default_rng(0).normal(size=len(panel.data))
    data = panel.data.assign(a=noise, b=2 * noise)
    with pytest.raises(SpecError, match=re.escape(
            "`covariates` are collinear with each other (after the fixed effects): b can be written "
            "from the others. Drop it from `covariates`.")):
        hb.imputation(panel.with_data(data), outcome="y", covariates=["a", "b"])


def test_no_treated_observation_error():
    sim = hb.simulate_panel(50, seed=1, cohorts=(2012,), years=(2008, 2014))
    data = sim.data.copy()
    data.loc[(data["cohort"] > 0) & (data["year"] >= 2012), "y"] = np.nan
    with pytest.raises(SpecError, match=re.escape(
            "No treated observation: no participant has 'y' observed in or after its program year, "
            "so there is no effect to estimate. Check the cohort coding and that the panel covers "
            "years after entry.")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hb.imputation(make_panel(data), outcome="y")


@pytest.mark.slow
def test_monte_carlo_coverage():
    """BJS Theorem 3 intervals are conservative: 95% intervals cover the truth >= 93% of the time."""
    covered_att, covered_h2, reps = 0, 0, 300
    for seed in range(reps):
        sim = hb.simulate_panel(150, seed=seed, cohorts=(2010, 2012, 2014), years=(2007, 2016),
                                effect=0.1, heterogeneity=0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = hb.imputation(make_panel(sim.data), outcome="y", pretrends=0)
        truth = float(sim.true_effect("simple").iloc[0])
        covered_att += res.overall["conf_low"] <= truth <= res.overall["conf_high"]
        row = res.estimates.set_index("event_time").loc[2]
        covered_h2 += row["conf_low"] <= sim.true_effect("event_time").loc[2] <= row["conf_high"]
    assert covered_att / reps >= 0.93 and covered_h2 / reps >= 0.93


# --- anticipation -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dip_sim():
    return hb.simulate_panel(300, seed=0, dip=-0.15, effect=0.1, treated_share=0.5)


def test_anticipation_recovers_truth_under_a_dip_that_biases_the_default(dip_sim):
    panel = make_panel(dip_sim.data)
    truth = dip_sim.true_effect("event_time")
    naive = hb.imputation(panel, outcome="y").estimates.set_index("event_time")
    res = hb.imputation(panel, outcome="y", anticipation=1)
    table = res.estimates.set_index("event_time")
    post = table[table.index >= 0]
    assert ((post["estimate"] - truth.loc[post.index]).abs() < 3 * post["std_error"]).all()
    # The dip at event time -1 lowers the fitted firm effects, so without anticipation every
    # post-entry effect is overstated.
    assert (naive.loc[post.index, "estimate"] > post["estimate"]).all()
    assert (naive.loc[post.index, "estimate"] - truth.loc[post.index]).mean() > 0.02
    overall_truth = float(dip_sim.true_effect("simple").iloc[0])
    assert abs(res.overall["estimate"] - overall_truth) < 3 * res.overall["std_error"]
    # The dip itself is estimated as the anticipation effect.
    dip = table.loc[-1]
    assert dip["term"] == "ATT(e=-1)" and abs(dip["estimate"] + 0.15) < 3 * dip["std_error"]
    assert res.estimates["event_time"].tolist()[:4] == [-4, -3, -2, -1]
    assert res.pretrend_test["leads"] == [-4, -3, -2] and res.spec["anticipation"] == 1


def test_anticipation_equals_shifting_the_entry_year(dip_sim):
    data = dip_sim.data
    shifted = data.assign(cohort=np.where(data["cohort"] > 0, data["cohort"] - 1, 0))
    res = hb.imputation(make_panel(data), outcome="y", anticipation=1)
    moved = hb.imputation(make_panel(shifted), outcome="y")
    cols = ["estimate", "std_error", "n_cohorts", "n_treated"]
    np.testing.assert_allclose(res.estimates[cols].to_numpy(float), moved.estimates[cols].to_numpy(float),
                               atol=1e-10)
    np.testing.assert_array_equal(res.estimates["event_time"], moved.estimates["event_time"] - 1)
    # The overall ATT keeps to event times >= 0 (as aggregate(by="simple")), so it differs.
    post = res.effects["event_time"] >= 0
    assert res.overall["estimate"] == pytest.approx(res.effects.loc[post, "tau"].mean(), abs=1e-12)


def test_anticipation_invariants(dip_sim):
    data = dip_sim.data.copy()
    before = data.copy()
    res = hb.imputation(make_panel(data), outcome="y", anticipation=2, horizons=[-2, 0, 1])
    shuffled = hb.imputation(make_panel(data.sample(frac=1, random_state=1)), outcome="y",
                             anticipation=2, horizons=[-2, 0, 1])
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(res.estimates, shuffled.estimates, atol=1e-10)
    assert res.estimates["event_time"].tolist() == [-5, -4, -3, -2, 0, 1]
    assert res.effects["event_time"].min() == -2 and res.vcov.index.tolist() == [
        "ATT(e=-2)", "ATT(e=0)", "ATT(e=1)", "ATT(overall)"]
    json.dumps(res.to_dict())


def test_anticipation_errors(panel):
    for bad in (-1, 1.5, True, "1"):
        with pytest.raises(SpecError, match=re.escape(
                "`anticipation` must be a whole number of years >= 0 (how many years before entry "
                f"firms may already react); got {bad!r}.")):
            hb.imputation(panel, outcome="y", anticipation=bad)
    with pytest.raises(SpecError, match=re.escape(
            "`horizons` must be whole event times >= -1; got -2. Pre-entry years are tested with "
            "`pretrends=`.")):
        hb.imputation(panel, outcome="y", anticipation=1, horizons=[-2, 0])
    with pytest.raises(SpecError, match=re.escape(
            "`horizons` needs at least one event time >= 0 for the overall effect; got -1.")):
        hb.imputation(panel, outcome="y", anticipation=1, horizons=[-1])
    sim = hb.simulate_panel(80, seed=1, cohorts=(2009, 2012), years=(2007, 2014))
    with pytest.raises(SpecError, match=re.escape(
            "`anticipation=2` leaves cohort(s) 2009 (earliest event time -2) without an untreated "
            "year: event times from -2 on count as possibly affected, and no earlier year has 'y' "
            "observed. Leave those cohorts out, hb.restrict_sample(panel, drop_cohorts=[2009]) (or "
            "`drop_cohorts` in the notebook parameters; hb.evaluate_outcomes does this itself and "
            "says so), or add earlier years of data. Do not lower `anticipation` to keep them: if "
            "firms react before entry (e.g. a pre-entry dip), that biases every estimate.")):
        hb.imputation(make_panel(sim.data), outcome="y", anticipation=2)
