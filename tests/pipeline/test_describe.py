"""hubeval.pipeline.describe: cohort descriptives with small cells suppressed."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import hubeval as hb

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def test_describe_cohorts_suppresses_small_cells(example_panel):
    table = hb.describe_cohorts(example_panel, min_units=12).estimates
    assert list(table["cohort"]) == ["2011", "2012", "2013", "2014", "2015", "2016", "never"]
    small = table[table.n_units < 12]
    assert len(small) and small["employment"].isna().all()
    assert table.loc[table.cohort == "2011", "employment"].notna().all()
    result = hb.describe_cohorts(example_panel, min_units=12)
    assert len(result.suppressed) == len(small)


def test_describe_cohorts_means_by_hand(example_panel):
    table = hb.describe_cohorts(example_panel, columns=["employment"]).estimates.set_index("cohort")
    data = example_panel.data
    rows = data[(data.cohort == 2013) & (data.year == 2012)]
    assert table.loc["2013", "employment"] == pytest.approx(rows.employment.mean())
    assert table.loc["2013", "n_units"] == len(rows)


def test_describe_cohorts_respects_the_disclosure_floor(example_panel):
    with pytest.raises(hb.DisclosureError, match=r"^`min_units` is 2, below the hard floor of 3 firms"):
        hb.describe_cohorts(example_panel, min_units=2)
