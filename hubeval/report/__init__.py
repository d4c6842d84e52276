"""Presentation: figure theme and labels, disclosure control, plots, cost-benefit text and the memo.

Inside this folder ``catalogue`` < ``seal`` < ``suppression`` < ``disclosure`` < ``firm_level``
< ``gate`` < ``audit`` < ``xlsx`` < ``publication`` < ``figures`` < ``cba_text`` < ``plots`` < ``memo``:
the memo uses plots, plots never use the memo. The disclosure gate (threat model and
guarantees in :mod:`hubeval.report.disclosure`) spans ``seal`` to ``publication``.
"""
from __future__ import annotations

from hubeval.report.cba_text import cba_table, describe_cba, format_krw
from hubeval.report.disclosure import DisclosureResult, protect_table, public
from hubeval.report.figures import figure_theme, label, save_figure, set_theme
from hubeval.report.publication import (
    assert_publishable,
    check_estimates,
    check_result,
    report_folder,
    save_table,
    save_tables,
)
from hubeval.report.speccurve import SpecificationCurveResult, specification_curve
from hubeval.report.xlsx import WorkbookSheet

__all__ = [
    "cba_table", "describe_cba", "format_krw", "DisclosureResult", "assert_publishable",
    "check_estimates", "check_result", "protect_table", "public", "report_folder", "save_table",
    "save_tables", "WorkbookSheet", "figure_theme", "label", "save_figure", "set_theme",
    "SpecificationCurveResult", "specification_curve",
]
