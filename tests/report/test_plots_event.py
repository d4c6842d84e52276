"""Tests of the event-study, group-time and comparison plots: properties, not pixels."""
from __future__ import annotations

import re
import warnings
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

import hubeval as hb  # noqa: E402
from hubeval.core.errors import SpecError


@pytest.fixture(scope="module")
def panel():
    sim = hb.simulate_panel(200, seed=4, effect=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")


@pytest.fixture(scope="module")
def imputed(panel):
    return hb.imputation(panel, outcome="y", horizons=[0, 1, 2, 3])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def vertical_lines(ax, gid="entry"):
    return [line.get_xdata()[0] for line in ax.lines if line.get_gid() == gid]


def plotted_points(ax, gid="estimates"):
    """x positions of the markers drawn with error bars (the data line of each container)."""
    xs = []
    for container in ax.containers:
        line = container.lines[0]
        if line.get_gid() == gid or container.get_gid() == gid:
            xs.extend(line.get_xdata())
    return xs


def test_event_study_points_lines_and_labels(imputed):
    ax = hb.plot_event_study(imputed)
    assert sorted(plotted_points(ax)) == [-3, -2, -1, 0, 1, 2, 3]
    assert vertical_lines(ax) == [-0.5]
    zero = [line for line in ax.lines if line.get_gid() == "zero"]
    assert len(zero) == 1 and list(zero[0].get_ydata()) == [0, 0]
    assert ax.get_xlabel() == "Years since participation"
    assert ax.get_ylabel() == "Effect"  # no unit known for `y`
    # Pre-entry points are hollow, post-entry filled.
    faces = [c.lines[0].get_markerfacecolor() for c in ax.containers]
    assert "white" in faces and any(f != "white" for f in faces)


def test_event_study_twfe_reference_drawn_without_interval(panel):
    res = hb.twfe(panel, outcome="y", event_study=True)
    ax = hb.plot_event_study(res, name="TWFE")
    ref = [line for line in ax.lines if line.get_gid() == "reference"]
    assert len(ref) == 1 and list(ref[0].get_xdata()) == [-1] and list(ref[0].get_ydata()) == [0]
    assert len(plotted_points(ax)) == len(res.estimates) - 1
    assert "TWFE" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_event_study_uniform_band_when_present(imputed):
    frame = imputed.estimates.assign(band_low=lambda d: d["conf_low"] - 0.01,
                                     band_high=lambda d: d["conf_high"] + 0.01)
    result = SimpleNamespace(estimates=frame, spec={"outcome": "log_va_per_worker"})
    ax = hb.plot_event_study(result)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_gid() == "uniform_band"]
    assert len(bands) == 1
    assert ax.get_ylabel() == "Effect (log points)"
    assert ax.get_title(loc="left") == "Effect by years since participation: Log value added per worker"
    no_band = hb.plot_event_study(imputed)
    assert not [c for c in no_band.collections if c.get_gid() == "uniform_band"]


def test_event_study_percent_for_log_outcomes(panel, imputed):
    log_panel = panel.with_data(panel.data.rename(columns={"y": "log_va"}))
    res = hb.imputation(log_panel, outcome="log_va", horizons=[0, 1], pretrends=1)
    ax = hb.plot_event_study(res, percent=True)
    ys = [y for c in ax.containers for y in c.lines[0].get_ydata()]
    np.testing.assert_allclose(sorted(ys), sorted(100 * np.expm1(res.estimates["estimate"])))
    assert ax.get_ylabel() == "Effect (%)"
    with pytest.raises(SpecError, match=re.escape(
            "`percent=True` needs a log outcome; 'y' is not one (names starting log_ or ln_). Use "
            "percent=False.")):
        hb.plot_event_study(imputed, percent=True)


def test_event_study_overlay_on_given_axes(panel, imputed):
    fig, ax = plt.subplots()
    twfe = hb.twfe(panel, outcome="y", event_study=True)
    out = hb.plot_event_study(imputed, ax=ax, name="Imputation", dodge=-0.1)
    out = hb.plot_event_study(twfe, ax=ax, name="TWFE", dodge=0.1, color="#D55E00")
    assert out is ax
    assert -3.1 in np.round(plotted_points(ax), 6)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Imputation" in labels and "TWFE" in labels


def test_event_study_rejects_results_without_event_time(panel):
    res = hb.twfe(panel, outcome="y")
    with pytest.raises(SpecError, match=re.escape(
            "`result` has no event-time estimates (columns event_time, estimate, conf_low, conf_high); "
            "found ['term', 'estimate', 'std_error', 'statistic', 'p_value', 'conf_low', 'conf_high']. "
            "Pass hb.aggregate(gt, by='event_time'), hb.imputation(...) or "
            "hb.twfe(..., event_study=True).")):
        hb.plot_event_study(res)


def group_time_result():
    rows = []
    for cohort in (2012, 2014):
        for time in range(2010, 2017):
            est = 0.05 * max(time - cohort + 1, 0)
            rows.append(dict(term=f"ATT({cohort},{time})", cohort=cohort, time=time,
                             event_time=time - cohort, estimate=est, std_error=0.02,
                             conf_low=est - 0.04, conf_high=est + 0.04))
    return SimpleNamespace(estimates=pd.DataFrame(rows), spec={"outcome": "employment"})


def test_group_time_plot():
    gt = group_time_result()
    ax = hb.plot_group_time(gt)
    assert sorted(vertical_lines(ax)) == [2011.5, 2013.5]
    assert len(plotted_points(ax)) == 14
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Cohort 2012", "Cohort 2014"]
    assert ax.get_xlabel() == "Year" and ax.get_ylabel() == "Effect"
    ax2 = hb.plot_group_time(gt, x="event_time")
    assert vertical_lines(ax2) == [-0.5] and ax2.get_xlabel() == "Years since participation"
    with pytest.raises(SpecError, match=re.escape("`x` must be 'time' or 'event_time'; got 'cohort'.")):
        hb.plot_group_time(gt, x="cohort")


def test_comparison_marks_naive_estimate(panel, imputed):
    naive = hb.before_after(panel, outcome="y", scale="level")
    twfe = hb.twfe(panel, outcome="y")
    aggregate = SimpleNamespace(estimates=pd.DataFrame(), spec={"alpha": 0.05},
                                overall={"estimate": 0.08, "std_error": 0.01},
                                title="Callaway & Sant'Anna (2021) aggregate")
    ax = hb.plot_comparison([naive, twfe, aggregate, imputed])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[::-1] == ["Before/after claim (no comparison group)\n(descriptive, not causal)",
                            "TWFE (benchmark)", "Callaway & Sant'Anna", "Imputation (BJS 2024)"]
    assert len(ax.containers) == 4
    descriptive = [c for c in ax.containers if c.lines[0].get_gid() == "descriptive"]
    assert len(descriptive) == 1
    assert descriptive[0].lines[0].get_marker() == "D"
    assert descriptive[0].lines[0].get_ydata()[0] == 3  # top row
    cs = ax.containers[2].lines[0]
    assert cs.get_xdata()[0] == pytest.approx(0.08)
    assert vertical_lines(ax, "zero") == [0]


def test_comparison_scales(panel):
    data = panel.data.assign(log_va=panel.data["y"])
    log_panel = panel.with_data(data)
    naive_pct = hb.before_after(log_panel, outcome="log_va")  # percent headline
    twfe = hb.twfe(log_panel, outcome="log_va")
    with pytest.raises(SpecError, match=re.escape(
            "The results mix percent and level effects (before_after(scale='percent') beside "
            "regression coefficients). Use before_after(..., scale='level') for a log outcome, or "
            "plot_comparison(..., percent=True).")):
        hb.plot_comparison([naive_pct, twfe])
    ax = hb.plot_comparison({"Naive": naive_pct, "TWFE": twfe}, percent=True)
    b = twfe.estimates["estimate"].iloc[0]
    assert ax.containers[1].lines[0].get_xdata()[0] == pytest.approx(100 * np.expm1(b))
    assert ax.get_xlabel() == "Effect (%)"
    assert [t.get_text() for t in ax.get_yticklabels()][::-1][0] == "Naive\n(descriptive, not causal)"
    with pytest.raises(SpecError, match=re.escape(
            "`percent=True` needs log outcomes; 'y' is not one (names starting log_ or ln_). Use "
            "percent=False.")):
        hb.plot_comparison([hb.twfe(panel, outcome="y")], percent=True)


def test_comparison_errors(panel):
    with pytest.raises(SpecError, match=re.escape(
            "`labels` has 1 entries but `results` has 2; give one label per result.")):
        hb.plot_comparison([hb.twfe(panel, outcome="y")] * 2, labels=["a"])
    with pytest.raises(SpecError, match=re.escape(
            "A TWFE event study has no single headline effect.")):
        hb.plot_comparison([hb.twfe(panel, outcome="y", event_study=True)])


def test_plots_take_callaway_santanna_results(panel, imputed):
    gt = hb.att_gt(panel, outcome="y")
    es = hb.aggregate(gt, by="event_time", n_boot=49, seed=1)
    ax = hb.plot_event_study(es)
    assert [c for c in ax.collections if c.get_gid() == "uniform_band"]
    assert len(plotted_points(ax)) == len(es.estimates)
    ax = hb.plot_group_time(gt)
    assert len(vertical_lines(ax)) == len(panel.cohorts)
    simple = hb.aggregate(gt, by="simple")
    ax = hb.plot_comparison([hb.twfe(panel, outcome="y"), simple, imputed])
    assert [t.get_text() for t in ax.get_yticklabels()][::-1][1] == "Callaway & Sant'Anna"
    assert ax.containers[1].lines[0].get_xdata()[0] == pytest.approx(simple.overall["estimate"])


def test_plot_text_comes_from_figure_labels_in_both_languages(panel, imputed):
    from hubeval.report.figures import LABELS
    naive = hb.before_after(panel, outcome="y", scale="level")
    with hb.figure_theme(lang="ko"):
        ax = hb.plot_comparison([naive, hb.twfe(panel, outcome="y"), imputed])
        group = hb.plot_group_time(group_time_result())
    names = [t.get_text() for t in ax.get_yticklabels()][::-1]
    assert names == [f"{LABELS['naive']['ko']}\n({LABELS['descriptive_not_causal']['ko']})",
                     "이원고정효과 (참고용)", "귀속 추정량 (BJS 2024)"]
    assert [t.get_text() for t in group.get_legend().get_texts()] == ["2012년 참여", "2014년 참여"]
    band = SimpleNamespace(estimates=imputed.estimates.assign(band_low=-1.0, band_high=1.0), spec={})
    legend = hb.plot_event_study(band).get_legend_handles_labels()[1]
    assert legend == ["Uniform band"]
