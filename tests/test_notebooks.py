"""The analysis notebooks: thin, committed clean, and each runs under papermill on small settings."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import hubeval as hb

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def code_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_the_design_notebooks_exist():
    names = {p.stem for p in NOTEBOOKS}
    assert {"00_data_check", "10_outcomes", "50_regional", "90_policy_memo"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    for cell in code_cells(path):
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_parameters_with_a_comment_per_line(path):
    first = code_cells(path)[0]
    assert "parameters" in first["metadata"].get("tags", [])
    declared = hb.read_parameters(path)
    assert "output_dir" in declared
    assert all(p.comment for p in declared.values()), [n for n, p in declared.items() if not p.comment]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_hold_no_logic(path):
    """No function or class definitions and no loops: reusable logic lives in the package."""
    for cell in code_cells(path)[1:]:
        tree = ast.parse("".join(cell["source"]))
        banned = [type(n).__name__ for n in ast.walk(tree)
                  if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.Lambda,
                                    ast.ListComp, ast.DictComp))]
        assert not banned, (path.name, banned)


def test_every_notebook_runs_under_papermill(tmp_path):
    reports = tmp_path / "reports"
    result = hb.run_batch(ROOT / "tests" / "batches" / "smoke.yaml", runs_dir=tmp_path / "runs",
                          params={"reports_dir": str(reports)}, jobs=2)
    assert result.ok, result.summary()
    comparison = result.comparison
    assert set(comparison["outcome"]) == {"log_va_per_worker", "cost_ratio", "any_investment",
                                          "log_employment"}
    runs = comparison.groupby("run_id")["outcome"].first().to_dict()
    assert {r: (result.params(r)["family"], o) for r, o in runs.items()} == {
        "10_outcomes-costs": ("costs", "cost_ratio"),
        "10_outcomes-investment": ("investment", "any_investment"),
        "10_outcomes-jobs": ("jobs", "log_employment"),
        "10_outcomes-productivity": ("productivity", "log_va_per_worker")}
    assert result.estimates.equals(hb.load_batch_results(result.folder).estimates)
    assert set(comparison["evidence"]) == {1, 3}
    assert result.statistic("pretrend_p", outcome="log_va_per_worker")["value"].between(0, 1).all()
    figures = list(reports.rglob("*.png"))
    assert any("headline" in f.name for f in figures)


def test_outcome_notebook_runs_every_family_of_the_package():
    """One outcome notebook; its `family` choices are the package's families, each a batch run."""
    family = hb.read_parameters(ROOT / "notebooks" / "10_outcomes.ipynb")["family"]
    assert family.kind[0] == "literal" and set(family.kind[1]) <= set(hb.FAMILIES)
    plan = hb.plan_batch(ROOT / "params" / "batches" / "main.yaml")
    runs = {r.id: r.params.get("family") for r in plan.runs if r.notebook.stem == "10_outcomes"}
    assert runs == {f"10_outcomes-{name}": name for name in family.kind[1]}
