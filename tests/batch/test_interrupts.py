"""Fault injection: SIGTERM to a running batch, and a Dask worker killed in the middle of a run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import hubeval as hb

from .test_runner import make_project

psutil = pytest.importorskip("psutil")

TERM = """
name: term
runs:
  - notebook: notebooks/ok.ipynb
  - notebook: notebooks/sleep.ipynb
    params: {seconds: 120}
"""


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _manifest(runs_dir: Path) -> dict | None:
    found = sorted(runs_dir.glob("term/*/manifest.json"))
    try:
        return json.loads(found[-1].read_text()) if found else None
    except ValueError:  # caught between two writes
        return None


def _state(runs_dir: Path) -> dict | None:
    """The manifest once `ok` finished and `sleep` is inside its sleeping cell."""
    manifest = _manifest(runs_dir)
    if not manifest:
        return None
    status = {r["id"]: r["status"] for r in manifest["runs"]}
    folder = Path(manifest["folder"])
    sleeping = list(folder.glob(".attempts/sleep-*/sleep.ipynb"))
    return manifest if status.get("ok") == "ok" and sleeping else None


def test_sigterm_stops_workers_and_kernels_and_keeps_finished_results(tmp_path):
    path = make_project(tmp_path, TERM, notebooks=("ok", "sleep"))
    runs_dir = tmp_path / "runs"
    proc = subprocess.Popen([sys.executable, "-m", "hubeval", "run", str(path), "--jobs", "2",
                             "--progress", "none", "--runs-dir", str(runs_dir)],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        manifest = _wait_for(lambda: _state(runs_dir), 120, "`ok` to finish, `sleep` to sleep")
        time.sleep(1.0)  # inside time.sleep(120) now
        children = psutil.Process(proc.pid).children(recursive=True)
        kernels = [c for c in children if "ipykernel_launcher" in " ".join(c.cmdline())]
        assert kernels, "the sleeping run's kernel should be running"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert err.strip().endswith("hubeval run: terminated (SIGTERM)")
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"orphans left running: {[p.cmdline() for p in alive]}"

    folder = Path(manifest["folder"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "cancelled" and manifest["cancelled_by"] == "SIGTERM"
    assert manifest["finished"] is not None
    runs = {r["id"]: r for r in manifest["runs"]}
    assert runs["ok"]["status"] == "ok"
    assert runs["sleep"]["status"] == "cancelled"
    assert runs["sleep"]["error"] == "cancelled (the batch got SIGTERM)"
    assert runs["sleep"]["cell"] == 3  # the worker saved the partial notebook and said where
    assert (folder / "sleep" / "sleep.ipynb").exists()
    results = pd.read_csv(folder / "estimates.csv", encoding="utf-8-sig")  # the finished run's
    assert results["run_id"].unique().tolist() == ["ok"] and len(results) == 2


KILLED = """
name: killed
runs:
  - notebook: notebooks/sleep.ipynb
    params: {seconds: 6}
"""


@pytest.mark.slow
def test_killed_dask_worker_retries_into_a_fresh_attempt_folder(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = make_project(tmp_path, KILLED, notebooks=("sleep",))
    runs_dir = tmp_path / "runs"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        out: dict = {}
        thread = threading.Thread(target=lambda: out.update(result=hb.run_batch(
            path, executor="dask", scheduler=client, runs_dir=runs_dir)))
        thread.start()
        first = _wait_for(lambda: next(iter(runs_dir.glob(
            "killed/*/.attempts/sleep-*/sleep.ipynb")), None), 120, "the first attempt")
        time.sleep(2.0)  # inside time.sleep(6)
        info = json.loads((first.parent / "attempt.json").read_text())
        os.kill(info["pid"], signal.SIGKILL)  # the Dask worker process running the task
        thread.join(timeout=180)
    assert not thread.is_alive()
    result = out["result"]
    assert result.ok, result.runs
    run = result.manifest["runs"][0]
    assert run["retries"] == 1 and len(run["attempts"]) == 2
    dead, placed = run["attempts"]
    assert dead["attempt"] == first.parent.name and not dead["placed"] and placed["placed"]
    assert placed["pid"] != info["pid"]
    folder = result.folder
    # the run folder holds the finished attempt only; the dead one stayed in .attempts/
    assert json.loads((folder / "sleep" / "attempt.json").read_text())["attempt"] == \
        placed["attempt"]
    # the dead worker's notebook process noticed and stopped itself
    status = _wait_for(lambda: (first.parent / "status.json").exists() and json.loads(
        (first.parent / "status.json").read_text()), 30, "the orphaned attempt to stop")
    assert status["failure"] == "cancelled"
    assert status["error"].endswith("cancelled (the process that started this run exited)")
