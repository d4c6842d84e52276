"""Publishing the policy memo: its figures, a self-contained HTML file and a PDF.

:func:`publish_memo` draws the memo figures in the memo's language and saves each through
:func:`hubeval.save_figure` (the disclosure gate and the missing-glyph check), then writes
``memo_<lang>.html`` with the PNGs and a subset of the bundled Korean font embedded (base64
``data:`` URIs, so the one file can be e-mailed and renders Korean without installed fonts) and
``memo_<lang>.pdf``.

The PDF is laid out with ``fpdf2`` (pure Python: no system libraries, unlike HTML-to-PDF
engines such as WeasyPrint that need Pango), embedding the bundled NanumSquare font for Korean
and DejaVu Sans (shipped with matplotlib) for the few symbols NanumSquare lacks. Without
``fpdf2`` installed the PDF is skipped with a :class:`~hubeval.DataWarning` and the reason is
kept in the result's ``notes``.
"""
from __future__ import annotations

import base64
import dataclasses
import html
import re
import warnings
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import matplotlib
from hubeval.report.plots._pyplot import plt
import pandas as pd

from hubeval.report.disclosure import (
    DEFAULT_MIN_UNITS, ExistsPolicy, assert_publishable, output_paths,
)
from hubeval.core.errors import DataWarning
from hubeval.report.figures import FONT_DIR, save_figure
from hubeval.report.memo.build import Memo
from hubeval.store.readers import regional_tables
from hubeval.report.memo.text import text
from hubeval.core.results import ResultMixin, to_jsonable

__all__ = ["MemoFigure", "PublishedMemo", "memo_figures", "publish_memo", "render_html",
           "render_pdf"]

_OTHER = {"en": "ko", "ko": "en"}
_CSS = """
body { font-family: "NanumSquare", "Noto Sans KR", "Malgun Gothic", "Apple SD Gothic Neo",
       "Helvetica Neue", Arial, sans-serif; color: #222; line-height: 1.5; margin: 0; }
main { max-width: 860px; margin: 2em auto; padding: 0 1.2em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.8em;
border-bottom: 1px solid #ccc; padding-bottom: 0.2em; } h3 { font-size: 1.05em; }
.subtitle { color: #555; margin-top: 0; } .note { color: #444; font-size: 0.92em; }
figure { margin: 1.2em 0; } figure img { width: 100%; height: auto; }
figcaption { font-size: 0.88em; color: #444; }
table { border-collapse: collapse; font-size: 0.86em; margin: 0.8em 0; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } code { font-size: 0.9em; } .hash { font-family: monospace; font-size: 0.8em; }
@media print { main { max-width: none; } section { break-inside: avoid-page; } }
"""


@dataclasses.dataclass(frozen=True)
class MemoFigure:
    """A drawn memo figure, what it shows (for the disclosure check) and its caption key."""

    name: str
    figure: Any
    shows: Any
    caption: str
    section: str


@dataclasses.dataclass(frozen=True)
class PublishedMemo(ResultMixin):
    """The files of a published memo.

    Attributes
    ----------
    html : Path
    pdf : Path or None
        None when no PDF could be written (``notes`` says why).
    figures : dict of str to dict of str to Path
        Per figure, its file per format.
    notes : tuple of str
    spec : dict
    """

    html: Path
    pdf: Path | None
    figures: dict
    notes: tuple
    spec: dict
    title = "Published memo"

    @property
    def estimates(self) -> pd.DataFrame:
        """One row per written file: ``kind``, ``name``, ``format``, ``path``."""
        rows = [("memo", self.html.stem, "html", str(self.html))]
        rows += [("memo", self.pdf.stem, "pdf", str(self.pdf))] if self.pdf else []
        rows += [("figure", name, fmt, str(path)) for name, paths in self.figures.items()
                 for fmt, path in paths.items()]
        return pd.DataFrame(rows, columns=["kind", "name", "format", "path"])

    def to_dict(self) -> dict:
        return {"type": type(self).__name__, "spec": to_jsonable(self.spec),
                "files": to_jsonable(self.estimates), "notes": list(self.notes)}


# --- figures --------------------------------------------------------------------------------

def memo_figures(memo: Memo) -> list[MemoFigure]:
    """Draw every memo figure the batch has data for, in the memo's language.

    Headline effects (percent outcomes), headline effects on rates and shares (level
    outcomes), covariate balance before and after matching (when recorded), event studies,
    the regional synthetic control (when recorded) and the cost-benefit summary with the
    tornado chart (when computed). Each carries what it shows
    for :func:`hubeval.save_figure`'s disclosure check.
    """
    from hubeval.report.plots.memo import (
        plot_balance_memo, plot_cba_panel, plot_event_grid, plot_headline, plot_headline_levels,
        plot_regional_grid,
    )

    lang, results, checks = memo.lang, memo.results, memo.checks
    scales = set(results.estimates["scale"])
    out = []
    if "percent" in scales:
        ax = plot_headline(results, lang=lang)
        out.append(MemoFigure("headline_effects", ax.figure, checks["estimates"], "cap_headline",
                              "effects"))
    if "level" in scales:
        axes = plot_headline_levels(results, lang=lang)
        out.append(MemoFigure("headline_levels", axes.flat[0].figure, checks["estimates"],
                              "cap_levels", "effects"))
    studies = results.event_studies
    if not studies.empty and studies["estimate"].notna().any():
        axes = plot_event_grid(results, lang=lang)
        axes.flat[0].figure.tight_layout()
        out.append(MemoFigure("event_studies", axes.flat[0].figure, checks["event_studies"],
                              "cap_event", "event"))
    if "balance" in checks:
        ax = plot_balance_memo(checks["balance"], lang=lang)
        out.append(MemoFigure("balance", ax.figure, checks["balance"], "cap_balance", "effects"))
    if not regional_tables(results)[1].empty:
        axes = plot_regional_grid(results, lang=lang)
        out.append(MemoFigure("regional", axes.flat[0].figure, checks["regional"], "cap_regional",
                              "regional"))
    if memo.cba is not None and memo.cba.result is not None:
        axes = plot_cba_panel(memo.cba.result, memo.cba.sensitivity, lang=lang)
        out.append(MemoFigure("cost_benefit", axes[0].figure, memo.cba.result, "cap_cba", "cba"))
    return out


# --- HTML ---------------------------------------------------------------------------------------

def _inline(value: str) -> str:
    """Escape text for HTML and turn `backticks` into <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(value)))


def _list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_inline(s)}</li>" for s in items) + "</ul>"


def _paragraphs(items: Sequence[str]) -> str:
    return "".join(f"<p>{_inline(s)}</p>" for s in items)


def _table(frame: pd.DataFrame, hash_columns: Sequence[str] = ()) -> str:
    if frame.empty:
        return ""
    head = "".join(f"<th>{_inline(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = [f"<td class=\"hash\">{_inline(v)}</td>" if col in hash_columns else
                 f"<td>{_inline('' if pd.isna(v) else v)}</td>" for col, v in zip(frame.columns, row)]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure_html(memo: Memo, figures: dict, section: str) -> str:
    out = []
    for name, (path, caption) in figures.items():
        if figures[name] and _SECTIONS.get(name) == section:
            data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
            cap = text(caption, memo.lang)
            out.append(f"<figure><img src=\"data:image/png;base64,{data}\" alt=\"{html.escape(cap)}\">"
                       f"<figcaption>{_inline(cap)}</figcaption></figure>")
    return "".join(out)


_SECTIONS = {"headline_effects": "effects", "headline_levels": "effects", "balance": "effects",
             "event_studies": "event",
             "regional": "regional", "cost_benefit": "cba"}


def render_html(memo: Memo, *, figures: dict | None = None, standalone: bool = True) -> str:
    """The memo as HTML; ``figures`` maps a figure name to ``(png_path, caption_key)``.

    ``standalone=False`` gives the body only (for display in a notebook).
    """
    lang, figures = memo.lang, figures or {}
    t = lambda key, **kw: _inline(text(key, lang, **kw))  # noqa: E731
    prov = memo.provenance
    sections = [
        f"<header><h1>{t('title')}</h1><p class=\"subtitle\">"
        f"{t('subtitle', batch=memo.spec['batch'], date=memo.spec['date'])} &middot; "
        f"<a href=\"memo_{_OTHER[lang]}.html\">{t('other_language')}</a></p></header>",
        f"<section id=\"findings\"><h2>{t('h_findings')}</h2>{_list(memo.findings)}</section>",
        f"<section id=\"effects\"><h2>{t('h_effects')}</h2>{_figure_html(memo, figures, 'effects')}"
        f"<p class=\"note\">{t('evidence_note')}</p>{_table(memo.effects)}</section>",
        f"<section id=\"event\"><h2>{t('h_event')}</h2>{_figure_html(memo, figures, 'event')}</section>",
        f"<section id=\"regional\"><h2>{t('h_regional')}</h2>{_paragraphs(memo.regional)}"
        f"{_figure_html(memo, figures, 'regional')}</section>",
        f"<section id=\"cba\"><h2>{t('h_cba')}</h2>{_paragraphs(memo.cba_text)}"
        f"{_table(memo.cba_table)}{_figure_html(memo, figures, 'cba')}</section>",
        f"<section id=\"limitations\"><h2>{t('h_limitations')}</h2>{_list(memo.limitations)}</section>",
        f"<section id=\"disclosure\"><h2>{t('h_disclosure')}</h2><p>{_inline(memo.disclosure[0])}</p>"
        f"{_list(memo.disclosure[1:]) if len(memo.disclosure) > 1 else ''}</section>",
        f"<section id=\"estimators\"><h2>{t('h_all_estimates')}</h2><p class=\"note\">"
        f"{t('all_estimates_note')}</p>{_table(memo.effects_all)}</section>",
        f"<section id=\"provenance\"><h2>{t('h_provenance')}</h2>{_provenance_html(memo, prov)}</section>",
    ]
    body = f"<main>{''.join(sections)}</main>"
    if not standalone:  # inside a notebook: no page-wide style
        return f"<div class=\"hubeval-memo\">{body}</div>"
    fonts = _font_faces(html.unescape(re.sub(r"<[^>]+>", " ", body)) + text("title", lang))
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{t('title')}</title><style>{fonts}{_CSS}</style></head><body>{body}</body></html>\n")


def _font_faces(characters: str) -> str:
    """@font-face rules embedding the bundled font, subset to the memo's characters.

    Korean then renders in any browser, with the figures' font, even where no Korean font is
    installed; the subset keeps the file small (the full fonts are 1.4 MB). Embedding in a
    document is permitted by the SIL Open Font License.
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    rules = []
    for weight, name in (("normal", "NanumSquareR.ttf"), ("bold", "NanumSquareB.ttf")):
        font = TTFont(FONT_DIR / name)
        subsetter = subset.Subsetter(subset.Options())
        subsetter.populate(text="".join(sorted(set(characters))))
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        rules.append(f"@font-face {{ font-family: \"NanumSquare\"; font-weight: {weight}; "
                     f"src: url(data:font/ttf;base64,{data}) format(\"truetype\"); }}\n")
    return "".join(rules)


def _provenance_html(memo: Memo, prov: dict) -> str:
    lang = memo.lang
    if prov["batch"].empty:
        head = f"<p>{_inline(text('no_manifest', lang, folder=memo.spec['results_dir']))}</p>"
    else:
        head = f"<h3>{_inline(text('h_batch', lang))}</h3>{_table(prov['batch'])}"
    parts = [head]
    for key, heading, hashes in (("data", "h_data", ("sha256",)), ("runs", "h_runs", ("notebook_sha256",)),
                                 ("parameters", "h_parameters", ()), ("versions", "h_versions", ())):
        if not prov[key].empty:
            parts.append(f"<h3>{_inline(text(heading, lang))}</h3>{_table(prov[key], hashes)}")
    return "".join(parts)


# --- PDF ---------------------------------------------------------------------------------------

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


def render_pdf(memo: Memo, path: str | Path, *, figures: dict | None = None) -> Path:
    """Write the memo as a PDF with fpdf2 (figures from PNG files); return the path.

    Raises
    ------
    ImportError
        ``fpdf2`` is not installed.
    """
    lang, figures = memo.lang, figures or {}
    writer = _Pdf(memo.spec["date"])
    t = lambda key, **kw: text(key, lang, **kw)  # noqa: E731

    def figures_of(section: str) -> None:
        for name, (png, caption) in figures.items():
            if _SECTIONS.get(name) == section:
                writer.image(Path(png), t(caption))

    def first_height(section: str) -> float:
        """Height of the section's first figure, to keep its heading on the same page."""
        pngs = [png for name, (png, _) in figures.items() if _SECTIONS.get(name) == section]
        return writer.image_size(Path(pngs[0]))[1] if pngs else 0.0

    writer.heading(t("title"), size=16)
    writer.paragraph(t("subtitle", batch=memo.spec["batch"], date=memo.spec["date"]), size=8.5)
    writer.heading(t("h_findings"))
    for sentence in memo.findings:
        writer.paragraph(sentence, bullet=True)
    writer.heading(t("h_effects"), keep_with=first_height("effects"))
    figures_of("effects")
    writer.paragraph(t("evidence_note"), size=8.5)
    writer.table(memo.effects, widths=(22, 44, 12, 13, 25, 10))
    writer.heading(t("h_event"), keep_with=first_height("event"))
    figures_of("event")
    writer.heading(t("h_regional"))
    for sentence in memo.regional:
        writer.paragraph(sentence)
    figures_of("regional")
    writer.heading(t("h_cba"))
    for sentence in memo.cba_text:
        writer.paragraph(sentence)
    writer.table(memo.cba_table, widths=(40, 25, 35))
    figures_of("cba")
    writer.heading(t("h_limitations"))
    for sentence in memo.limitations:
        writer.paragraph(sentence, bullet=True)
    writer.heading(t("h_disclosure"))
    for i, sentence in enumerate(memo.disclosure):
        writer.paragraph(sentence, bullet=i > 0)
    writer.pdf.add_page()
    writer.heading(t("h_all_estimates"))
    writer.paragraph(t("all_estimates_note"), size=8.5)
    writer.table(memo.effects_all, widths=(22, 44, 12, 13, 25, 10))
    _provenance_pdf(writer, memo)
    path = Path(path)
    writer.pdf.output(str(path))
    return path


def _provenance_pdf(writer: _Pdf, memo: Memo) -> None:
    lang, prov = memo.lang, memo.provenance
    writer.heading(text("h_provenance", lang))
    if prov["batch"].empty:
        writer.paragraph(text("no_manifest", lang, folder=memo.spec["results_dir"]), size=8)
    else:
        writer.heading(text("h_batch", lang), size=10)
        writer.table(prov["batch"], widths=(25, 75), size=6.5)
    layout = (("data", "h_data", (30, 50, 20)), ("runs", "h_runs", (22, 38, 8, 10, 22)),
              ("parameters", "h_parameters", (22, 22, 56)), ("versions", "h_versions", (50, 50)))
    for key, heading, widths in layout:
        if not prov[key].empty:
            writer.heading(text(heading, lang), size=10)
            writer.table(prov[key], widths=widths, size=6.5)


# --- publishing ------------------------------------------------------------------------------

def publish_memo(memo: Memo, *, out_dir: str | Path, formats: Sequence[str] = ("png", "svg"),
                 pdf: bool = True, exists: ExistsPolicy = "error", dpi: int = 300,
                 min_units: int = DEFAULT_MIN_UNITS) -> PublishedMemo:
    """Save the memo's figures, its HTML and (where possible) its PDF under ``out_dir``.

    Parameters
    ----------
    memo : Memo
        From :func:`hubeval.build_memo`.
    out_dir : str or Path
        Typically :func:`hubeval.report_folder` of the batch.
    formats : sequence of {"png", "svg", "pdf"}, default ("png", "svg")
        Figure formats; PNG is always written (the memo embeds it).
    pdf : bool, default True
        Also write ``memo_<lang>.pdf`` (needs ``fpdf2``; skipped with a warning without it).
    exists : {"error", "suffix", "replace"}, default "error"
        Existing files are never overwritten silently (see :func:`hubeval.save_figure`).
    dpi : int, default 300
        Resolution of the PNGs (300 for print; lower for quick drafts).
    min_units : int, default 5
        Every table and figure is re-checked at this threshold before anything is written.

    Returns
    -------
    PublishedMemo

    Raises
    ------
    DisclosureError
        Something in the memo would disclose confidential firm data (e.g. it was built with a
        smaller ``min_units``).
    FileExistsError
        A target exists and ``exists="error"``.
    """
    for check in memo.checks.values():
        assert_publishable(check, min_units=min_units)
    if memo.cba is not None and memo.cba.result is not None:
        assert_publishable(memo.cba.result, min_units=min_units)
    out = Path(out_dir)
    targets = output_paths(out, f"memo_{memo.lang}", ["html", "pdf"] if pdf else ["html"],
                           exists=exists, allowed=("html", "pdf"))
    formats = list(dict.fromkeys(["png", *formats]))
    saved, embedded = {}, {}
    with matplotlib.rc_context():
        for item in memo_figures(memo):
            try:
                paths = save_figure(item.figure, f"{item.name}_{memo.lang}", shows=item.shows,
                                    out_dir=out, formats=formats, exists=exists, dpi=dpi,
                                    min_units=min_units)
            finally:
                plt.close(item.figure)
            saved[item.name] = paths
            embedded[item.name] = (paths["png"], item.caption)
    targets["html"].write_text(render_html(memo, figures=embedded), encoding="utf-8")
    notes, pdf_path = [], None
    if pdf:
        try:
            pdf_path = render_pdf(memo, targets["pdf"], figures=embedded)
        except ImportError as exc:
            why = f"fpdf2 is not installed ({exc}); install it with `pip install fpdf2`"
            warnings.warn(text("pdf_note", "en", why=why), DataWarning, stacklevel=2)
            notes.append(text("pdf_note", memo.lang, why=why))
    return PublishedMemo(html=targets["html"], pdf=pdf_path, figures=saved, notes=tuple(notes),
                         spec={"lang": memo.lang, "out_dir": str(out), "formats": formats,
                               "dpi": dpi, "min_units": min_units})
