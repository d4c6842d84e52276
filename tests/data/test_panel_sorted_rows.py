"""Panel's shortcuts for rows already sorted by unit and year give what the general checks give.

Sorted input takes run-based paths (unit codes, per-unit cohorts, duplicate and always-treated
checks, distinct years); shuffled input takes the general ones. Both must build the same panel
and raise the same errors.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import PanelError


def _frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, years = 60, np.arange(2010, 2018)
    cohort = rng.choice([0, 2012, 2014, 2016], n)
    frame = pd.DataFrame({"firm": np.repeat(np.arange(100, 100 + n) * 3, len(years)),
                          "year": np.tile(years, n), "cohort": np.repeat(cohort, len(years)),
                          "y": rng.normal(size=n * len(years))})
    return frame[rng.random(len(frame)) > 0.1].reset_index(drop=True)  # unbalanced


def _build(frame, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.Panel(frame, unit="firm", time="year", cohort="cohort", **kwargs)


def _shuffled(frame):
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)


def test_sorted_and_shuffled_rows_build_the_same_panel():
    frame = _frame()
    a, b = _build(frame), _build(_shuffled(frame))
    pd.testing.assert_frame_equal(a.data, b.data)
    np.testing.assert_array_equal(a.times, b.times)
    assert a.n_units == b.n_units == frame["firm"].nunique()
    pd.testing.assert_series_equal(a.unit_cohorts, b.unit_cohorts)
    raw = frame.groupby("firm")["cohort"].first()
    expected = raw.where(raw != 0, np.inf).astype(float)
    np.testing.assert_array_equal(a.unit_cohorts.to_numpy(), expected.to_numpy())
    assert a.warnings == b.warnings


def test_always_treated_dropped_alike():
    frame = _frame()
    first = frame.groupby("firm")["year"].transform("min")
    frame.loc[frame["firm"] == frame["firm"].iloc[0], "cohort"] = int(first.iloc[0])
    for data in (frame, _shuffled(frame)):
        with pytest.raises(PanelError, match="always-treated"):
            _build(data)
    a, b = _build(frame, drop_always_treated=True), _build(_shuffled(frame), drop_always_treated=True)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.report().dropped.equals(b.report().dropped)


def _errors(frame):
    out = []
    for data in (frame, _shuffled(frame)):
        with pytest.raises(PanelError) as info:
            _build(data)
        out.append(str(info.value))
    return out


def test_varying_fractional_and_duplicate_errors_alike():
    frame = _frame()
    varying = frame.copy()
    rows = varying.index[varying["firm"] == varying["firm"].iloc[0]]
    varying.loc[rows[-1], "cohort"] = 2017
    sorted_error, shuffled_error = _errors(varying)
    assert "varies within 1 unit(s)" in sorted_error and sorted_error == shuffled_error
    fractional = frame.astype({"cohort": float})
    fractional.loc[fractional["firm"] == fractional["firm"].iloc[0], "cohort"] = 2012.5
    sorted_error, shuffled_error = _errors(fractional)
    assert "whole number" in sorted_error and sorted_error == shuffled_error
    duplicated = pd.concat([frame, frame.iloc[[5]]]).sort_values(["firm", "year"], kind="stable")
    sorted_error, shuffled_error = _errors(duplicated.reset_index(drop=True))
    assert "identify rows uniquely" in sorted_error
    assert sorted_error.split(" e.g.")[0] == shuffled_error.split(" e.g.")[0]
