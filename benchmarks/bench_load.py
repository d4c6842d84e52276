"""Benchmark loading a large Korean firm file: time and peak memory of read_table and Panel.

Usage::

    .venv/bin/python benchmarks/bench_load.py                  # 5,000,000 rows and 1,000,000 rows
    .venv/bin/python benchmarks/bench_load.py --rows 1000000   # one size
    .venv/bin/python benchmarks/bench_load.py --keep DIR       # keep the generated files in DIR

The file is written as a Korean institute exports it: CP949, the 18 Korean headers of the
example data, a unit row (명, 천원), money with thousands separators (``"1,043,500"``) and the
POSCO-supplier column coded Y/N. Its rows are the example firm panel (``data/example/firms.csv``)
repeated with new firm ids (``GY0000-17``) until the requested size. Each measurement runs in its
own subprocess; CPU seconds (user + system, all threads) say how much work it was when the
shared machine is busy; peak memory is that process's high-water mark (VmHWM), the interpreter and
hubeval's imports included (printed separately as "baseline"). Targets of issue 12:
5,000,000 rows x 18 columns in under 60 s and 4 GB on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "data" / "example" / "firms.csv"
MONEY = ["sales", "value_added", "total_cost", "materials_cost", "labour_cost", "capex", "capital"]

MEASURE = r"""
import json, resource, sys, time, warnings
t0 = time.perf_counter()
import hubeval as hb
from hubeval.data.example import KOREAN_COLUMNS
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1e6
base = hwm()
path, stage = sys.argv[1], sys.argv[2]
t1 = time.perf_counter()
c1 = resource.getrusage(resource.RUSAGE_SELF)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    if stage == "read_table":
        frame, info = hb.read_table(path, coerce_numeric=True)
        rows = len(frame)
    else:
        panel = hb.Panel(path, unit="firm_id", time="year", cohort="cohort", coerce_numeric=True,
                         columns={v: k for k, v in KOREAN_COLUMNS.items()}, money_unit="백만원")
        rows = len(panel)
c2 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (c2.ru_utime - c1.ru_utime) + (c2.ru_stime - c1.ru_stime)
print(json.dumps({"seconds": time.perf_counter() - t1, "cpu_seconds": cpu, "peak_gb": hwm(),
                  "baseline_gb": base, "rows": rows}))
"""


def write_file(path: Path, n_rows: int) -> float:
    """Write the CP949 export with ``n_rows`` data rows; return its size in MB."""
    from hubeval.data.example import KOREAN_COLUMNS

    base = pd.read_csv(EXAMPLE, dtype={"firm_id": str})
    base["posco_supplier"] = base["posco_supplier"].map({1: "Y", 0: "N"})
    for col in MONEY:
        base[col] = (base[col] * 1000).map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    base["cohort"] = base["cohort"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    header = [KOREAN_COLUMNS[c] for c in base.columns]
    units = ["명" if c == "employment" else "천원" if c in MONEY else "" for c in base.columns]
    with open(path, "w", encoding="cp949", newline="") as handle:
        handle.write(",".join(header) + "\n" + ",".join(units) + "\n")
        written, copy = 0, 0
        while written < n_rows:
            chunk = base.assign(firm_id=base["firm_id"] + f"-{copy}").head(n_rows - written)
            chunk.to_csv(handle, header=False, index=False)
            written, copy = written + len(chunk), copy + 1
    return path.stat().st_size / 1e6


def measure(path: Path, stage: str) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, str(path), stage], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[5_000_000, 1_000_000])
    parser.add_argument("--keep", help="folder to keep the generated files in")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_load_"))
    folder.mkdir(parents=True, exist_ok=True)
    with open("/proc/loadavg") as handle:
        print(f"# load average at start: {handle.read().split()[0]} (2 cores: above 2 the machine is busy)")
    print("rows, file MB, stage, wall seconds, CPU seconds, peak GB (baseline GB)")
    for n_rows in args.rows:
        path = folder / f"firms_{n_rows}.csv"
        start = time.perf_counter()
        size = write_file(path, n_rows)
        print(f"# wrote {path} ({size:.0f} MB) in {time.perf_counter() - start:.0f} s", flush=True)
        for stage in ("read_table", "Panel"):
            result = measure(path, stage)
            assert result["rows"] == n_rows, result
            print(f"{n_rows:,}, {size:.0f}, {stage}, {result['seconds']:.1f}, {result['cpu_seconds']:.1f}, "
                  f"{result['peak_gb']:.2f} ({result['baseline_gb']:.2f})", flush=True)
        if not args.keep:
            path.unlink()


if __name__ == "__main__":
    main()
