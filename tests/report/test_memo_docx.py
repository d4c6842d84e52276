"""The memo as a Word document, and the compact provenance appendix, on the example batch."""
from __future__ import annotations

import shutil
import subprocess
import zipfile

import pytest

import hubeval as hb
from hubeval.report.memo.document import memo_document

docx = pytest.importorskip("docx", reason="python-docx is not installed")


@pytest.fixture(scope="module")
def published(example_memos, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with hb.figure_theme(lang="ko"):
        return {lang: hb.publish_memo(example_memos[lang], out_dir=out, formats=("png",), dpi=50)
                for lang in ("en", "ko")}


def words(path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_docx_has_the_content_figures_and_tables_of_the_html(published, example_memos, lang):
    result = published[lang]
    assert result.docx == result.html.with_suffix(".docx") and result.docx.is_file()
    model = memo_document(example_memos[lang], figures={
        name: (paths["png"], "cap_headline") for name, paths in result.figures.items()})
    written = docx.Document(str(result.docx))
    headings = [p.text for p in written.paragraphs if p.style.name == "Heading 1"]
    assert headings == [s.heading for s in model.sections]
    blocks = [b for s in model.sections for b in s.blocks]
    assert len(written.inline_shapes) == sum(b.kind == "figure" for b in blocks) == len(result.figures)
    assert len(written.tables) == sum(b.kind == "table" and not b.frame.empty for b in blocks)
    text = words(result.docx)
    for block in blocks:
        for sentence in (block.items if block.kind == "list" else
                         [block.text] if block.kind == "paragraph" else []):
            assert sentence.replace("`", "") in text
    assert written.paragraphs[0].text == model.title
    assert written.core_properties.created.year == 2026  # the batch's date, not the clock


def test_provenance_appendix_is_compact_without_running_status_or_paths(published, example_batch):
    for lang in ("en", "ko"):
        html = published[lang].html.read_text(encoding="utf-8")
        text = words(published[lang].docx)
        for body in (html, text):
            assert str(example_batch) not in body and str(example_batch.parent) not in body
            assert "status when read" not in body and "running" not in body
            assert "pending" not in body and "90_policy_memo" not in body
        parameters = docx.Document(str(published[lang].docx)).tables[-1]
        assert len(parameters.rows) < 30  # one row per setting, not one per run and setting


def test_docx_is_a_valid_word_package(published):
    with zipfile.ZipFile(published["ko"].docx) as package:
        names = package.namelist()
        body = package.read("word/document.xml").decode("utf-8")
    assert "word/document.xml" in names and any(n.startswith("word/media/") for n in names)
    assert 'w:eastAsia="Malgun Gothic"' in package_styles(published["ko"].docx)
    assert "동반성장 혁신허브" in body


def package_styles(path) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read("word/styles.xml").decode("utf-8")


@pytest.mark.system
def test_libreoffice_converts_the_docx_memo_to_pdf(published, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-writer")
    source = shutil.copy(published["ko"].docx, tmp_path / "memo_ko.docx")
    done = subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                           str(source)], capture_output=True, text=True, timeout=300,
                          env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    pdf = tmp_path / "memo_ko.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 50_000  # text, fonts and the figures, not an empty page
