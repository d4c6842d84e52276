"""The specification curve: sorting and summaries on hand-built store tables, choice detection for
any grid, the reading's numbers, both catalogues, the figure and the errors."""
from __future__ import annotations

import itertools
import json
import re
import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

import hubeval as hb  # noqa: E402
from hubeval.report.catalogue import catalogue  # noqa: E402
from hubeval.report.speccurve import specification_choices  # noqa: E402
from hubeval.report.speccurve_text import (  # noqa: E402
    choice_label,
    format_curve_effect,
    value_label,
)
from tests.report.test_figure_layout import code_names, layout_problems  # noqa: E402

try:  # the store's schema (issue 14); the agreed column lists until it is merged
    from hubeval.store.schema import ESTIMATE_COLUMNS, RUN_TABLE_COLUMNS
except ImportError:
    RUN_TABLE_COLUMNS = ["run_id", "notebook", "stage", "status", "error", "duration", "folder",
                         "params", "data"]
    ESTIMATE_COLUMNS = [
        "run_id", "record", "outcome", "estimator", "aggregation", "inference", "term", "label",
        "cohort", "time", "event_time", "estimate", "std_error", "statistic", "p_value",
        "conf_low", "conf_high", "band_low", "band_high", "scale", "n_units", "n_treated",
        "evidence"]

ROBUSTNESS_GRID = {"control": ["never_treated", "not_yet_treated"], "method": ["dr", "ipw", "reg"],
                   "anticipation": [0, 1], "covariates": [[], ["posco_supplier", "metal"]]}


def headline(run_id, outcome, estimate, p_value, *, se=1.0, scale="percent", n=40):
    """A headline row (and the naive row beside it, which the curve must ignore)."""
    base = {"run_id": run_id, "record": "comparison", "outcome": outcome, "scale": scale,
            "n_units": 10 * n, "n_treated": n, "std_error": se, "p_value": p_value,
            "estimate": estimate, "conf_low": estimate - 1.96 * se,
            "conf_high": estimate + 1.96 * se}
    return [dict(base, estimator="callaway_santanna", aggregation="simple", term="att",
                 label="ATT simple", inference="influence_function"),
            dict(base, estimator="before_after", aggregation="none", term="post",
                 label="before/after", inference="cluster_t", estimate=estimate + 50.0),
            dict(base, estimator="callaway_santanna", aggregation="dynamic", term="e=1",
                 label="ATT event time 1", inference="influence_function", estimate=99.0)]


def store(runs: list[tuple[str, dict]], rows: list[dict]):
    """A BatchResult-like object with the store's `runs` and `estimates` tables."""
    table = pd.DataFrame([{"run_id": r, "notebook": "10_outcomes", "stage": 1, "status": "ok",
                           "params": json.dumps(p)} for r, p in runs])
    return types.SimpleNamespace(runs=table.reindex(columns=RUN_TABLE_COLUMNS),
                                 estimates=pd.DataFrame(rows).reindex(columns=ESTIMATE_COLUMNS),
                                 folder=None)


def grid_batch(grid: dict, effects, outcome="log_va_per_worker", prefix="r", scale="percent"):
    runs, rows = [], []
    for i, combo in enumerate(itertools.product(*grid.values())):
        run_id = f"{prefix}{i}"
        runs.append((run_id, {"family": "productivity", "n_boot": 0, **dict(zip(grid, combo))}))
        estimate, p_value = effects(i, dict(zip(grid, combo)))
        rows += headline(run_id, outcome, estimate, p_value, scale=scale)
    return runs, rows


@pytest.fixture
def small():
    """control x anticipation with known estimates and p-values."""
    values = {0: (4.0, 0.001), 1: (-1.0, 0.6), 2: (2.0, 0.2), 3: (6.0, 0.0001)}
    runs, rows = grid_batch({"control": ["never_treated", "not_yet_treated"],
                             "anticipation": [0, 1]}, lambda i, _: values[i])
    return store(runs, rows)


def test_curve_is_sorted_and_its_summaries_are_exact(small):
    curve = hb.specification_curve(small)
    table = curve.estimates
    assert table["run_id"].tolist() == ["r1", "r2", "r0", "r3"]  # by estimate
    assert table["rank"].tolist() == [1, 2, 3, 4]
    assert table["estimate"].tolist() == [-1.0, 2.0, 4.0, 6.0]
    assert table["control"].tolist() == ["never_treated", "not_yet_treated", "never_treated",
                                         "not_yet_treated"]
    assert table["anticipation"].tolist() == ["1", "0", "0", "1"]
    assert table["significant"].tolist() == [False, False, True, True]
    assert curve.choices == {"log_va_per_worker": ("control", "anticipation")}
    assert curve.levels == {"control": ("never_treated", "not_yet_treated"),
                            "anticipation": ("0", "1")}
    row = curve.overview.iloc[0]
    assert (row.n_specifications, row["median"], row.low, row.high) == (4, 3.0, -1.0, 6.0)
    assert (row.n_positive, row.n_significant_positive, row.n_significant_negative) == (3, 2, 0)
    assert row.n_negative == 1 and row.share_negative == 0.25
    assert (row.share_positive, row.share_significant_positive) == (0.75, 0.5)
    # medians by value: control never 1.5, not yet 4.0 (spread 2.5); anticipation 0: 3.0, 1: 2.5
    by = curve.by_choice.set_index(["choice", "value"])["median"]
    assert by.to_dict() == {("control", "never_treated"): 1.5, ("control", "not_yet_treated"): 4.0,
                            ("anticipation", "0"): 3.0, ("anticipation", "1"): 2.5}
    assert (row.decisive_choice, row.decisive_spread) == ("control", 2.5)
    assert (row.decisive_low_value, row.decisive_high_value) == ("never_treated", "not_yet_treated")
    assert row.sign_choice is None  # the one negative estimate is not one value's alone
    glance = curve.glance().set_index("statistic")["value"]
    assert glance["median_estimate"] == 3.0 and glance["n_specifications"] == 4
    json.dumps(curve.to_dict())


def test_row_order_of_the_store_does_not_matter(small):
    shuffled = types.SimpleNamespace(runs=small.runs.iloc[::-1], folder=None,
                                     estimates=small.estimates.sample(frac=1, random_state=3))
    a, b = hb.specification_curve(small), hb.specification_curve(shuffled)
    columns = ["run_id", "estimate", "rank", "control", "anticipation"]
    assert a.estimates[columns].equals(b.estimates[columns])
    assert a.overview.equals(b.overview)


def test_choices_are_the_parameters_that_vary_whatever_the_grid():
    params = [{"family": "costs", "alpha": 0.05, "drop_years": [], "seed": 1},
              {"family": "costs", "alpha": 0.1, "drop_years": [2020], "seed": 1, "years": None},
              {"family": "costs", "alpha": 0.1, "drop_years": [], "seed": 1,
               "years": [2008, 2018], "output_dir": "runs/x"}]
    assert specification_choices(params) == ["alpha", "drop_years", "years"]
    runs = [(f"x{i}", p) for i, p in enumerate(params)]
    rows = [r for i, e in enumerate([1.0, 3.0, 2.0]) for r in headline(f"x{i}", "cost_ratio", e, 0.5)]
    curve = hb.specification_curve(store(runs, rows))
    table = curve.estimates.set_index("run_id")
    assert table.loc[["x0", "x1", "x2"], "drop_years"].tolist() == ["none", "2020", "none"]
    assert table.loc[["x0", "x1", "x2"], "years"].tolist() == ["default", "default", "2008+2018"]
    assert table.loc[["x0", "x1", "x2"], "alpha"].tolist() == ["0.05", "0.1", "0.1"]


def test_choices_follow_the_batch_files_order_from_the_manifest(small):
    runs = small.runs.assign(params=[json.dumps(json.loads(p), sort_keys=True)
                                     for p in small.runs["params"]])
    by_name = hb.specification_curve(types.SimpleNamespace(runs=runs, estimates=small.estimates))
    assert by_name.choices["log_va_per_worker"] == ("anticipation", "control")
    manifest = {"runs": [{"id": "r0", "set_params": {"n_boot": 0, "control": "never_treated",
                                                      "anticipation": 0}}]}
    ordered = hb.specification_curve(types.SimpleNamespace(runs=runs, estimates=small.estimates,
                                                           manifest=manifest))
    assert ordered.choices["log_va_per_worker"] == ("control", "anticipation")


def test_one_curve_per_outcome_each_with_its_own_choices():
    runs, rows = grid_batch(ROBUSTNESS_GRID, lambda i, _: (i - 5.0, 0.01))
    cost_grid = {k: ROBUSTNESS_GRID[k] for k in ("control", "anticipation", "covariates")}
    more_runs, more_rows = grid_batch(cost_grid, lambda i, _: (-float(i), 0.5),
                                      outcome="cost_ratio", prefix="c")
    batch = store(runs + more_runs, rows + more_rows)
    curve = hb.specification_curve(batch)
    assert curve.outcomes == ["log_va_per_worker", "cost_ratio"]
    assert curve.choices["cost_ratio"] == ("control", "anticipation", "covariates")
    assert curve.choices["log_va_per_worker"] == ("control", "method", "anticipation", "covariates")
    assert curve.overview["n_specifications"].tolist() == [24, 8]
    assert curve.levels["covariates"] == ("none", "posco_supplier+metal")
    only = hb.specification_curve(batch, outcome="cost_ratio")
    assert only.outcomes == ["cost_ratio"] and len(only.estimates) == 8


def test_a_choice_that_alone_fixes_the_sign_is_named():
    runs, rows = grid_batch({"control": ["never_treated", "not_yet_treated"], "method": ["dr", "ipw"]},
                            lambda i, p: (3.0 + i if p["method"] == "dr" else -1.0 - i, 0.01))
    curve = hb.specification_curve(store(runs, rows))
    assert curve.overview.iloc[0].sign_choice == "method"
    assert "The sign depends on one choice, the estimator." in curve.reading("en")


def numbers(text: str) -> list[str]:
    return re.findall(r"[+-]?\d+(?:\.\d+)?%?", text)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_reading_states_the_tables_numbers(small, lang):
    curve = hb.specification_curve(small)
    row = curve.overview.iloc[0]
    reading = curve.reading(lang)
    fmt = lambda v: format_curve_effect(v, "percent", lang)  # noqa: E731
    for value in (row.low, row.high, row["median"], row.decisive_low_median,
                  row.decisive_high_median):
        assert fmt(value) in reading
    assert {"4", "3", "2", "0", "5%"} <= set(numbers(reading))
    assert value_label("control", "not_yet_treated", lang) in reading
    assert choice_label("control", lang, in_sentence=True) in reading
    if lang == "en":
        assert reading.startswith("**Log value added per worker.** Across 4 specifications "
                                  "(comparison group × anticipation period) the effect ranges "
                                  "from -1.0% to +6.0%, with a median of +3.0%. 3 of the 4 estimates are "
                                  "positive (2 significantly at the 5% level) and 1 negative (0 "
                                  "significantly).")
    else:
        assert "4개 모형 설정(비교집단 × 예상 효과 기간)에서 효과는 -1.0%에서 +6.0% 사이" in reading
        assert "(는)" not in reading and "이(가)" not in reading


def test_both_catalogues_have_every_specification_curve_text():
    en = {k for k in catalogue("en") if k.startswith("speccurve.")}
    ko = {k for k in catalogue("ko") if k.startswith("speccurve.")}
    assert en == ko and len(en) >= 25
    memo = {"memo.h_specification", "memo.specification_note", "memo.cap_specification"}
    assert memo <= set(catalogue("en")) and memo <= set(catalogue("ko"))
    for choice, values in ROBUSTNESS_GRID.items():  # the example grid is labelled, in Korean too
        assert re.search("[가-힣]", choice_label(choice, "ko"))
        for value in values:
            text = hb.report.speccurve.choice_text(value)
            assert re.search("[가-힣]", value_label(choice, text, "ko")), (choice, value)
            assert "_" not in value_label(choice, text, "en")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_figure_draws_every_specification_and_matrix_row(lang):
    runs, rows = grid_batch(ROBUSTNESS_GRID, lambda i, _: (0.5 * i - 3.0, 0.01 if i % 3 else 0.4))
    curve = hb.specification_curve(store(runs, rows))
    with hb.figure_theme(lang=lang):
        top, bottom = hb.plot_specification_curve(curve, lang=lang)
        try:
            points = sum(len(line.get_xdata()) for line in top.get_lines() if line.get_marker() == "o")
            assert points == 24
            assert len(bottom.get_yticks()) == 2 + 3 + 2 + 2
            markers = sum(len(c.get_offsets()) for c in bottom.collections
                          if isinstance(c, PathCollection))
            assert markers == 24 * 4  # each specification uses one value of each choice
            assert layout_problems(top.figure) == [] and code_names(top.figure) == []
            if lang == "ko":
                assert re.search("[가-힣]", top.get_title(loc="left") + bottom.get_xlabel())
            assert hb.report.figures.drawn_results(top.figure) == (curve,)
        finally:
            plt.close(top.figure)


def test_suppressed_specifications_are_left_out_of_the_figure_and_summaries(small):
    from hubeval.report.speccurve import curve_from_table

    curve = hb.specification_curve(small)
    hidden = curve.estimates.copy()
    hidden.loc[hidden["run_id"] == "r3", ["estimate", "conf_low", "conf_high", "p_value"]] = np.nan
    protected = curve_from_table(hidden, curve.choices, curve.levels, curve.spec)
    assert protected.overview.iloc[0][["n_specifications", "median", "high"]].tolist() == [3, 2.0, 4.0]
    top, _ = hb.plot_specification_curve(protected)
    try:
        assert sum(len(line.get_xdata()) for line in top.get_lines() if line.get_marker() == "o") == 3
    finally:
        plt.close(top.figure)


def test_publish_saves_each_outcome_in_both_languages(small, tmp_path):
    files = hb.publish_specification_curve(hb.specification_curve(small), out_dir=tmp_path,
                                           formats=["png"], dpi=40)
    assert files[["outcome", "lang", "format"]].values.tolist() == [
        ["log_va_per_worker", "en", "png"], ["log_va_per_worker", "ko", "png"]]
    assert (tmp_path / "specification_curve_log_va_per_worker_ko.png").is_file()
    assert (tmp_path / "specification_curve_log_va_per_worker_ko.disclosure.json").is_file()


def test_publish_refuses_specifications_on_too_few_firms(small, tmp_path):
    few = types.SimpleNamespace(runs=small.runs, folder=None,
                                estimates=small.estimates.assign(n_treated=3))
    with pytest.raises(hb.DisclosureError, match="Refusing to publish"):
        hb.publish_specification_curve(hb.specification_curve(few), out_dir=tmp_path,
                                       formats=["png"], dpi=40)


def test_a_batch_without_headline_effects_is_refused():
    batch = store([("r0", {})], [dict(r, record="event_study") for r in headline("r0", "y", 1.0, 0.1)])
    with pytest.raises(hb.ParameterError) as error:
        hb.specification_curve(batch)
    assert str(error.value) == (
        "No headline effects in the batch: `results.estimates` has no row with record == "
        "'comparison', estimator == 'callaway_santanna' and term == 'att' (records found: "
        "event_study). A specification curve needs the outcome notebook "
        "(notebooks/10_outcomes.ipynb) run once per specification: `hubeval run "
        "params/batches/robustness.yaml`.")


def test_a_single_specification_is_refused():
    batch = store([("10_outcomes-productivity", {"family": "productivity"})],
                  headline("10_outcomes-productivity", "log_va_per_worker", 5.0, 0.01))
    with pytest.raises(hb.ParameterError) as error:
        hb.specification_curve(batch)
    assert str(error.value) == (
        "A specification curve needs at least two specifications that differ in their "
        "parameters; outcome `log_va_per_worker` has 1 specification (run "
        "10_outcomes-productivity). Run the outcome notebook over a grid of choices: "
        "`hubeval run params/batches/robustness.yaml`.")


def test_single_specification_outcomes_are_left_out_with_a_warning(small):
    extra = store([("one", {"family": "jobs"})], headline("one", "log_employment", 1.0, 0.5))
    batch = types.SimpleNamespace(runs=pd.concat([small.runs, extra.runs]), folder=None,
                                  estimates=pd.concat([small.estimates, extra.estimates]))
    with pytest.warns(hb.DataWarning, match="one specification each\\): log_employment"):
        curve = hb.specification_curve(batch)
    assert curve.outcomes == ["log_va_per_worker"]
    with pytest.raises(hb.ParameterError, match="`outcome` 'sales' has no headline effect"):
        hb.specification_curve(batch, outcome="sales")


def test_the_robustness_batch_ends_in_the_specification_curve():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    plan = hb.plan_batch(root / "params" / "batches" / "robustness.yaml")
    outcome_runs = [r for r in plan.runs if r.notebook.stem == "10_outcomes"]
    assert len(outcome_runs) == 24 + 8
    assert {json.dumps(r.params["covariates"]) for r in outcome_runs} == {
        "[]", '["posco_supplier", "metal"]'}
    last = plan.runs[-1]
    assert last.notebook.stem == "60_specification_curve" and last.stage == 2
    assert "results_dir" in last.declared and plan.stages == [1, 2]
