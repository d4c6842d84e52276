"""`hubeval lab` (make lab): kernel name, the command that starts JupyterLab, the output filter."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import nbformat
import pytest

from hubeval.batch import cli, lab

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_ask_for_the_kernel_hubeval_kernel_registers(path):
    spec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
    kernel = cli.build_parser().parse_args(["kernel"])
    assert spec == {"display_name": kernel.display_name, "language": "python", "name": kernel.name}
    assert kernel.name == lab.KERNEL_NAME == "hubeval"


def test_lab_command_serves_the_project_root_on_localhost_with_a_token(tmp_path):
    command = lab.lab_command(tmp_path, port=8123, token="abc", open_browser=False, python="py")
    expected = ["py", "-m", "jupyterlab", f"--ServerApp.root_dir={tmp_path.resolve()}",
                "--ServerApp.ip=127.0.0.1", "--ServerApp.port=8123", "--ServerApp.port_retries=0",
                "--IdentityProvider.token=abc", "--ServerApp.open_browser=False"]
    if os.geteuid() == 0:
        expected.append("--ServerApp.allow_root=True")
    assert command == expected
    assert lab.lab_url(8123, "abc", "notebooks/x.ipynb") == \
        "http://127.0.0.1:8123/lab/tree/notebooks/x.ipynb?token=abc"
    assert len(lab.new_token()) == 48 and lab.new_token() != lab.new_token()
    port = lab.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # free: it can be bound


def test_hubeval_lab_registers_the_kernel_sets_up_the_filter_and_starts_lab(monkeypatch, capsys):
    calls = {}
    monkeypatch.setattr(cli, "cmd_kernel", lambda args: calls.setdefault("kernel", args) and 0)
    monkeypatch.setattr(lab, "install_output_filter", lambda root: f"filter set up in {root}")
    monkeypatch.setattr(subprocess, "call", lambda command: calls.setdefault("lab", command) and 0)
    monkeypatch.chdir(ROOT / "notebooks")  # started anywhere in the project: Lab opens at the root
    monkeypatch.delenv("HUBEVAL_PROJECT_ROOT", raising=False)
    assert cli.main(["lab", "--no-browser", "--port", "8765"]) == 0
    assert calls["kernel"].name == "hubeval" and calls["kernel"].sys_prefix
    assert calls["lab"][3:6] == [f"--ServerApp.root_dir={ROOT}", "--ServerApp.ip=127.0.0.1",
                                 "--ServerApp.port=8765"]
    assert "--ServerApp.open_browser=False" in calls["lab"]
    out = capsys.readouterr().out
    assert f"filter set up in {ROOT}" in out
    assert "JupyterLab at http://127.0.0.1:8765/lab?token=" in out and f"(project root {ROOT})" in out


@pytest.fixture
def repo(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    for args in (["init", "-q"], ["config", "user.email", "t@example.org"], ["config", "user.name", "t"]):
        subprocess.run(["git", "-C", str(root), *args], check=True)
    return root


def git(root, *args):
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def test_output_filter_strips_outputs_from_what_is_staged_only(repo):
    message = lab.install_output_filter(repo)
    assert message.startswith("Notebook outputs are stripped when staged (git filter nbstripout")
    assert git(repo, "config", "filter.nbstripout.smudge").strip() == "cat"
    assert git(repo, "config", "filter.nbstripout.clean").strip().endswith("-m nbstripout --keep-id")
    assert (repo / ".gitattributes").read_text() == "*.ipynb filter=nbstripout diff=ipynb\n"
    lab.install_output_filter(repo)  # twice: the attribute line is not repeated
    assert (repo / ".gitattributes").read_text() == "*.ipynb filter=nbstripout diff=ipynb\n"
    clean = ROOT / "notebooks" / "50_regional.ipynb"
    shutil.copy(clean, repo / "clean.ipynb")
    executed = nbformat.read(clean, as_version=4)
    executed.cells[2].outputs = [nbformat.v4.new_output("stream", text="ran\n")]
    executed.cells[2].execution_count = 1
    nbformat.write(executed, repo / "executed.ipynb")
    git(repo, "add", "clean.ipynb", "executed.ipynb")
    assert git(repo, "show", ":clean.ipynb") == clean.read_text(encoding="utf-8")  # ids kept
    staged = nbformat.reads(git(repo, "show", ":executed.ipynb"), as_version=4)
    assert staged.cells[2].outputs == [] and staged.cells[2].execution_count is None
    kept = nbformat.read(repo / "executed.ipynb", as_version=4)  # the working copy keeps them
    assert kept.cells[2].outputs[0]["text"] == "ran\n"


def test_output_filter_leaves_a_folder_outside_git_alone(tmp_path):
    assert lab.install_output_filter(tmp_path) == (
        f"{tmp_path.resolve()} is not a git repository: no output filter set up.")
    assert not (tmp_path / ".gitattributes").exists()
