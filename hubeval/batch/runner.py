"""The batch runner: run parameterised notebooks with papermill, in parallel, reproducibly.

``hubeval run`` (see :mod:`hubeval.batch.cli`) and :func:`run_batch` share this code::

    plan  = hb.plan_batch("params/batches/main.yaml")     # read + check every run's parameters
    batch = hb.run_batch("params/batches/main.yaml", jobs=2, progress="plain")
    batch.estimates                                      # the results store's estimates

Design
------
- Parameters are checked against each notebook's ``parameters`` cell *before* any kernel
  starts (:mod:`hubeval.batch.params`, :mod:`hubeval.batch.plan`); papermill alone only warns.
- Each run is a separate worker process (:mod:`hubeval.batch.executors`) driving one papermill
  kernel that talks over IPC sockets, so parallel kernels cannot collide on ports. Numerical-library
  threads (OpenMP, MKL, OpenBLAS, numexpr, numba) are capped per kernel to ``cores // jobs`` so that
  ``jobs`` kernels do not oversubscribe the cores.
- Failure isolation: an exception, a dead kernel or a timeout marks that run ``failed`` with
  the cell number and the error in one line; the other runs finish; the partial executed
  notebook is kept. A run that fails does not stop later stages.
- Attempts: each execution of a run writes into its own folder under ``.attempts/``, renamed
  into place atomically when it ends, so a retried Dask task never shares a folder with the
  dead worker's run; each run's ``attempts`` and ``retries`` are in the manifest.
- Interruption: Ctrl-C and SIGTERM (:mod:`hubeval.batch.interrupts`) stop the running workers
  and their kernels, mark the manifest ``cancelled`` and write the results store for the runs
  that finished.
- Every batch writes a new folder ``runs/<batch>/<timestamp>-<id>/`` (created with
  ``exist_ok=False``, so never an earlier one): one sub-folder per run (executed notebook,
  ``run.json``, ``records/``, whatever the notebook saves, ``run.log``), ``batch.log``,
  ``manifest.json`` and the results store (``estimates``, ``statistics``, ... collected after each stage, so a later
  stage, e.g. the policy memo, reads the earlier stages' results through ``results_dir``).
- Resume: a run's *key* hashes its notebook's cell sources, its parameters, the contents of the
  files its parameters name (folders only for declared path parameters, never output
  folders: :func:`hubeval.batch.manifest.data_hashes`), the hubeval version and the hash of hubeval's source, and for
  later stages the keys of every earlier-stage run. ``resume=True`` copies each successful run
  with an unchanged key from the latest earlier batch folder into the new folder (the old one
  is never modified) and runs the rest.
- Executors (:mod:`hubeval.batch.executors`): ``local`` runs ``jobs`` workers at a time on this
  machine; ``dask`` submits each run as a task to an existing ``distributed`` cluster.
- The result is a :class:`hubeval.BatchResult`, the same object :func:`hubeval.load_batch_results`
  reads back from the folder later (run statuses, manifest, collected records).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Literal

from hubeval.batch.executors import (
    ATTEMPT_FILE,
    ATTEMPTS,
    WORKER,
    ExecutorName,
    attempts_of,
    execute_task,
    make_executor,
    now,
)
from hubeval.batch.folders import (
    check_runs_dir,
    latest_batch,
    new_folder,
    resume_folder,
    write_json,
)
from hubeval.batch.interrupts import BatchTerminated, signals_ignored, terminate_as_interrupt
from hubeval.batch.manifest import (
    data_hashes,
    environment,
    notebook_hash,
    package_fingerprint,
    run_key,
)
from hubeval.batch.plan import (
    OUTPUT_PARAM,
    RESULTS_PARAM,
    BatchPlan,
    RunSpec,
    display_path,
    load_batch,
    plan_notebook,
)
from hubeval.batch.progress import Progress
from hubeval.core.errors import ParameterError
from hubeval.core.paths import ROOT_ENV
from hubeval.core.threads import THREAD_ENV
from hubeval.store.records import CONTEXT_ENV, CONTEXT_FILE, OUTPUT_ENV
from hubeval.store.tables import collect_store, write_store
from hubeval.store.results import BatchResult, read_batch

__all__ = ["run_batch", "plan_batch", "latest_batch", "ExecutorName", "ProgressMode",
           "execute_task", "WORKER", "BatchTerminated"]

ProgressMode = Literal["auto", "live", "plain", "none"]
# the thread variables of hubeval's policy (hubeval.core.threads), plus numba's for pyfixest
KERNEL_THREAD_ENV = THREAD_ENV + ("NUMBA_NUM_THREADS",)
# fixed file dates (matplotlib's PDF/SVG) and hash seeds, so re-runs give identical files
CANCEL_WAIT = 15  # seconds to wait for a stopped run to report, after its worker got SIGTERM
DETERMINISTIC_ENV = {"SOURCE_DATE_EPOCH": "0", "PYTHONHASHSEED": "0"}


# --- the batch ----------------------------------------------------------------------------------

def plan_batch(source: str | Path | BatchPlan, *, params: dict | None = None,
               params_file: str | Path | None = None, timeout: float | None = None) -> BatchPlan:
    """Read and check a batch file or a single notebook's run; no kernel starts.

    Parameters
    ----------
    source : str, Path or BatchPlan
        A batch YAML file, or a notebook (``.ipynb``) for a one-run batch.
    params : dict, optional
        Values overriding the files (``-p name=value`` on the command line).
    params_file : str or Path, optional
        For a notebook: its parameter YAML (default ``params/<notebook>.yaml`` if present).
    timeout : float, optional
        Per-run time limit in seconds.

    Returns
    -------
    BatchPlan
        ``plan.format()`` is the text ``hubeval run --dry-run`` prints.

    Raises
    ------
    ParameterError
        Every problem of every run, in one message.
    """
    if isinstance(source, BatchPlan):
        return source
    if timeout is not None and not timeout > 0:
        raise ParameterError(f"`timeout` must be a positive number of seconds, got {timeout!r}.")
    path = Path(source)
    if path.suffix == ".ipynb":
        return plan_notebook(path, params_file=params_file, params=params, timeout=timeout)
    if params_file is not None:
        raise ParameterError("`params_file` (-f) applies to a single notebook; a batch file "
                             "names its runs' parameters itself.")
    return load_batch(path, params=params, timeout=timeout)


class _Batch:
    """State of one batch execution: folder, manifest, keys, progress."""

    def __init__(self, plan: BatchPlan, folder: Path, options: dict):
        self.plan, self.folder, self.options = plan, folder, options
        self.fingerprint = package_fingerprint()
        self.entries: dict[str, dict] = {}
        self.active: dict[str, object] = {}  # run id -> future of the runs executing now
        self.manifest = {
            "batch": plan.name, "source": str(plan.source), "root": str(plan.root),
            "folder": str(folder), "created": now(), "created_ns": time.time_ns(),
            "finished": None, "status": "running",
            "options": options,
            "environment": environment(plan.root), "runs": []}

    def inject(self, run: RunSpec) -> dict:
        """The values papermill injects: the run's own plus the runner-filled folders."""
        inject = dict(run.params)
        if OUTPUT_PARAM in run.declared:
            inject[OUTPUT_PARAM] = str(self.folder / run.id)
        if (run.stage != self.plan.stages[0] and RESULTS_PARAM in run.declared
                and RESULTS_PARAM not in run.params):
            inject[RESULTS_PARAM] = str(self.folder)
        return inject

    def prepare(self, run: RunSpec, upstream: list[str]) -> dict:
        params = {**run.effective_params(), **self.inject(run)}
        data = data_hashes(params, self.plan.root, run.declared)
        entry = {"id": run.id, "notebook": display_path(run.notebook, self.plan.root),
                 "stage": run.stage, "params": params, "set_params": run.params,
                 "sources": list(run.sources), "notebook_sha256": notebook_hash(run.notebook),
                 "data": data, "key": run_key(run, data, self.fingerprint, upstream),
                 "status": "pending", "folder": str(self.folder / run.id)}
        self.entries[run.id] = entry
        self.manifest["runs"].append(entry)
        return entry

    def task(self, run: RunSpec) -> dict:
        """What an executor needs to run ``run``; each attempt gets its own folder from it."""
        params = self.entries[run.id]["params"]
        context = {"run_id": run.id, "notebook": run.notebook.stem, "batch": self.plan.name,
                   "batch_folder": str(self.folder), "params": params}
        threads = str(self.options["threads_per_kernel"])
        env = {**{name: threads for name in KERNEL_THREAD_ENV}, **DETERMINISTIC_ENV,
               ROOT_ENV: str(self.plan.root), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        return {"run_id": run.id, "folder": str(self.folder / run.id),
                "batch_folder": str(self.folder), "input": str(run.notebook),
                "parameters": self.inject(run), "cwd": str(self.plan.root),
                "timeout": run.timeout, "env": env, "kernel": self.options["kernel"],
                "python": None, "context": context, "context_file": CONTEXT_FILE,
                "context_env": CONTEXT_ENV, "output_env": OUTPUT_ENV}

    def save(self) -> None:
        write_json(self.folder / "manifest.json", self.manifest)

    def collect(self) -> dict:
        """Write the batch's results store (runs, estimates, statistics, other tables)."""
        tables = collect_store(self.folder, manifest=self.manifest)
        write_store(self.folder, tables)
        return tables


_BOOKKEEPING = {"task.json", "status.json", "run.log", CONTEXT_FILE, ATTEMPT_FILE}


def _outputs(folder: Path) -> list[str]:
    """Files a run produced (executed notebook, records, figures), relative to its folder."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and p.name not in _BOOKKEEPING)


def _reuse(batch: _Batch, run: RunSpec, previous: dict, prev_folder: Path) -> bool:
    entry = batch.entries[run.id]
    old = previous.get(run.id)
    if not old or old.get("key") != entry["key"] or old.get("status") not in ("ok", "reused"):
        return False
    source = prev_folder / run.id
    if not source.is_dir():
        return False
    shutil.copytree(source, batch.folder / run.id)  # copy: the earlier batch stays untouched
    for name in ("status", "failure", "cell", "error", "duration", "kernel_start",
                 "cells_duration", "wall", "started", "finished", "outputs", "attempts",
                 "retries"):
        entry[name] = old.get(name)
    entry.update(status="reused", reused_from=str(prev_folder / run.id))
    return True


def _finish_run(batch: _Batch, run_id: str, future, progress: Progress) -> None:
    try:
        status = future.result()
    except Exception as exc:  # noqa: BLE001 - an executor failure fails the run
        status = {"status": "failed", "failure": "executor", "cell": None,
                  "error": f"{type(exc).__name__}: {exc}", "finished": now()}
    status.pop("run_id", None)
    attempts = attempts_of(batch.folder, run_id)
    batch.entries[run_id].update(status, outputs=_outputs(batch.folder / run_id),
                                 attempts=attempts, retries=max(0, len(attempts) - 1))
    batch.save()
    progress.finished(run_id, batch.entries[run_id])


def _run_stage(batch: _Batch, runs: list[RunSpec], executor, progress: Progress) -> None:
    queue = list(runs)
    active = batch.active
    while queue or active:
        while queue and len(active) < executor.slots:
            run = queue.pop(0)
            batch.entries[run.id].update(status="running", started=now())
            active[run.id] = executor.submit(batch.task(run))
            progress.started(run.id)
        for run_id, future in list(active.items()):
            if future.done():
                del active[run_id]
                _finish_run(batch, run_id, future, progress)
        progress.tick()
        if active:
            time.sleep(0.1)


def _cancel(batch: _Batch, pool, progress: Progress, exc: KeyboardInterrupt) -> None:
    """Stop the running workers, mark what did not finish, collect what did."""
    how = "SIGTERM" if isinstance(exc, BatchTerminated) else "SIGINT"
    with signals_ignored():  # a second Ctrl-C or kill must not cut the clean-up short
        pool.cancel(batch.folder)
        stopped = set(batch.active)
        for run_id, future in list(batch.active.items()):
            with contextlib.suppress(Exception):
                future.result(timeout=CANCEL_WAIT)  # the stopped worker's partial outputs
            if future.done():
                _finish_run(batch, run_id, future, progress)
        batch.active.clear()
        batch.manifest.update(status="cancelled", cancelled_by=how)
        for entry in batch.manifest["runs"]:
            if entry["status"] in ("pending", "running") or (
                    entry["id"] in stopped and entry["status"] != "ok"):
                entry.update(status="cancelled", error=f"cancelled (the batch got {how})")
        batch.save()
        batch.collect()  # the results store of the runs that finished


def _options(plan: BatchPlan, jobs, executor, scheduler, kernel, threads_per_kernel, resume):
    if executor not in ("local", "dask"):
        raise ParameterError(f"`executor` must be 'local' or 'dask', got {executor!r}.")
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ParameterError(f"`jobs` must be a positive integer, got {jobs!r}.")
    cores = os.cpu_count() or 1
    local_jobs = jobs or cores
    if threads_per_kernel is None:
        threads_per_kernel = max(1, cores // local_jobs) if executor == "local" else 1
    return {"jobs": local_jobs, "executor": executor,
            "scheduler": scheduler if isinstance(scheduler, (str, type(None))) else repr(scheduler),
            "kernel": kernel, "threads_per_kernel": threads_per_kernel, "resume": resume,
            "timeout": plan.timeout, "cores": cores}


def run_batch(source: str | Path | BatchPlan, *, params: dict | None = None,
              params_file: str | Path | None = None, jobs: int | None = None,
              timeout: float | None = None, resume: bool | str | Path = False,
              executor: ExecutorName = "local", scheduler=None,
              runs_dir: str | Path | None = None, progress: ProgressMode = "none",
              kernel: str | None = None, threads_per_kernel: int | None = None) -> BatchResult:
    """Run a batch of parameterised notebooks (the engine of ``hubeval run``).

    Parameters
    ----------
    source : str, Path or BatchPlan
        A batch file (``params/batches/main.yaml``), a notebook (one run) or a plan from
        :func:`plan_batch`.
    params, params_file, timeout
        As in :func:`plan_batch`; ``timeout`` is seconds per run, kernel start included.
    jobs : int, optional
        Runs at once. Default: the number of cores (local), the cluster's threads (dask).
    resume : bool or path
        Re-run only runs that failed or changed since the latest earlier batch folder of the
        same batch (``True``) or the given folder; copy the others' outputs.
    executor : {"local", "dask"}
        Worker processes on this machine, or tasks on the Dask cluster at ``scheduler``.
    scheduler : str or distributed.Client, optional
        The Dask scheduler address (``tcp://host:8786``) or a connected client.
    runs_dir : str or Path, optional
        Where batch folders go; default ``<project root>/runs``.
    progress : {"none", "auto", "live", "plain"}
        ``none`` is silent (library default); ``plain`` prints one line per event;
        ``live`` redraws a status table; ``auto`` picks live on a terminal, else plain.
    kernel : str, optional
        A named Jupyter kernel; default: this Python interpreter, whatever kernels exist.
    threads_per_kernel : int, optional
        Threads for numerical libraries in each kernel; default ``cores // jobs`` (local).

    Returns
    -------
    BatchResult
        Check ``.ok`` / ``.failed``: failed runs do not raise. ``.runs`` holds each run's
        status, ``.estimates`` / ``.statistics`` / ``.tables`` the batch's results store (as
        :func:`hubeval.load_batch_results` reads them back).

    Raises
    ------
    ParameterError
        When parameters do not fit the notebooks (before anything runs) or options are wrong.
    """
    plan = plan_batch(source, params=params, params_file=params_file, timeout=timeout)
    options = _options(plan, jobs, executor, scheduler, kernel, threads_per_kernel, resume)
    runs_dir = check_runs_dir(Path(runs_dir) if runs_dir is not None else plan.root / "runs")
    prev_folder = resume_folder(runs_dir, plan.name, resume) if resume else None
    pool = make_executor(executor, jobs=options["jobs"], scheduler=scheduler, dask_jobs=jobs)
    options["jobs"] = pool.slots  # for dask: the cluster's threads unless `jobs` was given
    folder = new_folder(runs_dir, plan.name)
    batch = _Batch(plan, folder, options)
    progress_bar = Progress(progress, plan, folder / "batch.log")
    try:
        with terminate_as_interrupt():
            _execute(batch, plan, pool, progress_bar, prev_folder)
    finally:
        pool.close()
        progress_bar.close()
    return read_batch(folder, manifest=batch.manifest)


def _execute(batch: _Batch, plan: BatchPlan, pool, progress: Progress,
             prev_folder: Path | None) -> None:
    previous = {}
    if prev_folder is not None:
        old = json.loads((prev_folder / "manifest.json").read_text(encoding="utf-8"))
        previous = {r["id"]: r for r in old.get("runs", [])}
    batch.manifest["resumed_from"] = str(prev_folder) if prev_folder else None
    progress.begin(batch.folder, prev_folder)
    t0, upstream, executed = time.monotonic(), [], False
    try:
        for stage in plan.stages:
            runs = [r for r in plan.runs if r.stage == stage]
            keys = [batch.prepare(r, upstream)["key"] for r in runs]
            todo = []
            for run in runs:
                # a later stage may read earlier results: once anything earlier ran again,
                # its inputs changed even though its key did not
                if not executed and prev_folder is not None and _reuse(
                        batch, run, previous, prev_folder):
                    progress.finished(run.id, batch.entries[run.id])
                else:
                    todo.append(run)
            batch.save()
            _run_stage(batch, todo, pool, progress)
            batch.collect()
            upstream, executed = upstream + keys, executed or bool(todo)
    except KeyboardInterrupt as exc:
        _cancel(batch, pool, progress, exc)
        raise
    finally:
        failed = sum(e["status"] == "failed" for e in batch.manifest["runs"])
        if batch.manifest["status"] == "running":
            batch.manifest["status"] = "failed" if failed else "ok"
        batch.manifest.update(finished=now(), wall_time=round(time.monotonic() - t0, 3))
        with contextlib.suppress(OSError):  # kept only when an attempt was left behind
            (batch.folder / ATTEMPTS).rmdir()
        batch.save()
        progress.end(batch.manifest)
