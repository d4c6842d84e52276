"""Cost-benefit figures: the tornado chart of sensitivities and the cost-benefit summary.

Both take a result (never raw data, never compute), take ``ax=None``, return the Axes, and
label everything through :func:`hubeval.report.figures.label` in ``lang`` ("en" or "ko"). Money is
shown in units of KRW 100 million (억 원), the unit Korean budget documents use.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from hubeval.cba.model import CostBenefitResult
from hubeval.cba.sensitivity import CostBenefitSensitivityResult
from hubeval.core.errors import SpecError
from hubeval.report.figures import (
    COLORS,
    FIGSIZE,
    PALETTE,
    current_lang,
    label,
    record_drawn,
    text_font,
)
from hubeval.report.plots._layout import legend_below, new_figure

__all__ = ["plot_tornado", "plot_cba_summary"]

_TERM_LABELS = {"effect": "effect_size"}
_UNIT = 1e8  # KRW 100 million (억 원)


def _axes(ax: Any, size: str = "memo") -> Any:
    if ax is None:
        _, ax = new_figure(FIGSIZE[size])
    return ax


def _check_type(result: Any, expected: type, name: str) -> None:
    if not isinstance(result, expected):
        raise SpecError(f"`{name}` must be a {expected.__name__}; got {type(result).__name__}. "
                        f"Compute it first (plot functions never fit).")


def plot_tornado(sensitivity: CostBenefitSensitivityResult, *, metric: str = "npv",
                 ax: Any = None, lang: str | None = None) -> Any:
    """Tornado chart: how far NPV (or BCR) moves when each setting goes to its low or high end.

    Parameters
    ----------
    sensitivity : CostBenefitSensitivityResult
        From :func:`hubeval.cba_sensitivity`.
    metric : {"npv", "bcr"}, default "npv"
        NPV is drawn in KRW 100 million with a line at 0; BCR with a line at 1.
    ax : matplotlib Axes, optional
    lang : {"en", "ko"}, optional
        Default: the theme's language.

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_type(sensitivity, CostBenefitSensitivityResult, "sensitivity")
    if metric not in ("npv", "bcr"):
        raise SpecError(f"`metric` must be 'npv' or 'bcr'; got {metric!r}.")
    lang = lang or current_lang()
    ax, font = _axes(ax, "memo_tall"), text_font()
    column, scale = ("estimate", _UNIT) if metric == "npv" else ("bcr", 1.0)
    base = (sensitivity.base_npv if metric == "npv" else sensitivity.base_bcr) / scale
    table = sensitivity.estimates
    terms = list(dict.fromkeys(table["term"]))[::-1]  # largest swing on top
    for y, term in enumerate(terms):
        rows = table[table["term"] == term].set_index("scenario")
        for scenario, color in (("low", PALETTE[0]), ("high", PALETTE[1])):
            value = rows.at[scenario, column] / scale
            ax.barh(y, value - base, left=base, height=0.6, color=color,
                    label=label(f"{scenario}_value", lang) if y == 0 else None)
            text = label(f"ci_{scenario}", lang) if term == "effect" \
                else rows.at[scenario, "value_label"]
            ax.annotate(text, (value, y), fontsize=7, va="center",
                        ha="left" if value >= base else "right", xytext=(3 if value >= base else -3, 0),
                        textcoords="offset points", **font)
    ax.axvline(base, color=COLORS["reference"], linewidth=1)
    ax.axvline(0.0 if metric == "npv" else 1.0, color=COLORS["naive"], linewidth=1, linestyle="--")
    ax.set_yticks(range(len(terms)))
    ax.set_yticklabels([label(_TERM_LABELS.get(t, t), lang) for t in terms], **font)
    xlabel = f"{label('npv', lang)} ({label('krw_hundred_million', lang)})" if metric == "npv" \
        else label("bcr", lang)
    ax.set_xlabel(xlabel, **font)
    ax.set_title(label("tornado_title", lang), loc="left", **font)
    ax.margins(x=0.25)
    legend_below(ax)
    record_drawn(ax, sensitivity)
    return ax


def plot_cba_summary(result: CostBenefitResult, *, ax: Any = None,
                     lang: str | None = None) -> Any:
    """Cost-benefit summary: costs by payer, benefits and NPV with simulation intervals.

    Costs are stacked by payer (each payer's share of the present value of costs); benefits
    and NPV carry their simulation interval; the benefit-cost ratio and the probability that
    it exceeds 1 are written on the figure.

    Parameters
    ----------
    result : CostBenefitResult
        From :func:`hubeval.cost_benefit`.
    ax : matplotlib Axes, optional
    lang : {"en", "ko"}, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_type(result, CostBenefitResult, "result")
    lang = lang or current_lang()
    ax, font = _axes(ax), text_font()
    est = result.estimates.set_index("term")
    left = 0.0
    for i, row in enumerate(result.costs_by_payer.itertuples()):
        share = row.share if np.isfinite(row.share) else 0.0
        width = result.pv_costs * share / _UNIT
        # the legend names each payer's amount: a small payer's segment can be too thin to see
        ax.barh(2, width, left=left, height=0.6, color=PALETTE[(i + 3) % 6],
                edgecolor="white", linewidth=0.5,
                label=f"{label(f'payer_{row.payer}', lang)}: {width:.2f} ({share:.0%})")
        left += width
    for y, term, color in ((1, "pv_benefits", COLORS["benefit"]), (0, "npv", COLORS["causal"])):
        value, lo, hi = (est.at[term, c] / _UNIT for c in ("estimate", "conf_low", "conf_high"))
        ax.barh(y, value, height=0.6, color=color)
        if np.isfinite(lo) and np.isfinite(hi):
            ax.errorbar(value, y, xerr=[[value - lo], [hi - value]], fmt="none",
                        ecolor=COLORS["reference"], capsize=3, linewidth=1)
    ax.axvline(0, color=COLORS["reference"], linewidth=0.8)
    ax.set_yticks([0, 1, 2])
    ax.set_yticklabels([label(k, lang) for k in ("npv", "pv_benefits", "pv_costs")], **font)
    ax.set_xlabel(label("krw_hundred_million", lang), **font)
    # the ratio goes on a line of its own under the title (beside it, the two overprint)
    ax.set_title(label("cba_title", lang), loc="left", pad=20, **font)
    ax.text(0.0, 1.0, _ratio_note(result, lang), transform=ax.transAxes, ha="left",
            va="bottom", fontsize=8, **font)
    legend_below(ax, ncol=2, size=7)
    record_drawn(ax, result)
    return ax


def _ratio_note(result: CostBenefitResult, lang: str) -> str:
    bcr = result.bcr
    text = f"{label('bcr', lang)} = {bcr:.2f}" if np.isfinite(bcr) else f"{label('bcr', lang)} = ∞"
    if result.n_sim and np.isfinite(result.prob_bcr_above_1):
        text += f", P(B/C > 1) = {result.prob_bcr_above_1:.0%}"
    return text


def font_properties(font: dict, size: float | None = None) -> Any:
    """FontProperties for legends (which take ``prop``, not ``fontfamily``)."""
    from matplotlib.font_manager import FontProperties
    return FontProperties(family=font["fontfamily"], size=size)
