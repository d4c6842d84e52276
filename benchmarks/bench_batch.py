"""Benchmark the batch runner: wall time with --jobs 1 vs --jobs 2, and per-notebook overhead.

Usage::

    .venv/bin/python benchmarks/bench_batch.py params/batches/main.yaml
    .venv/bin/python benchmarks/bench_batch.py --demo          # 4 tiny notebooks, no data needed

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
import time
from pathlib import Path

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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", nargs="?", default="params/batches/main.yaml")
    parser.add_argument("--demo", action="store_true", help="benchmark 4 tiny test notebooks")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", action="store_true", help="keep the batch folders")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="hubeval-bench-"))
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
