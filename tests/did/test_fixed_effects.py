"""Tests of hb.before_after and hb.twfe: hand calculations, simulated truth, invariants, errors."""
from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import hubeval as hb
from hubeval.core.errors import EstimationWarning, SpecError
from hubeval.data.simulate import ramp_effect


def make_panel(data: pd.DataFrame, **kwargs) -> hb.Panel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.Panel(data, unit="firm_id", time="year", cohort="cohort", **kwargs)


def constant_effect(value):
    return lambda e: np.where(np.asarray(e) >= 0, value, 0.0)


@pytest.fixture(scope="module")
def sim():
    return hb.simulate_panel(300, seed=11, effect=constant_effect(0.1))


@pytest.fixture(scope="module")
def panel(sim):
    return make_panel(sim.data)


@pytest.fixture
def two_by_two() -> pd.DataFrame:
    """Two years, one cohort entering in the second year, plus never-participants."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(40):
        cohort = 2012 if i < 15 else 0
        base = rng.normal(3, 1)
        for year in (2011, 2012):
            y = base + 0.2 * (year == 2012) + 0.5 * (cohort > 0 and year == 2012) + rng.normal(0, 0.3)
            rows.append({"firm_id": f"F{i:02d}", "year": year, "cohort": cohort, "y": y,
                         "log_sales": y})
    return pd.DataFrame(rows)


def hand_did(data: pd.DataFrame, outcome: str = "y") -> float:
    means = data.assign(treated=data["cohort"] > 0).groupby(["treated", "year"])[outcome].mean()
    return (means[True, 2012] - means[True, 2011]) - (means[False, 2012] - means[False, 2011])


# --- before / after ----------------------------------------------------------------------------
def test_before_after_hand_calculation():
    data = pd.DataFrame({
        "firm_id": np.repeat(["A", "B", "C", "D"], 3),
        "year": np.tile([2010, 2011, 2012], 4),
        "cohort": np.repeat([2011, 2011, 2012, 0], 3),
        "sales": [100, 110, 130, 200, 210, 260, 50, 60, 80, 10, 11, 12.0],
    })
    res = hb.before_after(make_panel(data), outcome="sales", pre=-1, post=1)
    est = res.estimates.set_index("term")["estimate"]
    # A: 100 -> 130, B: 200 -> 260 (cohort 2011, years 2010 -> 2012); C lacks event time +1.
    assert res.n_units == 2 and res.n_treated == {2011: 2}
    assert est["mean_before"] == pytest.approx(150)
    assert est["mean_after"] == pytest.approx(195)
    assert est["change_level"] == pytest.approx(45)
    assert est["percent_change_of_means"] == pytest.approx(30)
    assert est["mean_firm_percent_change"] == pytest.approx(30)
    se = res.estimates.set_index("term").loc["change_level", "std_error"]
    assert se == pytest.approx(np.std([30, 60], ddof=1) / np.sqrt(2))
    assert res.headline_term == "percent_change_of_means"
    assert res.headline()["estimate"] == pytest.approx(30)


def test_before_after_is_labelled_descriptive_everywhere(panel):
    res = hb.before_after(panel, outcome="y", scale="level")
    assert res.design == "before-after (level 1 of 5, descriptive)"
    assert "descriptive, not causal" in res.title.lower()
    assert "Maryland SMS level 1" in res.note
    for text in (res.summary(), res._repr_html_(), str(res)):
        assert "descriptive, not causal" in text.lower()
        assert "level 1 of 5" in text
    out = res.to_dict()
    json.dumps(out)
    assert out["design"] == "before-after (level 1 of 5, descriptive)"
    assert "firms" not in out  # per-firm values are confidential
    assert res.headline_term == "change_level"


def test_before_after_log_outcome_reports_percent(two_by_two):
    data = two_by_two.assign(year=two_by_two["year"].map({2011: 2011, 2012: 2013}))
    data = pd.concat([data, two_by_two.query("year == 2011").assign(year=2012, y=0.0, log_sales=0.0)])
    res = hb.before_after(make_panel(data), outcome="log_sales", pre=-1, post=1)
    table = res.estimates.set_index("term")
    change = table.loc["change_level", "estimate"]
    assert res.spec["log_outcome"] is True
    assert table.loc["percent_change", "estimate"] == pytest.approx(100 * np.expm1(change))
    assert "percent_change_of_means" not in table.index
    assert res.headline_term == "percent_change"
    assert res.percent()["term"].tolist() == ["percent_change"]
    assert "In percent" not in res.summary()


def test_before_after_scale_log_on_levels(panel):
    data = panel.data.assign(sales=np.exp(panel.data["y"]))
    res = hb.before_after(panel.with_data(data), outcome="sales", scale="log")
    firms = res.firms
    expected = np.mean(np.log(firms["after"]) - np.log(firms["before"]))
    assert res.headline()["estimate"] == pytest.approx(expected)


def test_before_after_errors(panel):
    with pytest.raises(SpecError, match=re.escape(
            "`outcome`: column 'sales' is not in the panel. Outcomes available: x, y. Pass one of "
            "them, or add the column to the data before building the Panel.")):
        hb.before_after(panel, outcome="sales")
    with pytest.raises(SpecError, match=re.escape(
            "`pre` and `post` must be whole event times with pre < post; got pre=2, post=1. The "
            "default compares the year before entry (-1) with the year after (1).")):
        hb.before_after(panel, outcome="y", pre=2, post=1)
    with pytest.raises(SpecError, match=re.escape(
            "`pre=-20`: no participant has a non-missing 'y' at event time -20 (years since entry). "
            "Observed event times: -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7. "
            "Choose event times inside that range.")):
        hb.before_after(panel, outcome="y", pre=-20)
    with pytest.raises(SpecError, match=re.escape(
            "`scale` must be one of 'percent', 'level', 'log'; got 'ratio'.")):
        hb.before_after(panel, outcome="y", scale="ratio")
    with pytest.raises(SpecError, match=re.escape(
            "`scale='log'` needs positive values of 'y', but")):
        hb.before_after(panel, outcome="y", scale="log")


def test_before_after_is_biased_by_trend_and_dip():
    sim = hb.simulate_panel(400, seed=2, effect=constant_effect(0.0), trend=0.05, dip=-0.1)
    res = hb.before_after(make_panel(sim.data), outcome="y", scale="level")
    # No effect at all, yet the naive number is large: two years of trend plus the dip.
    assert res.headline()["estimate"] == pytest.approx(0.2, abs=0.05)


# --- TWFE ----------------------------------------------------------------------------------------
def test_twfe_equals_two_by_two_did(two_by_two):
    res = hb.twfe(make_panel(two_by_two), outcome="y")
    assert res.estimates["term"].tolist() == ["post"]
    assert res.estimates["estimate"].iloc[0] == pytest.approx(hand_did(two_by_two), abs=1e-10)
    assert res.n_units == 40 and res.n_obs == 80 and res.n_treated == {2012: 15}


def test_twfe_agrees_with_statsmodels_dummies():
    panel = make_panel(hb.simulate_panel(60, seed=4).data)
    res = hb.twfe(panel, outcome="y")
    data = panel.data.assign(post=lambda d: (d["year"] >= d["cohort"]).astype(float))
    ols = smf.ols("y ~ post + C(firm_id) + C(year)", data=data).fit()
    assert res.estimates["estimate"].iloc[0] == pytest.approx(ols.params["post"], abs=1e-8)
    iid = hb.twfe(panel, outcome="y", vcov="iid")
    assert iid.estimates["std_error"].iloc[0] == pytest.approx(ols.bse["post"], rel=1e-6)


def test_twfe_unbiased_with_constant_effects(sim, panel):
    res = hb.twfe(panel, outcome="y")
    row = res.estimates.iloc[0]
    assert abs(row["estimate"] - 0.1) < 3 * row["std_error"]
    assert row["conf_low"] < 0.1 < row["conf_high"]


def test_twfe_biased_downwards_when_effects_grow():
    sim = hb.simulate_panel(400, seed=0, treated_share=0.9, cohorts=(2009, 2011, 2013, 2015),
                            effect=ramp_effect(0.3, years_to_full=8), noise_sd=0.05)
    truth = float(sim.true_effect("simple").iloc[0])
    row = hb.twfe(make_panel(sim.data), outcome="y").estimates.iloc[0]
    # Goodman-Bacon (2021): already-treated controls subtract part of the growing effect.
    assert row["estimate"] + 5 * row["std_error"] < truth
    assert row["estimate"] < 0.5 * truth


def test_twfe_vcov_options(panel):
    se = {v: hb.twfe(panel, outcome="y", vcov=v).estimates["std_error"].iloc[0]
          for v in ("cluster", "cv3", "iid", "hc1")}
    assert len(set(np.round(list(se.values()), 12))) == 4
    assert se["cv3"] > se["cluster"]  # the jackknife CRV3 is more conservative
    with pytest.warns(EstimationWarning, match=re.escape("Only 2 of 2 clusters (`x`) have treated observations")):
        by_x = hb.twfe(panel, outcome="y", cluster="x")
    assert by_x.n_clusters == 2 and by_x.spec["cluster"] == "x" and len(by_x.warnings) == 1


@pytest.mark.parametrize("event_study", [False, True])
def test_twfe_cv3_agrees_with_pyfixest_crv3(event_study):
    import pyfixest as pf
    panel = make_panel(hb.simulate_panel(40, seed=8).data)
    res = hb.twfe(panel, outcome="y", vcov="cv3", event_study=event_study)
    design = res.regression
    fit = pf.feols(design.formula, data=design.data, vcov={"CRV3": "firm_id"}, fixef_rm="none",
                   ssc=pf.ssc(k_adj=False, G_adj=False))
    ours = res.estimates.dropna(subset=["std_error"])["std_error"].to_numpy()
    # pyfixest without small-sample factors is sum_g (b_g - b)^2; CV3 scales it by (G - 1) / G.
    np.testing.assert_allclose(ours**2 * 40 / 39, fit.tidy()["Std. Error"].to_numpy()**2, rtol=1e-8)


def test_twfe_cv3_undefined_with_single_firm_cohort(sim):
    data = sim.data.copy()
    lone = data.loc[data["cohort"] == 0, "firm_id"].iloc[0]
    data.loc[data["firm_id"] == lone, "cohort"] = 2017
    panel = make_panel(data)
    with pytest.raises(SpecError, match=re.escape(
            f"vcov='cv3' is not defined here: dropping 1 cluster(s) (`firm_id` = {lone}) leaves a "
            "regressor without variation (e.g. one firm carries an event time or cohort). Use "
            "vcov='cluster' with the wild cluster bootstrap, or bin sparse event times.")):
        hb.twfe(panel, outcome="y", vcov="cv3", event_study=True)


def test_twfe_event_study_table(panel):
    res = hb.twfe(panel, outcome="y", event_study=True)
    table = res.estimates
    assert table.columns.tolist() == ["term", "event_time", "estimate", "std_error", "statistic",
                                      "p_value", "conf_low", "conf_high", "n_cohorts", "n_treated"]
    ref = table.set_index("event_time").loc[-1]
    assert ref["estimate"] == 0 and np.isnan(ref["std_error"]) and ref["term"] == "TWFE(e=-1)"
    assert table["event_time"].is_monotonic_increasing
    post = table[table["event_time"].between(0, 4)]
    assert (abs(post["estimate"] - 0.1) < 3.5 * post["std_error"]).all()
    with pytest.raises(SpecError, match="A TWFE event study has no single headline effect"):
        res.headline()


def test_twfe_event_study_without_never_treated_drops_a_lead(sim):
    data = sim.data[sim.data["cohort"] > 0]
    with pytest.warns(EstimationWarning, match=re.escape(
            "No never-participants: event time -10 is a second reference period (with -1)")):
        res = hb.twfe(make_panel(data), outcome="y", event_study=True)
    assert -10 not in res.estimates["event_time"].tolist()


def test_twfe_design_reproduces_coefficients(panel):
    data = panel.data.assign(w=np.random.default_rng(0).normal(size=len(panel.data)))
    res = hb.twfe(panel.with_data(data), outcome="y", covariates=["w"])
    arrays = res.regression.arrays()
    beta = np.linalg.lstsq(arrays["X"], arrays["y"], rcond=None)[0]
    assert arrays["names"] == ["post", "w"]
    np.testing.assert_allclose(beta, res.estimates["estimate"].to_numpy(), atol=1e-8)
    assert len(np.unique(arrays["cluster"])) == res.n_clusters
    assert res.regression.formula == "y ~ post + w | firm_id + year"
    assert res.estimates["term"].tolist() == ["post", "w"]


def test_twfe_design_without_fitting(sim):
    data = sim.data.copy()
    data.loc[:2, "y"] = np.nan
    design = hb.twfe_design(make_panel(data), outcome="y", event_study=True)
    assert design.warnings == ("3 of 3900 rows dropped for missing values in y.",)
    assert design.coefficients[0] == "event_time_m10" and design.terms[0] == "TWFE(e=-10)"
    assert design.event_times[:2] == (-10, -9) and -1 not in design.event_times
    assert len(design.data) == 3897 and design.cluster == "firm_id"
    arrays = design.arrays()
    assert arrays["X"].shape == (3897, len(design.coefficients))
    assert np.abs(arrays["X"].mean(axis=0)).max() < 1e-10  # fixed effects partialled out


def test_twfe_user_treatment_and_dose_warning(panel):
    data = panel.data.assign(d=lambda d: (d["year"] >= d["cohort"]).astype(int),
                             dose=lambda d: d["d"] * 2.5)
    same = hb.twfe(panel.with_data(data), outcome="y", treatment="d")
    base = hb.twfe(panel, outcome="y")
    assert same.estimates["estimate"].iloc[0] == pytest.approx(base.estimates["estimate"].iloc[0])
    with pytest.warns(EstimationWarning, match=re.escape(
            "`treatment` column 'dose' is not 0/1 (values such as 0.0, 2.5); it enters as a dose.")):
        dose = hb.twfe(panel.with_data(data), outcome="y", treatment="dose")
    assert dose.warnings and dose.estimates["estimate"].iloc[0] == pytest.approx(
        base.estimates["estimate"].iloc[0] / 2.5)


def test_twfe_row_order_and_input_not_mutated(sim):
    data = sim.data.copy()
    before = data.copy()
    res = hb.twfe(make_panel(data), outcome="y")
    shuffled = data.sample(frac=1, random_state=3)
    res2 = hb.twfe(make_panel(shuffled), outcome="y")
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(res.estimates, res2.estimates, atol=1e-10)


def test_twfe_result_serialises_and_displays(panel):
    res = hb.twfe(panel, outcome="y")
    out = res.to_dict()
    json.dumps(out)
    assert out["regression"]["formula"] == "y ~ post | firm_id + year"
    assert "fit" not in out
    assert "Goodman-Bacon" in res.summary() and "benchmark" in res._repr_html_()


def test_twfe_log_outcome_percent(two_by_two):
    res = hb.twfe(make_panel(two_by_two), outcome="log_sales")
    pct = res.percent()
    b = res.estimates["estimate"].iloc[0]
    assert pct["estimate"].iloc[0] == pytest.approx(100 * np.expm1(b))
    assert "In percent" in res.summary()


def test_twfe_missing_outcome_rows_dropped_with_warning(sim):
    data = sim.data.copy()
    data.loc[:9, "y"] = np.nan
    with pytest.warns(EstimationWarning, match=re.escape("10 of 3900 rows dropped for missing values in y.")):
        res = hb.twfe(make_panel(data), outcome="y")
    assert res.n_obs == 3890


def test_twfe_errors(panel, sim):
    with pytest.raises(SpecError, match=re.escape(
            "`treatment`: column(s) d not in the panel. Available columns: firm_id, year, cohort, x, y. "
            "Leave `treatment` unset to use the post-participation indicator built from the cohort.")):
        hb.twfe(panel, outcome="y", treatment="d")
    data = panel.data.assign(d=np.where(panel.data["year"] > 2012, "yes", "no"), zero=0.0)
    with pytest.raises(SpecError, match=re.escape(
            "`treatment`: column 'd' must be 0/1 (or a numeric dose); found non-numeric values such as "
            "no, yes. Recode it as 0/1.")):
        hb.twfe(panel.with_data(data), outcome="y", treatment="d")
    with pytest.raises(SpecError, match=re.escape(
            "`zero`: the regressor 'zero' is 0.0 in every row with 'y' observed, so there are no "
            "treated observations. Check the treatment/cohort coding and that participants have "
            "outcome data after entry.")):
        hb.twfe(panel.with_data(data), outcome="y", treatment="zero")
    with pytest.raises(SpecError, match=re.escape(
            "Regressor(s) x are collinear with the firm and year fixed effects or with other "
            "regressors (e.g. constant within firms, identical across firms each year, or "
            "duplicates), so their effect is not identified. Drop them from `covariates` (or "
            "`treatment`).")):
        hb.twfe(panel, outcome="y", covariates=["x"])
    with pytest.raises(SpecError, match=re.escape(
            "`vcov` must be one of 'cluster', 'iid', 'hc1', 'cv3'; got 'cr2'.")):
        hb.twfe(panel, outcome="y", vcov="cr2")
    with pytest.raises(SpecError, match=re.escape(
            "`cluster='x'` is only used with vcov='cluster' or 'cv3'; got vcov='iid'. Drop `cluster` "
            "or choose a clustered vcov.")):
        hb.twfe(panel, outcome="y", vcov="iid", cluster="x")
    with pytest.raises(SpecError, match=re.escape(
            "`cluster`: column 'region' is not in the panel. Available columns: firm_id, year, "
            "cohort, x, y.")):
        hb.twfe(panel, outcome="y", cluster="region")
    with pytest.raises(SpecError, match=re.escape(
            "`covariates`: column(s) size not in the panel. Available columns: firm_id, year, "
            "cohort, x, y.")):
        hb.twfe(panel, outcome="y", covariates=["size"])
    with pytest.raises(SpecError, match=re.escape(
            "`panel` must be a hubeval.Panel; got DataFrame. Build one with hb.Panel(df, unit=..., "
            "time=..., cohort=...) and pass it to twfe().")):
        hb.twfe(sim.data, outcome="y")


# --- anticipation --------------------------------------------------------------------------------
def shift_entry(data: pd.DataFrame, years: int = 1) -> pd.DataFrame:
    return data.assign(cohort=np.where(data["cohort"] > 0, data["cohort"] - years, 0))


def test_twfe_static_anticipation_starts_post_before_entry(panel, sim):
    res = hb.twfe(panel, outcome="y", anticipation=1)
    data = panel.data.assign(d=lambda d: (d["year"] >= d["cohort"] - 1).astype(float))
    manual = hb.twfe(panel.with_data(data), outcome="y", treatment="d")
    moved = hb.twfe(make_panel(shift_entry(sim.data)), outcome="y")
    for other in (manual, moved):
        np.testing.assert_allclose(res.estimates[["estimate", "std_error"]],
                                   other.estimates[["estimate", "std_error"]], atol=1e-10)
    assert res.spec["anticipation"] == 1 and res.regression.anticipation == 1


def test_twfe_event_study_anticipation_moves_the_reference():
    sim = hb.simulate_panel(300, seed=3, effect=constant_effect(0.1), dip=-0.15)
    res = hb.twfe(make_panel(sim.data), outcome="y", event_study=True, anticipation=1)
    table = res.estimates.set_index("event_time")
    ref = table.loc[-2]
    assert ref["term"] == "TWFE(e=-2)" and ref["estimate"] == 0 and np.isnan(ref["std_error"])
    assert res.regression.reference == -2 and -2 not in res.regression.event_times
    # The dip is estimated at -1; post-entry effects recover the truth.
    assert abs(table.loc[-1, "estimate"] + 0.15) < 3 * table.loc[-1, "std_error"]
    post = table.loc[0:4]
    assert (abs(post["estimate"] - 0.1) < 3 * post["std_error"]).all()
    # With -1 as reference the dip is inside the baseline: every post-entry effect is overstated.
    naive = hb.twfe(make_panel(sim.data), outcome="y", event_study=True).estimates.set_index("event_time")
    assert (naive.loc[0:4, "estimate"] > post["estimate"] + 0.1).all()
    moved = hb.twfe(make_panel(shift_entry(sim.data)), outcome="y", event_study=True).estimates
    np.testing.assert_allclose(res.estimates[["estimate", "std_error"]].to_numpy(float),
                               moved[["estimate", "std_error"]].to_numpy(float), atol=1e-10)
    np.testing.assert_array_equal(res.estimates["event_time"], moved["event_time"] - 1)


def test_twfe_anticipation_errors(panel, sim):
    with pytest.raises(SpecError, match=re.escape(
            "`anticipation` must be a whole number of years >= 0 (how many years before entry firms "
            "may already react); got -1.")):
        hb.twfe(panel, outcome="y", anticipation=-1)
    data = panel.data.assign(d=lambda d: (d["year"] >= d["cohort"]).astype(float))
    with pytest.raises(SpecError, match=re.escape(
            "`anticipation=1` shifts the post-participation indicator built from the cohort; it "
            "cannot be combined with `treatment='d'`. Code the anticipation years into the treatment "
            "column, or drop `treatment`.")):
        hb.twfe(panel.with_data(data), outcome="y", treatment="d", anticipation=1)
    short = hb.simulate_panel(80, seed=1, cohorts=(2009, 2012), years=(2007, 2014)).data
    with pytest.raises(SpecError, match=re.escape(
            "`anticipation=2` leaves cohort(s) 2009 (earliest event time -2) without an untreated "
            "year: event times from -2 on count as possibly affected, and no earlier year has 'y' "
            "observed. Leave those cohorts out, hb.restrict_sample(panel, drop_cohorts=[2009]) (or "
            "`drop_cohorts` in the notebook parameters; hb.evaluate_outcomes does this itself and "
            "says so), or add earlier years of data. Do not lower `anticipation` to keep them: if "
            "firms react before entry (e.g. a pre-entry dip), that biases every estimate.")):
        hb.twfe(make_panel(short), outcome="y", anticipation=2)
    gap = sim.data[~((sim.data["cohort"] > 0) & (sim.data["year"] - sim.data["cohort"] == -2))]
    with pytest.raises(SpecError, match=re.escape(
            "`anticipation=1` makes event time -2 the reference period, but no participant has 'y' "
            "observed then. Observed event times: -10, -9, -8, -7, -6, -5, -4, -3, -1, 0, 1, 2, 3, 4, "
            "5, 6, 7.")):
        hb.twfe(make_panel(gap), outcome="y", event_study=True, anticipation=1)


# --- weights -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def weighted_panel():
    sim = hb.simulate_panel(60, seed=4)
    rng = np.random.default_rng(0)
    firms = sim.data["firm_id"].unique()
    per_firm = pd.Series(rng.uniform(0.2, 3, len(firms)), index=firms)
    data = sim.data.assign(w=sim.data["firm_id"].map(per_firm),
                           row_w=rng.uniform(0.5, 2, len(sim.data)))
    return make_panel(data)


@pytest.mark.parametrize("column", ["w", "row_w"])
def test_twfe_weights_agree_with_statsmodels_wls(weighted_panel, column):
    data = weighted_panel.data.assign(post=lambda d: (d["year"] >= d["cohort"]).astype(float))
    formula = "y ~ post + C(firm_id) + C(year)"
    for vcov, cov_type in (("iid", "nonrobust"), ("hc1", "HC1")):
        wls = smf.wls(formula, data=data, weights=data[column]).fit(cov_type=cov_type)
        res = hb.twfe(weighted_panel, outcome="y", weights=column, vcov=vcov)
        assert res.estimates["estimate"].iloc[0] == pytest.approx(wls.params["post"], abs=1e-10)
        assert res.estimates["std_error"].iloc[0] == pytest.approx(wls.bse["post"], rel=1e-6)
    res = hb.twfe(weighted_panel, outcome="y", weights=column)
    assert res.regression.weights == column and res.spec["weights"] == column
    assert res.to_dict()["regression"]["weights"] == column
    # The demeaned arrays reproduce the coefficient by WLS, and so does the wild bootstrap's design.
    arrays = res.regression.arrays()
    root = np.sqrt(arrays["weights"])
    beta = np.linalg.lstsq(arrays["X"] * root[:, None], arrays["y"] * root, rcond=None)[0]
    assert beta[0] == pytest.approx(res.estimates["estimate"].iloc[0], abs=1e-8)
    boot = hb.wild_cluster_bootstrap(res, n_boot=199, seed=1).estimates.iloc[0]
    assert boot["estimate"] == pytest.approx(res.estimates["estimate"].iloc[0], abs=1e-10)
    assert boot["std_error"] == pytest.approx(res.estimates["std_error"].iloc[0], rel=1e-8)


def test_twfe_weighted_cv3_agrees_with_pyfixest(weighted_panel):
    import pyfixest as pf
    res = hb.twfe(weighted_panel, outcome="y", weights="row_w", vcov="cv3")
    design = res.regression
    fit = pf.feols(design.formula, data=design.data, vcov={"CRV3": "firm_id"}, weights="row_w",
                   ssc=pf.ssc(k_adj=False, G_adj=False))
    assert res.estimates["std_error"].iloc[0] ** 2 * 60 / 59 == pytest.approx(
        fit.tidy()["Std. Error"].iloc[0] ** 2, rel=1e-8)


def test_twfe_unit_weights_equal_unweighted(panel):
    ones = panel.with_data(panel.data.assign(one=1.0))
    for event_study in (False, True):
        weighted = hb.twfe(ones, outcome="y", weights="one", event_study=event_study)
        plain = hb.twfe(panel, outcome="y", event_study=event_study)
        pd.testing.assert_frame_equal(weighted.estimates, plain.estimates, atol=1e-10)


def test_twfe_zero_weights_drop_rows(weighted_panel):
    data = weighted_panel.data
    dropped = data["firm_id"].isin(data["firm_id"].unique()[:5])
    zeroed = weighted_panel.with_data(data.assign(w=np.where(dropped, 0.0, data["w"])))
    with pytest.warns(EstimationWarning, match=re.escape("65 row(s) with zero `weights` ('w') dropped.")):
        res = hb.twfe(zeroed, outcome="y", weights="w")
    subset = hb.twfe(weighted_panel.with_data(data[~dropped]), outcome="y", weights="w")
    pd.testing.assert_frame_equal(res.estimates, subset.estimates, atol=1e-10)
    assert res.n_units == 55


def test_twfe_with_matching_weights():
    sim = hb.simulate_panel(200, seed=4)
    panel = make_panel(sim.data)
    matched = hb.match(panel, method="ipw", outcomes=["y"], pre_years=3).to_panel(panel)
    res = hb.twfe(matched, outcome="y", weights="weight")
    row = res.estimates.iloc[0]
    truth = float(sim.true_effect("simple").iloc[0])
    assert abs(row["estimate"] - truth) < 3 * row["std_error"]
    assert res.n_units == matched.n_units


def test_twfe_weights_errors(weighted_panel):
    data = weighted_panel.data
    firm = data["firm_id"].iloc[0]
    with pytest.raises(SpecError, match=re.escape(
            "`weights`: column 'weight' is not in the panel. Available columns: firm_id, year, cohort, "
            "x, y, w, row_w. hb.match(...).to_panel(panel) adds a `weight` column.")):
        hb.twfe(weighted_panel, outcome="y", weights="weight")
    with pytest.raises(SpecError, match=re.escape(
            "`weights`: column 'label' must be numeric (dtype found: ") + r"(object|str)\)\.$"):
        hb.twfe(weighted_panel.with_data(data.assign(label="a")), outcome="y", weights="label")
    negative = data.assign(w=np.where(data["firm_id"] == firm, -1.0, data["w"]))
    with pytest.raises(SpecError, match=re.escape(
            f"`weights`: column 'w' is negative in 13 row(s) used by the regression (firms {firm}); "
            "weights must be >= 0.")):
        hb.twfe(weighted_panel.with_data(negative), outcome="y", weights="w")
    missing = data.assign(w=np.where(data.index < 2, np.nan, data["w"]))
    with pytest.raises(SpecError, match=re.escape(
            f"`weights`: column 'w' is missing or infinite in 2 row(s) used by the regression (firms "
            f"{firm}); give every firm-year used a weight (0 leaves it out).")):
        hb.twfe(weighted_panel.with_data(missing), outcome="y", weights="w")
    lone = data.assign(w=np.where(data["firm_id"] == firm, 1.0, 0.0))
    with pytest.raises(SpecError, match=re.escape(
            f"`weights`: all the weight in column 'w' is on one firm ({firm}), so nothing is compared "
            "with it. Check the weights (e.g. the matching result) or drop `weights`.")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hb.twfe(weighted_panel.with_data(lone), outcome="y", weights="w")


def test_twfe_warns_with_a_single_treated_cluster():
    # one treated firm: CRV1 p-values are far too small (the issue: p = 0.001, WCR 0.45)
    rng = np.random.default_rng(1)
    rows = [{"firm_id": f"F{i:02d}", "year": year, "cohort": 2012 if i == 0 else 0,
             "y": rng.normal() + (1.0 if i == 0 and year >= 2012 else 0.0)}
            for i in range(30) for year in range(2009, 2015)]
    panel = make_panel(pd.DataFrame(rows))
    message = ("Only 1 of 30 clusters (`firm_id`) have treated observations (F00): clustered standard errors "
               "(vcov='cluster') are unreliable and their p-values far too small with so few treated "
               "clusters (MacKinnon & Webb 2017), so they must not be published on their own. Test the "
               "effect with hb.wild_cluster_bootstrap(result) or randomization inference "
               "(hb.randomization_inference; hb.inference_panel(panel, outcome=..., estimator='twfe') "
               "shows all of them).")
    with pytest.warns(EstimationWarning) as record:
        res = hb.twfe(panel, outcome="y", vcov="cluster")
    assert [str(w.message) for w in record] == [message]
    assert res.warnings == (message,)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimationWarning)  # no such note without clustering
        assert hb.twfe(panel, outcome="y", vcov="hc1").warnings == ()
