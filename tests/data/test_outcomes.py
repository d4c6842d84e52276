"""Derived outcomes: arithmetic on hand-made rows, deflation, codebook."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb


@pytest.fixture
def accounts():
    # firm A: 2010-2012 (consecutive); firm B: 2010, 2012 (a gap), exits before 2013; C never treated
    rows = [
        ("A", 2010, 2011, 10, 200.0, 80.0, 180.0, 100.0, 40.0, 0.0, 500.0),
        ("A", 2011, 2011, 12, 240.0, 96.0, 210.0, 120.0, 48.0, 30.0, 520.0),
        ("A", 2012, 2011, 15, 300.0, 150.0, 240.0, 130.0, 60.0, 52.0, 530.0),
        ("B", 2010, 0, 5, 100.0, 30.0, 95.0, 60.0, 20.0, 5.0, 100.0),
        ("B", 2012, 0, 0, 90.0, -5.0, 99.0, 70.0, 25.0, 0.0, 90.0),
        ("C", 2010, 0, 8, 50.0, 20.0, 45.0, 25.0, 12.0, 1.0, 40.0),
        ("C", 2011, 0, 8, 55.0, 22.0, 50.0, 27.0, 13.0, 2.0, 40.0),
        ("C", 2012, 0, 9, 60.0, 24.0, 54.0, 29.0, 14.0, np.nan, 41.0),
        ("C", 2013, 0, 9, 60.0, 24.0, 54.0, 29.0, 14.0, 0.0, 41.0),
    ]
    cols = ["firm", "year", "cohort", "employment", "sales", "value_added", "total_cost",
            "materials_cost", "labour_cost", "capex", "capital"]
    return pd.DataFrame(rows, columns=cols)


def derive(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hb.DataWarning)
        return hb.derive_outcomes(hb.Panel(df, unit="firm", time="year", cohort="cohort"), **kw).data


def row(data, firm, year):
    return data[(data.firm == firm) & (data.year == year)].iloc[0]


def test_productivity_and_cost_ratios(accounts):
    d = derive(accounts)
    a11 = row(d, "A", 2011)
    assert a11.va_per_worker == pytest.approx(96 / 12)
    assert a11.log_va_per_worker == pytest.approx(np.log(8.0))
    assert a11.sales_per_worker == pytest.approx(20.0)
    assert a11.cost_ratio == pytest.approx(210 / 240)
    assert a11.materials_ratio == pytest.approx(0.5)
    assert a11.labour_ratio == pytest.approx(0.2)
    b12 = row(d, "B", 2012)
    assert np.isnan(b12.va_per_worker) and np.isnan(b12.log_va_per_worker)  # no workers
    assert np.isnan(row(d, "B", 2010).log_va_per_worker) is np.False_


def test_investment(accounts):
    d = derive(accounts)
    assert row(d, "A", 2011).investment_rate == pytest.approx(30 / 500)
    assert row(d, "A", 2012).investment_rate == pytest.approx(52 / 520)
    assert np.isnan(row(d, "A", 2010).investment_rate)  # no lagged capital
    assert np.isnan(row(d, "B", 2012).investment_rate)  # 2011 missing: not consecutive
    assert row(d, "A", 2010).any_investment == 0.0 and row(d, "A", 2011).any_investment == 1.0
    assert np.isnan(row(d, "C", 2012).any_investment)  # missing capex stays missing


def test_jobs_dhs_growth_and_net_jobs(accounts):
    d = derive(accounts)
    assert row(d, "A", 2011).dhs_growth == pytest.approx((12 - 10) / (0.5 * (12 + 10)))
    assert row(d, "A", 2012).net_jobs == 3
    assert np.isnan(row(d, "A", 2010).dhs_growth)
    assert np.isnan(row(d, "B", 2012).dhs_growth)  # gap year
    assert row(d, "C", 2012).dhs_growth == pytest.approx(1 / 8.5)
    assert d["dhs_growth"].dropna().between(-2, 2).all()
    assert row(d, "A", 2011).log_employment == pytest.approx(np.log(12))


def test_survival(accounts):
    d = derive(accounts)
    assert row(d, "A", 2011).survival == 1.0
    assert row(d, "A", 2012).survival == 0.0  # last year 2012 < panel end 2013: exit
    assert row(d, "B", 2010).survival == 1.0  # observed later (2012)
    assert np.isnan(row(d, "C", 2013).survival)


def test_deflation_to_base_year(accounts):
    index = {2010: 90.0, 2011: 100.0, 2012: 110.0, 2013: 120.0}
    d = derive(accounts, price_index=index)
    assert row(d, "A", 2012).va_per_worker == pytest.approx(150 / 15 / 1.1)
    assert row(d, "A", 2010).sales_per_worker == pytest.approx(200 / 10 / 0.9)
    assert row(d, "A", 2012).investment_rate == pytest.approx((52 / 1.1) / (520 / 1.0))
    assert row(d, "A", 2012).cost_ratio == pytest.approx(240 / 300)  # ratios are price-free
    rebased = derive(accounts, price_index=index, base_year=2012)
    assert row(rebased, "A", 2012).va_per_worker == pytest.approx(10.0)


def test_price_index_missing_years(accounts):
    with pytest.raises(hb.PanelError) as info:
        derive(accounts, price_index={2010: 90.0, 2011: 100.0})
    assert str(info.value) == ("`price_index` has no value for year(s) 2012, 2013, which the panel "
                               "contains (index covers 2010-2011). Extend the index to every panel year.")


def test_derived_panel_lists_outcomes_and_keeps_input(accounts):
    before = accounts.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hb.DataWarning)
        panel = hb.derive_outcomes(hb.Panel(accounts, unit="firm", time="year", cohort="cohort"))
    pd.testing.assert_frame_equal(accounts, before)
    for name in hb.OUTCOMES:
        assert name in panel.outcomes


def test_codebook_and_families():
    book = hb.codebook()
    assert set(book["name"]) == set(hb.OUTCOMES)
    assert book["source"].str.len().min() > 10 and book["definition"].str.len().min() > 5
    assert hb.outcome_family("jobs") == ["log_employment", "dhs_growth", "net_jobs"]
    with pytest.raises(hb.PanelError, match=r"^Unknown outcome family `wages`; choose one of "
                                            r"productivity, costs, investment, jobs, survival\.$"):
        hb.outcome_family("wages")
