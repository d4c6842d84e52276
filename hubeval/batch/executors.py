"""Executors of the batch runner: where each run's worker process starts, and its attempts.

Each run is a separate worker process (``hubeval/batch/_worker.py``) driving one papermill kernel
that talks over IPC sockets, so parallel kernels cannot collide on ports. ``local`` runs ``jobs``
workers at a time on this machine; ``dask`` submits each run as a task to an existing
``distributed`` cluster (the workers must see the same file system, as on a department cluster
or Slurm via dask-jobqueue). Both hand back the status dict the worker wrote.

Attempts. Every execution of a run is an *attempt* with its own folder,
``<batch>/.attempts/<run>-<id>/``: the notebook's ``output_dir``, its records and the executed
notebook go there. When the worker process exits, the attempt folder is renamed to the run's
folder ``<batch>/<run>/`` in one atomic ``rename``, which fails if another attempt got there
first. So when a Dask worker dies and the task is retried, the dead worker's notebook process
(which stops itself once its parent is gone) can never write into the run's folder, and the
run folder holds exactly one attempt's files. :func:`attempts_of` lists a run's attempts for
the manifest.

Environment. A worker process gets this process's environment plus the run's (thread caps,
context file, output folder), built by :func:`worker_env`. On a Dask worker, one variable the
Dask nanny put there for its own worker process is left out: ``MALLOC_TRIM_THRESHOLD_``
(``distributed.nanny.pre-spawn-environ``, 65536 by default). Inherited by a notebook kernel it
makes glibc hand memory back to the system constantly, which slowed the inference step of a
30,000-firm robustness run by half (Dask 2.8x slower than local workers).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Mapping

from hubeval.core.errors import ParameterError

__all__ = ["execute_task", "cancel_running", "make_executor", "LocalExecutor", "DaskExecutor",
           "ExecutorName", "WORKER", "now", "attempts_of", "ATTEMPTS", "ATTEMPT_FILE", "worker_env",
           "NANNY_ONLY_ENV"]

ExecutorName = Literal["local", "dask"]
WORKER = Path(__file__).with_name("_worker.py")
GRACE_SECONDS = 30  # after a run's own limit, before the parent kills a stuck worker
CANCEL_SECONDS = 10  # after SIGTERM on cancel, before the worker's group is killed
ATTEMPTS = ".attempts"
ATTEMPT_FILE = "attempt.json"
# set by the Dask nanny for its worker process; not passed on to notebook kernels (worker_env)
NANNY_ONLY_ENV = ("MALLOC_TRIM_THRESHOLD_",)
_PROCS: dict[str, tuple[subprocess.Popen, str]] = {}
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


def _new_attempt(task: dict) -> Path:
    """A fresh attempt folder for ``task``, with its context file and ``attempt.json``."""
    final = Path(task["folder"])
    attempt = final.parent / ATTEMPTS / f"{final.name}-{uuid.uuid4().hex[:8]}"
    attempt.mkdir(parents=True)
    info = {"attempt": attempt.name, "host": socket.gethostname(), "pid": os.getpid(),
            "started": now(), "started_ns": time.time_ns()}
    (attempt / ATTEMPT_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    context = dict(task["context"], output_dir=str(final), attempt=attempt.name)
    (attempt / task["context_file"]).write_text(json.dumps(context, indent=2, default=str),
                                                encoding="utf-8")
    return attempt


def _attempt_task(task: dict, attempt: Path) -> dict:
    """``task`` with every path of the run pointed into the attempt folder."""
    final = str(task["folder"])
    params = {k: (str(attempt) if v == final else v) for k, v in task["parameters"].items()}
    env = {**task["env"], task["context_env"]: str(attempt / task["context_file"]),
           task["output_env"]: str(attempt)}
    return {**task, "folder": str(attempt), "parameters": params, "env": env,
            "output": str(attempt / Path(task["input"]).name),
            "status": str(attempt / "status.json"), "task_file": str(attempt / "task.json")}


def _nanny_env() -> dict[str, str]:
    """What the Dask nanny of the worker running this task set in its environment, or ``{}``.

    ``{}`` outside a Dask task, and on a worker without a nanny (``--no-nanny``, or a
    ``LocalCluster(processes=False)``): nobody set anything there on hubeval's behalf.
    """
    distributed = sys.modules.get("distributed")  # a Dask worker process has imported it
    if distributed is None:
        return {}
    try:
        worker = distributed.get_worker()
    except ValueError:  # not in a Dask task (the local executor, or the client's process)
        return {}
    if not getattr(worker, "nanny", None):
        return {}
    import dask

    config = dask.config.get("distributed.nanny.pre-spawn-environ", default=None) or {}
    return {name: str(value) for name, value in config.items() if value is not None}


def worker_env(task_env: dict, base: Mapping | None = None, *,
               nanny: Mapping | None = None) -> dict:
    """The environment of a run's worker process: ``base`` (``os.environ``) updated by ``task_env``.

    Drops the :data:`NANNY_ONLY_ENV` variables that came from the Dask nanny: present in
    ``base`` with exactly the value the nanny sets (``nanny``, by default read from the running
    Dask worker's config ``distributed.nanny.pre-spawn-environ``; ``{}`` outside a Dask task) and
    not set by ``task_env``. How "came from the nanny" is told apart from "exported by the user":

    - the nanny keeps a value already in its environment over its configured one, so a value
      that differs from the configured one was exported in the shell that started
      ``dask worker`` and is kept;
    - the local executor (not a Dask task) never drops anything: hubeval started those workers
      itself, so whatever is in its environment is the user's;
    - a value set in ``task_env`` (for the run) always wins.

    A user who wants exactly Dask's value in the kernels sets
    ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null`` in the workers' Dask
    config and exports the variable before starting ``dask worker``.
    """
    base = os.environ if base is None else base
    nanny = _nanny_env() if nanny is None else nanny
    env = {**base, **task_env}
    for name in NANNY_ONLY_ENV:
        if name not in task_env and name in nanny and base.get(name) == str(nanny[name]):
            del env[name]
    return env


def _run_worker(task: dict) -> int:
    """Start the worker process for ``task`` and wait for it; returns its exit code."""
    env = worker_env(task["env"])
    limit = task.get("timeout")
    with open(Path(task["folder"]) / "run.log", "ab") as log:
        proc = subprocess.Popen([task["python"] or sys.executable, str(WORKER), task["task_file"]],
                                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=task["cwd"],
                                start_new_session=os.name == "posix")
        with _PROCS_LOCK:
            _PROCS[task["folder"]] = (proc, task.get("batch_folder", ""))
        try:
            return proc.wait(timeout=limit + GRACE_SECONDS if limit else None)
        except subprocess.TimeoutExpired:
            _kill_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
            return proc.wait()
        finally:
            with _PROCS_LOCK:
                _PROCS.pop(task["folder"], None)


def _read_status(path: Path, run_id: str, code: int, log: Path) -> dict:
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    return {"run_id": run_id, "status": "failed", "failure": "worker", "cell": None,
            "finished": now(), "duration": None,
            "error": f"the worker process exited with code {code} before reporting; see {log}"}


def execute_task(task: dict) -> dict:
    """Run one notebook in a worker process (one attempt) and return its status dict.

    Module-level and self-contained so the Dask executor can ship it to a cluster worker.
    The worker enforces the run's time limit itself; this waits a grace period longer and
    then kills the worker's process group. The attempt's folder then becomes the run's
    folder (atomically); an attempt that finds the run folder already taken returns the
    status of the attempt that took it, marked ``superseded``.
    """
    attempt = _new_attempt(task)
    own = _attempt_task(task, attempt)
    Path(own["task_file"]).write_text(json.dumps(own, indent=2), encoding="utf-8")
    t0 = time.monotonic()
    code = _run_worker(own)
    final = Path(task["folder"])
    status = _read_status(Path(own["status"]), task["run_id"], code, final / "run.log")
    status["wall"] = round(time.monotonic() - t0, 3)  # process start and exit included
    try:
        os.rename(attempt, final)  # atomic; refuses a run folder another attempt filled
    except OSError:
        if not (final / "status.json").exists():
            raise
        status = json.loads((final / "status.json").read_text(encoding="utf-8"))
        status["superseded"] = attempt.name
    return status


def attempts_of(batch_folder: Path, run_id: str) -> list[dict]:
    """Every attempt of run ``run_id``, oldest first; ``placed`` marks the one in its folder."""
    found = []
    placed = batch_folder / run_id / ATTEMPT_FILE
    others = sorted((batch_folder / ATTEMPTS).glob(f"{run_id}-*/{ATTEMPT_FILE}"))
    for path in ([placed] if placed.exists() else []) + others:
        if path.parent.name != run_id and path.parent.name.rsplit("-", 1)[0] != run_id:
            continue  # another run whose id starts with this one's
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {"attempt": path.parent.name}
        found.append({**info, "placed": path == placed})
    return sorted(found, key=lambda a: a.get("started_ns", 0))


def cancel_running(batch_folder: str | Path | None = None, *,
                   grace: float = CANCEL_SECONDS) -> int:
    """Stop the workers this process started that still run (all, or one batch's).

    Sends SIGTERM to each worker's process group (the worker saves its partial notebook,
    shuts its kernel down and reports ``cancelled``), waits up to ``grace`` seconds, then
    kills what is left. Returns the number of workers stopped. On a Dask cluster the
    executor calls this on every worker for its batch.
    """
    wanted = str(batch_folder) if batch_folder is not None else None
    with _PROCS_LOCK:
        procs = [p for p, batch in _PROCS.values() if wanted is None or batch == wanted]
    for proc in procs:
        _kill_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill_group(proc, getattr(signal, "SIGKILL", signal.SIGTERM))
    return len(procs)


class LocalExecutor:
    """``jobs`` worker processes at a time on this machine."""

    def __init__(self, jobs: int):
        self.slots = jobs
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="hubeval-run")

    def submit(self, task: dict):
        return self.pool.submit(execute_task, task)

    def cancel(self, batch_folder: Path) -> None:
        """Stop this batch's running workers (on Ctrl-C or SIGTERM)."""
        cancel_running(batch_folder)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


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
        self.futures: list = []

    def submit(self, task: dict):
        future = self.client.submit(execute_task, task, pure=False,
                                    key=f"hubeval-{task['run_id']}-{uuid.uuid4().hex[:8]}")
        self.futures.append(future)
        return future

    def cancel(self, batch_folder: Path) -> None:
        """Cancel this batch's tasks and stop its workers' notebook processes."""
        self.client.cancel(self.futures)
        try:
            self.client.run(cancel_running, str(batch_folder))
        except Exception:  # noqa: BLE001 - a worker gone already has nothing to stop
            pass

    def close(self):
        if self.own:
            self.client.close()


def make_executor(executor: ExecutorName, *, jobs: int, scheduler=None,
                  dask_jobs: int | None = None) -> LocalExecutor | DaskExecutor:
    """The executor named ``executor``: ``jobs`` local slots, or the cluster's (or ``dask_jobs``)."""
    if executor == "local":
        return LocalExecutor(jobs)
    return DaskExecutor(scheduler, dask_jobs)
