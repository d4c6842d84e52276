"""Sensitivity plot: robust confidence intervals against Mbar or M (Rambachan & Roth 2023, Figure 5 style)."""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError
from hubeval.report.figures import label, record_drawn, text_font
from hubeval.report.plots._layout import codebook_label, legend_below, new_figure

__all__ = ["plot_sensitivity"]


def plot_sensitivity(result, *, ax=None, lang: str | None = None, title: str | None = None):
    """Plot the original and the robust intervals for each Mbar (relative magnitudes) or M (smoothness).

    Parameters
    ----------
    result : SensitivityResult
        From :func:`hubeval.relative_magnitudes` or :func:`hubeval.smoothness_bounds`; the labels
        follow the restriction recorded in its ``spec``.
    ax : matplotlib Axes, optional
    lang : {"en", "ko"}, optional
        Language of the labels; default the theme's.
    title : str, optional
        Default "Sensitivity to violations of parallel trends", with the outcome when the
        result's ``spec`` names it.

    Returns
    -------
    matplotlib.axes.Axes
    """
    table = getattr(result, "estimates", None)
    if table is None or "mbar" not in table or not hasattr(result, "breakdown_mbar"):
        raise SpecError(f"`result` must be a SensitivityResult (from hb.relative_magnitudes); got "
                        f"{type(result).__name__}.")
    ax = ax if ax is not None else new_figure((6.3, 4.2))[1]
    font = text_font()
    sd = (getattr(result, "spec", {}) or {}).get("restriction") == "SD"
    key = (lambda name: f"{name}_sd") if sd else (lambda name: name)  # noqa: E731
    original = table[table["method"] == "original"].iloc[0]
    robust = table[table["method"] != "original"]
    step = np.diff(robust["mbar"]).min() if len(robust) > 1 else 0.5
    x0 = robust["mbar"].min() - step
    ax.errorbar([x0], [original["estimate"]], yerr=[[original["estimate"] - original["conf_low"]],
                                                   [original["conf_high"] - original["estimate"]]],
                fmt="o", color="0.3", capsize=4, label=label("hr_original", lang))
    mid = (robust["conf_low"] + robust["conf_high"]) / 2
    ax.errorbar(robust["mbar"], mid, yerr=[mid - robust["conf_low"], robust["conf_high"] - mid], fmt="none",
                color="C0", capsize=4, lw=2, label=label(key("hr_robust"), lang))
    ax.axhline(0, color="0.2", lw=0.8)
    breakdown = result.breakdown_mbar
    if np.isfinite(breakdown) and breakdown > 0:
        ax.axvline(breakdown, color="C3", ls="--", lw=1,
                   label=label(key("hr_breakdown"), lang, mbar=f"{breakdown:.3g}"))
    ax.set_xticks([x0, *robust["mbar"]],
                  [label("hr_original_tick", lang), *[f"{m:g}" for m in robust["mbar"]]])
    ax.set_xlabel(label(key("hr_mbar_axis"), lang), **font)
    ax.set_ylabel(label("hr_effect_axis", lang), **font)
    if title is None:
        outcome = (getattr(result, "spec", {}) or {}).get("outcome")
        title = label("hr_title", lang) + (f": {codebook_label(str(outcome), lang)}" if outcome else "")
    ax.set_title(title, loc="left", **font)
    legend_below(ax, ncol=1)  # inside, it covers the intervals
    record_drawn(ax, result)
    return ax
