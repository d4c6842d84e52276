"""Property-based: any malformed frame gives a PanelError or a valid Panel, never anything else."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hubeval as hb

cells = st.one_of(st.none(), st.integers(-5, 2020), st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from(["", "-", "1,234", "2012", "abc", "0", "inf", "2011.0", " 7 "]))
years = st.one_of(st.integers(2005, 2015), st.sampled_from([None, "2010", "x", 2010.5, np.nan]))
cohorts = st.one_of(st.sampled_from([0, None, np.inf, 2008, 2010, 2012, "2011", "never", -1, 2010.5]))


@st.composite
def frames(draw):
    """A valid panel, then zero to three random corruptions of single cells or rows."""
    n_units = draw(st.integers(1, 5))
    n_years = draw(st.integers(1, 4))
    unit_cohorts = draw(st.lists(st.sampled_from([0, None, np.inf, 2011, 2012, 2013]),
                                 min_size=n_units, max_size=n_units))
    rows = [{"firm": f"F{u}", "year": 2010 + t, "cohort": unit_cohorts[u],
             "employment": draw(st.integers(0, 50)), "y": draw(st.floats(-10, 10))}
            for u in range(n_units) for t in range(n_years)]
    frame = pd.DataFrame(rows).astype(object)
    for _ in range(draw(st.integers(0, 3))):
        if len(frame) == 0:
            break
        i = draw(st.integers(0, len(frame) - 1))
        action = draw(st.sampled_from(["cell", "drop", "duplicate"]))
        if action == "cell":
            column = draw(st.sampled_from(["firm", "year", "cohort", "employment", "y"]))
            value = draw({"year": years, "cohort": cohorts, "firm": st.sampled_from([None, "F0", 7])}
                         .get(column, cells))
            frame.iat[i, frame.columns.get_loc(column)] = value
        elif action == "drop":
            frame = frame.drop(index=frame.index[i])
        else:
            frame = pd.concat([frame, frame.iloc[[i]]], ignore_index=True)
    return frame


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames(), st.booleans())
def test_malformed_frames_raise_panel_error_or_build_a_valid_panel(frame, coerce):
    before = frame.copy()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", hb.DataWarning)
            panel = hb.Panel(frame, unit="firm", time="year", cohort="cohort", coerce_numeric=coerce)
    except hb.PanelError as exc:
        assert str(exc)  # a message, never empty
    else:
        data = panel.data
        assert not data.duplicated(["firm", "year"]).any()
        assert data["year"].dtype.kind == "i"
        assert panel.n_treated >= 1
        finite = np.isfinite(data["cohort"])
        assert (data.loc[finite, "cohort"] == data.loc[finite, "cohort"].round()).all()
        assert (data.groupby("firm")["cohort"].nunique() == 1).all()
        for col in panel.outcomes:
            assert pd.api.types.is_numeric_dtype(data[col])
    pd.testing.assert_frame_equal(frame, before)
