"""Sample restrictions: cohorts and years left out, warned about, counted and recorded."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import hubeval as hb
from hubeval.data.restrict import cohorts_without_untreated_year

EXAMPLE = "data/example/firms.csv"


@pytest.fixture(scope="module")
def panel():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.load_panel(EXAMPLE, price_index="data/example/price_index.csv", base_year=2015)


def test_drop_cohorts_leaves_out_their_firms_and_says_so(panel):
    rows = int((panel.data["cohort"] == 2011).sum())
    with pytest.warns(hb.DataWarning, match=re.escape(
            f"Sample restricted (`drop_cohorts=[2011]`): {rows} of {len(panel)} rows left out (14 "
            "firm(s) affected, 14 left out entirely), as set by the sample-restriction parameters.")):
        restricted = hb.restrict_sample(panel, drop_cohorts=[2011])
    assert 2011 not in restricted.cohorts
    assert restricted.n_treated == panel.n_treated - 14
    assert len(restricted) == len(panel) - rows
    assert restricted.restrictions == {"drop_cohorts": [2011]}
    dropped = restricted.report().dropped
    assert dropped.iloc[-1].tolist() == ["sample restriction (drop_cohorts=[2011])", rows]
    assert restricted.warnings[-1].startswith("Sample restricted (`drop_cohorts=[2011]`)")
    assert panel.restrictions == {} and 2011 in panel.cohorts  # the input is not changed


def test_years_and_drop_years_keep_the_other_years(panel):
    with pytest.warns(hb.DataWarning, match=r"Sample restricted \(`drop_years=\[2012\]`, `years=\[2008, 2018\]`\)"):
        restricted = hb.restrict_sample(panel, drop_years=[2012], years=[2008, 2018])
    assert restricted.times.tolist() == [2008, 2009, 2010, 2011, 2013, 2014, 2015, 2016, 2017, 2018]
    assert restricted.restrictions == {"drop_years": [2012], "years": [2008, 2018]}
    kept = panel.data[panel.data["year"].between(2008, 2018) & (panel.data["year"] != 2012)]
    assert len(restricted) == len(kept)
    # derived outcomes keep their values (a growth rate still uses the dropped year before it)
    after = restricted.data.set_index(["firm_id", "year"])["dhs_growth"]
    before = kept.set_index(["firm_id", "year"])["dhs_growth"]
    assert after.equals(before)


def test_no_restriction_returns_the_panel_itself(panel):
    assert hb.restrict_sample(panel) is panel
    assert hb.restrict_sample(panel, drop_cohorts=[], drop_years=None) is panel


def test_restriction_errors_name_what_is_wrong(panel):
    with pytest.raises(hb.PanelError, match=re.escape(
            "`drop_cohorts` names cohort(s) 2010 that the panel does not have; its cohorts are "
            "2011, 2012, 2013, 2014, 2015, 2016.")):
        hb.restrict_sample(panel, drop_cohorts=[2010])
    with pytest.raises(hb.PanelError, match=re.escape(
            "`drop_years` names year(s) 2030 that the panel does not have; its years are 2006-2018.")):
        hb.restrict_sample(panel, drop_years=[2030])
    with pytest.raises(hb.PanelError, match=re.escape(
            "`years` must be [first, last], two whole years with first <= last, e.g. [2008, 2018]; "
            "got [2018, 2008].")):
        hb.restrict_sample(panel, years=[2018, 2008])
    with pytest.raises(hb.PanelError, match=re.escape(
            "`drop_cohorts` must list whole years, e.g. [2011]; got '2011'.")):
        hb.restrict_sample(panel, drop_cohorts=["2011"])
    with pytest.raises(hb.PanelError, match=re.escape(
            "`years=[2030, 2031]` keeps none of the panel's years (2006-2018).")):
        hb.restrict_sample(panel, years=[2030, 2031])


def test_a_cohort_left_without_a_pre_entry_year_is_a_panel_error(panel):
    with pytest.raises(hb.PanelError, match="already participating in their first observed year"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hb.restrict_sample(panel, years=[2011, 2018])


def test_load_panel_applies_and_records_the_restrictions():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restricted = hb.load_panel(EXAMPLE, drop_cohorts=[2016], years=[2007, 2018])
    assert restricted.restrictions == {"drop_cohorts": [2016], "years": [2007, 2018]}
    assert 2016 not in restricted.cohorts and restricted.times[0] == 2007
    assert any("Sample restricted (`drop_cohorts=[2016]`, `years=[2007, 2018]`)" in str(w.message)
               for w in caught)


def test_cohorts_without_untreated_year(panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        short = hb.restrict_sample(panel, years=[2010, 2018])
    assert cohorts_without_untreated_year(short, "log_va_per_worker", 1) == {2011: -1}
    assert cohorts_without_untreated_year(short, "log_va_per_worker", 0) == {}
    assert cohorts_without_untreated_year(short, "log_va_per_worker", 2) == {2011: -1, 2012: -2}
    assert np.isfinite(short.cohorts).all()
