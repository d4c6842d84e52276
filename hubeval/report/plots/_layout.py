"""Figure layout shared by the plots: new figures, legends that never cover data, codebook labels.

Figures a plot function creates itself use matplotlib's constrained layout, which makes room for
titles, tick labels, axis labels and legends placed outside the axes, so no text overlaps another
or leaves the figure. Legends go *below* the axes (:func:`legend_below`), never over the data:
"best" placement still covers points when every corner holds some.
"""
from __future__ import annotations

from typing import Any

import matplotlib as mpl
from matplotlib.font_manager import FontProperties
from matplotlib.transforms import offset_copy

from hubeval.report.figures import FALLBACK_FONTS, FONT_FAMILY, label, label_or_key
from hubeval.report.plots._pyplot import plt

__all__ = ["new_figure", "legend_below", "codebook_label", "legend_font", "year_ticks",
           "outcome_unit", "effect_axis_label", "CITY_UNITS"]

#: Suffixes of derived covariates (:func:`hubeval.match` adds an outcome's pre-entry level and
#: trend) and the label key that names them.
_SUFFIXES = {"_pre_level": "term_pre_level", "_pre_trend": "term_pre_trend"}


def new_figure(size: tuple[float, float], nrows: int = 1, ncols: int = 1, **kwargs: Any):
    """A figure with constrained layout and its Axes (``plt.subplots`` arguments in ``kwargs``)."""
    return plt.subplots(nrows, ncols, figsize=size, layout="constrained", **kwargs)


def legend_font(size: float | None = 8) -> FontProperties:
    """FontProperties with the bundled font (legends take ``prop``, not ``fontfamily``)."""
    return FontProperties(family=[FONT_FAMILY, *FALLBACK_FONTS], size=size)


def _below_offset(ax: Any) -> float:
    """Points from the bottom of ``ax`` to below its x tick labels and x label."""
    rc = mpl.rcParams
    tick = FontProperties(size=rc["xtick.labelsize"]).get_size_in_points()
    text = FontProperties(size=rc["axes.labelsize"]).get_size_in_points()
    height = rc["xtick.major.size"] + rc["xtick.major.pad"] + 1.25 * tick
    if ax.get_xlabel():
        height += rc["axes.labelpad"] + 1.25 * text
    return height + 4.0


def legend_below(ax: Any, handles=None, labels=None, *, ncol: int | None = None,
                 size: float = 8, **kwargs: Any):
    """Put the legend of ``ax`` under its x axis (tick labels and label), centred; return it.

    With constrained layout the figure grows room for it; nothing of the data is covered.
    Without entries nothing is drawn and None is returned.
    """
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    ncol = ncol or min(len(handles), 2)
    anchor = offset_copy(ax.transAxes, fig=ax.figure, y=-_below_offset(ax), units="points")
    return ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                     bbox_transform=anchor, ncol=ncol, frameon=False, prop=legend_font(size),
                     borderaxespad=0.0, **kwargs)


def codebook_label(name: str, lang: str | None = None) -> str:
    """The codebook label of a column, covariate or outcome in ``lang`` (never its code name).

    Derived matching covariates ``<outcome>_pre_level`` and ``<outcome>_pre_trend`` read
    "<outcome label>, pre-entry level/trend". A name without a label is returned with its
    underscores as spaces, so no snake_case identifier reaches a reader.
    """
    for suffix, key in _SUFFIXES.items():
        if name.endswith(suffix):
            return label(key, lang, name=codebook_label(name[:-len(suffix)], lang))
    found = label_or_key(name, lang)
    return found.replace("_", " ") if found == name else found


def year_ticks(axis: Any, nbins: int = 5) -> None:
    """Whole years on a time axis, at most ``nbins`` of them, so the labels never run together."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=nbins, integer=True, steps=[1, 2, 5, 10]))


#: Label key of each codebook unit (``hb.codebook()["unit"]``) and of the city outcomes
#: (``data/example/README.md``, cities.csv).
_UNIT_KEYS = {"log points": "unit_log_points", "ratio": "unit_ratio", "0/1": "unit_share",
              "real KRW per worker": "unit_krw_million_per_worker", "real KRW": "unit_krw_million",
              "persons": "unit_persons"}
CITY_UNITS = {"mfg_employment": "unit_persons", "population": "unit_persons",
              "industrial_investment": "unit_krw_million", "complex_occupancy": "unit_pp",
              "mfg_share": "unit_pp"}


def outcome_unit(outcome: str, lang: str | None = None) -> str | None:
    """The unit an effect on ``outcome`` is measured in, in ``lang``; None when unknown."""
    from hubeval.data.outcomes import OUTCOMES

    key = CITY_UNITS.get(outcome)
    if key is None and outcome in OUTCOMES:
        key = _UNIT_KEYS.get(OUTCOMES[outcome].unit)
    return label(key, lang) if key else None


def effect_axis_label(outcome: str | None, lang: str | None = None, key: str = "effect_in") -> str:
    """"Effect (<unit>)" for an effect on ``outcome``; "Effect" when its unit is unknown."""
    unit = outcome_unit(outcome, lang) if outcome else None
    return label(key, lang, unit=unit) if unit else label("effect", lang)
