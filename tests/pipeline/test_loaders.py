"""Notebook steps: load_panel from parameters, describe_cohorts, batch results, report folders."""
from __future__ import annotations

import json
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


def test_load_batch_results_errors(tmp_path):
    with pytest.raises(hb.ParameterError, match=r"^`results_dir` `.*nowhere` is not a folder\."):
        hb.load_batch_results(tmp_path / "nowhere")
    (tmp_path / "results.csv").write_text("run_id,notebook,record,outcome\nr1,00_data_check,missing,\n")
    with pytest.raises(hb.ParameterError, match=r"^No `comparison` records in"):
        hb.load_batch_results(tmp_path)


def test_load_batch_results_reads_records_and_runs(tmp_path):
    (tmp_path / "results.csv").write_text(
        "run_id,notebook,record,outcome,term,estimate\n"
        "10_outcomes-costs,10_outcomes,comparison,cost_ratio,ATT simple,-2.5\n"
        "10_outcomes-costs,10_outcomes,event_study,cost_ratio,event time 0,-0.01\n")
    (tmp_path / "manifest.json").write_text(json.dumps({"runs": [
        {"id": "10_outcomes-costs", "notebook": "notebooks/10_outcomes.ipynb", "stage": 1,
         "status": "ok", "error": None, "duration": 1.5, "folder": "x"}]}))
    results = hb.load_batch_results(tmp_path)
    assert isinstance(results, hb.BatchResult) and results.ok
    assert results.estimates["estimate"].tolist() == [-2.5]
    assert results.event_studies["term"].tolist() == ["event time 0"] and results.regional.empty
    assert results.runs["id"].tolist() == ["10_outcomes-costs"] and results.folder == tmp_path


def test_report_folder_is_named_after_the_batch(tmp_path):
    batch = tmp_path / "runs" / "main" / "20261126-101500-ab12cd"
    batch.mkdir(parents=True)
    folder = hb.report_folder(batch, tmp_path / "reports")
    assert folder == tmp_path / "reports" / "main" / "20261126-101500-ab12cd" and folder.is_dir()


def test_describe_cohorts_respects_the_disclosure_floor(example_panel):
    with pytest.raises(hb.DisclosureError, match=r"^`min_units` is 2, below the hard floor of 3 firms"):
        hb.describe_cohorts(example_panel, min_units=2)
