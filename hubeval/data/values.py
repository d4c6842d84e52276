"""Cell values as Korean spreadsheets write them: numbers with thousands separators, negatives
marked with a triangle or parentheses, placeholders for missing values, and yes/no codes.

Korean Excel exports write ``1,234`` for 1234, ``△1,234`` or ``(1,234)`` for -1234 and ``-``,
``n/a`` or ``*`` for a missing or suppressed cell; binary characteristics come as Y/N, 예/아니오,
O/X or 유/무. One set of rules reads them, for files (:func:`hubeval.read_table`) and for
DataFrames (:class:`hubeval.Panel`) alike, and counts every conversion so the data-quality
report can show it.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["PLACEHOLDERS", "BINARY_CODES", "NumberParse", "parse_numbers", "binary_mapping",
           "has_leading_zeros"]

#: Cells read as missing when numbers are coerced (compared case-insensitively, after trimming).
PLACEHOLDERS = ("-", "--", "—", "–", ".", "n/a", "na", "#n/a", "null", "none", "x", "*", "**",
                "해당없음", "없음")

#: Pairs of codes read as 1 / 0 in a binary column (compared case-insensitively).
BINARY_CODES = (("y", "n"), ("yes", "no"), ("예", "아니오"), ("예", "아니요"), ("o", "x"),
                ("유", "무"), ("true", "false"), ("t", "f"), ("해당", "비해당"))

_PLACEHOLDER_SET = pa.array(sorted({v for p in PLACEHOLDERS for v in (p, p.upper(), p.capitalize())}))
_GROUPED = r"^-?\d{1,3}(,\d{3})+(\.\d+)?$"
_PLAIN = r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"


@dataclasses.dataclass(frozen=True)
class NumberParse:
    """The outcome of :func:`parse_numbers` on one column.

    Attributes
    ----------
    values : pyarrow.Array
        float64; null where the cell was empty, a placeholder or unreadable.
    separators, negatives, placeholders : int
        Cells with thousands separators, with △ or parentheses for a minus, and placeholders.
    unreadable : pyarrow.Array
        Boolean mask of cells that are not numbers under any rule.
    """

    values: pa.Array
    separators: int
    negatives: int
    placeholders: int
    unreadable: pa.Array

    @property
    def n_unreadable(self) -> int:
        return int(pc.sum(self.unreadable).as_py() or 0)


def _as_text(values) -> pa.Array:
    if isinstance(values, pd.Series):
        try:  # text columns convert without a Python loop
            values = pa.array(values, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            values = pa.array(values.astype(object).where(values.notna(), None).map(
                lambda v: v if v is None else str(v)), type=pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pc.utf8_trim_whitespace(values.cast(pa.string()))


def parse_numbers(values) -> NumberParse:
    """Read a text column as numbers under the Korean spreadsheet rules.

    Parameters
    ----------
    values : pandas.Series or pyarrow.Array
        Text cells.

    Returns
    -------
    NumberParse
        ``1,234`` -> 1234 (only well-formed groups of three digits), ``△1,234`` and ``(1,234)``
        -> -1234, :data:`PLACEHOLDERS` and empty cells -> missing; anything else is unreadable.

    Examples
    --------
    >>> import pandas as pd
    >>> parse_numbers(pd.Series(["1,234", "△5", "(2,000)", "-", "7"])).values.to_pylist()
    [1234.0, -5.0, -2000.0, None, 7.0]
    """
    text = _as_text(values)
    n = len(text)
    none = pa.array(np.zeros(n, bool))
    empty = pc.fill_null(pc.equal(text, ""), False)
    placeholder = pc.fill_null(pc.is_in(text, value_set=_PLACEHOLDER_SET), False)
    triangle = pc.fill_null(pc.starts_with(text, "△"), False) if _anywhere(text, "△") else none
    parens = pc.fill_null(pc.match_substring_regex(text, r"^\(.*\)$"), False) \
        if _anywhere(text, "(") else none
    body = pc.if_else(triangle, pc.utf8_slice_codeunits(text, 1), text)
    body = pc.utf8_trim_whitespace(pc.if_else(parens, pc.utf8_slice_codeunits(body, 1, -1), body))
    grouped = pc.fill_null(pc.match_substring_regex(body, _GROUPED), False) \
        if _anywhere(body, ",") else none
    body = pc.if_else(grouped, pc.replace_substring(body, ",", ""), body)
    negative = pc.or_(triangle, parens)
    missing = pc.or_(pc.or_(empty, placeholder), pc.is_null(text))
    candidate = pc.if_else(missing, pa.scalar(None, pa.string()), body)
    try:  # the usual case: every remaining cell is a number (one pass, no regular expression)
        number = pc.cast(candidate, pa.float64())
        readable, unreadable = pc.is_valid(number), none
    except pa.ArrowInvalid:
        readable = pc.fill_null(pc.match_substring_regex(body, _PLAIN), False)
        unreadable = pc.and_(pc.invert(readable), pc.invert(missing))
        number = pc.cast(pc.if_else(readable, body, pa.scalar(None, pa.string())), pa.float64())
    number = pc.if_else(negative, pc.negate(number), number)
    count = lambda mask: int(pc.sum(pc.and_(mask, readable)).as_py() or 0)  # noqa: E731
    return NumberParse(number, count(grouped), count(negative),
                       int(pc.sum(placeholder).as_py() or 0), unreadable)


def _anywhere(text: pa.Array, needle: str) -> bool:
    return bool(pc.any(pc.fill_null(pc.match_substring(text, needle), False)).as_py())


def binary_mapping(uniques) -> dict | None:
    """The 1/0 mapping of a column whose distinct values are one pair of :data:`BINARY_CODES`.

    Parameters
    ----------
    uniques : iterable
        The column's distinct non-missing values.

    Returns
    -------
    dict or None
        ``{original value: 1.0 or 0.0}``, or None when the values are not such a pair (a column
        with only one of the codes, e.g. all ``N``, is still recognised).
    """
    values = [v for v in uniques if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if not values or not all(isinstance(v, str) for v in values):
        return None
    lowered = {v: v.strip().lower() for v in values}
    for yes, no in BINARY_CODES:
        if set(lowered.values()) <= {yes, no}:
            return {v: (1.0 if low == yes else 0.0) for v, low in lowered.items()}
    return None


def has_leading_zeros(text: pa.Array) -> bool:
    """True when some cell is a digit string starting with 0 (``0999``): an identifier, not a number."""
    hits = pc.match_substring_regex(pc.utf8_trim_whitespace(text), r"^0\d+$")
    return bool(pc.any(pc.fill_null(hits, False)).as_py())
