"""The data-quality report of a :class:`~hubeval.data.panel.Panel` (``panel.report()``)."""
from __future__ import annotations

import dataclasses

import pandas as pd

from hubeval.core.results import ResultMixin

__all__ = ["DataQualityResult"]


@dataclasses.dataclass(frozen=True)
class DataQualityResult:
    """What :class:`~hubeval.data.panel.Panel` found and did: counts, dropped rows by reason,
    missingness, warnings.

    Not an estimate, so there is no ``estimates`` table and it is not a
    :class:`~hubeval.core.results.ResultMixin` (its field ``summary`` is a table, not the method):
    :meth:`tidy` returns the ``summary`` table (``item``, ``value``), ``str(report)`` the full text
    report, and ``to_dict()`` is the shared one, writing every field (counts, never per-firm values).
    """

    summary: pd.DataFrame
    cohorts: pd.DataFrame
    dropped: pd.DataFrame
    missing: pd.DataFrame
    warnings: tuple[str, ...]
    #: Values read or converted: number formats, yes/no codes, money units (column, conversion, cells).
    conversions: pd.DataFrame = dataclasses.field(
        default_factory=lambda: pd.DataFrame(columns=["column", "conversion", "cells"]))

    def tidy(self) -> pd.DataFrame:
        """The summary table (``item``, ``value``), a copy."""
        return self.summary.copy()

    def __str__(self) -> str:
        parts = ["Data-quality report", self.summary.to_string(index=False), "",
                 "Cohorts", self.cohorts.to_string(index=False), "",
                 "Rows dropped", self.dropped.to_string(index=False) if len(self.dropped) else "none",
                 "", "Missing values by column", self.missing.to_string(index=False)]
        if len(self.conversions):
            parts += ["", "Values converted", self.conversions.to_string(index=False)]
        if self.warnings:
            parts += ["", "Warnings"] + [f"- {w}" for w in self.warnings]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        from hubeval.core.html import block, result_html

        fmt = "{:.3g}"
        dropped = (block("Rows dropped", table=self.dropped, float_format=fmt) if len(self.dropped)
                   else block("Rows dropped", empty="none"))
        return result_html(title="Data-quality report", css_class="hubeval-report", blocks=[
            block(table=self.summary, float_format=fmt), block("Cohorts", table=self.cohorts, float_format=fmt),
            dropped, block("Missing values", table=self.missing, float_format=fmt),
            block("Values converted", table=self.conversions, float_format=fmt) if len(self.conversions)
            else block("Values converted", empty="none"),
            block("Warnings", items=self.warnings)])

    #: The shared serialisation, driven by field metadata (every field here is written in full).
    to_dict = ResultMixin.to_dict
