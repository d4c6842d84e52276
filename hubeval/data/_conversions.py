"""Value steps of :class:`~hubeval.data.panel.Panel`: yes/no codes, Korean number formats, money
units and impossible values. Each returns what it changed, for the data-quality report.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.core.errors import PanelError
from hubeval.data.units import convert_money, money_label
from hubeval.data.values import binary_mapping, parse_numbers

__all__: list[str] = []

_FIX_NUMBERS = ("set `coerce_numeric: true` in the params file (`--coerce-numeric` for `hubeval "
                "check`, `coerce_numeric=True` in Python) to read thousands separators, △ and "
                "parentheses as numbers and placeholders as missing (counted in the report)")


def recode_binary(frame: pd.DataFrame, skip: set) -> tuple[pd.DataFrame, list]:
    """Text columns coded Y/N, 예/아니오, O/X, 유/무, true/false as 1.0 / 0.0."""
    changes = []
    for col in frame.columns:
        if col in skip or pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            continue
        if frame[col].dropna().head(1000).nunique() > 6:  # cheap test before the full one
            continue
        uniques = frame[col].dropna().unique()
        mapping = binary_mapping(uniques) if len(uniques) <= 6 else None  # 'Y', 'y', ' Y', ...
        if mapping is None:
            continue
        frame[col] = frame[col].map(mapping).astype(float)
        order = sorted(mapping, key=lambda v: (-mapping[v], v))
        what = f"{'/'.join(order)} read as {'/'.join(str(int(mapping[v])) for v in order)}"
        changes.append((col, what, int(frame[col].notna().sum())))
    return frame, changes


def coerce_column(frame: pd.DataFrame, col: str, coerce: bool, unit: str, time: str) -> tuple[pd.Series, list]:
    """A text outcome column as numbers under the Korean rules, or a PanelError saying how."""
    parsed = parse_numbers(frame[col])
    unreadable = parsed.unreadable.to_numpy(zero_copy_only=False)
    text = frame[col].astype("string").str.strip()
    marked = text.str.contains(r"[,△()]", regex=True, na=False).to_numpy()
    placeholder = (parsed.values.is_null().to_numpy(zero_copy_only=False) & text.notna().to_numpy()
                   & (text != "").to_numpy() & ~unreadable)
    if unreadable.any() or not coerce:
        rows = frame.loc[unreadable | placeholder | marked, [unit, time, col]].head(5)
        shown = "; ".join(f"{r[unit]}/{r[time]}: {r[col]!r}" for _, r in rows.iterrows())
        fix = _FIX_NUMBERS if not unreadable.any() else (
            "correct or blank out these cells, or leave the column out of `outcomes`")
        raise PanelError(
            f"Outcome column `{col}` is not numeric: {parsed.separators} value(s) use thousands "
            f"separators (e.g. '1,234'), {parsed.negatives} mark negatives with △ or parentheses, "
            f"{parsed.placeholders} are placeholders such as '-', and {int(unreadable.sum())} cannot "
            f"be read as numbers. First offending rows (unit/time: value): {shown}. To fix, {fix}.")
    found = [(col, what, n) for what, n in (("thousands separator removed", parsed.separators),
                                             ("negative written with △ or parentheses", parsed.negatives),
                                             ("placeholder set to missing", parsed.placeholders)) if n]
    values = pd.Series(parsed.values.to_numpy(zero_copy_only=False), index=frame.index, dtype=float)
    return values, found


def check_finite(frame: pd.DataFrame, unit: str, time: str, skip: set) -> None:
    """No infinite value anywhere (the cohort column codes never-participants as inf: skipped)."""
    for col in frame.columns:
        if col in skip or not pd.api.types.is_float_dtype(frame[col]):
            continue
        infinite = np.isinf(frame[col].to_numpy())
        if infinite.any():
            rows = frame.loc[infinite, [unit, time, col]].head(5)
            shown = ", ".join(f"row {i} ({r[unit]}/{r[time]}: {r[col]})" for i, r in rows.iterrows())
            raise PanelError(
                f"Column `{col}` holds {int(infinite.sum())} infinite value(s) (inf), e.g. {shown}. "
                "An infinite amount is impossible: it usually comes from a division by zero in the "
                "spreadsheet. Correct these cells or leave them empty (missing).")


def money_units(frame: pd.DataFrame, units: dict, columns: dict | None, target) -> tuple:
    """Convert the money columns named by the unit row (after renaming) to one unit."""
    renamed = {(columns or {}).get(c, c): label for c, label in units.items()}
    frame, scale, changes = convert_money(frame, renamed, target)
    notes = [(col, f"money {label} -> {money_label(scale)} (x {factor:g})", int(frame[col].notna().sum()))
             for col, label, factor in changes]
    return frame, scale, notes
