"""Detecting how a text table is written: encoding, delimiter and the row holding the header.

The detection reads only the start of the file (:data:`SAMPLE_BYTES`), so it costs the same for
a file of a thousand rows and one of five million; :func:`hubeval.read_table` and
``hubeval init`` use it, and every choice can be overridden (``encoding=``, ``delimiter=``,
``header_row=``).
"""
from __future__ import annotations

import csv
import io
from collections import Counter

__all__ = ["SAMPLE_BYTES", "DELIMITERS", "sample_bytes", "detect_encoding", "detect_delimiter",
           "detect_header_row", "split_rows", "decodes", "decode_sample"]

#: Bytes read from the start of a file to detect its encoding, delimiter and header row.
SAMPLE_BYTES = 1 << 20
#: Delimiters tried, in order of preference when several fit.
DELIMITERS = (",", ";", "\t", "|")
_ROWS = 40


def sample_bytes(path, size: int = SAMPLE_BYTES) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def detect_encoding(sample: bytes, *, complete: bool) -> str | None:
    """``'utf-8-sig'``, ``'utf-8'`` or ``'cp949'`` (a superset of EUC-KR), or None if neither fits.

    ``complete`` says whether ``sample`` is the whole file; if not, a multi-byte character cut at
    its end is not held against an encoding.
    """
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for encoding in ("utf-8", "cp949"):
        if decodes(sample, encoding, complete):
            return encoding
    return None


def decodes(sample: bytes, encoding: str, complete: bool) -> bool:
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def decode_sample(sample: bytes, encoding: str) -> str:
    """The sample as text, dropping a character cut at its end."""
    import codecs

    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)


def split_rows(text: str, delimiter: str, limit: int = _ROWS) -> list[list[str]]:
    """The first ``limit`` complete rows of ``text`` parsed with ``delimiter`` (quotes respected)."""
    lines = text.splitlines(keepends=True)[:limit]
    rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))
    return [row for row in rows if row]


def detect_delimiter(text: str) -> str | None:
    """The delimiter that splits the sample's rows into the most, consistently many, fields.

    Rows with a single field (a title line above the header) are ignored; None when no delimiter
    gives at least two fields in most rows.
    """
    best, best_width = None, 1
    for delimiter in DELIMITERS:
        widths = [len(r) for r in split_rows(text, delimiter) if len(r) > 1]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if count >= 0.8 * len(widths) and width > best_width:
            best, best_width = delimiter, width
    return best


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def detect_header_row(rows: list[list]) -> int:
    """Index of the header among the first rows of a table (0 when it is the first row).

    A title line or a merged group row above the header fills fewer cells than the header; the
    header is the first row filling nearly as many cells as the widest row, with (mostly) text
    rather than numbers, that has a row below it.
    """
    filled = [[str(c).strip() for c in row if c is not None and str(c).strip() not in ("", "nan")]
              for row in rows]
    widest = max((len(f) for f in filled), default=0)
    for index, cells in enumerate(filled[:-1]):
        if len(cells) >= max(2, 0.9 * widest):
            numbers = sum(_is_number(c) for c in cells)
            if numbers <= 0.2 * len(cells):
                return index
    return 0
