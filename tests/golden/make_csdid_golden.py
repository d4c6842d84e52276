"""Regenerate the csdid reference values used by tests/test_staggered.py and tests/test_aggregate.py.

csdid (the Python port of R ``did``, test-only dependency) is run on a simulated panel for
every specification below; its ATT(g,t), aggregations, analytic standard errors and pre-trend
Wald statistic are written next to this script:

    csdid_data.csv       the panel (firm_id, year, cohort (0 = never), x, y, w, region, size)
    csdid_specs.json     the specifications (hubeval argument names)
    csdid_att_gt.csv     spec, cohort, time, estimate, std_error
    csdid_aggregate.csv  spec, by, window, key, estimate, std_error  (key "overall" for the overall)
    csdid_pretrend.csv   spec, statistic

Run from the repository root:  .venv/bin/python tests/golden/make_csdid_golden.py
Produced with csdid 0.4.3, drdid 1.1.7, pandas 3.1.1, numpy 2.4.
"""
from __future__ import annotations

import contextlib
import io
import json
import pathlib
import warnings

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt

import hubeval as hb

HERE = pathlib.Path(__file__).parent

SPECS = []
for covariates in (None, "size"):
    for control in ("never_treated", "not_yet_treated"):
        for base_period in ("varying", "universal"):
            SPECS.append(dict(covariates=covariates, control=control, base_period=base_period,
                              method="dr"))
SPECS += [
    dict(covariates="size", control="never_treated", base_period="varying", method="ipw"),
    dict(covariates="size", control="never_treated", base_period="varying", method="reg"),
    dict(covariates="size", control="not_yet_treated", base_period="universal", method="ipw"),
    dict(covariates="size", control="not_yet_treated", base_period="varying", method="reg"),
    dict(covariates=["x", "size"], control="never_treated", base_period="varying", method="dr"),
    dict(covariates="size", control="never_treated", base_period="varying", method="dr", weights="w"),
    dict(covariates="size", control="never_treated", base_period="varying", method="dr",
         cluster="region"),
    dict(covariates="size", control="not_yet_treated", base_period="varying", method="dr",
         anticipation=1),
]
#: aggregation requests: (hubeval by, csdid type, window label, csdid extra arguments)
AGGREGATIONS = [
    ("simple", "simple", "all", {}),
    ("event_time", "dynamic", "all", {}),
    ("cohort", "group", "all", {}),
    ("calendar", "calendar", "all", {}),
    ("event_time", "dynamic", "min-3_max3", {"min_e": -3, "max_e": 3}),
    ("event_time", "dynamic", "balance2", {"balance_e": 2}),
    ("simple", "simple", "max2", {"max_e": 2}),
    ("cohort", "group", "max2", {"max_e": 2}),
]


def make_data() -> pd.DataFrame:
    sim = hb.simulate_panel(240, years=(2008, 2015), cohorts=(2010, 2011, 2012, 2013),
                            treated_share=0.45, effect=0.12, trend_x=0.03, selection_x=1.0,
                            heterogeneity=0.5, seed=20240501)
    data = sim.data.copy()
    data["firm_id"] = data["firm_id"].str[1:].astype(int)
    rng = np.random.default_rng(7)
    firms = data["firm_id"].unique()
    x = data.groupby("firm_id")["x"].first().reindex(firms).to_numpy()
    per_firm = pd.DataFrame({"firm_id": firms, "w": rng.uniform(0.5, 2.0, len(firms)),
                             "region": rng.integers(0, 8, len(firms)),
                             "size": 0.8 * x + rng.normal(0, 1, len(firms))})
    data = data.merge(per_firm, on="firm_id", how="left")
    # A continuous covariate that shifts trends, so dr, ipw and reg differ.
    data["y"] += 0.03 * data["size"] * (data["year"] - 2008)
    return data


def _formula(covariates) -> str | None:
    if covariates is None:
        return None
    covariates = [covariates] if isinstance(covariates, str) else covariates
    return "y~" + "+".join(covariates)


def run_spec(data: pd.DataFrame, index: int, spec: dict):
    model = ATTgt(yname="y", tname="year", idname="firm_id", gname="cohort", data=data,
                  control_group=spec["control"].replace("_", ""),
                  xformla=_formula(spec["covariates"]),
                  weights_name=spec.get("weights"), clustervar=spec.get("cluster"),
                  anticipation=spec.get("anticipation", 0))
    model.fit(est_method=spec["method"], base_period=spec["base_period"], bstrap=False)
    res = model.results
    cells = pd.DataFrame({"spec": index, "cohort": res["group"], "time": res["year"],
                          "estimate": res["att"], "std_error": res["se"]})
    rows = []
    for by, kind, window, extra in AGGREGATIONS:
        with contextlib.redirect_stdout(io.StringIO()):
            model.aggte(typec=kind, bstrap=False, **extra)
        agg = model.atte
        rows.append((index, by, window, "overall", agg["overall_att"], agg["overall_se"]))
        if agg["egt"] is not None:
            se = np.asarray(agg["se_egt"], dtype=float).ravel()
            for key, est, s in zip(agg["egt"], agg["att_egt"], se):
                rows.append((index, by, window, int(key), float(est), float(s)))
    aggs = pd.DataFrame(rows, columns=["spec", "by", "window", "key", "estimate", "std_error"])
    return cells, aggs, model.MP["W"]


def main() -> None:
    warnings.simplefilter("ignore")
    data = make_data()
    data.to_csv(HERE / "csdid_data.csv", index=False)
    cells, aggs, pretrend = [], [], []
    for index, spec in enumerate(SPECS):
        c, a, w = run_spec(data, index, spec)
        cells.append(c)
        aggs.append(a)
        pretrend.append((index, np.nan if w is None else w))
    fmt = "%.15g"
    pd.concat(cells).to_csv(HERE / "csdid_att_gt.csv", index=False, float_format=fmt)
    pd.concat(aggs).to_csv(HERE / "csdid_aggregate.csv", index=False, float_format=fmt)
    pd.DataFrame(pretrend, columns=["spec", "statistic"]).to_csv(
        HERE / "csdid_pretrend.csv", index=False, float_format=fmt)
    (HERE / "csdid_specs.json").write_text(json.dumps(
        {"specs": SPECS, "aggregations": [[a, w, e] for a, _, w, e in AGGREGATIONS]}, indent=1))


if __name__ == "__main__":
    main()
