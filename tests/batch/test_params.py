"""Notebook parameters and batch files: parsing, checking, grid expansion, stages (no kernels)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import hubeval as hb
from hubeval.batch.params import check_value, describe_kind, read_parameters
from hubeval.batch.plan import find_root, load_batch, plan_notebook
from hubeval.core.errors import ParameterError

HERE = Path(__file__).resolve().parents[1]
TYPED = HERE / "notebooks" / "typed.ipynb"
FOOTER = ("Fix the parameter files (or -p values); each notebook's `parameters` cell declares "
          "what it takes.")


def write_notebook(path: Path, params: str, *cells: str) -> Path:
    """A minimal nbformat-4 notebook whose first cell is tagged `parameters`."""
    def code(source, tags=()):
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source,
                "outputs": [], "execution_count": None}
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
          "cells": [code(params, ["parameters"])] + [code(c) for c in cells]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def one_problem(notebook: str, problem: str) -> str:
    return ("Parameters do not fit the notebook (1 problem); no run was started:\n"
            f"  notebook `{notebook}`:\n    - {problem}\n{FOOTER}")


def check(values: dict) -> str:
    with pytest.raises(ParameterError) as info:
        hb.validate_params(TYPED, values)
    return str(info.value)


# --- reading the parameters cell -----------------------------------------------------------------

def test_read_parameters_types_defaults_comments_required():
    params = read_parameters(TYPED)
    assert list(params) == ["import_year", "data_path", "outcomes", "control", "alpha", "n_boot",
                            "covariates", "verbose", "weights", "output_dir"]
    assert params["import_year"].required and params["import_year"].type_text == "int"
    assert params["import_year"].comment == "required: first year of the panel"
    assert not params["covariates"].required  # None is allowed by `list[str] | None`
    assert params["covariates"].type_text == "list[str] | None"
    assert params["outcomes"].default == ["log_va_per_worker"]
    assert params["control"].type_text == "one of 'never_treated', 'not_yet_treated'"
    assert params["weights"].annotation is None and params["weights"].type_text == "dict"


@pytest.mark.parametrize("annotation, text", [
    ("Optional[int]", "int | None"), ("typing.List[float]", "list[float]"),
    ("dict[str, int]", "dict[str, int]"), ("tuple[str, ...]", "list[str]"),
    ("'int'", "int"), ("Union[int, str]", "int | str"), ("SomeClass", "any value"),
])
def test_annotations_understood(tmp_path, annotation, text):
    nb = write_notebook(tmp_path / "a.ipynb", f"x: {annotation} = None  # c\n")
    assert read_parameters(nb)["x"].type_text == text


def test_check_value_converts_int_to_float_only():
    assert check_value(("float",), 3) == (3.0, None)
    assert check_value(("list", ("float",)), [1, 2.5]) == ([1.0, 2.5], None)
    assert check_value(("int",), True)[1] == "wrong type"  # bool is not an int parameter
    assert describe_kind(("union", ("str",), ("none",))) == "str | None"


def test_missing_parameters_cell(tmp_path):
    path = tmp_path / "plain.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                "cells": [{"cell_type": "code", "metadata": {}, "source": "x=1",
                                           "outputs": [], "execution_count": None}]}))
    with pytest.raises(ParameterError) as info:
        read_parameters(path)
    assert str(info.value) == (
        f"Notebook `{path}` has no cell tagged `parameters`: tag its first code cell "
        "`parameters` (JupyterLab: property inspector > cell tags) and declare one "
        "`name: type = default  # comment` per line.")


def test_parameters_cell_that_cannot_be_checked(tmp_path):
    nb = write_notebook(tmp_path / "bad.ipynb",
                        "from typing import Literal\nx: int = 1\nprint(x)\n"
                        "y: str = 'a' + 'b'\nz: int = 'one'\n")
    with pytest.raises(ParameterError) as info:
        read_parameters(nb)
    assert str(info.value) == (
        f"The `parameters` cell of `{nb}` cannot be checked:\n"
        "  - line 3: `print(x)` is not a `name: type = default` assignment\n"
        "  - line 4: the default of `y` (`'a' + 'b'`) is not a literal (a number, string, bool, "
        "None, list or dict)\n"
        "  - line 5: the default of `z` ('one') is not a int\n"
        "Write one `name: type = literal  # comment` per line.")


def test_parameters_cell_syntax_error(tmp_path):
    nb = write_notebook(tmp_path / "bad.ipynb", "x: int = \n")
    with pytest.raises(ParameterError) as info:
        read_parameters(nb)
    assert str(info.value) == (f"The `parameters` cell of `{nb}` is not valid Python "
                               "(line 1: invalid syntax); fix the cell.")


# --- each kind of parameter error -----------------------------------------------------------------

def test_valid_values_pass_and_convert():
    out = hb.validate_params(TYPED, {"import_year": 2011, "alpha": 1, "covariates": None,
                                     "control": "not_yet_treated", "outcomes": ["a", "b"]})
    assert out == {"import_year": 2011, "alpha": 1.0, "covariates": None,
                   "control": "not_yet_treated", "outcomes": ["a", "b"]}
    assert isinstance(out["alpha"], float)


def test_quoted_number_for_int():
    assert check({"import_year": "2026"}) == one_problem(
        "typed.ipynb", "`import_year` expects int, got str '2026': write 2026 without quotes.")


def test_str_for_list():
    assert check({"import_year": 2011, "outcomes": "log_sales"}) == one_problem(
        "typed.ipynb",
        "`outcomes` expects list[str], got str 'log_sales': write a list, e.g. [log_sales].")


def test_list_for_str():
    assert check({"import_year": 2011, "data_path": ["a", "b"]}) == one_problem(
        "typed.ipynb",
        "`data_path` expects str, got list ['a', 'b']: give a single value, not a list.")


def test_wrong_list_item():
    assert check({"import_year": 2011, "outcomes": ["a", 3]}) == one_problem(
        "typed.ipynb", "`outcomes` expects list[str], got list ['a', 3] (item 2 is int 3).")


def test_value_outside_literal():
    assert check({"import_year": 2011, "control": "not_yet"}) == one_problem(
        "typed.ipynb", "`control` expects one of 'never_treated', 'not_yet_treated', got str "
        "'not_yet' (did you mean 'not_yet_treated'?).")


def test_quoted_bool_and_float_for_int():
    assert check({"import_year": 2011, "verbose": "true"}) == one_problem(
        "typed.ipynb", "`verbose` expects bool, got str 'true': write true without quotes.")
    assert check({"import_year": 2011, "n_boot": 9.5}) == one_problem(
        "typed.ipynb", "`n_boot` expects int, got float 9.5.")


def test_unknown_and_missing_required_listed_together():
    declared = ("import_year, data_path, outcomes, control, alpha, n_boot, covariates, verbose, "
                "weights, output_dir")
    assert check({"imprt_year": 2011, "nboot": 3}) == (
        "Parameters do not fit the notebook (3 problems); no run was started:\n"
        "  notebook `typed.ipynb`:\n"
        f"    - unknown parameter `imprt_year`: did you mean `import_year`? The notebook "
        f"declares: {declared}.\n"
        f"    - unknown parameter `nboot`: did you mean `n_boot`? The notebook declares: "
        f"{declared}.\n"
        "    - missing required parameter `import_year` (int: first year of the panel): set it "
        "in a params file or with -p import_year=VALUE.\n" + FOOTER)


# --- batch files ---------------------------------------------------------------------------

@pytest.fixture
def project(tmp_path):
    """A project folder: pyproject.toml, two notebooks, params/ with a per-notebook file."""
    (tmp_path / "pyproject.toml").write_text("")
    write_notebook(tmp_path / "notebooks" / "est.ipynb",
                   "outcome: str = 'y'  # outcome\ncontrol: str = 'never'  # group\n"
                   "n_boot: int = 9  # draws\nseed: int = 1  # seed\n"
                   "output_dir: str = 'out'  # records\n", "x = 1")
    write_notebook(tmp_path / "notebooks" / "memo.ipynb",
                   "results_dir: str = None  # required: batch folder\n"
                   "output_dir: str = 'out'  # records\n", "x = 1")
    (tmp_path / "params" / "batches").mkdir(parents=True)
    (tmp_path / "params" / "est.yaml").write_text("seed: 7\n")
    return tmp_path


def write_batch(project: Path, text: str, name: str = "b.yaml") -> Path:
    path = project / "params" / "batches" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_grid_expansion_stages_and_precedence(project):
    path = write_batch(project, """
defaults: {n_boot: 99, seed: 3}
runs:
  - notebook: notebooks/memo.ipynb
    stage: 2
  - notebook: notebooks/est.ipynb
    params: {n_boot: 19}
    grid: {outcome: [sales, jobs], control: [never, not_yet]}
""")
    plan = load_batch(path, params={"seed": 5})
    assert plan.name == "b" and plan.root == project and plan.stages == [1, 2]
    assert [r.id for r in plan.runs] == ["est-sales-never", "est-sales-not_yet",
                                         "est-jobs-never", "est-jobs-not_yet", "memo"]
    first = plan.runs[0]
    # file < batch defaults < run params < grid < -p
    assert first.params == {"seed": 5, "n_boot": 19, "outcome": "sales", "control": "never"}
    assert first.sources == ("params/est.yaml",)
    assert first.effective_params()["output_dir"] == "out"
    assert plan.runs[-1].stage == 2 and plan.runs[-1].params == {}  # results_dir: runner
    text = plan.format()
    assert text.splitlines()[0] == ("batch `b` from params/batches/b.yaml: 5 runs in 2 stages "
                                    f"(working directory {project})")
    assert "      results_dir = \"<this batch's folder>\"" in text


def test_batch_problems_listed_for_every_run(project):
    path = write_batch(project, """
defaults: {n_bot: 5}
extra: 1
runs:
  - notebook: notebooks/est.ipynb
    grid: {outcome: sales}
  - notebook: notebooks/est.ipynb
    id: est2
    params: {n_boot: "99", output_dir: here}
  - notebook: notebooks/memo.ipynb
  - notebook: notebooks/missing.ipynb
""")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    assert str(info.value) == (
        "Batch `b.yaml` does not fit its notebooks (7 problems); no run was started:\n"
        "  batch file `b.yaml`:\n"
        "    - unknown key(s) extra; a batch file takes defaults, description, name, "
        "params_dir, runs, timeout.\n"
        "    - `defaults` name(s) `n_bot` not declared by any notebook of the batch (did you "
        "mean `n_boot`?); the notebooks declare: control, n_boot, outcome, output_dir, "
        "results_dir, seed.\n"
        "  run 1 of `b.yaml`:\n"
        "    - grid values must be non-empty lists; not a list: outcome "
        "(write e.g. `outcome: [a, b]`).\n"
        "  run 4 of `b.yaml`:\n"
        f"    - notebook `notebooks/missing.ipynb` does not exist (paths are relative to "
        f"{project}).\n"
        "  run `est2` (notebooks/est.ipynb):\n"
        "    - `n_boot` expects int, got str '99': write 99 without quotes.\n"
        "    - `output_dir` is set by the batch runner (each run writes to its own folder "
        "under runs/); remove it from the parameters.\n"
        "  run `memo` (notebooks/memo.ipynb):\n"
        "    - missing required parameter `results_dir` (str: batch folder): set it in a "
        "params file or with -p results_dir=VALUE.\n" + FOOTER)


def test_stage_and_timeout_checked(project):
    path = write_batch(project, "timeout: '10'\nruns:\n  - notebook: notebooks/est.ipynb\n"
                                "    stage: two\n")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    assert str(info.value) == (
        "Batch `b.yaml` does not fit its notebooks (2 problems); no run was started:\n"
        "  run 1 of `b.yaml`:\n"
        "    - `timeout` must be a positive number of seconds or null, got '10'.\n"
        "    - `stage` must be a whole number, got 'two'.\n" + FOOTER)


def test_duplicate_ids_are_numbered(project):
    path = write_batch(project, "runs:\n  - notebook: notebooks/est.ipynb\n"
                                "  - notebook: notebooks/est.ipynb\n")
    assert [r.id for r in load_batch(path).runs] == ["est", "est-2"]


def test_batch_file_structure_errors(project):
    path = write_batch(project, "runs: []\n")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    assert str(info.value) == (f"Batch file `{path}` needs a non-empty `runs:` list, each "
                               "entry with `notebook: path`; got [].")
    path = write_batch(project, "runs: [\n")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    assert str(info.value).startswith(f"Batch file `{path}` is not valid YAML (line ")
    path = write_batch(project, "- a\n- b\n")
    with pytest.raises(ParameterError) as info:
        load_batch(path)
    assert str(info.value) == (f"Batch file `{path}` must be a mapping of `name: value` lines, "
                               "got list ['a', 'b']; write one parameter per line.")


def test_timeout_precedence(project):
    path = write_batch(project, "timeout: 100\nruns:\n  - notebook: notebooks/est.ipynb\n"
                                "  - notebook: notebooks/est.ipynb\n    timeout: 5\n")
    assert [r.timeout for r in load_batch(path).runs] == [100, 5]
    assert [r.timeout for r in load_batch(path, timeout=50).runs] == [50, 5]


def test_single_notebook_plan_uses_params_file(project):
    plan = plan_notebook(project / "notebooks" / "est.ipynb", params={"n_boot": 3})
    assert plan.name == "est" and len(plan.runs) == 1
    assert plan.runs[0].params == {"seed": 7, "n_boot": 3}
    other = project / "other.yaml"
    other.write_text("outcome: jobs\n")
    plan = plan_notebook(project / "notebooks" / "est.ipynb", params_file=other)
    assert plan.runs[0].params == {"outcome": "jobs"}
    with pytest.raises(ParameterError) as info:
        plan_notebook(project / "notebooks" / "memo.ipynb")  # required results_dir
    assert "missing required parameter `results_dir`" in str(info.value)


def test_find_root(project):
    assert find_root(project / "params" / "batches" / "b.yaml") == project
    assert find_root(project / "notebooks" / "est.ipynb") == project
