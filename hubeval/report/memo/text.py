"""How the memo looks up its words and writes its numbers.

Every sentence of the memo is a template of the ``memo`` section of the text catalogue
(``hubeval/report/locales/en.yaml`` and ``ko.yaml``, read by :mod:`hubeval.report.catalogue`)
filled with numbers from the batch's results (:mod:`hubeval.report.memo.build`); nothing here
states a conclusion on its own.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError
from hubeval.data.outcomes import FAMILIES, SHARE_OUTCOMES
from hubeval.report import catalogue
from hubeval.report.figures import LABELS, label

__all__ = ["text", "outcome_label", "family_label", "design_label",
           "format_effect", "format_interval", "format_number"]


def _check_lang(lang: str) -> str:
    if lang not in ("en", "ko"):
        raise SpecError(f"`lang` must be 'en' or 'ko'; got {lang!r}.")
    return lang


def text(key: str, lang: str, **fields) -> str:
    """The memo sentence ``key`` (the ``memo`` section of the catalogue) in ``lang``, filled in."""
    return catalogue.text(f"memo.{key}", _check_lang(lang), **fields)


def outcome_label(outcome: str, lang: str) -> str:
    """The outcome's label in ``lang``; its column name when no label exists."""
    return label(outcome, lang) if outcome in LABELS else outcome


def family_label(outcome: str, lang: str) -> str:
    """The label of the outcome's family (productivity, costs, ...), or the outcome's own."""
    for family, members in FAMILIES.items():
        if outcome in members and family in LABELS:
            return label(family, lang)
    return outcome_label(outcome, lang)


def horizon_text(event_time, lang: str) -> str:
    """When a comparison row measures the effect: its event time (``e=k`` rows), else the average
    after entry (``att``/``post`` rows, whose ``event_time`` is missing)."""
    if event_time is None or pd.isna(event_time):
        return catalogue.text("horizon.post_average", lang)
    return catalogue.text("horizon.event", lang, h=int(event_time))


def design_label(estimator: str, event_time, lang: str) -> str:
    """Design and horizon of a comparison row, e.g. 'Difference-in-differences ..., year 1'."""
    designs = catalogue.section("design", lang)
    return f"{designs.get(estimator, estimator)}, {horizon_text(event_time, lang)}"


def format_number(value: float, digits: int = 3) -> str:
    """A number with ``digits`` significant figures and a sign; the Unicode minus is avoided."""
    if not np.isfinite(value):
        return ""
    magnitude = abs(value)
    decimals = 0 if magnitude == 0 else max(0, digits - 1 - int(np.floor(np.log10(magnitude))))
    return f"{value:+,.{min(decimals, 6)}f}"


def format_effect(value: float, *, scale: str, outcome: str, lang: str) -> str:
    """An effect as the memo writes it: ``+6.0%``, ``+0.24 pp`` (``+0.24%p``) or ``+3.1``."""
    if not np.isfinite(value):
        return ""
    if scale == "percent":
        return f"{value:+.1f}%"
    if outcome in SHARE_OUTCOMES:
        return f"{100 * value:+.2f}" + (" pp" if _check_lang(lang) == "en" else "%p")
    return format_number(value)


def format_interval(low: float, high: float, *, scale: str, outcome: str, lang: str) -> str:
    """A 95% interval written as ``+3.5% to +8.6%`` (``+3.5% ~ +8.6%``)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return ""
    joint = " to " if _check_lang(lang) == "en" else " ~ "
    return joint.join(format_effect(v, scale=scale, outcome=outcome, lang=lang) for v in (low, high))
