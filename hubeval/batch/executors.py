"""Executors of the batch runner: where each run's worker process starts.

Each run is a separate worker process (``hubeval/batch/_worker.py``) driving one papermill kernel
that talks over IPC sockets, so parallel kernels cannot collide on ports. ``local`` runs ``jobs``
workers at a time on this machine; ``dask`` submits each run as a task to an existing
``distributed`` cluster (the workers must see the same file system, as on a department cluster
or Slurm via dask-jobqueue). Both hand back the status dict the worker wrote.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from hubeval.core.errors import ParameterError

__all__ = ["execute_task", "cancel_running", "make_executor", "LocalExecutor", "DaskExecutor",
           "ExecutorName", "WORKER", "now"]

ExecutorName = Literal["local", "dask"]
WORKER = Path(__file__).with_name("_worker.py")
GRACE_SECONDS = 30  # after a run's own limit, before the parent kills a stuck worker
_PROCS: dict[str, subprocess.Popen] = {}
_PROCS_LOCK = threading.Lock()


def now() -> str:
    """The current UTC time, ISO 8601 to the second (the manifest's timestamps)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _kill_group(proc: subprocess.Popen, sig: int) -> None:
    if os.name != "posix":
        proc.kill()
        return
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def execute_task(task: dict) -> dict:
    """Run one notebook in a worker process and return its status dict.

    Module-level and self-contained so the Dask executor can ship it to a cluster worker.
    The worker enforces the run's time limit itself; this waits a grace period longer and
    then kills the worker's process group.
    """
    folder = Path(task["folder"])
    Path(task["task_file"]).write_text(json.dumps(task, indent=2), encoding="utf-8")
    env = {**os.environ, **task["env"]}
    limit = task.get("timeout")
    t0 = time.monotonic()
    with open(folder / "run.log", "ab") as log:
        proc = subprocess.Popen([task["python"] or sys.executable, str(WORKER), task["task_file"]],
                                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=task["cwd"],
                                start_new_session=os.name == "posix")
        with _PROCS_LOCK:
            _PROCS[task["run_id"]] = proc
        try:
            code = proc.wait(timeout=limit + GRACE_SECONDS if limit else None)
        except subprocess.TimeoutExpired:
            _kill_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
            code = proc.wait()
        finally:
            with _PROCS_LOCK:
                _PROCS.pop(task["run_id"], None)
    status_path = Path(task["status"])
    if status_path.exists():
        status = json.loads(status_path.read_text(encoding="utf-8"))
    else:
        status = {"run_id": task["run_id"], "status": "failed", "failure": "worker",
                  "cell": None, "finished": now(), "duration": None,
                  "error": f"the worker process exited with code {code} before reporting; "
                           f"see {folder / 'run.log'}"}
    status["wall"] = round(time.monotonic() - t0, 3)  # process start and exit included
    return status


def cancel_running() -> None:
    """Terminate every worker this process started that is still running (on Ctrl-C)."""
    with _PROCS_LOCK:
        procs = list(_PROCS.values())
    for proc in procs:
        _kill_group(proc, signal.SIGTERM)


class LocalExecutor:
    """``jobs`` worker processes at a time on this machine."""

    def __init__(self, jobs: int):
        self.slots = jobs
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="hubeval-run")

    def submit(self, task: dict):
        return self.pool.submit(execute_task, task)

    def close(self):
        self.pool.shutdown(wait=True)


class DaskExecutor:
    """One task per run on a running ``distributed`` cluster."""

    def __init__(self, scheduler, jobs: int | None):
        try:
            from distributed import Client
        except ImportError:
            raise ParameterError("`executor='dask'` needs the `distributed` package: "
                                 "pip install distributed.") from None
        if scheduler is None:
            raise ParameterError("`executor='dask'` needs `scheduler`: the address of a "
                                 "running cluster, e.g. --scheduler tcp://10.0.0.5:8786.")
        self.own = not isinstance(scheduler, Client)
        self.client = Client(scheduler) if self.own else scheduler
        threads = sum(self.client.nthreads().values()) or 1
        self.slots = jobs or threads

    def submit(self, task: dict):
        return self.client.submit(execute_task, task, pure=False,
                                  key=f"hubeval-{task['run_id']}-{uuid.uuid4().hex[:8]}")

    def close(self):
        if self.own:
            self.client.close()


def make_executor(executor: ExecutorName, *, jobs: int, scheduler=None,
                  dask_jobs: int | None = None) -> LocalExecutor | DaskExecutor:
    """The executor named ``executor``: ``jobs`` local slots, or the cluster's (or ``dask_jobs``)."""
    if executor == "local":
        return LocalExecutor(jobs)
    return DaskExecutor(scheduler, dask_jobs)
