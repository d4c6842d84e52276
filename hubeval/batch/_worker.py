"""Execute one notebook run in its own process (the unit of work of the batch runner).

Run as a script, ``python path/to/_worker.py TASK.json``, never imported by the package's
``__init__``: running it by path keeps the worker's start-up to papermill's own imports (the
kernel imports hubeval itself). The task file names the input and output notebooks, the
parameters to inject, the working directory, a time budget and the status file to write.

Outcomes, written to the status file as JSON (the parent reads it; the exit code is 0 unless the
worker itself crashed):

- ``ok``: every cell ran.
- ``failed`` with ``failure`` one of ``exception`` (a cell raised), ``kernel_died`` (the kernel
  process exited, e.g. killed or out of memory), ``timeout`` (the run's time budget ran out) or
  ``cancelled`` (the worker got SIGTERM, or its parent process died), plus the 1-based cell number in the source notebook
  and a one-line ``error``. The partial executed notebook is always saved.

Kernels talk to the worker over IPC (Unix domain sockets in a private temporary folder) on POSIX,
so kernels started at the same moment cannot race for the same TCP ports (a known jupyter_client
hazard when many kernels start at once). By default the kernel is the worker's own interpreter,
whatever kernel specs are installed, so a fresh virtualenv works without registering a kernel.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

T_PROCESS = time.monotonic()  # before papermill's imports: they are part of the overhead

# jsonschema (imported by nbformat) optionally imports rfc3987_syntax, which builds a parser at
# import time (~1.2 s). Notebook validation never checks IRI formats, so the worker skips it.
sys.modules.setdefault("rfc3987_syntax", None)

import papermill  # noqa: E402
from jupyter_client import AsyncKernelManager  # noqa: E402
from jupyter_client.kernelspec import KernelSpec  # noqa: E402

CURRENT_INTERPRETER = "__current__"


class _KnownParameters(logging.Filter):
    """Drop papermill's "Passed unknown parameter" warnings: its parser of the parameters cell
    does not read annotations such as ``str | None`` or ``Literal[...]`` and calls those
    parameters unknown, while hubeval has already checked every parameter against the cell
    (:mod:`hubeval.batch.params`: unknown names are errors before any kernel starts)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Passed unknown parameter")


logging.getLogger("papermill").addFilter(_KnownParameters())


class RunInterrupted(BaseException):
    """Raised from a signal handler; a BaseException so nbclient's handlers do not swallow it."""

    def __init__(self, failure: str, message: str):
        super().__init__(message)
        self.failure = failure
        self.message = message


class HubevalKernelManager(AsyncKernelManager):
    """Kernel manager using IPC sockets in a private folder and, by default, this interpreter."""

    ipc_dir: str | None = None
    use_current_interpreter = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.ipc_dir is not None:
            self.transport = "ipc"
            self.ip = os.path.join(self.ipc_dir, "k")
        if self.use_current_interpreter:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python (hubeval)", language="python", metadata={})


class CellTracker:
    """Remember which cell is executing, so a dead kernel or a timeout can name it."""

    def __init__(self):
        self.index: int | None = None
        self.started: float | None = None

    def on_cell_execute(self, cell, cell_index, **_):
        self.index = cell_index
        if self.started is None:
            self.started = time.monotonic()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def source_cell_number(nb, index: int | None) -> int | None:
    """1-based position of executed cell ``index`` in the source notebook (skips injected cell)."""
    if index is None:
        return None
    injected = [i for i, c in enumerate(nb.cells)
                if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    shift = sum(1 for i in injected if i < index)
    return index + 1 - shift


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def _one_line(text: str, limit: int = 300) -> str:
    # error texts of some libraries carry terminal colour codes; a report line must not
    text = " ".join(_ANSI.sub("", str(text)).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_notebook(path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # the partial notebook may be missing if the kernel never started
        return None


def _failure(exc: BaseException, tracker: CellTracker, output_path: str, timeout: float | None):
    """Classify an execution exception into (failure, cell number, one-line error)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    nb = _read_notebook(output_path)
    cell = source_cell_number(nb, tracker.index) if nb is not None else None
    if isinstance(exc, PapermillExecutionError):
        cell = source_cell_number(nb, exc.cell_index) if nb is not None else exc.cell_index + 1
        return "exception", cell, f"{exc.ename}: {_one_line(exc.evalue)}"
    if isinstance(exc, RunInterrupted):
        return exc.failure, cell, exc.message
    if isinstance(exc, CellTimeoutError):
        return "timeout", cell, f"timed out after {timeout:g} s"
    if isinstance(exc, DeadKernelError):
        return "kernel_died", cell, ("kernel died (its process exited: killed, crashed or out "
                                     "of memory)")
    if tracker.index is None:
        return "error", None, f"kernel did not start: {type(exc).__name__}: {_one_line(exc)}"
    return "error", cell, f"{type(exc).__name__}: {_one_line(exc)}"


def _install_budget(timeout: float | None) -> None:
    def on_alarm(signum, frame):
        raise RunInterrupted("timeout", f"timed out after {timeout:g} s (the run's time limit)")

    def on_term(signum, frame):
        if _ORPHANED.is_set():
            raise RunInterrupted("cancelled", "cancelled (the process that started this run "
                                 "exited)")
        raise RunInterrupted("cancelled", "cancelled (the batch was interrupted)")

    signal.signal(signal.SIGTERM, on_term)
    # without SIGALRM (Windows) the per-cell limit and the parent's kill still apply
    if timeout and hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, float(timeout))


_ORPHANED = threading.Event()


def _watch_parent(interval: float = 1.0) -> None:
    """Stop this run (as on SIGTERM) once the process that started it is gone.

    A killed Dask worker or a parent ended with SIGKILL cannot stop its workers; without this
    they would run on as orphans while the task is retried elsewhere.
    """
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(interval)
        _ORPHANED.set()
        os.kill(os.getpid(), signal.SIGTERM)

    if os.name == "posix":
        threading.Thread(target=watch, name="hubeval-parent-watch", daemon=True).start()


def _cell_seconds(path: str) -> float | None:
    nb = _read_notebook(path)
    if nb is None:
        return None
    return round(sum(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
                     for c in nb.cells), 3)


def execute(task: dict) -> dict:
    """Run the notebook described by ``task``; return the status dict (also written to disk)."""
    t0 = T_PROCESS
    status = {"run_id": task["run_id"], "started": _now(), "pid": os.getpid()}
    tracker = CellTracker()
    ipc_dir = tempfile.mkdtemp(prefix="hbk-") if os.name == "posix" else None
    HubevalKernelManager.ipc_dir = ipc_dir
    HubevalKernelManager.use_current_interpreter = task.get("kernel") in (None, CURRENT_INTERPRETER)
    timeout = task.get("timeout")
    try:
        _install_budget(timeout)
        _watch_parent()
        papermill.execute_notebook(
            task["input"], task["output"], parameters=task.get("parameters") or {},
            kernel_name=task.get("kernel") or "python3", cwd=task.get("cwd"),
            progress_bar=False, request_save_on_cell_execute=True,
            execution_timeout=timeout, start_timeout=task.get("start_timeout", 60),
            kernel_manager_class=HubevalKernelManager, on_cell_execute=tracker.on_cell_execute,
            # outputs are complete once the last cell replied; a graceful shutdown only waits
            shutdown_kernel="immediate")
        status.update(status="ok", failure=None, cell=None, error=None)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes a status, by design
        failure, cell, error = _failure(exc, tracker, task["output"], timeout)
        where = f"cell {cell}: " if cell is not None else ""
        status.update(status="failed", failure=failure, cell=cell, error=where + error)
    finally:
        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        if ipc_dir:
            shutil.rmtree(ipc_dir, ignore_errors=True)
    status["finished"] = _now()
    status["duration"] = round(time.monotonic() - t0, 3)
    status["kernel_start"] = round(tracker.started - t0, 3) if tracker.started else None
    status["cells_duration"] = _cell_seconds(task["output"])
    return status


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as fh:
        task = json.load(fh)
    status = execute(task)
    tmp = task["status"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(status, fh, indent=2)
    os.replace(tmp, task["status"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
