"""Tests of hubeval.design.robustness: the HonestDiD README example, Delta^RM constraints, invariants,
placebo and subgroup checks, errors, plot."""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import hubeval as hb
from hubeval.core.errors import SpecError
from hubeval.design.robustness import placebo_entry, placebo_outcomes, subgroup_effects
from hubeval.inference.honest import _rm_constraints, relative_magnitudes

matplotlib.use("Agg")
GOLDEN = json.loads((Path(__file__).resolve().parents[1] / "golden" / "honestdid_medicaid.json").read_text())


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def medicaid():
    pub = GOLDEN["published"]
    res = relative_magnitudes(np.array(GOLDEN["betahat"]), np.array(GOLDEN["sigma"]), n_pre=GOLDEN["n_pre"],
                              n_post=GOLDEN["n_post"], mbar=pub["mbar"])
    return res, pub


def test_matches_published_honestdid_example(medicaid):
    res, pub = medicaid
    robust = res.estimates[res.estimates["method"] == "C-LF"]
    sd = np.sqrt(GOLDEN["sigma"][GOLDEN["n_pre"]][GOLDEN["n_pre"]])
    grid_step = 40 * sd / (pub["grid_points"] - 1)  # R tests a 1,000-point grid on [-20 sd, 20 sd]
    np.testing.assert_allclose(robust["conf_low"], pub["lb"], atol=grid_step)
    np.testing.assert_allclose(robust["conf_high"], pub["ub"], atol=grid_step)
    # R reports the outermost accepted grid points, so its intervals lie (just) inside ours.
    assert (robust["conf_low"].to_numpy() <= np.array(pub["lb"]) + 1e-6).all()
    assert (robust["conf_high"].to_numpy() >= np.array(pub["ub"]) - 1e-6).all()


def test_breakdown_value_and_nesting(medicaid):
    res, _ = medicaid
    # README: significant at Mbar = 1.5, not at Mbar = 2.
    assert 1.5 < res.breakdown_mbar < 2.0
    robust = res.estimates[res.estimates["method"] == "C-LF"]
    assert robust["conf_low"].is_monotonic_decreasing and robust["conf_high"].is_monotonic_increasing
    original = res.estimates.iloc[0]
    assert original["conf_low"] == pytest.approx(GOLDEN["betahat"][5] - 1.959964 * np.sqrt(GOLDEN["sigma"][5][5]), rel=1e-5)
    assert res.statement.startswith("Breakdown Mbar = 1.9")


def test_rm_constraints_by_hand():
    # Two pre periods (-2, -1), reference 0 dropped, one post (1); max difference at s = 0, positive:
    # delta_0 - delta_-1 = -delta_-1 bounds |delta_-1 - delta_-2| and |delta_1 - 0| <= Mbar * (-delta_-1).
    A = _rm_constraints(2, 1, 2.0, 0, True)
    delta = np.array([-0.1, -0.3, 0.5])         # (-2, -1, 1): pre diffs -0.2, 0.3; post diff 0.5 <= 0.6
    assert (A @ delta <= 1e-12).all()
    assert (A @ np.array([-0.1, -0.3, 0.7]) > 0).any()  # post diff 0.7 > 2 * 0.3
    assert (A @ np.array([-0.3, -0.1, 0.1]) > 0).any()  # |-0.1 - -0.3| = 0.2 > 0.1: s = 0 not the max


def test_cs_event_study_input():
    sim = hb.simulate_panel(300, seed=1, effect=0.15)
    panel = quiet(hb.Panel, sim.data, unit="firm_id", time="year", cohort="cohort")
    es = quiet(hb.aggregate, quiet(hb.att_gt, panel, outcome="y", base_period="universal"), by="event_time",
               min_event_time=-3, max_event_time=2)
    res = relative_magnitudes(es, mbar=(0.5, 1.0), l_vec=np.ones(3) / 3)
    assert res.spec["n_pre"] == 2 and res.spec["n_post"] == 3  # e = -3, -2 (e = -1 is the reference)
    assert res.breakdown_mbar > 0
    varying = quiet(hb.aggregate, quiet(hb.att_gt, panel, outcome="y"), by="event_time")
    with pytest.raises(SpecError, match=re.escape("Rambachan-Roth sensitivity needs an event study with a "
                                                  "universal base period")):
        relative_magnitudes(varying)


def test_errors():
    with pytest.raises(SpecError, match=re.escape("With an array `estimate`, also give `vcov`, `n_pre` and `n_post`.")):
        relative_magnitudes(np.zeros(3))
    with pytest.raises(SpecError, match=re.escape("`l_vec` must have one weight per post period (2); got (3,).")):
        relative_magnitudes(np.zeros(4), np.eye(4), n_pre=2, n_post=2, l_vec=[1, 0, 0])


def test_placebo_entry_null_and_dip():
    clean = make_panel(seed=2)
    res = quiet(placebo_entry, clean, outcome="y", shift=2)
    assert res.estimates["p_value"].iloc[0] > 0.01
    dipped = make_panel(seed=2, dip=-0.15)
    res = quiet(placebo_entry, dipped, outcome="y", shift=2)
    assert res.estimates["p_value"].iloc[0] < 0.01
    assert "Significant: participants were already diverging before entry" in res.statement
    with pytest.raises(SpecError, match=re.escape("`shift` must be a positive integer number of years; got 0.")):
        placebo_entry(clean, outcome="y", shift=0)


def make_panel(n=300, seed=1, **kw):
    sim = hb.simulate_panel(n, seed=seed, **kw)
    data = sim.data.assign(noise=np.random.default_rng(seed).normal(size=len(sim.data)))
    return quiet(hb.Panel, data, unit="firm_id", time="year", cohort="cohort")


def test_subgroup_effects_flag_small_groups():
    panel = make_panel(seed=3)
    data = panel.data
    treated = data.loc[np.isfinite(data["cohort"]), "firm_id"].unique()
    small = set(treated[:3])
    never = data.loc[~np.isfinite(data["cohort"]), "firm_id"].unique()[:40]
    group = np.where(data["firm_id"].isin(small | set(never)), "tiny", "rest")
    p = quiet(panel.with_data, data.assign(group=group))
    res = quiet(subgroup_effects, p, outcome="y", by="group")
    table = res.estimates.set_index("term")
    assert table.loc["group=tiny", "n_treated"] == 3
    assert table.loc["group=tiny", "flag"] == "fewer than 5 firms"
    assert table.loc["group=rest", "flag"] == ""
    assert "1 rest on fewer than 5 participating firms and must not be published" in res.statement


def test_placebo_outcomes_holm():
    panel = make_panel(seed=4)
    res = quiet(placebo_outcomes, panel, outcomes=["noise", "y"])
    table = res.estimates
    assert (table["p_holm"] >= table["p_value"]).all()
    assert table.loc[table["term"] == "placebo outcome y", "flag"].iloc[0] == "placebo effect"


def test_sensitivity_plot(medicaid):
    import matplotlib.pyplot as plt

    from hubeval.report.plots.sensitivity import plot_sensitivity
    ax = plot_sensitivity(medicaid[0])
    assert ax.get_xticklabels()[0].get_text() == "original"
    plt.close("all")


def test_subgroup_effects_by_cohort():
    panel = make_panel(seed=5)
    res = quiet(subgroup_effects, panel, outcome="y", by="cohort")
    assert len(res.estimates) == len(panel.cohorts)
    assert (res.estimates["flag"] == "").all()


def test_result_serialises(medicaid):
    out = json.loads(json.dumps(medicaid[0].to_dict()))
    assert out["breakdown_mbar"] == pytest.approx(medicaid[0].breakdown_mbar)
