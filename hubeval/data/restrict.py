"""Sample restrictions: leave cohorts or years out of a panel, warned about and recorded.

:func:`restrict_sample` is what the ``drop_cohorts``, ``drop_years`` and ``years`` parameters of
:func:`hubeval.load_panel` (and of every notebook) do. Nothing is dropped silently: each
restriction is a :class:`~hubeval.core.errors.DataWarning`, a line in ``panel.warnings``, the
dropped rows in ``panel.report()`` and an entry in ``panel.restrictions`` (which the outcome
evaluation copies into its ``spec``, so the batch's records carry it).

:func:`cohorts_without_untreated_year` finds the cohorts that ``anticipation`` leaves with no
year that may count as untreated for an outcome: the outcome evaluation leaves them out through
:func:`restrict_sample`, rather than lowering ``anticipation`` (which, on data where firms react
before entry, for example after a pre-entry dip, biases every estimate).
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import DataWarning, PanelError, format_examples
from hubeval.data.panel import Panel

__all__ = ["restrict_sample", "anticipation_sample", "cohorts_without_untreated_year",
           "untreated_year_gaps"]


def _whole_numbers(name: str, values) -> list[int]:
    values = [values] if isinstance(values, (int, np.integer)) else list(values)
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, (int, np.integer))]
    if bad:
        raise PanelError(f"`{name}` must list whole years, e.g. [2011]; got {format_examples(map(repr, bad))}.")
    return sorted({int(v) for v in values})


def _year_range(years) -> tuple[int, int] | None:
    if years is None:
        return None
    values = list(years) if not isinstance(years, (str, bytes)) else [years]
    if len(values) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                               for v in values) or values[0] > values[1]:
        raise PanelError(f"`years` must be [first, last], two whole years with first <= last, "
                         f"e.g. [2008, 2018]; got {years!r}.")
    return int(values[0]), int(values[1])


def restrict_sample(panel: Panel, *, drop_cohorts: Sequence[int] | None = None,
                    drop_years: Sequence[int] | None = None,
                    years: Sequence[int] | None = None, reason: str | None = None) -> Panel:
    """A new panel without the firms of some cohorts and/or without some years.

    Parameters
    ----------
    panel : Panel
    drop_cohorts : list of int, optional
        Cohorts (first program years) whose firms are left out entirely, e.g. ``[2011]``.
    drop_years : list of int, optional
        Years whose rows are left out for every firm.
    years : [first, last], optional
        Keep only the years from ``first`` to ``last`` (both included).
    reason : str, optional
        Why (added to the warning); the default says the user asked for it.

    Returns
    -------
    Panel
        Validated again (a cohort left without a pre-entry year is a PanelError); its
        ``warnings`` and ``report()`` list what was dropped and ``restrictions`` records the
        settings (``{"drop_cohorts": [...], "drop_years": [...], "years": [first, last]}``).

    Raises
    ------
    PanelError
        Cohorts or years that are not in the panel, a bad ``years`` range, or a restriction that
        leaves no participating or no comparison firm.

    Examples
    --------
    >>> import hubeval as hb
    >>> panel = hb.Panel(hb.simulate_panel(n_units=60, seed=1).data, unit="firm_id",
    ...                  time="year", cohort="cohort")
    >>> later = hb.restrict_sample(panel, drop_cohorts=[int(panel.cohorts[0])])  # doctest: +SKIP
    """
    cohorts = _whole_numbers("drop_cohorts", drop_cohorts or [])
    dropped_years = _whole_numbers("drop_years", drop_years or [])
    span = _year_range(years)
    if not cohorts and not dropped_years and span is None:
        return panel
    _check_present(panel, cohorts, dropped_years, span)
    data = panel.data
    keep = ~data[panel.cohort].isin(cohorts) if cohorts else pd.Series(True, index=data.index)
    keep &= ~data[panel.time].isin(dropped_years)
    if span is not None:
        keep &= data[panel.time].between(*span)
    settings = {"drop_cohorts": cohorts, "drop_years": dropped_years,
                "years": list(span) if span else None}
    message = _message(panel, data, keep, settings, reason)
    new = panel.with_data(data.loc[keep], outcomes=list(panel.outcomes), _quiet=True,
                          _provenance=panel)
    new._dropped.append((_reason(settings), int((~keep).sum())))
    new._warnings = list(dict.fromkeys([*panel.warnings, *new._warnings, message]))
    new.restrictions = {**panel.restrictions, **{k: v for k, v in settings.items() if v}}
    warnings.warn(message, DataWarning, stacklevel=2)
    return new


def _check_present(panel: Panel, cohorts: list[int], dropped_years: list[int], span) -> None:
    known = [int(c) for c in panel.cohorts]
    unknown = [c for c in cohorts if c not in known]
    if unknown:
        raise PanelError(f"`drop_cohorts` names cohort(s) {format_examples(unknown)} that the panel does "
                         f"not have; its cohorts are {format_examples(known, limit=20)}.")
    times = [int(t) for t in panel.times]
    missing = [y for y in dropped_years if y not in times]
    if missing:
        raise PanelError(f"`drop_years` names year(s) {format_examples(missing)} that the panel does not "
                         f"have; its years are {times[0]}-{times[-1]}.")
    if span is not None and not any(span[0] <= t <= span[1] for t in times):
        raise PanelError(f"`years={list(span)}` keeps none of the panel's years ({times[0]}-{times[-1]}).")


def _reason(settings: dict) -> str:
    parts = [f"{name}={value}" for name, value in settings.items() if value]
    return "sample restriction (" + ", ".join(parts) + ")"


def _message(panel: Panel, data: pd.DataFrame, keep: pd.Series, settings: dict, reason) -> str:
    firms = data.loc[~keep, panel.unit].nunique()
    lost = data.loc[~keep & ~data[panel.unit].isin(data.loc[keep, panel.unit]), panel.unit].nunique()
    why = reason or "as set by the sample-restriction parameters"
    return (f"Sample restricted ({', '.join(f'`{k}={v}`' for k, v in settings.items() if v)}): "
            f"{int((~keep).sum())} of {len(data)} rows left out ({firms} firm(s) affected, {lost} left "
            f"out entirely), {why}.")


def untreated_year_gaps(rows: pd.DataFrame, *, cohort: str, event_time: str,
                        anticipation: int) -> dict[int, int]:
    """Cohorts observed before entry whose every observed year lies in the anticipation window.

    ``rows`` are the observations an estimator uses, with cohort and event-time columns. Returns
    ``{cohort: earliest observed event time}`` for cohorts whose earliest event time is negative
    but not below ``-anticipation``: no year of theirs may count as untreated. Cohorts never
    observed before entry are the estimators' concern (they have no pre-period at all).
    """
    if anticipation <= 0:
        return {}
    participants = rows[rows[cohort].map(np.isfinite)]
    earliest = participants.groupby(cohort)[event_time].min()
    lost = earliest[(earliest < 0) & (earliest >= -anticipation)]
    return {int(g): int(e) for g, e in lost.items()}


def cohorts_without_untreated_year(panel: Panel, outcome: str, anticipation: int) -> dict[int, int]:
    """:func:`untreated_year_gaps` for ``outcome`` of ``panel`` (rows where it is observed)."""
    data = panel.data.assign(_event_time=panel.event_time())
    rows = data[data[outcome].notna()] if outcome in data.columns else data
    return untreated_year_gaps(rows, cohort=panel.cohort, event_time="_event_time",
                               anticipation=int(anticipation))


def anticipation_sample(panel: Panel, outcome: str, anticipation: int) -> Panel:
    """``panel`` without the cohorts that ``anticipation`` leaves without an untreated year.

    Those cohorts' effects cannot be estimated for ``outcome`` (every year of theirs with the
    outcome observed may already be affected); they are left out with a warning that says why
    (:func:`restrict_sample`), and the other cohorts' estimates are what they would be on data
    without them. Lowering ``anticipation`` instead would count possibly affected years as
    untreated, which, when firms react before entry (e.g. a pre-entry dip), biases every estimate.
    """
    if isinstance(anticipation, bool) or not isinstance(anticipation, (int, np.integer)):
        return panel  # the estimators report a bad value
    lost = cohorts_without_untreated_year(panel, outcome, int(anticipation))
    if not lost:
        return panel
    shown = ", ".join(f"{g} (earliest year with `{outcome}` observed: event time {e})"
                      for g, e in lost.items())
    reason = (f"because `anticipation={int(anticipation)}` leaves cohort(s) {shown} without an "
              f"untreated year (event times from {-int(anticipation)} on may already be affected); "
              "the other cohorts' estimates are unchanged. Add earlier years of data to keep them; "
              "lowering `anticipation` would bias every estimate if firms react before entry")
    return restrict_sample(panel, drop_cohorts=list(lost), reason=reason)
