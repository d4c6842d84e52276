"""Recognising firm-level tables, which are never published whatever their counts say.

A table is firm-level when a column (or its index) identifies firms:

* **by name** -- one of :data:`~hubeval.report.disclosure.UNIT_COLUMNS`, or the unit column of
  any :class:`~hubeval.Panel` built in this process (:func:`hubeval.data.registry.unit_columns_seen`),
  whatever it is called, e.g. ``사업체번호``;
* **by content** -- a column that is not a key (:data:`~hubeval.report.seal.KEY_COLUMNS`) nor a
  count, with a distinct value on every row (two rows or more, none missing), where the values
  look like identifiers: codes with a digit (``F0012``, ``123-45-67890``, ``firm_3``), or whole
  numbers under an identifier-like name (``id``, ``code``, ``no``, ``번호``, ``코드``, ...).

Whole numbers under other names (employment, amounts in won) are not taken for identifiers,
and tables with no identifier at all cannot be recognised: the threshold check on counts is
then the protection, which is why counts are required (see :mod:`hubeval.report.disclosure`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from hubeval.core.errors import DisclosureError, format_examples
from hubeval.data.registry import unit_columns_seen
from hubeval.report.disclosure import COUNT_COLUMNS, UNIT_COLUMNS
from hubeval.report.seal import is_key_column

__all__ = ["firm_level_columns", "refuse_firm_level"]

_ID_NAME = re.compile(r"(^|[_\W])(id|ids|no|nr|num|number|code|key|biz|bizno)($|[_\W])|_id$|^id_"
                      r"|번호|코드|사업자|사업체|업체|기업|회사|firm|company|enterprise|establishment",
                      re.IGNORECASE)
#: Text ids: letters, digits, '-' and '_' with at least one digit (F0012, 123-45-67890, firm_3).
_ID_TEXT = r"[^\W\d]*[-_]?\d[\w\-]*"


def _columns(frame: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """Every column, and the index levels that carry a name or are not a plain range."""
    out = [(str(c), frame[c]) for c in frame.columns if isinstance(frame[c], pd.Series)]
    index = frame.index
    default = isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 \
        and index.step == 1
    if not default:
        for level, name in enumerate(frame.index.names):
            out.append((f"index {name}" if name is not None else "index",
                        pd.Series(frame.index.get_level_values(level), name=name)))
    return out


def _looks_like_ids(name: str, values: pd.Series) -> bool:
    if len(values) < 2 or values.isna().any() or not values.is_unique:
        return False
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_float_dtype(values):
        return pd.api.types.is_float_dtype(values) and bool(_ID_NAME.search(name)) \
            and bool((values % 1 == 0).all())
    if pd.api.types.is_integer_dtype(values):
        return bool(_ID_NAME.search(name))
    text = values.map(lambda v: v if isinstance(v, str) else None)
    if text.isna().any():
        return bool(_ID_NAME.search(name)) and values.map(
            lambda v: isinstance(v, (int, str))).all()
    return bool(text.str.fullmatch(_ID_TEXT).all() or _ID_NAME.search(name))


def firm_level_columns(frame: pd.DataFrame, keys: Iterable[str] = ()) -> list[str]:
    """Columns of ``frame`` that identify single firms (empty when there are none).

    Parameters
    ----------
    frame : pandas.DataFrame
    keys : iterable of str
        Extra key columns the caller declared (never taken for identifiers by content).
    """
    keys = list(keys)
    names = set(UNIT_COLUMNS) | unit_columns_seen()
    found = []
    for name, values in _columns(frame):
        bare = name.removeprefix("index ").strip()
        if bare in names or name in names:
            found.append(name)
        elif not is_key_column(bare, keys) and bare not in COUNT_COLUMNS \
                and _looks_like_ids(bare, values):
            found.append(name)
    return found


def refuse_firm_level(frame: pd.DataFrame, keys: Iterable[str] = ()) -> None:
    """Raise :class:`~hubeval.core.errors.DisclosureError` when ``frame`` is firm-level data."""
    columns = firm_level_columns(frame, keys)
    if columns:
        raise DisclosureError(
            f"The table has firm identifier column(s) "
            f"{format_examples(f'`{c}`' for c in columns)} (by name, or a distinct id-like value "
            "on every row): it holds single-firm values, which are never published, whatever its "
            "count columns say. Aggregate it first with hb.protect_table(data, by=...).")
