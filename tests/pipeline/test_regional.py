"""evaluate_regional: synthetic control on the example city panel recovers the known effects."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import hubeval as hb

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"
TRUTH = json.loads((EXAMPLE / "truth.json").read_text())["city"]


@pytest.fixture(scope="module")
def regional():
    cities = hb.load_cities(EXAMPLE / "cities.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.evaluate_regional(cities, outcomes=["complex_occupancy", "industrial_investment",
                                                      "population"])


def true_average(outcome):
    effects = TRUTH[outcome]["effect"]
    return sum(effects.values()) / len(effects)


def test_table_and_placebo_inference(regional):
    table = regional.estimates.set_index("outcome")
    assert list(table.index) == ["complex_occupancy", "industrial_investment", "population"]
    assert (table["n_donors"] == 39).all()
    assert table["min_p_value"].tolist() == pytest.approx([1 / 40] * 3)
    # occupancy: known +3.25 points on average after 2011; the placebo rank is the best attainable
    assert table.loc["complex_occupancy", "estimate"] == pytest.approx(true_average("complex_occupancy"), abs=0.6)
    assert table.loc["complex_occupancy", "p_value"] <= 0.05
    # investment: recovered within a quarter of the truth
    assert table.loc["industrial_investment", "estimate"] == pytest.approx(
        true_average("industrial_investment"), rel=0.25)
    # the placebo outcome is not significant
    assert table.loc["population", "p_value"] > 0.1


def test_gaps_and_results_are_kept(regional):
    assert set(regional.gaps["outcome"]) == {"complex_occupancy", "industrial_investment", "population"}
    assert regional["population"].n_placebos == 39
    out = json.loads(json.dumps(regional.to_dict()))
    assert isinstance(regional, hb.RegionalResult) and out["type"] == "RegionalResult"
    # fitted models and placebo runs are left out by their field metadata; tables are kept
    assert set(out) == {"type", "estimates", "gaps", "spec", "warnings"}


def test_errors(regional):
    with pytest.raises(hb.SpecError, match=r"^`outcomes` is empty"):
        hb.evaluate_regional(hb.load_cities(EXAMPLE / "cities.csv"), outcomes=[])
    with pytest.raises(KeyError, match="`jobs` was not evaluated"):
        regional["jobs"]


def test_placebo_outcomes_are_marked():
    cities = hb.load_cities(EXAMPLE / "cities.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = hb.evaluate_regional(cities, outcomes=["complex_occupancy", "population"],
                                      placebo_outcomes=["population"])
    assert result.estimates["role"].tolist() == ["outcome", "placebo"]
    with pytest.raises(hb.SpecError) as info:
        hb.evaluate_regional(cities, outcomes=["complex_occupancy"], placebo_outcomes=["population"])
    assert str(info.value) == ("`placebo_outcomes` population not in `outcomes` (complex_occupancy); add "
                               "them to `outcomes` too.")
