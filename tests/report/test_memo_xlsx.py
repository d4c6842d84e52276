"""The memo's tables as an Excel workbook (hubeval.report.memo.workbook) and the workbook writer
behind hb.save_tables / hb.save_table(formats=["xlsx"]) (hubeval.report.xlsx), on the small
hand-made batch of test_memo with one cell below min_units and a regional run."""
from __future__ import annotations

import hashlib
import json
import re
import warnings
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

openpyxl = pytest.importorskip("openpyxl")

import hubeval as hb  # noqa: E402
from hubeval.core.errors import DisclosureError, SpecError  # noqa: E402
from hubeval.data.outcomes import SHARE_OUTCOMES  # noqa: E402
from hubeval.report.memo.text import text as memo_text  # noqa: E402
from hubeval.store.readers import statistic_table  # noqa: E402
from tests.report.test_memo import firm_data, ledger, make_batch  # noqa: E402

SHEETS = ["effects", "effects_all", "credibility", "power", "cost_benefit", "regional"]
HANGUL = re.compile(r"[\uac00-\ud7a3]")
FIRST = 4  # title row, two header rows, then the data


@pytest.fixture(scope="module")
def memos(tmp_path_factory):
    folder = make_batch(tmp_path_factory.mktemp("xlsx"), small_cost_cell=True, regional=True)
    results = hb.load_batch_results(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cba = hb.memo_cost_benefit(results, firm_data(), costs=ledger(), n_sim=200, seed=7)
    return {lang: hb.build_memo(results, cba=cba, lang=lang) for lang in ("en", "ko")}


@pytest.fixture(scope="module")
def published(memos, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with hb.figure_theme(lang="ko"):
        return {lang: hb.publish_memo(memos[lang], out_dir=out, formats=("png",), dpi=40,
                                      pdf=False, docx=False) for lang in ("en", "ko")}


@pytest.fixture(scope="module")
def books(published):
    return {lang: openpyxl.load_workbook(p.tables) for lang, p in published.items()}


def data_rows(sheet):
    """The table's rows: from under the header to the empty row before the notes."""
    rows = []
    for row in sheet.iter_rows(min_row=FIRST):
        if all(c.value is None for c in row):
            break
        rows.append(list(row))
    return rows


def notes(sheet):
    """The notes under the table (column A after the empty row)."""
    return [c.value for c in sheet["A"][FIRST - 1 + len(data_rows(sheet)) + 1:]]


def shown(value, fmt: str, rounding=ROUND_HALF_UP) -> str:
    """What Excel shows for ``value`` under the (few) number formats the workbook uses (Excel
    rounds the decimal value half up)."""
    if fmt.startswith("[<"):
        limit, rest = fmt[2:].split("]", 1)
        literal, other = rest.split(";", 1)
        return literal.strip('"') if value < float(limit) else shown(value, other, rounding)
    sections = fmt.split(";")
    index = 0 if value > 0 or len(sections) == 1 else 1 if value < 0 else min(2, len(sections) - 1)
    match = re.fullmatch(r'("[^"]*")?([+-]?)(#,##)?0(?:\.(0+))?(%?)("[^"]*")?', sections[index])
    assert match, f"unexpected number format {fmt!r}"
    prefix, sign, group, decimals, percent, suffix = match.groups()
    number = Decimal(str(abs(value) if len(sections) > 1 else value))  # Excel: decimal, half up
    number = (100 * number if percent else number).quantize(Decimal(1).scaleb(-len(decimals or "")),
                                                              rounding=rounding)
    body = f"{number:{',' if group else ''}f}"
    return f"{(prefix or '').strip(chr(34))}{sign}{body}{percent}{(suffix or '').strip(chr(34))}"


def agrees(cells, printed: str, joint: str = "") -> bool:
    """The cells show the memo's text; at an exact decimal tie (28.15 to one decimal) Excel
    rounds up where the memo's binary rounding may go down, so either rounding is accepted
    there (the two differ only at ties)."""
    parts = printed.split(joint) if joint and printed else [printed] if printed else []
    return len(parts) == len(cells) and all(
        any(shown(c.value, c.number_format, rounding) == part
            for rounding in (ROUND_HALF_UP, ROUND_HALF_DOWN)) for c, part in zip(cells, parts))


def compact_rows(estimates: pd.DataFrame) -> pd.DataFrame:
    keep = (estimates["estimator"] == "before_after") | (
        (estimates["estimator"] == "callaway_santanna") & (estimates["term"] == "att"))
    return estimates[keep].reset_index(drop=True)


# --- the memo's workbook ------------------------------------------------------------------------

def test_publish_memo_writes_one_workbook_per_language_with_a_sheet_per_table(published, books):
    for lang, result in published.items():
        assert result.tables == result.html.with_name(f"memo_tables_{lang}.xlsx")
        assert books[lang].sheetnames == SHEETS
        files = result.estimates
        assert files.loc[files["kind"] == "tables", "path"].tolist() == [str(result.tables)]


def test_effect_cells_are_numbers_equal_to_the_memo_estimates(memos, books):
    for lang in ("en", "ko"):
        for name, rows in (("effects", compact_rows(memos[lang].estimates)),
                           ("effects_all", memos[lang].estimates.reset_index(drop=True))):
            cells = data_rows(books[lang][name])
            assert len(cells) == len(rows) == len(getattr(memos[lang], name))
            for row, line in zip(rows.itertuples(), cells):
                values = [c.value for c in line[3:7]]
                if row.suppressed:
                    continue
                factor = 100 if row.outcome in SHARE_OUTCOMES and row.scale != "percent" else 1
                assert all(isinstance(v, (int, float)) for v in values)
                assert values == pytest.approx([factor * row.estimate, factor * row.conf_low,
                                                factor * row.conf_high, row.n_units])
                assert line[2].value == row.evidence and isinstance(line[2].value, int)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_display_formats_reproduce_the_memo_tables_text(memos, books, lang):
    memo, joint = memos[lang], {"en": " to ", "ko": " ~ "}[lang]
    for name in ("effects", "effects_all"):
        table = getattr(memo, name)
        for printed, line in zip(table.itertuples(index=False), data_rows(books[lang][name])):
            outcome, design, evidence, effect, interval, firms = printed
            assert [line[0].value, line[1].value] == [outcome, design]
            assert shown(line[2].value, line[2].number_format) == evidence
            if effect == memo_text("suppressed_cell", lang):
                assert [c.value for c in line[3:]] == [effect, None, None, None]
                continue
            assert agrees(line[3:4], effect) and agrees(line[4:6], interval, joint)
            assert shown(line[6].value, line[6].number_format) == firms
    for printed, line in zip(memo.inference.itertuples(index=False),
                             data_rows(books[lang]["credibility"])):
        assert [line[0].value, line[1].value] == list(printed[:2])
        assert agrees(line[2:3], printed[2]) and agrees(line[5:6], printed[4])
        assert agrees([c for c in line[3:5] if c.value is not None], printed[3], joint)
    assert shown(0.0004, line[5].number_format) == "<0.001"
    cba = {r[0]: r[1] for r in memo.cba_table.itertuples(index=False)}
    cells = {line[0].value: line[1] for line in data_rows(books[lang]["cost_benefit"])}
    assert list(cells) == list(cba)
    for measure in (hb.label("bcr", lang), hb.label("prob_bcr_above_1", lang),
                    hb.label("productivity_effect_pct", lang)):
        assert shown(cells[measure].value, cells[measure].number_format) == cba[measure]


def test_cost_benefit_power_and_regional_sheets_hold_the_recorded_numbers(memos, books):
    memo, book = memos["en"], books["en"]
    est = memo.cba.result.estimates.set_index("term")
    cells = data_rows(book["cost_benefit"])
    assert [c.value for c in cells[0]] == pytest.approx(
        [hb.label("pv_costs", "en"), est.at["pv_costs", "estimate"], None, None])
    npv = next(line for line in cells if line[0].value == hb.label("npv", "en"))
    assert [c.value for c in npv[1:]] == pytest.approx(list(est.loc["npv", ["estimate", "conf_low",
                                                                          "conf_high"]]))
    assert npv[1].number_format == '"KRW "#,##0;"KRW "-#,##0'
    assert data_rows(books["ko"]["cost_benefit"])[0][1].number_format.endswith('" 원"')
    power = statistic_table(memo.results, "power", "log_va_per_worker")
    cells = data_rows(book["power"])
    assert [c.value for line in cells for c in line[3:]] == pytest.approx(
        [v for pair in zip(power["n_treated"], power["mde_percent"]) for v in pair])
    assert {line[1].value for line in cells} == {"all cohorts", "one cohort"}
    scopes = {line[1].value for line in data_rows(books["ko"]["power"])}
    assert scopes == {"전체 코호트", "단일 코호트"}
    regional = data_rows(book["regional"])
    assert [c.value for c in regional[0]] == ["Manufacturing employment", 300, 3.1, 0.0625, None,
                                              15]


def test_headers_are_in_both_languages_the_memos_first(books):
    for lang, book in books.items():
        for sheet in book:
            title = sheet["A1"]
            assert title.value and title.font.bold and sheet.freeze_panes == f"A{FIRST}"
            first, second = ([c.value for c in sheet[r]] for r in (2, 3))
            ko, en = (first, second) if lang == "ko" else (second, first)
            assert all(isinstance(h, str) and HANGUL.search(h) for h in ko), ko
            assert all(isinstance(h, str) and not HANGUL.search(h) for h in en), en
            assert bool(HANGUL.search(title.value)) == (lang == "ko")
            for j, header in enumerate(first, 1):  # every column at least as wide as its header
                letter = openpyxl.utils.get_column_letter(j)
                assert sheet.column_dimensions[letter].width >= len(header)
    effects = books["ko"]["effects"]
    assert [c.value for c in effects[2]][:4] == ["성과 지표", "분석 방법", "근거 수준 (5단계)",
                                                 "효과"]
    assert [c.value for c in effects[3]][:4] == ["Outcome", "Design", "Evidence (of 5)", "Effect"]


def test_a_cell_below_min_units_is_suppressed_in_the_workbook_as_in_the_memo(memos, published,
                                                                          books):
    for lang in ("en", "ko"):
        hidden = memo_text("suppressed_cell", lang)
        memo_rows = memos[lang].effects
        shown_hidden = memo_rows.index[memo_rows.iloc[:, 3] == hidden].tolist()
        cells = data_rows(books[lang]["effects"])
        book_hidden = [i for i, line in enumerate(cells) if line[3].value == hidden]
        assert shown_hidden == book_hidden and len(book_hidden) == 1  # the cost ratio claim
        line = cells[book_hidden[0]]
        assert line[0].value == memo_rows.iloc[book_hidden[0], 0]
        assert [c.value for c in line[4:]] == [None, None, None]
        said = notes(books[lang]["effects"])  # the memo's notes, and what the hidden cell means
        assert said[:2] == [memo_text("evidence_note", lang), memo_text("interval_note", lang)]
        assert said[2].startswith(f"{hidden}: ") and "5" in said[2] and len(said) == 3
        assert notes(books[lang]["credibility"]) == [memo_text("robustness_note", lang)]
    record = published["en"].tables.with_name("memo_tables_en.disclosure.json")
    audit = json.loads(record.read_text(encoding="utf-8"))
    assert audit["kind"] == "workbook" and audit["min_units"] == 5
    assert [e["sheet"] for e in audit["checked"]] == SHEETS
    effects = audit["checked"][0]
    assert effects["how"] == "checked as is" and len(effects["suppressed"]) == 1
    assert "cost_ratio" in effects["suppressed"][0] and "Before/after" in effects["suppressed"][0]
    assert audit["checked"][-1]["how"] == "exempt" and "regional" in audit["exemption"]["reason"]
    digest = hashlib.sha256(published["en"].tables.read_bytes()).hexdigest()
    assert audit["files"]["xlsx"] == {"name": "memo_tables_en.xlsx", "sha256": digest}


def test_a_second_publish_never_overwrites_the_workbook(memos, published):
    book = published["en"].tables
    before = book.read_bytes()
    with pytest.raises(FileExistsError, match="Not overwriting"):
        hb.publish_memo(memos["en"], out_dir=book.parent, formats=("png",), dpi=40, pdf=False,
                        docx=False)
    assert book.read_bytes() == before
    again = hb.publish_memo(memos["en"], out_dir=book.parent, formats=("png",), dpi=40, pdf=False,
                            docx=False, exists="suffix")
    assert again.tables.name == "memo_tables_en-2.xlsx" and book.read_bytes() == before
    assert openpyxl.load_workbook(again.tables).sheetnames == SHEETS


def test_an_existing_workbook_stops_the_memo_before_anything_is_written(memos, tmp_path):
    (tmp_path / "memo_tables_ko.xlsx").write_bytes(b"published")
    with pytest.raises(FileExistsError, match="memo_tables_ko.xlsx"):
        hb.publish_memo(memos["ko"], out_dir=tmp_path, formats=("png",), dpi=40, pdf=False,
                        docx=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memo_tables_ko.xlsx"]
    assert (tmp_path / "memo_tables_ko.xlsx").read_bytes() == b"published"
    result = hb.publish_memo(memos["ko"], out_dir=tmp_path / "no_tables", formats=("png",), dpi=40,
                             pdf=False, docx=False, xlsx=False)
    assert result.tables is None and not list((tmp_path / "no_tables").glob("*.xlsx"))


# --- the writer: hb.save_tables and hb.save_table(formats=["xlsx"]) ------------------------------

def effects_frame(n=(12, 3)):
    return pd.DataFrame({"term": ["att", "e=1"], "estimate": [0.0612, 0.02],
                         "conf_low": [0.01, -0.01], "n_units": list(n)})


def test_save_tables_refuses_a_disclosive_table_and_writes_nothing(tmp_path):
    safe = hb.check_estimates(effects_frame())
    with pytest.raises(DisclosureError, match="Refusing to publish"):
        hb.save_tables({"safe": safe, "raw": effects_frame()}, "book", out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    paths = hb.save_tables({"safe": safe}, "book", out_dir=tmp_path)
    cells = openpyxl.load_workbook(paths["xlsx"])["safe"]
    data = [[c.value for c in row] for row in cells.iter_rows()]
    assert data[0] == ["term", "estimate", "conf_low", "n_units", "suppressed"]
    assert data[1] == ["att", 0.0612, 0.01, 12, False]
    assert data[2] == ["e=1", None, None, None, True]  # suppressed: blank, as checked
    assert cells.freeze_panes == "A2"


def test_save_tables_lays_out_titles_headers_formats_and_suppressed_text(tmp_path):
    sheet = hb.WorkbookSheet(hb.check_estimates(effects_frame()), title="효과 (Effects)",
                             headers={"term": ("항목", "Term"), "estimate": ("효과", "Effect")},
                             formats={"estimate": ["0.000", "0.0"]},
                             suppressed={"estimate": "비공개"})
    path = hb.save_tables({"효과": sheet}, "book", out_dir=tmp_path)["xlsx"]
    ws = openpyxl.load_workbook(path)["효과"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["효과 (Effects)", None], ["항목", "효과"], ["Term", "Effect"], ["att", 0.0612],
        ["e=1", "비공개"]]
    assert ws["B4"].number_format == "0.000" and ws.freeze_panes == "A4"
    assert ws.column_dimensions["A"].width >= 4  # "항목": two wide characters
    with pytest.raises(FileExistsError):
        hb.save_tables({"효과": sheet}, "book", out_dir=tmp_path)
    assert hb.save_tables({"효과": sheet}, "book", out_dir=tmp_path,
                          exists="suffix")["xlsx"].name == "book-2.xlsx"


@pytest.mark.parametrize("sheets, message", [
    ({}, "`sheets` is empty"),
    ({"a/b": effects_frame((12, 12))}, "Invalid sheet name 'a/b'"),
    ({"A": effects_frame((12, 12)), "a": effects_frame((12, 12))}, "Invalid sheet name 'a'"),
    ({"x" * 32: effects_frame((12, 12))}, "1 to 31 characters"),
    ({"s": hb.WorkbookSheet(effects_frame((12, 12)), headers={"nope": ("n", "N")})},
     r"`headers` names columns the table does not have: \['nope'\]"),
    ({"s": hb.WorkbookSheet(effects_frame((12, 12)), formats={"estimate": ["0.0"]})},
     r"`formats\['estimate'\]` has 1 formats for 2 rows"),
])
def test_save_tables_rejects_bad_layouts(tmp_path, sheets, message):
    with pytest.raises(SpecError, match=message):
        hb.save_tables(sheets, "book", out_dir=tmp_path)
    assert not (tmp_path / "book.xlsx").exists()


def test_save_table_xlsx_keeps_numbers_and_never_writes_a_formula(tmp_path):
    table = pd.DataFrame({"term": ["=1+1", "att"], "estimate": [np.float64(0.5), np.inf],
                          "n_units": np.array([10, 20], dtype=np.int64)})
    paths = hb.save_table(table, "effects", out_dir=tmp_path, formats=["csv", "xlsx"])
    ws = openpyxl.load_workbook(paths["xlsx"])["effects"]
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
    assert ws["B2"].value == 0.5 and ws["C2"].value == 10 and isinstance(ws["C3"].value, int)
    assert ws["B3"].value == "∞" and ws["B3"].data_type == "s"  # Excel has no infinity
    audit = json.loads((tmp_path / "effects.disclosure.json").read_text(encoding="utf-8"))
    assert set(audit["files"]) == {"csv", "xlsx"} and audit["kind"] == "table"


def test_the_example_batch_memo_has_every_table_as_a_sheet(example_memos, tmp_path):
    """On the example batch (the notebooks' pipeline calls): every sheet, numbers as numbers."""
    from hubeval.report.memo.workbook import memo_sheets

    memo = example_memos["ko"]
    path = hb.save_tables(memo_sheets(memo), "memo_tables_ko", out_dir=tmp_path)["xlsx"]
    book = openpyxl.load_workbook(path)
    # the example batch records no inference panel: the memo has no such table, nor the workbook
    assert memo.inference.empty
    assert book.sheetnames == [s for s in SHEETS if s != "credibility"]
    effects = data_rows(book["effects"])
    assert len(effects) == len(memo.effects)
    numbers = [c.value for line in effects for c in line[2:] if c.value is not None]
    assert numbers and all(isinstance(v, (int, float)) or v == memo_text("suppressed_cell", "ko")
                           for v in numbers)
    assert len(data_rows(book["cost_benefit"])) == len(memo.cba_table)
