"""Tests of hubeval.design.matching: balance arithmetic, weights' structure, simulated selection, errors."""
from __future__ import annotations

import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import EstimationError, SpecError
from hubeval.design.balance import balance_table
from hubeval.design.matching import match

matplotlib.use("Agg")


def make_panel(n=300, seed=3, **kw):
    sim = hb.simulate_panel(n, seed=seed, selection_x=1.5, trend_x=0.03, treated_share=0.2, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")


@pytest.fixture(scope="module")
def panel():
    return make_panel()


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def test_balance_table_matches_hand_computation():
    data = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0, 0], "x": [1.0, 2.0, 4.0, 0.0, 1.0, 1.0, 3.0]})
    w = np.array([1, 1, 1, 0.5, 2.0, 0.0, 1.0])
    table = balance_table(data, treatment="t", covariates=["x"], weights=w)
    xt, xc = np.array([1.0, 2, 4]), np.array([0.0, 1, 1, 3])
    scale = np.sqrt((xt.var(ddof=1) + xc.var(ddof=1)) / 2)
    assert table.loc[0, "smd_before"] == pytest.approx((xt.mean() - xc.mean()) / scale)
    assert table.loc[0, "variance_ratio_before"] == pytest.approx(xt.var(ddof=1) / xc.var(ddof=1))
    wc = w[3:] / w[3:].sum()
    mc = wc @ xc
    vc = wc @ (xc - mc) ** 2 / (1 - (wc**2).sum())
    assert table.loc[0, "mean_control_after"] == pytest.approx(mc)
    assert table.loc[0, "smd_after"] == pytest.approx((xt.mean() - mc) / scale)
    assert table.loc[0, "variance_ratio_after"] == pytest.approx(xt.var(ddof=1) / vc)
    assert table.loc[0, "flag_before"] == "imbalanced"


def test_balance_flags_thresholds():
    data = pd.DataFrame({"t": [1, 1, 0, 0], "a": [0.05, -0.05, 0.0, 0.0], "b": [1.0, 0.0, 0.9, 0.1]})
    table = balance_table(data, treatment="t", covariates=["a", "b"])
    assert list(table["flag_before"]) == ["ok", "ok"]
    assert table["smd_after"].isna().all()


@pytest.mark.parametrize("method", ["nearest", "ipw", "entropy"])
def test_methods_remove_selection_on_x(panel, method):
    res = quiet(match, panel, method=method, covariates=["x"], outcomes=["y"])
    bal = res.balance.set_index("term")
    assert bal.loc["x", "smd_before"] > 0.25
    assert (bal["smd_after"].abs() < 0.1).all()
    assert (res.weights > 0).all()
    units = res.units
    # Participants weigh 1 and each cohort's comparison weights sum to its kept participants.
    kept = units[units["weight"] > 0]
    per = kept.groupby(["cohort", "treated"])["weight"].sum().unstack()
    np.testing.assert_allclose(per[False], per[True])
    assert set(kept.loc[kept["treated"], "weight"]) == {1.0}


def test_entropy_balances_means_exactly(panel):
    res = quiet(match, panel, method="entropy", covariates=["x"], outcomes=["y"])
    assert res.balance["smd_after"].abs().max() < 1e-6
    for g, s in res.units.groupby("cohort"):
        t = s[s["treated"]]
        c = s[~s["treated"]]
        assert np.average(c["y_pre_trend"], weights=c["weight"]) == pytest.approx(t["y_pre_trend"].mean(), abs=1e-6)


def test_nearest_respects_ratio_caliper_and_exact(panel):
    res = quiet(match, panel, covariates=["y"], exact=["x"], ratio=2, caliper=0.1)
    m, u = res.matches, res.units
    assert m.groupby(["cohort", "treated_unit"]).size().max() <= 2
    logit = np.log(u["pscore"] / (1 - u["pscore"]))
    assert m["distance"].max() <= 0.1 * logit[u["in_support"]].std() + 1e-12
    x = panel.data.groupby("firm_id")["x"].first()
    assert (x[m["treated_unit"]].to_numpy() == x[m["control_unit"]].to_numpy()).all()


def test_without_replacement_uses_each_control_once(panel):
    res = quiet(match, panel, covariates=["x"], outcomes=["y"], replace=False, ratio=1, caliper=None)
    assert not res.matches.duplicated(["cohort", "control_unit"]).any()


def test_ipw_weights_are_normalised_odds(panel):
    res = quiet(match, panel, method="ipw", covariates=["x"], outcomes=["y"], trim="none")
    s = res.units[res.units["cohort"] == res.units["cohort"].min()]
    c = s[~s["treated"]]
    odds = c["pscore"] / (1 - c["pscore"])
    np.testing.assert_allclose(c["weight"], odds / odds.sum() * s["treated"].sum())


def test_to_panel_feeds_estimators_and_input_not_mutated(panel):
    before = panel.data.copy()
    res = quiet(match, panel, covariates=["x"], outcomes=["y"])
    sub = quiet(res.to_panel, panel)
    assert set(sub.units) == set(res.weights.index)
    assert (sub.data.groupby("firm_id")["weight"].first() == res.weights.sort_index()).all()
    pd.testing.assert_frame_equal(panel.data, before)
    with pytest.raises(SpecError, match=re.escape("`column`: the panel already has a column named 'x'")):
        res.to_panel(panel, column="x")


def test_pool_inside_outside(panel):
    data = panel.data.assign(region=lambda d: np.where(d["firm_id"].str[-1].isin(list("01234")), "GY", "other"))
    p = quiet(panel.with_data, data)
    inside = quiet(match, p, covariates=["x"], outcomes=["y"], pool="inside", region="region", home="GY")
    outside = quiet(match, p, covariates=["x"], outcomes=["y"], pool="outside", region="region", home="GY")
    region = data.groupby("firm_id")["region"].first()
    ci = inside.units.loc[~inside.units["treated"], "unit"]
    co = outside.units.loc[~outside.units["treated"], "unit"]
    assert (region[ci] == "GY").all() and (region[co] == "other").all()


def test_support_table_counts(panel):
    res = quiet(match, panel, method="ipw", covariates=["x"], outcomes=["y"])
    s = res.support
    assert (s["treated_kept"] + s["treated_off_support"] + s["treated_unmatched"] == s["treated"]).all()
    assert s["treated"].sum() == panel.n_treated


def test_error_single_firm_stratum(panel):
    data = panel.data
    lone = data.loc[np.isfinite(data["cohort"]), "firm_id"].iloc[0]
    data["sector"] = np.where(data["firm_id"] == lone, "ships", "metal")
    p = quiet(panel.with_data, data)
    g = int(data.loc[data["firm_id"] == lone, "cohort"].iloc[0])
    with pytest.raises(SpecError, match=re.escape(
            f"Exact matching on ['sector']: 1 stratum/strata hold participants but no comparison firm: "
            f"cohort {g} / ships (1 firm). A firm alone in its stratum cannot be matched.")):
        quiet(match, p, covariates=["x"], exact=["sector"])


def test_error_caliper_matches_nobody(panel):
    with pytest.raises(SpecError, match=r"^`caliper=1e-12` \(= [0-9.e-]+ on the logit score\) matches "
                                        r"nobody: no participant has a comparison firm that close\."):
        quiet(match, panel, covariates=["x"], outcomes=["y"], caliper=1e-12)


def test_error_all_weight_on_one_firm():
    # The guard every method passes through; a public route needs a degenerate score model.
    from hubeval.design._weighting import _check_concentration
    stacks = pd.DataFrame({"unit": ["T1", "T2", "C1", "C2"], "treated": [True, True, False, False]})
    weights = pd.Series({"T1": 1.0, "T2": 1.0, "C1": 1.95, "C2": 0.05})
    with pytest.raises(EstimationError, match=re.escape(
            "98% of the comparison weight falls on one firm (C1): the comparison group is a single "
            "firm and its data would be disclosed.")):
        _check_concentration(weights, stacks)
    _check_concentration(pd.Series({"T1": 1.0, "T2": 1.0, "C1": 1.0, "C2": 1.0}), stacks)


def test_error_entropy_infeasible(panel):
    data = panel.data.assign(z=lambda d: np.where(d["cohort"] < np.inf, 5.0, 1.0) + 0.01 * d["y"])
    p = quiet(panel.with_data, data)
    with pytest.raises(EstimationError, match=r"Entropy balancing is impossible for cohort \d+: no "
                                              r"weighting of its \d+ comparison firms reproduces"):
        quiet(match, p, method="entropy", covariates=["z"])


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="kernel", covariates=["x"]),
     "`method` must be one of 'nearest', 'ipw', 'entropy'; got 'kernel'."),
    (dict(covariates=["size"]), "Column(s) `size` not found in the panel."),
    (dict(), "Nothing to match on: give `covariates=` and/or `outcomes=`"),
    (dict(covariates=["x"], pool="inside"), "`pool='inside'` needs `region=` (the region column) and `home=`"),
    (dict(covariates=["x"], ratio=0), "`ratio` must be a positive integer; got 0."),
])
def test_argument_errors(panel, kwargs, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        match(panel, **kwargs)


def test_love_plot_returns_axes(panel):
    import matplotlib.pyplot as plt
    res = quiet(match, panel, covariates=["x"], outcomes=["y"])
    ax = hb.plot_balance(res) if hasattr(hb, "plot_balance") else __import__(
        "hubeval.report.plots.balance", fromlist=["x"]).plot_balance(res)
    assert len(ax.get_yticklabels()) == len(res.balance)
    plt.close("all")


def test_matched_sample_removes_selection_bias_in_att_gt():
    """Simulated truth: participation and trends both depend on x (conditional parallel trends).

    The unweighted CS estimate is biased upward; on the entropy-balanced sample it is centred on
    the truth (mean over seeds; single draws are noisier than att_gt's SE, which treats the
    weights as known).
    """
    naive, matched, truth = [], [], []
    for seed in (1, 2, 3):
        sim = hb.simulate_panel(400, seed=seed, selection_x=2.0, trend_x=0.04, treated_share=0.2, effect=0.1)
        p = quiet(hb.Panel, sim.data, unit="firm_id", time="year", cohort="cohort")
        truth.append(sim.true_effect("simple").iloc[0])
        naive.append(quiet(hb.aggregate, quiet(hb.att_gt, p, outcome="y"), by="simple").overall["estimate"])
        sub = quiet(quiet(match, p, method="entropy", covariates=["x"], outcomes=["y"]).to_panel, p)
        matched.append(quiet(hb.aggregate, quiet(hb.att_gt, sub, outcome="y", weights="weight"),
                             by="simple").overall["estimate"])
    assert np.mean(naive) - np.mean(truth) > 0.04
    assert abs(np.mean(matched) - np.mean(truth)) < 0.02


def test_result_serialises(panel):
    import json
    res = quiet(match, panel, covariates=["x"], outcomes=["y"])
    out = json.loads(json.dumps(res.to_dict()))
    assert out["n_treated"] == res.n_treated and len(out["balance"]) == len(res.balance)
    assert not {"estimates", "weights", "units", "matches"} & set(out)  # per-firm data stays out
    pd.testing.assert_frame_equal(res.tidy(), res.balance)


def _brute_force_match(score, treated, controls, ratio, width, replace):
    """Reference: a stable sort of all distances per participant (the definition)."""
    order = treated[np.argsort(-score[treated], kind="stable")]
    available = np.ones(len(controls), bool)
    pairs = []
    for t in order:
        dist = np.where(available, np.abs(score[controls] - score[t]), np.inf)
        nearest = np.argsort(dist, kind="stable")[:ratio]
        nearest = nearest[np.isfinite(dist[nearest]) & ((width is None) | (dist[nearest] <= (width or 0)))]
        if not replace:
            available[nearest] = False
        pairs += [(t, controls[j], float(dist[j])) for j in nearest]
    return pairs


@pytest.mark.parametrize("ratio", [1, 3])
@pytest.mark.parametrize("replace", [True, False])
@pytest.mark.parametrize("width", [None, 0.05])
def test_sorted_search_equals_brute_force(ratio, replace, width):
    from hubeval.design._weighting import _match_cell
    rng = np.random.default_rng(ratio + 2 * replace)
    score = np.round(rng.normal(size=400), 1)  # rounded: many exact ties in distance
    idx = rng.permutation(400)
    treated, controls = np.sort(idx[:40]), np.sort(idx[40:])
    assert _match_cell(score, treated, controls, ratio, width, replace) == _brute_force_match(
        score, treated, controls, ratio, width, replace)
