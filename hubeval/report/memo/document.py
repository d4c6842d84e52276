"""The memo as a document: sections of paragraphs, lists, tables and figures, in one language.

:func:`memo_document` turns a :class:`~hubeval.report.memo.build.MemoResult` into a
:class:`Document`; the HTML (:mod:`hubeval.report.memo.html`, jinja2 templates) and the PDF
(:mod:`hubeval.report.memo.pdf`, fpdf2) are both rendered from it, so the two formats cannot say
different things. The model holds words and tables only; how they look is the renderers' job
(they may use a block's ``style`` or a table's ``name`` to pick sizes).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from hubeval.report.catalogue import has_text
from hubeval.report.memo.appendix import SPECIFICATION_FIGURE, batch_label, specification_figure
from hubeval.report.memo.text import text

if TYPE_CHECKING:
    from hubeval.report.memo.build import MemoResult

__all__ = ["Paragraph", "BulletList", "Heading", "Table", "Figure", "Section", "Document",
           "memo_document", "FIGURE_SECTIONS"]

_OTHER = {"en": "ko", "ko": "en"}
#: The section each memo figure belongs to.
FIGURE_SECTIONS = {"headline_effects": "effects", "headline_levels": "effects",
                   "balance": "effects", "event_studies": "event", "regional": "regional",
                   "cost_benefit": "cba"}


@dataclasses.dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``style`` is "body", "note" (an explanatory note), "small" (small print) or
    "warning" (a notice the reader must not miss)."""

    text: str
    style: str = "body"
    kind = "paragraph"


@dataclasses.dataclass(frozen=True)
class BulletList:
    """A bulleted list of sentences."""

    items: tuple
    kind = "list"


@dataclasses.dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str
    kind = "heading"


@dataclasses.dataclass(frozen=True, eq=False)
class Table:
    """A table of text cells; ``name`` identifies it (e.g. for column widths in the PDF)."""

    name: str
    frame: pd.DataFrame
    hash_columns: tuple = ()
    kind = "table"


@dataclasses.dataclass(frozen=True)
class Figure:
    """A figure drawn to a PNG file, with its caption."""

    name: str
    path: Path
    caption: str
    kind = "figure"


@dataclasses.dataclass(frozen=True)
class Section:
    """A titled section; ``new_page`` asks paged formats to start it on a new page."""

    id: str
    heading: str
    blocks: tuple
    new_page: bool = False


@dataclasses.dataclass(frozen=True)
class Document:
    """The whole memo: title, subtitle, link to the other language and the sections."""

    lang: str
    title: str
    subtitle: str
    other_language: str
    other_href: str
    date: str
    sections: tuple


def memo_document(memo: MemoResult, figures: dict | None = None) -> Document:
    """The memo as a :class:`Document`.

    ``figures`` maps a figure name to ``(png_path, caption_key)``; each is placed in its
    section (:data:`FIGURE_SECTIONS`).
    """
    lang = memo.lang
    placed = [(name, Path(png), text(caption, lang)) for name, (png, caption)
              in (figures or {}).items() if _figure_section(name)]

    def figs(section: str) -> list[Figure]:
        return [Figure(name, png, caption) for name, png, caption in placed
                if _figure_section(name) == section]

    def section(key: str, heading: str, *blocks, new_page: bool = False) -> Section:
        return Section(key, text(heading, lang), tuple(b for b in blocks if b is not None),
                       new_page=new_page)

    paragraphs = lambda items: [Paragraph(s) for s in items]  # noqa: E731
    rest = memo.disclosure[1:]
    notice = (section("incomplete", "h_incomplete", Paragraph(memo.incomplete[0], "warning"),
                      BulletList(tuple(memo.incomplete[1:]))),) if memo.incomplete else ()
    sections = (
        *notice,  # first: a memo on an incomplete batch says so before anything else
        section("findings", "h_findings", BulletList(tuple(memo.findings))),
        section("effects", "h_effects", *figs("effects"), Paragraph(text("evidence_note", lang), "note"),
                Paragraph(text("interval_note", lang), "note"), Table("effects", memo.effects)),
        section("event", "h_event", *figs("event")),
        section("robustness", "h_robustness", Paragraph(text("robustness_note", lang), "note"),
                Table("inference", memo.inference) if len(memo.inference) else None,
                BulletList(tuple(memo.robustness)) if memo.robustness else None),
        section("regional", "h_regional", *paragraphs(memo.regional), *figs("regional")),
        section("cba", "h_cba", *paragraphs(memo.cba_text), Table("cba", memo.cba_table),
                *figs("cba")),
        section("limitations", "h_limitations", BulletList(tuple(memo.limitations))),
        section("disclosure", "h_disclosure", Paragraph(memo.disclosure[0]),
                BulletList(tuple(rest)) if rest else None),
        section("estimators", "h_all_estimates", Paragraph(text("all_estimates_note", lang), "note"),
                Table("effects_all", memo.effects_all), new_page=True),
        *_specification_appendix(memo, figs("specification")),
        section("provenance", "h_provenance", *_provenance(memo)),
    )
    return Document(lang=lang, title=text("title", lang),
                    subtitle=text("subtitle", lang, batch=memo.spec["batch"], date=memo.spec["date"]),
                    other_language=text("other_language", lang),
                    other_href=f"memo_{_OTHER[lang]}.html", date=memo.spec["date"], sections=sections)


def _figure_section(name: str) -> str | None:
    """The section of a memo figure (the specification curves: one per outcome)."""
    if name.startswith(SPECIFICATION_FIGURE):
        return "specification"
    return FIGURE_SECTIONS.get(name)


def _specification_appendix(memo: MemoResult, figures: list) -> tuple:
    """The appendix on the robustness batch: its note, then per outcome the reading and curve."""
    curve = memo.specification
    if curve is None:
        return ()
    lang, by_name = memo.lang, {f.name: f for f in figures}
    blocks = [Paragraph(text("specification_note", lang, batch=batch_label(curve)), "note")]
    for outcome, reading in zip(curve.outcomes, memo.specification_text):
        blocks += [Paragraph(reading), by_name.get(specification_figure(outcome))]
    return (Section("specification", text("h_specification", lang),
                    tuple(b for b in blocks if b is not None), new_page=True),)


#: Parameters that say how a run was presented or where it wrote, not what it estimated.
_PRESENTATION = {"output_dir", "results_dir", "reports_dir", "lang", "dpi", "figure_formats",
                 "pdf", "exists", "columns", "encoding"}
#: Packages named in the appendix (the manifest keeps every version).
_KEY_PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "pyfixest", "papermill")
#: Batch items shown; the folder is shown by name only (an absolute path is the author's machine)
#: and the status is left out (the memo runs inside the batch, which is then still running).
_BATCH_ITEMS = ("batch", "created", "git commit", "hubeval", "python", "platform")


def _short(value) -> str:
    """A file by its path inside the project (an absolute path by its name only)."""
    text = str(value)
    return Path(text).name if Path(text).is_absolute() else text


def _item(item: str, lang: str) -> str:
    key = "prov_" + item.replace(" ", "_")
    return text(key, lang) if has_text(f"memo.{key}") else item


def _headed(frame: pd.DataFrame, columns, lang: str) -> pd.DataFrame:
    """``frame`` with its columns named in ``lang`` (catalogue ``memo.col_<name>``)."""
    return frame.rename(columns={c: text(f"col_{c}", lang) for c in columns})


def _is_memo_run(run: str) -> bool:
    return str(run).startswith("90_policy_memo")


def _without_memo_runs(used_by: str) -> str:
    """The runs that read a file, less the memo's own (it is this document)."""
    return ", ".join(r for r in str(used_by).split(", ") if not _is_memo_run(r))


def _compact_parameters(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per estimation parameter: its value, or each run's where runs differ."""
    rows = []
    table = table[~table["parameter"].isin(_PRESENTATION) & ~table["run"].map(_is_memo_run)]
    for name, group in table.groupby("parameter", sort=False):
        values = list(dict.fromkeys(group["value"].map(_short)))
        rows.append((name, values[0] if len(values) == 1 else ", ".join(values)))
    return pd.DataFrame(rows, columns=[text("col_parameter", lang), text("col_value", lang)])


def _provenance(memo: MemoResult) -> list:
    """The compact provenance appendix: batch, data files, runs, the estimation settings and
    key package versions; everything else is in the batch's manifest.json."""
    lang, prov = memo.lang, memo.provenance
    folder = Path(str(memo.spec["results_dir"])).name
    if prov["batch"].empty:
        return [Paragraph(text("no_manifest", lang, folder=folder), "small")]
    batch = prov["batch"][prov["batch"]["item"].isin(_BATCH_ITEMS)]
    batch = pd.concat([batch, pd.DataFrame([("folder", folder)], columns=["item", "value"])])
    batch = pd.DataFrame({"entry": batch["item"].map(lambda item: _item(item, lang)),
                          "value": batch["value"]}).reset_index(drop=True)
    blocks = [Paragraph(text("provenance_note", lang, folder=folder), "small"),
              Heading(text("h_batch", lang)), Table("batch", _headed(batch, batch.columns, lang))]
    if not prov["data"].empty:
        data = prov["data"].assign(file=prov["data"]["file"].map(_short),
                                   sha256=prov["data"]["sha256"].str[:16],
                                   used_by=prov["data"]["used_by"].map(_without_memo_runs))
        blocks += [Heading(text("h_data", lang)),
                   Table("data", _headed(data, ("file", "sha256", "used_by"), lang),
                         (text("col_sha256", lang),))]
    runs = prov["runs"][~prov["runs"]["run"].map(_is_memo_run)]
    if not runs.empty:
        runs = runs[["run", "status", "seconds"]].reset_index(drop=True)
        runs["seconds"] = runs["seconds"].map(lambda v: f"{v:.1f}" if pd.notna(v) else "")
        blocks += [Heading(text("h_runs", lang)), Table("runs", _headed(runs, runs.columns, lang))]
    if not prov["parameters"].empty:
        blocks += [Heading(text("h_parameters", lang)),
                   Table("parameters", _compact_parameters(prov["parameters"], lang))]
    versions = prov["versions"][prov["versions"]["package"].isin(_KEY_PACKAGES)]
    if not versions.empty:
        blocks += [Heading(text("h_versions", lang)), Paragraph(", ".join(
            f"{p} {v}" for p, v in zip(versions["package"], versions["version"])), "small")]
    return blocks
