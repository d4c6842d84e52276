"""Memo figures drawn from a batch's collected results (:class:`hubeval.store.BatchResult`).

They take results, never fit, take ``ax=None`` (or ``axes=None``) and return the Axes.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError
from hubeval.report.figures import COLORS, FIGSIZE, current_lang, label, record_drawn, text_font
from hubeval.report.figures import label_or_key as _label
from hubeval.report.plots._layout import (
    codebook_label,
    effect_axis_label,
    legend_below,
    new_figure,
)
from hubeval.report.plots.cba import plot_cba_summary, plot_tornado
from hubeval.report.plots.event import plot_event_study

__all__ = ["plot_headline", "plot_headline_levels", "plot_event_grid", "plot_estimators",
           "plot_cba_panel", "plot_balance_memo"]

#: The headline causal estimate of a comparison: Callaway-Sant'Anna's average after entry.
_CAUSAL_TERMS = ("att",)


def _headline_rows(results, outcomes) -> pd.DataFrame:
    table = results.comparison
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
    results : BatchResult
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
        _, ax = new_figure(FIGSIZE["memo"])
    font = text_font()
    for i, outcome in enumerate(order):
        # suppressed (missing) estimates are left out: disclosure control hid them
        _pair(ax, table[table["outcome"] == outcome], len(order) - 1 - i, lang)
    ax.axvline(0, color=COLORS["reference"], linewidth=0.8)
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels([_label(o, lang) for o in reversed(order)], **font)
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_xlabel(_label("effect_percent", lang), **font)
    ax.set_title(_label("headline_effects", lang), loc="left", **font)
    legend_below(ax)  # under the axis: a legend inside covers an interval
    record_drawn(ax, results.comparison)
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
    results : BatchResult
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
        _, axes = new_figure((width, 2.5 * nrows), nrows, ncols, squeeze=False)
    flat = np.asarray(axes).ravel()
    if len(flat) < len(outcomes):
        raise SpecError(f"`axes` has {len(flat)} Axes for {len(outcomes)} outcomes; pass more Axes.")
    font = text_font()
    for ax, outcome in zip(flat, outcomes):
        rows = studies[studies["outcome"] == outcome]
        plot_event_study(_EventStudyView(rows, {"outcome": outcome}), ax=ax, band=False,
                         title=_label(outcome, lang), lang=lang)
        ax.set_ylabel(effect_axis_label(outcome, lang), **font)
        ax.title.set_fontsize("medium")
    for ax in flat[len(outcomes):]:
        ax.set_visible(False)
    record_drawn(flat[0], studies)
    return np.asarray(axes)


def plot_estimators(evaluation, *, ax=None, lang: str | None = None):
    """One outcome, every estimator: the naive claim against the causal estimates, on one scale.

    Parameters
    ----------
    evaluation : OutcomeEvaluationResult
        From :func:`hubeval.evaluate_outcome` (or ``hb.evaluate_outcomes(...)[outcome]``).
    ax : matplotlib Axes, optional
    lang : {"en", "ko"}, optional

    Returns
    -------
    matplotlib Axes
    """
    table = getattr(evaluation, "estimates", None)
    if not isinstance(table, pd.DataFrame) or "estimator" not in table.columns:
        raise SpecError(f"`evaluation` must be an OutcomeEvaluationResult (hb.evaluate_outcome); got "
                        f"{type(evaluation).__name__}.")
    if ax is None:
        _, ax = new_figure(FIGSIZE["memo_tall"])
    n, font = len(table), text_font()
    for i, row in enumerate(table.itertuples(index=False)):
        y = n - 1 - i
        naive = row.estimator == "before_after"
        color = COLORS["naive"] if naive else COLORS["causal"]
        ax.errorbar([row.estimate], [y], xerr=[[row.estimate - row.conf_low], [row.conf_high - row.estimate]],
                    fmt="D" if naive else "o", color=color, markerfacecolor="white" if naive else color,
                    capsize=3, gid=row.estimator)
    ax.set_yticks(range(n))
    ax.set_yticklabels([_estimator_tick(row, lang) for row in table.iloc[::-1].itertuples()],
                       **font)
    ax.set_ylim(-0.6, n - 0.4)
    ax.axvline(0, color=COLORS["reference"], linewidth=0.8)
    outcome = str(table["outcome"].iloc[0])
    scale = table["scale"].iloc[0]
    ax.set_xlabel(_label("effect_percent", lang) if scale == "percent"
                  else effect_axis_label(outcome, lang), **font)
    ax.set_title(codebook_label(outcome, lang), loc="left", **font)
    record_drawn(ax, evaluation)
    return ax


def _estimator_tick(row, lang) -> str:
    """"Design, horizon (evidence n/5)" from the catalogue, never the row's code term."""
    from hubeval.report import catalogue

    lang = lang or current_lang()
    design = catalogue.section("design", lang).get(row.estimator, str(row.estimator))
    from hubeval.report.memo.text import horizon_text

    # a results-store row (event_time, evidence) or an evaluation's own row (horizon, evidence_level)
    event = getattr(row, "event_time", None)
    if not hasattr(row, "event_time"):
        event = None if row.horizon == "post average" else row.horizon
    level = row.evidence if hasattr(row, "evidence") else row.evidence_level
    return label("estimator_tick", lang, design=design, horizon=horizon_text(event, lang),
                 level=level)


def _pair(ax, rows, y: float, lang, *, factor: float = 1.0) -> None:
    """Naive claim (hollow diamond) above the causal estimate (dot with interval) at height y.

    Missing (suppressed) estimates are not drawn; each legend entry is added once per Axes.
    """
    labelled = set(ax.get_legend_handles_labels()[1])

    def legend(key: str):
        text = _label(key, lang)
        return text if text not in labelled else None

    naive = rows[rows["estimator"] == "before_after"]
    causal = rows[(rows["estimator"] == "callaway_santanna") & rows["term"].isin(_CAUSAL_TERMS)]
    if len(naive) and np.isfinite(naive["estimate"].iloc[0]):
        ax.plot(naive["estimate"].iloc[:1] * factor, [y + 0.15], marker="D", markersize=7,
                markerfacecolor="white", markeredgecolor=COLORS["naive"], linestyle="none",
                gid="naive", label=legend("naive"))
    if len(causal) and np.isfinite(causal["estimate"].iloc[0]):
        row = causal.iloc[0]
        est, lo, hi = (float(row[k]) * factor for k in ("estimate", "conf_low", "conf_high"))
        ax.errorbar([est], [y - 0.15], xerr=[[est - lo], [hi - est]], fmt="o",
                    color=COLORS["causal"], capsize=3, gid="causal", label=legend("causal"))


def plot_headline_levels(results, *, axes=None, outcomes=None, lang: str | None = None):
    """Headline figure for outcomes compared in levels (rates, shares, growth), one panel each.

    The companion of :func:`plot_headline` for outcomes whose effects are not percentages:
    each outcome gets its own panel and axis (their units differ), with the naive before/after
    claim (level 1 of 5, hollow diamond) above the Callaway-Sant'Anna average effect after
    entry (level 3 of 5, dot with 95% interval). Shares and rates (investment rate, any
    investment, employment growth, survival) are drawn in percentage points.

    Parameters
    ----------
    results : BatchResult
    axes : array of Axes, optional
        One per outcome.
    outcomes : list of str, optional
        Default: every outcome compared on the level scale.
    lang : {"en", "ko"}, optional

    Returns
    -------
    numpy array of matplotlib Axes
    """
    from hubeval.data.outcomes import SHARE_OUTCOMES

    table = results.comparison
    table = table[table["scale"] == "level"] if outcomes is None else table[table["outcome"].isin(outcomes)]
    order = list(dict.fromkeys(table["outcome"]))
    if not order:
        raise SpecError("No outcome to draw: the batch has no level-scale comparison rows"
                        + ("" if outcomes is None else f" for {', '.join(outcomes)}") + ".")
    if axes is None:
        width, _ = FIGSIZE["memo"]
        _, axes = new_figure((width, 1.4 + 1.0 * len(order)), len(order), 1, squeeze=False)
    flat = np.asarray(axes).ravel()
    if len(flat) < len(order):
        raise SpecError(f"`axes` has {len(flat)} Axes for {len(order)} outcomes; pass more Axes.")
    font = text_font()
    for ax, outcome in zip(flat, order):
        share = outcome in SHARE_OUTCOMES
        _pair(ax, table[table["outcome"] == outcome], 0.0, lang, factor=100.0 if share else 1.0)
        ax.axvline(0, color=COLORS["reference"], linewidth=0.8)
        ax.set_ylim(-0.6, 0.6)
        ax.set_yticks([0])
        ax.set_yticklabels([codebook_label(outcome, lang)], **font)
        ax.set_xlabel(_label("effect_pp", lang) if share else effect_axis_label(outcome, lang),
                      **font)
    flat[0].set_title(_label("headline_levels", lang), loc="left", **font)
    found = [ax.get_legend_handles_labels() for ax in flat[:len(order)]]
    entries = dict(pair for h, lab in found for pair in zip(lab, h))  # one entry per label
    legend_below(flat[len(order) - 1], list(entries.values()), list(entries))
    record_drawn(flat[0], results.comparison)
    return np.asarray(axes)


def plot_cba_panel(result, sensitivity, *, axes=None, lang: str | None = None):
    """Cost-benefit memo figure: the summary (costs by payer, benefits, NPV) above the tornado.

    Parameters
    ----------
    result : CostBenefitResult
        From :func:`hubeval.cost_benefit`.
    sensitivity : CostBenefitSensitivityResult
        From :func:`hubeval.cba_sensitivity` on the same inputs.
    axes : pair of Axes, optional
    lang : {"en", "ko"}, optional

    Returns
    -------
    numpy array of two matplotlib Axes
    """
    lang = lang or current_lang()
    if axes is None:
        width, _ = FIGSIZE["memo"]
        _, axes = new_figure((width, 8.2), 2, 1, height_ratios=[1, 1.6])
    axes = np.asarray(axes).ravel()
    if len(axes) < 2:
        raise SpecError(f"`axes` must hold two Axes (summary, tornado); got {len(axes)}.")
    plot_cba_summary(result, ax=axes[0], lang=lang)
    plot_tornado(sensitivity, ax=axes[1], lang=lang)
    return axes


@dataclasses.dataclass(frozen=True)
class _BalanceView:
    """A recorded balance table, shaped like a match result for :func:`plot_balance`."""

    balance: pd.DataFrame

    @property
    def estimates(self) -> pd.DataFrame:
        """The rows drawn, with their counts, for the disclosure check."""
        return self.balance


def plot_balance_memo(balance, *, ax=None, lang: str | None = None):
    """Covariate balance before and after matching (love plot) with labels in ``lang``.

    Parameters
    ----------
    balance : DataFrame or DisclosureResult
        A recorded :func:`hubeval.balance_table` (``term, smd_before, smd_after``), or its
        disclosure check; suppressed rows are left out.
    ax : matplotlib Axes, optional
    lang : {"en", "ko"}, optional

    Returns
    -------
    matplotlib Axes
    """
    from hubeval.report.plots.balance import plot_balance

    table = getattr(balance, "table", balance)
    if not isinstance(table, pd.DataFrame) or not {"term", "smd_before", "smd_after"} <= set(table.columns):
        raise SpecError("`balance` must be a balance table with `term`, `smd_before` and `smd_after` "
                        "(hb.balance_table) or its disclosure check.")
    table = table.dropna(subset=["smd_before", "smd_after"]).reset_index(drop=True)
    ax = plot_balance(_BalanceView(table), ax=ax, lang=lang)
    font = text_font()
    handles, _ = ax.get_legend_handles_labels()
    legend_below(ax, handles, [_label("unmatched", lang), _label("matched", lang)])
    ax.set_xlabel(f"|{_label('std_mean_diff', lang)}|", **font)
    ax.set_title(_label("balance_title", lang), loc="left", **font)
    record_drawn(ax, balance)
    return ax
