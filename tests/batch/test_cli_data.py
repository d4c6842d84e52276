"""`hubeval example-data` and `hubeval check`."""
from __future__ import annotations

from pathlib import Path

from hubeval.batch.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_example_data_command_writes_identical_files(tmp_path, capsys):
    assert main(["example-data", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 6
    for name in ("firms.csv", "cities.csv", "truth.json"):
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / "example" / name).read_bytes()


def test_check_prints_the_report_for_the_korean_copy(capsys):
    code = main(["check", str(ROOT / "data" / "example" / "firms_cp949.csv"), "-f",
                 str(ROOT / "params" / "templates" / "own_data.yaml")])
    out = capsys.readouterr().out
    assert code == 0
    assert "69 participants in 6 cohorts" in out and "encoding" in out and "cp949" in out


def test_check_reports_bad_input_without_traceback(tmp_path, capsys):
    path = tmp_path / "firms.csv"
    path.write_text("firm_id,year,cohort\nA,2010,2011\nA,2010,2011\nB,2010,\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hubeval check: error: Columns `firm_id` x `year` must identify rows uniquely")
    assert "Traceback" not in err


def test_check_reads_a_path_relative_to_the_current_folder(monkeypatch, capsys):
    """A path typed on the command line is the shell's: relative to the current folder."""
    monkeypatch.chdir(ROOT / "data" / "example")
    assert main(["check", "firms.csv"]) == 0
    assert "69 participants in 6 cohorts" in capsys.readouterr().out
