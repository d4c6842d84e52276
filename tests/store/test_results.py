"""hubeval.store.results: a batch folder read back as one BatchResult."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import hubeval as hb

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


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
