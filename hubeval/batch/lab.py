"""JupyterLab for interactive work: the hubeval kernel, the project root, notebooks kept clean.

``hubeval lab`` (what ``make lab`` runs) does three things and then starts JupyterLab:

1. registers this interpreter as the Jupyter kernel ``hubeval`` (the kernel every notebook's
   metadata asks for, so JupyterLab preselects it);
2. sets up the git filter that strips outputs from notebooks when they are staged
   (:func:`install_output_filter`; nbstripout, cell ids kept, so a clean notebook stays
   byte-identical); the working copy keeps its outputs, only what is committed is clean;
3. starts JupyterLab at the project root (:func:`lab_command`), so ``data/``, ``runs/``,
   ``reports/`` and ``params/`` are all in its file browser, listening on 127.0.0.1 only, on a
   free port, with a random token.

Kernels start in the notebook's folder (``notebooks/``); the notebooks' relative paths still work
because the package resolves them against the project root (:func:`hubeval.project_root`).
"""
from __future__ import annotations

import os
import secrets
import shlex
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["lab_command", "free_port", "new_token", "install_output_filter", "lab_url",
           "KERNEL_NAME", "KERNEL_DISPLAY_NAME"]

#: The kernel the notebooks' metadata names (``hubeval kernel`` registers it).
KERNEL_NAME = "hubeval"
KERNEL_DISPLAY_NAME = "Python (hubeval)"
_ATTRIBUTES = "*.ipynb filter=nbstripout diff=ipynb"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that is free now (the operating system's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def new_token() -> str:
    """A random token for the JupyterLab server (48 hex characters)."""
    return secrets.token_hex(24)


def lab_command(root: str | Path, *, port: int, token: str, open_browser: bool = True,
                python: str | None = None) -> list[str]:
    """The command that starts JupyterLab at the project root, on 127.0.0.1 only.

    Parameters
    ----------
    root : path
        The project root: JupyterLab's file browser starts there.
    port : int
        Port to listen on (:func:`free_port`).
    token : str
        The server's access token (:func:`new_token`); the URL printed carries it.
    open_browser : bool, default True
        Open the user's browser (False for tests and remote shells).
    python : str, optional
        Interpreter whose JupyterLab runs (default: this one).

    Returns
    -------
    list of str
        The arguments; ``--ServerApp.allow_root=True`` is added when running as root (as in
        containers), since JupyterLab refuses to start as root otherwise.
    """
    command = [python or sys.executable, "-m", "jupyterlab",
               f"--ServerApp.root_dir={Path(root).resolve()}", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={int(port)}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}",
               f"--ServerApp.open_browser={'True' if open_browser else 'False'}"]
    if getattr(os, "geteuid", lambda: 1)() == 0:  # containers run as root; Lab refuses it otherwise
        command.append("--ServerApp.allow_root=True")
    return command


def lab_url(port: int, token: str, path: str = "") -> str:
    """The address of a notebook (or of the Lab when ``path`` is empty) with the token."""
    where = f"lab/tree/{path}" if path else "lab"
    return f"http://127.0.0.1:{int(port)}/{where}?token={token}"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=False)


def install_output_filter(root: str | Path, *, python: str | None = None) -> str:
    """Set up the git filter that strips notebook outputs on ``git add`` (nbstripout).

    Writes ``filter.nbstripout.clean``/``smudge`` and ``diff.ipynb.textconv`` to the
    repository's git config (``.gitattributes``, committed, names the filter for ``*.ipynb``)
    and adds that line to ``.gitattributes`` if it is missing. The filter is not marked
    required: without it (e.g. after deleting ``.venv``) git still works, and
    ``tests/test_notebooks.py`` still refuses committed outputs.

    Returns
    -------
    str
        What was done, for the command to print; a folder outside git is left alone.
    """
    root = Path(root).resolve()
    if _git(root, "rev-parse", "--git-dir").returncode != 0:
        return f"{root} is not a git repository: no output filter set up."
    command = f"{shlex.quote(python or sys.executable)} -m nbstripout --keep-id"
    settings = {"filter.nbstripout.clean": command, "filter.nbstripout.smudge": "cat",
                "diff.ipynb.textconv": f"{command} -t"}
    for key, value in settings.items():
        _git(root, "config", key, value)
    attributes = root / ".gitattributes"
    lines = attributes.read_text(encoding="utf-8").splitlines() if attributes.exists() else []
    if _ATTRIBUTES not in lines:
        attributes.write_text("\n".join([*lines, _ATTRIBUTES]) + "\n", encoding="utf-8")
    return f"Notebook outputs are stripped when staged (git filter nbstripout, {command})."
