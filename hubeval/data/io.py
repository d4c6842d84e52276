"""Reading firm and city tables from disk: CSV (UTF-8, UTF-8 with BOM, CP949/EUC-KR), Excel, Parquet.

Korean administrative files are usually saved by Excel in CP949, often carry a row of units under
the header (천원, 백만원, 명) and write thousands with commas. :func:`read_table` detects the
encoding, finds such a unit row, removes it and reports what it did in a :class:`LoadInfo`, so
that nothing is changed or dropped without a record.
"""
from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

import pandas as pd

from hubeval.core.errors import PanelError

__all__ = ["read_table", "LoadInfo", "UNIT_SCALES"]

#: Multipliers for unit labels found in Korean spreadsheets (to KRW or persons).
UNIT_SCALES = {
    "원": 1.0, "krw": 1.0, "천원": 1e3, "thousand krw": 1e3, "krw thousand": 1e3,
    "백만원": 1e6, "million krw": 1e6, "krw million": 1e6, "억원": 1e8, "100 million krw": 1e8,
    "명": 1.0, "persons": 1.0, "person": 1.0, "%": 1.0, "개": 1.0, "년": 1.0, "year": 1.0,
}

_ENCODINGS = ("utf-8-sig", "cp949")


@dataclasses.dataclass(frozen=True)
class LoadInfo:
    """What :func:`read_table` found while reading a file."""

    path: str
    format: str
    encoding: str | None
    rows_read: int
    units: dict
    blank_rows_dropped: int


def read_table(path, *, encoding: str | None = None, sheet_name=0) -> tuple[pd.DataFrame, LoadInfo]:
    """Read a CSV, Excel or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        ``.csv`` / ``.txt``, ``.xlsx`` / ``.xls``, or ``.parquet`` / ``.pq``.
    encoding : str, optional
        CSV encoding. By default UTF-8 (with or without BOM) is tried first, then CP949
        (a superset of EUC-KR, the encoding Excel uses for Korean CSV files).
    sheet_name : int or str, default 0
        Excel sheet.

    Returns
    -------
    (DataFrame, LoadInfo)
        The table (unit row removed, fully blank rows dropped) and what was done.

    Raises
    ------
    PanelError
        The file is missing, empty, or not a table.
    """
    path = Path(os.fspath(path))
    if not path.exists():
        raise PanelError(f"Data file `{path}` does not exist. Check the path (relative paths are read "
                         f"from the current folder, {Path.cwd()}).")
    if path.is_dir():
        raise PanelError(f"Data file `{path}` is a folder, not a file. Point `data_path` to the "
                         "firm-year table itself (.csv, .xlsx or .parquet) inside it.")
    if not os.access(path, os.R_OK):
        raise PanelError(f"Data file `{path}` cannot be read (permission denied). Check the "
                         "file's permissions, or copy it to a folder you can read.")
    if path.stat().st_size == 0:
        raise PanelError(f"Data file `{path}` is empty (0 bytes). Export the table again or point to "
                         "the right file.")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        frame, used = _read_csv(path, encoding)
        fmt = "csv"
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        frame, used, fmt = _read_excel(path, sheet_name), None, "excel"
    elif suffix in (".parquet", ".pq"):
        frame, used, fmt = _read_parquet(path), None, "parquet"
    else:
        raise PanelError(f"Data file `{path}` has suffix `{suffix}`, which hubeval cannot read. "
                         "Save it as .csv, .xlsx or .parquet.")
    frame.columns = [str(c).strip() for c in frame.columns]
    rows_read = len(frame)
    blank = frame.isna().all(axis=1)
    frame = frame.loc[~blank].reset_index(drop=True)
    frame, units = _strip_unit_row(frame)
    frame = _to_numbers(frame)
    if frame.shape[1] < 2 or len(frame) == 0:
        raise PanelError(f"Data file `{path}` holds no table: found {rows_read} row(s) and "
                         f"{frame.shape[1]} column(s) after the header. A panel needs a header row "
                         "and at least one data row with unit and time columns.")
    info = LoadInfo(str(path), fmt, used, rows_read, units, int(blank.sum()))
    return frame, info


def _read_csv(path: Path, encoding: str | None) -> tuple[pd.DataFrame, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PanelError(f"Data file `{path}` cannot be read ({exc.strerror or exc}). Check the "
                         "file's permissions, or copy it to a folder you can read.") from None
    if b"\x00" in raw[:4096]:
        raise PanelError(f"Data file `{path}` is not a text table (it contains binary data). If it is "
                         "an Excel workbook, give it the .xlsx suffix; otherwise export it as CSV.")
    candidates = (encoding,) if encoding else _ENCODINGS
    text, used = None, None
    for enc in candidates:
        try:
            text, used = raw.decode(enc), enc
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if text is None:
        tried = ", ".join(candidates)
        raise PanelError(f"Data file `{path}` could not be decoded with {tried}. Pass the right "
                         "`encoding=` (e.g. 'cp949' or 'euc-kr' for Korean Excel exports).")
    if not text.strip():
        raise PanelError(f"Data file `{path}` is empty (only whitespace). Export the table again.")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=None if path.suffix == ".txt" else ",",
                            engine="python", dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise PanelError(f"Data file `{path}` is not a readable table: {exc}. Check the delimiter "
                         "(hubeval expects commas) and quoting.") from None
    return frame, ("utf-8" if used == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf") else used)


def _to_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert columns that are wholly numeric to numbers (whole numbers to int64 when complete);
    leave everything else as text, so every format gives the same dtypes."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            converted = values
        else:
            converted = pd.to_numeric(values.astype(object), errors="coerce")
            if converted.notna().sum() != values.notna().sum():
                out[col] = values.astype("str").where(values.notna())
                continue
        if converted.notna().all() and (converted == converted.round()).all():
            converted = converted.astype("int64")
        else:
            converted = converted.astype("float64")
        out[col] = converted
    return pd.DataFrame(out, index=frame.index)


def _read_excel(path: Path, sheet_name) -> pd.DataFrame:
    try:
        return pd.read_excel(path, sheet_name=sheet_name)
    except ValueError as exc:
        if "sheet" in str(exc).lower():
            raise PanelError(f"Data file `{path}`: {exc}. Pass `sheet_name=` with an existing sheet.") from None
        raise PanelError(f"Data file `{path}` is not a readable Excel workbook ({exc}). Open and "
                         "re-save it in Excel, or export it as CSV.") from None
    except Exception as exc:  # openpyxl raises several unrelated types for corrupt files
        raise PanelError(f"Data file `{path}` is not a readable Excel workbook ({type(exc).__name__}: "
                         f"{exc}). Open and re-save it in Excel, or export it as CSV.") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError subclasses
        raise PanelError(f"Data file `{path}` is not a readable Parquet file ({type(exc).__name__}: "
                         f"{exc}). Re-export it or use CSV.") from None


def _strip_unit_row(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Remove a first data row of unit labels (천원, 명, ...); the labels are returned, values are not rescaled."""
    if len(frame) == 0:
        return frame, {}
    first = frame.iloc[0]
    labels = {c: str(v).strip().lower().strip("()[]") for c, v in first.items() if pd.notna(v)}
    known = {c: lab for c, lab in labels.items() if lab in UNIT_SCALES}
    if not known or len(known) < max(1, len(labels) // 2):
        return frame, {}
    rest = frame.iloc[1:].reset_index(drop=True)
    return rest, {c: frame.iloc[0][c] for c in known}
