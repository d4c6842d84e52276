"""Benchmark the batch runner: wall time with --jobs 1 vs --jobs 2, and per-notebook overhead.

Usage::

    .venv/bin/python benchmarks/bench_batch.py params/batches/main.yaml
    .venv/bin/python benchmarks/bench_batch.py --demo          # 4 tiny notebooks, no data needed
    .venv/bin/python benchmarks/bench_batch.py --firms 10000 30000 100000 --jobs 2

``--firms N ...`` runs the main batch on data from the example generator with N firms (6% of them
participants, in the example's cohort proportions 14:11:11:11:11:11) and prints, per notebook and
per section (the notebook's ``##`` headings), the time and the kernel's peak resident memory
(sampled from /proc every 0.2 s), then the scaling exponent of each section's time in N
(the slope of log time on log N; 1 = linear).

Prints, in one run:
- the batch's wall time with ``jobs=1`` and ``jobs=2`` and their ratio (target: <= 0.6);
- the sum of the notebooks' own execution time (papermill's per-cell durations);
- per-notebook overhead: worker + kernel start (worker process start, papermill's imports and
  the kernel's start, up to the first cell), the time to ``import hubeval`` in a fresh
  interpreter (paid by every kernel in its first cells), and their sum (target: < 3 s);
- per run with jobs=1: total wall time (as the runner saw it), time in cells, the rest.

Batch folders go to a temporary ``runs`` directory (``--keep`` prints where), so the project's
``runs/`` is left alone.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

import hubeval as hb

HERE = Path(__file__).resolve().parent
TEST_NOTEBOOKS = HERE.parent / "tests" / "notebooks"


def demo_batch(folder: Path) -> Path:
    """A throwaway project with four runs of the `ok` test notebook."""
    (folder / "notebooks").mkdir(parents=True)
    (folder / "params" / "batches").mkdir(parents=True)
    (folder / "pyproject.toml").write_text("")
    shutil.copy(TEST_NOTEBOOKS / "ok.ipynb", folder / "notebooks")
    path = folder / "params" / "batches" / "demo.yaml"
    path.write_text("runs:\n  - notebook: notebooks/ok.ipynb\n"
                    "    grid: {outcome: [a, b, c, d]}\n")
    return path


def import_seconds(repeat: int = 3) -> float:
    """Median wall time of `import hubeval` in a fresh interpreter, minus bare start-up."""
    def timed(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t0

    bare = statistics.median(timed("pass") for _ in range(repeat))
    return statistics.median(timed("import hubeval") for _ in range(repeat)) - bare


def run(batch: Path, jobs: int, runs_dir: Path) -> tuple[float, hb.BatchResult]:
    t0 = time.perf_counter()
    result = hb.run_batch(batch, jobs=jobs, runs_dir=runs_dir, progress="none")
    return time.perf_counter() - t0, result


def report(walls: dict, result: hb.BatchResult, imports: float) -> None:
    runs = result.manifest["runs"]
    cells = sum(r.get("cells_duration") or 0.0 for r in runs)
    starts = [r["kernel_start"] for r in runs if r.get("kernel_start") is not None]
    start = statistics.median(starts) if starts else float("nan")
    print(f"runs: {len(runs)}  failed (jobs=1): {len(result.failed)}")
    for jobs, wall in walls.items():
        print(f"wall time, jobs={jobs}: {wall:7.1f} s")
    if 1 in walls and 2 in walls:
        print(f"ratio jobs=2 / jobs=1: {walls[2] / walls[1]:.2f}   (target <= 0.60)")
    print(f"sum of notebooks' own execution time: {cells:.1f} s")
    print(f"per-notebook overhead: worker + kernel start {start:.2f} s (median), "
          f"`import hubeval` {imports:.2f} s, total {start + imports:.2f} s   (target < 3 s)")
    print(f"{'run':<40}{'total':>8}{'cells':>8}{'overhead':>10}")
    for r in runs:
        total, own = r.get("wall") or r.get("duration") or 0.0, r.get("cells_duration") or 0.0
        print(f"{r['id'][:39]:<40}{total:8.1f}{own:8.1f}{total - own:10.1f}")


# --- scale: the main batch on N simulated firms --------------------------------------------------
def scaled_data(n_firms: int, folder: Path, seed: int = 2011) -> dict:
    """Example-generator files for ``n_firms`` firms; returns the batch parameters that use them."""
    share = [14, 11, 11, 11, 11, 11]
    treated = round(0.06 * n_firms)
    sizes = {2011 + k: max(3, round(treated * w / sum(share))) for k, w in enumerate(share)}
    data = hb.simulate_program(n_firms=n_firms, seed=seed, cohort_sizes=sizes)
    folder.mkdir(parents=True, exist_ok=True)
    firms = data.firms.assign(cohort=data.firms["cohort"].replace(0, pd.NA).astype("Int64"))
    firms.to_csv(folder / "firms.csv", index=False)
    data.price_index.to_csv(folder / "price_index.csv", index=False)
    data.costs.to_csv(folder / "program_costs.csv", index=False)
    return {"data_path": str(folder / "firms.csv"), "price_index": str(folder / "price_index.csv")}


class MemorySampler(threading.Thread):
    """Resident memory of every kernel, by run folder (from HUBEVAL_OUTPUT_DIR in its environment)."""

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True)
        self.interval, self.samples, self.stop = interval, [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.time()
            for proc in Path("/proc").glob("[0-9]*"):
                try:
                    environ = (proc / "environ").read_bytes().split(b"\0")
                    folder = next((e[len(b"HUBEVAL_OUTPUT_DIR="):].decode() for e in environ
                                   if e.startswith(b"HUBEVAL_OUTPUT_DIR=")), None)
                    if folder is None or b"ipykernel" not in (proc / "cmdline").read_bytes():
                        continue
                    rss = next(int(line.split()[1]) for line in (proc / "status").read_text().splitlines()
                               if line.startswith("VmRSS:"))
                except (OSError, StopIteration, ValueError):
                    continue
                self.samples.append((Path(folder).name, now, rss / 2**20))
            self.stop.wait(self.interval)


def sections(notebook: Path) -> list[tuple[str, float, float, float]]:
    """(section heading, start, end, seconds) from papermill's per-cell metadata."""
    import datetime

    import nbformat
    nb = nbformat.read(notebook, as_version=4)
    out, heading = {}, "setup"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            if first.startswith("## "):
                heading = first[3:].strip()
            continue
        meta = cell.metadata.get("papermill", {})
        if not meta.get("start_time") or not meta.get("end_time"):
            continue
        start = datetime.datetime.fromisoformat(meta["start_time"].replace("Z", "+00:00")).timestamp()
        end = datetime.datetime.fromisoformat(meta["end_time"].replace("Z", "+00:00")).timestamp()
        s0, e0, d0 = out.get(heading, (start, end, 0.0))
        out[heading] = (min(s0, start), max(e0, end), d0 + (meta.get("duration") or 0.0))
    return [(h, s, e, d) for h, (s, e, d) in out.items()]


def scale(args, tmp: Path) -> dict:
    """Run the main batch per firm count; return {(run, section): {n: seconds}}."""
    timings: dict = {}
    for n in args.firms:
        params = scaled_data(n, tmp / f"data-{n}")
        sampler = MemorySampler()
        sampler.start()
        t0 = time.perf_counter()
        result = hb.run_batch(Path(args.batch), params=params, jobs=max(args.jobs),
                              runs_dir=tmp / "runs", progress="none")
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        print(f"\n== {n:,} firms: main batch wall time {wall:.0f} s with --jobs {max(args.jobs)}; "
              f"failed runs: {list(result.failed) or 'none'}")
        print(f"{'run':<32}{'section':<52}{'time s':>8}{'peak GB':>9}")
        for run in result.manifest["runs"]:
            folder = Path(result.folder) / run["id"]
            notebooks = sorted(folder.glob("*.ipynb"))
            if not notebooks:
                continue
            # kernels write into attempt folders named <run id>-<attempt id> (hubeval.batch.executors)
            mem = [(t, m) for r, t, m in sampler.samples
                   if r == run["id"] or (r.startswith(run["id"] + "-") and len(r) == len(run["id"]) + 9)]
            for heading, start, end, seconds in sections(notebooks[0]):
                peak = max((m for t, m in mem if start - 0.2 <= t <= end + 0.2), default=float("nan"))
                print(f"{run['id'][:31]:<32}{heading[:51]:<52}{seconds:8.1f}{peak:9.2f}")
                timings.setdefault((run["id"], heading), {})[n] = seconds
        timings.setdefault(("batch", "wall time"), {})[n] = wall
    return timings


def exponents(timings: dict) -> None:
    import numpy as np
    print(f"\n{'run':<32}{'section':<52}{'exponent':>9}")
    for (run, heading), by_n in timings.items():
        ns = sorted(n for n, t in by_n.items() if t > 0.5)  # sub-second sections are noise
        if len(ns) >= 2:
            slope = np.polyfit(np.log(ns), np.log([by_n[n] for n in ns]), 1)[0]
            print(f"{run[:31]:<32}{heading[:51]:<52}{slope:9.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", nargs="?", default="params/batches/main.yaml")
    parser.add_argument("--demo", action="store_true", help="benchmark 4 tiny test notebooks")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", action="store_true", help="keep the batch folders")
    parser.add_argument("--firms", type=int, nargs="+", help="run the main batch on N simulated firms")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="hubeval-bench-"))
    if args.firms:
        exponents(scale(args, tmp))
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    batch = demo_batch(tmp / "project") if args.demo else Path(args.batch)
    walls, results = {}, {}
    for jobs in args.jobs:
        walls[jobs], results[jobs] = run(batch, jobs, tmp / "runs")
    report(walls, results[min(args.jobs)], import_seconds())
    if args.keep:
        print(f"batch folders kept under {tmp / 'runs'}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
