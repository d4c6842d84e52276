"""The words of a specification curve: choice and value labels, and the generated reading.

Every word is in the ``speccurve`` section of the text catalogue: a choice ``x`` is named by
``choice_x``; a value ``v`` of it by ``x_v``, else ``value_v``, else by itself (underscores as
spaces), so any grid gets readable labels and the example's get proper ones. A list value
(covariates) names each item and joins them with " + "; the empty list is ``x_none``. The
reading's sentences are templates of the same section; numbers are filled in from :attr:`~hubeval.report.speccurve.SpecificationCurveResult.overview`.
"""
from __future__ import annotations

import numpy as np

from hubeval.report.catalogue import has_text, text
from hubeval.report.figures import label_or_key

__all__ = ["choice_label", "value_label", "format_curve_effect", "specification_reading",
           "outcome_name", "Reading"]


class Reading(str):
    """A generated reading: a string, shown as Markdown in Jupyter."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return str(self)


def _label(key: str, lang: str) -> str | None:
    return text(f"speccurve.{key}", lang) if has_text(f"speccurve.{key}") else None


def choice_label(choice: str, lang: str, *, in_sentence: bool = False) -> str:
    """The name of a choice (``control`` -> "Comparison group"; "comparison group" inside a
    sentence)."""
    name = _label(f"choice_{choice}", lang) or choice.replace("_", " ")
    if in_sentence and lang == "en" and not name[1:2].isupper():
        name = name[:1].lower() + name[1:]
    return name


def value_label(choice: str, value: str, lang: str) -> str:
    """The name of one value of a choice, as written in the curve table (``choice_text``)."""
    found = _label(f"{choice}_{value}", lang) or _label(f"value_{value}", lang)
    if found:
        return found
    if "+" in value:  # a list: each item by its own label
        return " + ".join(value_label(choice, item, lang) for item in value.split("+"))
    return value.replace("_", " ")


def outcome_name(outcome: str, lang: str) -> str:
    """The outcome's label (its name with spaces when it has none)."""
    found = label_or_key(outcome, lang)
    return found.replace("_", " ") if found == outcome else found


def format_curve_effect(value: float, scale: str, lang: str) -> str:
    """An effect as the reading writes it: ``+6.0%``, ``+0.24 pp`` (``+0.24%p``) or ``+0.0312``."""
    if not np.isfinite(value):
        return ""
    if scale == "percent":
        return f"{value:+.1f}%"
    if scale == "pp":
        return f"{value:+.2f}" + (" pp" if lang == "en" else "%p")
    magnitude = abs(value)
    decimals = 0 if magnitude == 0 else max(0, 2 - int(np.floor(np.log10(magnitude))))
    return f"{value:+.{min(decimals, 6)}f}"


def _sign_sentence(row, lang: str) -> str:
    if row.n_positive == row.n_specifications:
        return text("speccurve.sign_positive", lang)
    if row.n_positive == 0 and row.n_specifications:
        return text("speccurve.sign_negative", lang)
    if row.sign_choice:
        return text("speccurve.sign_by_choice", lang, choice=choice_label(row.sign_choice, lang, in_sentence=True))
    return text("speccurve.sign_mixed", lang)


def _decisive_sentence(row, lang: str) -> str:
    if row.decisive_choice is None or not np.isfinite(row.decisive_spread):
        return ""
    effect = lambda v: format_curve_effect(v, row.scale, lang)  # noqa: E731
    choice = row.decisive_choice
    return text("speccurve.decisive", lang, choice=choice_label(choice, lang, in_sentence=True),
                high=effect(row.decisive_high_median), low=effect(row.decisive_low_median),
                high_value=value_label(choice, str(row.decisive_high_value), lang),
                low_value=value_label(choice, str(row.decisive_low_value), lang))


def outcome_reading(curve, outcome: str, lang: str, *, markdown: bool = False) -> str:
    """The paragraph on one outcome's curve, led by the outcome's name (bold in Markdown)."""
    row = next(r for r in curve.overview.itertuples(index=False) if r.outcome == outcome)
    effect = lambda v: format_curve_effect(v, row.scale, lang)  # noqa: E731
    joint = " × "
    choices = joint.join(choice_label(c, lang, in_sentence=True) for c in curve.choices[outcome])
    name = outcome_name(outcome, lang)
    return text("speccurve.text", lang, lead=f"**{name}.**" if markdown else f"{name}.",
                n=row.n_specifications, choices=choices, low=effect(row.low),
                high=effect(row.high), median=effect(row.median), n_positive=row.n_positive,
                n_negative=row.n_negative,
                n_sig_positive=row.n_significant_positive,
                n_sig_negative=row.n_significant_negative,
                alpha=f"{curve.spec.get('alpha', 0.05):.0%}", sign=_sign_sentence(row, lang),
                decisive=_decisive_sentence(row, lang)).strip()


def specification_reading(curve, lang: str = "en", outcomes=None) -> Reading:
    """One paragraph per outcome of a :class:`~hubeval.report.speccurve.SpecificationCurveResult`.

    Parameters
    ----------
    curve : SpecificationCurveResult
    lang : {"en", "ko"}, default "en"
    outcomes : list of str, optional
        Default every outcome of the curve.

    Returns
    -------
    Reading
        A string (Markdown in Jupyter), paragraphs separated by a blank line.
    """
    outcomes = curve.outcomes if outcomes is None else list(outcomes)
    return Reading("\n\n".join(outcome_reading(curve, o, lang, markdown=True) for o in outcomes))
