"""hb.compare_batches and `hubeval compare`: parameters, data hashes and estimates in SE units,
on batch folders written by hand with the results store's columns."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.batch.cli import main
from hubeval.core.errors import ParameterError

RUN_COLUMNS = ["run_id", "notebook", "stage", "status", "error", "duration", "folder", "params",
               "data"]
ESTIMATE_COLUMNS = ["run_id", "record", "outcome", "estimator", "aggregation", "inference", "term",
                    "label", "cohort", "time", "event_time", "estimate", "std_error", "statistic",
                    "p_value", "conf_low", "conf_high", "band_low", "band_high", "scale",
                    "n_units", "n_treated", "evidence"]
STATISTIC_COLUMNS = ["run_id", "record", "outcome", "estimator", "term", "statistic", "value",
                     "unit", "label"]
PARAMS = {"family": "productivity", "anticipation": 1, "covariates": ["posco_supplier", "metal"],
          "n_boot": 499}
DATA = {"data/example/firms.csv": "a" * 64, "data/example/price_index.csv": "b" * 64}


def _runs(params=PARAMS, data=DATA, ids=("10_outcomes-productivity", "00_data_check")):
    rows = []
    for run_id in ids:
        rows.append({"run_id": run_id, "notebook": f"notebooks/{run_id.split('-')[0]}.ipynb",
                     "stage": 1, "status": "ok", "error": None, "duration": 12.5,
                     "folder": run_id, "params": json.dumps(params, ensure_ascii=False),
                     "data": json.dumps(data)})
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def _estimate(term, estimate, std_error, *, run_id="10_outcomes-productivity", record="comparison",
              estimator="callaway_santanna", aggregation="simple", event_time=None, label=None):
    return {"run_id": run_id, "record": record, "outcome": "log_va_per_worker",
            "estimator": estimator, "aggregation": aggregation, "inference": "influence_function",
            "term": term, "label": label or f"ATT {term}", "cohort": pd.NA, "time": pd.NA,
            "event_time": event_time, "estimate": estimate, "std_error": std_error,
            "statistic": estimate / std_error if std_error else np.nan, "p_value": 0.01,
            "conf_low": estimate - 2 * std_error, "conf_high": estimate + 2 * std_error,
            "band_low": np.nan, "band_high": np.nan, "scale": "log_points", "n_units": 400,
            "n_treated": 60, "evidence": 3}


def _estimates(shift=0.0):
    rows = [_estimate("att", 0.081, 0.02),
            _estimate("post", 0.06, 0.015, estimator="twfe", aggregation="post"),
            _estimate("att", 0.05, np.nan, estimator="before_after", aggregation="none",
                      label="Before-after")]
    rows += [_estimate(f"e={k}", 0.01 * k, 0.01, record="event_study", aggregation="dynamic",
                       event_time=k) for k in (-2, -1, 0, 1, 2)]
    frame = pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)
    for column in ("cohort", "time", "event_time", "n_units", "n_treated", "evidence"):
        frame[column] = frame[column].astype("Int64")
    frame.loc[0, "estimate"] += shift * frame.loc[0, "std_error"]
    return frame


def _statistics(pretrend_p=0.41):
    rows = [["10_outcomes-productivity", "pretrend", "log_va_per_worker", "callaway_santanna",
             "att", "pretrend_p", pretrend_p, "probability", "pre-trend p-value"],
            ["10_outcomes-productivity", "power", "log_va_per_worker", "callaway_santanna",
             "att", "mde", 0.05, "log_points", "MDE"]]
    return pd.DataFrame(rows, columns=STATISTIC_COLUMNS)


def _batch(folder, *, runs=None, estimates=None, statistics=None, fmt="parquet"):
    """A batch folder holding a results store written as the runner writes it (CSV + Parquet and
    the tables.csv index); ``fmt="csv"`` removes the Parquet files, so the CSV path is read."""
    folder.mkdir(parents=True)
    hb.write_store(folder, {"runs": _runs() if runs is None else runs,
                            "estimates": _estimates() if estimates is None else estimates,
                            "statistics": _statistics() if statistics is None else statistics})
    if fmt == "csv":
        for path in folder.glob("*.parquet"):
            path.unlink()
    return folder


@pytest.fixture
def pair(tmp_path):
    def make(**b_tables):
        return _batch(tmp_path / "a"), _batch(tmp_path / "b", **b_tables)
    return make


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_identical_batches_nothing_moved(tmp_path, fmt):
    a, b = _batch(tmp_path / "a", fmt=fmt), _batch(tmp_path / "b", fmt=fmt)
    result = hb.compare_batches(a, b)
    est = result.estimates
    assert len(est) == len(_estimates()) and not est["moved"].any()
    assert (est["status"] == "same").all()
    assert (est["difference"] == 0).all() and (est["difference_se"].dropna() == 0).all()
    # the before-after estimate has no SE: unchanged, difference exactly 0 all the same
    assert est.loc[est["estimator"] == "before_after", "difference_se"].tolist() == [0.0]
    assert result.parameters.empty and result.data.empty and result.moved.empty
    assert result.runs["in_a"].all() and result.runs["in_b"].all()
    assert (result.statistics["difference"] == 0).all()
    assert "parameters changed: 0" in result.summary()
    assert "moved by more than 1 SE: 0" in result.summary()


def test_shift_of_two_standard_errors_is_flagged(pair):
    result = hb.compare_batches(*pair(estimates=_estimates(shift=2.0)))
    moved = result.moved
    assert len(moved) == 1
    row = moved.iloc[0]
    assert (row["estimator"], row["term"], row["status"]) == ("callaway_santanna", "att", "moved")
    assert row["difference_se"] == pytest.approx(2.0, abs=1e-12)
    assert row["difference"] == pytest.approx(2 * 0.02, abs=1e-15)
    assert (result.estimates["status"] == "same").sum() == len(result.estimates) - 1
    # under a higher threshold the same change is "changed", not moved
    loose = hb.compare_batches(*[result.folder_a, result.folder_b], threshold=2.5)
    assert loose.moved.empty and (loose.estimates["status"] == "changed").sum() == 1
    assert "callaway_santanna" in result.summary().split("top moved estimates")[1]
    html = result._repr_html_()
    assert "<h5>Parameters changed</h5><p>none</p>" in html
    assert "<h5>Top moved estimates (of 1)</h5><table" in html and html.count("<table") == 1


def test_standard_error_of_b_when_a_has_none(pair):
    estimates_a, estimates_b = _estimates(), _estimates()
    estimates_a.loc[0, "std_error"] = 0.0
    estimates_b.loc[0, "estimate"] += 0.03
    folder_b = pair(estimates=estimates_b)[1]
    a = _batch(folder_b.parent / "a0", estimates=estimates_a)
    row = hb.compare_batches(a, folder_b).estimates.iloc[0]
    assert row["difference_se"] == pytest.approx(0.03 / 0.02)  # B's SE
    # before-after without SE in either batch: changed, not measured in SE, not moved
    estimates_b.loc[2, "estimate"] += 1.0
    c = _batch(folder_b.parent / "c", estimates=estimates_b)
    result = hb.compare_batches(folder_b, c)
    row = result.estimates.iloc[2]
    assert np.isnan(row["difference_se"]) and row["status"] == "changed" and not row["moved"]
    # the report shows it all the same, in its own section
    section = result.format().split("estimates changed without a standard error")[1].splitlines()
    assert section[0] == " (not measured in SE) (1):"
    assert section[2].split()[2:5] == ["before_after", "att", "Before-after"]


def test_parameter_and_data_changes_listed(pair):
    params = {**PARAMS, "anticipation": 0, "covariates": ["metal"], "new_flag": True}
    data = {"data/example/firms.csv": "c" * 64, "data/example/cities.csv": "d" * 64}
    result = hb.compare_batches(*pair(runs=_runs(params=params, data=data)))
    records = result.parameters.fillna("(missing)").to_dict("records")
    assert records[:3] == [
        {"run_id": "10_outcomes-productivity", "parameter": "anticipation", "value_a": "1",
         "value_b": "0"},
        {"run_id": "10_outcomes-productivity", "parameter": "covariates",
         "value_a": '["posco_supplier", "metal"]', "value_b": '["metal"]'},
        {"run_id": "10_outcomes-productivity", "parameter": "new_flag", "value_a": "(missing)",
         "value_b": "true"}]
    assert len(result.parameters) == 6  # the same three in both runs
    firms = result.data[result.data["run_id"] == "00_data_check"].set_index("path")
    assert firms["change"].to_dict() == {"data/example/firms.csv": "changed",
                                         "data/example/price_index.csv": "removed",
                                         "data/example/cities.csv": "added"}
    assert firms.loc["data/example/firms.csv", "sha256_b"] == "c" * 64
    assert "anticipation: 1 -> 0 in 2 runs" in result.summary()


def test_run_only_in_b(pair):
    extra = _estimates().assign(run_id="10_outcomes-jobs")
    runs = _runs(ids=("10_outcomes-productivity", "00_data_check", "10_outcomes-jobs"))
    result = hb.compare_batches(*pair(runs=runs, estimates=pd.concat([_estimates(), extra])))
    jobs = result.estimates[result.estimates["run_id"] == "10_outcomes-jobs"]
    assert len(jobs) == len(extra) and (jobs["status"] == "only_b").all() and jobs["moved"].all()
    assert result.runs.set_index("run_id").loc["10_outcomes-jobs", ["in_a", "in_b"]].tolist() \
        == [False, True]
    assert result.parameters.empty  # a run in one batch has nothing to compare
    assert len(result.moved) == len(extra)
    assert "(0 only in A, 1 only in B)" in result.summary()


def test_missing_keys_match_and_repeated_keys_pair_in_order(pair):
    estimates = _estimates()
    assert estimates["cohort"].isna().all()  # every row has a missing cohort and time
    twice = pd.concat([estimates, estimates.iloc[[0]].assign(estimate=0.5)], ignore_index=True)
    result = hb.compare_batches(*pair(estimates=twice))
    assert (result.estimates["status"].iloc[:-1] == "same").all()
    assert result.estimates["status"].iloc[-1] == "only_b"
    assert result.estimates["estimate_b"].iloc[-1] == 0.5


def test_lost_estimate_moved_and_statistics_compared(pair):
    estimates = _estimates()
    estimates.loc[1, "estimate"] = np.nan
    result = hb.compare_batches(*pair(estimates=estimates, statistics=_statistics(0.03)))
    assert result.estimates.loc[1, "moved"] and result.estimates.loc[1, "status"] == "moved"
    stats = result.statistics.set_index("statistic")
    assert stats.loc["pretrend_p", "difference"] == pytest.approx(0.03 - 0.41)
    assert stats["status"].to_dict() == {"pretrend_p": "changed", "mde": "same"}
    section = result.format().split("statistics changed (1):")[1].splitlines()
    assert section[2].split() == ["10_outcomes-productivity", "log_va_per_worker", "pretrend",
                                  "pretrend_p", "0.41", "0.03", "-0.38", "probability", "changed"]
    glance = result.glance().set_index("statistic")["value"]
    assert glance["n_moved"] == 1 and glance["n_statistics_changed"] == 1


def test_bad_input_says_what_to_pass(tmp_path):
    good = _batch(tmp_path / "a")
    with pytest.raises(ParameterError, match="is not a folder"):
        hb.compare_batches(tmp_path / "nowhere", good)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParameterError) as info:
        hb.compare_batches(good, tmp_path / "empty")
    assert str(info.value) == (
        f"`b` `{tmp_path / 'empty'}` is not a batch folder with results: it has no estimates or "
        "statistics (no results store, tables.csv, and no records). Pass a batch folder printed "
        "by `hubeval run` (runs/<batch>/<timestamp>-<id>) whose runs finished.")
    with pytest.raises(ParameterError, match="positive number"):
        hb.compare_batches(good, good, threshold=0)


def test_loaded_batch_results_compare_like_their_folders(pair):
    a, b = pair(runs=_runs(params={**PARAMS, "anticipation": 0}), estimates=_estimates(shift=2.0))
    from_folders = hb.compare_batches(a, b)
    loaded = hb.compare_batches(hb.load_batch_results(a), hb.load_batch_results(b))
    pd.testing.assert_frame_equal(loaded.estimates, from_folders.estimates)
    pd.testing.assert_frame_equal(loaded.parameters, from_folders.parameters)
    assert loaded.folder_b == b
    with pytest.raises(ParameterError, match="must be a batch folder or the result of"):
        hb.compare_batches(a, {"estimates": []})


def test_cli_lists_parameters_and_moved_estimates(pair, capsys, tmp_path):
    params = {**PARAMS, "anticipation": 0}
    a, b = pair(runs=_runs(params=params), estimates=_estimates(shift=-3.0))
    out_file = tmp_path / "cmp.csv"
    assert main(["compare", str(a), str(b), "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert "parameters changed: 2 (anticipation: 1 -> 0 in 2 runs)" in out
    moved = out.split("moved estimates")[1].splitlines()
    assert moved[1].split() == ["run_id", "outcome", "estimator", "term", "label", "scale", "a",
                                "b", "change_se", "status"]
    assert moved[2].split() == ["10_outcomes-productivity", "log_va_per_worker",
                                "callaway_santanna", "att", "ATT", "att", "log_points", "0.081",
                                "0.021", "-3", "moved"]
    written = pd.read_csv(out_file, encoding="utf-8-sig")
    assert len(written) == len(_estimates()) and written["moved"].sum() == 1


def test_cli_error_for_a_folder_without_results(tmp_path, capsys):
    good = _batch(tmp_path / "a")
    (tmp_path / "notes").mkdir()
    assert main(["compare", str(good), str(tmp_path / "notes")]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"hubeval compare: error: `b` `{tmp_path / 'notes'}` is not a "
                                   "batch folder with results")
    assert "Traceback" not in captured.err


def test_help_lists_compare_without_importing_pandas():
    import subprocess
    import sys

    code = ("import sys; from hubeval.batch.cli import build_parser; "
            "text = build_parser().format_help(); "
            "print('    compare ' in text, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
