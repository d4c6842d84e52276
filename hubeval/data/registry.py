"""The unit (firm identifier) columns of every Panel built in this process.

The disclosure gate (:mod:`hubeval.report.firm_level`) treats a table carrying one of them as
firm-level data, whatever the column is called (e.g. ``사업체번호``).
"""
from __future__ import annotations

__all__ = ["unit_columns_seen", "remember_unit_column"]

_UNIT_COLUMNS_SEEN: set[str] = set()


def remember_unit_column(name) -> None:
    """Record ``name`` as a unit column (called by :class:`~hubeval.data.panel.Panel`)."""
    _UNIT_COLUMNS_SEEN.add(str(name))


def unit_columns_seen() -> frozenset[str]:
    """Names of the unit columns of every :class:`~hubeval.data.panel.Panel` built in this process."""
    return frozenset(_UNIT_COLUMNS_SEEN)
