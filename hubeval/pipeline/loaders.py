"""Loaders the notebooks use: a firm panel with derived outcomes from parameters, a city panel.

Notebooks hold no logic (STYLE.md): anything more than a call and a display lives here, tested.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from hubeval.core.errors import DataWarning, PanelError
from hubeval.data.outcomes import derive_outcomes
from hubeval.data.panel import Panel

__all__ = ["load_panel", "load_cities"]


def load_panel(data_path: str | Path, *, unit: str = "firm_id", time: str = "year",
               cohort: str | None = "cohort", treatment: str | None = None,
               columns: Mapping[str, str] | None = None, encoding: str | None = None,
               price_index: str | Path | Mapping | None = None, price_column: str | None = None,
               base_year: int | None = None, coerce_numeric: bool = False,
               drop_always_treated: bool = False, money_unit=None, delimiter: str | None = None,
               header_row: int | None = None, sheet_name=0) -> Panel:
    """Load a firm panel from a file and derive every outcome: the first step of each notebook.

    Parameters
    ----------
    data_path : path
        CSV (UTF-8 or CP949), Excel or Parquet firm-year table.
    unit, time, cohort, treatment, columns, encoding, coerce_numeric, drop_always_treated
        As :class:`hubeval.Panel`.
    money_unit, delimiter, header_row, sheet_name
        As :class:`hubeval.Panel`: the unit money columns are converted to (원, 천원, 백만원, 억원),
        the CSV delimiter, the header's row and the Excel sheet (all detected when None).
    price_index : path or mapping, optional
        Deflator by year: a mapping, or a CSV with a ``year`` column and one index column (named by
        ``price_column`` when it has several).
    base_year : int, optional
        Base year of real prices (default: where the index is 100).

    Returns
    -------
    Panel
        With derived outcomes (see :func:`hubeval.derive_outcomes`).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        panel = Panel(data_path, unit=unit, time=time, cohort=cohort, treatment=treatment,
                      columns=columns, encoding=encoding, coerce_numeric=coerce_numeric,
                      drop_always_treated=drop_always_treated, money_unit=money_unit,
                      delimiter=delimiter, header_row=header_row, sheet_name=sheet_name)
    index = _read_price_index(price_index, price_column)
    derived = derive_outcomes(panel, price_index=index, base_year=base_year)
    for w in caught:  # re-issue once, for the notebook to show
        warnings.warn(w.message, w.category, stacklevel=2)
    return derived


def _read_price_index(price_index, price_column):
    if price_index is None or isinstance(price_index, Mapping):
        return price_index
    path = Path(price_index)
    if not path.exists():
        raise PanelError(f"Price index file `{path}` does not exist. Point `price_index` to a CSV with "
                         "a `year` column and an index column, or leave it empty for nominal values.")
    table = pd.read_csv(path)
    value_columns = [c for c in table.columns if c != "year"]
    if "year" not in table.columns or not value_columns:
        raise PanelError(f"Price index file `{path}` needs a `year` column and an index column; found "
                         f"columns {', '.join(map(str, table.columns))}.")
    column = price_column or value_columns[0]
    if column not in table.columns:
        raise PanelError(f"`price_column` `{column}` is not in `{path}`; choose one of "
                         f"{', '.join(value_columns)}.")
    if price_column is None and len(value_columns) > 1:
        raise PanelError(f"Price index file `{path}` has several index columns ({', '.join(value_columns)});"
                         " name the one to use with `price_column`.")
    return dict(zip(table["year"].astype(int), table[column].astype(float)))


def load_cities(data_path: str | Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read the city-level panel (for :func:`hubeval.synth`) with the same encoding detection."""
    from hubeval.data.io import read_table
    frame, _ = read_table(data_path, encoding=encoding)
    return frame


