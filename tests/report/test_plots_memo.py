"""Tests for the memo figures in hubeval.report.plots.memo (drawn from a batch's collected results)."""
from __future__ import annotations

import dataclasses
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import hubeval as hb  # noqa: E402
from hubeval.core.errors import SpecError
from hubeval.report import figures as figures  # noqa: E402
from hubeval.store.parts import store_parts
from hubeval.store.results import from_tables


def batch(comparison, events, synth, extra_tables=None):
    """A BatchResult holding these tables in the results store's schema, translated exactly as
    hb.record translates the outcome and regional notebooks' records."""
    parts = [store_parts("comparison", None, comparison, None),
             store_parts("event_study", None, events, None)]
    effect = synth[synth["record"] == "synth_effect"].drop(columns="record")
    if not effect.empty:
        parts.append(store_parts("synth_effect", None, effect, None))
    tables = {}
    for part in parts:
        for kind, frame in part["tables"].items():
            tables[kind] = pd.concat([tables.get(kind), frame], ignore_index=True)
    placebo = synth[synth["record"] == "synth_gap"].drop(columns="record")
    if not placebo.empty:
        tables["placebo_gaps"] = placebo.assign(record="synth_placebo")
    tables.update(extra_tables or {})
    estimates = pd.concat([p["estimates"] for p in parts if p["estimates"] is not None],
                          ignore_index=True).assign(run_id="r")
    statistics = [p["statistics"] for p in parts if p["statistics"] is not None]
    return from_tables({"estimates": estimates,
                        **({"statistics": pd.concat(statistics, ignore_index=True)} if statistics else {}),
                        **tables})


def rows(outcome, scale, naive, cs, low, high):
    return pd.DataFrame({
        "outcome": outcome, "scale": scale,
        "estimator": ["before_after", "callaway_santanna", "callaway_santanna", "imputation"],
        "term": ["before/after, event time 1", "ATT simple", "ATT event time 1",
                 "imputation, post average"], "horizon": ["1", "post average", "1", "post average"],
        "estimate": [naive, cs, cs / 2, cs], "std_error": 0.5,
        "conf_low": [naive - 1, low, cs / 2 - 1, cs - 1], "conf_high": [naive + 1, high, cs / 2 + 1, cs + 1],
        "evidence_level": [1, 3, 3, 3], "n_units": [20, 120, 120, 120]})


def studies(outcome):
    times = np.arange(-3, 4)
    return pd.DataFrame({"outcome": outcome, "term": [f"ATT(e={e})" for e in times],
                         "event_time": times, "estimate": 0.01 * times, "std_error": 0.01,
                         "conf_low": 0.01 * times - 0.02, "conf_high": 0.01 * times + 0.02,
                         "n_treated": 20})


def synth_rows():
    years = np.arange(2006, 2015)
    gaps = pd.DataFrame({"record": "synth_effect", "term": "gap", "time": years,
                         "estimate": np.where(years >= 2011, 200.0, 1.0), "post": years >= 2011,
                         "outcome": "mfg_employment"})
    att = pd.DataFrame({"record": ["synth_effect"], "term": ["att"], "estimate": [200.0],
                        "p_value": [0.05], "outcome": ["mfg_employment"]})
    placebo = pd.DataFrame({"record": "synth_gap", "unit": np.repeat(["Suncheon", "Yeosu", "Gwangyang"], 3),
                            "time": np.tile([2009, 2011, 2013], 3), "gap": [1.0, -5, 4, 2, 3, -1, 1, 200, 200],
                            "treated": np.repeat([False, False, True], 3), "outcome": "mfg_employment"})
    return pd.concat([att, gaps, placebo], ignore_index=True)


@pytest.fixture
def results():
    estimates = pd.concat([rows("log_va_per_worker", "percent", 30.7, 6.0, 3.5, 8.6),
                           rows("cost_ratio", "percent", -20.3, -2.4, -2.8, -2.0),
                           rows("investment_rate", "level", 0.0505, 0.0024, -0.0193, 0.0241),
                           rows("net_jobs", "level", 3.0, 1.0, -0.5, 2.5)], ignore_index=True)
    events = pd.concat([studies("log_va_per_worker"), studies("cost_ratio"), studies("net_jobs")],
                       ignore_index=True)
    return batch(estimates, events, synth_rows())


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def causal_x(ax):
    """x positions of the causal-estimate markers (not their interval caps)."""
    return [line.get_xdata()[0] for line in ax.lines
            if line.get_gid() == "causal" and line.get_marker() == "o"]


def test_headline_draws_the_claim_above_the_causal_estimate(results):
    ax = hb.plot_headline(results, lang="en")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Cost ratio", "Log value added per worker"]
    naive = [line for line in ax.lines if line.get_gid() == "naive"]
    assert sorted(line.get_xdata()[0] for line in naive) == [-20.3, 30.7]
    assert naive[0].get_ydata()[0] == pytest.approx(1.15)  # first outcome on top, above its estimate


def test_headline_levels_one_panel_per_outcome_shares_in_points(results):
    axes = hb.plot_headline_levels(results, lang="en")
    assert axes.shape == (2, 1)
    top, bottom = axes.ravel()
    assert [t.get_text() for t in top.get_yticklabels()] == ["Investment rate"]
    assert top.get_xlabel() == "Effect (percentage points)"
    assert bottom.get_xlabel() == "Effect (persons)"  # the unit from the codebook
    assert causal_x(top) == [pytest.approx(0.24)]    # 0.0024 as percentage points
    assert causal_x(bottom) == [pytest.approx(1.0)]  # net jobs stay in their unit
    naive = [line.get_xdata()[0] for line in top.lines if line.get_gid() == "naive"]
    assert naive == [pytest.approx(5.05)]
    assert top.get_title(loc="left") == "Effects on rates and shares"
    legend = bottom.get_legend()  # one legend, under the last panel
    assert [t.get_text() for t in legend.get_texts()] == [
        "Before/after claim (no comparison group)", "Causal estimate (DiD)"]


def test_headline_levels_errors(results):
    keep = (results.estimates["record"] != "comparison") | (results.estimates["scale"] == "percent")
    percent_only = dataclasses.replace(results, estimates=results.estimates[keep])
    with pytest.raises(SpecError, match="^No outcome to draw: the batch has no level-scale comparison "
                                        "rows.$"):
        hb.plot_headline_levels(percent_only)
    _, ax = plt.subplots()
    with pytest.raises(SpecError, match=re.escape("`axes` has 1 Axes for 2 outcomes; pass more Axes.")):
        hb.plot_headline_levels(results, axes=[ax])


def test_suppressed_estimates_are_left_out_of_the_headline(results):
    estimates = results.estimates.copy()
    hidden = (estimates["outcome"] == "log_va_per_worker") & (estimates["estimator"] == "before_after")
    estimates.loc[hidden, ["estimate", "conf_low", "conf_high"]] = np.nan
    protected = dataclasses.replace(results, estimates=estimates)
    ax = hb.plot_headline(protected, lang="en")
    assert sorted(line.get_xdata()[0] for line in ax.lines if line.get_gid() == "naive") == [-20.3]
    # the legend still explains both markers
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == [
        "Before/after claim (no comparison group)", "Causal estimate (DiD)"]
    levels = hb.plot_headline_levels(dataclasses.replace(results, estimates=
        estimates.assign(estimate=np.where(estimates["scale"] == "level", np.nan,
                                           estimates["estimate"]))))
    assert causal_x(levels.ravel()[0]) == []


def test_event_grid_hides_unused_cells(results):
    axes = hb.plot_event_grid(results, lang="ko")
    flat = axes.ravel()
    assert len(flat) == 4 and [ax.get_visible() for ax in flat] == [True, True, True, False]
    assert flat[0].get_title(loc="left") == "1인당 부가가치(로그)" or \
        flat[0].get_title() == "1인당 부가가치(로그)"
    with pytest.raises(SpecError, match="^No event study for survival in the batch"):
        hb.plot_event_grid(results, outcomes=["survival"])


def test_regional_figure_from_records(results):
    ax = hb.plot_regional(results, lang="en")
    gap = [line for line in ax.lines if line.get_gid() == "gap"][0]
    assert list(gap.get_xdata()) == list(range(2006, 2015))
    assert list(gap.get_ydata())[-1] == 200.0
    placebos = [line for line in ax.lines if line.get_gid() == "placebo"]
    assert [list(line.get_ydata()) for line in placebos] == [[1.0, -5, 4], [2, 3, -1]]  # not treated
    starts = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
    assert starts == [2010.5]
    assert ax.get_title(loc="left") == ("City-level effect: Gwangyang minus its synthetic control: "
                                        "Manufacturing employment\n(p = 0.050)")
    empty = dataclasses.replace(results, tables={})
    with pytest.raises(SpecError, match=r"^The batch has no synthetic-control gaps"):
        hb.plot_regional(empty)
    with pytest.raises(SpecError, match="^No synthetic-control gaps for population; available: "
                                        "mfg_employment.$"):
        hb.plot_regional(results, outcome="population")


@pytest.fixture(scope="module")
def cba_pair():
    costs = pd.DataFrame({"cohort": [2012], "payer": ["posco"], "item": ["consulting"],
                          "quantity": [400.0], "unit": ["day"], "unit_cost_krw": [500_000.0],
                          "amount_krw": [2e8], "price_year": [2012]})
    effects = pd.DataFrame({"event_time": [0, 1, 2], "estimate": [0.02, 0.04, 0.05],
                            "std_error": [0.02, 0.02, 0.03]})
    base = {"cohort": 2012, "n_firms": 20, "value_added_krw": 40e9}
    return (hb.cost_benefit(costs, effects, baseline=base, n_sim=100, seed=1),
            hb.cba_sensitivity(costs, effects, baseline=base))


def test_cba_panel_draws_summary_above_tornado(cba_pair):
    axes = hb.plot_cba_panel(*cba_pair, lang="ko")
    assert len(axes) == 2
    assert axes[0].get_title(loc="left") == "사업의 비용과 편익"
    assert axes[1].get_title(loc="left") == "순현재가치 민감도 분석"
    _, ax = plt.subplots()
    with pytest.raises(SpecError, match=re.escape("`axes` must hold two Axes (summary, tornado); "
                                                  "got 1.")):
        hb.plot_cba_panel(*cba_pair, axes=[ax])


def test_memo_figures_render_korean_without_missing_glyphs(results, cba_pair):
    with figures.figure_theme(lang="ko"):
        drawn = [hb.plot_headline(results).figure, hb.plot_headline_levels(results).flat[0].figure,
                 hb.plot_event_grid(results).flat[0].figure, hb.plot_regional(results).figure,
                 hb.plot_cba_panel(*cba_pair)[0].figure]
        for fig in drawn:
            figures._render_checked(fig)  # raises on any glyph no font can draw


def test_balance_figure_from_a_recorded_table():
    table = pd.DataFrame({"term": ["employment", "posco_supplier"], "smd_before": [0.4, -0.3],
                          "smd_after": [0.05, np.nan], "n_treated": 20})
    ax = hb.plot_balance_memo(table, lang="ko")
    assert ax.get_title(loc="left") == "매칭 전후 공변량 균형"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["고용"]  # missing row left out
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["매칭 전", "매칭 후"]
    with pytest.raises(SpecError, match="^`balance` must be a balance table"):
        hb.plot_balance_memo(table.drop(columns="smd_after"))


def test_regional_grid_one_panel_per_city_outcome(results):
    extra = synth_rows().assign(outcome="industrial_investment")
    extra = extra[extra["term"].isin(["att", "gap"])]
    both = batch(results.comparison.iloc[:0], results.event_studies.iloc[:0],
                 pd.concat([synth_rows(), extra], ignore_index=True))
    axes = hb.plot_regional_grid(both, lang="en")
    flat = axes.ravel()
    assert [ax.get_visible() for ax in flat] == [True, True]
    assert [ax.get_title(loc="left") for ax in flat] == ["Manufacturing employment (p = 0.050)",
                                                         "Industrial investment (p = 0.050)"]
    # one legend for the grid, under it (inside a panel it covered the gaps)
    assert flat[0].get_legend() is None and flat[1].get_legend() is None
    assert len(flat[0].figure.legends) == 1
    assert flat[0].figure._suptitle.get_text() == ("City-level effect: Gwangyang minus its synthetic "
                                                   "control")
