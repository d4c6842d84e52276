"""Column names a regression formula cannot hold are refused up front, with the fix."""
from __future__ import annotations

import pytest

import hubeval as hb


@pytest.fixture(scope="module")
def panel():
    sim = hb.simulate_panel(60, seed=1)
    data = sim.data.rename(columns={"y": "log-va"}).assign(**{"2015_sales": 1.0})
    return hb.Panel(data, unit="firm_id", time="year", cohort="cohort")


MESSAGE = ("`outcome`: column 'log-va' cannot be named in the regression formula of {f}(): a "
           "name must be letters, digits and '_' and not start with a digit. Rename the column "
           "when loading, e.g. columns={{'log-va': 'log_va'}}.")


@pytest.mark.parametrize("function", ["twfe", "imputation"])
def test_outcome_that_is_not_a_formula_name(panel, function):
    with pytest.raises(hb.SpecError) as info:
        getattr(hb, function)(panel, outcome="log-va")
    assert str(info.value) == MESSAGE.format(f=function)
    assert "\x1b[" not in str(info.value)


def test_covariate_starting_with_a_digit(panel):
    data = panel.data.rename(columns={"log-va": "y"})
    clean = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    with pytest.raises(hb.SpecError) as info:
        hb.twfe(clean, outcome="y", covariates=["2015_sales"])
    assert str(info.value) == (
        "`covariates`: column '2015_sales' cannot be named in the regression formula of twfe(): "
        "a name must be letters, digits and '_' and not start with a digit. Rename the column "
        "when loading, e.g. columns={'2015_sales': 'x_2015_sales'}.")


def test_evaluate_outcomes_checks_every_outcome_before_estimating(panel, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("estimated before the names were checked")

    monkeypatch.setattr("hubeval.pipeline.evaluate.evaluate_outcome", never)
    with pytest.raises(hb.SpecError) as info:
        hb.evaluate_outcomes(panel, outcomes=["log-va"])
    assert str(info.value) == MESSAGE.format(f="twfe")
