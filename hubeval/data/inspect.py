"""What a firm file looks like, for ``hubeval init``: layout, units, number formats, a mapping.

:func:`inspect_table` reads the file once with :func:`hubeval.read_table` (which detects the
encoding, delimiter, header row and unit row) and adds what a user would otherwise find out by
trial and error: columns written as Korean Excel writes numbers, yes/no columns, identifiers
with leading zeros, the money unit to use, and the proposed column mapping.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from hubeval.data.headers import propose_columns
from hubeval.data.io import read_table
from hubeval.data.units import MONEY_UNITS, money_label, money_scale, normalise_unit
from hubeval.data.values import binary_mapping, parse_numbers

__all__ = ["inspect_table"]

_ROLES = {"firm_id": "the firm identifier", "year": "the year",
          "cohort": "the first program year (never-participants 0 or empty)"}


def inspect_table(path, *, money_unit=None) -> dict:
    """Detect how a firm file is written and propose the settings to read it.

    Parameters
    ----------
    path : path
        The firm-year table.
    money_unit : str, optional
        Unit to convert money columns to; by default the unit row's (the most common one when
        the money columns are in different units).

    Returns
    -------
    dict
        ``detected`` and ``decide`` (lines of text), ``load`` (keyword arguments of
        :func:`hubeval.load_panel`) and ``data_path_abs``.
    """
    path = Path(path)
    frame, info = read_table(path)
    detected = [f"file: {path} ({info.format}, {info.rows_read} rows, {frame.shape[1]} columns)"]
    if info.format == "csv":
        shown = {",": "comma", ";": "semicolon", "\t": "tab"}.get(info.delimiter, info.delimiter)
        detected.append(f"encoding {info.encoding}, delimiter {shown}")
    if info.header_row:
        detected.append(f"header in row {info.header_row} ({info.header_row} title/group row(s) above it skipped)")
    columns, unknown = propose_columns(frame.columns)
    decide = []
    coerce = _korean_numbers(frame, detected)
    _binary(frame, detected)
    _leading_zeros(frame, info, detected)
    unit = _money(info.units, columns, money_unit, detected, decide)
    detected.append("column mapping: " + (", ".join(f"{k} -> {v}" for k, v in columns.items()) or "none"))
    mapped = set(columns.values()) | set(frame.columns)
    for role, what in _ROLES.items():
        if role not in mapped:
            decide.append(f"which column is {what}: map it to `{role}` under `columns`")
    if unknown:
        decide.append("headers not in the dictionary, kept under their own names (map them under "
                      f"`columns` if they are one of hubeval's inputs): {', '.join(map(str, unknown))}")
    load = {"columns": columns, "encoding": info.encoding, "delimiter": info.delimiter,
            "header_row": info.header_row, "money_unit": unit, "coerce_numeric": coerce,
            "unit": "firm_id", "time": "year", "cohort": "cohort"}
    return {"detected": detected, "decide": decide, "load": load, "data_path_abs": str(path)}


def _korean_numbers(frame: pd.DataFrame, detected: list) -> bool:
    found = []
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]):
            continue
        parsed = parse_numbers(frame[col])
        valid = int(parsed.values.is_valid().to_numpy(zero_copy_only=False).sum())
        if not parsed.n_unreadable and valid and (parsed.separators or parsed.negatives or parsed.placeholders):
            found.append(f"{col} ({parsed.separators} with separators, {parsed.negatives} △/() "
                         f"negatives, {parsed.placeholders} placeholders)")
    if found:
        detected.append("numbers written as Korean Excel writes them, read with "
                        f"`coerce_numeric: true`: {'; '.join(found)}")
    return bool(found)


def _binary(frame: pd.DataFrame, detected: list) -> None:
    found = [str(col) for col in frame.columns if not pd.api.types.is_numeric_dtype(frame[col])
             and frame[col].dropna().nunique() <= 2 and binary_mapping(frame[col].dropna().unique())]
    if found:
        detected.append(f"yes/no columns, read as 1/0: {', '.join(found)}")


def _leading_zeros(frame: pd.DataFrame, info, detected: list) -> None:
    for col in frame.columns:
        values = frame[col]
        zeros = values.astype(str).str.match(r"^0\d+$") if values.dtype == object else None
        if zeros is not None and zeros.any():
            detected.append(f"`{col}` has codes with leading zeros (e.g. {values[zeros].iloc[0]!r}): "
                            "kept as text")


def _money(units: dict, columns: dict, money_unit, detected: list, decide: list):
    if units:
        detected.append("unit row: " + ", ".join(f"{c} {u}" for c, u in units.items()))
    money = {c: u for c, u in units.items() if normalise_unit(u) in MONEY_UNITS}
    if money_unit is not None:
        money_scale(money_unit)
        return money_unit
    if not money:
        decide.append("the money unit: no unit row gives it; set `money_unit` (원, 천원, 백만원 or "
                      "억원) or the memo assumes 백만원 (KRW million)")
        return None
    counts = Counter(money_label(MONEY_UNITS[normalise_unit(u)]) for u in money.values())
    label = max(counts, key=lambda lab: (counts[lab], money_scale(lab)))
    if len(counts) > 1:
        detected.append(f"money columns in {len(counts)} units ({', '.join(counts)}): all converted to "
                        f"{label} (`money_unit`)")
    else:
        detected.append(f"money unit {label}")
    return label
