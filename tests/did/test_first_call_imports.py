"""att_gt + the four aggregations as the first call of a new process import only what they use.

The first call's time is mostly imports (scipy.special alone was ~0.15 s, more than the
estimation at 20,000 firms); these tests keep heavy modules off that path, and check that the
numpy logistic function which replaced scipy.special.expit in drdid agrees with it.
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import hubeval.data
import hubeval.did
from hubeval.did.drdid import expit

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("scipy.stats", "scipy.special", "scipy.sparse", "scipy.linalg", "pyfixest",
         "statsmodels", "matplotlib", "seaborn")

FIRST_CALL = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np, pandas as pd
    import hubeval as hb

    rng = np.random.default_rng(3)
    n, years = 600, np.arange(2010, 2018)
    x = rng.binomial(1, 0.4, n).astype(float)
    cohort = np.where(rng.random(n) < 0.3 + 0.2 * x, rng.choice([2013, 2015], n), 0)
    effect = np.where((cohort > 0)[:, None] & (years[None, :] >= cohort[:, None]), 0.1, 0.0)
    y = rng.normal(size=(n, 1)) + 0.03 * x[:, None] * (years - 2010) + effect \\
        + rng.normal(0, 0.1, (n, len(years)))
    data = pd.DataFrame({"firm_id": np.repeat(np.arange(n), len(years)),
                         "year": np.tile(years, n), "cohort": np.repeat(cohort, len(years)),
                         "x": np.repeat(x, len(years)), "y": y.ravel()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort", outcomes=["y"])
        gt = hb.att_gt(panel, outcome="y", covariates="x", method="dr")
        overall = [hb.aggregate(gt, by=by).overall["estimate"]
                   for by in ("simple", "event_time", "cohort", "calendar")]
    print(json.dumps({"modules": sorted(sys.modules),
                      "att": gt.estimates["estimate"].tolist(), "overall": overall}))
""")


@pytest.fixture(scope="module")
def first_call():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.pop("MPLBACKEND", None)
    done = subprocess.run([sys.executable, "-c", FIRST_CALL], env=env, capture_output=True,
                          text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_first_call_ran_the_dr_estimator(first_call):
    assert "hubeval.did.drdid" in first_call["modules"]
    assert len(first_call["att"]) > 0 and np.all(np.isfinite(first_call["att"]))
    assert np.all(np.isfinite(first_call["overall"]))


def test_first_call_imports_no_heavy_module(first_call):
    loaded = [m for m in first_call["modules"] if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert loaded == []


def test_first_call_skips_the_other_estimators(first_call):
    others = ("hubeval.did.did_imputation", "hubeval.did._bjs", "hubeval.did.fixed_effects",
              "hubeval.did.twfe_setup", "hubeval.did.naive", "hubeval.did.pretrend",
              "hubeval.data.example", "hubeval.data.simulate")
    assert [m for m in others if m in first_call["modules"]] == []


@pytest.mark.parametrize("package", [hubeval.did, hubeval.data], ids=lambda p: p.__name__)
def test_lazy_names_are_listed_and_are_the_defining_modules_objects(package):
    assert set(package.__all__) <= set(dir(package))
    for module, names in package._EXPORTS.items():
        defining = importlib.import_module(module)
        for name in names:
            assert getattr(package, name) is getattr(defining, name)
    assert sorted(n for names in package._EXPORTS.values() for n in names) == sorted(package.__all__)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        package.not_a_name


def test_expit_matches_scipy_over_the_whole_range_without_warnings():
    special = pytest.importorskip("scipy.special")
    edges = [-800.0, -745.2, -745.1, -709.79, -709.78, -708.4, -37.0, -1e-300, -0.0, 0.0,
             5e-324, 1e-300, 36.7, 37.0, 709.78, 745.2, 800.0]
    x = np.concatenate([np.linspace(-800, 800, 400_001), edges])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        ours = expit(x)
        theirs = special.expit(x)
    # where scipy's value is a normal number the two agree to 1e-15 relative
    normal = theirs >= np.finfo(float).tiny
    np.testing.assert_allclose(ours[normal], theirs[normal], rtol=1e-15, atol=0)
    # below about -708 scipy's 1 / (1 + exp(-x)) overflows to 0 (or loses the subnormal);
    # here the result is exactly exp(x), the limit of e / (1 + e)
    tail = ~normal
    assert tail.sum() > 1000
    np.testing.assert_array_equal(ours[tail], np.exp(x[tail]))
    assert np.all(ours[tail] < np.finfo(float).tiny)
    assert np.all((ours >= 0) & (ours <= 1)) and np.all(np.diff(ours[:400_001]) >= 0)
    assert ours[x == 800][0] == 1.0 and ours[x == 0][0] == 0.5


def test_expit_keeps_shape_and_propagates_nan_and_infinities():
    values = expit(np.array([[-np.inf, np.nan], [np.inf, 0.0]]))
    assert values.shape == (2, 2)
    np.testing.assert_array_equal(values, [[0.0, np.nan], [1.0, 0.5]])
    assert expit(2.0) == pytest.approx(1 / (1 + np.exp(-2.0)), rel=1e-16)
