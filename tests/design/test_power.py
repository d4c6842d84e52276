"""Tests of hubeval.design.power: McKenzie (2012) formulas, AR(1) covariance, simulation agreement,
statements, errors."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from scipy import stats

import hubeval as hb
from hubeval.core.errors import SpecError
from hubeval.design.power import _covariance, _unit_variance, mde, mde_from_panel


@pytest.mark.parametrize("m, r, rho", [(1, 1, 0.5), (3, 3, 0.7), (5, 2, 0.3), (2, 6, 0.9)])
def test_equicorrelated_matches_mckenzie_2012(m, r, rho):
    omega = _covariance(m + r, 1.0, rho, "equicorrelated")
    did = (1 + (m - 1) * rho) / m + (1 + (r - 1) * rho) / r - 2 * rho
    ancova = (1 + (r - 1) * rho) / r - m * rho**2 / (1 + (m - 1) * rho)
    post = (1 + (r - 1) * rho) / r
    assert _unit_variance(omega, m, "did") == pytest.approx(did)
    assert _unit_variance(omega, m, "ancova") == pytest.approx(ancova)
    assert _unit_variance(omega, m, "post") == pytest.approx(post)
    # The Callaway-Sant'Anna base period is the did formula with a single pre year.
    cs = 1 + (1 + (r - 1) * rho) / r - 2 * rho
    assert _unit_variance(omega, m, "cs") == pytest.approx(cs)


def test_mde_formula_and_power_at():
    res = mde(n_treated=20, n_control=80, pre_years=3, post_years=3, sd=0.5, rho=0.7, design="did")
    row = res.mde.iloc[0]
    var = 0.25 * ((1 + 2 * 0.7) / 3 * 2 - 2 * 0.7) * (1 / 20 + 1 / 80)
    t = stats.t(98)
    assert row["mde"] == pytest.approx((t.ppf(0.975) + t.ppf(0.8)) * np.sqrt(var))
    assert row["mde_percent"] == pytest.approx(100 * np.expm1(row["mde"]))
    assert res.power_at(row["mde"]).iloc[0] == pytest.approx(0.8, abs=1e-3)


def test_ar1_differs_from_equicorrelated():
    # With AR(1) errors the pre-period mean is a worse control for the post mean (Burlig et al. 2020).
    eq = mde(n_treated=20, n_control=80, sd=0.5, rho=0.7, design="did").mde["mde"].iloc[0]
    ar = mde(n_treated=20, n_control=80, sd=0.5, rho=0.7, errors="ar1", design="did").mde["mde"].iloc[0]
    omega = _covariance(6, 0.5, 0.7, "ar1")
    assert omega[0, 2] == pytest.approx(0.25 * 0.49)
    assert ar > eq


def test_statement_says_when_design_cannot_detect_literature_effect():
    small = mde(n_treated=20, n_control=80, sd=0.6, rho=0.5)
    assert "CANNOT reliably detect effects the size of those in rigorous studies (+17%)" in small.statement
    big = mde(n_treated=400, n_control=2000, sd=0.3, rho=0.8)
    assert "Effects the size of those in rigorous studies (+17%) are detectable" in big.statement
    assert big.mde["detects_benchmark"].all()


def test_simulation_agrees_with_analytic_cs():
    kw = dict(n_treated=20, n_control=60, pre_years=2, post_years=2, sd=0.5, rho=0.6)
    analytic = mde(design="cs", **kw).mde.iloc[0]
    sim = mde(method="simulation", n_sims=40, seed=3, **kw).mde.iloc[0]
    assert sim["std_error"] == pytest.approx(analytic["std_error"], rel=0.3)
    assert sim["mde"] == pytest.approx(analytic["mde"], rel=0.35)


@pytest.mark.slow
@pytest.mark.parametrize("errors", ["equicorrelated", "ar1"])
def test_simulation_agrees_with_analytic_cs_precisely(errors):
    kw = dict(n_treated=20, n_control=80, pre_years=3, post_years=3, sd=0.5, rho=0.7, errors=errors)
    analytic = mde(design="cs", **kw).mde.iloc[0]
    sim = mde(method="simulation", n_sims=1000, seed=1, **kw).mde.iloc[0]
    assert sim["std_error"] == pytest.approx(analytic["std_error"], rel=0.06)
    assert sim["mde"] == pytest.approx(analytic["mde"], rel=0.1)


def test_mde_from_panel_uses_the_panels_covariance():
    sim = hb.simulate_panel(600, seed=2, cohorts=(2012,), years=(2008, 2015), treated_share=0.05,
                            unit_sd=0.4, noise_sd=0.2, rho=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    res = mde_from_panel(panel, outcome="y", log_outcome=True)
    # True covariance: firm effect plus stationary AR(1) noise.
    noise = _covariance(8, 0.2 / np.sqrt(1 - 0.25), 0.5, "ar1")
    truth = mde(n_treated=30, n_control=570, pre_years=4, post_years=4, covariance=noise + 0.16,
                design=["cs", "ancova"]).mde
    got = res.mde[res.mde["term"].str.startswith("all cohorts")]
    np.testing.assert_allclose(got["std_error"], truth["std_error"], rtol=0.15)
    assert res.statement.startswith("Estimated from `y` on 570 never-participants")


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_treated=0, n_control=5), "`n_treated` must be a positive integer; got 0."),
    (dict(n_treated=5, n_control=5, rho=1.0), "`rho` must lie strictly between -1 and 1; got 1.0."),
    (dict(n_treated=5, n_control=5, design="rct"), "`design` must be among 'cs', 'did', 'ancova', 'post'; got ['rct']."),
    (dict(n_treated=5, n_control=5, covariance=np.eye(3)), "`covariance` must be 6 x 6 (pre_years + post_years); got (3, 3)."),
])
def test_errors(kwargs, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        mde(**kwargs)


def test_result_serialises():
    import json
    res = mde(n_treated=20, n_control=80)
    assert json.loads(json.dumps(res.to_dict()))["statement"] == res.statement


def test_mde_from_panel_with_an_outcome_missing_in_the_first_year(example_panel):
    """Investment rates need lagged capital, so the panel's first year is empty: still estimable."""
    result = hb.mde_from_panel(example_panel, outcome="investment_rate")
    assert np.isfinite(result.mde["mde"]).all()


@pytest.mark.parametrize("outcome", ["cost_ratio", "investment_rate"])
def test_mde_of_level_outcomes_is_in_their_own_units(example_panel, outcome):
    result = hb.mde_from_panel(example_panel, outcome=outcome)
    table = result.mde
    assert np.isfinite(table["mde"]).all() and table["mde_percent"].isna().all()  # not a log
    base = result.spec["baseline_mean"]
    assert result.spec["percent_scale"] == "baseline mean" and base > 0
    np.testing.assert_allclose(table["mde_percent_of_baseline"], 100 * table["mde"] / base)
    assert "nan" not in result.statement
    best = table.iloc[:2].loc[table["mde"].iloc[:2].idxmin()]
    assert (f"`{outcome}` is read as a level, not a log (its name does not start with log_ or ln_; pass "
            "log_outcome=True if it is in logs); percent is of the participants' mean in the year before "
            "entry. One cohort: ") in result.statement
    assert (f"is {best['mde']:.3g} in outcome units ({best['mde_percent_of_baseline']:.1f}% of the baseline mean) "
            f"(best design: {best['term'][len('one cohort, '):]}; ") in result.statement
    assert f"(+17% of the baseline mean {base:.3g}, {0.17 * base:.3g} in outcome units)" in result.statement


def test_mde_of_a_log_outcome_not_named_log():
    # county panel with log employment `lemp` (as in Callaway & Sant'Anna's mpdta)
    sim = hb.simulate_panel(500, years=(2003, 2007), cohorts=(2004, 2006, 2007), treated_share=0.4, seed=4)
    data = sim.data.rename(columns={"y": "lemp", "firm_id": "county"}).assign(lemp=lambda d: d["lemp"] + 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(data, unit="county", time="year", cohort="cohort")
    level = mde_from_panel(panel, outcome="lemp")
    assert np.isfinite(level.mde["mde"]).all() and level.spec["percent_scale"] == "baseline mean"
    logs = mde_from_panel(panel, outcome="lemp", log_outcome=True)
    np.testing.assert_allclose(logs.mde["mde"], level.mde["mde"])
    np.testing.assert_allclose(logs.mde["mde_percent"], 100 * np.expm1(logs.mde["mde"]))
    assert logs.mde["mde_percent_of_baseline"].isna().all() and level.mde["mde_percent"].isna().all()
    assert logs.spec["percent_scale"] == "log" and "read as a level" not in logs.statement
    assert "nan" not in level.statement + logs.statement


def test_statement_in_outcome_units():
    kw = dict(n_treated=20, n_control=80, pre_years=3, post_years=3, sd=0.3, rho=0.5, log_outcome=False)
    assert mde(**kw).statement == (
        "With 20 participants and 80 comparison firms, 3 years before and 3 after entry, the smallest effect "
        "detectable with 80% power at the 5% level is 0.115 in outcome units (best design: ancova; cs 0.173, "
        "did 0.123, ancova 0.115). Effects the size of those in rigorous studies (+17 in outcome units) are "
        "detectable (power 100%).")
    relative = mde(baseline_mean=2.0, **kw)
    assert relative.statement == (
        "With 20 participants and 80 comparison firms, 3 years before and 3 after entry, the smallest effect "
        "detectable with 80% power at the 5% level is 0.115 in outcome units (5.7% of the baseline mean) "
        "(best design: ancova; cs 0.173, did 0.123, ancova 0.115). Effects the size of those in rigorous "
        "studies (+17% of the baseline mean 2, 0.34 in outcome units) are detectable (power 100%).")
    np.testing.assert_allclose(relative.mde["mde_percent_of_baseline"], 50 * relative.mde["mde"])


@pytest.mark.parametrize("kwargs, message", [
    (dict(baseline_mean=2.0), ("`baseline_mean` applies to level outcomes; with log_outcome=True the MDE is "
                               "already in percent, 100 (exp(mde) - 1). Got baseline_mean=2.0. Fix: drop "
                               "`baseline_mean`, or pass log_outcome=False if the outcome is not in logs.")),
    (dict(baseline_mean=-1.0, log_outcome=False), ("`baseline_mean` must be a positive number (the participants' "
                                                   "mean before entry); got -1.0. Fix: omit it to report the MDE "
                                                   "in outcome units only.")),
])
def test_baseline_mean_errors(kwargs, message):
    with pytest.raises(SpecError, match=f"^{re.escape(message)}$"):
        mde(n_treated=20, n_control=80, **kwargs)
