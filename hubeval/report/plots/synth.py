"""Synthetic control figures: trajectory, gaps against placebo gaps, donor weights.

Each function takes a :class:`~hubeval.SynthResult` or :class:`~hubeval.SynthPlaceboResult`
(never data, never fits), draws on ``ax`` (a new figure when None) and returns the Axes.
Colours and labels come from :mod:`hubeval.report.figures` so all hubeval figures look alike.
"""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError
from hubeval.report.figures import COLORS, FIGSIZE, label, record_drawn, text_font
from hubeval.report.plots._layout import (
    codebook_label,
    legend_below,
    new_figure,
    outcome_unit,
    year_ticks,
)
from hubeval.synthetic.control import SynthResult
from hubeval.synthetic.placebo import SynthPlaceboResult

__all__ = ["plot_synth_trajectory", "plot_synth_gaps", "plot_synth_weights"]


def _split(result) -> tuple[SynthResult, SynthPlaceboResult | None]:
    if isinstance(result, SynthPlaceboResult):
        return result.result, result
    if isinstance(result, SynthResult):
        return result, None
    raise SpecError(f"`result` must be a SynthResult or SynthPlaceboResult, got {type(result).__name__}. "
                    "Fix: pass the output of hb.synth() or hb.synth_placebo().")


def _axes(ax):
    return new_figure(FIGSIZE["memo"])[1] if ax is None else ax


def _quantity_label(outcome: str) -> str:
    """"<outcome> (<unit>)" from the codebook."""
    unit = outcome_unit(outcome)
    name = codebook_label(outcome)
    return f"{name} ({unit})" if unit else name


def _time_label(fit: SynthResult) -> str:
    return label("year") if fit.spec["time"] == "year" else str(fit.spec["time"])


def _mark_treatment(ax, fit: SynthResult) -> None:
    ax.axvline(fit.spec["treatment_time"], color=COLORS["reference"], linestyle=":", linewidth=1)


def _synthetic_label(treated) -> str:
    return label("synthetic_of", name=treated)


def plot_synth_trajectory(result, *, ax=None, treated_label: str | None = None,
                          synthetic_label: str | None = None):
    """Treated unit against its synthetic control over time.

    Parameters
    ----------
    result : SynthResult or SynthPlaceboResult
        With a placebo result, the leave-one-out synthetic paths are drawn in grey.
    ax : matplotlib Axes, optional
    treated_label, synthetic_label : str, optional
        Legend entries; default the treated unit's name and "Synthetic <name>".

    Returns
    -------
    matplotlib Axes

    References
    ----------
    Abadie, Diamond & Hainmueller (2010), JASA 105(490), figure 2; (2015), AJPS 59(2), figure 4.
    """
    fit, placebo = _split(result)
    ax = _axes(ax)
    treated = fit.spec["treated_unit"]
    if placebo is not None and placebo.leave_one_out_gaps is not None:
        for i, (_, path) in enumerate(placebo.leave_one_out_gaps.groupby("unit", sort=False)):
            ax.plot(path["time"], path["synthetic"], color=COLORS["placebo"], linewidth=0.8,
                    label=label("leave_one_out") if i == 0 else None)
    ax.plot(fit.gaps["time"], fit.gaps["treated"], color=COLORS["treated"], linewidth=2,
            label=treated_label or codebook_label(str(treated)))
    ax.plot(fit.gaps["time"], fit.gaps["synthetic"], color=COLORS["synthetic"], linewidth=2,
            linestyle="--", label=synthetic_label or _synthetic_label(codebook_label(str(treated))))
    _mark_treatment(ax, fit)
    font = text_font()
    ax.set_xlabel(_time_label(fit), **font)
    year_ticks(ax.xaxis)  # whole years, not 2002.5, and not so many they run together
    ax.set_ylabel(_quantity_label(fit.spec["outcome"]), **font)
    ax.set_title(label("synth_title"), loc="left", **font)
    legend_below(ax, ncol=3)
    record_drawn(ax, result)
    return ax


def plot_synth_gaps(result, *, ax=None, max_pre_rmspe_ratio: float | None = None):
    """Gap (treated minus synthetic) over time, against placebo gaps when available.

    Parameters
    ----------
    result : SynthPlaceboResult or SynthResult
        A placebo result draws every placebo unit's gap in grey; a plain result only the treated gap.
    ax : matplotlib Axes, optional
    max_pre_rmspe_ratio : float, optional
        Hide placebos whose pre-period RMSPE exceeds this multiple of the treated unit's (Abadie
        et al. 2010 show 20, 5 and 2): their post-period gaps reflect bad fit, not effects. The
        p-value is unaffected (it uses the RMSPE ratio of every unit).

    Returns
    -------
    matplotlib Axes
    """
    fit, placebo = _split(result)
    ax = _axes(ax)
    if placebo is not None and placebo.placebo_gaps is not None:
        table = placebo.in_space
        keep = ~table["treated"]
        if max_pre_rmspe_ratio is not None:
            treated_pre = table.loc[table["treated"], "pre_rmspe"].iloc[0]
            keep &= table["pre_rmspe"] <= max_pre_rmspe_ratio * treated_pre
        shown = set(table.loc[keep, "unit"])
        gaps = placebo.placebo_gaps
        for i, (_, path) in enumerate(gaps[gaps["unit"].isin(shown) & ~gaps["treated"]]
                                      .groupby("unit", sort=False)):
            ax.plot(path["time"], path["gap"], color=COLORS["placebo"], linewidth=0.8,
                    label=label("placebo") if i == 0 else None)
    ax.plot(fit.gaps["time"], fit.gaps["estimate"], color=COLORS["treated"], linewidth=2,
            label=codebook_label(str(fit.spec["treated_unit"])))
    ax.axhline(0, color=COLORS["reference"], linewidth=0.8)
    _mark_treatment(ax, fit)
    font = text_font()
    ax.set_xlabel(_time_label(fit), **font)
    year_ticks(ax.xaxis)
    unit = outcome_unit(fit.spec["outcome"])
    ax.set_ylabel(label("gap_in", unit=unit) if unit else label("gap"), **font)
    ax.set_title(f"{label('gap')}: {codebook_label(fit.spec['outcome'])}", loc="left", **font)
    legend_below(ax, ncol=2)
    record_drawn(ax, result)
    return ax


def plot_synth_weights(result, *, ax=None, top: int = 10, min_weight: float = 1e-3):
    """Horizontal bars of the largest donor weights.

    Parameters
    ----------
    result : SynthResult or SynthPlaceboResult
    ax : matplotlib Axes, optional
    top : int
        Show at most this many donors.
    min_weight : float
        Hide donors with weight below this (ADH weights are sparse; SDID's are not).

    Returns
    -------
    matplotlib Axes
    """
    fit, _ = _split(result)
    ax = _axes(ax)
    weights = fit.weights[fit.weights["weight"] >= min_weight].head(top)
    positions = np.arange(len(weights))[::-1]
    ax.barh(positions, weights["weight"], color=COLORS["synthetic"])
    font = text_font()
    ax.set_yticks(positions, [str(u) for u in weights["unit"]], **font)
    ax.set_xlabel(label("donor_weight"), **font)
    ax.set_title(label("donor_weights_title", name=codebook_label(str(fit.spec["treated_unit"]))), loc="left", **font)
    ax.set_xlim(0, max(1e-9, float(weights["weight"].max() if len(weights) else 1)) * 1.1)
    record_drawn(ax, result)
    return ax
