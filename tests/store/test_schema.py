"""hubeval.store.schema / parts / catalog: the fixed schema of the results store and how records fill it."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import ParameterError
from hubeval.store import schema
from hubeval.store.parts import store_parts


def test_estimates_schema_is_pinned():
    # changing these columns breaks every analyst's query and every stored batch: on purpose only
    assert schema.ESTIMATE_COLUMNS == [
        "run_id", "record", "outcome", "estimator", "aggregation", "inference", "term", "label",
        "cohort", "time", "event_time", "estimate", "std_error", "statistic", "p_value",
        "conf_low", "conf_high", "band_low", "band_high", "scale", "n_units", "n_treated",
        "evidence"]
    assert schema.STATISTIC_COLUMNS == ["run_id", "record", "outcome", "estimator", "term",
                                        "statistic", "value", "unit", "label"]
    assert schema.RUN_TABLE_COLUMNS == ["run_id", "notebook", "stage", "status", "error",
                                        "duration", "folder", "params", "data"]
    empty = schema.conform_estimates(pd.DataFrame())
    assert empty.columns.tolist() == schema.ESTIMATE_COLUMNS
    assert {c: str(t) for c, t in empty.dtypes.items() if str(t) == "Int64"} == {
        c: "Int64" for c in ("cohort", "time", "event_time", "n_units", "n_treated", "evidence")}


@pytest.mark.parametrize("row, aggregation, code", [
    ({"event_time": -1}, "dynamic", "e=-1"), ({"event_time": 3.0}, "dynamic", "e=3"),
    ({"cohort": 2012}, "group", "g=2012"), ({"time": 2015}, "calendar", "t=2015"),
    ({"cohort": 2012, "time": 2014}, "group_time", "g=2012,t=2014"),
    ({}, "post", "post"), ({}, "simple", "att"), ({"event_time": np.nan}, "dynamic", "att")])
def test_term_codes(row, aggregation, code):
    assert schema.term_code(row, aggregation) == code


def test_conform_estimates_checks_columns_vocabulary_and_integers():
    frame = pd.DataFrame({"estimate": [0.1, 0.2], "std_error": [0.05, 0.0],
                          "aggregation": ["dynamic", "dynamic"], "event_time": [0, 1]})
    out = schema.conform_estimates(frame)
    assert out["term"].tolist() == ["e=0", "e=1"] and out["estimator"].tolist() == ["other"] * 2
    assert out["statistic"].iloc[0] == pytest.approx(2.0) and np.isnan(out["statistic"].iloc[1])
    with pytest.raises(ParameterError) as info:
        schema.conform_estimates(frame.assign(method="dr"), where="record `x`")
    assert str(info.value) == ("record `x` has columns outside the estimates schema: method. Put "
                               "per-model numbers in `statistics` and other columns in a table of "
                               "their own.")
    with pytest.raises(ParameterError) as info:
        schema.conform_estimates(frame.assign(estimator="csdid"))
    assert str(info.value).startswith("`estimator` of the estimates must be one of before_after, "
                                      "twfe, callaway_santanna,")
    assert str(info.value).endswith("found csdid. Use the store's vocabulary "
                                    "(hubeval.store.schema) or `other`.")
    with pytest.raises(ParameterError, match=r"^Column `event_time` of the estimates must hold "
                                             r"whole numbers; found 0\.5\."):
        schema.conform_estimates(frame.assign(event_time=[0.5, 1]))
    with pytest.raises(ParameterError, match=r"^`unit` of the statistics must be one of count,"):
        schema.conform_statistics(pd.DataFrame({"statistic": ["n"], "value": [1], "unit": ["firms"]}))


def test_unknown_records_are_placed_by_shape():
    effects = pd.DataFrame({"term": ["Effect A", "Effect B"], "estimate": [1.0, 2.0],
                            "std_error": [0.5, 0.5], "estimator": ["twfe", "my_method"]})
    parts = store_parts("my_effects", None, effects, "sales")
    est = parts["estimates"]
    assert est["term"].tolist() == ["effect_a", "effect_b"] and est["label"].tolist() == ["Effect A", "Effect B"]
    assert est["estimator"].tolist() == ["twfe", "other"] and set(est["outcome"]) == {"sales"}
    other = store_parts("Survey Items", None, pd.DataFrame({"item": ["a"], "value": ["x"]}), None)
    assert other["estimates"] is None and list(other["tables"]) == ["survey_items"]
    assert other["tables"]["survey_items"]["record"].tolist() == ["Survey Items"]


def test_glance_of_results():
    sim = hb.simulate_panel(200, years=(2008, 2014), cohorts=(2011, 2012), seed=3)
    panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    gt = hb.att_gt(panel, outcome="y")
    pre = hb.pretrend_test(gt)
    glance = pre.glance()
    assert glance.columns.tolist() == ["statistic", "value", "unit", "label"]
    values = glance.set_index("statistic")["value"]
    assert values["pretrend_wald"] == pytest.approx(pre.statistic)
    assert values["pretrend_p"] == pytest.approx(pre.p_value) and values["n_units"] == 200
    agg = hb.aggregate(gt, by="event_time")
    tidy = agg.tidy()  # the overall effect of an aggregation is its last tidy row
    assert tidy["aggregation"].tolist()[-1] == "simple"
    assert tidy["estimate"].iloc[-1] == pytest.approx(agg.overall["estimate"])
    assert (tidy["aggregation"].iloc[:-1] == "dynamic").all() and len(tidy) == len(agg.estimates) + 1


def test_catalog_reads_every_batch(tmp_path):
    for name, stamp, value in (("main", "20260101-000000-aaaaaa", 1.0),
                               ("main", "20260102-000000-bbbbbb", 2.0),
                               ("robustness", "20260103-000000-cccccc", 3.0)):
        folder = tmp_path / name / stamp
        folder.mkdir(parents=True)
        manifest = {"batch": name, "created": stamp, "status": "ok", "runs": [
            {"id": "r", "status": "ok", "params": {"seed": 1}}]}
        (folder / "manifest.json").write_text(json.dumps(manifest))
        hb.write_store(folder, {"runs": hb.store.tables.runs_table(manifest),
                                "estimates": schema.conform_estimates(pd.DataFrame(
                                    {"run_id": ["r"], "record": ["x"], "estimate": [value]})),
                                "statistics": schema.conform_statistics(pd.DataFrame())})
    index = hb.catalog(tmp_path)
    assert index["batch"].tolist() == ["main", "main", "robustness"]
    assert index["n_estimates"].tolist() == [1, 1, 1] and set(index["status"]) == {"ok"}
    stacked = hb.catalog(tmp_path, table="estimates")
    assert stacked.columns[:3].tolist() == ["batch", "batch_folder", "run_id"]
    assert stacked["estimate"].tolist() == [1.0, 2.0, 3.0]
    assert hb.catalog(tmp_path, table="estimates", batch="robustness")["estimate"].tolist() == [3.0]
    with pytest.raises(ParameterError) as info:
        hb.catalog(tmp_path, table="balance")
    assert str(info.value) == (f"No batch under `{tmp_path}` has a table `balance`; tables found: "
                               "estimates, runs, statistics.")
