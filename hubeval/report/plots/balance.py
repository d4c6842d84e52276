"""Love plot: covariate balance before and after matching or weighting (Ahmed et al. 2006)."""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError
from hubeval.design.balance import SMD_FLAGS
from hubeval.report.figures import label, record_drawn, text_font
from hubeval.report.plots._layout import codebook_label, legend_below, new_figure

__all__ = ["plot_balance"]


def plot_balance(result, *, absolute: bool = True, ax=None, lang: str | None = None):
    """Plot standardised mean differences before and after matching (a "love plot").

    Parameters
    ----------
    result : MatchResult
        From :func:`hubeval.match` (anything with a ``balance`` table works).
    absolute : bool, default True
        Plot |SMD| (the usual love plot) rather than the signed difference.
    ax : matplotlib Axes, optional
    lang : {"en", "ko"}, optional
        Language of the labels (covariates by their codebook labels); default the theme's.

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline covariates
    between treatment groups in propensity-score matched samples. Statistics in Medicine 28.
    """
    table = getattr(result, "balance", None)
    if table is None or "smd_before" not in table:
        raise SpecError(f"`result` must be a MatchResult (from hb.match) with a balance table; got "
                        f"{type(result).__name__}.")
    ax = ax if ax is not None else new_figure((6.3, 0.4 * len(table) + 1.9))[1]
    font = text_font()
    pos = np.arange(len(table))[::-1]
    before, after = table["smd_before"].to_numpy(float), table["smd_after"].to_numpy(float)
    if absolute:
        before, after = np.abs(before), np.abs(after)
    ax.scatter(before, pos, marker="o", facecolors="none", edgecolors="0.4",
               label=label("smd_before", lang))
    ax.scatter(after, pos, marker="o", color="C0", label=label("smd_after", lang))
    for x0, x1, y in zip(before, after, pos):
        ax.plot([x0, x1], [y, y], color="0.8", lw=1, zorder=0)
    for flag, style in zip(SMD_FLAGS, (":", "--")):
        for sign in ((1,) if absolute else (-1, 1)):
            ax.axvline(sign * flag, color="0.5", ls=style, lw=1)
    ax.axvline(0, color="0.2", lw=0.8)
    ax.set_yticks(pos, [codebook_label(str(t), lang) for t in table["term"]], **font)
    ax.set_xlabel(label("smd_axis_abs" if absolute else "smd_axis", lang), **font)
    ax.set_title(label("balance_title", lang), loc="left", **font)
    legend_below(ax)  # inside, it covers a covariate's point
    record_drawn(ax, result)
    return ax
