"""Regenerate tests/data/honestdid_medicaid.json: the HonestDiD README's Medicaid example.

Input: ehec_data.dta from the Mixtape-Sessions/Advanced-DID repository (Exercises/Data), passed as
the first argument. As in the HonestDiD README: years before 2016, the 2015 cohort dropped, TWFE
event study of `dins` on year x (yexp2 == 2014) dummies (reference 2013) with state and year fixed
effects, clustered by state (pyfixest reproduces fixest's coefficients and CRV1 covariance). The
published relative-magnitudes intervals (C-LF, Mbar = 0.5, 1, 1.5, 2) are copied from the README.

Usage: python tests/data/make_honestdid_medicaid.py path/to/ehec_data.dta
"""
import json
import sys
from pathlib import Path

import pandas as pd
import pyfixest as pf

df = pd.read_stata(sys.argv[1], convert_categoricals=False)
df = df[(df["year"] < 2016) & (df["yexp2"].isna() | (df["yexp2"] != 2015))].copy()
df["D"] = (df["yexp2"] == 2014).astype(float)
dummies = []
for year in sorted(df["year"].unique()):
    if year != 2013:
        df[f"ev{int(year)}"] = ((df["year"] == year) & (df["D"] == 1)).astype(float)
        dummies.append(f"ev{int(year)}")
fit = pf.feols("dins ~ " + " + ".join(dummies) + " | stfips + year", data=df, vcov={"CRV1": "stfips"})
out = {
    "source": "HonestDiD README, 'Example usage - Medicaid expansions' (createSensitivityResults_relativeMagnitudes)",
    "betahat": fit.coef().tolist(), "sigma": fit._vcov.tolist(), "n_pre": 5, "n_post": 2,
    "published": {"mbar": [0.5, 1.0, 1.5, 2.0], "lb": [0.0240, 0.0170, 0.00824, -0.000916],
                  "ub": [0.0672, 0.0720, 0.0797, 0.0881], "method": "C-LF", "grid_points": 1000},
}
Path(__file__).with_name("honestdid_medicaid.json").write_text(json.dumps(out, indent=1))
