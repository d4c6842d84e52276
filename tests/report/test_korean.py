"""Korean text: particles by the final syllable, one term list, no placeholders or code names."""
from __future__ import annotations

import dataclasses
import re

import pytest

from hubeval.report import catalogue
from hubeval.report.korean import attach_particles, has_final_consonant, particle, terms
from hubeval.report.memo.document import memo_document

HANGUL = re.compile("[가-힣]")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
PLACEHOLDERS = ("(는)", "(은)", "(을)", "(를)", "(이)", "(가)", "(와)", "(과)", "(으)")


@pytest.mark.parametrize("word,pair,expected", [
    ("생산성", "은(는)", "은"), ("비용", "은(는)", "은"), ("투자", "은(는)", "는"),
    ("고용", "을(를)", "을"), ("부가가치", "을(를)", "를"), ("광양시", "이(가)", "가"),
    ("1인당 부가가치(로그)", "은(는)", "는"), ("원가율", "이(가)", "이"),
    ("서울", "(으)로", "로"), ("광양시", "(으)로", "로"), ("산업단지", "(으)로", "로"),
    ("제조업 고용", "(으)로", "으로"), ("2013", "은(는)", "은"), ("2012", "은(는)", "는"),
    ("30%", "이(가)", "가"), ("DHS", "와(과)", "와"), ("Mbar", "이(가)", "이"),
])
def test_particle_follows_the_final_syllable(word, pair, expected):
    assert particle(word, pair) == expected


def test_final_consonant_as_read():
    assert [has_final_consonant(w) for w in ("산", "사", "1", "2", "7", "9", "L", "S")] == \
        [True, False, True, False, True, False, True, False]


def test_pairs_are_replaced_after_the_template_is_filled():
    assert attach_particles("투자율은(는) 비교 기업과(와) 달랐고 고용을(를) 늘렸습니다") == \
        "투자율은 비교 기업과 달랐고 고용을 늘렸습니다"
    filled = catalogue.text("memo.lim_selection", "ko", outcome="1인당 부가가치(로그)", dip="-0.14",
                            pre="0.02")
    assert "1인당 부가가치(로그)는 비교 기업보다" in filled
    assert not any(p in filled for p in PLACEHOLDERS)


def ko_texts() -> dict[str, str]:
    return catalogue.catalogue("ko")


def test_korean_catalogue_follows_the_term_list():
    found = []
    for concept, entry in terms().items():
        for key, value in ko_texts().items():
            found += [f"{key}: {bad!r} ({concept}: write {entry['ko']})"
                      for bad in entry["avoid"] if bad in value]
    assert found == []


def test_terms_that_english_names_are_used_in_korean():
    checked = {"displacement": "대체효과", "placebo": "플라시보", "imputation": "귀속",
               "difference-in-differences": "이중차분", "synthetic control": "합성"}
    english = catalogue.catalogue("en")
    missing = [f"{key}: {term}" for key, value in english.items() for term, ko in checked.items()
               if term in value.lower() and ko not in ko_texts()[key]]
    assert missing == []


def test_no_english_semicolons_in_korean():
    assert [key for key, value in ko_texts().items() if ";" in value] == []


def body_text(memo) -> str:
    document = memo_document(memo)
    parts = [document.title, document.subtitle]
    for section in document.sections:
        if section.id == "provenance":  # file names and run ids: the appendix's business
            continue
        parts.append(section.heading)
        for block in section.blocks:
            if block.kind == "paragraph":
                parts.append(block.text)
            elif block.kind == "list":
                parts += list(block.items)
            elif block.kind == "table":
                parts += [str(c) for c in block.frame.columns]
                parts += [str(v) for v in block.frame.astype(str).to_numpy().ravel()]
    return "\n".join(parts)


def test_korean_memo_of_the_example_batch_has_no_placeholders_or_code_names(example_memos):
    body = body_text(example_memos["ko"])
    assert [p for p in PLACEHOLDERS if p in body] == []
    assert sorted(set(SNAKE.findall(body))) == []
    assert ";" not in body
    assert "위약" not in body and "대체 추정" not in body


def test_notebook_statements_are_korean_with_lang_ko(example_run):
    credibility = example_run[1]["credibility"]
    korean = dataclasses.replace(credibility, spec={**credibility.spec, "lang": "ko"})
    for statement in (korean.power_statement, korean.sensitivity_statement):
        assert HANGUL.search(statement), statement
        assert not re.search(r"\b(the|effect|with|is)\b", statement), statement
        assert not SNAKE.search(statement), statement
    assert "검정력" in korean.power_statement
    assert credibility.power_statement == credibility.power.statement  # English unchanged
