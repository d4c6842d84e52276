"""Firm files written the way a Korean institute exports them, for the tests of issue 12."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from hubeval.data.example import KOREAN_COLUMNS

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"
MONEY = ["sales", "value_added", "total_cost", "materials_cost", "labour_cost", "capex", "capital"]
MAPPING = {v: k for k, v in KOREAN_COLUMNS.items()}


def korean_frame(unit: str = "천원", factor: float = 1000.0, *, units: dict | None = None) -> pd.DataFrame:
    """The example firms as text cells: Korean headers, money in ``unit`` with thousands
    separators, the POSCO-supplier column as Y/N, and a unit row on top.

    ``units`` gives other units for some columns (hubeval names -> (label, factor)).
    """
    data = pd.read_csv(EXAMPLE / "firms.csv", dtype={"firm_id": str})
    labels = {"employment": "명"}
    for col in MONEY:
        label, scale = (units or {}).get(col, (unit, factor))
        labels[col] = label
        data[col] = (data[col] * scale).map(lambda v: "" if pd.isna(v) else f"{v:,.{0 if scale >= 1000 else 1}f}")
    data["posco_supplier"] = data["posco_supplier"].map({1: "Y", 0: "N"})
    data["cohort"] = data["cohort"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    text = data.astype(str).replace("nan", "")
    unit_row = pd.DataFrame([{c: labels.get(c, "") for c in text.columns}])
    return pd.concat([unit_row, text], ignore_index=True).rename(columns=KOREAN_COLUMNS)


def write_export(path: Path, unit: str = "천원", factor: float = 1000.0, **kw) -> Path:
    """:func:`korean_frame` as a CP949 CSV (what Korean Excel saves)."""
    korean_frame(unit, factor, **kw).to_csv(path, index=False, encoding="cp949")
    return path
