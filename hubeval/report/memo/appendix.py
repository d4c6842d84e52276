"""The memo's specification-curve appendix, when a robustness batch is given.

:func:`specification_appendix` computes the curve of the robustness batch
(:func:`hubeval.specification_curve`), checks its firm counts (specifications resting on fewer
than ``min_units`` firms are suppressed: left out of the figure and of the reading's numbers)
and words it from the catalogue. The figures are drawn by
:func:`hubeval.report.memo.render.memo_figures`, one per outcome, named
``specification_curve_<outcome>``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from hubeval.report.publication import check_estimates
from hubeval.report.speccurve import SpecificationCurveResult, curve_from_table, specification_curve
from hubeval.report.speccurve_text import outcome_reading
from hubeval.store.results import load_batch_results

__all__ = ["specification_appendix", "specification_figure", "SPECIFICATION_FIGURE"]

#: Name prefix of the appendix's figures (one per outcome).
SPECIFICATION_FIGURE = "specification_curve_"


def specification_figure(outcome: str) -> str:
    """The memo figure name of ``outcome``'s specification curve."""
    return f"{SPECIFICATION_FIGURE}{outcome}"


def _batch(robustness: Any):
    if isinstance(robustness, (str, Path)):
        return load_batch_results(robustness)
    return robustness


def specification_appendix(robustness: Any, lang: str, min_units: int):
    """(protected curve, disclosure check, readings) of a robustness batch, or (None, None, ()).

    Parameters
    ----------
    robustness : BatchResult, str, Path or None
        The robustness batch, or its folder (read with :func:`hubeval.load_batch_results`).
    lang : {"en", "ko"}
    min_units : int

    Returns
    -------
    tuple
        The curve after disclosure control (:class:`SpecificationCurveResult`), the check
        (:class:`~hubeval.report.disclosure.DisclosureResult`) and one paragraph per outcome.
    """
    if robustness is None:
        return None, None, ()
    curve = specification_curve(_batch(robustness))
    check = check_estimates(curve.estimates, min_units=min_units)
    table = check.table
    # an outcome whose every specification is suppressed has no curve left to show
    table = table[table.groupby("outcome")["estimate"].transform(lambda s: s.notna().any())]
    if table.empty:
        return None, check, ()
    protected: SpecificationCurveResult = curve_from_table(table, curve.choices, curve.levels,
                                                           curve.spec)
    return protected, check, tuple(outcome_reading(protected, o, lang)
                                   for o in protected.outcomes)


def batch_label(curve: SpecificationCurveResult | None) -> str:
    """The robustness batch as the appendix names it: ``<batch>/<folder>``."""
    folder = (curve.spec.get("results_dir") if curve is not None else None) or ""
    path = Path(folder)
    return f"{path.parent.name}/{path.name}" if folder else "robustness"
