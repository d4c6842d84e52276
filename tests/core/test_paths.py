"""Paths relative to the project root, wherever Python (or a Jupyter kernel) was started."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import hubeval as hb
from hubeval.core.paths import ROOT_ENV, find_project_root

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_root_env(monkeypatch):
    monkeypatch.delenv(ROOT_ENV, raising=False)


def test_the_root_is_found_from_any_folder_below_it(no_root_env, monkeypatch):
    for folder in (ROOT, ROOT / "notebooks", ROOT / "data" / "example", ROOT / "params"):
        monkeypatch.chdir(folder)
        assert hb.project_root() == ROOT
    assert find_project_root(ROOT / "params" / "batches" / "main.yaml") == ROOT


def test_relative_paths_resolve_against_the_root(no_root_env, monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks")
    assert hb.project_path("data/example/firms.csv") == ROOT / "data" / "example" / "firms.csv"
    assert hb.project_path("/abs/file.csv") == Path("/abs/file.csv")
    assert hb.project_path(None) is None


def test_the_environment_variable_names_the_root(monkeypatch, tmp_path):
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    monkeypatch.chdir(ROOT / "notebooks")
    assert hb.project_root() == tmp_path.resolve()
    assert hb.project_path("runs/x") == tmp_path.resolve() / "runs" / "x"
    monkeypatch.setenv(ROOT_ENV, str(tmp_path / "gone"))
    with pytest.raises(hb.ParameterError, match=re.escape(
            f"`HUBEVAL_PROJECT_ROOT` is set to `{tmp_path / 'gone'}`, which is not a folder. Point it "
            "to the project folder (the one holding params/ and data/) or unset it.")):
        hb.project_root()


def test_no_root_is_a_clear_error(no_root_env, monkeypatch, tmp_path):
    outside = tmp_path / "somewhere"
    outside.mkdir()
    if find_project_root(outside) is not None:
        pytest.skip(f"a folder above {outside} holds a project marker")
    monkeypatch.chdir(outside)
    message = (f"No hubeval project root found at or above `{outside.resolve()}`: no folder holds "
               "pyproject.toml, .git or params/. Relative paths (e.g. data/example/firms.csv) are "
               "relative to the project root: start Python or JupyterLab inside the project folder, "
               "set `HUBEVAL_PROJECT_ROOT` to it, or pass absolute paths.")
    with pytest.raises(hb.ParameterError, match=re.escape(message)):
        hb.project_root()
    with pytest.raises(hb.ParameterError, match=re.escape(message)):
        hb.load_panel("data/example/firms.csv")
    assert hb.project_path(outside / "x.csv") == outside / "x.csv"  # absolute paths need no root


def test_notebook_defaults_load_from_the_notebooks_folder(no_root_env, monkeypatch, tmp_path):
    """What a kernel started by JupyterLab in notebooks/ does with the notebooks' default paths."""
    monkeypatch.chdir(ROOT / "notebooks")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = hb.load_panel("data/example/firms.csv", price_index="data/example/price_index.csv",
                              base_year=2015)
        cities = hb.load_cities("data/example/cities.csv")
    assert panel.n_units == 600 and "Gwangyang" in set(cities["city"])
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    written = hb.record("demo", {"estimate": 1.0}, out_dir="runs/interactive/demo")
    assert written == tmp_path.resolve() / "runs" / "interactive" / "demo" / "records" / "demo.csv"


def test_a_missing_relative_file_says_where_it_was_looked_for(no_root_env, monkeypatch):
    monkeypatch.chdir(ROOT / "notebooks")
    with pytest.raises(hb.PanelError, match=re.escape(
            f"`data_path` file `data/private/firms.csv` does not exist (looked for "
            f"`{ROOT / 'data' / 'private' / 'firms.csv'}`: relative paths are relative to the "
            "project root, wherever Python or the notebook runs). Check the path.")):
        hb.load_panel("data/private/firms.csv")
    with pytest.raises(hb.PanelError, match=re.escape(
            "Price index file `data/none.csv` does not exist (looked for "
            f"`{ROOT / 'data' / 'none.csv'}`: relative paths are relative to the project root, "
            "wherever Python or the notebook runs). Point `price_index` to a CSV")):
        hb.load_panel("data/example/firms.csv", price_index="data/none.csv")
