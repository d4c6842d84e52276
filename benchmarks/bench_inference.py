"""Benchmarks of hubeval's inference (issue 5). Prints measured times and ratios; asserts nothing.

1. Wild cluster restricted bootstrap, 9,999 draws, 300 firms x 10 years (firm and year effects,
   clustered by firm): hb.wild_cluster_bootstrap vs pyfixest's Feols.wildboottest() (which runs
   the `wildboottest` package on the one-hot design). Target: >= 10x faster.
2. The same with 20,000 firms (clusters). Target: < 30 s.
3. Randomization inference, 1,000 permutations of the Callaway-Sant'Anna simple ATT on the example
   panel. Target: < 10 s.

Run: .venv/bin/python benchmarks/bench_inference.py [--quick]
BLAS threads: set OPENBLAS_NUM_THREADS=1 on a shared machine; multithreaded BLAS under load from
other processes slows the large matrix products several-fold.
"""
from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd

import hubeval as hb


def panel_frame(n_firms: int, n_years: int = 10, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"firm": np.repeat(np.arange(n_firms), n_years),
                          "year": np.tile(np.arange(2010, 2010 + n_years), n_firms)})
    treated = rng.random(n_firms) < 0.1
    frame["post"] = (treated[frame["firm"]] & (frame["year"] >= 2015)).astype(float)
    frame["y"] = 0.05 * frame["post"] + rng.normal(size=n_firms)[frame["firm"]] + rng.normal(size=len(frame))
    return frame


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_wcr(n_firms: int, compare: bool) -> None:
    frame = panel_frame(n_firms)
    design = hb.regression_design(frame, outcome="y", regressors=["post"], cluster="firm", absorb="firm",
                                  fixed_effects=["year"])
    ours, res = timed(lambda: hb.wild_cluster_bootstrap(design, n_boot=9999, seed=1))
    row = res.estimates.iloc[0]
    print(f"WCR 9,999 draws, {n_firms} firms x 10 years: hubeval {ours:.2f} s "
          f"(p = {row['p_value']:.4f}, CI {row['conf_low']:.4f} to {row['conf_high']:.4f}, incl. test inversion)")
    if compare:
        import pyfixest as pf
        fit = pf.feols("y ~ post | firm + year", data=frame, vcov={"CRV1": "firm"})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs, ref = timed(lambda: fit.wildboottest(param="post", reps=9999, seed=1))
        print(f"  pyfixest wildboottest(): {theirs:.2f} s (p = {float(ref['Pr(>|t|)']):.4f}, no interval); "
              f"ratio {theirs / ours:.1f}x")
        p_only, _ = timed(lambda: hb.wild_cluster_bootstrap(design, n_boot=9999, seed=1, interval=False))
        print(f"  hubeval p-value only: {p_only:.2f} s; ratio {theirs / p_only:.1f}x")


def bench_ri() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        example = hb.simulate_program()
        firms = example.firms.assign(log_va=np.log(example.firms["value_added"] / example.firms["employment"]))
        panel = hb.Panel(firms, unit="firm_id", time="year", cohort="cohort")
    stat = hb.cs_simple_statistic(panel, outcome="log_va")
    seconds, res = timed(lambda: hb.randomization_inference(panel, stat, n_permutations=1000, seed=1))
    row = res.estimates.iloc[0]
    print(f"RI 1,000 permutations, CS simple ATT, example panel ({panel.n_units} firms): {seconds:.2f} s "
          f"(p = {row['p_value']:.4f}, RI interval {row['conf_low']:.4f} to {row['conf_high']:.4f})")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    bench_wcr(300, compare=True)
    if not quick:
        bench_wcr(20_000, compare=False)
    bench_ri()
