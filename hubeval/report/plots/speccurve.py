"""The specification curve (Simonsohn, Simmons & Nelson 2020, Figure 2 style) and its publication.

Top panel: the headline effect of every specification with its 95% interval, sorted, coloured
by significance, with the zero line and the median. Bottom panel: the specification matrix, one
row per value of each choice, a marker where the specification above uses it.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from hubeval.core.errors import SpecError
from hubeval.report.catalogue import LANGS, text
from hubeval.report.disclosure import DEFAULT_MIN_UNITS, ExistsPolicy
from hubeval.report.figures import (
    COLORS,
    FIGSIZE,
    current_lang,
    figure_theme,
    record_drawn,
    save_figure,
    text_font,
)
from hubeval.report.plots._layout import legend_below, new_figure
from hubeval.report.plots._pyplot import plt
from hubeval.report.speccurve import choice_column
from hubeval.report.speccurve_text import (
    choice_label,
    format_curve_effect,
    outcome_name,
    value_label,
)

__all__ = ["plot_specification_curve", "publish_specification_curve", "SIGNIFICANCE_COLORS"]

#: Colours of the three kinds of specification (top panel points and matrix markers).
SIGNIFICANCE_COLORS = {"significant_positive": COLORS["causal"],
                       "significant_negative": COLORS["naive"], "not_significant": "#999999"}
_ROW_HEIGHT = 0.2  # inches per matrix row


def _kinds(table: pd.DataFrame) -> pd.Series:
    significant = table["significant"].astype(bool)
    return pd.Series(np.where(~significant, "not_significant",
                              np.where(table["estimate"] > 0, "significant_positive",
                                       "significant_negative")), index=table.index)


def _matrix_rows(result, outcome: str, table: pd.DataFrame) -> list[tuple[str, str]]:
    """(choice, value) of each matrix row, top to bottom, in the grid's order."""
    rows = []
    for choice in result.choices[outcome]:
        used = set(table[choice_column(choice)].dropna())
        rows += [(choice, value) for value in result.levels[choice] if value in used]
    return rows


def _draw_curve(ax, shown: pd.DataFrame, kinds: pd.Series, alpha: str, lang: str) -> None:
    for kind, color in SIGNIFICANCE_COLORS.items():
        part = shown[kinds == kind]
        if part.empty:
            continue
        est = part["estimate"].to_numpy()
        yerr = np.vstack([est - part["conf_low"].to_numpy(), part["conf_high"].to_numpy() - est])
        ax.errorbar(part["rank"].to_numpy(), est, yerr=yerr, fmt="o", ms=3.5, color=color,
                    ecolor=color, elinewidth=1.0, capsize=0, alpha=0.95,
                    label=text(f"speccurve.{kind}", lang, alpha=alpha))
    ax.axhline(0, color=COLORS["reference"], linewidth=0.8)
    low = min(float(shown["conf_low"].min()), 0.0)  # zero always in view, with a margin
    high = max(float(shown["conf_high"].max()), 0.0)
    pad = 0.06 * (high - low) or 1.0
    ax.set_ylim(low - pad, high + pad)
    median = float(shown["estimate"].median())
    scale = str(shown["scale"].iloc[0])
    ax.axhline(median, color=COLORS["neutral"], linewidth=0.8, linestyle="--",
               label=text("speccurve.median", lang,
                          median=format_curve_effect(median, scale, lang)))


def _draw_matrix(ax, shown: pd.DataFrame, kinds: pd.Series, rows: list, lang: str) -> None:
    font = text_font()
    n = len(rows)
    for i, (choice, value) in enumerate(rows):
        used = shown[choice_column(choice)] == value
        ax.scatter(shown.loc[used, "rank"], np.full(int(used.sum()), n - 1 - i), s=14,
                   marker="s", c=[SIGNIFICANCE_COLORS[k] for k in kinds[used]], linewidths=0)
    for i in range(1, n):  # a thin line between the values of one choice and the next
        if rows[i][0] != rows[i - 1][0]:
            ax.axhline(n - i - 0.5, color="0.75", linewidth=0.6)
    labels = [f"{choice_label(c, lang)}: {value_label(c, v, lang)}" for c, v in rows]
    ax.set_yticks(range(n - 1, -1, -1), labels, **font, fontsize=7)
    ax.set_ylim(-0.6, n - 0.4)
    ax.grid(axis="y", visible=False)


def plot_specification_curve(result, *, outcome: str | None = None, axes=None,
                             lang: str | None = None, title: str | None = None):
    """Draw the specification curve of one outcome with the specification matrix beneath.

    Parameters
    ----------
    result : SpecificationCurveResult
        From :func:`hubeval.specification_curve`. Specifications whose estimate is missing
        (suppressed by disclosure control) are left out.
    outcome : str, optional
        Default: the result's first outcome.
    axes : pair of matplotlib Axes, optional
        (curve, matrix), sharing the x axis; default a new memo-width figure.
    lang : {"en", "ko"}, optional
        Language of the labels; default the theme's.
    title : str, optional
        Default "Specification curve: <outcome>".

    Returns
    -------
    numpy.ndarray of matplotlib Axes
        The curve and the matrix.

    References
    ----------
    Simonsohn, Simmons and Nelson (2020), *Nature Human Behaviour* 4, 1208-1214, Figure 2.
    """
    if not hasattr(result, "curve") or not hasattr(result, "choices"):
        raise SpecError(f"`result` must be a SpecificationCurveResult (from "
                        f"hb.specification_curve); got {type(result).__name__}.")
    lang = lang or current_lang()
    table = result.curve(outcome)
    outcome = str(table["outcome"].iloc[0])
    shown = table.dropna(subset=["estimate", "conf_low", "conf_high"])
    if shown.empty:
        raise SpecError(f"Nothing to draw for `{outcome}`: every specification's estimate is "
                        "missing (suppressed by disclosure control).")
    rows = _matrix_rows(result, outcome, shown)
    if axes is None:
        width, height = FIGSIZE["memo"][0], 2.6 + _ROW_HEIGHT * len(rows)
        _, axes = new_figure((width, height), nrows=2, sharex=True,
                             gridspec_kw={"height_ratios": [2.6, _ROW_HEIGHT * len(rows) + 0.3]})
    top, bottom = axes
    kinds = _kinds(shown)
    font = text_font()
    _draw_curve(top, shown, kinds, f"{result.spec.get('alpha', 0.05):.0%}", lang)
    scale = str(shown["scale"].iloc[0])
    top.set_ylabel(text("speccurve.effect_percent" if scale == "percent"
                        else "speccurve.effect_level", lang), **font)
    top.set_title(title or text("speccurve.title", lang, outcome=outcome_name(outcome, lang)),
                  loc="left", **font)
    _draw_matrix(bottom, shown, kinds, rows, lang)
    bottom.set_xlim(0.3, len(table) + 0.7)
    bottom.set_xlabel(text("speccurve.rank", lang), **font)
    bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = top.get_legend_handles_labels()  # the legend under the matrix,
    handles, labels = handles[1:] + handles[:1], labels[1:] + labels[:1]  # the median last
    legend_below(bottom, handles, labels, ncol=2)
    record_drawn(top, result)
    return np.asarray(axes)


def publish_specification_curve(result, *, out_dir: str | Path,
                                langs: Sequence[str] = LANGS,
                                formats: Sequence[str] = ("png", "svg"), dpi: int = 300,
                                exists: ExistsPolicy = "error",
                                min_units: int = DEFAULT_MIN_UNITS) -> pd.DataFrame:
    """Draw every outcome's curve in each language and save it through the disclosure gate.

    Files are ``specification_curve_<outcome>_<lang>.<format>`` in ``out_dir``, each checked by
    :func:`hubeval.save_figure` (the firm counts of every specification drawn, and glyphs).

    Parameters
    ----------
    result : SpecificationCurveResult
    out_dir : str or Path
        Typically :func:`hubeval.report_folder` of the batch.
    langs : sequence of {"en", "ko"}, default both
    formats, dpi, exists, min_units
        As for :func:`hubeval.save_figure`.

    Returns
    -------
    DataFrame
        One row per file: ``outcome, lang, format, path``.
    """
    rows = []
    for lang in langs:
        with figure_theme(lang=lang):
            for outcome in result.outcomes:
                axes = plot_specification_curve(result, outcome=outcome, lang=lang)
                figure = axes[0].figure
                try:
                    paths = save_figure(figure, f"specification_curve_{outcome}_{lang}",
                                        out_dir=out_dir, formats=formats, dpi=dpi,
                                        exists=exists, min_units=min_units)
                finally:
                    plt.close(figure)
                rows += [(outcome, lang, fmt, str(path)) for fmt, path in paths.items()]
    return pd.DataFrame(rows, columns=["outcome", "lang", "format", "path"])
