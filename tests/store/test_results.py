"""hubeval.store.results: a batch folder's results store read back as one BatchResult."""
from __future__ import annotations

import json

import pandas as pd
import pytest

import hubeval as hb
from hubeval.store.schema import ESTIMATE_COLUMNS, STATISTIC_COLUMNS, RUN_TABLE_COLUMNS


def _write_batch(folder, estimates, statistics=None, manifest=None):
    folder.mkdir(parents=True, exist_ok=True)
    manifest = manifest or {"runs": [
        {"id": "10_outcomes-costs", "notebook": "notebooks/10_outcomes.ipynb", "stage": 1,
         "status": "ok", "error": None, "duration": 1.5, "folder": "x",
         "params": {"family": "costs", "anticipation": 1, "output_dir": "secret"},
         "data": {"data/firms.csv": "ab12"}}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    tables = {"runs": hb.store.tables.runs_table(manifest),
              "estimates": hb.store.schema.conform_estimates(pd.DataFrame(estimates)),
              "statistics": hb.store.schema.conform_statistics(
                  pd.DataFrame(statistics or [], columns=STATISTIC_COLUMNS))}
    hb.write_store(folder, tables)
    return folder


ROWS = [{"run_id": "10_outcomes-costs", "record": "comparison", "outcome": "cost_ratio",
         "estimator": "callaway_santanna", "aggregation": "simple", "label": "ATT simple",
         "estimate": -2.5, "std_error": 1.0, "scale": "percent", "n_units": 600, "evidence": 3},
        {"run_id": "10_outcomes-costs", "record": "event_study", "outcome": "cost_ratio",
         "estimator": "callaway_santanna", "aggregation": "dynamic", "event_time": 0,
         "label": "ATT(e=0)", "estimate": -0.01, "std_error": 0.02, "scale": "level"}]


def test_load_batch_results_errors(tmp_path):
    with pytest.raises(hb.ParameterError, match=r"^`results_dir` `.*nowhere` is not a folder\."):
        hb.load_batch_results(tmp_path / "nowhere")
    with pytest.raises(hb.ParameterError, match=r"^No results in `.*`: it has no results store"):
        hb.load_batch_results(tmp_path)
    old = tmp_path / "old" / "10_outcomes-costs" / "records"  # a batch from before the store
    old.mkdir(parents=True)
    (old / "comparison.json").write_text(json.dumps({"run_id": "10_outcomes-costs", "result": {}}))
    with pytest.raises(hb.ParameterError, match=r"holds records written by an earlier hubeval"):
        hb.load_batch_results(tmp_path / "old")
    _write_batch(tmp_path / "b", [{**ROWS[1]}])
    with pytest.raises(hb.ParameterError, match=r"^No `comparison` records in"):
        hb.load_batch_results(tmp_path / "b")


def test_load_batch_results_reads_the_store(tmp_path):
    folder = _write_batch(tmp_path, ROWS, [{"run_id": "10_outcomes-costs", "record": "comparison",
                                            "outcome": "cost_ratio", "statistic": "pretrend_p",
                                            "value": 0.4, "unit": "probability"}])
    results = hb.load_batch_results(folder)
    assert isinstance(results, hb.BatchResult) and results.ok and results.folder == folder
    assert results.estimates.columns.tolist() == ESTIMATE_COLUMNS
    assert results.comparison["estimate"].tolist() == [-2.5]
    assert results.comparison["term"].tolist() == ["att"]  # the stable code, derived
    assert results.event_studies["term"].tolist() == ["e=0"] and results.regional.empty
    assert results.statistic("pretrend_p", outcome="cost_ratio")["value"].tolist() == [0.4]
    assert results.runs.columns.tolist() == RUN_TABLE_COLUMNS
    assert results.runs["run_id"].tolist() == ["10_outcomes-costs"]
    # parameters once per run, the runner's own folders left out
    assert results.params("10_outcomes-costs") == {"family": "costs", "anticipation": 1}
    assert results.parameter("anticipation").tolist() == [1]
    assert json.loads(results.runs["data"].iloc[0]) == {"data/firms.csv": "ab12"}
    assert results.table("balance").empty
    assert "results store: 2 estimates, 1 statistics" in results.summary()


def test_csv_has_bom_and_reads_back_like_parquet(tmp_path):
    rows = [{**ROWS[0], "outcome": "원가율", "label": "평균 효과"}]
    folder = _write_batch(tmp_path, rows)
    raw = (folder / "estimates.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 Korean text only with a BOM
    (folder / "estimates.parquet").unlink()
    csv = hb.store.read_store(folder)["estimates"]
    assert csv["outcome"].tolist() == ["원가율"]
    pd.testing.assert_frame_equal(csv, hb.store.schema.conform_estimates(pd.DataFrame(rows)))
