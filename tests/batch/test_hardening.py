"""Batch input that used to escape runs/, crash with a traceback or be silently resolved."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import hubeval as hb
from hubeval.batch.cli import main
from hubeval.batch.folders import new_folder
from hubeval.batch.manifest import data_hashes, is_path_parameter
from hubeval.batch.params import read_parameters
from hubeval.batch.plan import load_batch
from hubeval.core.errors import HubevalWarning, ParameterError

from .test_params import write_notebook

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    write_notebook(tmp_path / "notebooks" / "est.ipynb",
                   "data_path: str = 'data.csv'  # data\ntext: str = 'x'  # a label\n"
                   "output_dir: str = 'out'  # records\n", "x = 1")
    (tmp_path / "params" / "batches").mkdir(parents=True)
    return tmp_path


def batch(project: Path, text: str) -> Path:
    path = project / "params" / "batches" / "b.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- batch names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, folder", [("../../outside", "outside"), ("/tmp/abs", "tmp_abs"),
                                          ("a/../../b", "a_.._.._b"), ("성과 평가", "성과_평가")])
def test_batch_names_become_single_folder_names(project, name, folder):
    path = batch(project, f"name: {json.dumps(name)}\nruns:\n  - notebook: notebooks/est.ipynb\n")
    with pytest.warns(HubevalWarning) as caught:
        plan = load_batch(path)
    assert plan.name == folder
    assert str(caught[0].message) == (
        f"batch `name` {name!r} is not a plain folder name; its folder is runs/{folder}/ "
        "(letters, digits, '_', '.', '+', '=' and '-' only).")
    runs = project / "runs"
    made = new_folder(runs, plan.name)
    assert made.parent.parent == runs and made.parent.name == folder
    assert sorted(p.name for p in project.iterdir()) == ["notebooks", "params", "pyproject.toml",
                                                        "runs"]


def test_a_name_with_nothing_usable_is_refused(project):
    path = batch(project, "name: '..'\nruns:\n  - notebook: notebooks/est.ipynb\n")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    assert str(info.value) == ("batch `name` '..' gives no usable folder name; use letters, "
                               "digits, '_' or '-', e.g. `name: main`.")
    with pytest.raises(ParameterError) as info:
        new_folder(project / "runs", "../x")
    assert str(info.value) == "batch name '../x' is not a single folder name; use 'x'."


# --- YAML ------------------------------------------------------------------------------------------

def test_duplicate_keys_are_refused_with_key_and_lines(project):
    path = batch(project, "name: b\nruns:\n  - notebook: notebooks/est.ipynb\n"
                          "    params: {text: a}\nname: c\n")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    assert str(info.value) == (f"Batch file `{path}` is not valid YAML: duplicate key `name` "
                               "(line 5; first on line 1): keep one; fix the file.")
    params = project / "params" / "est.yaml"
    params.write_text("text: a\ndata_path: d.csv\ntext: b\n")
    with pytest.raises(ParameterError) as info:
        hb.plan_batch(project / "notebooks" / "est.ipynb")
    assert str(info.value) == (f"Params file `{params}` is not valid YAML: duplicate key `text` "
                               "(line 3; first on line 1): keep one; fix the file.")


def test_nested_duplicate_keys_are_refused(project):
    path = batch(project, "runs:\n  - notebook: notebooks/est.ipynb\n"
                          "    params:\n      text: a\n      text: b\n")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    assert "duplicate key `text` (line 5; first on line 4)" in str(info.value)


# --- entries and folders that are not what they claim ----------------------------------------------

def test_batch_entry_pointing_at_a_non_notebook_file(project):
    (project / "notebooks" / "script.py").write_text("print(1)\n")
    (project / "notebooks" / "folder.ipynb").mkdir()
    path = batch(project, "runs:\n  - notebook: notebooks/script.py\n"
                          "  - notebook: notebooks/folder.ipynb\n")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    text = str(info.value)
    assert (f"    - `{project / 'notebooks' / 'script.py'}` is not a Jupyter notebook (an .ipynb "
            "file holding notebook JSON with `cells`); point `notebook:` to an .ipynb file."
            in text)
    assert (f"    - Notebook `{project / 'notebooks' / 'folder.ipynb'}` is a folder, not a "
            "notebook; give the path of an .ipynb file." in text)


def test_runs_dir_pointing_at_a_file(project, capsys):
    path = batch(project, "runs:\n  - notebook: notebooks/est.ipynb\n")
    blocker = project / "runs.txt"
    blocker.write_text("")
    assert main(["run", str(path), "--runs-dir", str(blocker)]) == 2
    err = capsys.readouterr().err
    assert err == (f"hubeval run: error: `runs_dir` `{blocker}` is a file, not a folder; give a "
                   "folder for the batch folders (default: <project>/runs).\n")
    assert main(["run", str(path), "--runs-dir", str(blocker / "sub")]) == 2
    assert capsys.readouterr().err == (
        f"hubeval run: error: `runs_dir` `{blocker / 'sub'}` is inside `{blocker}`, which is a "
        "file, not a folder; give a folder for the batch folders (default: <project>/runs).\n")


# --- `hubeval check -f` ----------------------------------------------------------------------------

FIRMS = str(ROOT / "data" / "example" / "firms.csv")


@pytest.mark.parametrize("content, message", [
    ("just a string\n", "must be a mapping of `name: value` lines, got str 'just a string'; write "
                        "one parameter per line."),
    ("columns: !!python/object/apply:os.system ['echo hi']\n",
     "is not valid YAML (line 1): could not determine a constructor for the tag "
     "'tag:yaml.org,2002:python/object/apply:os.system'; tags that build Python objects are not "
     "allowed, write plain values; fix the file."),
    ("encoding: utf-8\nencoding: cp949\n",
     "is not valid YAML: duplicate key `encoding` (line 2; first on line 1): keep one; fix the "
     "file."),
])
def test_check_params_file_errors(tmp_path, capsys, content, message):
    params = tmp_path / "p.yaml"
    params.write_text(content)
    assert main(["check", FIRMS, "-f", str(params)]) == 2
    err = capsys.readouterr().err
    assert err == f"hubeval check: error: Params file `{params}` {message}\n"


def test_check_params_file_missing_or_a_folder(tmp_path, capsys):
    assert main(["check", FIRMS, "-f", str(tmp_path / "none.yaml")]) == 2
    assert capsys.readouterr().err == (f"hubeval check: error: Params file "
                                       f"`{tmp_path / 'none.yaml'}` does not exist; check the "
                                       "path.\n")
    assert main(["check", FIRMS, "-f", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"hubeval check: error: Params file `{tmp_path}` is a "
                                       "folder, not a file; give the path of a .yaml file.\n")


def test_check_data_path_that_is_a_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"hubeval check: error: Data file `{tmp_path}` is a folder, not a file. Point "
        "`data_path` to the firm-year table itself (.csv, .xlsx or .parquet) inside it.\n")


# --- what is hashed before a run -------------------------------------------------------------------

def test_only_path_parameters_and_data_files_are_hashed(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    big = tmp_path / "venv"
    (big / "lib").mkdir(parents=True)
    (big / "lib" / "x.py").write_text("x = 1\n")
    params = {"data_path": "data.csv", "text": "venv", "input_path": "venv",
              "reports_dir": "venv", "output_dir": "venv", "results_dir": "venv", "n": 3}
    hashes = data_hashes(params, tmp_path)
    assert sorted(hashes) == ["data.csv", "venv"]  # the folder only through `input_path`
    assert data_hashes({"text": "venv", "label": "data.csv"}, tmp_path).keys() == {"data.csv"}
    assert [is_path_parameter(n) for n in ("data_path", "cost_file", "reports_dir", "output_dir",
                                           "text")] == [True, True, False, False, False]


def test_memo_reports_dir_is_never_hashed_so_resume_can_reuse_the_memo(tmp_path):
    declared = read_parameters(ROOT / "notebooks" / "90_policy_memo.ipynb")
    params = {name: p.default for name, p in declared.items()}
    params["reports_dir"] = "reports"
    (tmp_path / "reports" / "main" / "old").mkdir(parents=True)
    before = data_hashes(params, tmp_path, declared)
    (tmp_path / "reports" / "main" / "old" / "memo_en.html").write_text("<html/>")
    assert data_hashes(params, tmp_path, declared) == before
    assert "reports" not in before


def test_memo_never_replaces_published_files():
    declared = read_parameters(ROOT / "notebooks" / "90_policy_memo.ipynb")
    assert declared["exists"].default == "error"


def test_one_line_errors_carry_no_terminal_colour_codes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hubeval_worker", hb.batch.runner.WORKER)
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    coloured = "\x1b[1;31mFormulaSyntaxError\x1b[0m: unexpected\n  token \x1b[33m'-'\x1b[0m"
    assert worker._one_line(coloured) == "FormulaSyntaxError: unexpected token '-'"


def test_concurrent_batches_get_their_own_folders(tmp_path):
    import threading

    made = []
    threads = [threading.Thread(target=lambda: made.append(new_folder(tmp_path / "runs", "main")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 8 and all(not any(p.iterdir()) for p in made)
