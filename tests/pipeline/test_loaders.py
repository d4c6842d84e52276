"""hubeval.pipeline.loaders: load_panel from notebook parameters, the city panel."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.data.example import KOREAN_COLUMNS

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def test_load_panel_matches_load_example_and_reads_the_korean_copy():
    a = quiet(hb.load_panel, EXAMPLE / "firms.csv", price_index=EXAMPLE / "price_index.csv", base_year=2015)
    b = quiet(hb.load_example, EXAMPLE)
    pd.testing.assert_frame_equal(a.data, b.data)
    c = quiet(hb.load_panel, EXAMPLE / "firms_cp949.csv", price_index=EXAMPLE / "price_index.csv",
              columns={v: k for k, v in KOREAN_COLUMNS.items()})
    np.testing.assert_allclose(c.data["log_va_per_worker"], a.data["log_va_per_worker"], equal_nan=True)


def test_price_index_file_errors(tmp_path):
    with pytest.raises(hb.PanelError, match=r"^Price index file `.*none\.csv` does not exist\."):
        quiet(hb.load_panel, EXAMPLE / "firms.csv", price_index=tmp_path / "none.csv")
    two = tmp_path / "two.csv"
    two.write_text("year,ppi,cpi\n2006,1,1\n")
    with pytest.raises(hb.PanelError) as info:
        quiet(hb.load_panel, EXAMPLE / "firms.csv", price_index=two)
    assert str(info.value) == (f"Price index file `{two}` has several index columns (ppi, cpi); name "
                               "the one to use with `price_column`.")


