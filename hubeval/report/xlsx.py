"""Formatted Excel workbooks of checked tables: one sheet per table, numbers kept as numbers.

:func:`write_workbook` lays out tables that the disclosure gate has already let out
(:func:`hubeval.save_tables` and :func:`hubeval.save_table` with ``formats=["xlsx"]`` call it
after the check; nothing here checks anything). Each sheet has an optional title row, one or
more header rows (e.g. Korean above English), the data with a display format per column or per
cell (``'0.0'``, ``'#,##0'``, ``'0%'``, ...), optional notes under it, panes frozen under the
header and column widths fitted to the text (Korean characters count double). Numbers are written as numbers, missing
values as empty cells, infinities as the text ``∞`` / ``-∞`` and text as text, so a text cell
starting with ``=`` is never a formula. A :class:`WorkbookSheet` may name text to show in the
empty cells of suppressed rows (the memo shows "suppressed" / "비공개" in the effect column).
"""
from __future__ import annotations

import dataclasses
import numbers
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError

__all__ = ["WorkbookSheet", "write_workbook", "check_sheet_names"]

_MAX_WIDTH = 60
_BAD_NAME = re.compile(r"[\[\]:*?/\\]")


@dataclasses.dataclass(frozen=True)
class WorkbookSheet:
    """One table of a workbook and how its sheet looks.

    Attributes
    ----------
    table : DisclosureResult, pandas.DataFrame or result object
        What :func:`hubeval.save_tables` checks and writes (as for :func:`hubeval.save_table`).
    title : str, default ""
        Written in the first row (no title row when empty).
    headers : mapping of column to sequence of str, optional
        The columns to write, in order, each with its header lines (one line per header row,
        the same number for every column, e.g. ``{"estimate": ("효과", "Effect")}``). The
        disclosure check still sees the whole table, so a count column can vouch for the rows
        without being written. Default: every column, headed by its name.
    formats : mapping of column to str or sequence of str, optional
        Excel number format of a column's numbers (``"0.000"``, ``"#,##0"``, ``"0%"``), or one
        format per row.
    suppressed : mapping of column to str, optional
        Text shown in a column's empty cells on rows whose ``suppressed`` flag is set.
    notes : sequence of str, optional
        Notes written under the table, one per row after an empty row (not in the table).
    check : DisclosureResult, optional
        As ``check`` of :func:`hubeval.save_table` (e.g. the exemption :func:`hubeval.public`).
    keys : sequence of str, optional
        Extra key columns of ``table`` (see :func:`hubeval.check_estimates`).
    """

    table: Any
    title: str = ""
    headers: Mapping[str, Sequence[str]] | None = None
    formats: Mapping[str, str | Sequence[str]] = dataclasses.field(default_factory=dict)
    suppressed: Mapping[str, str] = dataclasses.field(default_factory=dict)
    notes: Sequence[str] = ()
    check: Any = None
    keys: Sequence[str] = ()


def check_sheet_names(names: Sequence[str]) -> None:
    """Raise :class:`SpecError` unless every name is a valid, distinct Excel sheet name."""
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name.strip() or len(name) > 31 \
                or _BAD_NAME.search(name) or name.lower() in seen:
            raise SpecError(
                f"Invalid sheet name {name!r}: Excel sheet names are 1 to 31 characters without "
                f"[ ] : * ? / \\ and distinct regardless of case; names given: {list(names)}.")
        seen.add(name.lower())


def _value(value: Any) -> Any:
    """A cell value: numbers as Python numbers, missing as None, anything else as text."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value)
                         and pd.isna(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):  # Excel has no infinity: written as the memo prints it
        return float(value) if np.isfinite(value) else "∞" if value > 0 else "-∞"
    return str(value)


def _format_of(formats: Mapping, column: str, row: int, n_rows: int) -> str | None:
    spec = formats.get(column)
    if spec is None or isinstance(spec, str):
        return spec
    spec = list(spec)
    if len(spec) != n_rows:
        raise SpecError(f"`formats[{column!r}]` has {len(spec)} formats for {n_rows} rows; give "
                        "one format per row or one format for the column.")
    return spec[row]


def _width(value: Any) -> int:
    """Display width of a value: East Asian wide characters count two."""
    text = f"{value:,.3f}" if isinstance(value, float) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _header_lines(frame: pd.DataFrame, sheet: WorkbookSheet) -> dict[str, tuple]:
    if sheet.headers is None:
        return {c: (str(c),) for c in frame.columns}
    lines = {c: (h,) if isinstance(h, str) else tuple(h) for c, h in sheet.headers.items()}
    missing = [c for c in lines if c not in frame.columns]
    if missing:
        raise SpecError(f"`headers` names columns the table does not have: {missing}; the "
                        f"table's columns: {list(frame.columns)}.")
    if len({len(h) for h in lines.values()}) > 1:
        raise SpecError("Every column of `headers` needs the same number of header lines; got "
                        f"{ {c: len(h) for c, h in lines.items()} }.")
    return lines


def _write_sheet(book, name: str, frame: pd.DataFrame, sheet: WorkbookSheet) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(name)
    lines = _header_lines(frame, sheet)
    columns = list(lines)
    widths = {j: max(_width(h) for h in lines[c]) for j, c in enumerate(columns, 1)}
    row = 1
    if sheet.title:
        ws.cell(1, 1, sheet.title).font = Font(bold=True, size=12)
        row = 2
    n_head = len(next(iter(lines.values()), ()))
    fill, rule = PatternFill("solid", fgColor="E8ECF2"), Side(style="thin")
    for h in range(n_head):
        for j, column in enumerate(columns, 1):
            cell = ws.cell(row + h, j, lines[column][h])
            cell.data_type = "s"
            cell.font, cell.fill = Font(bold=h == 0), fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if h == n_head - 1:
                cell.border = Border(bottom=rule)
    first = row + n_head
    hidden = frame["suppressed"].fillna(False).astype(bool).to_numpy() \
        if "suppressed" in frame.columns else np.zeros(len(frame), dtype=bool)
    for i, record in enumerate(frame[columns].itertuples(index=False, name=None)):
        for j, (column, raw) in enumerate(zip(columns, record), 1):
            value = _value(raw)
            if value is None and hidden[i] and column in sheet.suppressed:
                value = sheet.suppressed[column]
            cell = ws.cell(first + i, j)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                fmt = _format_of(sheet.formats, column, i, len(frame))
                if fmt:
                    cell.number_format = fmt
            if value is not None:
                widths[j] = max(widths[j], _width(value))
    for k, note in enumerate(sheet.notes):
        cell = ws.cell(first + len(frame) + 1 + k, 1, str(note))
        cell.data_type, cell.font = "s", Font(italic=True, size=9)
    if n_head or sheet.title:
        ws.freeze_panes = ws.cell(first, 1)
    for j, width in widths.items():
        ws.column_dimensions[get_column_letter(j)].width = min(width + 2, _MAX_WIDTH)


def write_workbook(path: str | Path,
                   sheets: Sequence[tuple[str, pd.DataFrame, WorkbookSheet]]) -> Path:
    """Write ``(name, frame, sheet)`` triples to one ``.xlsx`` file, a sheet each, in order.

    ``frame`` is the table to write (already through the disclosure gate) and ``sheet`` its
    layout (:class:`WorkbookSheet`). Returns ``path``.
    """
    from openpyxl import Workbook

    check_sheet_names([name for name, _, _ in sheets])
    book = Workbook()
    book.remove(book.active)
    for name, frame, sheet in sheets:
        _write_sheet(book, name, frame, sheet)
    book.save(path)
    return Path(path)
