"""Memo figures drawn from a batch's collected results (:class:`hubeval.workflow.BatchResults`).

They take results, never fit, take ``ax=None`` (or ``axes=None``) and return the Axes.
"""
from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..errors import SpecError
from ..figures import COLORS, FIGSIZE, label
from .event import plot_event_study

__all__ = ["plot_headline", "plot_event_grid", "plot_estimators"]

_CAUSAL_TERMS = ("ATT simple",)


def _label(key: str, lang) -> str:
    try:
        return label(key, lang)
    except Exception:  # outcomes without a translation keep their column name
        return key


def _headline_rows(results, outcomes) -> pd.DataFrame:
    table = results.estimates
    table = table[table["scale"] == "percent"] if outcomes is None else table[table["outcome"].isin(outcomes)]
    if table.empty:
        raise SpecError("No outcome to draw: the batch has no percent-scale comparison rows"
                        + ("" if outcomes is None else f" for {', '.join(outcomes)}") + ". Pass "
                        "`outcomes=` naming evaluated outcomes.")
    return table


def plot_headline(results, *, ax=None, outcomes=None, lang: str | None = None):
    """Headline figure: the program's before/after claim against the causal estimate, per outcome.

    For each outcome, the naive before/after number (level 1 of 5, hollow diamond, naive colour) is
    drawn above the Callaway-Sant'Anna average effect after entry (level 3 of 5, filled circle, with
    its 95% interval), on the percent scale.

    Parameters
    ----------
    results : BatchResults
        From :func:`hubeval.load_batch_results`.
    ax : matplotlib Axes, optional
    outcomes : list of str, optional
        Default: every outcome compared on the percent scale.
    lang : {"en", "ko"}, optional
        Default: the theme's language.

    Returns
    -------
    matplotlib Axes
    """
    table = _headline_rows(results, outcomes)
    order = list(dict.fromkeys(table["outcome"]))
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE["memo"])
    for i, outcome in enumerate(order):
        rows = table[table["outcome"] == outcome]
        naive = rows[rows["estimator"] == "before_after"]
        causal = rows[(rows["estimator"] == "callaway_santanna") & rows["term"].isin(_CAUSAL_TERMS)]
        y = len(order) - 1 - i
        if len(naive):
            ax.plot(naive["estimate"], [y + 0.15], marker="D", markersize=7, markerfacecolor="white",
                    markeredgecolor=COLORS["naive"], linestyle="none", gid="naive",
                    label=_label("naive", lang) if i == 0 else None)
        if len(causal):
            row = causal.iloc[0]
            ax.errorbar([row["estimate"]], [y - 0.15], xerr=[[row["estimate"] - row["conf_low"]],
                        [row["conf_high"] - row["estimate"]]], fmt="o", color=COLORS["causal"],
                        capsize=3, gid="causal", label=_label("causal", lang) if i == 0 else None)
    ax.axvline(0, color=COLORS["reference"], linewidth=0.8)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([_label(o, lang) for o in reversed(order)])
    ax.set_xlabel(_label("effect_percent", lang))
    ax.set_title(_label("headline_effects", lang))
    ax.legend(frameon=False, loc="best")
    return ax


@dataclasses.dataclass(frozen=True)
class _EventStudyView:
    """One outcome's event-study rows, shaped like an aggregate result for :func:`plot_event_study`."""

    estimates: pd.DataFrame
    spec: dict


def plot_event_grid(results, *, axes=None, outcomes=None, ncols: int = 2, lang: str | None = None):
    """Event studies of several outcomes in a grid (Callaway-Sant'Anna, pointwise 95% intervals).

    Parameters
    ----------
    results : BatchResults
    axes : array of Axes, optional
        At least as many as outcomes.
    outcomes : list of str, optional
        Default every outcome with an event study in the batch.
    ncols : int
    lang : {"en", "ko"}, optional

    Returns
    -------
    numpy array of matplotlib Axes (unused cells are hidden)
    """
    studies = results.event_studies
    if studies.empty:
        raise SpecError("The batch has no `event_study` records; run the outcome notebooks first.")
    outcomes = outcomes or list(dict.fromkeys(studies["outcome"]))
    missing = [o for o in outcomes if o not in set(studies["outcome"])]
    if missing:
        raise SpecError(f"No event study for {', '.join(missing)} in the batch; available: "
                        f"{', '.join(dict.fromkeys(studies['outcome']))}.")
    nrows = int(np.ceil(len(outcomes) / ncols))
    if axes is None:
        width, _ = FIGSIZE["memo"]
        _, axes = plt.subplots(nrows, ncols, figsize=(width, 2.3 * nrows), squeeze=False)
    flat = np.asarray(axes).ravel()
    if len(flat) < len(outcomes):
        raise SpecError(f"`axes` has {len(flat)} Axes for {len(outcomes)} outcomes; pass more Axes.")
    for ax, outcome in zip(flat, outcomes):
        rows = studies[studies["outcome"] == outcome]
        plot_event_study(_EventStudyView(rows, {"outcome": outcome}), ax=ax, band=False,
                         title=_label(outcome, lang))
        ax.set_ylabel("")
    for ax in flat[len(outcomes):]:
        ax.set_visible(False)
    return np.asarray(axes)


def plot_estimators(evaluation, *, ax=None, lang: str | None = None):
    """One outcome, every estimator: the naive claim against the causal estimates, on one scale.

    Parameters
    ----------
    evaluation : OutcomeEvaluation
        From :func:`hubeval.evaluate_outcome` (or ``hb.evaluate_outcomes(...)[outcome]``).
    ax : matplotlib Axes, optional
    lang : {"en", "ko"}, optional

    Returns
    -------
    matplotlib Axes
    """
    table = getattr(evaluation, "estimates", None)
    if not isinstance(table, pd.DataFrame) or "estimator" not in table.columns:
        raise SpecError(f"`evaluation` must be an OutcomeEvaluation (hb.evaluate_outcome); got "
                        f"{type(evaluation).__name__}.")
    if ax is None:
        _, ax = plt.subplots(figsize=FIGSIZE["memo"])
    n = len(table)
    for i, row in enumerate(table.itertuples(index=False)):
        y = n - 1 - i
        naive = row.estimator == "before_after"
        color = COLORS["naive"] if naive else COLORS["causal"]
        ax.errorbar([row.estimate], [y], xerr=[[row.estimate - row.conf_low], [row.conf_high - row.estimate]],
                    fmt="D" if naive else "o", color=color, markerfacecolor="white" if naive else color,
                    capsize=3, gid=row.estimator)
    ax.set_yticks(range(n))
    ax.set_yticklabels([f"{t} (L{lvl})" for t, lvl in zip(reversed(table["term"].tolist()),
                                                            reversed(table["evidence_level"].tolist()))])
    ax.axvline(0, color=COLORS["reference"], linewidth=0.8)
    scale = table["scale"].iloc[0]
    ax.set_xlabel(_label("effect_percent", lang) if scale == "percent" else _label("effect", lang))
    ax.set_title(_label(str(table["outcome"].iloc[0]), lang))
    return ax
