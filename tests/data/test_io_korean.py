"""Real Korean files (issue 12): money units, Excel number formats, yes/no columns, ids with
leading zeros, impossible values, delimiters, header rows, all-string Parquet."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from tests.data.korean_export import EXAMPLE, MAPPING, MONEY, korean_frame, write_export

ROLES = dict(unit="firm_id", time="year", cohort="cohort")


def load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hb.DataWarning)
        return hb.Panel(path, **ROLES, **kw)


def error_of(path, **kw) -> str:
    with pytest.raises(hb.PanelError) as info:
        load(path, **kw)
    return str(info.value)


@pytest.fixture(scope="module")
def reference():
    return load(EXAMPLE / "firms.csv")


@pytest.fixture(scope="module")
def chun(tmp_path_factory):
    return write_export(tmp_path_factory.mktemp("k") / "firms.csv", "천원", 1000.0)


def test_institute_export_in_thousand_krw_loads_as_the_example_in_million(chun, reference):
    panel = load(chun, columns=MAPPING, coerce_numeric=True, money_unit="백만원")
    assert panel.load_info.encoding == "cp949" and panel.money_unit == 1e6
    data = panel.data
    assert set(data["posco_supplier"].unique()) == {0.0, 1.0}
    for col in MONEY:
        np.testing.assert_allclose(data[col], reference.data[col], rtol=1e-12)
    assert data["firm_id"].tolist() == reference.data["firm_id"].tolist()
    conversions = panel.report().conversions
    assert ("value_added", "money 천원 -> 백만원 (x 0.001)") in set(zip(conversions["column"], conversions["conversion"]))
    assert ("posco_supplier", "Y/N read as 1/0", 6907) in set(conversions.itertuples(index=False, name=None))
    assert ("sales", "thousands separator removed", 6907) in set(conversions.itertuples(index=False, name=None))


def test_money_unit_follows_the_unit_row_and_is_reported(chun):
    panel = load(chun, columns=MAPPING, coerce_numeric=True)
    assert panel.money_unit == 1e3
    summary = dict(panel.report().summary.itertuples(index=False, name=None))
    assert summary["money unit"] == "천원 (KRW 1,000 per unit)"
    assert summary["encoding"] == "cp949" and summary["delimiter"] == "comma"


def test_same_data_in_thousand_and_million_krw_give_the_same_krw(tmp_path, chun):
    baek = write_export(tmp_path / "baek.csv", "백만원", 1.0)
    panels = [load(p, columns=MAPPING, coerce_numeric=True) for p in (chun, baek)]
    krw = [p.data["value_added"] * p.money_unit for p in panels]
    np.testing.assert_allclose(krw[0], krw[1], rtol=1e-12)


def test_mixed_money_units_are_refused_then_converted(tmp_path, reference):
    path = write_export(tmp_path / "mixed.csv", "백만원", 1.0, units={"labour_cost": ("천원", 1000.0)})
    assert error_of(path, columns=MAPPING, coerce_numeric=True) == (
        "Money columns are in different units (백만원: `value_added`, `sales`, `total_cost`, "
        "`materials_cost`, `capex`, `capital`; 천원: `labour_cost`); hubeval will not combine them "
        "unconverted. Set `money_unit` to the unit every money column is converted to (e.g. "
        "`money_unit: 백만원` in the params file, `money_unit='백만원'` in Python or "
        "`--money-unit 백만원` for `hubeval check`).")
    panel = load(path, columns=MAPPING, coerce_numeric=True, money_unit="백만원")
    np.testing.assert_allclose(panel.data["labour_cost"], reference.data["labour_cost"], rtol=1e-12)
    np.testing.assert_allclose(panel.data["sales"], reference.data["sales"], rtol=1e-12)


def test_bad_money_unit():
    with pytest.raises(hb.PanelError) as info:
        hb.Panel(pd.DataFrame({"f": ["a", "b"], "t": [1, 2], "c": [2, 0]}), unit="f", time="t",
                 cohort="c", money_unit="달러")
    assert str(info.value) == ("`money_unit` must be a money unit (원, 천원, 만원, 백만원, 억원, 십억원, "
                               "or KRW per unit such as 1000000); got '달러'.")


def small(**columns) -> pd.DataFrame:
    base = {"firm": ["A"] * 3 + ["B"] * 3 + ["C"] * 3, "year": [2010, 2011, 2012] * 3,
            "cohort": [2011] * 3 + [0] * 3 + [0] * 3}
    return pd.DataFrame({**base, **columns})


def test_korean_excel_numbers_in_a_file_and_a_frame(tmp_path):
    cells = ["1,234", "△1,234", "(2,000)", "-", "n/a", "*", "7", "  12.5 ", "1,000,000.5"]
    frame = small(sales=cells)
    expected = [1234, -1234, -2000, np.nan, np.nan, np.nan, 7, 12.5, 1000000.5]
    path = tmp_path / "firms.csv"
    frame.to_csv(path, index=False, encoding="cp949")
    for data in (frame, path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", hb.DataWarning)
            panel = hb.Panel(data, unit="firm", time="year", cohort="cohort", coerce_numeric=True,
                             nonnegative=[])
        np.testing.assert_array_equal(panel.data["sales"].to_numpy(), np.array(expected, float))
        rows = set(panel.report().conversions.itertuples(index=False, name=None))
        assert {("sales", "thousands separator removed", 4),
                ("sales", "negative written with △ or parentheses", 2),
                ("sales", "placeholder set to missing", 3)} <= rows


def test_without_coerce_the_error_names_the_option_of_params_files_and_cli():
    with pytest.raises(hb.PanelError) as info:
        hb.Panel(small(sales=["1,234", "△5", "3", "4", "5", "6", "7", "8", "9"]), unit="firm",
                 time="year", cohort="cohort", outcomes=["sales"])
    assert str(info.value) == (
        "Outcome column `sales` is not numeric: 1 value(s) use thousands separators (e.g. '1,234'), 1 "
        "mark negatives with △ or parentheses, 0 are placeholders such as '-', and 0 cannot be read as "
        "numbers. First offending rows (unit/time: value): A/2010: '1,234'; A/2011: '△5'. To fix, set "
        "`coerce_numeric: true` in the params file (`--coerce-numeric` for `hubeval check`, "
        "`coerce_numeric=True` in Python) to read thousands separators, △ and parentheses as numbers "
        "and placeholders as missing (counted in the report).")


@pytest.mark.parametrize("yes, no", [("Y", "N"), ("예", "아니오"), ("O", "X"), ("유", "무"),
                                     ("true", "false"), ("TRUE", "FALSE")])
def test_binary_columns_read_as_one_and_zero(yes, no):
    codes = [yes, no, no, yes, yes, yes, no, no, no]
    panel = hb.Panel(small(supplier=codes), unit="firm", time="year", cohort="cohort")
    assert panel.data["supplier"].tolist() == [1.0 if c == yes else 0.0 for c in codes]
    assert panel.report().conversions.to_dict(orient="records") == [
        {"column": "supplier", "conversion": f"{yes}/{no} read as 1/0", "cells": 9}]


def test_binary_codes_in_mixed_case():
    codes = ["Y", "y", "N", "n", "Y", "N", "N", "N", None]
    panel = hb.Panel(small(supplier=codes), unit="firm", time="year", cohort="cohort")
    assert panel.data["supplier"].tolist()[:8] == [1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    assert np.isnan(panel.data["supplier"].iloc[8])
    assert panel.report().conversions.to_dict(orient="records") == [
        {"column": "supplier", "conversion": "Y/y/N/n read as 1/1/0/0", "cells": 8}]


def test_ids_with_leading_zeros_stay_text(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text("firm,year,cohort,y\n0999,2010,2011,1\n0999,2011,2011,2\n999,2010,0,3\n999,2011,0,4\n"
                    "0100,2010,0,5\n0100,2011,0,6\n", encoding="utf-8")
    panel = hb.Panel(path, unit="firm", time="year", cohort="cohort", min_cohort_size=1)
    assert panel.n_units == 3
    assert sorted(panel.units) == ["0100", "0999", "999"]


def test_inf_is_an_error_naming_column_and_rows(tmp_path):
    frame = small(sales=[1.0, 2.0, np.inf, 4.0, 5.0, 6.0, 7.0, -np.inf, 9.0])
    with pytest.raises(hb.PanelError) as info:
        hb.Panel(frame, unit="firm", time="year", cohort="cohort", nonnegative=[])
    assert str(info.value) == (
        "Column `sales` holds 2 infinite value(s) (inf), e.g. row 2 (A/2012: inf), row 7 (C/2011: -inf). "
        "An infinite amount is impossible: it usually comes from a division by zero in the spreadsheet. "
        "Correct these cells or leave them empty (missing).")
    path = tmp_path / "firms.csv"
    small(sales=["1", "2", "inf", "4", "5", "6", "7", "8", "9"]).to_csv(path, index=False)
    with pytest.raises(hb.PanelError, match=r"^Column `sales` holds 1 infinite value\(s\) \(inf\), e\.g\. row 2 \(A/2012: inf\)"):
        hb.Panel(path, unit="firm", time="year", cohort="cohort")


def test_inf_year_is_an_error():
    frame = small()
    frame["year"] = frame["year"].astype(float)
    frame.loc[4, "year"] = np.inf
    with pytest.raises(hb.PanelError, match=r"^Column `year` \(time\) must hold whole years: 0 missing, "
                                            r"1 not numbers, 0 not whole numbers\. First offending rows: row 4: inf\."):
        hb.Panel(frame, unit="firm", time="year", cohort="cohort")


def test_cohort_after_the_last_data_year_in_a_file(tmp_path):
    frame = small()
    frame.loc[frame["firm"] == "B", "cohort"] = 2015
    path = tmp_path / "firms.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(hb.PanelError) as info:
        hb.Panel(path, unit="firm", time="year", cohort="cohort")
    assert str(info.value) == (
        "Column `cohort`: 1 unit(s) join after the last data year 2012, e.g. B (cohort 2015). They are "
        "never observed participating, so they are neither participants nor comparison firms. Add the "
        "later years, or code them as never-participants (0 or empty) if they did not take part in the "
        "observed years.")


def test_duplicate_column_names_in_a_file_and_a_frame(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text("firm,year,cohort,매출액,매출액\nA,2010,2011,1,2\n", encoding="utf-8")
    assert error_of(path) == (
        f"Data file `{path}` has duplicate column names: `매출액` (columns 4, 5). Give every column "
        "its own name in the file (e.g. 매출액_2020 and 매출액_2021), then load it again.")
    frame = pd.DataFrame([["A", 2010, 2011, 1, 2]], columns=["firm", "year", "cohort", "y", "y"])
    with pytest.raises(hb.PanelError) as info:
        hb.Panel(frame, unit="firm", time="year", cohort="cohort")
    assert str(info.value) == ("`data` has duplicate column names: `y`. Give every column its own name "
                               "(e.g. df.columns = [...]) first.")


def test_two_headers_mapped_to_one_name():
    frame = small(매출액=[1] * 9, 총매출액=[2] * 9)
    with pytest.raises(hb.PanelError) as info:
        hb.Panel(frame, unit="firm", time="year", cohort="cohort",
                 columns={"매출액": "sales", "총매출액": "sales"})
    assert str(info.value) == ("The `columns` mapping gives several columns the same name (`sales` <- "
                               "`매출액`, `총매출액`). Map each to its own name, or leave one out of the "
                               "mapping.")


@pytest.mark.parametrize("delimiter, name", [(";", "semicolon"), ("\t", "tab")])
def test_semicolon_and_tab_are_detected(tmp_path, reference, delimiter, name):
    path = tmp_path / "firms.csv"
    pd.read_csv(EXAMPLE / "firms.csv").to_csv(path, index=False, sep=delimiter, encoding="cp949")
    panel = load(path)
    assert panel.load_info.delimiter == delimiter
    pd.testing.assert_frame_equal(panel.data, reference.data)
    assert dict(panel.report().summary.itertuples(index=False, name=None))["delimiter"] == name


def test_undetectable_delimiter_names_the_option(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_text("firm year cohort\nA 2010 2011\n", encoding="utf-8")
    assert error_of(path) == (
        f"Data file `{path}`: no delimiter splits its rows into columns (tried comma, semicolon, tab "
        "and |; first line: 'firm year cohort'). Set the delimiter with `delimiter` (e.g. "
        "`delimiter: ';'` in the params file).")
    path.write_text("firm:year:cohort:y\nA:2010:2011:1\nA:2011:2011:2\nB:2010:0:3\nB:2011:0:4\n")
    panel = hb.Panel(path, unit="firm", time="year", cohort="cohort", delimiter=":", min_cohort_size=1)
    assert panel.n_units == 2


def test_excel_with_title_and_merged_group_rows(tmp_path, reference):
    from openpyxl import Workbook

    raw = korean_frame("백만원", 1.0)
    book = Workbook()
    sheet = book.active
    sheet.append(["2020년 광양 혁신허브 참여기업 실태조사"])
    sheet.append(["기본정보"] + [None] * 9 + ["재무정보"] + [None] * 7)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=10)
    sheet.merge_cells(start_row=2, start_column=11, end_row=2, end_column=18)
    sheet.append(list(raw.columns))
    for row in raw.itertuples(index=False):
        sheet.append([None if v == "" else v for v in row])
    path = tmp_path / "firms.xlsx"
    book.save(path)
    for header_row in (None, 2):
        panel = load(path, columns=MAPPING, coerce_numeric=True, header_row=header_row)
        assert panel.load_info.header_row == 2 and panel.money_unit == 1e6
        for col in MONEY + ["employment"]:
            np.testing.assert_allclose(panel.data[col], reference.data[col], rtol=1e-12)
    dropped = dict(panel.report().dropped.itertuples(index=False, name=None))
    assert dropped["rows above the header (title or group rows)"] == 2


def test_csv_with_a_title_line_above_the_header(tmp_path, reference):
    path = tmp_path / "firms.csv"
    text = (EXAMPLE / "firms.csv").read_text(encoding="utf-8")
    path.write_text("광양 혁신허브 참여기업 자료 (2020)\n" + text, encoding="cp949")
    panel = load(path)
    assert panel.load_info.header_row == 1
    pd.testing.assert_frame_equal(panel.data, reference.data)


def test_all_string_parquet_loads_as_the_csv_does(tmp_path):
    raw = korean_frame("천원", 1000.0)
    csv, parquet = tmp_path / "firms.csv", tmp_path / "firms.parquet"
    raw.to_csv(csv, index=False, encoding="cp949")
    raw.astype(str).replace("", None).to_parquet(parquet)
    panels = [load(p, columns=MAPPING, coerce_numeric=True) for p in (csv, parquet)]
    pd.testing.assert_frame_equal(panels[0].data, panels[1].data)
    assert panels[1].money_unit == 1e3
