"""The readings of an outcome evaluation: short texts generated from its numbers.

Words come from the text catalogue (``reading.*`` in hubeval/report/locales); nothing here
decides a conclusion by hand.
"""
from __future__ import annotations

import numpy as np

from hubeval.report.catalogue import text

__all__ = ["Readings", "outcome_reading"]


class Readings(str):
    """Generated readings: a string, rendered as Markdown in Jupyter (plain, unquoted text
    elsewhere)."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return str(self)


def _fmt(value: float, scale: str) -> str:
    return f"{value:+.1f}%" if scale == "percent" else f"{value:+.3g}"


def _fmt_difference(value: float, scale: str, lang: str) -> str:
    """A difference of two percentages is in percentage points (%p), not percent."""
    if scale != "percent":
        return f"{value:.3g}"
    return text("reading.points", lang, value=f"{value:.1f}")


def outcome_reading(outcome, table, pre, gt, lang) -> str:
    """A short reading generated from the numbers (no hard-coded conclusions); words from the
    text catalogue (``reading.*`` in hubeval/report/locales), the outcome by its codebook label."""
    from hubeval.report.figures import label_or_key

    naive = table[table.estimator == "before_after"].iloc[0]
    cs = table[(table.estimator == "callaway_santanna") & (table.term == "ATT simple")].iloc[0]
    scale = cs["scale"]
    excludes = cs["conf_low"] > 0 or cs["conf_high"] < 0
    n_treated = int(sum(gt.n_treated.values())) if isinstance(gt.n_treated, dict) else gt.n_treated
    ratio = naive["estimate"] / cs["estimate"] if cs["estimate"] != 0 else np.inf
    pretrend = ""
    if pre is not None:
        verdict = text("reading.pretrend_rejects" if pre.p_value < 0.05 else "reading.pretrend_not_rejects", lang)
        pretrend = text("reading.pretrend", lang, verdict=verdict, p=pre.p_value)
    times = text("reading.times", lang, ratio=ratio) if np.isfinite(ratio) and ratio > 1 else ""
    return text("reading.text", lang, outcome=label_or_key(outcome, lang),
                effect=_fmt(cs["estimate"], scale),
                low=_fmt(cs["conf_low"], scale), high=_fmt(cs["conf_high"], scale),
                sig=text("reading.excludes_zero" if excludes else "reading.includes_zero", lang),
                naive=_fmt(naive["estimate"], scale), times=times,
                gap=_fmt_difference(abs(naive["estimate"] - cs["estimate"]), scale, lang),
                pretrend=pretrend, n_treated=n_treated)
