"""Benchmark hb.att_gt + hb.aggregate against csdid (Python port of R did): time, memory, agreement.

Prints, in one run on one machine:

1. 20,000 firms x 10 years, 3 cohorts + never-participants, one covariate, DR, all four
   aggregations: hubeval vs csdid time ratio and the largest difference in any estimate / SE;
2. 1,000,000 firms x 10 years (10 million rows), 5 cohorts, no covariates: hubeval time and peak
   memory;
3. the same with one covariate (DR): hubeval on all firms, and hubeval vs csdid on a 10% sample
   of firms (csdid does not finish in reasonable time on all of them).

Each case runs in a fresh subprocess so its peak memory (VmHWM) is its own. Times include building
``hb.Panel`` (csdid's timing includes its own preprocessing). Usage::

    .venv/bin/python benchmarks/bench_staggered.py            # everything (~5 minutes)
    .venv/bin/python benchmarks/bench_staggered.py --quick    # smaller sizes, for a smoke test
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

BLAS_THREADS = 1
BYS = {"simple": "simple", "event_time": "dynamic", "cohort": "group", "calendar": "calendar"}


def make_data(n_firms: int, cohorts: tuple[int, ...], seed: int = 1) -> pd.DataFrame:
    """A staggered panel 2010-2019 with integer firm ids, a binary covariate x that raises both
    participation and the trend, and a ramped effect (built directly: fast for 10 million rows)."""
    rng = np.random.default_rng(seed)
    years = np.arange(2010, 2020)
    x = rng.binomial(1, 0.4, n_firms)
    treated = rng.random(n_firms) < np.where(x == 1, 0.45, 0.25)
    cohort = np.where(treated, rng.choice(cohorts, n_firms), 0)
    rel = years[None, :] - np.where(cohort > 0, cohort, 10_000)[:, None]
    effect = np.where(rel >= 0, 0.05 * np.minimum(rel + 1, 3), 0.0)
    y = (rng.normal(0, 0.5, n_firms)[:, None] + 0.02 * (years - 2010)[None, :]
         + 0.03 * x[:, None] * (years - 2010)[None, :] + effect
         + rng.normal(0, 0.1, (n_firms, len(years))))
    return pd.DataFrame({"firm_id": np.repeat(np.arange(n_firms), len(years)),
                         "year": np.tile(years, n_firms),
                         "cohort": np.repeat(cohort, len(years)),
                         "x": np.repeat(x, len(years)).astype(float), "y": y.ravel()})


def _rss() -> tuple[float, float]:
    """Current and peak resident memory of this process, in GB (Linux /proc)."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS", "VmHWM")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024 ** 2
    return values.get("VmRSS", np.nan), values.get("VmHWM", np.nan)


def run_hubeval(data: pd.DataFrame, covariate: bool) -> dict:
    import hubeval as hb
    before = _rss()[0]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.Panel(data, unit="firm_id", time="year", cohort="cohort", outcomes=["y"])
        built = time.perf_counter()
        # csdid's definitions (no small-sample factor, estimated cohort shares), so the numbers
        # can agree to rounding; hubeval's defaults differ on purpose (README, "Methods note")
        gt = hb.att_gt(panel, outcome="y", covariates="x" if covariate else None, method="dr",
                       small_sample=False)
        estimated = time.perf_counter()
        aggs = {by: hb.aggregate(gt, by=by, cohort_shares="estimated") for by in BYS}
    end = time.perf_counter()
    return {"seconds": end - start, "panel_seconds": built - start,
            "att_gt_seconds": estimated - built, "aggregate_seconds": end - estimated,
            "rss_before_gb": before, "peak_gb": _rss()[1],
            "att": gt.estimates["estimate"].tolist(), "se": gt.estimates["std_error"].tolist(),
            "aggs": {by: [a.overall["estimate"], a.overall["std_error"]]
                     + ([] if by == "simple" else a.estimates["estimate"].tolist()
                        + a.estimates["std_error"].tolist())
                     for by, a in aggs.items()}}


def run_csdid(data: pd.DataFrame, covariate: bool) -> dict:
    from csdid.att_gt import ATTgt
    start = time.perf_counter()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        model = ATTgt(yname="y", tname="year", idname="firm_id", gname="cohort", data=data,
                      control_group="nevertreated", xformla="y~x" if covariate else None)
        model.fit(est_method="dr", bstrap=False)
        estimated = time.perf_counter()
        aggs = {}
        for by, kind in BYS.items():
            model.aggte(typec=kind, bstrap=False)
            a = model.atte
            rows = [] if a["egt"] is None else list(np.asarray(a["att_egt"], float)) + list(
                np.asarray(a["se_egt"], float).ravel())
            aggs[by] = [float(a["overall_att"]), float(a["overall_se"])] + rows
    end = time.perf_counter()
    return {"seconds": end - start, "att_gt_seconds": estimated - start, "peak_gb": _rss()[1],
            "att": list(map(float, model.results["att"])), "se": list(map(float, model.results["se"])),
            "aggs": aggs}


def child(args) -> None:
    cohorts = tuple(json.loads(args.cohorts))
    data = make_data(args.firms, cohorts)
    if args.sample < 1:
        keep = np.random.default_rng(2).random(args.firms) < args.sample
        data = data[np.repeat(keep, 10)].reset_index(drop=True)
    runner = run_hubeval if args.tool == "hubeval" else run_csdid
    print(json.dumps(runner(data, args.covariate)))


def spawn(tool: str, firms: int, cohorts, covariate: bool, sample: float = 1.0) -> dict:
    cmd = [sys.executable, __file__, "--child", "--tool", tool, "--firms", str(firms),
           "--cohorts", json.dumps(list(cohorts)), "--sample", str(sample)]
    if covariate:
        cmd.append("--covariate")
    # Both tools run with single-threaded BLAS: on a shared 2-core machine OpenBLAS threads
    # contend and make thin matrix products several times slower (see benchmarks/README.md).
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(BLAS_THREADS), OMP_NUM_THREADS=str(BLAS_THREADS))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def max_difference(a: dict, b: dict) -> float:
    diffs = [np.nanmax(np.abs(np.subtract(a[k], b[k]))) for k in ("att", "se")]
    diffs += [np.nanmax(np.abs(np.subtract(a["aggs"][k], b["aggs"][k]))) for k in BYS]
    return float(max(diffs))


def report(label: str, hub: dict, ref: dict | None = None) -> None:
    print(f"\n{label}")
    print(f"  hubeval: {hub['seconds']:.2f} s (Panel {hub['panel_seconds']:.2f} s, att_gt "
          f"{hub['att_gt_seconds']:.2f} s, 4 aggregations {hub['aggregate_seconds']:.2f} s); "
          f"peak memory {hub['peak_gb']:.2f} GB (data before the call {hub['rss_before_gb']:.2f} GB)")
    if ref is not None:
        print(f"  csdid:   {ref['seconds']:.2f} s (att_gt {ref['att_gt_seconds']:.2f} s); peak memory "
              f"{ref['peak_gb']:.2f} GB")
        estimation = hub["att_gt_seconds"] + hub["aggregate_seconds"]
        print(f"  hubeval faster by {ref['seconds'] / hub['seconds']:.1f}x (Panel included), "
              f"{ref['seconds'] / estimation:.1f}x (estimation only); largest difference in any "
              f"ATT(g,t), aggregate or SE: {max_difference(hub, ref):.1e}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--tool")
    parser.add_argument("--firms", type=int)
    parser.add_argument("--cohorts")
    parser.add_argument("--sample", type=float, default=1.0)
    parser.add_argument("--covariate", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--full-csdid", action="store_true",
                        help="also run csdid on the full 1M-firm panel with a covariate (minutes, several GB)")
    args = parser.parse_args()
    if args.child:
        return child(args)
    scale = 10 if args.quick else 1
    print(f"bench_staggered: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"BLAS threads {BLAS_THREADS}, load average {os.getloadavg()[0]:.1f}, "
          f"{time.strftime('%Y-%m-%d')}")
    print("times include building hb.Panel; 'estimation only' is att_gt + 4 aggregations")
    medium, large = 20_000 // scale, 1_000_000 // scale
    three, five = (2013, 2015, 2017), (2012, 2013, 2014, 2015, 2016)
    report(f"1. {medium:,} firms x 10 years, 3 cohorts + never, one covariate, DR, 4 aggregations",
           spawn("hubeval", medium, three, True), spawn("csdid", medium, three, True))
    report(f"2. {large:,} firms x 10 years, 5 cohorts, no covariates",
           spawn("hubeval", large, five, False))
    report(f"3a. {large:,} firms x 10 years, 5 cohorts, one covariate, DR (hubeval only)",
           spawn("hubeval", large, five, True))
    report(f"3b. the same on a 10% sample of firms ({large // 10:,}), hubeval vs csdid",
           spawn("hubeval", large, five, True, 0.1), spawn("csdid", large, five, True, 0.1))
    if args.full_csdid:
        report(f"3c. {large:,} firms x 10 years, 5 cohorts, one covariate, DR, hubeval vs csdid",
               spawn("hubeval", large, five, True), spawn("csdid", large, five, True))


if __name__ == "__main__":
    main()
