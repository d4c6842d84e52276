"""Shared fixtures: small hand-made panels and the example data folder."""
from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "example"


@pytest.fixture
def tiny() -> pd.DataFrame:
    """Four firms x four years: two participants (2012, 2013), two never-participants."""
    rows = []
    for firm, cohort in (("A", 2012), ("B", 2013), ("C", 0), ("D", None)):
        for year in (2010, 2011, 2012, 2013):
            rows.append({"firm": firm, "year": year, "cohort": cohort,
                         "employment": 10 + year - 2010, "sales": 100.0 + year - 2010,
                         "y": float(year - 2000)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def example_panel():
    import hubeval as hb
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.load_example(EXAMPLE)
