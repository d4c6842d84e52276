"""The memo as a Word document (.docx), from the same document model as the HTML and PDF.

Korean research institutes edit reports in HWP and Word; HWP opens .docx. The document is
written with python-docx: the memo's headings as Word headings (so the navigation pane and a
table of contents work), paragraphs, bulleted lists, tables in Word's "Table Grid" style with a
bold header row, and the figures' PNGs at text width with their captions. Korean text is set
in an East Asian font Word and HWP have on Windows ("Malgun Gothic", 맑은 고딕) with the
bundled NanumSquare as the family name other editors try first; the creation date is the
batch's, so rerunning the memo gives the same document properties.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from hubeval.report.memo.document import Document, Section

__all__ = ["render_docx"]

#: Latin and East Asian fonts of the document, by language.
_FONTS = {"en": ("Calibri", "Malgun Gothic"), "ko": ("Malgun Gothic", "Malgun Gothic")}
#: Point sizes of paragraph styles and tables.
_SIZES = {"body": 10.0, "note": 9.0, "small": 8.0, "table": 8.0, "caption": 8.5, "warning": 11.0}
_TEXT_WIDTH_CM = 16.0


def _plain(value: Any) -> str:
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    return re.sub(r"`([^`]+)`", r"\1", str(value))


def _set_fonts(style: Any, latin: str, east_asian: str) -> None:
    """Latin and East Asian font of a style (python-docx sets only the Latin one)."""
    from docx.oxml.ns import qn

    style.font.name = latin
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _setup(document: Any, lang: str, created: str) -> None:
    from docx.shared import Cm, Pt

    latin, east_asian = _FONTS.get(lang, _FONTS["en"])
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet", "Caption"):
        _set_fonts(document.styles[name], latin, east_asian)
    document.styles["Normal"].font.size = Pt(_SIZES["body"])
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin = section.right_margin = Cm(2.5)
    props = document.core_properties
    props.language = "ko-KR" if lang == "ko" else "en-GB"
    props.author = "hubeval"
    when = datetime.fromisoformat(created).replace(tzinfo=timezone.utc)
    props.created = props.modified = when


def _paragraph(document: Any, value: str, size: float, *, style: str | None = None,
               grey: bool = False, italic: bool = False, warning: bool = False) -> None:
    from docx.shared import Pt, RGBColor

    paragraph = document.add_paragraph(style=style)
    run = paragraph.add_run(_plain(value))
    run.font.size = Pt(size)
    run.italic = italic
    if warning:  # the incomplete-batch notice: bold red, as in the HTML and PDF
        run.bold, run.font.color.rgb = True, RGBColor(0xB0, 0x00, 0x20)
    elif grey:
        run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)


def _table(document: Any, frame: pd.DataFrame) -> None:
    from docx.shared import Pt

    if frame.empty:
        return
    table = document.add_table(rows=1, cols=len(frame.columns))
    table.style = document.styles["Table Grid"]
    for cell, column in zip(table.rows[0].cells, frame.columns):
        run = cell.paragraphs[0].add_run(_plain(column))
        run.bold, run.font.size = True, Pt(_SIZES["table"])
    for values in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.paragraphs[0].add_run(_plain(value)).font.size = Pt(_SIZES["table"])
    document.add_paragraph()


def _section(document: Any, section: Section) -> None:
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    if section.new_page:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading(_plain(section.heading), level=1)
    for block in section.blocks:
        if block.kind == "paragraph":
            _paragraph(document, block.text, _SIZES[block.style], grey=block.style != "body",
                       warning=block.style == "warning")
        elif block.kind == "list":
            for item in block.items:
                _paragraph(document, item, _SIZES["body"], style="List Bullet")
        elif block.kind == "heading":
            document.add_heading(_plain(block.text), level=2)
        elif block.kind == "table":
            _table(document, block.frame)
        elif block.kind == "figure":
            document.add_picture(str(block.path), width=Cm(_TEXT_WIDTH_CM))
            _paragraph(document, block.caption, _SIZES["caption"], style="Caption", grey=True)


def render_docx(document: Document, path: str | Path) -> Path:
    """Write the memo as a Word document with python-docx; return the path.

    Parameters
    ----------
    document : Document
        From :func:`hubeval.report.memo.document.memo_document`, with its figures' PNGs.
    path : str or Path

    Returns
    -------
    Path

    Raises
    ------
    ImportError
        ``python-docx`` is not installed.
    """
    import docx

    out = docx.Document()
    _setup(out, document.lang, document.date)
    out.add_heading(_plain(document.title), level=0)
    _paragraph(out, document.subtitle, _SIZES["note"], grey=True)
    for section in document.sections:
        _section(out, section)
    path = Path(path)
    out.save(str(path))
    return path
