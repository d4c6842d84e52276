"""Benchmark the Dask executor against local workers on a robustness grid at regional scale.

A ``distributed`` cluster is started the way a department cluster runs: ``dask scheduler`` and
``dask worker`` as separate processes (one worker process per kernel slot, one thread each),
talking over TCP. The same batch then runs twice on the same data, once with
``--executor dask --scheduler tcp://...`` and once with ``--jobs N`` local workers, and the wall
times are compared (ratio > 1: Dask slower).

    .venv/bin/python benchmarks/bench_dask.py --firms 30000 --workers 2

The batch is ``params/batches/robustness.yaml`` restricted with ``--grid`` (default: the
productivity run over control group x method at anticipation 0, 6 runs; ``--grid full`` runs the
whole file) on example-generator data of ``--firms`` firms.
"""
from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import scaled_data  # noqa: E402

import hubeval as hb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def grid_batch(folder: Path, grid: str) -> Path:
    """The robustness batch, or its productivity run over control x method (anticipation 0)."""
    spec = yaml.safe_load((ROOT / "params" / "batches" / "robustness.yaml").read_text(encoding="utf-8"))
    if grid != "full":
        run = next(r for r in spec["runs"] if r.get("id") == "10_outcomes-productivity")
        run = {**run, "grid": {"control": run["grid"]["control"], "method": run["grid"]["method"]},
               "params": {**run.get("params", {}), "anticipation": 0}}
        spec["runs"] = [run]
    spec["name"] = f"robustness-{grid}"
    for run in spec["runs"]:
        run["notebook"] = str(ROOT / run["notebook"])
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def start_cluster(workers: int, log: Path) -> tuple[str, list[subprocess.Popen]]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    out = open(log, "w")  # noqa: SIM115 (kept open for the processes' lifetime)
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--port", str(port),
                               "--dashboard-address", ":0"], stdout=out, stderr=out)]
    from distributed import Client
    deadline = time.time() + 60
    while True:
        try:
            Client(address, timeout=2).close()
            break
        except OSError:
            if time.time() > deadline:
                raise RuntimeError(f"the scheduler did not start; see {log}")
            time.sleep(0.5)
    for _ in range(workers):
        procs.append(subprocess.Popen([str(BIN / "dask"), "worker", address, "--nworkers", "1",
                                       "--nthreads", "1", "--memory-limit", "0"],
                                      stdout=out, stderr=out, cwd=ROOT))
    with Client(address) as client:
        client.wait_for_workers(workers, timeout=120)
    return address, procs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=30000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--grid", choices=["lite", "full"], default="lite")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="hubeval-dask-"))
    params = scaled_data(args.firms, tmp / "data")
    batch = grid_batch(tmp, args.grid)
    n_runs = len(hb.plan_batch(batch, params=params).runs)
    print(f"{n_runs} runs of {batch.name} ({args.grid}) on {args.firms:,} firms, "
          f"{args.workers} kernels at a time")
    address, procs = start_cluster(args.workers, tmp / "cluster.log")
    walls = {}
    try:
        for label, options in (("dask", {"executor": "dask", "scheduler": address}),
                               ("local", {"jobs": args.workers})):
            t0 = time.perf_counter()
            result = hb.run_batch(batch, params=params, runs_dir=tmp / "runs", progress="none",
                                  **options)
            walls[label] = time.perf_counter() - t0
            durations = [r["duration"] for r in result.manifest["runs"] if r.get("duration")]
            print(f"{label:>6}: wall {walls[label]:7.1f} s, {len(result.failed)} failed, "
                  f"mean run {sum(durations) / max(len(durations), 1):.1f} s")
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    print(f"ratio dask / local wall time: {walls['dask'] / walls['local']:.2f}")
    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
