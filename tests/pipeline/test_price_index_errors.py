"""A price-index file that is empty, a folder or holds text gives a PanelError, not a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

import hubeval as hb

FIRMS = Path(__file__).resolve().parents[2] / "data" / "example" / "firms.csv"
FIX = ("Point `price_index` to a CSV with a `year` column and an index column, or leave it "
       "empty for nominal values.")


def _error(price_index) -> str:
    with pytest.raises(hb.PanelError) as info:
        hb.load_panel(FIRMS, price_index=price_index, base_year=2015)
    return str(info.value)


def test_empty_file(tmp_path):
    path = tmp_path / "index.csv"
    path.write_text("")
    assert _error(path) == f"Price index file `{path}` is empty. {FIX}"
    path.write_text("year,index\n")
    assert _error(path) == f"Price index file `{path}` has a header but no rows. {FIX}"


def test_folder(tmp_path):
    assert _error(tmp_path) == f"Price index file `{tmp_path}` is a folder, not a file. {FIX}"


def test_non_numeric_values(tmp_path):
    path = tmp_path / "index.csv"
    path.write_text("year,index\n2014,98.5\n2015,100\n2016,\"1,020\"\n2017,n/a\nall,100\n")
    assert _error(path) == (
        f"Price index file `{path}`: 3 row(s) without a whole-number `year` and a positive "
        "numeric `index` (line 4: year='2016', index='1,020'; line 5: year='2017', index='n/a'; "
        "line 6: year='all', index='100'). Write one row per year with plain numbers (no units, "
        "no thousands separators).")
