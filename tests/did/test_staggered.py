"""Tests of hb.att_gt: reference agreement (csdid golden files), invariants, truth, errors."""
from __future__ import annotations

import json
import pathlib
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import hubeval as hb
from hubeval.core.errors import EstimationWarning, SpecError

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"


def _specs() -> list[dict]:
    return json.loads((GOLDEN / "csdid_specs.json").read_text())["specs"]


@pytest.fixture(scope="module")
def golden_panel():
    data = pd.read_csv(GOLDEN / "csdid_data.csv")
    return hb.Panel(data, unit="firm_id", time="year", cohort="cohort")


def fit_spec(panel, spec, **extra):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EstimationWarning)
        return hb.att_gt(panel, outcome="y", **spec, **extra)


def small_panel(n=200, seed=3, **kwargs):
    sim = hb.simulate_panel(n, years=(2008, 2014), cohorts=(2010, 2011, 2012), seed=seed, **kwargs)
    return sim, hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")


# --- 1. reference software: csdid (port of R did), stored with its generating script ----------
@pytest.mark.parametrize("index", range(len(_specs())))
def test_att_gt_matches_csdid(golden_panel, index):
    """small_sample=False reproduces csdid's estimates and standard errors exactly."""
    spec = _specs()[index]
    gt = fit_spec(golden_panel, spec, small_sample=False)
    ref = pd.read_csv(GOLDEN / "csdid_att_gt.csv").query("spec == @index")
    merged = gt.estimates.merge(ref, on=["cohort", "time"], suffixes=("", "_ref"), validate="1:1")
    assert len(merged) == len(ref) == len(gt.estimates)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_ref"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(merged["std_error"], merged["std_error_ref"], rtol=0, atol=1e-6)
    assert (merged["std_error"].isna() == merged["std_error_ref"].isna()).all()


@pytest.mark.parametrize("index", range(len(_specs())))
def test_default_small_sample_keeps_csdid_estimates_and_widens_by_the_df_factor(golden_panel, index):
    """The default changes standard errors only: each cell's by a factor between its comparison
    group's and its cohort's sqrt(n / (n - 1)) (firm-level clustering; with clusters above the
    firm the scaled influence functions are summed within clusters, so only the order holds)."""
    spec = _specs()[index]
    gt, raw = fit_spec(golden_panel, spec), fit_spec(golden_panel, spec, small_sample=False)
    assert gt.spec["small_sample"] and not raw.spec["small_sample"]
    np.testing.assert_array_equal(gt.estimates["estimate"], raw.estimates["estimate"])
    ok = raw.estimates["std_error"].notna()
    ratio = (gt.estimates["std_error"] / raw.estimates["std_error"])[ok]
    factor = {k: np.sqrt(n / (n - 1)) for k, n in gt.estimates.loc[ok, ["n_treated", "n_control"]].items()}
    if spec.get("cluster") is None:
        assert (ratio >= factor["n_control"] - 1e-12).all() and (ratio <= factor["n_treated"] + 1e-12).all()
    else:
        assert (ratio > 1).all() and (ratio < 1.05).all()


# --- 3. invariants -----------------------------------------------------------------------------
def test_two_periods_one_cohort_equals_hand_computed_2x2():
    rng = np.random.default_rng(0)
    n = 40
    treated = np.arange(n) < 15
    y0 = rng.normal(size=n)
    y1 = y0 + 0.3 + 0.5 * treated + rng.normal(scale=0.2, size=n)
    data = pd.DataFrame({"firm": np.repeat(np.arange(n), 2), "year": np.tile([2010, 2011], n),
                         "cohort": np.repeat(np.where(treated, 2011, 0), 2),
                         "y": np.column_stack([y0, y1]).ravel()})
    panel = hb.Panel(data, unit="firm", time="year", cohort="cohort")
    gt = hb.att_gt(panel, outcome="y")
    dy = y1 - y0
    by_hand = dy[treated].mean() - dy[~treated].mean()
    assert len(gt.estimates) == 1
    assert gt.estimates["estimate"].iloc[0] == pytest.approx(by_hand, abs=1e-12)
    # Its standard error is the unbiased two-sample one (HC2 of the regression on a dummy) ...
    se = np.sqrt(dy[treated].var(ddof=1) / treated.sum() + dy[~treated].var(ddof=1) / (~treated).sum())
    assert gt.estimates["std_error"].iloc[0] == pytest.approx(se, rel=1e-12)
    hc2 = sm.OLS(dy, sm.add_constant(treated.astype(float))).fit(cov_type="HC2").bse[1]
    assert gt.estimates["std_error"].iloc[0] == pytest.approx(hc2, rel=1e-10)
    # ... and with small_sample=False the 1/n (influence-function, R did) form.
    raw = hb.att_gt(panel, outcome="y", small_sample=False)
    se = np.sqrt(dy[treated].var() / treated.sum() + dy[~treated].var() / (~treated).sum())
    assert raw.estimates["std_error"].iloc[0] == pytest.approx(se, rel=1e-12)


def test_without_covariates_dr_ipw_reg_coincide():
    _, panel = small_panel()
    fits = [hb.att_gt(panel, outcome="y", method=m, control="not_yet_treated") for m in ("dr", "ipw", "reg")]
    for other in fits[1:]:
        pd.testing.assert_frame_equal(fits[0].estimates, other.estimates, atol=1e-12, rtol=0)
        np.testing.assert_allclose(fits[0].influence, other.influence, atol=1e-10)


def test_row_order_does_not_matter_and_input_not_mutated():
    sim, _ = small_panel()
    data = sim.data.copy()
    shuffled = data.sample(frac=1, random_state=1).reset_index(drop=True)
    before = shuffled.copy()
    a = hb.att_gt(hb.Panel(data, unit="firm_id", time="year", cohort="cohort"), outcome="y", covariates="x")
    b = hb.att_gt(hb.Panel(shuffled, unit="firm_id", time="year", cohort="cohort"), outcome="y", covariates="x")
    pd.testing.assert_frame_equal(a.estimates, b.estimates, atol=1e-12, rtol=0)
    pd.testing.assert_frame_equal(shuffled, before)


def test_influence_functions_give_standard_errors_and_are_kept():
    _, panel = small_panel()
    gt = hb.att_gt(panel, outcome="y", covariates="x")
    assert gt.influence.shape == (gt.n_units, len(gt.estimates))
    se = np.sqrt((gt.influence ** 2).sum(axis=0)) / gt.n_units
    np.testing.assert_allclose(se, gt.estimates["std_error"], rtol=1e-12)
    np.testing.assert_allclose(gt.influence.mean(axis=0), 0, atol=1e-10)
    assert len(gt.units) == len(gt.unit_cohort) == gt.n_units
    assert gt.n_treated == panel.cohort_sizes.to_dict()
    np.testing.assert_allclose(np.diag(gt.vcov()), gt.estimates["std_error"] ** 2, rtol=1e-12)


def test_result_is_frozen_and_serialisable():
    _, panel = small_panel()
    gt = hb.att_gt(panel, outcome="y")
    with pytest.raises(AttributeError):
        gt.n_units = 3
    out = json.loads(json.dumps(gt.to_dict()))
    assert "influence" not in out and out["influence_shape"] == list(gt.influence.shape)
    assert out["spec"]["control"] == "never_treated"
    assert "ATT(2010,2011)" in gt.summary() and "<table" in gt._repr_html_()


def test_percent_effect():
    _, panel = small_panel()
    gt = hb.att_gt(panel, outcome="y")
    pct = gt.percent(log_outcome=True)  # "y" is not named as a log: the caller says it is one
    np.testing.assert_allclose(pct["estimate"], 100 * np.expm1(gt.estimates["estimate"]))
    message = ("`percent()` reads estimates as log points, 100 * (exp(b) - 1), but the outcome 'y' is "
               "not a log (its name does not start with log_ or ln_). Report the estimates in the "
               "outcome's own units, or call percent(log_outcome=True) if 'y' is in logs.")
    with pytest.raises(SpecError, match=re.escape(message)):
        gt.percent()
    twfe = hb.twfe(panel, outcome="y")  # the firm-level results share the rule
    with pytest.raises(SpecError, match=re.escape(message)):
        twfe.percent()


# --- bootstrap -----------------------------------------------------------------------------------
def test_bootstrap_band_is_uniform_and_reproducible():
    _, panel = small_panel()
    a = hb.att_gt(panel, outcome="y", n_boot=499, seed=11)
    b = hb.att_gt(panel, outcome="y", n_boot=499, seed=11)
    assert a.crit_value == b.crit_value
    assert 1.96 < a.crit_value < 5
    est = a.estimates
    assert (est["band_high"] - est["band_low"] > est["conf_high"] - est["conf_low"]).all()
    c = hb.att_gt(panel, outcome="y", n_boot=499, seed=11, boot_weights="mammen", cluster="x")
    assert np.isfinite(c.crit_value)


def test_bootstrap_standard_errors_agree_with_analytic():
    from hubeval.did.influence import multiplier_bootstrap
    _, panel = small_panel(n=400)
    gt = hb.att_gt(panel, outcome="y")
    boot = multiplier_bootstrap(gt.influence, n_boot=2000, seed=5)
    ratio = boot["std_error"] / gt.estimates["std_error"].to_numpy()
    assert np.all(np.abs(ratio - 1) < 0.12)


# --- unbalanced panels ---------------------------------------------------------------------------
def test_unbalanced_panel_drops_units_per_comparison_and_records_it():
    sim, _ = small_panel()
    data = sim.data.copy()
    drop = (data["firm_id"].isin(["F00001", "F00002", "F00150"])) & (data["year"] == 2012)
    data = data.loc[~drop]
    panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    with pytest.warns(EstimationWarning, match=r"Unbalanced panel: 3 firm\(s\) lack `y`"):
        gt = hb.att_gt(panel, outcome="y", control="not_yet_treated")
    assert gt.n_units == 200 and gt.spec["n_units_left_out"] == 3
    assert any(w.startswith("Unbalanced panel: 3 firm(s)") for w in gt.warnings)
    # A cell not involving 2012 keeps everybody; cells involving 2012 lose the three firms.
    full = hb.att_gt(hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort"),
                     outcome="y", control="not_yet_treated")
    touches = (gt.estimates["time"] == 2012) | (gt.estimates["base_time"] == 2012)
    size = gt.estimates[["n_treated", "n_control"]].sum(axis=1)
    full_size = full.estimates[["n_treated", "n_control"]].sum(axis=1)
    assert (size[~touches] == full_size[~touches]).all()
    assert (size[touches] < full_size[touches]).all()
    np.testing.assert_allclose(gt.estimates["estimate"][~touches], full.estimates["estimate"][~touches])


def test_unbalanced_cell_matches_hand_computed_2x2_on_observed_units():
    sim, _ = small_panel()
    data = sim.data.loc[~((sim.data["firm_id"] == "F00003") & (sim.data["year"] == 2011))]
    gt = hb.att_gt(hb.Panel(data, unit="firm_id", time="year", cohort="cohort"), outcome="y")
    wide = data.pivot(index="firm_id", columns="year", values="y")
    cohort = data.groupby("firm_id")["cohort"].first()
    dy = (wide[2011] - wide[2009]).dropna()
    c = cohort.reindex(dy.index)
    expected = dy[c == 2010].mean() - dy[c == 0].mean()
    row = gt.estimates.query("cohort == 2010 and time == 2011")
    assert row["estimate"].iloc[0] == pytest.approx(expected, abs=1e-12)


# --- 1'. simulated truth ---------------------------------------------------------------------------
def test_group_time_effects_near_truth():
    sim, panel = small_panel(n=600, seed=21, effect=0.15, trend_x=0.03, selection_x=1.0)
    gt = hb.att_gt(panel, outcome="y", covariates="x")
    truth = sim.truth.rename(columns={"year": "time"})
    merged = gt.estimates.merge(truth, on=["cohort", "time"], how="left")
    merged["att"] = merged["att"].fillna(0.0)
    z = (merged["estimate"] - merged["att"]) / merged["std_error"]
    assert np.all(np.abs(z) < 3.5)
    assert np.mean(np.abs(z) < 1.96) > 0.85


# --- 4. errors and recorded warnings ----------------------------------------------------------------
def test_error_no_never_treated_with_never_treated_control():
    sim, _ = small_panel()
    data = sim.data.loc[sim.data["cohort"] > 0]
    panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    message = ('`control="never_treated"` but the panel has no never-participants, so cohort(s) 2010, '
               '2011, 2012 have no comparison units. Use `control="not_yet_treated"` (firms that join '
               'later serve as comparisons) or add non-participating firms.')
    with pytest.raises(SpecError, match=re.escape(message)):
        hb.att_gt(panel, outcome="y")
    with pytest.warns(EstimationWarning, match="No never-participants: cohort 2012 serves only"):
        gt = hb.att_gt(panel, outcome="y", control="not_yet_treated")
    assert sorted(gt.estimates["cohort"].unique()) == [2010, 2011]
    assert gt.estimates["time"].max() == 2011


@pytest.mark.parametrize("kwargs, message", [
    (dict(control="never"), '`control` must be one of "never_treated", "not_yet_treated"; got \'never\'.'),
    (dict(method="ols"), '`method` must be one of "dr", "ipw", "reg"; got \'ols\'.'),
    (dict(base_period="fixed"), '`base_period` must be one of "varying", "universal"; got \'fixed\'.'),
    (dict(anticipation=-1), "`anticipation` must be a whole number of years >= 0; got -1."),
    (dict(alpha=5), "`alpha` must be strictly between 0 and 1 (0.05 for 95% intervals); got 5."),
    (dict(n_boot=-5), "`n_boot` must be a whole number >= 0 (0 for no bootstrap, e.g. 999); got -5."),
    (dict(covariates=["x", "cohort"]), "`covariates` contains `cohort`, which is the outcome or a panel "
                                       "role (unit, time, cohort). Remove it from `covariates`."),
])
def test_error_messages(kwargs, message):
    _, panel = small_panel()
    with pytest.raises(SpecError, match=re.escape(message)):
        hb.att_gt(panel, outcome="y", **kwargs)


def test_error_unknown_outcome_and_not_a_panel():
    sim, panel = small_panel()
    with pytest.raises(SpecError, match=re.escape("`outcome` names column 'sales', which is not in the "
                                                  "panel. Available columns: firm_id, year, cohort, x, y.")):
        hb.att_gt(panel, outcome="sales")
    with pytest.raises(SpecError, match=re.escape("`panel` must be a hubeval.Panel; got DataFrame. Build "
                                                  "one with hb.Panel(df, unit=..., time=..., cohort=...).")):
        hb.att_gt(sim.data, outcome="y")


def test_error_constant_covariate():
    sim, _ = small_panel()
    panel = hb.Panel(sim.data.assign(flat=1.0), unit="firm_id", time="year", cohort="cohort")
    message = ("Covariate `flat` is constant (or missing) for every firm, so it cannot adjust the "
               "comparison. Remove it from `covariates`.")
    with pytest.raises(SpecError, match=re.escape(message)):
        hb.att_gt(panel, outcome="y", covariates="flat")


def test_error_time_varying_weights():
    sim, _ = small_panel()
    data = sim.data.assign(w=np.where(sim.data["year"] == 2010, 2.0, 1.0))
    panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    message = ("Column `w` (weights) varies over time within 200 firm(s), e.g. F00000, F00001, F00002, "
               "F00003, F00004 (and 195 more). It must be constant within each firm; use each firm's "
               "value in one year (e.g. the first) for every year.")
    with pytest.raises(SpecError, match=re.escape(message)):
        hb.att_gt(panel, outcome="y", weights="w")


def test_covariate_collinear_within_cells_is_a_recorded_warning_not_a_traceback():
    sim, _ = small_panel()
    # Constant among the never-participants: their outcome regression is singular.
    data = sim.data.assign(z=np.where(sim.data["cohort"] == 0, 1.0, sim.data["x"]))
    panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    with pytest.warns(EstimationWarning) as record:
        gt = hb.att_gt(panel, outcome="y", covariates="z", method="reg")
    text = ("ATT(g,t) not estimated for 18 cell(s) (cohort, year) (2010, 2009), (2010, 2010), "
            "(2010, 2011), (2010, 2012), (2010, 2013) (and 13 more): the covariates are constant or "
            "collinear among the comparison units (singular outcome-regression design). They are NaN "
            "and left out of aggregations. Remove or recode the covariate(s) that do not vary within "
            "the comparison.")
    assert text in [str(w.message) for w in record] and text in gt.warnings
    assert gt.estimates["estimate"].isna().all() and gt.estimates["std_error"].isna().all()


def test_perfect_prediction_is_a_recorded_warning():
    sim, _ = small_panel()
    # z = 1 only for cohort 2010: the propensity score of cohort 2010 predicts perfectly.
    data = sim.data.assign(z=(sim.data["cohort"] == 2010).astype(float) + 0.01 * sim.data["x"])
    panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    with pytest.warns(EstimationWarning, match=r"ATT\(g,t\) not estimated for 6 cell\(s\) .*: the "
                                               r"propensity score reaches 1\.0000 \(perfect prediction"):
        gt = hb.att_gt(panel, outcome="y", covariates="z", method="dr")
    est = gt.estimates
    assert est.loc[est["cohort"] == 2010, "estimate"].isna().all()
    assert est.loc[est["cohort"] != 2010, "estimate"].notna().all()


def test_outcome_missing_for_whole_cell_is_recorded():
    sim, _ = small_panel()
    data = sim.data.copy()
    data.loc[(data["cohort"] == 2011) & (data["year"] == 2013), "y"] = np.nan
    panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    with pytest.warns(EstimationWarning) as record:
        gt = hb.att_gt(panel, outcome="y")
    text = ("ATT(g,t) not estimated for 1 cell(s) (cohort, year) (2011, 2013): `y` (or a covariate) is "
            "missing for every firm of the cohort in one of the two years. They are NaN and left out of "
            "aggregations. Check the outcome's coverage in those years.")
    assert text in [str(w.message) for w in record]
    assert gt.estimates.query("cohort == 2011 and time == 2013")["estimate"].isna().all()


def test_single_firm_cohort_and_no_pre_period_are_recorded():
    sim, _ = small_panel()
    keep = (sim.data["cohort"] != 2012) | (sim.data["firm_id"] == sim.data.loc[sim.data["cohort"] == 2012, "firm_id"].iloc[0])
    panel = hb.Panel(sim.data.loc[keep], unit="firm_id", time="year", cohort="cohort", min_cohort_size=1)
    with pytest.warns(EstimationWarning, match=r"Cohort\(s\) 2012 have a single firm"):
        gt = hb.att_gt(panel, outcome="y")
    assert gt.n_treated[2012] == 1
    with pytest.warns(EstimationWarning, match=r"Cohort\(s\) 2010 have no year before entry "
                                               r"\(anticipation=2\) and are dropped"):
        gt = hb.att_gt(panel, outcome="y", anticipation=2)
    assert 2010 not in gt.estimates["cohort"].to_numpy()


# --- slow Monte Carlo ------------------------------------------------------------------------------
@pytest.mark.slow
def test_monte_carlo_coverage_of_group_time_effects():
    hits = []
    for seed in range(200):
        sim, panel = small_panel(n=300, seed=1000 + seed, effect=0.1, trend_x=0.03, selection_x=1.0)
        gt = hb.att_gt(panel, outcome="y", covariates="x")
        row = gt.estimates.query("cohort == 2010 and time == 2012").iloc[0]
        truth = sim.truth.query("cohort == 2010 and year == 2012")["att"].iloc[0]
        hits.append(row["conf_low"] <= truth <= row["conf_high"])
    assert 0.93 <= np.mean(hits) <= 0.97
