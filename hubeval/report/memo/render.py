"""Publishing the policy memo: its figures, a self-contained HTML file, a PDF and a Word file.

:func:`publish_memo` draws the memo figures in the memo's language and saves each through
:func:`hubeval.save_figure` (the disclosure gate and the missing-glyph check), builds the memo's
document model (:mod:`hubeval.report.memo.document`) and renders it to ``memo_<lang>.html``
(:mod:`hubeval.report.memo.html`, PNGs and a subset of the bundled Korean font embedded) and
``memo_<lang>.pdf`` (:mod:`hubeval.report.memo.pdf`) and ``memo_<lang>.docx``
(:mod:`hubeval.report.memo.docx`), and writes the memo's tables as the Excel workbook
``memo_tables_<lang>.xlsx`` through :func:`hubeval.save_tables`
(:mod:`hubeval.report.memo.workbook`). Without ``fpdf2`` (``python-docx``) installed the PDF (Word
file) is skipped with a :class:`~hubeval.DataWarning` and the reason is kept in ``notes``.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd

from hubeval.core.errors import DataWarning
from hubeval.core.paths import project_path
from hubeval.core.results import ResultMixin, result_field
from hubeval.report.disclosure import DEFAULT_MIN_UNITS, ExistsPolicy
from hubeval.report.figures import SVG_HASHSALT, save_figure
from hubeval.report.memo.appendix import specification_figure
from hubeval.report.memo.build import MemoResult
from hubeval.report.memo.document import memo_document
from hubeval.report.memo.docx import render_docx
from hubeval.report.memo.html import render_html
from hubeval.report.memo.pdf import render_pdf
from hubeval.report.memo.text import text
from hubeval.report.memo.workbook import memo_sheets
from hubeval.report.plots._pyplot import plt
from hubeval.report.publication import assert_publishable, output_paths, save_tables
from hubeval.store.readers import regional_tables

__all__ = ["MemoFigure", "PublishedMemoResult", "memo_figures", "publish_memo"]


def _path_or_none(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _figure_paths(figures: dict) -> dict:
    return {name: {fmt: str(path) for fmt, path in paths.items()} for name, paths in figures.items()}


@dataclasses.dataclass(frozen=True)
class MemoFigure:
    """A drawn memo figure, its exemption (if any) for the disclosure check and its caption key.

    The figure records what it draws (:func:`hubeval.report.figures.record_drawn`), which
    :func:`hubeval.save_figure` checks; ``exemption`` is the :func:`hubeval.public` of a figure
    of public aggregates (the regional one), else None.
    """

    name: str
    figure: Any
    exemption: Any
    caption: str
    section: str


@dataclasses.dataclass(frozen=True)
class PublishedMemoResult(ResultMixin):
    """The files of a published memo.

    Attributes
    ----------
    html : Path
    pdf : Path or None
        None when no PDF could be written (``notes`` says why).
    docx : Path or None
        The Word document; None when not asked for or ``python-docx`` is missing (``notes``).
    figures : dict of str to dict of str to Path
        Per figure, its file per format.
    tables : Path or None
        The Excel workbook of the memo's tables (``memo_tables_<lang>.xlsx``); None when not
        asked for.
    notes : tuple of str
    spec : dict
    """

    html: Path = result_field(serialize=str)
    pdf: Path | None = result_field(serialize=_path_or_none)
    docx: Path | None = result_field(serialize=_path_or_none)
    figures: dict = result_field(serialize=_figure_paths)
    notes: tuple = result_field()
    spec: dict = result_field()
    tables: Path | None = result_field(default=None, serialize=_path_or_none)
    title = "Published memo"

    @property
    def estimates(self) -> pd.DataFrame:
        """One row per written file: ``kind``, ``name``, ``format``, ``path``."""
        rows = [("memo", self.html.stem, "html", str(self.html))]
        rows += [("memo", self.pdf.stem, "pdf", str(self.pdf))] if self.pdf else []
        rows += [("memo", self.docx.stem, "docx", str(self.docx))] if self.docx else []
        rows += [("tables", self.tables.stem, "xlsx", str(self.tables))] if self.tables else []
        rows += [("figure", name, fmt, str(path)) for name, paths in self.figures.items()
                 for fmt, path in paths.items()]
        return pd.DataFrame(rows, columns=["kind", "name", "format", "path"])


# --- figures --------------------------------------------------------------------------------

def memo_figures(memo: MemoResult) -> list[MemoFigure]:
    """Draw every memo figure the batch has data for, in the memo's language.

    Headline effects (percent outcomes), headline effects on rates and shares (level
    outcomes), covariate balance before and after matching (when recorded), event studies,
    the regional synthetic control (when recorded), the cost-benefit summary with the
    tornado chart (when computed) and, with a robustness batch, the specification curve of each
    outcome (the appendix). Each is drawn from the memo's protected results and records
    them for :func:`hubeval.save_figure`'s disclosure check.
    """
    from hubeval.report.plots.memo import (
        plot_balance_memo,
        plot_cba_panel,
        plot_event_grid,
        plot_headline,
        plot_headline_levels,
    )
    from hubeval.report.plots.regional import plot_regional_grid

    lang, results, checks = memo.lang, memo.results, memo.checks
    scales = set(results.comparison["scale"])
    out = []
    if "percent" in scales:
        ax = plot_headline(results, lang=lang)
        out.append(MemoFigure("headline_effects", ax.figure, None, "cap_headline",
                              "effects"))
    if "level" in scales:
        axes = plot_headline_levels(results, lang=lang)
        out.append(MemoFigure("headline_levels", axes.flat[0].figure, None, "cap_levels",
                              "effects"))
    studies = results.event_studies
    if not studies.empty and studies["estimate"].notna().any():
        axes = plot_event_grid(results, lang=lang)
        out.append(MemoFigure("event_studies", axes.flat[0].figure, None, "cap_event", "event"))
    if "balance" in checks:
        ax = plot_balance_memo(checks["balance"], lang=lang)
        out.append(MemoFigure("balance", ax.figure, None, "cap_balance", "effects"))
    if not regional_tables(results)[1].empty:
        axes = plot_regional_grid(results, lang=lang)
        out.append(MemoFigure("regional", axes.flat[0].figure, checks["regional"], "cap_regional",
                              "regional"))
    if memo.cba is not None and memo.cba.result is not None:
        axes = plot_cba_panel(memo.cba.result, memo.cba.sensitivity, lang=lang)
        out.append(MemoFigure("cost_benefit", axes[0].figure, None, "cap_cba", "cba"))
    return out + _specification_figures(memo)


def _specification_figures(memo: MemoResult) -> list[MemoFigure]:
    """The appendix's specification curves, one per outcome (none without a robustness batch)."""
    from hubeval.report.plots.speccurve import plot_specification_curve

    curve = memo.specification
    if curve is None:
        return []
    return [MemoFigure(specification_figure(outcome),
                       plot_specification_curve(curve, outcome=outcome, lang=memo.lang)[0].figure,
                       None, "cap_specification", "specification")
            for outcome in curve.outcomes]


# --- publishing ------------------------------------------------------------------------------

def publish_memo(memo: MemoResult, *, out_dir: str | Path, formats: Sequence[str] = ("png", "svg"),
                 pdf: bool = True, docx: bool = True, xlsx: bool = True,
                 exists: ExistsPolicy = "error", dpi: int = 300,
                 min_units: int = DEFAULT_MIN_UNITS) -> PublishedMemoResult:
    """Save the memo's figures, its HTML, PDF, Word file and tables workbook under ``out_dir``.

    Parameters
    ----------
    memo : MemoResult
        From :func:`hubeval.build_memo`.
    out_dir : str or Path
        Typically :func:`hubeval.report_folder` of the batch.
    formats : sequence of {"png", "svg", "pdf"}, default ("png", "svg")
        Figure formats; PNG is always written (the memo embeds it).
    pdf : bool, default True
        Also write ``memo_<lang>.pdf`` (needs ``fpdf2``; skipped with a warning without it).
    docx : bool, default True
        Also write ``memo_<lang>.docx``, the same memo as a Word document (needs
        ``python-docx``; skipped with a warning without it).
    xlsx : bool, default True
        Also write ``memo_tables_<lang>.xlsx``: every table of the memo (effects with evidence
        levels, all estimators, credibility, power, cost-benefit, regional; those the memo has)
        as a sheet of numbers with display formats and headers in Korean and English, through
        the disclosure gate (:func:`hubeval.save_tables`; see :mod:`hubeval.report.memo.workbook`).
    exists : {"error", "suffix", "replace"}, default "error"
        Existing files are never overwritten silently (see :func:`hubeval.save_figure`); with
        ``"error"`` an existing memo or workbook stops the call before anything is written.
    dpi : int, default 300
        Resolution of the PNGs (300 for print; lower for quick drafts).
    min_units : int, default 5
        Every table and figure is re-checked at this threshold before anything is written.

    Returns
    -------
    PublishedMemoResult

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
    out = project_path(out_dir)
    kinds = ["html"] + (["pdf"] if pdf else []) + (["docx"] if docx else [])
    targets = output_paths(out, f"memo_{memo.lang}", kinds, exists=exists,
                           allowed=("html", "pdf", "docx"))
    book = output_paths(out, f"memo_tables_{memo.lang}", ["xlsx"], exists=exists,
                        allowed=("xlsx",))["xlsx"] if xlsx else None
    if book is not None:  # the tables first: a table the gate refuses stops before any figure
        book = save_tables(memo_sheets(memo), book.stem, out_dir=out, min_units=min_units,
                           exists="replace" if exists == "replace" else "error")["xlsx"]
    formats = list(dict.fromkeys(["png", *formats]))
    saved, embedded = {}, {}
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):  # byte-identical SVG reruns
        for item in memo_figures(memo):
            try:
                paths = save_figure(item.figure, f"{item.name}_{memo.lang}", shows=item.exemption,
                                    out_dir=out, formats=formats, exists=exists, dpi=dpi,
                                    min_units=min_units)
            finally:
                plt.close(item.figure)
            saved[item.name] = paths
            embedded[item.name] = (paths["png"], item.caption)
    document = memo_document(memo, figures=embedded)
    targets["html"].write_text(render_html(document), encoding="utf-8")
    notes: list[str] = []
    pdf_path = _optional(render_pdf, document, targets.get("pdf"), "fpdf2", "pdf_note", memo.lang, notes)
    docx_path = _optional(render_docx, document, targets.get("docx"), "python-docx", "docx_note",
                          memo.lang, notes)
    return PublishedMemoResult(html=targets["html"], pdf=pdf_path, docx=docx_path, figures=saved,
                               notes=tuple(notes), tables=book,
                         spec={"lang": memo.lang, "out_dir": str(out), "formats": formats,
                               "dpi": dpi, "min_units": min_units})


def _optional(render, document, path, package: str, note_key: str, lang: str, notes: list):
    """Render ``document`` to ``path`` (None: not asked for); a missing package is a note, not an error."""
    if path is None:
        return None
    try:
        return render(document, path)
    except ImportError as exc:
        why = f"{package} is not installed ({exc}); install it with `pip install {package}`"
        warnings.warn(text(note_key, "en", why=why), DataWarning, stacklevel=3)
        notes.append(text(note_key, lang, why=why))
        return None
