"""The data-quality report of a :class:`~hubeval.data.panel.Panel` (``panel.report()``)."""
from __future__ import annotations

import dataclasses
import html

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

    def tidy(self) -> pd.DataFrame:
        """The summary table (``item``, ``value``), a copy."""
        return self.summary.copy()

    def __str__(self) -> str:
        parts = ["Data-quality report", self.summary.to_string(index=False), "",
                 "Cohorts", self.cohorts.to_string(index=False), "",
                 "Rows dropped", self.dropped.to_string(index=False) if len(self.dropped) else "none",
                 "", "Missing values by column", self.missing.to_string(index=False)]
        if self.warnings:
            parts += ["", "Warnings"] + [f"- {w}" for w in self.warnings]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        def table(df):
            return df.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.3g}")
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings) or "<li>none</li>"
        dropped = table(self.dropped) if len(self.dropped) else "<p>none</p>"
        return (f"<div class='hubeval-report'><h4>Data-quality report</h4>{table(self.summary)}"
                f"<h5>Cohorts</h5>{table(self.cohorts)}<h5>Rows dropped</h5>{dropped}"
                f"<h5>Missing values</h5>{table(self.missing)}<h5>Warnings</h5><ul>{warn}</ul></div>")

    #: The shared serialisation, driven by field metadata (every field here is written in full).
    to_dict = ResultMixin.to_dict
