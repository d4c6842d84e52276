"""Re-assigned cohort labels on an already validated panel (the randomization-inference fast path).

A permutation test re-assigns participation years among firms thousands of times. Re-building a
:class:`~hubeval.data.panel.Panel` from its data frame for each draw repeats the whole validation
(type coercion of every column, duplicate and quality checks): at 10,000 firms that was about 40%
of the time of a permutation. Only the cohort column changes, and only through labels the panel
already holds, so :func:`relabel_cohorts` copies the panel, swaps that column and repeats the one
check a new assignment can fail: a firm that would be participating in its first observed year.
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from hubeval.core.errors import PanelError

__all__ = ["relabel_cohorts"]

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
    first = np.full(int(codes.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, data[panel.time].to_numpy(np.int64))
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
