"""Provenance of a batch for reports: what ran, on which data, with which settings and software.

:func:`read_provenance` turns a batch folder's ``manifest.json`` (written by the batch runner:
run parameters, notebook and data file hashes, package versions, git commit) into small tables
for the memo's appendix, and hashes any further files a report read itself.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hubeval.core.errors import ParameterError
from hubeval.core.paths import project_path
from hubeval.core.results import to_jsonable

__all__ = ["read_provenance", "sha256_file"]


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relative(path: Any, root: str | None) -> Any:
    """``path`` relative to the project ``root`` when inside it (no user's home in a report)."""
    if not isinstance(path, (str, Path)) or not root or not Path(path).is_absolute():
        return path  # relative paths are already relative to the root (the runs' cwd)
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def _flat(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(to_jsonable(value), ensure_ascii=False)


def _is_path(value: Any, root: str | None) -> bool:
    return isinstance(value, str) and bool(root) and Path(value).is_absolute()


def read_provenance(results_dir: str | Path, *,
                    inputs: Mapping[str, str | Path | None] | None = None) -> dict[str, pd.DataFrame]:
    """Provenance of a batch for the memo's appendix, read from its ``manifest.json``.

    Parameters
    ----------
    results_dir : path
        The batch folder.
    inputs : mapping of name to path, optional
        Files the memo itself read (cost ledger, price index, firm data); hashed here.

    Returns
    -------
    dict of str to DataFrame
        ``batch`` (item, value: batch, dates, status, git commit, hubeval version, Python),
        with the batch folder and every file path relative to the project root (the
        manifest's ``root``) when inside it, so a report never shows a user's home folder;
        ``data`` (file, sha256, used_by), ``runs`` (run, notebook, status, seconds,
        notebook_sha256), ``parameters`` (run, parameter, value), ``versions`` (package,
        version). Tables are empty when the batch has no manifest.
    """
    folder = Path(results_dir)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    env = manifest.get("environment", {})
    git = env.get("git", {})
    root = manifest.get("root")
    batch = [("batch", manifest.get("batch")), ("folder", _relative(manifest.get("folder"), root)),
             ("created", manifest.get("created")), ("finished", manifest.get("finished")),
             # a report written inside the batch (the memo) sees it still running
             ("status when read", manifest.get("status")),
             ("git commit", f"{git.get('commit')}{' (uncommitted changes)' if git.get('dirty') else ''}"
              if git else None),
             ("hubeval", (env.get("hubeval") or {}).get("version")),
             ("hubeval source sha256", (env.get("hubeval") or {}).get("source_sha256")),
             ("python", env.get("python")), ("platform", env.get("platform"))]
    data: dict[str, dict] = {}
    runs, params = [], []
    for run in manifest.get("runs", []):
        for file, digest in (run.get("data") or {}).items():
            data.setdefault(_relative(file, root), {"sha256": digest, "used_by": []})["used_by"].append(run["id"])
        runs.append((run.get("id"), run.get("notebook"), run.get("status"), run.get("duration"),
                     (run.get("notebook_sha256") or "")[:16]))
        params += [(run.get("id"), k, _flat(_relative(v, root) if _is_path(v, root) else v))
                   for k, v in (run.get("params") or {}).items()
                   if k not in ("output_dir", "results_dir")]
    for name, file in (inputs or {}).items():
        if file is None or isinstance(file, (pd.DataFrame, Mapping)):
            continue
        try:
            found = project_path(file)
        except ParameterError:  # no project root: a file of the current folder, if any
            found = Path(file)
        if found.is_file():
            entry = data.setdefault(_relative(str(file), root), {"sha256": sha256_file(found), "used_by": []})
            entry["used_by"].append(f"memo ({name})")
    return {
        "batch": pd.DataFrame([(k, v) for k, v in batch if v is not None], columns=["item", "value"]),
        "data": pd.DataFrame([(f, d["sha256"], ", ".join(d["used_by"])) for f, d in data.items()],
                             columns=["file", "sha256", "used_by"]),
        "runs": pd.DataFrame(runs, columns=["run", "notebook", "status", "seconds", "notebook_sha256"]),
        "parameters": pd.DataFrame(params, columns=["run", "parameter", "value"]),
        "versions": pd.DataFrame(sorted((env.get("packages") or {}).items()),
                                 columns=["package", "version"]),
    }
