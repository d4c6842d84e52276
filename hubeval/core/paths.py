"""The project root, and paths relative to it wherever Python was started.

Parameters and notebooks name files relative to the project root (``data/example/firms.csv``,
``runs/...``, ``reports``). A Jupyter kernel starts in the notebook's folder (``notebooks/``) and
a script may start anywhere below the root, so the loaders, the record writer and the memo resolve
such paths with :func:`project_path` instead of the current folder.

The root is, in this order: the folder named by the ``HUBEVAL_PROJECT_ROOT`` environment
variable (the batch runner sets it to the batch's root for every kernel), or the nearest folder
at or above the current folder that holds ``pyproject.toml``, ``.git`` or a ``params/`` folder
(``params/`` itself is never the root). Without one, a relative path is an error that says so.
"""
from __future__ import annotations

import os
from pathlib import Path

from hubeval.core.errors import ParameterError

__all__ = ["project_root", "project_path", "find_project_root", "where_looked", "ROOT_ENV",
           "ROOT_MARKERS"]

#: Environment variable naming the project root explicitly (set by the batch runner).
ROOT_ENV = "HUBEVAL_PROJECT_ROOT"
#: Files or folders whose presence marks a folder as the project root.
ROOT_MARKERS = ("pyproject.toml", ".git", "params")


def find_project_root(start: str | Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the current folder) with a root marker.

    Returns None when no folder up to the file-system root holds one of :data:`ROOT_MARKERS`.
    The ``HUBEVAL_PROJECT_ROOT`` variable is not consulted (see :func:`project_root`).
    """
    here = Path(start if start is not None else Path.cwd()).resolve()
    here = here if here.is_dir() or not here.exists() else here.parent
    for folder in (here, *here.parents):
        if folder.name != "params" and any((folder / m).exists() for m in ROOT_MARKERS):
            return folder
    return None


def project_root(start: str | Path | None = None) -> Path:
    """The project root: where ``data/``, ``params/``, ``runs/`` and ``reports/`` live.

    Parameters
    ----------
    start : str or Path, optional
        Where to start looking (default: the current folder).

    Returns
    -------
    Path
        ``HUBEVAL_PROJECT_ROOT`` when set, else the nearest folder at or above ``start`` holding
        ``pyproject.toml``, ``.git`` or ``params/``.

    Raises
    ------
    ParameterError
        ``HUBEVAL_PROJECT_ROOT`` names a folder that does not exist, or no root is found.

    Examples
    --------
    >>> import hubeval as hb
    >>> (hb.project_root() / "params").is_dir()  # doctest: +SKIP
    True
    """
    named = os.environ.get(ROOT_ENV)
    if named:
        root = Path(named).expanduser().resolve()
        if not root.is_dir():
            raise ParameterError(f"`{ROOT_ENV}` is set to `{named}`, which is not a folder. Point it "
                                 "to the project folder (the one holding params/ and data/) or unset it.")
        return root
    found = find_project_root(start)
    if found is None:
        here = Path(start if start is not None else Path.cwd()).resolve()
        raise ParameterError(
            f"No hubeval project root found at or above `{here}`: no folder holds pyproject.toml, "
            f".git or params/. Relative paths (e.g. data/example/firms.csv) are relative to the "
            f"project root: start Python or JupyterLab inside the project folder, set `{ROOT_ENV}` "
            "to it, or pass absolute paths.")
    return found


def project_path(path: str | Path | None) -> Path | None:
    """``path`` resolved against the project root when relative (absolute paths unchanged).

    ``None`` stays ``None`` and ``~`` is expanded. A relative path needs a project root
    (:func:`project_root`), whatever the current folder is.

    Raises
    ------
    ParameterError
        For a relative path when no project root is found.
    """
    if path is None:
        return None
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_root() / path


def where_looked(given: str | Path) -> str:
    """For an error about a missing file: where a relative path was looked for ("" if absolute)."""
    if Path(given).expanduser().is_absolute():
        return ""
    return (f" (looked for `{project_path(given)}`: relative paths are relative to the project "
            "root, wherever Python or the notebook runs)")
