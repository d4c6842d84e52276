"""The lean unit + year fixed-effects OLS (hubeval.did._fe_ols) against pyfixest.feols."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import EstimationError, SpecError
from hubeval.did._fe_ols import fe_ols


def _pyfixest(data: pd.DataFrame, y: str, names: list[str], unit: str, time: str):
    import pyfixest as pf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(f"{y} ~ {' + '.join(names)} | {unit} + {time}", data=data,
                        vcov={"CRV1": unit}, fixef_rm="none", fixef_tol=1e-14)


def _unbalanced(seed: int = 5, n_units: int = 300, n_years: int = 9) -> pd.DataFrame:
    """Firm-years with a quarter missing at random (singleton firms included), shuffled rows."""
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"firm": np.repeat([f"f{i}" for i in range(n_units)], n_years),
                         "year": np.tile(np.arange(2008, 2008 + n_years), n_units)})
    data = data[rng.random(len(data)) > 0.25]
    data = pd.concat([data, pd.DataFrame({"firm": ["solo1", "solo2"], "year": [2009, 2012]})])
    data = data.sample(frac=1, random_state=seed).reset_index(drop=True)
    n = len(data)
    firm_effect = data["firm"].map(dict(zip(data["firm"].unique(), rng.normal(size=n))))
    data["x1"] = rng.normal(size=n) + 0.05 * data["year"] + 0.3 * firm_effect
    data["z"] = rng.normal(size=n)
    for year in (2010, 2012, 2014):  # covariate x year columns, as the imputation's covariates
        data[f"z_{year}"] = data["z"] * (data["year"] == year)
    data["lead"] = (rng.random(n) < 0.15).astype(float)
    data["size"] = data["firm"].map(dict(zip(data["firm"].unique(), rng.normal(size=n))))  # firm-level
    data["combo"] = 2.0 * data["x1"] - data["z_2012"] + 0.5 * data["year"]  # x1, z_2012 and year FE
    data["y"] = (0.4 * data["x1"] - 0.2 * data["lead"] + 0.3 * data["z_2012"] + firm_effect
                 + 0.1 * (data["year"] - 2008) ** 1.5 + rng.normal(size=n) * (1 + data["z"] ** 2))
    return data


@pytest.mark.parametrize("names", [
    ["lead", "x1", "z", "z_2010", "z_2012", "z_2014"],
    ["lead", "x1", "combo", "z", "z_2010", "z_2012", "size", "z_2014"],  # drops z_2012 and size
    ["combo", "z_2012", "x1", "lead", "z"],  # the same collinear set, now x1 comes last
])
def test_fe_ols_agrees_with_pyfixest_on_an_unbalanced_panel(names):
    data = _unbalanced()
    ref = _pyfixest(data, "y", names, "firm", "year")
    fit = fe_ols(data["y"], data[names], data["firm"], data["year"])
    assert list(fit.collinear) == list(ref._collin_vars)
    assert list(fit.coef.index) == list(ref._coefnames)
    np.testing.assert_allclose(fit.coef.to_numpy(), ref.coef().to_numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fit.vcov.to_numpy(), np.asarray(ref._vcov), rtol=1e-10, atol=1e-14)
    assert fit.ssc == pytest.approx(float(np.ravel(ref._ssc)[0]), rel=1e-14)
    assert (fit.n_obs, fit.n_clusters, fit.n_years) == (len(data), data["firm"].nunique(), 9)


def test_fe_ols_small_sample_factor_counts_slopes_and_years_not_firms():
    data = _unbalanced(seed=9)
    names = ["lead", "x1", "combo", "z_2012"]  # one of them dropped: k = 3
    fit = fe_ols(data["y"], {n: data[n].to_numpy() for n in names}, data["firm"], data["year"])
    n, g = len(data), data["firm"].nunique()
    assert fit.collinear == ("z_2012",)
    assert fit.ssc == pytest.approx((n - 1) / (n - 3 - 9) * g / (g - 1), rel=1e-15)


def test_fe_ols_reports_unidentified_regressors_and_rejects_gaps():
    data = _unbalanced()
    fit = fe_ols(data["y"], data[["size", "combo"]].assign(combo=data["year"]), data["firm"], data["year"])
    assert fit.collinear == ("size", "combo") and fit.coef.empty and fit.vcov.shape == (0, 0)
    with pytest.raises(EstimationError, match="missing values in x1"):
        fe_ols(data["y"], {"x1": data["x1"].where(data.index > 3)}, data["firm"], data["year"])


def test_imputation_pretrend_matches_a_direct_pyfixest_fit():
    """The BJS Test 1 rows and F statistic equal those of pyfixest's fit of the same regression
    (unbalanced panel, a covariate and covariate x year columns, anticipation)."""
    sim = hb.simulate_panel(400, seed=17, trend_selection=0.01, missing_share=0.15)
    rng = np.random.default_rng(3)
    data = sim.data.assign(w=rng.normal(size=len(sim.data)))
    covariates = ["w"] + [f"x_{y}" for y in (2008, 2010, 2012)]
    for year in (2008, 2010, 2012):
        data[f"x_{year}"] = data["x"] * (data["year"] == year)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
        res = hb.imputation(panel, outcome="y", covariates=covariates, anticipation=1)
    rows = data.dropna(subset=["y"])
    event = rows["year"] - rows["cohort"].where(rows["cohort"] > 0)
    frame = rows[~(event >= -1)].assign(**{f"lead_{k}": (event == -k - 1).astype(float)
                                           for k in (1, 2, 3)})
    leads = ["lead_3", "lead_2", "lead_1"]
    ref = _pyfixest(frame, "y", leads + covariates, "firm_id", "year")
    table = res.estimates.set_index("event_time").loc[[-4, -3, -2]]
    np.testing.assert_allclose(table["estimate"], ref.coef()[leads], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(table["std_error"], ref.se()[leads], rtol=1e-8, atol=1e-10)
    idx = [list(ref._coefnames).index(n) for n in leads]
    b, v = ref.coef()[leads].to_numpy(), np.asarray(ref._vcov)[np.ix_(idx, idx)]
    test = res.pretrend_test
    assert test["leads"] == [-4, -3, -2]
    assert test["df"] == [3, frame["firm_id"].nunique() - 1]
    assert test["statistic"] == pytest.approx(b @ np.linalg.solve(v, b) / 3, rel=1e-8)
    assert test["chi2"] == pytest.approx(b @ np.linalg.solve(v, b), rel=1e-8)


@pytest.mark.parametrize("pretrends, unidentified", [(3, "hb_lead_2, hb_lead_1"),
                                                      (2, "hb_lead_2, hb_lead_1")])
def test_unidentified_leads_are_named(pretrends, unidentified):
    """No never-participants, and the 2012 cohort is not observed in 2010-2011: the 2016 cohort's
    last two leads (2014, 2015) fall in years where only it is untreated, so they equal year
    dummies; the third lead (2013, and 2009 for the 2012 cohort) is identified. The SpecError
    names the two, also when no lead is left (pyfixest itself raises a bare ValueError then)."""
    sim = hb.simulate_panel(400, seed=4, cohorts=(2012, 2016), treated_share=0.5, years=(2005, 2016))
    data = sim.data[(sim.data["cohort"] == 2016) | ((sim.data["cohort"] == 2012)
                                                   & ~sim.data["year"].isin([2010, 2011]))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort")
        with pytest.raises(SpecError, match=re.escape(f"lead(s) {unidentified} are not identified")):
            hb.imputation(panel, outcome="y", pretrends=pretrends)
    if pretrends == 3:  # pyfixest drops the same two
        rows = data[~(data["year"] >= data["cohort"])]
        event = rows["year"] - rows["cohort"]
        frame = rows.assign(**{f"hb_lead_{k}": (event == -k).astype(float) for k in (3, 2, 1)})
        ref = _pyfixest(frame, "y", ["hb_lead_3", "hb_lead_2", "hb_lead_1"], "firm_id", "year")
        assert list(ref._collin_vars) == ["hb_lead_2", "hb_lead_1"]
