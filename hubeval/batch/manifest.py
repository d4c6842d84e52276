"""What makes a run reproducible: content hashes, the environment, and the resume key.

Written into each batch's ``manifest.json`` by :mod:`hubeval.batch.runner`. A run's *key* hashes its
notebook's cell sources (not outputs or metadata, so saving a notebook changes nothing), its
parameters (without the runner-owned folders), the contents of every file or folder its
parameter values name (relative to the project root), hubeval's version and a hash of its
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

__all__ = ["notebook_hash", "data_hashes", "package_fingerprint", "environment", "run_key",
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


def data_hashes(params: dict, root: Path) -> dict[str, str]:
    """sha256 of every existing file (or folder, file by file) a parameter value names."""
    out = {}
    for name, value in params.items():
        if name in (OUTPUT_PARAM, RESULTS_PARAM):
            continue
        for text in _path_values(value):
            if not text or len(text) > 400 or "\n" in text:
                continue
            path = (root / text)
            if path.is_file():
                out[text] = sha256_file(path)
            elif path.is_dir() and text not in (".", ""):
                files = sorted(p for p in path.rglob("*") if p.is_file())
                joined = "".join(f"{p.relative_to(path)}:{sha256_file(p)}" for p in files)
                out[text] = hashlib.sha256(joined.encode()).hexdigest()
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
