"""Plots: each takes a result (never raw data), never fits, takes ``ax=None`` and returns the Axes.

Each records the result(s) it drew on the figure (:func:`hubeval.report.figures.record_drawn`),
and :func:`hubeval.save_figure` runs the disclosure check on those.
"""
from __future__ import annotations

from hubeval.report.plots.balance import plot_balance
from hubeval.report.plots.cba import plot_cba_summary, plot_tornado
from hubeval.report.plots.event import (
    plot_comparison,
    plot_event_study,
    plot_group_time,
)
from hubeval.report.plots.memo import (
    plot_balance_memo,
    plot_cba_panel,
    plot_estimators,
    plot_event_grid,
    plot_headline,
    plot_headline_levels,
)
from hubeval.report.plots.regional import plot_regional, plot_regional_grid
from hubeval.report.plots.sensitivity import plot_sensitivity
from hubeval.report.plots.speccurve import plot_specification_curve, publish_specification_curve
from hubeval.report.plots.synth import (
    plot_synth_gaps,
    plot_synth_trajectory,
    plot_synth_weights,
)

__all__ = [
    "plot_balance", "plot_cba_summary", "plot_tornado", "plot_comparison", "plot_event_study",
    "plot_group_time", "plot_balance_memo", "plot_cba_panel", "plot_estimators", "plot_event_grid",
    "plot_headline", "plot_headline_levels", "plot_regional", "plot_regional_grid",
    "plot_sensitivity", "plot_synth_gaps", "plot_synth_trajectory", "plot_synth_weights",
    "plot_specification_curve", "publish_specification_curve",
]
