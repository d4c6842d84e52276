"""The memo as HTML, rendered from its document model with the jinja2 templates in ``templates/``.

The standalone page embeds the figures' PNGs and a subset of the bundled Korean font as base64
``data:`` URIs, so the one file can be e-mailed and renders Korean without installed fonts.
Autoescaping is on: every text of the memo is escaped; `backticks` become ``<code>``.
"""
from __future__ import annotations

import base64
import functools
import html
import io
import re
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd

from hubeval.report.figures import FONT_DIR
from hubeval.report.memo.document import Document

__all__ = ["render_html", "TEMPLATE_DIR"]

#: Folder of the memo's jinja2 templates and style sheet.
TEMPLATE_DIR = Path(__file__).parent / "templates"


def _inline(value: Any) -> markupsafe.Markup:
    """Escape text for HTML and turn `backticks` into <code>."""
    escaped = str(markupsafe.escape(str(value)))
    return markupsafe.Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def _cell(value: Any) -> Any:
    return "" if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)) else value


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(inline=_inline, cell=_cell, data_uri=_data_uri)
    env.globals["zip"] = zip
    return env


def render_html(document: Document, *, standalone: bool = True) -> str:
    """The memo as HTML; ``standalone=False`` gives the body only (for display in a notebook)."""
    env = _environment()
    body = markupsafe.Markup(env.get_template("body.html.j2").render(doc=document).strip())
    if not standalone:  # inside a notebook: no page-wide style
        return env.get_template("fragment.html.j2").render(body=body).strip()
    characters = html.unescape(re.sub(r"<[^>]+>", " ", str(body))) + document.title
    return env.get_template("memo.html.j2").render(doc=document, body=body,
                                                   fonts=_font_faces(characters))


def _font_faces(characters: str) -> list[dict]:
    """The bundled font (regular and bold), subset to the memo's characters, base64-encoded.

    Korean then renders in any browser, with the figures' font, even where no Korean font is
    installed; the subset keeps the file small (the full fonts are 1.4 MB). Embedding in a
    document is permitted by the SIL Open Font License.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    faces = []
    for weight, name in (("normal", "NanumSquareR.ttf"), ("bold", "NanumSquareB.ttf")):
        font = TTFont(FONT_DIR / name)
        subsetter = subset.Subsetter(subset.Options())
        subsetter.populate(text="".join(sorted(set(characters))))
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
        faces.append({"weight": weight, "data": base64.b64encode(buffer.getvalue()).decode("ascii")})
    return faces
