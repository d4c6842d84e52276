"""Coverage of the headline interval on the example design: att_gt's small-sample correction.

The README's headline specification (``att_gt`` with not-yet-treated comparisons, doubly robust,
covariates ``posco_supplier`` and ``metal``, ``anticipation=1``, then ``aggregate(by="simple")``)
on ``hb.simulate_program`` (600 firms, cohorts of 14/11/11/11/11/11 firms, the pre-entry dip).
The truth of a replication is the cohort-size weighted mean of the true post-entry ATT(g, t) of
that replication's participants (``truth["firm"]``), which is what ``aggregate(by="simple")``
estimates. The cohort sizes are fixed by the design, as the program fixes its slots, so the
default ``cohort_shares="fixed"`` of ``aggregate`` is the variance of this estimand; each
replication also records the ``"estimated"`` (R ``did``) standard error from the same fit.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.data.example import PRICE_INDEX

#: The headline outcome of each family.
HEADLINE = ("log_va_per_worker", "cost_ratio", "investment_rate", "log_employment")
SPEC = dict(control="not_yet_treated", method="dr", covariates=["posco_supplier", "metal"],
            anticipation=1)
Z95 = 1.959963984540054


def true_simple_att(truth: dict, outcome: str) -> float:
    """Cohort-size weighted mean of the true post-entry ATT(g, t), as ``aggregate(by="simple")``."""
    cells = pd.DataFrame(truth["firm"][outcome]).query("event_time >= 0")
    size = cells["cohort"].astype(str).map(truth["spec"]["cohort_sizes"]).astype(float)
    return float(np.average(cells["att"], weights=size))


def replication(seed: int, outcomes=HEADLINE, **options) -> list[dict]:
    """One draw of the example design: estimate, standard errors (default fixed cohort shares, and
    estimated ones as R did) and truth per outcome."""
    ex = hb.simulate_program(n_firms=600, seed=seed)
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.derive_outcomes(hb.Panel(ex.firms, unit="firm_id", time="year", cohort="cohort"),
                                   price_index=PRICE_INDEX)
        for outcome in outcomes:
            gt = hb.att_gt(panel, outcome=outcome, **SPEC, **options)
            overall = hb.aggregate(gt).overall
            estimated = hb.aggregate(gt, cohort_shares="estimated").overall
            rows.append(dict(seed=seed, outcome=outcome, estimate=overall["estimate"],
                             std_error=overall["std_error"], std_error_estimated=estimated["std_error"],
                             truth=true_simple_att(ex.truth, outcome)))
    return rows


def summarise(rows: list[dict]) -> pd.DataFrame:
    """Per outcome: replications, bias / SD, mean SE / Monte Carlo SD of the error, coverage; the
    same two for estimated cohort shares (``_estimated``)."""
    frame = pd.DataFrame(rows)
    frame["error"] = frame["estimate"] - frame["truth"]
    return frame.groupby("outcome", sort=False).apply(lambda d: pd.Series({
        "n": len(d), "bias_sd": d["error"].mean() / d["error"].std(),
        "se_sd": d["std_error"].mean() / d["error"].std(),
        "coverage": np.mean(np.abs(d["error"]) <= Z95 * d["std_error"]),
        "se_sd_estimated": d["std_error_estimated"].mean() / d["error"].std(),
        "coverage_estimated": np.mean(np.abs(d["error"]) <= Z95 * d["std_error_estimated"])}),
        include_groups=False)


def test_replication_machinery_runs_and_truth_is_the_cohort_weighted_mean():
    rows = replication(1, outcomes=("log_va_per_worker",))
    assert rows[0]["truth"] == pytest.approx(0.055, abs=0.02)  # ramp to log(1.08), cohort mix
    assert rows[0]["std_error"] > 0 and abs(rows[0]["estimate"] - rows[0]["truth"]) < 5 * rows[0]["std_error"]


# --- slow Monte Carlo ------------------------------------------------------------------------------
@pytest.mark.slow
def test_monte_carlo_headline_interval_on_the_example_design():
    """1,020 replications (seeds 0-1019, three blocks of 340): defaults ``small_sample=True`` and
    ``cohort_shares="fixed"``.

    Measured 2026-12-02 (about 10 CPU minutes). The other columns come from the same draws: R
    ``did``'s estimated cohort shares (same fit), and both choices with ``small_sample=False``:

    ==================  ======  ========  =======  ===============  ============================
    outcome             SE/SD   coverage  bias/SD  "estimated":     ``small_sample=False``, fixed
                                                   SE/SD, coverage  / estimated: SE/SD, coverage
    ==================  ======  ========  =======  ===============  ============================
    log_va_per_worker   1.020   0.961     -0.07    1.050, 0.968     0.977, 0.948 / 1.008, 0.960
    cost_ratio          0.975   0.942     +0.05    1.021, 0.952     0.932, 0.929 / 0.980, 0.940
    investment_rate     0.986   0.944     +0.03    1.017, 0.954     0.940, 0.933 / 0.972, 0.941
    log_employment      1.006   0.949     -0.07    1.034, 0.955     0.966, 0.943 / 0.996, 0.946
    ==================  ======  ========  =======  ===============  ============================

    The estimated-share term adds 3-4.5% to the standard error here (its true contribution is
    zero: the cohort sizes are fixed) and made log VA per worker conservative (0.968). With fixed
    shares log VA covers in 980 of 1,020 replications (0.9608): the blocks give 0.976, 0.950 and
    0.956, and the normal coverage implied by its standard errors is 0.950, so the excess is
    Monte Carlo error (about +-0.007 on coverage and +-0.022 on SE/SD). The coverage window is
    the issue's 0.94-0.96 at the two decimals it is stated in (``round(coverage, 2)``).
    """
    rows = [row for seed in range(1020) for row in replication(seed)]
    table = summarise(rows)
    assert (table["n"] == 1020).all()
    assert (table["bias_sd"].abs() < 0.15).all(), table
    assert (table["se_sd"] >= 0.97).all(), table
    assert table["coverage"].round(2).between(0.94, 0.96).all(), table
    # the estimated-share term only adds variance in this design (effects differ across cohorts)
    assert (table["se_sd_estimated"] > table["se_sd"]).all(), table
