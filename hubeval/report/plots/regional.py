"""The memo's regional figures: Gwangyang minus its synthetic control, from a batch's records.

They take results (:class:`hubeval.store.BatchResult`), never fit, take ``ax=None`` (or
``axes=None``) and return the Axes.
"""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError
from hubeval.report.figures import COLORS, FIGSIZE, label, record_drawn, text_font
from hubeval.report.figures import label_or_key as _label
from hubeval.report.plots._layout import (
    codebook_label,
    legend_below,
    legend_font,
    new_figure,
    outcome_unit,
    year_ticks,
)

__all__ = ["plot_regional", "plot_regional_grid", "gap_axis_label"]


def plot_regional(results, *, ax=None, outcome: str | None = None, lang: str | None = None,
                  title: str | None = None):
    """The city-level synthetic-control result: Gwangyang's gap to its synthetic control by year.

    Drawn from the batch's ``synth_effect`` / ``synth_gap`` records (see
    :func:`hubeval.report.memo.build.regional_tables`): the gap (actual minus synthetic) of the treated city
    over time, the gaps of placebo cities where recorded (grey), a line at zero, the programme
    start, and the placebo p-value in the title. The per-city synthetic-control plots of
    :mod:`hubeval.report.plots.synth` need the fitted result; this one needs only the records.

    Parameters
    ----------
    results : BatchResult
    ax : matplotlib Axes, optional
    outcome : str, optional
        Default: the first outcome with recorded gaps.
    lang : {"en", "ko"}, optional
    title : str, optional
        Default: "City-level effect ...: <outcome>" and the p-value.

    Returns
    -------
    matplotlib Axes
    """
    from hubeval.store.readers import regional_placebos, regional_tables

    effects, gaps = regional_tables(results)
    if gaps.empty:
        raise SpecError("The batch has no synthetic-control gaps (`synth_effect`/`synth_gap` records "
                        "with term 'gap'); run notebooks/50_regional first.")
    outcome = outcome or str(gaps["outcome"].iloc[0])
    rows = gaps[gaps["outcome"] == outcome]
    if rows.empty:
        raise SpecError(f"No synthetic-control gaps for {outcome}; available: "
                        f"{', '.join(dict.fromkeys(gaps['outcome']))}.")
    if ax is None:
        _, ax = new_figure(FIGSIZE["memo"])
    font = text_font()
    placebos = regional_placebos(results)
    if "outcome" in placebos.columns:
        placebos = placebos[placebos["outcome"] == outcome]
    for i, (_, unit) in enumerate(placebos.groupby("unit", sort=True)):
        ax.plot(unit["time"], unit["gap"], color=COLORS["placebo"], linewidth=0.8, gid="placebo",
                label=_label("placebo", lang) if i == 0 else None)
    ax.plot(rows["time"], rows["estimate"], color=COLORS["treated"], marker="o", markersize=3,
            gid="gap", label=_label("gap", lang))
    ax.axhline(0, color=COLORS["reference"], linewidth=0.8)
    if "post" in rows.columns and rows["post"].astype(bool).any():
        start = rows.loc[rows["post"].astype(bool), "time"].min()
        ax.axvline(start - 0.5, color=COLORS["neutral"], linestyle="--", linewidth=1,
                   label=_label("program_start", lang))
    effect = effects[effects["outcome"] == outcome]
    if title is None:
        title = f"{_label('regional_title', lang)}: {codebook_label(outcome, lang)}"
        if len(effect) and np.isfinite(effect["p_value"].iloc[0]):
            title += f"\n(p = {effect['p_value'].iloc[0]:.3f})"
    ax.set_title(title, loc="left", **font)
    ax.set_xlabel(_label("year", lang), **font)
    year_ticks(ax.xaxis)  # whole years, few enough not to run together in a narrow panel
    ax.set_ylabel(gap_axis_label(outcome, lang), **font)
    legend_below(ax, ncol=3)
    record_drawn(ax, effects, gaps, placebos)
    return ax


def gap_axis_label(outcome: str, lang: str | None = None) -> str:
    """"Gap, actual - synthetic (<unit>)" for a city outcome; without the unit when unknown."""
    unit = outcome_unit(outcome, lang)
    return label("gap_in", lang, unit=unit) if unit else label("gap", lang)


def plot_regional_grid(results, *, axes=None, outcomes=None, ncols: int = 2,
                       lang: str | None = None):
    """The synthetic-control gaps of several city outcomes, one panel each (see :func:`plot_regional`).

    Parameters
    ----------
    results : BatchResult
    axes : array of Axes, optional
    outcomes : list of str, optional
        Default: every outcome with recorded gaps, in recorded order.
    ncols : int, default 2
    lang : {"en", "ko"}, optional

    Returns
    -------
    numpy array of matplotlib Axes (unused cells hidden)
    """
    from hubeval.store.readers import regional_tables

    effects, gaps = regional_tables(results)
    outcomes = outcomes or list(dict.fromkeys(gaps["outcome"]))
    if not outcomes:
        raise SpecError("The batch has no synthetic-control gaps; run notebooks/50_regional first.")
    nrows = int(np.ceil(len(outcomes) / ncols))
    if axes is None:
        width, _ = FIGSIZE["memo"]
        fig, axes = new_figure((width, 2.9 * nrows + 0.6), nrows, ncols, squeeze=False)
        fig.suptitle(_label("regional_title", lang), x=0.02, ha="left", fontweight="bold",
                     **text_font())
    flat = np.asarray(axes).ravel()
    if len(flat) < len(outcomes):
        raise SpecError(f"`axes` has {len(flat)} Axes for {len(outcomes)} outcomes; pass more Axes.")
    pvalues = dict(zip(effects["outcome"], effects["p_value"]))
    for ax, outcome in zip(flat, outcomes):
        p = pvalues.get(outcome, np.nan)
        title = codebook_label(outcome, lang) + (f" (p = {p:.3f})" if np.isfinite(p) else "")
        plot_regional(results, ax=ax, outcome=outcome, lang=lang, title=title)
        ax.title.set_fontsize("medium")
        year_ticks(ax.xaxis, nbins=4)
        if ax.get_legend() is not None:  # one legend for the grid, under it
            ax.get_legend().remove()
    handles, labels = flat[0].get_legend_handles_labels()
    if handles:
        fig = flat[0].figure
        constrained = type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
        fig.legend(handles, labels, loc="outside lower center" if constrained else "lower center",
                   ncol=3, frameon=False, prop=legend_font(8))
    for ax in flat[len(outcomes):]:
        ax.set_visible(False)
    return np.asarray(axes)
