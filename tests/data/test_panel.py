"""hb.Panel: construction, normalisation, every validation error (full text), warnings, report."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval import PanelError


def build(df, **kw):
    args = dict(unit="firm", time="year", cohort="cohort")
    args.update(kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hb.DataWarning)
        return hb.Panel(df, **args)


def error_of(df, **kw) -> str:
    with pytest.raises(PanelError) as info:
        build(df, **kw)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_never_participants_coded_0_nan_inf_are_normalised(tiny):
    t = tiny.copy()
    t.loc[t.firm == "D", "cohort"] = np.inf
    panel = build(t)
    cohorts = panel.unit_cohorts
    assert cohorts["C"] == np.inf and cohorts["D"] == np.inf
    assert list(panel.cohorts) == [2012, 2013]
    assert panel.n_treated == 2 and panel.n_never_treated == 2
    same = build(tiny)  # 0 and None
    pd.testing.assert_frame_equal(same.data, panel.data)


def test_input_frame_is_never_mutated(tiny):
    before = tiny.copy(deep=True)
    panel = build(tiny)
    pd.testing.assert_frame_equal(tiny, before)
    view = panel.data
    view.loc[:, "y"] = -1.0
    assert (panel.data["y"] != -1.0).all()


def test_treatment_column_gives_the_same_cohorts(tiny):
    t = tiny.drop(columns="cohort")
    t["d"] = ((t.firm == "A") & (t.year >= 2012)) | ((t.firm == "B") & (t.year >= 2013))
    panel = build(t, cohort=None, treatment="d")
    assert panel.unit_cohorts.to_dict() == {"A": 2012.0, "B": 2013.0, "C": np.inf, "D": np.inf}


def test_row_order_does_not_matter(tiny):
    a = build(tiny)
    b = build(tiny.sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(a.data, b.data)


def test_column_mapping_renames_korean_headers(tiny):
    korean = tiny.rename(columns={"firm": "사업체번호", "year": "연도", "cohort": "참여연도"})
    panel = build(korean, columns={"사업체번호": "firm", "연도": "year", "참여연도": "cohort"})
    pd.testing.assert_frame_equal(panel.data, build(tiny).data)


# --- errors, full text -------------------------------------------------------------------------
def test_missing_role_column(tiny):
    assert error_of(tiny, unit="firm_id") == (
        "Column(s) `firm_id` (unit) not found in the data. Available columns: firm, year, cohort, "
        "employment, sales, y. Pass the right column names or rename columns with "
        "`columns={'old': 'new'}`.")


def test_mapping_names_a_missing_column(tiny):
    assert error_of(tiny, columns={"연도": "year"}) == (
        "Column(s) `연도` (mapped) not found in the data. Available columns: firm, year, cohort, "
        "employment, sales, y. Check the `columns` mapping (e.g. in the params file) against the "
        "file's header.")


def test_duplicate_unit_time_rows(tiny):
    assert error_of(pd.concat([tiny, tiny.iloc[[0, 5]]])) == (
        "Columns `firm` x `year` must identify rows uniquely, but 2 (unit, time) pair(s) occur more "
        "than once (4 rows), e.g. (A, 2010), (B, 2011). Remove duplicate rows or aggregate them "
        "(e.g. plants of one firm) before building the panel.")


def test_non_integer_time(tiny):
    t = tiny.copy()
    t["year"] = t["year"].astype(object)
    t.loc[2, "year"] = "2012a"
    assert error_of(t) == (
        "Column `year` (time) must hold whole years: 0 missing, 1 not numbers, 0 not whole numbers. "
        "First offending rows: row 2: '2012a'. Convert dates to years (e.g. df['year'] = "
        "df['year'].dt.year) and fill or drop rows without a year.")


def test_missing_and_fractional_time(tiny):
    t = tiny.copy()
    t["year"] = t["year"].astype(float)
    t.loc[3, "year"] = np.nan
    t.loc[6, "year"] = 2011.5
    assert error_of(t).startswith(
        "Column `year` (time) must hold whole years: 1 missing, 0 not numbers, 1 not whole numbers. "
        "First offending rows: row 3: nan, row 6: 2011.5.")


def test_cohort_varying_within_unit(tiny):
    t = tiny.copy()
    t.loc[1, "cohort"] = 2013
    assert error_of(t) == (
        "Column `cohort` (cohort) varies within 1 unit(s); it must be constant per unit (the first "
        "program year). E.g. A: 2012, 2013. Give each unit one value; if you have a yearly 0/1 "
        "participation column instead, pass it as `treatment=`.")


def test_cohort_not_a_year(tiny):
    t = tiny.copy()
    t["cohort"] = t["cohort"].astype(object)
    t.loc[t.firm == "A", "cohort"] = "2012년"
    assert error_of(t) == (
        "Column `cohort` (cohort) must hold the first program year as a whole number, or 0 / empty / "
        "inf for never-participants; 4 row(s) do not, e.g. A: '2012년'.")


def test_always_treated_is_an_error_unless_dropped(tiny):
    t = tiny.copy()
    t.loc[t.firm == "A", "cohort"] = 2010
    assert error_of(t) == (
        "Column `cohort`: 1 unit(s) are already participating in their first observed year "
        "(always-treated), e.g. A (cohort 2010, first year 2010). They have no pre-period, so no "
        "effect can be estimated for them. Correct the cohort, add earlier years, or pass "
        "`drop_always_treated=True` to drop them (they are counted in the report).")
    panel = build(t, drop_always_treated=True)
    assert panel.n_units == 3
    dropped = panel.report().dropped
    assert dropped.to_dict(orient="records") == [{"reason": "always-treated units (1 units)", "rows": 4}]


def test_treatment_that_switches_off(tiny):
    t = tiny.drop(columns="cohort")
    t["d"] = [0, 0, 1, 0] + [0, 0, 0, 1] + [0] * 8
    assert error_of(t, cohort=None, treatment="d") == (
        "Column `d` (treatment) switches off (1 then 0) for 1 unit(s), e.g. A. hubeval treats "
        "participation as absorbing: code every year from the first program year on as 1 (the effect "
        "of having participated), or pass `cohort=`.")


def test_treatment_not_binary(tiny):
    t = tiny.drop(columns="cohort")
    t["d"] = [0, 0, 2, 2] + [0] * 12
    assert error_of(t, cohort=None, treatment="d") == (
        "Column `d` (treatment) must be 0 or 1 in every row; 2 row(s) are not (missing or other "
        "values), e.g. A/2012: 2, A/2013: 2. Fill missing years or pass `cohort=` instead.")


def test_no_comparison_units(tiny):
    t = tiny.copy()
    t["cohort"] = 2012
    assert error_of(t) == (
        "Column `cohort`: there are no comparison units at all: all 4 units join in 2012 and none is "
        "a never-participant or joins later. Add non-participating firms (coded 0 or empty) to the "
        "data.")


def test_no_participants(tiny):
    t = tiny.copy()
    t["cohort"] = 0
    assert error_of(t) == (
        "Column `cohort` marks no participating unit: every unit is coded as a never-participant (0, "
        "empty or inf). Check the cohort column or the column mapping.")


def test_non_numeric_outcome_says_how_many_and_which(tiny):
    t = tiny.copy()
    t["sales"] = t["sales"].astype(str)
    t.loc[0, "sales"] = "1,234"
    t.loc[1, "sales"] = "-"
    assert error_of(t, outcomes=["sales"]) == (
        "Outcome column `sales` is not numeric: 1 value(s) use thousands separators (e.g. '1,234'), 0 "
        "mark negatives with △ or parentheses, 1 are placeholders such as '-', and 0 cannot be read "
        "as numbers. First offending rows (unit/time: value): A/2010: '1,234'; A/2011: '-'. To fix, "
        "set `coerce_numeric: true` in the params file (`--coerce-numeric` for `hubeval check`, "
        "`coerce_numeric=True` in Python) to read thousands separators, △ and parentheses as numbers "
        "and placeholders as missing (counted in the report).")
    panel = build(t, outcomes=["sales"], coerce_numeric=True)
    assert panel.data["sales"].iloc[:2].tolist()[0] == 1234.0
    assert np.isnan(panel.data["sales"].iloc[1])
    assert any("placeholder set to missing in 1 cell" in w for w in panel.warnings)


def test_textual_outcome_detected_without_outcomes_argument(tiny):
    t = tiny.copy()
    t["sales"] = t["sales"].map(lambda v: f"{v:,.0f}")
    t.loc[0, "sales"] = "1,234"
    message = error_of(t)
    assert message.startswith("Outcome column `sales` is not numeric: 1 value(s) use thousands")


def test_unreadable_outcome_values(tiny):
    t = tiny.copy()
    t["sales"] = t["sales"].astype(str)
    t.loc[0, "sales"] = "abc"
    assert error_of(t, outcomes=["sales"], coerce_numeric=True).endswith(
        "To fix, correct or blank out these cells, or leave the column out of `outcomes`.")


def test_negative_employment(tiny):
    t = tiny.copy()
    t.loc[4, "employment"] = -3
    assert error_of(t) == (
        "Column `employment` must not be negative, but 1 row(s) are, e.g. (unit/time: value) "
        "B/2010: -3. Correct the values (a sign error or a net figure?) or set them to missing.")


def test_negative_costs(tiny):
    t = tiny.assign(total_cost=50.0)
    t.loc[5, "total_cost"] = -1.0
    assert error_of(t).startswith("Column `total_cost` must not be negative, but 1 row(s) are")


def test_empty_frame(tiny):
    assert error_of(tiny.iloc[0:0]) == (
        "`data` is an empty DataFrame (0 rows, columns: firm, year, cohort, employment, sales (and 1 "
        "more)). Pass the firm-year table.")


def test_missing_unit_ids(tiny):
    t = tiny.copy()
    t["firm"] = t["firm"].astype(object)
    t.loc[[2, 3], "firm"] = None
    assert error_of(t) == (
        "Column `firm` (unit) is missing in 2 row(s), e.g. rows 2, 3. Every row needs a firm "
        "identifier: fill them in or remove those rows before building the panel.")


def test_neither_cohort_nor_treatment(tiny):
    assert error_of(tiny, cohort=None) == (
        "Neither `cohort` nor `treatment` was given. Pass `cohort=` (the column with each unit's "
        "first program year) or `treatment=` (a 0/1 participation column).")


def test_data_of_wrong_type():
    with pytest.raises(PanelError, match=r"^`data` must be a pandas DataFrame or a path to a "
                                         r"CSV/Excel/Parquet file; got list\."):
        hb.Panel([1, 2], unit="a", time="b", cohort="c")


# --- warnings and report -------------------------------------------------------------------------
def test_warnings_are_raised_and_recorded(tiny):
    t = tiny.drop(index=[3])  # A misses 2013: unbalanced
    t.loc[t.firm == "C", "y"] = np.nan  # 25% missing
    with pytest.warns(hb.DataWarning) as record:
        panel = hb.Panel(t, unit="firm", time="year", cohort="cohort")
    messages = [str(w.message) for w in record]
    assert messages == list(panel.warnings)
    assert messages == [
        "Unbalanced panel: 1 of 4 units are not observed in all 4 years (2010-2013).",
        "Cohorts with fewer than 3 units: 2012 (1 units), 2013 (1 units). Their group-time effects "
        "are very imprecise and may be suppressed for disclosure.",
        "Outcome `y` is missing in 27% of rows (4 of 15).",
    ]


def test_report_counts_and_renders(example_panel):
    report = example_panel.report()
    summary = dict(zip(report.summary["item"], report.summary["value"]))
    assert summary["units"] == 600 and summary["participating units"] == 69
    assert report.cohorts["n_units"].sum() == 69
    html = report._repr_html_()
    assert "<table" in html and "Data-quality report" in html
    assert "Unbalanced panel" in str(report)
    import json
    json.dumps(report.to_dict())


def test_wide_and_event_time(tiny):
    panel = build(tiny)
    wide = panel.wide("y")
    assert wide.shape == (4, 4) and wide.loc["A", 2013] == 13.0
    rel = panel.event_time()
    assert rel[(panel.data.firm == "A") & (panel.data.year == 2010)].item() == -2
    assert rel[panel.data.firm == "C"].isna().all()


def test_subset_keeps_roles(tiny):
    panel = build(tiny)
    with pytest.warns(hb.DataWarning, match="Cohorts with fewer than 3 units: 2012"):
        sub = panel.subset(["A", "C"])
    assert sub.n_units == 2 and sub.cohort == "cohort"


def test_unit_ids_mixing_numbers_and_text(tiny):
    t = tiny.copy()
    t["firm"] = t["firm"].astype(object)
    t.loc[t.firm == "A", "firm"] = 7
    assert error_of(t) == (
        "Column `firm` (unit) mixes numbers and text (4 numeric and 12 text values, e.g. 7, 'B', "
        "'C'). Use one type, e.g. df['firm'] = df['firm'].astype(str).")
