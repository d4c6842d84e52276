"""Tests of hubeval.inference.wild: WCR bootstrap vs wildboottest, FE absorption, inversion, IF bootstrap,
multiple testing, errors; slow size study."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import EstimationWarning, SpecError
from hubeval.inference.multiple_testing import holm, romano_wolf
from hubeval.inference.multiplier import bootstrap_influence
from hubeval.inference.regression import regression_design
from hubeval.inference.weights import draw_weights
from hubeval.inference.wild import wild_bootstrap_family, wild_cluster_bootstrap


def clustered(G=12, per=3, T=8, seed=1, effect=0.0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"firm": np.repeat(np.arange(G * per), T), "year": np.tile(np.arange(T), G * per)})
    df["region"] = df["firm"] % G
    df["post"] = ((df["region"] < G // 3) & (df["year"] >= T // 2)).astype(float)
    df["x"] = rng.normal(size=len(df))
    df["y"] = (effect * df["post"] + 0.3 * df["x"] + rng.normal(size=len(df))
               + rng.normal(size=G)[df["region"]] + rng.normal(size=G * per)[df["firm"]])
    df["w"] = rng.uniform(0.5, 2.0, len(df))
    return df


def reference_wildboottest(df, weights=None, B=9999, kind="rademacher", seed=1):
    """wildboottest on the full dummy design (firm and year dummies), WLS by sqrt(w) scaling."""
    from wildboottest.wildboottest import WildboottestCL
    X = pd.get_dummies(df[["firm", "year"]].astype(str), drop_first=True, dtype=float)
    X.insert(0, "const", 1.0)
    X.insert(0, "x", df["x"])
    X.insert(0, "post", df["post"])
    Xn, y = X.to_numpy(), df["y"].to_numpy()
    if weights is not None:
        root = np.sqrt(df[weights].to_numpy())
        Xn, y = Xn * root[:, None], y * root
    R = np.zeros(Xn.shape[1])
    R[0] = 1
    wb = WildboottestCL(X=Xn, Y=y, cluster=df["region"].to_numpy(), R=R, B=B, seed=seed, parallel=False)
    wb.get_scores(bootstrap_type="11", impose_null=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb.get_weights(kind)
    for step in (wb.get_numer, wb.get_denom, wb.get_tboot, wb.get_vcov, wb.get_tstat, wb.get_pvalue):
        step()
    return float(np.ravel(wb.t_stat)[0]), float(wb.pvalue)


@pytest.mark.parametrize("weights", [None, "w"])
def test_agrees_with_wildboottest_full_enumeration(weights):
    df = clustered()
    design = regression_design(df, outcome="y", regressors=["post", "x"], cluster="region",
                               absorb="firm", fixed_effects=["year"], weights=weights)
    res = wild_cluster_bootstrap(design, n_boot=9999, boot_weights="rademacher", seed=1)
    t_ref, p_ref = reference_wildboottest(df, weights)
    row = res.estimates.iloc[0]
    assert res.spec["enumerated"] and res.n_boot == 2**12
    assert res.t_boot.size == 4096
    # The same p-value up to the two all-equal-sign draws, which tie with |t| exactly.
    assert abs(row["p_value"] - p_ref) <= 2 / 4096 + 1e-12
    assert np.sign(row["statistic"]) == np.sign(t_ref)


def test_agrees_with_wildboottest_random_webb():
    df = clustered(G=30, per=2, effect=0.4, seed=4)
    design = regression_design(df, outcome="y", regressors=["post", "x"], cluster="region",
                               absorb="firm", fixed_effects=["year"])
    res = wild_cluster_bootstrap(design, n_boot=9999, boot_weights="webb", seed=2)
    _, p_ref = reference_wildboottest(df, B=9999, kind="webb", seed=3)
    p = res.estimates["p_value"].iloc[0]
    assert abs(p - p_ref) < 4 * np.sqrt(p_ref * (1 - p_ref) / 9999) + 0.002


def test_absorbing_nested_effects_is_exact():
    df = clustered(seed=2)
    absorbed = regression_design(df, outcome="y", regressors=["post", "x"], cluster="region",
                                 absorb="firm", fixed_effects=["year"], weights="w")
    dummies = regression_design(df, outcome="y", regressors=["post", "x"], cluster="region",
                                fixed_effects=["firm", "year"], weights="w")
    a = wild_cluster_bootstrap(absorbed, n_boot=999, boot_weights="webb", seed=5).estimates.iloc[0]
    b = wild_cluster_bootstrap(dummies, n_boot=999, boot_weights="webb", seed=5).estimates.iloc[0]
    # Bootstrap p-values and intervals are exact; the CR1 factor differs only by how k counts dummies.
    for col in ("estimate", "p_value", "conf_low", "conf_high"):
        assert a[col] == pytest.approx(b[col], rel=1e-7, abs=1e-10)


def test_cr1_standard_error_matches_statsmodels():
    import statsmodels.api as sm
    df = clustered(seed=3)
    design = regression_design(df, outcome="y", regressors=["post", "x"], cluster="region",
                               fixed_effects=["year"])
    res = wild_cluster_bootstrap(design, n_boot=199, boot_weights="webb", seed=1, interval=False)
    fit = sm.OLS(design.y, design.X).fit(cov_type="cluster", cov_kwds={"groups": design.cluster})
    assert res.estimates["estimate"].iloc[0] == pytest.approx(fit.params[0])
    assert res.estimates["std_error"].iloc[0] == pytest.approx(fit.bse[0])


def test_twfe_result_is_accepted_and_consistent():
    sim = hb.simulate_panel(120, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
        fit = hb.twfe(panel, outcome="y")
    res = wild_cluster_bootstrap(fit, n_boot=999, seed=1)
    row, head = res.estimates.iloc[0], fit.estimates.iloc[0]
    assert row["estimate"] == pytest.approx(head["estimate"], rel=1e-8)
    assert row["std_error"] == pytest.approx(head["std_error"], rel=1e-6)


def test_interval_is_the_inverted_test():
    df = clustered(G=20, per=2, effect=0.8, seed=7)
    design = regression_design(df, outcome="y", regressors=["post", "x"], cluster="region",
                               absorb="firm", fixed_effects=["year"])
    res = wild_cluster_bootstrap(design, n_boot=1999, seed=3)
    low, high = res.estimates[["conf_low", "conf_high"]].iloc[0]
    assert low < res.estimates["estimate"].iloc[0] < high
    for bound, inside in ((low, low + 1e-3 * (high - low)), (high, high - 1e-3 * (high - low))):
        outside = 2 * bound - inside
        p_in = wild_cluster_bootstrap(design, null=inside, n_boot=1999, seed=3, interval=False)
        p_out = wild_cluster_bootstrap(design, null=outside, n_boot=1999, seed=3, interval=False)
        assert p_in.estimates["p_value"].iloc[0] > 0.05 >= p_out.estimates["p_value"].iloc[0] - 1e-3


def test_same_seed_same_draws_and_input_not_mutated():
    df = clustered(G=25, per=2)
    before = df.copy()
    design = regression_design(df, outcome="y", regressors=["post"], cluster="region", absorb="firm")
    a = wild_cluster_bootstrap(design, n_boot=499, seed=9)
    b = wild_cluster_bootstrap(design, n_boot=499, seed=9)
    np.testing.assert_array_equal(a.t_boot, b.t_boot)
    pd.testing.assert_frame_equal(df, before)


def test_webb_chosen_below_twelve_clusters_with_warning():
    df = clustered(G=9)
    design = regression_design(df, outcome="y", regressors=["post"], cluster="region", absorb="firm")
    with pytest.warns(EstimationWarning, match=re.escape(
            "Only 9 clusters: Rademacher weights allow just 2^9 = 512 distinct bootstrap samples, so "
            "Webb's six-point weights are used (recommended below 12 clusters; Webb 2023).")):
        res = wild_cluster_bootstrap(design, n_boot=999, seed=1)
    assert res.spec["boot_weights"] == "webb"


@pytest.mark.parametrize("kind", ["rademacher", "webb", "mammen"])
def test_weight_moments(kind):
    v = draw_weights(kind, 200, 500, seed=1)
    assert abs(v.mean()) < 0.02 and abs(v.var() - 1) < 0.02


def test_errors():
    df = clustered()
    design = regression_design(df, outcome="y", regressors=["post"], cluster="region", absorb="firm")
    with pytest.raises(SpecError, match=re.escape("`term='dose'` is not a regressor; available: post.")):
        wild_cluster_bootstrap(design, term="dose")
    with pytest.raises(SpecError, match=re.escape("`n_boot` must be an integer >= 99; got 10.")):
        wild_cluster_bootstrap(design, n_boot=10)
    with pytest.raises(SpecError, match=re.escape("`boot_weights` must be one of 'auto', 'rademacher', "
                                                  "'webb', 'mammen'; got 'normal'.")):
        wild_cluster_bootstrap(design, boot_weights="normal")
    with pytest.raises(SpecError, match=re.escape("`absorb='firm'` must be nested within `cluster='year'`")):
        regression_design(df, outcome="y", regressors=["post"], cluster="year", absorb="firm")
    with pytest.raises(SpecError, match=r"^`model` must be a RegressionDesign"):
        wild_cluster_bootstrap(df)


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.001])
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1])


def test_romano_wolf_properties():
    rng = np.random.default_rng(1)
    tb = rng.standard_normal((5000, 3))
    t = np.array([2.5, 0.3, 1.9])
    adj = romano_wolf(t, tb)
    raw = (np.abs(tb) >= np.abs(t)).mean(axis=0)
    assert (adj >= raw - 1e-12).all()
    assert adj[0] == pytest.approx((np.abs(tb).max(axis=1) >= 2.5).mean())
    assert adj[0] <= adj[2] <= adj[1]
    # Perfectly dependent statistics: no multiplicity penalty.
    same = np.repeat(tb[:, :1], 3, axis=1)
    np.testing.assert_allclose(romano_wolf(t, same), (np.abs(tb[:, :1]) >= np.abs(t)).mean(axis=0))


def test_family_adjustments():
    df = clustered(G=20, per=2, effect=0.5, seed=11)
    df["y2"] = df["y"] + np.random.default_rng(2).normal(size=len(df))
    models = {o: regression_design(df, outcome=o, regressors=["post"], cluster="region", absorb="firm",
                                   fixed_effects=["year"]) for o in ("y", "y2")}
    table = wild_bootstrap_family(models, n_boot=999, seed=1)
    assert list(table["outcome"]) == ["y", "y2"]
    assert (table["p_romano_wolf"] >= table["p_value"]).all()
    assert (table["p_romano_wolf"] <= table["p_holm"] + 0.02).all()
    single = wild_cluster_bootstrap(models["y"], n_boot=999, seed=1, interval=False)
    assert table["p_value"].iloc[0] == pytest.approx(single.estimates["p_value"].iloc[0])


def test_bootstrap_influence_matches_analytic_and_clusters():
    sim = hb.simulate_panel(300, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
        agg = hb.aggregate(hb.att_gt(panel, outcome="y"), by="event_time")
    res = bootstrap_influence(agg, n_boot=4999, seed=1)
    ratio = res.estimates["std_error"] / agg.estimates["std_error"]
    assert ratio.between(0.9, 1.1).all()
    assert (res.estimates["band_high"] - res.estimates["conf_high"] >= -1e-12).all()
    regions = pd.Series(np.arange(len(agg.units)) % 8, index=agg.units)
    with pytest.warns(EstimationWarning, match="Only 8 clusters"):
        by_region = bootstrap_influence(agg, cluster=regions, n_boot=999, seed=1)
    assert by_region.n_clusters == 8 and by_region.spec["boot_weights"] == "webb"
    with pytest.raises(SpecError, match=r"^`cluster` gives no cluster for 1 firm\(s\), e.g. F00000"):
        bootstrap_influence(agg, cluster=regions.iloc[1:], n_boot=99)


@pytest.mark.slow
def test_size_under_the_null_monte_carlo():
    """1,000 null panels like the example design (~20 treated firms): WCR rejects 3-7% at 5%."""
    reject = {"wcr": 0, "cr1_normal": 0}
    reps = 1000
    for seed in range(reps):
        sim = hb.simulate_panel(200, seed=seed, effect=0.0, treated_share=0.1, cohorts=(2011, 2012, 2013),
                                rho=0.6)
        d = sim.data.assign(post=lambda f: ((f["cohort"] > 0) & (f["year"] >= f["cohort"])).astype(float))
        design = regression_design(d, outcome="y", regressors=["post"], cluster="firm_id", absorb="firm_id",
                                   fixed_effects=["year"])
        res = wild_cluster_bootstrap(design, n_boot=399, seed=seed, interval=False).estimates.iloc[0]
        reject["wcr"] += res["p_value"] < 0.05
        reject["cr1_normal"] += 2 * (1 - __import__("scipy").stats.norm.cdf(abs(res["statistic"]))) < 0.05
    rates = {k: v / reps for k, v in reject.items()}
    print("rejection rates at 5%:", rates)
    assert 0.03 <= rates["wcr"] <= 0.07


def test_weighted_twfe_result():
    sim = hb.simulate_panel(120, seed=5)
    data = sim.data.assign(w=lambda d: 0.5 + d["x"] + (d["firm_id"].str[-1].astype(int) % 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort", outcomes=["y", "w"])
        fit = hb.twfe(panel, outcome="y", weights="w")
    res = wild_cluster_bootstrap(fit, n_boot=999, seed=1)
    assert res.spec["weighted"]
    assert res.estimates["estimate"].iloc[0] == pytest.approx(fit.estimates["estimate"].iloc[0], rel=1e-8)
    assert res.estimates["std_error"].iloc[0] == pytest.approx(fit.estimates["std_error"].iloc[0], rel=1e-6)


def test_result_serialises():
    import json
    df = clustered()
    design = regression_design(df, outcome="y", regressors=["post"], cluster="region", absorb="firm")
    res = wild_cluster_bootstrap(design, n_boot=199, boot_weights="webb", seed=1)
    out = json.loads(json.dumps(res.to_dict()))
    assert out["type"] == "WildBootstrapResult" and "t_boot" not in out
