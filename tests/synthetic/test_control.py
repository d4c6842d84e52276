"""Tests for hubeval.synth and hubeval.synthetic.placebo (issue 6).

Four kinds of truth: simulated truth on a factor-model panel; agreement with pysyncon (ADH, same
specification and the same fixed V; plus "our V is at least as good" for the nested
optimisation); a hand calculation of the SDID definition; invariants and error messages.
"""
from __future__ import annotations

import json
import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

import hubeval as hb
from hubeval.synthetic.control import _simplex_lsq

matplotlib.use("Agg")

POST = list(range(2012, 2020))


def factor_panel(*, n_donors=30, n_periods=20, treated_from=12, effect=0.0, noise=0.2, seed=0,
                 n_covariates=3):
    """Interactive fixed effects panel: ``Y_it = a_i + l_i' f_t + e_it`` (+ effect for unit 0).

    The treated unit's level and loadings are a convex mix of four donors', so a perfect synthetic
    control exists (Abadie et al. 2010, sec. 2.3). Factors are cycles shorter than the pre-period
    plus a trend, so the pre-period identifies the loadings. Covariates are noisy linear functions
    of the loadings, hence informative predictors.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)
    factors = np.column_stack([t / 4] + [np.sin(2 * np.pi * t / p + rng.uniform(0, 6)) for p in (5, 7)])
    loadings = rng.uniform(0, 1, (n_donors, factors.shape[1]))
    levels = rng.normal(10, 1, n_donors)
    mix = np.zeros(n_donors)
    mix[rng.choice(n_donors, 4, replace=False)] = rng.dirichlet(np.ones(4))
    loadings, levels = np.vstack([mix @ loadings, loadings]), np.r_[mix @ levels, levels]
    y = levels[:, None] + loadings @ factors.T + rng.normal(0, noise, (n_donors + 1, n_periods))
    y[0, treated_from:] += effect
    covariates = loadings @ rng.normal(0, 1, (factors.shape[1], n_covariates))
    units = ["treated"] + [f"d{j:02d}" for j in range(1, n_donors + 1)]
    frame = pd.DataFrame({"unit": np.repeat(units, n_periods), "time": np.tile(2000 + t, n_donors + 1),
                          "y": y.ravel()})
    for c in range(n_covariates):
        frame[f"x{c}"] = np.repeat(covariates[:, c], n_periods) + rng.normal(0, 0.05, len(frame))
    return frame


BASE = dict(unit="unit", time="time", outcome="y", treated_unit="treated", treatment_time=2012)
ADH = dict(BASE, predictors=["x0", "x1", "x2"], special_predictors=[("y", [2003]), ("y", [2007]),
                                                                    ("y", [2011])])


@pytest.fixture(scope="module")
def panel():
    return factor_panel(effect=2.0)


@pytest.fixture(scope="module")
def adh(panel):
    return hb.synth(panel, **ADH)


@pytest.fixture(scope="module")
def adh_placebo(adh):
    return hb.synth_placebo(adh)


# ---------------------------------------------------------------------------------------------
# Simulated truth
# ---------------------------------------------------------------------------------------------
def test_adh_recovers_effect(adh, adh_placebo):
    placebo_atts = adh_placebo.in_space.loc[~adh_placebo.in_space["treated"], "att"]
    assert abs(adh.att - 2.0) < 3 * placebo_atts.std()
    assert adh_placebo.p_value == pytest.approx(1 / 31)  # the treated unit ranks first
    assert adh.pre_rmspe < 0.4


def test_sdid_recovers_effect(panel):
    res = hb.synth(panel, **BASE, method="sdid")
    se = res.estimates["std_error"].iloc[0]
    assert abs(res.att - 2.0) < 3 * se
    assert res.estimates["conf_low"].iloc[0] < 2.0 < res.estimates["conf_high"].iloc[0]


def test_no_effect_gives_small_estimates():
    data = factor_panel(effect=0.0, seed=3)
    for method, kwargs in (("synth", ADH), ("sdid", BASE)):
        res = hb.synth(data, **kwargs, method=method)
        assert abs(res.att) < 0.3, method


# ---------------------------------------------------------------------------------------------
# Agreement with pysyncon (ADH)
# ---------------------------------------------------------------------------------------------
def _pysyncon_dataprep(data, predictors, specials, donors, pre):
    pysyncon = pytest.importorskip("pysyncon")
    return pysyncon, pysyncon.Dataprep(
        foo=data, predictors=predictors, predictors_op="mean", dependent="y", unit_variable="unit",
        time_variable="time", treatment_identifier="treated", controls_identifier=donors,
        time_predictors_prior=pre, time_optimize_ssr=pre,
        special_predictors=[(c, p, "mean") for c, p in specials])


def test_weights_and_effect_match_pysyncon_with_fixed_v():
    # Well-conditioned: 11 predictors >= 8 donors makes the inner QP strictly convex, so the
    # weights are unique and both solvers must find the same ones for the same V.
    data = factor_panel(n_donors=8, effect=1.5, seed=4)
    donors = [f"d{j:02d}" for j in range(1, 9)]
    specials = [("y", [year]) for year in range(2004, 2012)]
    pre = list(range(2000, 2012))
    v = np.random.default_rng(1).uniform(0.2, 1, 11)
    ours = hb.synth(data, **BASE, predictors=["x0", "x1", "x2"], special_predictors=specials, v=v)
    pysyncon, dataprep = _pysyncon_dataprep(data, ["x0", "x1", "x2"], specials, donors, pre)
    theirs = pysyncon.Synth()
    theirs.fit(dataprep=dataprep, custom_V=v)
    their_w = pd.Series(theirs.W, index=donors)
    our_w = ours.weights.set_index("unit")["weight"].reindex(donors)
    np.testing.assert_allclose(our_w, their_w, atol=0.01)
    their_att = theirs.att(time_period=POST)["att"]
    assert ours.att == pytest.approx(their_att, rel=0.01)


def test_optimised_v_at_least_as_good_as_pysyncon():
    # The nested V problem is non-convex; both find local optima. Ours must fit the pre-period
    # outcome at least as well (within 1%) on the same specification.
    data = factor_panel(n_donors=10, effect=1.5, seed=5)
    donors = [f"d{j:02d}" for j in range(1, 11)]
    specials = [("y", [2005]), ("y", [2010])]
    ours = hb.synth(data, **BASE, predictors=["x0", "x1"], special_predictors=specials)
    pysyncon, dataprep = _pysyncon_dataprep(data, ["x0", "x1"], specials, donors, list(range(2000, 2012)))
    theirs = pysyncon.Synth()
    theirs.fit(dataprep=dataprep)
    assert ours.pre_rmspe ** 2 <= theirs.loss_V * 1.01


# ---------------------------------------------------------------------------------------------
# SDID against its definition (Arkhangelsky et al. 2021, eqs. 2.2-2.4)
# ---------------------------------------------------------------------------------------------
def test_sdid_matches_hand_calculation():
    # Treated T and controls A, B; 2000-2002 pre, 2003 post.
    Y = np.array([[1.0, 3.0, 4.0, 9.0], [2.0, 3.0, 6.0, 7.0], [0.0, 1.0, 2.0, 4.5]])
    data = pd.DataFrame([(u, 2000 + t, Y[i, t]) for i, u in enumerate("TAB") for t in range(4)],
                        columns=["unit", "time", "y"])
    res = hb.synth(data, unit="unit", time="time", outcome="y", treated_unit="T",
                   treatment_time=2003, method="sdid")
    # Unit weights (w, 1 - w). The intercept demeans each series over the pre-period, leaving a
    # one-dimensional ridge problem: min_w sum_t (w u_t - r_t)^2 / T0 + zeta^2 (w^2 + (1 - w)^2)
    # with u = A - B and r = T - B demeaned, so w = (2/T0 u'r + 2 zeta^2) / (2/T0 u'u + 4 zeta^2).
    pre = Y[:, :3] - Y[:, :3].mean(axis=1, keepdims=True)
    u, r = pre[1] - pre[2], pre[0] - pre[2]
    sigma = np.std(np.diff(Y[1:, :3], axis=1), ddof=1)   # sd of the controls' first differences
    zeta = (1 * 1) ** 0.25 * sigma                       # (N_tr T_post)^(1/4) sigma
    w = (2 / 3 * u @ r + 2 * zeta ** 2) / (2 / 3 * u @ u + 4 * zeta ** 2)
    # Time weights: demeaning over the two controls leaves one equation, lambda'(A - B)_pre =
    # (A - B)_post; the vanishing ridge picks the minimum-norm solution on the simplex.
    a = Y[1] - Y[2]
    M = np.vstack([a[:3], np.ones(3)])
    lam = M.T @ np.linalg.solve(M @ M.T, [a[3], 1.0])
    assert 0 < w < 1 and (lam > 0).all()
    did = lambda row: row[3] - lam @ row[:3]
    tau = did(Y[0]) - (w * did(Y[1]) + (1 - w) * did(Y[2]))
    assert res.weights.set_index("unit").loc["A", "weight"] == pytest.approx(w, abs=1e-8)
    np.testing.assert_allclose(res.time_weights["weight"], lam, atol=1e-6)
    assert res.att == pytest.approx(tau, abs=1e-6)


def test_sdid_exact_under_parallel_trends():
    # Y_it = a_i + b_t (+ tau): any unit and time weights difference out a_i and b_t.
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 3, 6), rng.normal(0, 1, 10).cumsum()
    Y = a[:, None] + b[None, :]
    Y[0, 7:] += 1.25
    frame = pd.DataFrame({"unit": np.repeat(list("TABCDE"), 10), "time": np.tile(np.arange(10), 6),
                          "y": Y.ravel()})
    res = hb.synth(frame, unit="unit", time="time", outcome="y", treated_unit="T", treatment_time=7,
                   method="sdid")
    assert res.att == pytest.approx(1.25, abs=1e-9)


def test_sdid_unit_weights_solve_the_regularised_problem(panel):
    res = hb.synth(panel, **BASE, method="sdid")
    wide = panel.pivot(index="unit", columns="time", values="y")
    pre = [t for t in wide.columns if t < 2012]
    donors = res.weights["unit"].tolist()
    A, b = wide.loc[donors, pre].to_numpy().T, wide.loc["treated", pre].to_numpy()
    zeta = (1 * 8) ** 0.25 * np.diff(wide.loc[donors, pre].to_numpy(), axis=1).std(ddof=1)

    def objective(w):  # the paper's l_unit / T_pre, intercept profiled out
        r = (A - A.mean(0)) @ w - (b - b.mean())
        return r @ r / len(pre) + zeta ** 2 * w @ w

    ours = res.weights["weight"].to_numpy()
    check = minimize(objective, np.full(len(donors), 1 / len(donors)), method="SLSQP",
                     bounds=[(0, 1)] * len(donors), options={"ftol": 1e-14, "maxiter": 500},
                     constraints={"type": "eq", "fun": lambda w: w.sum() - 1})
    assert objective(ours) <= check.fun + 1e-10
    np.testing.assert_allclose(ours, check.x, atol=1e-4)


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------
def test_simplex_solver_is_exact():
    rng = np.random.default_rng(0)
    for _ in range(5):
        C = rng.normal(size=(6, 12))
        w = _simplex_lsq(C)
        check = minimize(lambda x: np.sum((C @ x) ** 2), np.full(12, 1 / 12), method="SLSQP",
                         bounds=[(0, 1)] * 12, options={"ftol": 1e-15, "maxiter": 1000},
                         constraints={"type": "eq", "fun": lambda x: x.sum() - 1})
        assert np.sum((C @ w) ** 2) <= check.fun + 1e-10
        assert w.min() >= 0 and w.sum() == pytest.approx(1)


@pytest.mark.parametrize("kwargs", [ADH, BASE, dict(BASE, method="sdid")], ids=["adh", "path", "sdid"])
def test_weights_on_simplex(panel, kwargs):
    res = hb.synth(panel, **kwargs)
    assert (res.weights["weight"] >= 0).all()
    assert res.weights["weight"].sum() == pytest.approx(1)
    if res.time_weights is not None:
        assert (res.time_weights["weight"] >= 0).all()
        assert res.time_weights["weight"].sum() == pytest.approx(1)


@pytest.mark.parametrize("kwargs", [ADH, BASE], ids=["adh", "path"])
def test_identical_donor_gets_all_weight(kwargs):
    data = factor_panel(seed=6)
    twin = data[data["unit"] == "d07"].assign(unit="treated")
    data = pd.concat([data[data["unit"] != "treated"], twin], ignore_index=True)
    res = hb.synth(data, **kwargs)
    assert res.weights.iloc[0]["unit"] == "d07"
    assert res.weights.iloc[0]["weight"] == pytest.approx(1, abs=1e-6)
    assert res.att == pytest.approx(0, abs=1e-6)


def test_row_order_and_input_not_mutated(panel, adh):
    shuffled = panel.sample(frac=1, random_state=1)
    before = shuffled.copy()
    res = hb.synth(shuffled, **ADH)
    pd.testing.assert_frame_equal(shuffled, before)
    assert res.att == pytest.approx(adh.att, abs=1e-8)


def test_placebo_fit_equals_synth_with_that_unit_treated(panel, adh, adh_placebo):
    donors = [u for u in panel["unit"].unique() if u not in ("treated", "d05")]
    direct = hb.synth(panel, **dict(ADH, treated_unit="d05", donors=donors))
    row = adh_placebo.in_space.set_index("unit").loc["d05"]
    assert row["att"] == pytest.approx(direct.att, abs=1e-8)
    assert row["pre_rmspe"] == pytest.approx(direct.pre_rmspe, abs=1e-8)


def test_placebo_tables(adh, adh_placebo):
    table = adh_placebo.in_space
    assert len(table) == adh.n_donors + 1 and adh_placebo.min_p_value == 1 / 31
    treated = table[table["treated"]].iloc[0]
    assert adh_placebo.p_value == (table["ratio"] >= treated["ratio"]).sum() / len(table)
    est = adh_placebo.estimates.set_index("term")
    assert est.loc["att", "statistic"] == pytest.approx(treated["ratio"])
    assert est.loc["att", "estimate"] == pytest.approx(adh.att)
    # Leave-one-out drops exactly the donors with positive weight.
    assert set(adh_placebo.leave_one_out["unit"]) == set(adh.weights.query("weight > 0.001")["unit"])
    assert adh_placebo.in_time.spec["treatment_time"] == 2006
    assert abs(adh_placebo.in_time.att) < abs(adh.att) / 2  # no effect before the real treatment
    json.dumps(adh_placebo.to_dict())


def test_few_donors_warn_that_significance_is_impossible():
    data = factor_panel(n_donors=12, seed=7)
    res = hb.synth(data, **BASE)
    message = ("With 12 donors the smallest attainable placebo p-value is 1/13 = 0.077 > alpha = 0.05, "
               "so the placebo test cannot reject at that level. Fix: use at least 19 donors, or "
               "report the rank instead of significance.")
    with pytest.warns(hb.EstimationWarning, match=re.escape(message)):
        placebo = hb.synth_placebo(res, tests=["in_space"])
    assert placebo.min_p_value == pytest.approx(1 / 13)
    assert message in placebo.spec["warnings"]


def test_placebo_accepts_data_and_sdid(panel):
    placebo = hb.synth_placebo(panel, **BASE, method="sdid", tests=["in_space", "leave_one_out"])
    assert placebo.result.spec["method"] == "sdid"
    positive = placebo.result.weights.query("weight > 0.001")
    assert placebo.in_time is None and len(placebo.leave_one_out) == len(positive) > 10
    assert placebo.estimates.loc[0, "std_error"] > 0


def test_result_surface(adh):
    assert list(adh.gaps.columns) == ["term", "time", "treated", "synthetic", "estimate", "post"]
    assert adh.gaps.loc[adh.gaps["post"], "estimate"].mean() == pytest.approx(adh.att)
    assert list(adh.balance.columns) == ["predictor", "importance", "treated", "synthetic", "donor_mean"]
    assert adh.balance["predictor"].tolist() == ["x0", "x1", "x2", "y[2003]", "y[2007]", "y[2011]"]
    assert adh.balance["importance"].sum() == pytest.approx(1)
    assert adh.estimates.columns[:7].tolist() == hb.TIDY_COLUMNS
    assert adh.n_donors == 30 and adh.n_pre == 12 and adh.n_post == 8
    assert "Synthetic control" in adh.summary() and "<table" in adh._repr_html_()
    json.dumps(adh.to_dict())
    assert "_problem" not in adh.to_dict()


def test_panel_input_supplies_roles_and_never_treated_donors(panel):
    data = panel.assign(cohort=np.where(panel["unit"] == "treated", 2012, 0))
    data.loc[data["unit"] == "d01", "cohort"] = 2015  # a later participant must not be a donor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hb.DataWarning)
        hb_panel = hb.Panel(data, unit="unit", time="time", cohort="cohort")
    res = hb.synth(hb_panel, outcome="y", treated_unit="treated")
    assert res.spec["treatment_time"] == 2012 and res.n_donors == 29
    assert "d01" not in set(res.weights["unit"])


def test_city_panel_shape():
    cities = factor_panel(n_donors=39, n_periods=19, treated_from=11).assign(
        unit=lambda d: d["unit"].replace({"treated": "Gwangyang"}))
    kw = dict(unit="unit", time="time", outcome="y", treated_unit="Gwangyang", treatment_time=2011,
              predictors=["x0", "x1", "x2"], special_predictors=[("y", [2005]), ("y", [2010])])
    placebo = hb.synth_placebo(hb.synth(cities, **kw))
    assert placebo.n_placebos == 39 and placebo.min_p_value == 1 / 40


def test_plots(adh, adh_placebo):
    ax = hb.plot_synth_trajectory(adh_placebo)
    assert len(ax.lines) >= 2 + len(adh_placebo.leave_one_out)
    ax = hb.plot_synth_gaps(adh_placebo, max_pre_rmspe_ratio=5)
    assert 2 <= len(ax.lines) <= adh.n_donors + 3
    ax = hb.plot_synth_weights(adh, top=3)
    assert len(ax.patches) == min(3, int((adh.weights["weight"] >= 1e-3).sum()))
    import matplotlib.pyplot as plt
    plt.close("all")


# ---------------------------------------------------------------------------------------------
# Errors: the full message is API
# ---------------------------------------------------------------------------------------------
def _raises(error, message, data, **kwargs):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        hb.synth(data, **{**ADH, **kwargs})


def test_error_treated_unit_missing(panel):
    _raises(hb.PanelError, "`treated_unit`='Gwangyang' is not in column `unit` (31 units, e.g. treated, "
            "d01, d02, d03, d04 (and 26 more)). Fix: check the spelling or pass one of the units in `data`.",
            panel, treated_unit="Gwangyang")


def test_error_treatment_time_outside_range(panel):
    _raises(hb.SpecError, "`treatment_time`=2030 is outside the observed range of `time` (2000 to "
            "2019); synthetic control needs periods before and from treatment. Fix: pass a time "
            "after 2000 and at or before 2019.", panel, treatment_time=2030)


def test_error_too_few_pre_periods(panel):
    _raises(hb.SpecError, "Only 2 pre-treatment period(s) (2000, 2001) before `treatment_time`=2002; "
            "at least 3 are needed to fit weights (Abadie 2021 advises many more). Fix: use data "
            "with a longer history or a wider `pre_period`.", panel, treatment_time=2002,
            special_predictors=None)


def test_error_post_period_before_treatment(panel):
    # the mirror of the `pre_period` check: years before treatment are not dropped silently
    _raises(hb.SpecError, "`post_period` must hold observed periods at or after `treatment_time`=2012; "
            "got 2010, 2011, 2012, 2013 (2 before it: 2010, 2011). Fix: drop the earlier periods.",
            panel, post_period=[2010, 2011, 2012, 2013])


def test_error_pre_period_after_treatment(panel):
    _raises(hb.SpecError, "`pre_period` must hold observed periods before `treatment_time`=2012; got "
            "2008, 2009, 2010, 2011, 2012. Fix: drop later periods.", panel,
            pre_period=[2008, 2009, 2010, 2011, 2012])


def test_error_donor_missing_outcome(panel):
    data = panel.copy()
    data.loc[(data["unit"] == "d03") & data["time"].isin([2004, 2005]), "y"] = np.nan
    data = data[~((data["unit"] == "d09") & (data["time"] == 2001))]
    _raises(hb.PanelError, "2 unit(s) have missing `y` in the fitting window 2000-2011: d03 (2004, "
            "2005), d09 (2001). Fix: drop those units with `donors=` or fill the gaps before "
            "calling synth().", data)


def test_error_constant_predictor(panel):
    _raises(hb.SpecError, "Predictor `flat` is constant across units (all 5), so it cannot be "
            "standardised and cannot help matching. Fix: drop it from "
            "`predictors`/`special_predictors`.", panel.assign(flat=5.0), predictors=["x0", "flat"])


def test_error_duplicate_rows(panel):
    data = pd.concat([panel, panel.iloc[[0, 25]]], ignore_index=True)
    _raises(hb.PanelError, "`data` has 2 duplicate (`unit`, `time`) pair(s) over 4 rows: (treated, "
            "2000), (d01, 2005). Fix: keep one row per unit and period (aggregate or drop "
            "duplicates, e.g. data.drop_duplicates(['unit', 'time'])).", data)


def test_error_missing_roles_and_time_type(panel):
    with pytest.raises(hb.SpecError, match=re.escape(
            "`treated_unit`, `treatment_time` required when `data` is a DataFrame. Fix: pass them, "
            "e.g. unit='city', time='year', treated_unit='Gwangyang', treatment_time=2011.")):
        hb.synth(panel, unit="unit", time="time", outcome="y")
    _raises(hb.SpecError, "`treatment_time`='2012' cannot be compared with `time` values such as 2000. "
            "Fix: pass it with the same type, e.g. treatment_time=2010.", panel, treatment_time="2012")


def test_error_other_bad_requests(panel):
    _raises(hb.SpecError, "`method`='lasso' is not one of synth, sdid. Fix: use 'synth' (Abadie et "
            "al. 2010) or 'sdid' (Arkhangelsky et al. 2021).", panel, method="lasso")
    _raises(hb.PanelError, "Column(s) `jobs` (outcome) not found in `data`. Available columns: unit, "
            "time, y, x0, x1, x2. Fix: pass existing column names or rename the columns.",
            panel, outcome="jobs")
    _raises(hb.SpecError, "`special_predictors` entry for `y` uses period(s) 2013 at or after "
            "`treatment_time`=2012, which would let the effect leak into the match. Fix: use "
            "pre-treatment periods.", panel, special_predictors=[("y", [2013])])
    with pytest.raises(hb.SpecError, match=re.escape("`placebo_time`=2001 cannot be used: it must be a "
                                                     "period of the fitting window with at least 3 earlier "
                                                     "periods; the window is 2000-2011. Fix: pass one of ")):
        hb.synth_placebo(panel, **BASE, tests=["in_time"], placebo_time=2001)


def test_in_time_default_respects_late_predictor_period(panel):
    # Prop 99's design (Abadie et al. 2010): predictors averaged over the last pre-treatment
    # years. The middle of the window (2006) leaves no predictor year before it, so the default
    # moves to the nearest valid period, 2009 (predictor years 2008 kept).
    res = hb.synth(panel, **BASE, predictors=["x0", "x1"], predictor_period=[2008, 2009, 2010, 2011],
                   special_predictors=[("y", [2003]), ("y", [2011])])
    placebo = hb.synth_placebo(res)
    assert placebo.spec["placebo_time"] == 2009
    assert placebo.in_time.spec["treatment_time"] == 2009
    assert "in-time placebo dropped special predictor `y` [2011]" in placebo.note
    with pytest.raises(hb.SpecError) as err:
        hb.synth_placebo(res, tests=["in_time"], placebo_time=2005)
    assert str(err.value) == ("`placebo_time`=2005 cannot be used: the `predictors` are averaged over "
                              "`predictor_period` 2008-2011, none of which falls before it. Fix: pass one of "
                              "2009, 2010, 2011.")


def test_in_time_default_skipped_with_reason_when_no_period_is_valid(panel):
    res = hb.synth(panel, **BASE, predictors=["x0"], predictor_period=[2011])
    with pytest.warns(hb.EstimationWarning) as caught:
        placebo = hb.synth_placebo(res)
    text = ("in-time placebo not run: no period of the fitting window 2000-2011 leaves 3 earlier periods "
            "and a predictor period before it. Pass `placebo_time` with a shorter `predictor_period`, or "
            "leave \"in_time\" out of `tests`.")
    assert text in [str(w.message) for w in caught]
    assert placebo.in_time is None and placebo.spec["placebo_time"] is None
    assert "att_placebo_time" not in placebo.estimates["term"].tolist()
    assert placebo.p_value == placebo.p_value  # the in-space test still ran
