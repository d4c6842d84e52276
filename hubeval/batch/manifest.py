"""What makes a run reproducible: content hashes, the environment, and the resume key.

Written into each batch's ``manifest.json`` by :mod:`hubeval.batch.runner`. A run's *key* hashes its
notebook's cell sources (not outputs or metadata, so saving a notebook changes nothing), its
parameters (without the runner-owned folders), the contents of every file its parameter
values name and of every folder a declared path parameter names (:func:`data_hashes`;
output folders never), hubeval's version and a hash of its
source files (an editable install changes code without changing the version), and the keys
of every earlier-stage run.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from hubeval.batch.plan import OUTPUT_PARAM, RESULTS_PARAM, RunSpec
from hubeval.store.provenance import sha256_file

__all__ = ["notebook_hash", "data_hashes", "is_path_parameter", "package_fingerprint", "environment", "run_key",
           "PACKAGES"]

PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn", "pyfixest",
            "papermill", "nbclient", "nbformat", "ipykernel", "jupyter_client", "dask",
            "distributed", "pyyaml")


def notebook_hash(path: str | Path) -> str:
    """Hash of a notebook's cell types and sources: saving outputs or metadata changes nothing."""
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    text = json.dumps([[c.get("cell_type"), "".join(c.get("source", ""))] for c in cells])
    return hashlib.sha256(text.encode()).hexdigest()


def _path_values(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _path_values(item)]
    if isinstance(value, dict):
        return [v for item in value.values() for v in _path_values(item)]
    return []


def is_path_parameter(name: str, declared=None) -> bool:
    """True for a *declared path parameter*: annotated ``Path`` or named ``*_path`` / ``*_file``.

    Only these may name a folder whose files are hashed; output folders (``*_dir``, the
    runner's ``output_dir`` and ``results_dir``) never are.
    """
    if name in (OUTPUT_PARAM, RESULTS_PARAM) or name.endswith("_dir"):
        return False
    annotation = getattr(declared, "annotation", None) or ""
    return name.endswith(("_path", "_file")) or "Path" in annotation.replace("|", " ").split()


def _hash_folder(path: Path) -> str:
    files = sorted(p for p in path.rglob("*") if p.is_file())
    joined = "".join(f"{p.relative_to(path)}:{sha256_file(p)}" for p in files)
    return hashlib.sha256(joined.encode()).hexdigest()


def data_hashes(params: dict, root: Path, declared: dict | None = None) -> dict[str, str]:
    """sha256 of the inputs a run's parameters name, for its resume key and the manifest.

    Hashed: every existing *file* any parameter value names (a data file, a price index, a
    cost ledger), and, for declared path parameters only (:func:`is_path_parameter`), a
    folder file by file. Never hashed: output folders (``output_dir``, ``results_dir``,
    ``reports_dir`` and any ``*_dir``) and folders named by other parameters (``-p
    text=.venv`` hashes nothing).
    """
    declared = declared or {}
    out = {}
    for name, value in params.items():
        if name in (OUTPUT_PARAM, RESULTS_PARAM) or name.endswith("_dir"):
            continue
        folders_too = is_path_parameter(name, declared.get(name))
        for text in _path_values(value):
            if not text or len(text) > 400 or "\n" in text or "\x00" in text:
                continue
            path = root / text
            try:
                if path.is_file():
                    out[text] = sha256_file(path)
                elif folders_too and path.is_dir() and text not in (".", ""):
                    out[text] = _hash_folder(path)
            except OSError:  # unreadable: the run itself reports it
                continue
    return out


def package_fingerprint() -> dict:
    """hubeval's version and a hash of its source files (any code change changes run keys)."""
    from hubeval.core.version import __version__

    package = Path(__file__).resolve().parents[1]  # the hubeval package, all its folders
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + path.read_bytes())
    return {"version": __version__, "source_sha256": digest.hexdigest()}


def _git(root: Path) -> dict:
    def call(*args):
        try:
            out = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                                 text=True, timeout=10)
            return out.stdout.strip() if out.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            return None

    commit = call("rev-parse", "HEAD")
    dirty = call("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(dirty) if dirty is not None else None}


def environment(root: Path) -> dict:
    """Versions of hubeval (and its source hash), git commit, Python and key packages."""
    from importlib import metadata

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"hubeval": package_fingerprint(), "git": _git(root), "python": sys.version.split()[0],
            "platform": sys.platform, "executable": sys.executable, "packages": versions}


def run_key(run: RunSpec, data: dict, fingerprint: dict, upstream: list[str]) -> str:
    """The resume key: notebook sources, parameters, data, package, earlier stages' keys."""
    params = {k: v for k, v in run.effective_params().items() if k not in (OUTPUT_PARAM,
                                                                           RESULTS_PARAM)}
    blob = json.dumps({"notebook": notebook_hash(run.notebook), "params": params, "data": data,
                       "package": fingerprint, "upstream": sorted(upstream)},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()
