"""Loaders the notebooks use: a firm panel with derived outcomes from parameters, a city panel.

Notebooks hold no logic (STYLE.md): anything more than a call and a display lives here, tested.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from hubeval.core.errors import DataWarning, PanelError
from hubeval.core.paths import project_path, where_looked
from hubeval.data.outcomes import derive_outcomes
from hubeval.data.panel import Panel
from hubeval.data.restrict import restrict_sample

__all__ = ["load_panel", "load_cities"]


def load_panel(data_path: str | Path, *, unit: str = "firm_id", time: str = "year",
               cohort: str | None = "cohort", treatment: str | None = None,
               columns: Mapping[str, str] | None = None, encoding: str | None = None,
               price_index: str | Path | Mapping | None = None, price_column: str | None = None,
               base_year: int | None = None, coerce_numeric: bool = False,
               drop_always_treated: bool = False, money_unit=None, delimiter: str | None = None,
               header_row: int | None = None, sheet_name=0, drop_cohorts: Sequence[int] | None = None,
               drop_years: Sequence[int] | None = None, years: Sequence[int] | None = None) -> Panel:
    """Load a firm panel from a file and derive every outcome: the first step of each notebook.

    Parameters
    ----------
    data_path : path
        CSV (UTF-8 or CP949), Excel or Parquet firm-year table; a relative path is relative to
        the project root (:func:`hubeval.project_root`), wherever the notebook runs.
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
    drop_cohorts, drop_years, years
        Sample restrictions, applied after the outcomes are derived (so growth rates still use
        the year before a dropped year): leave out the firms of these cohorts, these years, or
        keep only the years ``[first, last]``; see :func:`hubeval.restrict_sample`. Each is
        warned about, counted in the report and recorded in ``panel.restrictions``.

    Returns
    -------
    Panel
        With derived outcomes (see :func:`hubeval.derive_outcomes`).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        panel = Panel(_resolve(data_path), unit=unit, time=time, cohort=cohort, treatment=treatment,
                      columns=columns, encoding=encoding, coerce_numeric=coerce_numeric,
                      drop_always_treated=drop_always_treated, money_unit=money_unit,
                      delimiter=delimiter, header_row=header_row, sheet_name=sheet_name)
    index = _read_price_index(price_index, price_column)
    derived = derive_outcomes(panel, price_index=index, base_year=base_year)
    for w in caught:  # re-issue once, for the notebook to show
        warnings.warn(w.message, w.category, stacklevel=2)
    return restrict_sample(derived, drop_cohorts=drop_cohorts, drop_years=drop_years, years=years)


def _resolve(data_path, name: str = "data_path"):
    """A path relative to the project root (wherever the kernel started); tables pass through."""
    if not isinstance(data_path, (str, Path)):
        return data_path
    path = project_path(data_path)
    if not path.exists():
        raise PanelError(f"`{name}` file `{data_path}` does not exist{where_looked(data_path)}. "
                         "Check the path.")
    return path


def _read_price_index(price_index, price_column):
    if price_index is None or isinstance(price_index, Mapping):
        return price_index
    path = project_path(price_index)
    if not path.exists():
        raise PanelError(f"Price index file `{price_index}` does not exist{where_looked(price_index)}. "
                         "Point `price_index` to a CSV with a `year` column and an index column, or "
                         "leave it empty for nominal values.")
    table = _price_table(path)
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
    return _price_values(table, column, path)


def _price_table(path: Path) -> pd.DataFrame:
    fix = ("Point `price_index` to a CSV with a `year` column and an index column, or leave it "
           "empty for nominal values.")
    if not path.exists():
        raise PanelError(f"Price index file `{path}` does not exist. {fix}")
    if path.is_dir():
        raise PanelError(f"Price index file `{path}` is a folder, not a file. {fix}")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise PanelError(f"Price index file `{path}` is empty. {fix}") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise PanelError(f"Price index file `{path}` cannot be read as CSV "
                         f"({type(exc).__name__}: {exc}). {fix}") from None
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise PanelError(f"Price index file `{path}` has a header but no rows. {fix}")
    return table


def _price_values(table: pd.DataFrame, column: str, path: Path) -> dict:
    """``{year: index}``; a year or index that is not a number is an error naming the rows."""
    years = pd.to_numeric(table["year"], errors="coerce")
    values = pd.to_numeric(table[column], errors="coerce")
    bad = table.index[years.isna() | (years % 1 != 0) | values.isna() | ~(values > 0)]
    if len(bad):
        rows = [f"line {i + 2}: year={table.at[i, 'year']!r}, {column}={table.at[i, column]!r}"
                for i in bad[:3]]
        raise PanelError(f"Price index file `{path}`: {len(bad)} row(s) without a whole-number "
                         f"`year` and a positive numeric `{column}` ({'; '.join(rows)}). Write one "
                         "row per year with plain numbers (no units, no thousands separators).")
    return dict(zip(years.astype(int), values.astype(float)))


def load_cities(data_path: str | Path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read the city-level panel (for :func:`hubeval.synth`) with the same encoding detection."""
    from hubeval.data.io import read_table
    frame, _ = read_table(_resolve(data_path, "cities_path"), encoding=encoding)
    return frame


