"""`hubeval init` and `hubeval check PARAMS.yaml` on a file as a Korean institute exports it."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

import hubeval as hb
from hubeval.batch.cli import main
from hubeval.batch.init import init_evaluation
from hubeval.batch.plan import load_batch
from tests.data.korean_export import write_export

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path):
    """A throwaway project: the notebooks, the example data and an empty params/ folder."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copytree(ROOT / "data" / "example", tmp_path / "data" / "example")
    (tmp_path / "params").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "data" / "private").mkdir()
    write_export(tmp_path / "data" / "private" / "firms.csv", "천원", 1000.0)
    return tmp_path


def test_init_detects_the_export_and_writes_both_files(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    status = main(["init", "data/private/firms.csv", "--name", "gwangyang",
                   "--price-index", "data/example/price_index.csv", "--base-year", "2015",
                   "--costs", "data/example/program_costs.csv"])
    out = capsys.readouterr().out
    assert status == 0
    assert "encoding cp949, delimiter comma" in out
    assert "yes/no columns, read as 1/0: 포스코협력사" in out
    assert "money unit 천원" in out
    assert "사업체번호 -> firm_id" in out and "부가가치 -> value_added" in out
    assert "Next:\n  hubeval check params/gwangyang.yaml\n  hubeval run params/batches/gwangyang.yaml" in out
    params = yaml.safe_load((project / "params" / "gwangyang.yaml").read_text(encoding="utf-8"))
    assert params["money_unit"] == "천원" and params["coerce_numeric"] is True
    assert params["encoding"] == "cp949" and params["header_row"] == 0
    assert params["columns"]["종사자수"] == "employment" and params["columns"]["참여연도"] == "cohort"
    plan = load_batch(project / "params" / "batches" / "gwangyang.yaml")
    ids = [run.id for run in plan.runs]
    assert ids == ["00_data_check", "10_outcomes-productivity", "10_outcomes-costs",
                   "10_outcomes-investment", "10_outcomes-jobs", "90_policy_memo-en", "90_policy_memo-ko"]
    memo = plan.runs[-1].params
    assert memo["costs_path"] == "data/example/program_costs.csv" and memo["money_unit"] == "천원"
    assert plan.runs[1].params["covariates"] == ["posco_supplier", "metal"]


def test_check_reads_the_params_file(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    init_evaluation("data/private/firms.csv", name="g1", root=project)
    capsys.readouterr()
    assert main(["check", "params/g1.yaml"]) == 0
    out = capsys.readouterr().out
    assert "Panel(600 units x 13 years 2006-2018, 69 participants in 6 cohorts" in out
    assert re.search(r"money unit +천원 \(KRW 1,000 per unit\)", out)
    assert re.search(r"posco_supplier +Y/N read as 1/0 +6907", out)


def test_check_options_from_the_command_line(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    columns = yaml.safe_dump({"columns": {"사업체번호": "firm_id", "연도": "year", "참여연도": "cohort"}},
                             allow_unicode=True)
    (project / "mapping.yaml").write_text(columns, encoding="utf-8")
    assert main(["check", "data/private/firms.csv", "-f", "mapping.yaml"]) == 2
    assert "To fix, set `coerce_numeric: true` in the params file (`--coerce-numeric`" in capsys.readouterr().err
    assert main(["check", "data/private/firms.csv", "-f", "mapping.yaml", "--coerce-numeric",
                 "--money-unit", "백만원"]) == 0
    assert re.search(r"money unit +백만원 \(KRW 1,000,000 per unit\)", capsys.readouterr().out)


def test_init_never_overwrites(project, monkeypatch):
    monkeypatch.chdir(project)
    init_evaluation("data/private/firms.csv", name="twice", root=project)
    before = (project / "params" / "twice.yaml").read_text(encoding="utf-8")
    with pytest.raises(hb.ParameterError) as info:
        init_evaluation("data/private/firms.csv", name="twice", root=project)
    params, batch = project / "params" / "twice.yaml", project / "params" / "batches" / "twice.yaml"
    assert str(info.value) == (f"`{params}` and `{batch}` exist(s) already; `hubeval init` never "
                               "overwrites a file. Choose another `--name`, or delete or rename the "
                               "file(s) first.")
    assert (project / "params" / "twice.yaml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("name", ["../evil", "a b", "", "1abc", "x" * 65])
def test_init_refuses_unsafe_names(project, name):
    with pytest.raises(hb.ParameterError) as info:
        init_evaluation(project / "data" / "private" / "firms.csv", name=name, root=project)
    assert str(info.value) == ("`--name` must start with a letter and hold only letters, digits, `_` "
                               f"and `-` (at most 64), as it names files under params/; got {name!r}.")
    assert not list((project / "params").glob("**/*.yaml"))


def test_unknown_headers_and_missing_roles_are_listed(project, monkeypatch):
    path = project / "data" / "private" / "odd.csv"
    path.write_text("업체코드,기간,비고,매출액\nA,2010,x,1\nA,2011,y,2\n", encoding="utf-8")
    result = init_evaluation(path, name="odd", root=project)
    decide = "\n".join(result.decide)
    assert "which column is the year: map it to `year` under `columns`" in decide
    assert "which column is the first program year (never-participants 0 or empty): map it to `cohort`" in decide
    assert "kept under their own names (map them under `columns` if they are one of hubeval's inputs): 기간, 비고" in decide
    assert "the money unit: no unit row gives it; set `money_unit`" in decide
    assert "the data do not load yet with these settings" in decide
    assert result.settings["columns"] == {"업체코드": "firm_id", "매출액": "sales"}


def test_init_without_costs_runs_the_memo_without_cost_benefit(project):
    init_evaluation(project / "data" / "private" / "firms.csv", name="nocost", root=project)
    plan = load_batch(project / "params" / "batches" / "nocost.yaml")
    assert plan.runs[-1].params["costs_path"] is None
    assert plan.runs[-1].params["price_index"] is None
