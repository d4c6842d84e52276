"""Validation and result behaviour shared by the firm-level estimators (did.py, imputation.py).

Kept apart so each estimator module stays short; nothing here is public API.
"""
from __future__ import annotations

from typing import get_args

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError, format_examples
from hubeval.core.results import ResultMixin, percent_effect
from hubeval.data.outcomes import is_log_outcome
from hubeval.data.panel import Panel
from hubeval.data.restrict import untreated_year_gaps


class EffectResultMixin(ResultMixin):
    """Adds the evidence label, percent effects for log outcomes and a headline effect."""

    def _summary_lines(self) -> list[str]:
        lines = super()._summary_lines()
        design = getattr(self, "design", None)
        if design:
            lines.insert(1, f"design: {design}")
        n_treated = getattr(self, "n_treated", None)
        if isinstance(n_treated, dict) and n_treated:
            lines.append("n_treated by cohort: " + ", ".join(f"{k}: {v}" for k, v in n_treated.items()))
        return lines

    def summary(self) -> str:
        """A plain-text summary; effects on a log outcome also in percent."""
        text = super().summary()
        if self.spec.get("log_outcome") and "std_error" in self.estimates:
            table = self.percent().to_string(index=False, float_format=lambda v: f"{v:.4g}")
            text += "\n\nIn percent (100 * (exp(b) - 1)):\n" + table
        return text

    def percent(self, *, log_outcome: bool | None = None) -> pd.DataFrame:
        """Estimates as percent effects, ``100 * (exp(b) - 1)`` with transformed bounds.

        Only for an outcome in logs (``spec["log_outcome"]``, or ``log_outcome=True``); see
        :func:`check_log_scale`.
        """
        outcome = str(self.spec.get("outcome"))
        check_log_scale(outcome, log_outcome, default=self.spec.get("log_outcome"))
        return percent_effect(self.estimates)


def check_log_scale(outcome: str, log_outcome: bool | None, *, default: bool | None = None) -> None:
    """Refuse a percent reading, ``100 * (exp(b) - 1)``, of effects on an outcome not in logs.

    ``log_outcome`` is the caller's explicit choice; without it, ``default`` (what the estimator
    recorded) or else the outcome's name (``log_``/``ln_``) decides. One rule for every
    ``percent()`` of the firm-level results: a cost ratio or a rate has no such reading.
    """
    if log_outcome is None:
        log_outcome = is_log_outcome(outcome) if default is None else bool(default)
        why = "its name does not start with log_ or ln_"
    else:
        why = f"log_outcome={log_outcome}"
    if not log_outcome:
        raise SpecError(f"`percent()` reads estimates as log points, 100 * (exp(b) - 1), but the outcome "
                        f"'{outcome}' is not a log ({why}). Report the estimates in the outcome's own "
                        f"units, or call percent(log_outcome=True) if '{outcome}' is in logs.")


def check_outcome(panel: Panel, outcome: str, *, function: str) -> None:
    """Raise :class:`SpecError` unless ``outcome`` is a numeric column of ``panel``."""
    if not isinstance(panel, Panel):
        raise SpecError(f"`panel` must be a hubeval.Panel; got {type(panel).__name__}. Build one with "
                        f"hb.Panel(df, unit=..., time=..., cohort=...) and pass it to {function}().")
    data = panel.data
    if outcome not in data.columns:
        raise SpecError(f"`outcome`: column '{outcome}' is not in the panel. Outcomes available: "
                        f"{format_examples(panel.outcomes, limit=12)}. Pass one of them, or add the "
                        "column to the data before building the Panel.")
    if not pd.api.types.is_numeric_dtype(data[outcome]):
        raise SpecError(f"`outcome`: column '{outcome}' is not numeric (dtype {data[outcome].dtype}). "
                        "List it in `outcomes=` when building the Panel so it is converted.")


def check_covariates(panel: Panel, covariates) -> list[str]:
    """Normalise ``covariates`` to a list and check the columns exist and are numeric."""
    if covariates is None:
        return []
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    data = panel.data
    missing = [c for c in covariates if c not in data.columns]
    if missing:
        raise SpecError(f"`covariates`: column(s) {format_examples(missing)} not in the panel. "
                        f"Available columns: {format_examples(list(data.columns), limit=12)}.")
    textual = [c for c in covariates if not pd.api.types.is_numeric_dtype(data[c])]
    if textual:
        raise SpecError(f"`covariates`: column(s) {format_examples(textual)} are not numeric. "
                        "Encode categories as 0/1 dummy columns first.")
    return covariates


def treated_by_cohort(data: pd.DataFrame, panel: Panel) -> dict[int, int]:
    """Number of participating units per cohort in ``data``."""
    per_unit = data.groupby(panel.unit)[panel.cohort].first()
    per_unit = per_unit[np.isfinite(per_unit)].astype(int)
    return {int(k): int(v) for k, v in per_unit.value_counts().sort_index().items()}


def event_term(event_time: int, prefix: str = "ATT") -> str:
    """The ``term`` label of an event-time row, as in ``hb.aggregate(gt, by="event_time")``."""
    return f"{prefix}(e={int(event_time)})"


def event_counts(frame: pd.DataFrame, unit: str, cohort: str, event_time: str) -> pd.DataFrame:
    """Per event time: cohorts and participating firms behind it (``n_cohorts``, ``n_treated``)."""
    rows = frame[frame[cohort].map(np.isfinite) & frame[event_time].notna()]
    return rows.groupby(event_time).agg(n_cohorts=(cohort, "nunique"), n_treated=(unit, "nunique"))


def check_choice(name: str, value, options) -> None:
    """Raise :class:`SpecError` unless ``value`` is one of the ``Literal`` alias ``options``."""
    allowed = get_args(options)
    if value not in allowed:
        raise SpecError(f"`{name}` must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}.")


def check_anticipation(anticipation, rows: pd.DataFrame, *, cohort: str, event_time: str,
                       outcome: str) -> int:
    """Validate ``anticipation`` (years before entry in which firms may already react).

    ``rows`` are the observations an estimator uses (outcome observed), with the cohort and
    event-time columns. A cohort observed before entry must keep at least one year before
    ``entry - anticipation``; cohorts never observed before entry are left to the estimator.
    """
    if (isinstance(anticipation, bool) or not isinstance(anticipation, (int, np.integer))
            or anticipation < 0):
        raise SpecError(f"`anticipation` must be a whole number of years >= 0 (how many years before "
                        f"entry firms may already react); got {anticipation!r}.")
    anticipation = int(anticipation)
    if anticipation == 0:
        return 0
    lost = untreated_year_gaps(rows, cohort=cohort, event_time=event_time, anticipation=anticipation)
    if lost:
        shown = ", ".join(f"{g} (earliest event time {e})" for g, e in lost.items())
        raise SpecError(
            f"`anticipation={anticipation}` leaves cohort(s) {shown} without an untreated year: "
            f"event times from {-anticipation} on count as possibly affected, and no earlier year "
            f"has '{outcome}' observed. Leave those cohorts out, "
            f"hb.restrict_sample(panel, drop_cohorts={list(lost)}) (or `drop_cohorts` in the "
            "notebook parameters; hb.evaluate_outcomes does this itself and says so), or add earlier "
            "years of data. Do not lower `anticipation` to keep them: if firms react before entry "
            "(e.g. a pre-entry dip), that biases every estimate.")
    return anticipation
