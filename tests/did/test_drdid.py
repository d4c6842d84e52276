"""Tests of the 2x2 panel DiD estimators (hubeval.did.drdid) against hand computations and drdid."""
from __future__ import annotations

import numpy as np
import pytest

from hubeval.did.drdid import CellFailure, did_2x2, estimate, prepare_design


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    d = (rng.random(n) < 1 / (1 + np.exp(-0.8 * x))).astype(float)
    y0 = x + rng.normal(size=n)
    y1 = y0 + 0.5 * x + 1.0 * d + rng.normal(size=n)
    return y1, y0, d, x


def test_no_covariates_is_difference_in_mean_changes_for_every_method():
    y1, y0, d, _ = _data()
    dy = y1 - y0
    by_hand = dy[d == 1].mean() - dy[d == 0].mean()
    results = [did_2x2(y1, y0, d, method=m) for m in ("dr", "ipw", "reg")]
    for att, se, inf in results:
        assert att == pytest.approx(by_hand, abs=1e-12)
        assert inf.mean() == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(results[0][2], results[1][2], atol=1e-12)
    np.testing.assert_allclose(results[0][2], results[2][2], atol=1e-12)


def test_covariates_match_the_drdid_package():
    drdid = pytest.importorskip("drdid._estimators")
    y1, y0, d, x = _data()
    w = np.random.default_rng(1).uniform(0.5, 2, len(d))
    pairs = {"dr": drdid.drdid_panel, "ipw": drdid.std_ipw_did_panel, "reg": drdid.reg_did_panel}
    for method, reference in pairs.items():
        att, _, inf = did_2x2(y1, y0, d, covariates=x, weights=w, method=method)
        ref_att, ref_inf = reference(y1, y0, d, covariates=x[:, None], i_weights=w)
        assert att == pytest.approx(ref_att, abs=1e-8)
        np.testing.assert_allclose(inf, ref_inf, atol=1e-7)


def test_regression_adjustment_removes_covariate_driven_trend():
    y1, y0, d, x = _data(n=4000, seed=2)
    naive = did_2x2(y1, y0, d)[0]
    for method in ("dr", "ipw", "reg"):
        att, se, _ = did_2x2(y1, y0, d, covariates=x, method=method)
        assert abs(att - 1.0) < 3 * se
    assert abs(naive - 1.0) > 0.2


def test_design_is_reusable_across_outcomes():
    y1, y0, d, x = _data()
    design = prepare_design(d, np.column_stack([np.ones(len(d)), x]), np.ones(len(d)), "dr")
    a = estimate(design, y1 - y0)
    b = did_2x2(y1, y0, d, covariates=x)
    assert a[0] == pytest.approx(b[0])


def test_failures_have_reasons():
    y1, y0, d, x = _data()
    with pytest.raises(CellFailure, match="constant or collinear among the comparison units"):
        did_2x2(y1, y0, d, covariates=np.where(d == 0, 1.0, x), method="reg")
    with pytest.raises(CellFailure, match="perfect prediction"):
        did_2x2(y1, y0, d, covariates=d + 0.01 * x, method="ipw")
    with pytest.raises(CellFailure, match="no treated or no comparison units"):
        did_2x2(y1, y0, np.ones_like(d))
