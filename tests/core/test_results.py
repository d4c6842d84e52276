"""ResultMixin.to_dict: serialisation declared once, by field metadata (result_field)."""
from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.results import ResultMixin, result_field


@dataclasses.dataclass(frozen=True)
class Toy(ResultMixin):
    estimates: pd.DataFrame
    influence: np.ndarray = result_field(serialize="shape")
    draws: pd.DataFrame = result_field(serialize="omit")
    vcov: pd.DataFrame = result_field(serialize="matrix")
    label: str = result_field(serialize=str.upper, default="abc")
    seed: object = None
    _cache: object = None


def toy() -> Toy:
    estimates = pd.DataFrame({"term": ["a", "b"], "estimate": [1.0, np.nan]})
    vcov = pd.DataFrame([[1.0, 0.5], [0.5, np.inf]], index=["a", "b"], columns=["a", "b"])
    return Toy(estimates, np.zeros((7, 2)), pd.DataFrame({"x": [1, 2]}), vcov, _cache=object())


def test_to_dict_modes():
    out = toy().to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out == {
        "type": "Toy",
        "estimates": [{"term": "a", "estimate": 1.0}, {"term": "b", "estimate": None}],
        "influence_shape": [7, 2],
        "vcov": {"index": ["a", "b"], "columns": ["a", "b"], "data": [[1.0, 0.5], [0.5, "inf"]]},
        "label": "ABC",
        "seed": None,
    }


def test_result_field_rejects_unknown_mode():
    with pytest.raises(ValueError, match="`serialize` must be"):
        result_field(serialize="secret")


@pytest.fixture(scope="module")
def panel():
    sim = hb.simulate_panel(n_units=120, seed=3)
    return hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def test_per_firm_fields_stay_out_of_json(panel):
    gt = quiet(hb.att_gt, panel, outcome="y")
    cases = [
        (quiet(hb.before_after, panel, outcome="y", scale="level"), {"firms"}),
        (quiet(hb.imputation, panel, outcome="y"), {"effects"}),
        (gt, {"influence", "units", "unit_cohort", "unit_weights", "cluster"}),
    ]
    for result, per_firm in cases:
        out = json.loads(json.dumps(result.to_dict()))
        assert not per_firm & set(out), type(result).__name__
        assert out["type"] == type(result).__name__ and "estimates" in out
    assert gt.to_dict()["influence_shape"] == list(gt.influence.shape)
    es = quiet(hb.aggregate, gt, by="event_time")
    out = es.to_dict()
    assert not {"influence", "overall_influence", "units", "cluster"} & set(out)
    assert out["vcov"]["index"] == es.vcov.index.tolist()
