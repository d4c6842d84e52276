"""Peak memory of the outcome notebook's two heavy calls on N simulated firms.

Usage::

    .venv/bin/python benchmarks/profile_memory.py --firms 30000
    .venv/bin/python benchmarks/profile_memory.py --firms 100000
    .venv/bin/python benchmarks/profile_memory.py --firms 30000 --tracemalloc 15

Builds the example-shaped panel once (``bench_batch.scaled_data``: 6% participants in the
example's cohort proportions; the CSV is cached under ``--cache``) and loads it as the outcome
notebook does (``hb.load_panel`` with the example's price index and base year 2015). Then runs,
with the notebook's defaults (``params/10_outcomes.yaml``: productivity family, not-yet-treated,
DR, covariates posco_supplier and metal, anticipation 1, 999 bootstrap draws, 99 permutations,
seed 2011):

1. ``hb.evaluate_outcomes(panel, family="productivity", ...)``, its result kept alive as in the
   notebook;
2. ``hb.assess_credibility(panel, outcome=<headline>, ...)``, and, with ``--parts``, its four
   pieces one by one (inference panel, matching + matched estimate, Rambachan-Roth, power).

Per step it prints the wall time, the process's peak resident memory during the step (VmHWM,
reset before each step through ``/proc/self/clear_refs``; the panel and everything kept from
earlier steps included) and the resident memory after it. ``--tracemalloc K`` also traces Python
allocations (numpy's included) and prints the K largest allocation sites at each step's peak;
tracing slows the run several times.
"""
from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
import tracemalloc
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import hubeval as hb  # noqa: E402
from bench_batch import scaled_data  # noqa: E402

DEFAULTS = dict(control="not_yet_treated", method="dr", covariates=["posco_supplier", "metal"],
                anticipation=1, alpha=0.05, n_boot=999, seed=2011, lang="en")
N_PERMUTATIONS = 99
OPTIONS = {"tracemalloc": 0, "where": False}


def _status(key: str) -> float:
    """A memory line of /proc/self/status in GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def _reset_peak() -> None:
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


class PeakWhere(threading.Thread):
    """Samples the resident memory every 10 ms; at each new high keeps the main thread's stack
    (the hubeval frames), so the line holding the step's peak can be printed."""

    def __init__(self):
        super().__init__(daemon=True)
        self.main, self.high, self.stack, self.done = threading.main_thread().ident, 0.0, [], threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.01):
            rss = _status("VmRSS")
            if rss > self.high + 0.01:
                frame = sys._current_frames().get(self.main)
                stack = traceback.extract_stack(frame) if frame is not None else []
                self.high, self.stack = rss, [f for f in stack if "hubeval/" in f.filename
                                              and "benchmarks" not in f.filename]


def step(name: str, compute):
    trace, where = OPTIONS["tracemalloc"], OPTIONS["where"]
    _reset_peak()
    before = _status("VmRSS")
    if trace:
        tracemalloc.start(25)
        tracemalloc.reset_peak()
    sampler = PeakWhere() if where else None
    if sampler:
        sampler.start()
    t0 = time.perf_counter()
    out = compute()
    seconds = time.perf_counter() - t0
    peak = _status("VmHWM")
    print(f"{name:<44}{seconds:9.1f}{before:10.2f}{peak:10.2f}{_status('VmRSS'):10.2f}", flush=True)
    if sampler:
        sampler.done.set()
        sampler.join()
        print(f"    at the sampled high ({sampler.high:.2f} GB):")
        for f in sampler.stack[-6:]:
            print(f"      {f.filename.split('hubeval/', 1)[-1]}:{f.lineno} {f.name}: {f.line}")
    if trace:
        current, traced_peak = tracemalloc.get_traced_memory()
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        print(f"    traced: now {current / 2**30:.2f} GB, peak {traced_peak / 2**30:.2f} GB; "
              f"largest live allocation sites after the step:")
        for stat in snapshot.statistics("lineno")[:trace]:
            print(f"    {stat.size / 2**20:9.1f} MB  {stat.traceback[0]}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=30000)
    parser.add_argument("--cache", default="/tmp/hubeval-profile-memory")
    parser.add_argument("--parts", action="store_true", help="also run the credibility pieces one by one")
    parser.add_argument("--skip-evaluate", action="store_true", help="only the credibility steps")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="K",
                        help="print the K largest live allocation sites after each step")
    parser.add_argument("--where", action="store_true",
                        help="print the hubeval lines running when each step's memory peaked")
    args = parser.parse_args(argv)
    OPTIONS.update(tracemalloc=args.tracemalloc, where=args.where)
    folder = Path(args.cache) / f"firms-{args.firms}"
    if not (folder / "firms.csv").exists():
        scaled_data(args.firms, folder)
    print(f"{args.firms:,} firms; {'step':<34}{'wall s':>9}{'start GB':>10}{'peak GB':>10}{'after GB':>10}")
    panel = step("load_panel", lambda: hb.load_panel(
        folder / "firms.csv", unit="firm_id", time="year", cohort="cohort",
        price_index=folder / "price_index.csv", base_year=2015))
    print(f"    {len(panel.data):,} rows")
    result = None
    if not args.skip_evaluate:
        result = step("evaluate_outcomes(family='productivity')", lambda: hb.evaluate_outcomes(
            panel, family="productivity", **DEFAULTS))
    outcome = result.headline.outcome if result is not None else "log_va_per_worker"
    cred = step("assess_credibility", lambda: hb.assess_credibility(
        panel, outcome=outcome, n_permutations=N_PERMUTATIONS, **DEFAULTS))
    if args.parts:
        del cred
        _parts(panel, outcome)
    return 0


def _parts(panel, outcome: str) -> None:
    from hubeval.data.restrict import anticipation_sample
    from hubeval.pipeline import credibility as cr

    settings = {k: DEFAULTS[k] for k in ("control", "method", "anticipation", "alpha")}
    sample = anticipation_sample(panel, outcome, DEFAULTS["anticipation"])
    step("  inference_panel", lambda: hb.inference_panel(
        sample, outcome=outcome, covariates=DEFAULTS["covariates"], n_boot=DEFAULTS["n_boot"],
        n_permutations=N_PERMUTATIONS, seed=DEFAULTS["seed"], **settings))
    step("  matching + matched estimate", lambda: cr._matched(
        sample, outcome, settings["control"], settings["method"], settings["anticipation"],
        DEFAULTS["covariates"], settings["alpha"], []))
    step("  Rambachan-Roth sensitivity", lambda: cr._sensitivity(
        sample, outcome, settings["control"], settings["method"], DEFAULTS["covariates"],
        settings["anticipation"], settings["alpha"]))
    step("  power", lambda: hb.mde_from_panel(sample, outcome=outcome, alpha=settings["alpha"]))


if __name__ == "__main__":
    sys.exit(main())
