"""Signals during a batch: SIGTERM handled like Ctrl-C, and a clean-up that cannot be cut short.

``kill``, Slurm (at the time limit or on ``scancel``) and systemd stop a process with SIGTERM,
whose default action ends the process at once: its worker processes and kernels would run on
as orphans and the manifest would stay ``running``. While a batch runs,
:func:`terminate_as_interrupt` turns SIGTERM into :class:`BatchTerminated`, a
``KeyboardInterrupt``, so the runner's Ctrl-C path stops the workers, marks the manifest
``cancelled`` and writes the results store for the runs that finished. The CLI exits with 143
after SIGTERM (128 + 15) and 130 after Ctrl-C.
"""
from __future__ import annotations

import contextlib
import signal
import threading

__all__ = ["BatchTerminated", "terminate_as_interrupt", "signals_ignored"]


class BatchTerminated(KeyboardInterrupt):
    """The batch process got SIGTERM (``kill``, Slurm, systemd): handled like Ctrl-C."""


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def terminate_as_interrupt():
    """While inside, SIGTERM raises :class:`BatchTerminated` in the main thread.

    Outside the main thread (where Python cannot install handlers) nothing changes.
    """
    if not hasattr(signal, "SIGTERM") or not _main_thread():
        yield
        return

    def on_term(signum, frame):
        raise BatchTerminated("terminated (SIGTERM)")

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_ignored():
    """Ignore SIGINT and SIGTERM while inside (the clean-up after a first one)."""
    if not _main_thread():
        yield
        return
    names = [n for n in ("SIGINT", "SIGTERM") if hasattr(signal, n)]
    previous = {n: signal.signal(getattr(signal, n), signal.SIG_IGN) for n in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
