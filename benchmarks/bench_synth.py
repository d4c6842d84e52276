"""Benchmark: placebo-in-space loop of hb.synth against pysyncon (issue 6 target: >= 5x faster).

Setup: one treated unit and 40 donors, 19 periods (treatment in period 12), 5 predictors (three
covariates averaged over the pre-period and the outcome in two pre-period years), ADH synthetic
control with V chosen by nested optimisation. Both sides run the same loop sequentially in this
process: the treated unit's fit plus each donor as placebo treated with the other donors as its
pool (pysyncon's own ``PlaceboTest._single_placebo``, i.e. its placebo loop without the process
pool). Prints wall times, the ratio, and how close the two placebo p-values and effects are.

Run: ``.venv/bin/python benchmarks/bench_synth.py`` (pysyncon takes a few minutes);
``--donors 20`` for a quicker, smaller run.

Measured 2026-11-26 on a shared 2-core machine under load (both sides in the same run):
40 donors: hubeval 3.1 s, pysyncon 2963 s (952x; hubeval's pre-period fit better in 30 of 41
fits, worse in 5); 10 donors: 0.77 s vs 27.2 s (35x). pysyncon's cost grows with the number of
donors because its inner SLSQP solve does, while one NNLS call stays in the tens of microseconds.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import hubeval as hb


def make_panel(n_donors: int, n_periods: int = 19, seed: int = 0) -> pd.DataFrame:
    """Factor-model panel; the treated unit mixes four donors; effect 1.0 from period 12."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_periods)
    factors = np.column_stack([t / 4, np.sin(2 * np.pi * t / 5), np.sin(2 * np.pi * t / 7 + 1)])
    load = rng.uniform(0, 1, (n_donors, 3))
    level = rng.normal(10, 1, n_donors)
    mix = rng.dirichlet(np.ones(4))
    pick = rng.choice(n_donors, 4, replace=False)
    load, level = np.vstack([mix @ load[pick], load]), np.r_[mix @ level[pick], level]
    y = level[:, None] + load @ factors.T + rng.normal(0, 0.2, (n_donors + 1, n_periods))
    y[0, 11:] += 1.0
    units = ["treated"] + [f"d{j:02d}" for j in range(1, n_donors + 1)]
    frame = pd.DataFrame({"unit": np.repeat(units, n_periods), "time": np.tile(2000 + t, n_donors + 1),
                          "y": y.ravel()})
    covariates = load @ rng.normal(0, 1, (3, 3))
    for c in range(3):
        frame[f"x{c}"] = np.repeat(covariates[:, c], n_periods) + rng.normal(0, 0.05, len(frame))
    return frame


def run_hubeval(data: pd.DataFrame, spec: dict) -> tuple[float, float, pd.DataFrame]:
    start = time.perf_counter()
    placebo = hb.synth_placebo(data, **spec, tests=["in_space"])
    seconds = time.perf_counter() - start
    return seconds, placebo.p_value, placebo.in_space.set_index("unit")[["att", "pre_rmspe"]]


def run_pysyncon(data: pd.DataFrame, spec: dict, units: list[str]) -> tuple[float, float, pd.DataFrame]:
    import copy

    from pysyncon import Dataprep, Synth
    from pysyncon.utils import PlaceboTest

    pre, post = list(range(2000, spec["treatment_time"])), list(range(spec["treatment_time"], 2019))
    dataprep = Dataprep(
        foo=data, predictors=spec["predictors"], predictors_op="mean", dependent="y",
        unit_variable="unit", time_variable="time", treatment_identifier="treated",
        controls_identifier=units[1:], time_predictors_prior=pre, time_optimize_ssr=pre,
        special_predictors=[(c, p, "mean") for c, p in spec["special_predictors"]])
    start = time.perf_counter()
    gaps = {"treated": PlaceboTest._single_placebo(dataprep=dataprep, scm=Synth())[1]}
    for treated, controls in PlaceboTest.placebo_iter(units[1:]):
        prep = copy.copy(dataprep)
        prep.treatment_identifier, prep.controls_identifier = treated, controls
        gaps[treated] = PlaceboTest._single_placebo(dataprep=prep, scm=Synth())[1]
    seconds = time.perf_counter() - start
    gaps = pd.DataFrame(gaps)
    ratio = np.sqrt((gaps.loc[post] ** 2).mean()) / np.sqrt((gaps.loc[pre] ** 2).mean())
    p_value = float((ratio >= ratio["treated"]).mean())
    table = pd.DataFrame({"att": gaps.loc[post].mean(), "pre_rmspe": np.sqrt((gaps.loc[pre] ** 2).mean())})
    return seconds, p_value, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--donors", type=int, default=40)
    args = parser.parse_args()
    data = make_panel(args.donors)
    spec = dict(unit="unit", time="time", outcome="y", treated_unit="treated", treatment_time=2011,
                predictors=["x0", "x1", "x2"], special_predictors=[("y", [2004]), ("y", [2009])])
    units = list(pd.unique(data["unit"]))
    ours, our_p, our_fits = run_hubeval(data, spec)
    theirs, their_p, their_fits = run_pysyncon(data, spec, units)
    their_fits = their_fits.reindex(our_fits.index)
    diff = (our_fits["att"] - their_fits["att"]).abs()
    mspe = (our_fits["pre_rmspe"] / their_fits["pre_rmspe"]) ** 2
    print(f"placebo-in-space loop, {args.donors} donors, 5 predictors, {args.donors + 1} fits each")
    print(f"hubeval : {ours:8.2f} s   p-value {our_p:.4f}")
    print(f"pysyncon: {theirs:8.2f} s   p-value {their_p:.4f}")
    print(f"speed-up: {theirs / ours:8.1f}x  (target >= 5x)")
    print(f"placebo effects: median |difference| {diff.median():.4f}, max {diff.max():.4f} "
          f"(V optimisation is non-convex; the two optimisers may stop at different local optima)")
    print(f"pre-period MSPE, hubeval / pysyncon: median {mspe.median():.3f}; hubeval fits better in "
          f"{int((mspe < 0.999).sum())}, worse in {int((mspe > 1.001).sum())} of {len(mspe)} fits")


if __name__ == "__main__":
    main()
