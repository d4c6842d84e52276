"""hubeval.pipeline.recording: what an outcome run records for the memo."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.store.readers import event_study_vcov, statistic_table


def study(outcome, times=(-2, -1, 0, 1)):
    frame = pd.DataFrame({"term": [f"ATT(e={e})" for e in times], "event_time": list(times),
                          "estimate": 0.01 * np.arange(len(times)), "std_error": 0.02})
    vcov = pd.DataFrame(0.0004 * (0.5 + 0.5 * np.eye(len(times))), index=list(times),
                        columns=list(times))
    return SimpleNamespace(vcov=vcov, tidy=lambda: frame.copy())


class FakeEvaluation:
    """Duck-typed EvaluationResult: evaluations, event_studies() and a tidy comparison."""

    def __init__(self):
        self.evaluations = [SimpleNamespace(outcome=o, event_study=study(o))
                            for o in ("log_va_per_worker", "log_sales_per_worker")]

    def event_studies(self):
        return pd.concat([e.event_study.tidy().assign(outcome=e.outcome) for e in self.evaluations],
                         ignore_index=True)

    def tidy(self):
        return pd.DataFrame({"term": ["ATT simple"], "estimate": [6.0], "outcome": ["log_va_per_worker"]})


def test_event_study_covariances_are_long_and_complete():
    table = hb.event_study_covariances(FakeEvaluation())
    assert list(table.columns) == ["outcome", "term", "event_time", "event_time_other", "covariance"]
    assert len(table) == 2 * 16 and set(table["term"]) == {"vcov"}
    diag = table[table["event_time"] == table["event_time_other"]]["covariance"]
    assert np.allclose(diag, 0.02 ** 2)


def test_recorded_covariance_round_trips_through_the_batch_records(tmp_path):
    run = tmp_path / "10_outcomes-productivity"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"run_id": run.name, "notebook": "10_outcomes",
                                              "params": {"family": "productivity"}}))
    names = hb.record_outcome_results(FakeEvaluation(), None, out_dir=run)
    assert names == ["comparison", "event_study", "event_study_vcov"]
    records = hb.store.read_batch(tmp_path)  # gathered from the records: no store written yet
    matrix = event_study_vcov(records, "log_va_per_worker", [0, 1])
    assert matrix.shape == (2, 2)
    assert matrix.to_numpy() == pytest.approx(np.array([[4e-4, 2e-4], [2e-4, 4e-4]]))
    full = event_study_vcov(records, "log_sales_per_worker")
    assert list(full.index) == [-2.0, -1.0, 0.0, 1.0]
    assert event_study_vcov(records, "log_va_per_worker", [0, 5]) is None
    assert event_study_vcov(records, "cost_ratio") is None
    assert statistic_table(records, "power", "log_va_per_worker").empty
    studies = records.event_studies  # in the store's fixed schema, with stable term codes
    assert studies["term"].tolist()[:4] == ["e=-2", "e=-1", "e=0", "e=1"]
    assert studies["label"].tolist()[:2] == ["ATT(e=-2)", "ATT(e=-1)"]
    assert set(studies["scale"]) == {"log_points"} and set(studies["aggregation"]) == {"dynamic"}
