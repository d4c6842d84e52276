"""The example data: reproducible files, the claimed naive magnitudes, a recoverable truth."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.data.example import simulate_program, write_example_data

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"


def test_regenerating_gives_identical_files(tmp_path):
    paths = write_example_data(tmp_path)
    assert {p.name for p in paths} == {"firms.csv", "firms_cp949.csv", "cities.csv",
                                        "program_costs.csv", "price_index.csv", "truth.json"}
    for path in paths:
        assert path.read_bytes() == (EXAMPLE / path.name).read_bytes(), path.name


def test_design_matches_the_program(example_panel):
    sizes = example_panel.cohort_sizes
    assert list(sizes.index) == [2011, 2012, 2013, 2014, 2015, 2016]
    assert sizes.between(11, 20).all() and 65 <= sizes.sum() <= 75
    data = example_panel.data
    assert 550 <= example_panel.n_units <= 650
    assert data["year"].min() == 2006 and data["year"].max() == 2018
    participants = data[np.isfinite(data["cohort"])]
    assert (participants["city"] == "Gwangyang").all()
    # selection: POSCO suppliers are over-represented among participants
    firm = data.groupby("firm_id").first()
    treated = np.isfinite(firm["cohort"])
    assert firm.loc[treated, "posco_supplier"].mean() > 2 * firm.loc[~treated, "posco_supplier"].mean()


def naive_change(panel, outcome, post=1):
    data = panel.data.assign(e=panel.event_time())
    before = data[data.e == -1].set_index("firm_id")[outcome]
    after = data[data.e == post].set_index("firm_id")[outcome]
    both = pd.concat([before, after], axis=1, keys=["before", "after"]).dropna()
    return both["after"].mean() / both["before"].mean() - 1


def test_naive_before_after_shows_the_claimed_magnitudes(example_panel):
    productivity = naive_change(example_panel, "va_per_worker")
    cost = naive_change(example_panel, "cost_ratio")
    assert 0.25 <= productivity <= 0.35, productivity  # the claim: +30% or more
    assert -0.25 <= cost <= -0.15, cost  # the claim: -20% or more


def test_true_effects_are_far_smaller_than_the_claim():
    truth = json.loads((EXAMPLE / "truth.json").read_text())
    table = pd.DataFrame(truth["firm"]["log_va_per_worker"])
    by_event = table.groupby("event_time").apply(lambda d: np.average(d.att, weights=d.n_units),
                                                 include_groups=False)
    assert by_event.loc[-1] == 0.0
    assert by_event.loc[3] == pytest.approx(np.log(1.08), abs=0.01)  # about +8% after three years
    cost = pd.DataFrame(truth["firm"]["cost_ratio"])
    assert cost[cost.event_time == 3].att.mean() == pytest.approx(-0.03, abs=0.005)
    assert set(truth["city"]) == {"mfg_employment", "industrial_investment", "complex_occupancy", "population"}


def test_truth_recovered_by_a_correct_comparison_on_a_large_panel():
    """Conditional DiD with a base year before the dip (g-2), within supplier x metal strata."""
    sim = simulate_program(n_firms=6000, seed=7, cohort_sizes={2012: 300, 2014: 300})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.derive_outcomes(hb.Panel(sim.firms, unit="firm_id", time="year", cohort="cohort"))
    data = panel.data
    data["stratum"] = data["posco_supplier"].astype(str) + data["ksic2"].isin([24, 25]).astype(str)
    wide = data.pivot(index="firm_id", columns="year", values="log_va_per_worker")
    firm = data.groupby("firm_id")[["cohort", "stratum"]].first()
    truth = pd.DataFrame(sim.truth["firm"]["log_va_per_worker"])
    for g, e in ((2012, 3), (2014, 2)):
        change = wide[g + e] - wide[g - 2]
        t, c = firm["cohort"] == g, ~np.isfinite(firm["cohort"])
        control = change[c].groupby(firm.loc[c, "stratum"]).mean()
        counterfactual = firm.loc[t, "stratum"].map(control)
        gap = (change[t] - counterfactual).dropna()
        se = gap.std() / np.sqrt(len(gap))
        true = truth[(truth.cohort == g) & (truth.event_time == e)].att.item()
        assert abs(gap.mean() - true) < 3 * se, (g, e, gap.mean(), true, se)
