"""The generated readings of the outcome notebook: units of differences, labels, languages."""
from __future__ import annotations

import re
import warnings

import pytest

import hubeval as hb

SETTINGS = dict(control="not_yet_treated", method="dr", covariates=["posco_supplier", "metal"],
                anticipation=1, n_boot=0, seed=2011)


@pytest.fixture(scope="module")
def evaluations(example_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {lang: hb.evaluate_outcomes(example_panel, family="productivity", lang=lang,
                                           **SETTINGS) for lang in ("en", "ko")}


def percent(value: float) -> str:
    return f"{value:+.1f}%"


def test_gap_between_two_percentages_is_in_percentage_points(evaluations):
    table = evaluations["en"].headline.estimates
    naive = table.loc[table["estimator"] == "before_after", "estimate"].iloc[0]
    causal = table.loc[table["term"] == "ATT simple", "estimate"].iloc[0]
    gap = f"{abs(naive - causal):.1f}"
    en, ko = (evaluations[lang].headline.reading for lang in ("en", "ko"))
    assert f"is {percent(naive)}" in en and f"by {percent(causal)}" in en
    assert f"a gap of {gap} percentage points" in en
    assert f"인과 추정치와 {gap}%p 차이가 납니다" in ko
    assert not re.search(r"gap of [+-]?[\d.]+%", en)  # never "a gap of +24.0%"


def test_readings_name_outcomes_by_label_and_explain_the_three_averages(evaluations):
    en, ko = (evaluations[lang].readings() for lang in ("en", "ko"))
    assert "log_va_per_worker" not in en and "log_va_per_worker" not in ko
    assert en.startswith("**Log value added per worker.**")
    assert ko.startswith("**1인당 부가가치(로그).**")
    assert "three averages after entry" in en and "세 가지" in ko
    assert en._repr_markdown_() == str(en)  # rendered as Markdown in Jupyter
