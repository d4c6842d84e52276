"""The no-covariate fast path of att_gt (hubeval.did._gt_fast) against the general cell loop.

Every ATT(g, t), standard error, count, influence column, warning and aggregate must agree with
the general path (forced by the private switch ``_gt_fast.ENABLED``) on unbalanced panels with
missing outcomes, never- and not-yet-treated comparisons, anticipation, both base periods,
weights and clusters.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import hubeval as hb
from hubeval.did import _gt_fast

BYS = ("simple", "event_time", "cohort", "calendar")


def _panel(seed: int, *, drop_rows: float, missing_y: float, never: bool = True):
    sim = hb.simulate_panel(400, years=(2008, 2016), cohorts=(2011, 2012, 2013, 2014),
                            treated_share=0.5, heterogeneity=0.5, seed=seed)
    data = sim.data.copy()
    if not never:
        data = data[np.isfinite(data["cohort"]) & (data["cohort"] > 0)]
    rng = np.random.default_rng(seed)
    data = data[rng.random(len(data)) >= drop_rows].reset_index(drop=True)
    data.loc[rng.random(len(data)) < missing_y, "y"] = np.nan
    firms = data["firm_id"].unique()
    per_firm_w = dict(zip(firms, rng.uniform(0.2, 3.0, len(firms))))
    per_firm_w[firms[0]] = 0.0  # a zero weight: counted in n, not in the correction
    data["w"] = data["firm_id"].map(per_firm_w)
    data["region"] = data["firm_id"].map(dict(zip(firms, rng.integers(0, 25, len(firms)))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.Panel(data, unit="firm_id", time="year", cohort="cohort", outcomes=["y"])


def _both(panel, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _gt_fast.ENABLED = False
            general = hb.att_gt(panel, outcome="y", **kwargs)
        finally:
            _gt_fast.ENABLED = True
        fast = hb.att_gt(panel, outcome="y", **kwargs)
    return general, fast


def _assert_same(general, fast):
    a, b = general.estimates, fast.estimates
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        if a[col].dtype.kind == "f":
            np.testing.assert_allclose(b[col], a[col], rtol=1e-12, atol=1e-13, err_msg=col)
        else:
            assert a[col].tolist() == b[col].tolist(), col
    np.testing.assert_allclose(fast.influence, general.influence, rtol=1e-11, atol=1e-11)
    assert fast.warnings == general.warnings
    assert fast.spec == general.spec
    for by, shares in itertools.product(BYS, ("fixed", "estimated")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = hb.aggregate(general, by=by, cohort_shares=shares)
            y = hb.aggregate(fast, by=by, cohort_shares=shares)
        np.testing.assert_allclose(y.estimates[["estimate", "std_error"]],
                                   x.estimates[["estimate", "std_error"]], rtol=1e-12, atol=1e-13)
        for key in ("estimate", "std_error"):
            np.testing.assert_allclose(y.overall[key], x.overall[key], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("control,base_period,anticipation,weights,cluster,small_sample", [
    ("never_treated", "varying", 0, None, None, True),
    ("never_treated", "universal", 1, "w", None, False),
    ("not_yet_treated", "varying", 1, None, "region", True),
    ("not_yet_treated", "universal", 0, "w", "region", True),
    ("not_yet_treated", "varying", 0, "w", None, False),
])
@pytest.mark.parametrize("drop_rows,missing_y", [(0.0, 0.0), (0.08, 0.05)])
def test_fast_path_matches_general_path(control, base_period, anticipation, weights, cluster,
                                        small_sample, drop_rows, missing_y):
    panel = _panel(3, drop_rows=drop_rows, missing_y=missing_y)
    general, fast = _both(panel, control=control, base_period=base_period,
                          anticipation=anticipation, weights=weights, cluster=cluster,
                          small_sample=small_sample)
    assert np.isfinite(general.estimates["estimate"]).sum() > 20
    assert _gt_fast.fast_cells(*_fast_args(panel, weights, control, base_period, anticipation))
    _assert_same(general, fast)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_fast_path_methods_and_no_never_treated(method):
    panel = _panel(5, drop_rows=0.05, missing_y=0.02, never=False)
    general, fast = _both(panel, control="not_yet_treated", method=method)
    _assert_same(general, fast)


def test_fast_path_failed_cells_match():
    """A cohort whose outcome is missing in one year: those cells fail the same way."""
    sim = hb.simulate_panel(200, years=(2008, 2014), cohorts=(2011, 2012), seed=2)
    data = sim.data.copy()
    data.loc[(data["cohort"] == 2012) & (data["year"] == 2009), "y"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort", outcomes=["y"])
    general, fast = _both(panel)
    assert np.isnan(general.estimates["estimate"]).sum() == 2
    _assert_same(general, fast)


def test_fast_path_declines_covariates_and_trimmed_cells(monkeypatch):
    """Covariates, or a cell whose treated share reaches the trimming level, take the general path."""
    called = []
    original = _gt_fast._Groups
    monkeypatch.setattr(_gt_fast, "_Groups", lambda arrays: called.append(1) or original(arrays))
    sim = hb.simulate_panel(300, years=(2008, 2014), cohorts=(2011, 2012), seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
        hb.att_gt(panel, outcome="y", covariates="x")
    assert called == []
    data = sim.data.copy()
    data["w"] = np.where(data["cohort"] == 2011, 1000.0, 1.0)  # treated share > 0.995
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
    assert _gt_fast.fast_cells(*_fast_args(panel, "w")) is None
    general, fast = _both(panel, weights="w")
    _assert_same(general, fast)


def _fast_args(panel, weights, control="never_treated", base_period="varying", anticipation=0):
    from hubeval.did._gt_cells import _missing_reason
    from hubeval.did._gt_data import _build_arrays, _plan_cells, _resolve_cohorts

    arrays = _build_arrays(panel, "y", [], weights, None)
    arrays, cohorts = _resolve_cohorts(arrays, control, anticipation, [])
    cells = _plan_cells(cohorts, arrays.times, base_period, anticipation)
    return arrays, cells, control, anticipation, "y", [], True, _missing_reason
