"""New panels from a validated one without re-validating it: relabelled cohorts, added columns.

Re-building a :class:`~hubeval.data.panel.Panel` from its data frame repeats the whole validation
(type coercion of every column, duplicate, timing and quality checks). That is right for a user's
data and wasteful for the panels hubeval derives itself thousands of times: a permutation test
re-assigns participation years among firms (at 10,000 firms the rebuild was about 40% of a
permutation's time), and TWFE and the imputation estimator add covariate x year and treatment
columns (a rebuild of 350k rows per call). Each function here copies the panel, changes only what
it is asked to change, and repeats the checks that change can fail.
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from hubeval.core.errors import PanelError
from hubeval.data._checks import _unit_extremes

__all__ = ["relabel_cohorts", "with_columns"]

#: Cached properties of Panel that depend on the cohort column.
_COHORT_CACHES = ("unit_cohorts",)


def relabel_cohorts(panel, cohorts: pd.Series):
    """A copy of ``panel`` in which each unit's cohort is ``cohorts[unit]``.

    Parameters
    ----------
    panel : Panel
    cohorts : Series
        Cohort per unit (index: the panel's units; ``inf`` for never-participants). Every unit
        of the panel must appear.

    Returns
    -------
    Panel
        Same rows, roles, load information and recorded warnings; only the cohort column differs.

    Raises
    ------
    PanelError
        A unit without a cohort in ``cohorts``, or a unit that would be participating in its
        first observed year (always-treated; the full constructor raises the same).
    """
    data = panel._data
    values = np.r_[cohorts.to_numpy(float), np.nan][_row_positions(panel, cohorts.index)]
    missing = np.isnan(values)
    if missing.any():
        shown = ", ".join(map(str, pd.unique(data.loc[missing, panel.unit])[:5]))
        raise PanelError(f"`cohorts` has no label for {int(missing.sum())} row(s) of unit(s) {shown}; "
                         "give every unit of the panel a cohort (inf for never-participants).")
    codes = panel._codes
    first, _ = _unit_extremes(data[panel.time].to_numpy(np.int64), codes)  # first year of each unit
    always = np.isfinite(values) & (values <= first[codes])
    if always.any():
        shown = ", ".join(map(str, pd.unique(data.loc[always, panel.unit])[:5]))
        raise PanelError(f"Re-assigned cohorts make unit(s) {shown} participate in their first observed "
                         "year (always-treated); restrict the re-assignment (`eligible`, `strata`) to "
                         "firms observed before the cohorts they may receive.")
    new = copy.copy(panel)  # shares the row-position cache: the rows do not change
    new._data = data.assign(**{panel.cohort: values})
    for name in _COHORT_CACHES:
        new.__dict__.pop(name, None)
    return new


def _row_positions(panel, units: pd.Index) -> np.ndarray:
    """Position in ``units`` of each row's unit (-1 where absent), cached for repeated calls.

    A permutation test relabels with the same unit index thousands of times; the lookup of each
    row's unit is the only per-row step and is done once.
    """
    cache = panel.__dict__.setdefault("_relabel_positions", {})
    key = id(units)
    if key not in cache or cache[key][0] is not units:
        positions = units.get_indexer(panel._data[panel.unit])
        cache.clear()
        cache[key] = (units, np.where(positions >= 0, positions, len(units)))
    return cache[key][1]


def with_columns(panel, columns: dict, *, outcomes: bool = True, replace: bool = False):
    """A copy of ``panel`` with numeric ``columns`` added (same rows, same order).

    Parameters
    ----------
    panel : Panel
    columns : dict of str to array
        One value per row of ``panel.data``; numbers (booleans become 0/1), NaN for missing.
    outcomes : bool, default True
        Register the new columns as outcomes (so estimators accept them as outcome or covariate).
    replace : bool, default False
        Replace columns of the same name instead of refusing them.

    Raises
    ------
    PanelError
        A name the panel already has, a length that does not match the rows, or values that are
        not finite numbers (inf, text).
    """
    data = panel._data
    clash = [name for name in columns if name in data.columns]
    if clash and replace:
        data = data.drop(columns=clash)
    elif clash:
        raise PanelError(f"Column(s) {', '.join(f'`{c}`' for c in clash)} already exist in the panel; "
                         "choose other names for the added columns.")
    added = {}
    for name, values in columns.items():
        array = np.asarray(values)
        if array.shape != (len(data),):
            raise PanelError(f"Added column `{name}` has shape {array.shape}; it needs one value per "
                             f"row of the panel ({len(data)}).")
        try:
            array = array.astype(float)
        except (TypeError, ValueError):
            raise PanelError(f"Added column `{name}` is not numeric (dtype {array.dtype}); pass numbers "
                             "(NaN for missing).") from None
        if np.isinf(array).any():
            raise PanelError(f"Added column `{name}` has {int(np.isinf(array).sum())} infinite value(s); "
                             "use NaN for missing values.")
        added[name] = array
    new = copy.copy(panel)
    new._data = pd.concat([data, pd.DataFrame(added, index=data.index)], axis=1)
    if outcomes:
        new.outcomes = list(dict.fromkeys(list(panel.outcomes) + list(added)))
    return new
