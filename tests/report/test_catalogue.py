"""Tests for the text catalogue (hubeval/report/locales/*.yaml, read by hubeval.report.catalogue)."""
from __future__ import annotations

import re

import pytest

from hubeval.core.errors import SpecError
from hubeval.report import catalogue


def test_both_languages_have_the_same_keys():
    en, ko = catalogue.catalogue("en"), catalogue.catalogue("ko")
    assert sorted(en) == sorted(ko)
    assert len(en) > 150


@pytest.mark.parametrize("key", sorted(catalogue.catalogue("en")))
def test_same_placeholders_and_no_empty_text(key):
    en, ko = catalogue.catalogue("en")[key], catalogue.catalogue("ko")[key]
    assert en.strip() and ko.strip(), key
    assert catalogue.placeholders(en) == catalogue.placeholders(ko), key  # same numbers filled in


def test_korean_file_is_korean():
    ko = catalogue.catalogue("ko")
    # every memo sentence is in Hangul, except the link to the English version and "{level}/5"
    memo = {k: v for k, v in ko.items() if k.startswith("memo.")
            and k not in ("memo.other_language", "memo.evidence_value")}
    assert [k for k, v in memo.items() if not re.search("[가-힣]", v)] == []


def test_text_fills_fields_and_errors():
    assert catalogue.text("memo.evidence_value", "ko", level=3) == "3/5"
    assert catalogue.text("cba.jobs", "en", per_job="KRW 5 million") == \
        "Each net additional job cost KRW 5 million."
    with pytest.raises(SpecError) as err:
        catalogue.text("memo.titel", "en")
    assert str(err.value) == ("No text for key 'memo.titel'. Did you mean 'memo.title', "
                              "'memo.subtitle', 'memo.interval_note'? Add it to "
                              "hubeval/report/locales/en.yaml and ko.yaml.")
    with pytest.raises(SpecError, match=re.escape("`lang` must be one of ('en', 'ko'); got 'fr'.")):
        catalogue.text("memo.title", "fr")


def test_sections():
    assert catalogue.section("cba_why", "en")["permanent_not_enough"] == \
        "even a permanent effect would not cover the costs"
    assert catalogue.has_text("label.npv") and not catalogue.has_text("label.nope")
