"""Regenerate tests/golden/honestdid_medicaid_sd.json: the HonestDiD README's smoothness example.

The event study (betahat, sigma; 5 pre and 2 post periods) is the one in honestdid_medicaid.json
(see make_honestdid_medicaid.py). The README's section "Sensitivity Analysis Using Smoothness
Restrictions" runs

    HonestDiD::createSensitivityResults(betahat = betahat, sigma = sigma, numPrePeriods = 5,
                                        numPostPeriods = 2, Mvec = seq(from = 0, to = 0.05, by = 0.01))

i.e. l_vec = basisVector(1, 2) (the first post period), alpha = 0.05 and the default method for
Delta^SD, the FLCI (findOptimalFLCI). The printed tibble (lb, ub, method "FLCI", Delta "DeltaSD",
M) is copied below by hand, as printed: three significant digits. Source: the README of
github.com/asheshrambachan/HonestDiD (commit 02b541bb42b5d98d11e7803cd1caa0a0506434de). R
simulates the folded-normal critical value (10^6 draws, seed 0) and bisects over the estimator's
standard deviation, so agreement is expected to the printed rounding plus about 1e-4.

Usage: python tests/golden/make_honestdid_medicaid_sd.py
"""
import json
from pathlib import Path

out = {
    "source": "HonestDiD README, 'Sensitivity Analysis Using Smoothness Restrictions' (createSensitivityResults)",
    "inputs": "honestdid_medicaid.json (betahat, sigma, n_pre = 5, n_post = 2)",
    "l_vec": [1.0, 0.0], "alpha": 0.05, "method": "FLCI", "Delta": "DeltaSD", "significant_digits": 3,
    "published": {"m": [0.0, 0.01, 0.02, 0.03, 0.04, 0.05],
                  "lb": [0.0259, 0.0132, 0.00286, -0.00714, -0.0171, -0.0271],
                  "ub": [0.0607, 0.0787, 0.0907, 0.101, 0.111, 0.121]},
    "readme_breakdown": "significant up to M of about 0.03 (excludes zero at 0.02, not at 0.03)",
}
Path(__file__).with_name("honestdid_medicaid_sd.json").write_text(json.dumps(out, indent=1) + "\n")
