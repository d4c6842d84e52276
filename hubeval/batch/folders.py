"""Batch folders: a new one per batch, the latest finished one, the one a resume copies from.

Every batch writes a new folder ``runs/<batch>/<timestamp>-<id>/`` (created with
``exist_ok=False``, so never an earlier one). Folders are ordered by the creation time their
``manifest.json`` records.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from pathlib import Path

from hubeval.batch.files import safe_name
from hubeval.core.errors import ParameterError

__all__ = ["check_runs_dir", "new_folder", "batch_folders", "latest_batch", "resume_folder", "write_json"]


def check_runs_dir(runs_dir: Path) -> Path:
    """``runs_dir`` if it is a folder or can become one; a ParameterError otherwise."""
    runs_dir = Path(runs_dir)
    blocker = next((p for p in (runs_dir, *runs_dir.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        what = "is a file" if blocker == runs_dir else f"is inside `{blocker}`, which is a file"
        raise ParameterError(f"`runs_dir` `{runs_dir}` {what}, not a folder; give a folder for "
                             "the batch folders (default: <project>/runs).")
    return runs_dir


def new_folder(runs_dir: Path, name: str) -> Path:
    """A new, empty folder ``runs_dir/name/<timestamp>-<id>/``.

    ``name`` must be a single folder name (see :func:`hubeval.batch.files.safe_name`): the
    folder is never outside ``runs_dir``.
    """
    runs_dir = check_runs_dir(runs_dir)
    parent = runs_dir / name
    if name != safe_name(name) or parent.resolve().parent != runs_dir.resolve():
        raise ParameterError(f"batch name {name!r} is not a single folder name; "
                             f"use {safe_name(name)!r}.")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"Cannot create the batch folder `{parent}` ({exc.strerror or exc}); "
                             "check `runs_dir` and its permissions.") from None
    while True:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = parent / f"{stamp}-{uuid.uuid4().hex[:6]}"
        try:
            folder.mkdir()  # exist_ok=False: an earlier batch is never overwritten
            return folder
        except FileExistsError:
            continue


def batch_folders(parent: Path) -> list[Path]:
    """Batch folders under ``parent`` (those with a manifest), oldest first."""
    def created(folder: Path) -> tuple:
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return (0, folder.name)
        return (manifest.get("created_ns", 0), folder.name)

    return sorted((p for p in parent.glob("*") if (p / "manifest.json").exists()), key=created)


def latest_batch(name: str, *, runs_dir: str | Path = "runs") -> Path:
    """The newest folder of batch ``name`` that has a results store (``tables.csv``).

    For a notebook run outside a batch, e.g. the policy memo opened in JupyterLab::

        results_dir = results_dir or hb.latest_batch("main")

    Raises
    ------
    ParameterError
        When no such folder exists.
    """
    parent = Path(runs_dir) / name
    folders = [p for p in batch_folders(parent) if (p / "tables.csv").exists()]
    if not folders:
        raise ParameterError(f"No finished batch `{name}` under `{parent}`: run one first "
                             f"(hubeval run params/batches/{name}.yaml) or set `runs_dir`.")
    return folders[-1]


def resume_folder(runs_dir: Path, name: str, resume) -> Path | None:
    """The batch folder to resume from (None: nothing to resume, everything runs)."""
    if resume is True:
        folders = batch_folders(runs_dir / name)
        return folders[-1] if folders else None
    folder = Path(resume)
    if not (folder / "manifest.json").exists():
        raise ParameterError(f"`resume` folder `{folder}` has no manifest.json; give a batch "
                             f"folder under {runs_dir / name}, or resume=True for the latest.")
    return folder


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as JSON atomically (a reader never sees half a file)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
