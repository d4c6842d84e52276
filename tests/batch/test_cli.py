"""The `hubeval` command line: help, version, run (dry run, errors, exit codes), params, kernel."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hubeval as hb
from hubeval.batch.cli import SUBCOMMANDS, build_parser, main

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "params" / "batches").mkdir(parents=True)
    for name in ("fail", "typed"):
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", tmp_path / "notebooks")
    (tmp_path / "params" / "batches" / "b.yaml").write_text(
        "runs:\n  - notebook: notebooks/fail.ipynb\n    grid: {divisor: [0, 1]}\n")
    return tmp_path


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == hb.__version__
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: hubeval [-h] [--version] COMMAND ...")
    for command in ("run", "params", "kernel"):
        assert f"    {command} " in out
    assert main([]) == 2  # no subcommand: help, usage error status


def test_subcommands_are_pluggable(capsys):
    def add_hello(sub):
        p = sub.add_parser("hello", help="say hello")
        p.set_defaults(handler=lambda args: print("hello") or 0)

    SUBCOMMANDS.append(add_hello)
    try:
        assert "hello" in build_parser().format_help()
        assert main(["hello"]) == 0 and capsys.readouterr().out == "hello\n"
    finally:
        SUBCOMMANDS.remove(add_hello)


def test_dry_run_prints_plan(project, capsys):
    batch = project / "params" / "batches" / "b.yaml"
    assert main(["run", str(batch), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"batch `b` from params/batches/b.yaml: 2 runs in 1 stage (working directory {project})",
        "stage 1:",
        "  fail-0  [notebooks/fail.ipynb]",
        "      divisor = 0",
        "  fail-1  [notebooks/fail.ipynb]",
        "      divisor = 1",
    ]
    assert not (project / "runs").exists()


def test_parameter_error_exit_status_2(project, capsys):
    notebook = project / "notebooks" / "typed.ipynb"
    assert main(["run", str(notebook), "-p", "import_year='2026'", "-p", "n_boot=99",
                 "--dry-run"]) == 2
    assert capsys.readouterr().err == (
        "hubeval run: error: Parameters do not fit `typed.ipynb` (1 problem); no run was "
        "started:\n  run `typed` (notebooks/typed.ipynb):\n"
        "    - `import_year` expects int, got str '2026': write 2026 without quotes.\n"
        "Fix the parameter files (or -p values); each notebook's `parameters` cell declares "
        "what it takes.\n")


def test_bad_param_syntax(project, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "x.ipynb", "-p", "n_boot"])
    assert info.value.code == 2
    assert ("argument -p/--param: expected NAME=VALUE, got 'n_boot' (e.g. -p n_boot=99 or "
            "-p 'outcomes=[a, b]')") in capsys.readouterr().err


def test_run_notebook_with_params_file_exit_status(project, capsys):
    notebook = project / "notebooks" / "fail.ipynb"
    params = project / "one.yaml"
    params.write_text("divisor: 1\n")
    code = main(["run", str(notebook), "-f", str(params), "--progress", "plain"])
    out = capsys.readouterr().out
    assert code == 0, out
    folder = next((project / "runs" / "fail").iterdir())
    assert f"batch folder: {folder}" in out and "  ok      fail: " in out
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["runs"][0]["set_params"] == {"divisor": 1}
    code = main(["run", str(notebook), "-p", "divisor=0", "--progress", "none",
                 "--timeout", "60"])
    out = capsys.readouterr().out
    assert code == 1 and "  failed  fail: cell 3: ZeroDivisionError: division by zero" in out
    assert len(list((project / "runs" / "fail").iterdir())) == 2  # a new folder each time


def test_params_subcommand(capsys):
    assert main(["params", str(NOTEBOOKS / "typed.ipynb")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "import_year: int REQUIRED  # required: first year of the panel"
    assert lines[3] == ("control: Literal['never_treated', 'not_yet_treated'] = "
                        "'never_treated'  # comparison group")


def test_kernel_subcommand(tmp_path, capsys):
    assert main(["kernel", "--prefix", str(tmp_path), "--name", "hb-test"]) == 0
    spec = json.loads((tmp_path / "share" / "jupyter" / "kernels" / "hb-test" /
                       "kernel.json").read_text())
    assert spec["display_name"] == "Python (hubeval)"
    assert "Installed kernel `hb-test`" in capsys.readouterr().out


def test_console_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "hubeval", "--version"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == hb.__version__
