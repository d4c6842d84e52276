"""Progress of a batch: a live status table on a terminal, plain lines elsewhere, and a log.

Every event (start, finish, failure) is appended to the batch's ``batch.log`` whatever the
mode. ``plain`` mode prints the same lines (CI logs, notebooks); ``live`` mode redraws a small
table in place: counts of runs done, failed, running and pending, elapsed time, and one line
per run with its status; ``none`` prints nothing.
"""
from __future__ import annotations

import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

__all__ = ["Progress"]

_MARK = {"ok": "ok", "reused": "reused", "failed": "FAILED", "running": "running",
         "pending": "pending", "cancelled": "cancelled"}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}"


class Progress:
    """Report a batch's progress; see the module docstring for the modes."""

    def __init__(self, mode: str, plan, log_path: Path, stream=None):
        self.stream = stream or sys.stdout
        if mode == "auto":
            mode = "live" if getattr(self.stream, "isatty", lambda: False)() else "plain"
        if mode not in ("live", "plain", "none"):
            from hubeval.core.errors import ParameterError

            raise ParameterError(f"`progress` must be 'auto', 'live', 'plain' or 'none', got "
                                 f"{mode!r}.")
        self.mode = mode
        self.log = open(log_path, "a", encoding="utf-8")
        self.t0 = time.monotonic()
        self.status = {run.id: "pending" for run in plan.runs}
        self.detail: dict[str, str] = {}
        self.started_at: dict[str, float] = {}
        self.plan = plan
        self.drawn = 0
        self.last_draw = 0.0

    def _line(self, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        self.log.write(f"{stamp} {text}\n")
        self.log.flush()
        if self.mode == "plain":
            print(f"[{_clock(time.monotonic() - self.t0)}] {text}", file=self.stream, flush=True)

    def begin(self, folder: Path, resumed_from: Path | None) -> None:
        """Announce the batch folder (and the folder resumed from)."""
        self._line(f"batch `{self.plan.name}`: {len(self.plan.runs)} runs -> {folder}")
        if resumed_from is not None:
            self._line(f"resuming from {resumed_from}")

    def started(self, run_id: str) -> None:
        """A run was handed to the executor."""
        self.status[run_id] = "running"
        self.started_at[run_id] = time.monotonic()
        self._line(f"start   {run_id}")

    def finished(self, run_id: str, entry: dict) -> None:
        """A run finished (or was reused from an earlier batch)."""
        status = entry["status"]
        self.status[run_id] = status
        if status == "failed":
            self.detail[run_id] = entry.get("error") or "failed"
        else:
            duration = entry.get("duration")
            self.detail[run_id] = f"{duration:.1f} s" if duration is not None else ""
        self._line(f"{_MARK.get(status, status):<7} {run_id}: {self.detail[run_id]}")
        self.tick(force=True)

    def counts(self) -> dict[str, int]:
        """Runs per status."""
        out = {"done": 0, "failed": 0, "running": 0, "pending": 0}
        for status in self.status.values():
            key = "done" if status in ("ok", "reused") else status
            out[key] = out.get(key, 0) + 1
        return out

    def headline(self) -> str:
        """``3/9 done, 1 failed, 2 running, 3 pending [00:42]``."""
        c = self.counts()
        return (f"{c['done']}/{len(self.status)} done, {c['failed']} failed, {c['running']} "
                f"running, {c['pending']} pending [{_clock(time.monotonic() - self.t0)}]")

    def tick(self, force: bool = False) -> None:
        """Redraw the live table (at most a few times a second)."""
        if self.mode != "live" or (not force and time.monotonic() - self.last_draw < 0.5):
            return
        self.last_draw = time.monotonic()
        width, height = shutil.get_terminal_size((100, 30))
        lines = [f"hubeval run {self.plan.name}: {self.headline()}"]
        order = sorted(self.status, key=lambda r: ("running", "failed", "pending", "ok",
                                                   "reused", "cancelled").index(self.status[r]))
        for run_id in order[: max(1, height - 3)]:
            status = self.status[run_id]
            detail = self.detail.get(run_id, "")
            if status == "running":
                detail = f"{time.monotonic() - self.started_at[run_id]:.0f} s"
            lines.append(f"  {_MARK[status]:<8}{run_id}  {detail}"[: width - 1])
        hidden = len(order) - (len(lines) - 1)
        if hidden > 0:
            lines.append(f"  ... and {hidden} more")
        erase = f"\x1b[{self.drawn}F\x1b[J" if self.drawn else ""
        self.stream.write(erase + "\n".join(lines) + "\n")
        self.stream.flush()
        self.drawn = len(lines)

    def end(self, manifest: dict) -> None:
        """Final line: the counts and the batch status."""
        self.tick(force=True)
        self._line(f"batch {manifest['status']}: {self.headline()}")

    def close(self) -> None:
        """Close the log file."""
        self.log.close()
