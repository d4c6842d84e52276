"""Event-study, group-time and estimator-comparison figures for the firm-level estimators.

Each function takes result objects (never data, never fits), draws on ``ax`` (a new figure when
None) and returns the Axes. Colours and labels come from :mod:`hubeval.report.figures`.

- :func:`plot_event_study`: effects by years since entry, with intervals, the entry line at
  -0.5, zero, and the uniform band when the result has ``band_low``/``band_high``; for
  ``hb.aggregate(gt, by="event_time")``, :func:`hubeval.imputation` and
  ``hb.twfe(..., event_study=True)``.
- :func:`plot_group_time`: ATT(g, t) by cohort (Callaway & Sant'Anna 2021, as R ``ggdid``).
- :func:`plot_comparison`: one point and interval per estimator for one outcome, the naive
  before/after number marked as descriptive, not causal.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hubeval.core.results import normal_quantile
from hubeval.core.errors import SpecError
from hubeval.report.figures import COLORS, FIGSIZE, PALETTE, label, record_drawn, text_font
from hubeval.report.plots._layout import (
    codebook_label,
    effect_axis_label,
    legend_below,
    new_figure,
    year_ticks,
)

__all__ = ["plot_event_study", "plot_group_time", "plot_comparison"]


def _axes(ax):
    return new_figure(FIGSIZE["memo"])[1] if ax is None else ax


def _outcome_label(result, lang=None) -> str:
    """"Effect (<unit>)" of the result's outcome (the outcome itself is in the title)."""
    outcome = (getattr(result, "spec", {}) or {}).get("outcome")
    return effect_axis_label(str(outcome) if outcome else None, lang)


def _default_title(result, lang=None) -> str | None:
    outcome = (getattr(result, "spec", {}) or {}).get("outcome")
    return f"{label('event_study', lang)}: {codebook_label(str(outcome), lang)}" if outcome else None


def _draw_points(ax, frame: pd.DataFrame, x: np.ndarray, color, marker: str, filled: bool,
                 name: str | None) -> None:
    """Points with pointwise intervals; hollow markers for pre-entry periods."""
    if frame.empty:
        return
    has_ci = frame[["conf_low", "conf_high"]].notna().all(axis=1).to_numpy()
    est = frame["estimate"].to_numpy(float)
    low, high = frame["conf_low"].to_numpy(float), frame["conf_high"].to_numpy(float)
    face = color if filled else "white"
    if has_ci.any():
        ax.errorbar(x[has_ci], est[has_ci], yerr=[est[has_ci] - low[has_ci], high[has_ci] - est[has_ci]],
                    fmt=marker, color=color, markerfacecolor=face, capsize=2, linewidth=1.2,
                    label=name, gid="estimates")
        name = None
    if (~has_ci).any():  # reference periods (normalised to zero, no interval)
        ax.plot(x[~has_ci], est[~has_ci], marker=marker, linestyle="none", color=color,
                markerfacecolor="white", label=name, gid="reference")


def plot_event_study(result, *, ax=None, color: str | None = None, name: str | None = None,
                     dodge: float = 0.0, band: bool = True, percent: bool = False,
                     title: str | None = None, lang: str | None = None):
    """Effects by years since entry (event time), with intervals and the entry line.

    Parameters
    ----------
    result : result with event-time estimates
        ``hb.aggregate(gt, by="event_time")``, ``hb.imputation(...)`` or
        ``hb.twfe(..., event_study=True)``: any result whose ``estimates`` have ``event_time``,
        ``estimate``, ``conf_low`` and ``conf_high``. Rows without an event time (an overall
        effect) are skipped; rows without an interval (the reference period) are drawn hollow.
    ax : matplotlib Axes, optional
    color : str, optional
        Default the causal-estimate colour.
    name : str, optional
        Legend entry (to overlay several estimators on one ``ax``, with ``dodge``).
    dodge : float
        Horizontal shift of the points, to overlay estimators without overlap.
    band : bool
        Draw the uniform (simultaneous) band when the estimates have ``band_low``/``band_high``.
    percent : bool
        For a log outcome, show ``100 * (exp(b) - 1)`` (interval and band transformed too).
    title : str, optional
        Default "Effect by years since participation: <outcome>" when the result names its outcome.
    lang : {"en", "ko"}, optional
        Language of the labels; default the theme's.

    Returns
    -------
    matplotlib Axes

    References
    ----------
    Callaway & Sant'Anna (2021), figure 1; Borusyak, Jaravel & Spiess (2024).
    """
    frame = _event_frame(result)
    if percent:
        frame = _as_percent(frame, result)
    ax = _axes(ax)
    color = color or COLORS["causal"]
    x = frame["event_time"].to_numpy(float) + dodge
    if band and {"band_low", "band_high"} <= set(frame.columns) and frame["band_low"].notna().any():
        ok = frame[["band_low", "band_high"]].notna().all(axis=1).to_numpy()
        ax.fill_between(x[ok], frame.loc[ok, "band_low"], frame.loc[ok, "band_high"], color=color,
                        alpha=0.15, linewidth=0, label=label("uniform_band", lang), gid="uniform_band")
    pre = frame["event_time"].to_numpy() < 0
    _draw_points(ax, frame[pre], x[pre], color, "o", False, None)
    _draw_points(ax, frame[~pre], x[~pre], color, "o", True, name)
    _reference_lines(ax)
    font = text_font()
    ax.set_xlabel(label("event_time", lang), **font)
    ax.set_ylabel(label("effect_percent", lang) if percent else _outcome_label(result, lang), **font)
    title = title or _default_title(result, lang)
    if title:
        ax.set_title(title, loc="left", **font)
    legend_below(ax)  # under the axis: inside, the band's entry covers early points
    record_drawn(ax, result)
    return ax


def _event_frame(result) -> pd.DataFrame:
    frame = getattr(result, "estimates", None)
    needed = {"event_time", "estimate", "conf_low", "conf_high"}
    if not isinstance(frame, pd.DataFrame) or not needed <= set(frame.columns):
        found = list(frame.columns) if isinstance(frame, pd.DataFrame) else type(result).__name__
        raise SpecError(
            "`result` has no event-time estimates (columns event_time, estimate, conf_low, conf_high); "
            f"found {found}. Pass hb.aggregate(gt, by='event_time'), hb.imputation(...) or "
            "hb.twfe(..., event_study=True).")
    frame = frame[frame["event_time"].notna()].sort_values("event_time")
    if frame.empty:
        raise SpecError("`result` has no row with an event time to plot.")
    return frame.reset_index(drop=True)


def _as_percent(frame: pd.DataFrame, result) -> pd.DataFrame:
    spec = getattr(result, "spec", {}) or {}
    if not spec.get("log_outcome") and not str(spec.get("outcome", "")).startswith(("log_", "ln_")):
        raise SpecError(f"`percent=True` needs a log outcome; '{spec.get('outcome')}' is not one (names "
                        "starting log_ or ln_). Use percent=False.")
    out = frame.copy()
    for col in ("estimate", "conf_low", "conf_high", "band_low", "band_high"):
        if col in out:
            out[col] = 100 * np.expm1(out[col].astype(float))
    return out


def _reference_lines(ax) -> None:
    ax.axhline(0, color=COLORS["reference"], linewidth=0.8, gid="zero")
    ax.axvline(-0.5, color=COLORS["neutral"], linestyle=":", linewidth=1, gid="entry",
               label=None)


def plot_group_time(gt, *, ax=None, x: str = "time", title: str | None = None):
    """Group-time effects ATT(g, t), one series per cohort.

    Parameters
    ----------
    gt : GroupTimeResult
        ``hb.att_gt(...)``; its estimates have ``cohort, time, event_time, estimate, conf_low,
        conf_high``.
    ax : matplotlib Axes, optional
    x : {"time", "event_time"}
        Calendar year (each cohort's entry marked by a dashed line in its colour) or years since
        entry (one entry line at -0.5).
    title : str, optional

    Returns
    -------
    matplotlib Axes

    References
    ----------
    Callaway & Sant'Anna (2021); R ``did::ggdid``.
    """
    frame = getattr(gt, "estimates", None)
    needed = {"cohort", "time", "event_time", "estimate", "conf_low", "conf_high"}
    if not isinstance(frame, pd.DataFrame) or not needed <= set(frame.columns):
        raise SpecError("`gt` must be a group-time result (hb.att_gt(...)) whose estimates have "
                        f"columns {sorted(needed)}; got {type(gt).__name__}.")
    if x not in ("time", "event_time"):
        raise SpecError(f"`x` must be 'time' or 'event_time'; got {x!r}.")
    ax = _axes(ax)
    cohorts = sorted(frame["cohort"].unique())
    width = 0.6 / max(len(cohorts), 1)
    for i, cohort in enumerate(cohorts):
        color = PALETTE[i % (len(PALETTE) - 1)]
        cells = frame[frame["cohort"] == cohort].sort_values("time")
        pos = cells[x].to_numpy(float) + (i - (len(cohorts) - 1) / 2) * width
        pre = cells["event_time"].to_numpy() < 0
        name = label("cohort_entry", c=int(cohort))
        _draw_points(ax, cells[pre], pos[pre], color, "o", False, None)
        _draw_points(ax, cells[~pre], pos[~pre], color, "o", True, name)
        if x == "time":
            ax.axvline(cohort - 0.5, color=color, linestyle="--", linewidth=0.8, gid="entry")
    ax.axhline(0, color=COLORS["reference"], linewidth=0.8, gid="zero")
    if x == "event_time":
        ax.axvline(-0.5, color=COLORS["neutral"], linestyle=":", linewidth=1, gid="entry")
    ax.set_xlabel(label("year") if x == "time" else label("event_time"))
    ax.set_ylabel(_outcome_label(gt))
    ax.legend(frameon=False, fontsize="small", title=label("cohort"))
    if title:
        ax.set_title(title)
    record_drawn(ax, gt)
    return ax


# --- comparison ------------------------------------------------------------------------------
def plot_comparison(results, *, ax=None, labels: Sequence[str] | None = None, percent: bool = False,
                    title: str | None = None):
    """One point and interval per estimator for the same outcome.

    The before/after number (or any result whose ``design`` says "descriptive") is drawn in the
    naive colour with a hollow diamond and labelled "descriptive, not causal".

    Parameters
    ----------
    results : sequence of results, or mapping label -> result
        E.g. ``[hb.before_after(...), hb.twfe(...), hb.aggregate(gt, by="simple"),
        hb.imputation(...)]``. Each contributes its headline effect: ``headline()`` when it has
        one, else its ``overall`` effect, else its single estimate.
    ax : matplotlib Axes, optional
    labels : sequence of str, optional
        One per result; default a short name per estimator.
    percent : bool
        Show effects on a log outcome as percent, ``100 * (exp(b) - 1)`` (before/after results
        already in percent are kept). Without it, mixing percent and level headlines is an error.
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    if isinstance(results, Mapping):
        labels, results = list(results.keys()), list(results.values())
    results = list(results)
    if not results:
        raise SpecError("`results` is empty; pass the results to compare (e.g. before_after, twfe, "
                        "aggregate, imputation).")
    if labels is not None and len(labels) != len(results):
        raise SpecError(f"`labels` has {len(labels)} entries but `results` has {len(results)}; give one "
                        "label per result.")
    rows = [_headline(r) for r in results]
    rows = _common_scale(rows, percent)
    ax = _axes(ax)
    names = list(labels) if labels is not None else [_default_name(r) for r in results]
    for pos, (row, name) in enumerate(zip(rows, names)):
        y = len(rows) - 1 - pos
        naive = row["descriptive"]
        color = COLORS["naive"] if naive else COLORS["causal"]
        ax.errorbar([row["estimate"]], [y], xerr=[[row["estimate"] - row["conf_low"]],
                                                  [row["conf_high"] - row["estimate"]]],
                    fmt="D" if naive else "o", color=color, capsize=3,
                    markerfacecolor="white" if naive else color, gid="descriptive" if naive else "causal")
        if naive and label("descriptive_not_causal") not in name:
            names[pos] = f"{name}\n({label('descriptive_not_causal')})"
    ax.set_yticks(range(len(rows)), names[::-1])
    ax.axvline(0, color=COLORS["reference"], linewidth=0.8, gid="zero")
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(label("effect_percent") if rows[0]["scale"] == "percent" else label("effect_size"))
    if title:
        ax.set_title(title)
    record_drawn(ax, *results)
    return ax


def _headline(result) -> dict:
    spec = getattr(result, "spec", {}) or {}
    descriptive = "descriptive" in str(getattr(result, "design", "")).lower()
    if hasattr(result, "headline"):
        row = result.headline()
    elif getattr(result, "overall", None) is not None:
        row = result.overall
        row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
    elif isinstance(getattr(result, "estimates", None), pd.DataFrame) and len(result.estimates) == 1:
        row = result.estimates.iloc[0]
    else:
        raise SpecError(f"Cannot find one headline effect in {type(result).__name__}: it has no "
                        "headline() or overall effect and more than one estimate. Pass e.g. "
                        "hb.aggregate(gt, by='simple') or a static hb.twfe(...).")
    get = (lambda k: row.get(k)) if isinstance(row, (dict, pd.Series)) else (lambda k: getattr(row, k, None))
    estimate, se = float(get("estimate")), get("std_error")
    low, high = get("conf_low"), get("conf_high")
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        q = normal_quantile(1 - spec.get("alpha", 0.05) / 2)
        low, high = estimate - q * float(se), estimate + q * float(se)
    term = str(get("term") or getattr(result, "headline_term", ""))
    scale = "percent" if "percent" in term else "level"
    return dict(estimate=estimate, std_error=se, conf_low=float(low), conf_high=float(high),
                descriptive=descriptive, scale=scale, log_outcome=bool(spec.get("log_outcome")),
                outcome=spec.get("outcome"))


def _common_scale(rows: list[dict], percent: bool) -> list[dict]:
    if percent:
        for row in rows:
            if row["scale"] == "level":
                if not row["log_outcome"]:
                    raise SpecError(f"`percent=True` needs log outcomes; '{row['outcome']}' is not one "
                                    "(names starting log_ or ln_). Use percent=False.")
                for key in ("estimate", "conf_low", "conf_high"):
                    row[key] = 100 * np.expm1(row[key])
                row["scale"] = "percent"
        return rows
    scales = {row["scale"] for row in rows}
    if len(scales) > 1:
        raise SpecError("The results mix percent and level effects (before_after(scale='percent') "
                        "beside regression coefficients). Use before_after(..., scale='level') for a "
                        "log outcome, or plot_comparison(..., percent=True).")
    return rows


def _default_name(result) -> str:
    kind = type(result).__name__
    if kind == "BeforeAfterResult":
        return label("naive")
    if kind == "TwfeResult":
        return label("estimator_twfe")
    if kind == "ImputationResult":
        return label("estimator_imputation")
    if kind in ("AggregateResult", "GroupTimeResult") or "Sant'Anna" in getattr(result, "title", ""):
        return label("estimator_cs")
    return getattr(result, "title", kind)
