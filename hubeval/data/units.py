"""Units of a firm table: the labels of a unit row (원, 천원, 백만원, 억원, 명, %) and money units.

Korean survey files give the unit of each column in a row under the header. Money columns can
be in different units within one file (sales in 백만원, wages in 천원); hubeval converts every
money column to one unit (:func:`convert_money`) and records it, so that amounts are never
combined across units and a memo's KRW figures do not depend on the unit the file was saved in.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hubeval.core.errors import PanelError

__all__ = ["UNIT_SCALES", "MONEY_UNITS", "normalise_unit", "money_scale", "money_label",
           "convert_money"]

#: KRW per unit of each money label (labels compared after :func:`normalise_unit`).
MONEY_UNITS = {
    "원": 1.0, "krw": 1.0, "천원": 1e3, "thousandkrw": 1e3, "krwthousand": 1e3, "만원": 1e4,
    "백만원": 1e6, "millionkrw": 1e6, "krwmillion": 1e6, "억원": 1e8, "100millionkrw": 1e8,
    "십억원": 1e9, "billionkrw": 1e9, "krwbillion": 1e9,
}
_OTHER_UNITS = {"명": 1.0, "persons": 1.0, "person": 1.0, "%": 1.0, "개": 1.0, "개사": 1.0,
                "건": 1.0, "년": 1.0, "year": 1.0, "시간": 1.0, "hours": 1.0, "㎡": 1.0, "m2": 1.0}
#: Multipliers of every unit label hubeval recognises in a unit row (money labels: to KRW).
UNIT_SCALES = {**MONEY_UNITS, **_OTHER_UNITS}

#: The label shown for each KRW scale.
_LABELS = {1.0: "원", 1e3: "천원", 1e4: "만원", 1e6: "백만원", 1e8: "억원", 1e9: "십억원"}


def normalise_unit(label) -> str:
    """A unit label without spaces, brackets and a leading '단위:' / 'unit:' (``'(천 원)'`` -> ``'천원'``)."""
    text = re.sub(r"\s+", "", str(label)).lower()
    text = re.sub(r"^(단위|unit)[:：]", "", text)
    return text.strip("()[]{}<>")


def money_scale(unit, *, name: str = "money_unit") -> float:
    """KRW per unit of ``unit``: a label (원, 천원, 백만원, 억원, 'KRW million') or a positive number.

    Raises
    ------
    PanelError
        An unknown label or a non-positive number.
    """
    if isinstance(unit, (int, float, np.number)) and not isinstance(unit, bool):
        if unit > 0:
            return float(unit)
    elif isinstance(unit, str) and normalise_unit(unit) in MONEY_UNITS:
        return MONEY_UNITS[normalise_unit(unit)]
    known = ", ".join(["원", "천원", "만원", "백만원", "억원", "십억원"])
    raise PanelError(f"`{name}` must be a money unit ({known}, or KRW per unit such as 1000000); "
                     f"got {unit!r}.")


def money_label(scale: float) -> str:
    """The Korean label of a KRW scale (1e6 -> '백만원'; other scales as 'KRW x <scale>')."""
    return _LABELS.get(float(scale), f"KRW x {scale:g}")


def convert_money(frame: pd.DataFrame, units: dict, target=None) -> tuple[pd.DataFrame, float | None, list]:
    """Put every money column of ``frame`` in one unit.

    Parameters
    ----------
    frame : DataFrame
        Numeric money columns (the others are left alone).
    units : dict
        ``{column: label}`` from the unit row, for columns present in ``frame``.
    target : str or float, optional
        Unit to convert to. By default the one unit all money columns share; with columns in
        different units there is no default, and ``target`` must be given.

    Returns
    -------
    (DataFrame, float or None, list)
        The converted frame (a copy when anything changed), KRW per unit of its money columns
        (None when no money column has a unit and no ``target`` is given) and one
        ``(column, from_label, factor)`` per converted column.

    Raises
    ------
    PanelError
        Money columns in different units without a ``target``, or a money column holding text.
    """
    money = {c: MONEY_UNITS[normalise_unit(u)] for c, u in units.items()
             if c in frame.columns and normalise_unit(u) in MONEY_UNITS}
    if target is not None:
        scale = money_scale(target)
    elif len(set(money.values())) > 1:
        by_unit: dict[str, list[str]] = {}
        for col, value in money.items():
            by_unit.setdefault(units[col], []).append(f"`{col}`")
        shown = "; ".join(f"{label}: {', '.join(cols)}" for label, cols in by_unit.items())
        raise PanelError(
            f"Money columns are in different units ({shown}); hubeval will not combine them "
            "unconverted. Set `money_unit` to the unit every money column is converted to (e.g. "
            "`money_unit: 백만원` in the params file, `money_unit='백만원'` in Python or "
            "`--money-unit 백만원` for `hubeval check`).")
    else:
        scale = next(iter(money.values()), None)
    changes = [(c, units[c], s / scale) for c, s in money.items() if scale is not None and s != scale]
    sources = {c: s for c, s in money.items()}
    if not changes:
        return frame, scale, []
    out = frame.copy(deep=False)  # only the converted columns are new
    for col, _, factor in changes:
        if not pd.api.types.is_numeric_dtype(out[col]):
            raise PanelError(f"Money column `{col}` ({units[col]}) holds text, so it cannot be "
                             "converted to one money unit. Make it numeric first (see "
                             "`coerce_numeric`).")
        out[col] = out[col].astype(float) * sources[col] / scale  # KRW, then the unit: exact for whole KRW
    return out, scale, changes
