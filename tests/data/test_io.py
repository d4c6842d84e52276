"""Reading CSV (UTF-8, BOM, CP949), Excel and Parquet; unit rows; bad files."""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import hubeval as hb
from hubeval.data.example import KOREAN_COLUMNS

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"

ROLES = dict(unit="firm_id", time="year", cohort="cohort")


def load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hb.DataWarning)
        return hb.Panel(path, **ROLES, **kw)


@pytest.fixture(scope="module")
def reference():
    return load(EXAMPLE / "firms.csv")


def test_cp949_copy_with_korean_headers_and_unit_row_loads_identically(reference):
    panel = load(EXAMPLE / "firms_cp949.csv", columns={v: k for k, v in KOREAN_COLUMNS.items()})
    assert panel.load_info.encoding == "cp949"
    assert panel.load_info.units["종사자수"] == "명" and panel.load_info.units["매출액"] == "백만원"
    data = panel.data
    assert "고무 및 플라스틱제품" in set(data["industry"])  # Korean labels survive CP949
    data["industry"] = reference.data["industry"]
    pd.testing.assert_frame_equal(data, reference.data)


@pytest.mark.parametrize("fmt", ["xlsx", "parquet", "utf8-bom", "euc-kr"])
def test_other_formats_load_identically(tmp_path, reference, fmt):
    raw = pd.read_csv(EXAMPLE / "firms.csv")
    path = tmp_path / f"firms.{fmt if fmt in ('xlsx', 'parquet') else 'csv'}"
    if fmt == "xlsx":
        raw.to_excel(path, index=False)
    elif fmt == "parquet":
        raw.to_parquet(path)
    elif fmt == "utf8-bom":
        raw.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        raw.to_csv(path, index=False, encoding="euc-kr")
    pd.testing.assert_frame_equal(load(path).data, reference.data)


def test_excel_with_korean_headers_and_unit_row(tmp_path, reference):
    raw = pd.read_csv(EXAMPLE / "firms_cp949.csv", encoding="cp949")
    path = tmp_path / "firms.xlsx"
    raw.to_excel(path, index=False)
    panel = load(path, columns={v: k for k, v in KOREAN_COLUMNS.items()})
    data = panel.data
    data["industry"] = reference.data["industry"]
    pd.testing.assert_frame_equal(data, reference.data)


def test_missing_file(tmp_path):
    with pytest.raises(hb.PanelError, match=r"^Data file `.*nope\.csv` does not exist\. Check the path"):
        load(tmp_path / "nope.csv")


def test_unknown_suffix(tmp_path):
    path = tmp_path / "firms.sav"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(hb.PanelError) as info:
        load(path)
    assert str(info.value) == (f"Data file `{path}` has suffix `.sav`, which hubeval cannot read. "
                               "Save it as .csv, .xlsx or .parquet.")


def test_corrupt_excel(tmp_path):
    path = tmp_path / "firms.xlsx"
    path.write_bytes(b"this is not a zip file at all")
    with pytest.raises(hb.PanelError, match=r"is not a readable Excel workbook .*Open and re-save it"):
        load(path)


def test_undecodable_with_forced_encoding(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_bytes("연도,b\n1,2\n".encode("cp949"))
    with pytest.raises(hb.PanelError) as info:
        load(path, encoding="utf-8")
    assert str(info.value) == (f"Data file `{path}` could not be decoded with utf-8. Pass the right "
                               "`encoding=` (e.g. 'cp949' or 'euc-kr' for Korean Excel exports).")


def test_blank_rows_are_counted(tmp_path, reference):
    text = (EXAMPLE / "firms.csv").read_text()
    lines = text.splitlines()
    path = tmp_path / "firms.csv"
    path.write_text("\n".join(lines[:3] + [",,,,,,,,,,,,,,,,"] + lines[3:]) + "\n")
    panel = load(path)
    assert panel.report().dropped.to_dict(orient="records") == [
        {"reason": "fully blank rows in the file", "rows": 1}]
    pd.testing.assert_frame_equal(panel.data, reference.data)


def test_unit_row_is_reported_as_dropped():
    panel = load(EXAMPLE / "firms_cp949.csv", columns={v: k for k, v in KOREAN_COLUMNS.items()})
    dropped = panel.report().dropped.to_dict(orient="records")
    assert dropped == [{"reason": "unit row under the header (명, 백만원)", "rows": 1}]
    summary = dict(zip(panel.report().summary["item"], panel.report().summary["value"]))
    assert summary["rows read"] == summary["rows kept"] + 1
