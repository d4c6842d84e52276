"""Reading firm and city tables from disk: CSV (UTF-8, UTF-8 with BOM, CP949/EUC-KR), Excel, Parquet.

Korean administrative files are usually saved by Excel in CP949, may carry a title or a merged
group row above the header and a row of units under it (천원, 백만원, 명), and write thousands
with commas. :func:`read_table` detects the encoding, the delimiter and the header row (from
the start of the file, see :mod:`hubeval.data.sniff`), removes a unit row and reports all it did
in a :class:`LoadInfo`, so that nothing is changed or dropped without a record.

Every format goes through one conversion: the cells are read as text by pyarrow's multi-threaded
CSV reader (or from the workbook / Parquet file), then each column becomes numbers when all its
cells are numbers, and stays text otherwise. Digit strings with a leading zero (``0999``) keep
the whole column as text, so ``0999`` and ``999`` stay two firms. A five-million-row CP949 file
loads in well under a minute (``benchmarks/bench_load.py``).
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hubeval.core.errors import PanelError
from hubeval.data import sniff
from hubeval.data.units import UNIT_SCALES, normalise_unit
from hubeval.data.values import has_leading_zeros, parse_numbers

__all__ = ["read_table", "LoadInfo", "UNIT_SCALES"]


@dataclasses.dataclass(frozen=True)
class LoadInfo:
    """What :func:`read_table` found while reading a file.

    Attributes
    ----------
    path, format : str
        The file and ``"csv"``, ``"excel"`` or ``"parquet"``.
    encoding, delimiter : str or None
        For CSV files, as detected or given.
    rows_read : int
        Data rows below the header (unit row and blank rows included).
    units : dict
        ``{column: label}`` of the unit row (removed from the data), empty without one.
    blank_rows_dropped : int
        Fully blank rows removed.
    header_row : int
        Rows above the header that were skipped (titles, merged group rows).
    numbers : tuple
        ``(column, what, count)`` for Korean number formats read when ``coerce_numeric`` is set.
    """

    path: str
    format: str
    encoding: str | None
    rows_read: int
    units: dict
    blank_rows_dropped: int
    delimiter: str | None = None
    header_row: int = 0
    numbers: tuple = ()


def read_table(path, *, encoding: str | None = None, sheet_name=0, delimiter: str | None = None,
               header_row: int | None = None,
               coerce_numeric: bool = False) -> tuple[pd.DataFrame, LoadInfo]:
    """Read a CSV, Excel or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str or os.PathLike
        ``.csv`` / ``.txt`` / ``.tsv``, ``.xlsx`` / ``.xls``, or ``.parquet`` / ``.pq``.
    encoding : str, optional
        CSV encoding. By default UTF-8 (with or without BOM) is detected, else CP949 (a superset
        of EUC-KR, the encoding Excel uses for Korean CSV files).
    sheet_name : int or str, default 0
        Excel sheet.
    delimiter : str, optional
        CSV delimiter; by default detected among comma, semicolon, tab and ``|``.
    header_row : int, optional
        Row of the header, counted from 0 (1 when one title row sits above it). By default the
        first row that fills (nearly) every column with text; title and merged group rows above
        it are skipped and counted in ``LoadInfo.header_row``.
    coerce_numeric : bool, default False
        Also read columns written as Korean Excel writes numbers (``1,234``, ``△1,234``,
        ``(1,234)``, placeholders ``-``, ``n/a``, ``*``) as numbers; counted in ``LoadInfo.numbers``.
        Without it such columns stay text (and :class:`hubeval.Panel` says how to read them).

    Returns
    -------
    (DataFrame, LoadInfo)
        The table (unit row removed, fully blank rows dropped) and what was done.

    Raises
    ------
    PanelError
        The file is missing, empty, not a table, undecodable, has duplicate column names or
        rows of a different width than the header.
    """
    path = Path(os.fspath(path))
    _check_exists(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        table, meta = _read_csv(path, encoding, delimiter, header_row)
    elif suffix in (".xlsx", ".xlsm", ".xls"):
        table, meta = _read_excel(path, sheet_name, header_row)
    elif suffix in (".parquet", ".pq"):
        table, meta = _read_parquet(path), {"format": "parquet"}
    else:
        raise PanelError(f"Data file `{path}` has suffix `{suffix}`, which hubeval cannot read. "
                         "Save it as .csv, .xlsx or .parquet.")
    names = [str(c).strip() for c in table.column_names]
    _check_unique(path, names)
    table = table.rename_columns(names)
    rows_read = table.num_rows
    table, blank = _drop_blank_rows(table)
    blank += meta.get("blank_short_rows", 0)
    rows_read += meta.get("blank_short_rows", 0)
    table, units = _strip_unit_row(table)
    frame, numbers = _to_frame(table, coerce_numeric)
    if frame.shape[1] < 2 or len(frame) == 0:
        raise PanelError(f"Data file `{path}` holds no table: found {rows_read} row(s) and "
                         f"{frame.shape[1]} column(s) after the header. A panel needs a header row "
                         "and at least one data row with unit and time columns.")
    info = LoadInfo(str(path), meta["format"], meta.get("encoding"), rows_read, units, blank,
                    meta.get("delimiter"), meta.get("header_row", 0), tuple(numbers))
    return frame, info


def _check_exists(path: Path) -> None:
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


def _check_unique(path: Path, names: list[str]) -> None:
    seen: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        seen.setdefault(name, []).append(position)
    repeated = {n: p for n, p in seen.items() if len(p) > 1}
    if repeated:
        shown = "; ".join(f"`{n}` (columns {', '.join(map(str, p))})" for n, p in repeated.items())
        raise PanelError(f"Data file `{path}` has duplicate column names: {shown}. Give every column "
                         "its own name in the file (e.g. 매출액_2020 and 매출액_2021), then load it again.")


def sniff_csv(path: Path, encoding: str | None = None, delimiter: str | None = None,
              header_row: int | None = None) -> dict:
    """Encoding, delimiter, header row and the first rows of a CSV file, from its first megabyte."""
    try:
        sample = sniff.sample_bytes(path)
    except OSError as exc:
        raise PanelError(f"Data file `{path}` cannot be read ({exc.strerror or exc}). Check the "
                         "file's permissions, or copy it to a folder you can read.") from None
    complete = len(sample) == path.stat().st_size
    if b"\x00" in sample[:4096]:
        raise PanelError(f"Data file `{path}` is not a text table (it contains binary data). If it is "
                         "an Excel workbook, give it the .xlsx suffix; otherwise export it as CSV.")
    used = encoding or sniff.detect_encoding(sample, complete=complete)
    try:
        fits = used is not None and sniff.decodes(sample, used, complete)
    except LookupError:
        raise PanelError(f"`encoding` {used!r} is not an encoding Python knows; use e.g. 'utf-8', "
                         "'cp949' or 'euc-kr'.") from None
    if not fits:
        tried = used if encoding else "utf-8-sig, cp949"
        raise PanelError(f"Data file `{path}` could not be decoded with {tried}. Pass the right "
                         "`encoding=` (e.g. 'cp949' or 'euc-kr' for Korean Excel exports).")
    text = sniff.decode_sample(sample, used)
    if not text.strip():
        raise PanelError(f"Data file `{path}` is empty (only whitespace). Export the table again.")
    found = delimiter or sniff.detect_delimiter(text)
    if found is None:
        first = text.splitlines()[0][:80] if text.splitlines() else ""
        raise PanelError(f"Data file `{path}`: no delimiter splits its rows into columns (tried comma, "
                         f"semicolon, tab and |; first line: {first!r}). Set the delimiter with "
                         "`delimiter` (e.g. `delimiter: ';'` in the params file).")
    rows = sniff.split_rows(text, found)
    header = sniff.detect_header_row(rows) if header_row is None else header_row
    return {"encoding": used, "delimiter": found, "header_row": header, "rows": rows}


def _read_csv(path: Path, encoding, delimiter, header_row) -> tuple[pa.Table, dict]:
    from pyarrow import csv as pacsv

    meta = sniff_csv(path, encoding, delimiter, header_row)
    if meta["header_row"] >= len(meta["rows"]):
        raise PanelError(f"`header_row` is {meta['header_row']}, but the file `{path}` has only "
                         f"{len(meta['rows'])} row(s) at its start. Count rows from 0.")
    names = [c.strip() for c in meta["rows"][meta["header_row"]]]
    _check_unique(path, names)
    blank = _ShortRows(meta["delimiter"])
    options = dict(
        read_options=pacsv.ReadOptions(encoding="utf-8" if meta["encoding"] == "utf-8-sig"
                                       else meta["encoding"], skip_rows=meta["header_row"] + 1,
                                       column_names=names, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=meta["delimiter"], newlines_in_values=True,
                                          invalid_row_handler=blank),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False))
    try:
        table = pacsv.read_csv(path, **options)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if _encoding_error(exc) and encoding is None and meta["encoding"] == "utf-8":
            return _read_csv(path, "cp949", meta["delimiter"], meta["header_row"])
        raise PanelError(_csv_problem(path, meta, exc)) from None
    meta.update(format="csv", blank_short_rows=blank.skipped,
                encoding="utf-8" if meta["encoding"] == "utf-8-sig" else meta["encoding"])
    return table, meta


class _ShortRows:
    """pyarrow's handler of rows with fewer cells than the header: blank ones are skipped (and
    counted), any other is an error."""

    def __init__(self, delimiter: str):
        self.delimiter, self.skipped = delimiter, 0

    def __call__(self, row) -> str:
        if row.actual_columns < row.expected_columns and not row.text.replace(self.delimiter, "").strip():
            self.skipped += 1
            return "skip"
        return "error"


def _encoding_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return isinstance(exc, UnicodeDecodeError) or "utf8" in text or "utf-8" in text or "decode" in text


def _csv_problem(path: Path, meta: dict, exc: Exception) -> str:
    shown = {",": "comma", ";": "semicolon", "\t": "tab", "|": "|"}.get(meta["delimiter"], repr(meta["delimiter"]))
    if _encoding_error(exc):
        return (f"Data file `{path}` could not be decoded with {meta['encoding']}. Pass the right "
                "`encoding=` (e.g. 'cp949' or 'euc-kr' for Korean Excel exports).")
    return (f"Data file `{path}` is not a readable table with the {shown} delimiter and the header "
            f"in row {meta['header_row']}: {str(exc).strip()}. Check `delimiter`, `header_row` and "
            "quoting (a row with more cells than the header).")


def _read_excel(path: Path, sheet_name, header_row) -> tuple[pa.Table, dict]:
    try:
        raw = pd.read_excel(path, sheet_name=sheet_name, header=None, dtype=str)
    except ValueError as exc:
        if "sheet" in str(exc).lower():
            raise PanelError(f"Data file `{path}`: {exc}. Pass `sheet_name=` with an existing sheet.") from None
        raise PanelError(f"Data file `{path}` is not a readable Excel workbook ({exc}). Open and "
                         "re-save it in Excel, or export it as CSV.") from None
    except Exception as exc:  # openpyxl raises several unrelated types for corrupt files
        raise PanelError(f"Data file `{path}` is not a readable Excel workbook ({type(exc).__name__}: "
                         f"{exc}). Open and re-save it in Excel, or export it as CSV.") from None
    rows = [[None if pd.isna(v) else v for v in row] for row in raw.head(40).values.tolist()]
    header = sniff.detect_header_row(rows) if header_row is None else header_row
    if header >= len(raw):
        raise PanelError(f"`header_row` is {header}, but the sheet of `{path}` has {len(raw)} row(s).")
    names = ["" if pd.isna(v) else str(v) for v in raw.iloc[header]]
    body = raw.iloc[header + 1:]
    keep = [i for i, n in enumerate(names) if n.strip() or body.iloc[:, i].notna().any()]
    names = [names[i] if names[i].strip() else f"Unnamed: {i}" for i in keep]
    _check_unique(path, [n.strip() for n in names])
    arrays = [pa.array([None if pd.isna(v) else str(v) for v in body.iloc[:, i]], pa.string())
              for i in keep]
    return pa.table(arrays, names=names), {"format": "excel", "header_row": header}


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError subclasses
        raise PanelError(f"Data file `{path}` is not a readable Parquet file ({type(exc).__name__}: "
                         f"{exc}). Re-export it or use CSV.") from None


def _text_columns(table: pa.Table) -> dict:
    """Trimmed text of each string column, empty cells as null."""
    from concurrent.futures import ThreadPoolExecutor

    def trim(column):
        text = pc.utf8_trim_whitespace(column)
        return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)

    names = [n for n, c in zip(table.column_names, table.columns)
             if pa.types.is_string(c.type) or pa.types.is_large_string(c.type)]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return dict(zip(names, pool.map(trim, [table.column(n) for n in names])))


def _drop_blank_rows(table: pa.Table) -> tuple[pa.Table, int]:
    text = _text_columns(table)
    table = pa.table({n: text.get(n, c) for n, c in zip(table.column_names, table.columns)})
    if table.num_rows == 0:
        return table, 0
    blank = None
    for column in table.columns:
        null = pc.is_null(column)
        blank = null if blank is None else pc.and_(blank, null)
    n_blank = int(pc.sum(blank).as_py() or 0)
    return (table.filter(pc.invert(blank)) if n_blank else table), n_blank


def _strip_unit_row(table: pa.Table) -> tuple[pa.Table, dict]:
    """Remove a first data row of unit labels (천원, 명, ...); the labels are returned, values not rescaled."""
    if table.num_rows == 0:
        return table, {}
    first = {n: v for n, v in table.slice(0, 1).to_pylist()[0].items() if v is not None}
    known = {c: str(v).strip() for c, v in first.items() if normalise_unit(v) in UNIT_SCALES}
    if not known or len(known) < max(1, len(first) // 2):
        return table, {}
    return table.slice(1), known


def _to_frame(table: pa.Table, coerce_numeric: bool) -> tuple[pd.DataFrame, list]:
    """Numbers where every cell of a column is a number, text elsewhere (see module docstring).

    Columns are converted in parallel threads: pyarrow's compute functions release the GIL.
    """
    from concurrent.futures import ThreadPoolExecutor

    def convert(item):
        name, column = item
        found = []
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column, found = _text_to_numbers(name, column, coerce_numeric)
        return name, _whole_numbers(column), found

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        done = list(pool.map(convert, zip(table.column_names, table.columns)))
    numbers = [entry for _, _, found in done for entry in found]
    frame = pa.table({name: column for name, column, _ in done}).to_pandas(split_blocks=True,
                                                                            self_destruct=True)
    return frame, numbers


def _text_to_numbers(name: str, column, coerce_numeric: bool):
    if column.null_count == len(column):
        return column, []
    try:
        numbers = pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers = None
    if numbers is not None:
        return (column if has_leading_zeros(column.combine_chunks()) else numbers), []
    head = pc.drop_null(column).slice(0, 1000)
    if not coerce_numeric or parse_numbers(head).n_unreadable:  # text: a look at its start tells
        return column, []
    parsed = parse_numbers(column)
    if not parsed.n_unreadable and has_leading_zeros(column.combine_chunks()):
        return column, []
    if parsed.n_unreadable:
        return column, []
    found = [(name, what, n) for what, n in (("thousands separator removed", parsed.separators),
                                              ("negative written with △ or parentheses", parsed.negatives),
                                              ("placeholder set to missing", parsed.placeholders)) if n]
    return parsed.values, found


def _whole_numbers(column):
    """float64 holding only whole numbers and no missing values -> int64 (as every format gives)."""
    if not pa.types.is_floating(column.type) or column.null_count:
        return column
    finite = pc.all(pc.is_finite(column)).as_py()
    whole = finite and pc.all(pc.equal(column, pc.round(column))).as_py()
    return pc.cast(column, pa.int64()) if whole and len(column) else column
