"""The memo as PDF, laid out with fpdf2 from the same document model as the HTML.

fpdf2 is pure Python (no system libraries, unlike HTML-to-PDF engines such as WeasyPrint that
need Pango); the bundled NanumSquare font is embedded for Korean and DejaVu Sans (shipped with
matplotlib) for the few symbols NanumSquare lacks. The creation date is the batch's, not the
clock's, so rerunning the memo gives an identical file.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd

from hubeval.report.figures import FONT_DIR
from hubeval.report.memo.document import Document, Section

__all__ = ["render_pdf"]

#: Column widths (mm) and font size of each table of the memo, by table name.
_TABLES = {"effects": ((22, 44, 12, 13, 25, 10), 7.5),
           "effects_all": ((22, 44, 12, 13, 25, 10), 7.5),
           "cba": ((40, 25, 35), 7.5), "inference": ((30, 40, 14, 30, 12), 7.5),
           "batch": ((25, 75), 6.5), "data": ((30, 50, 20), 6.5),
           "runs": ((50, 25, 25), 6.5), "parameters": ((35, 65), 6.5),
           "versions": ((50, 50), 6.5)}
#: Font size of paragraphs by style.
_SIZES = {"body": 9.5, "note": 8.5, "small": 8.0, "warning": 10.0}


def _plain(value: Any) -> str:
    return re.sub(r"`([^`]+)`", r"\1", "" if value is None or (isinstance(value, float) and
                                                               pd.isna(value)) else str(value))


class _Pdf:
    """A thin writer over fpdf2 with the memo's fonts, headings, paragraphs and tables."""

    def __init__(self, created: str) -> None:
        from fpdf import FPDF

        pdf = FPDF(format="A4")
        pdf.set_margins(18, 16, 18)
        pdf.set_auto_page_break(True, margin=16)
        pdf.add_font("Nanum", "", str(FONT_DIR / "NanumSquareR.ttf"))
        pdf.add_font("Nanum", "B", str(FONT_DIR / "NanumSquareB.ttf"))
        dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        pdf.add_font("DejaVu", "", str(dejavu / "DejaVuSans.ttf"))
        pdf.set_fallback_fonts(["DejaVu"])
        # the batch's date, not the clock: rerunning the memo gives an identical file
        pdf.set_creation_date(datetime.fromisoformat(created).replace(tzinfo=timezone.utc))
        pdf.add_page()
        self.pdf = pdf

    def heading(self, value: str, size: float = 13, keep_with: float = 0.0) -> None:
        """A heading, moved to a new page when ``keep_with`` mm of what follows would not fit."""
        if keep_with and self.pdf.get_y() + size + keep_with > self.pdf.page_break_trigger:
            self.pdf.add_page()
        self.pdf.set_font("Nanum", "B", size)
        self.pdf.ln(2)
        self.pdf.multi_cell(0, size * 0.5, _plain(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def paragraph(self, value: str, size: float = 9.5, bullet: bool = False) -> None:
        self.pdf.set_font("Nanum", "", size)
        prefix = "- " if bullet else ""  # NanumSquare has no bullet glyph
        self.pdf.multi_cell(0, size * 0.5, prefix + _plain(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def table(self, frame: pd.DataFrame, widths: Sequence[float] | None = None,
              size: float = 7.5) -> None:
        if frame.empty:
            return
        self.pdf.set_font("Nanum", "", size)
        with self.pdf.table(col_widths=tuple(widths) if widths else None, text_align="LEFT",
                            line_height=size * 0.5, first_row_as_headings=True) as table:
            header = table.row()
            for column in frame.columns:
                header.cell(_plain(column))
            for values in frame.itertuples(index=False):
                row = table.row()
                for value in values:
                    row.cell(_plain(value))
        self.pdf.ln(2)

    def image_size(self, path: Path) -> tuple[float, float]:
        """Width and height (mm) of a figure: full text width, shrunk to fit one page."""
        from PIL import Image

        with Image.open(path) as img:
            ratio = img.height / img.width
        tallest = self.pdf.page_break_trigger - self.pdf.t_margin - 12  # room for the caption
        width = min(self.pdf.epw, tallest / ratio)
        return width, width * ratio

    def image(self, path: Path, caption: str) -> None:
        width, height = self.image_size(path)
        if self.pdf.get_y() + height > self.pdf.page_break_trigger:
            self.pdf.add_page()
        self.pdf.image(str(path), x=self.pdf.l_margin + (self.pdf.epw - width) / 2, w=width)
        self.paragraph(caption, size=8)


def render_pdf(document: Document, path: str | Path) -> Path:
    """Write the memo as a PDF with fpdf2 (figures from their PNG files); return the path.

    Raises
    ------
    ImportError
        ``fpdf2`` is not installed.
    """
    writer = _Pdf(document.date)
    writer.heading(document.title, size=16)
    writer.paragraph(document.subtitle, size=_SIZES["note"])
    for section in document.sections:
        _section(writer, section)
    path = Path(path)
    writer.pdf.output(str(path))
    return path


def _section(writer: _Pdf, section: Section) -> None:
    if section.new_page:
        writer.pdf.add_page()
    first = section.blocks[0] if section.blocks else None
    # a heading stays on the page of the section's first figure
    keep = writer.image_size(first.path)[1] if getattr(first, "kind", "") == "figure" else 0.0
    if section.id == "incomplete":  # the notice of an incomplete batch stands out in red
        writer.pdf.set_text_color(179, 38, 30)
    writer.heading(section.heading, keep_with=keep)
    for block in section.blocks:
        if block.kind == "paragraph":
            writer.paragraph(block.text, size=_SIZES[block.style])
        elif block.kind == "list":
            for item in block.items:
                writer.paragraph(item, bullet=True)
        elif block.kind == "heading":
            writer.heading(block.text, size=10)
        elif block.kind == "table":
            widths, size = _TABLES.get(block.name, (None, 7.5))
            writer.table(block.frame, widths=widths, size=size)
        elif block.kind == "figure":
            writer.image(block.path, block.caption)
    writer.pdf.set_text_color(0, 0, 0)
