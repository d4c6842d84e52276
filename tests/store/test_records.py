"""hubeval.store.records: hb.record in a notebook (with and without a run context), collected."""
from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import ParameterError
from hubeval.core.results import ResultMixin
from hubeval.store.schema import ESTIMATE_COLUMNS


@dataclass(frozen=True)
class FakeResult(ResultMixin):
    estimates: pd.DataFrame
    spec: dict
    title = "fake"


def test_record_result_object_interactively(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBEVAL_RUN_CONTEXT", raising=False)
    result = FakeResult(pd.DataFrame({"term": ["att"], "estimate": [0.1], "std_error": [0.02]}),
                        {"outcome": "log_sales", "method": "dr"})
    path = hb.record("att", result, out_dir=tmp_path)
    assert path == tmp_path / "records" / "att.csv"
    table = pd.read_csv(path)
    row = table.iloc[0]
    assert pd.isna(row["run_id"]) and row["notebook"] == "interactive"
    assert (row["outcome"], row["estimate"]) == ("log_sales", 0.1)  # outcome from the spec
    assert table.columns.tolist() == ["run_id", "notebook", "record", "outcome", "term",
                                      "estimate", "std_error"]
    doc = json.loads((tmp_path / "records" / "att.json").read_text())
    assert doc["type"] == "FakeResult" and doc["result"]["spec"]["method"] == "dr"
    assert doc["notebook"] == "interactive" and doc["outcome"] == "log_sales"


def test_record_uses_run_context_and_dicts(tmp_path, monkeypatch):
    context = tmp_path / "run.json"
    context.write_text(json.dumps({"run_id": "r1", "notebook": "nb", "params": {
        "outcome": "jobs", "covariates": ["a", "b"], "output_dir": "x"}}))
    monkeypatch.setenv("HUBEVAL_RUN_CONTEXT", str(context))
    hb.record("summary", {"n": 3, "share": 0.5}, out_dir=tmp_path / "run")
    hb.record("series", {"year": [2011, 2012], "value": [1.0, 2.0]}, out_dir=tmp_path / "run")
    # the record's CSV is its tidy table with the keys; parameters are never repeated on rows
    table = pd.read_csv(tmp_path / "run" / "records" / "series.csv")
    assert table.columns.tolist() == ["run_id", "notebook", "record", "outcome", "year", "value"]
    store = hb.collect_store(tmp_path)
    assert store["estimates"].empty and store["statistics"].empty  # neither has an `estimate`
    assert store["series"]["year"].tolist() == [2011, 2012]
    assert store["series"].columns[:3].tolist() == ["run_id", "record", "outcome"]
    assert store["summary"][["run_id", "outcome", "n", "share"]].iloc[0].tolist() == ["r1", "jobs", 3, 0.5]
    doc = json.loads((tmp_path / "run" / "records" / "summary.json").read_text())
    assert doc["params"]["covariates"] == ["a", "b"]  # the lossless archive keeps them


def test_record_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("HUBEVAL_OUTPUT_DIR", raising=False)
    with pytest.raises(ParameterError) as info:
        hb.record("a b", {}, out_dir=tmp_path)
    assert str(info.value) == ("`name` must be letters, digits, `_`, `.` or `-` (it names a "
                               "file), got 'a b'; e.g. hb.record(\"att_overall\", result).")
    with pytest.raises(ParameterError) as info:
        hb.record("a", {})
    assert str(info.value) == ("`out_dir` is not set and no batch runner provided one: pass "
                               "the notebook's output folder, hb.record(name, obj, "
                               "out_dir=output_dir).")
    with pytest.raises(ParameterError) as info:
        hb.record("a", 3.5, out_dir=tmp_path)
    assert str(info.value) == ("`obj` of record `a` is a float; pass a hubeval result (with "
                               "`tidy()`), a pandas DataFrame or a dict.")


def test_record_figure(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert hb.record("line", ax, out_dir=tmp_path) == tmp_path / "figures" / "line.png"
    assert (tmp_path / "figures" / "line.png").stat().st_size > 0
    assert not (tmp_path / "records").exists()
    plt.close(fig)


def test_collect_store_empty(tmp_path):
    store = hb.collect_store(tmp_path)
    assert list(store) == ["runs", "estimates", "statistics"]
    assert store["estimates"].columns.tolist() == ESTIMATE_COLUMNS and store["estimates"].empty
