"""Tests for hubeval.report.figures (theme, Korean font, labels, save_figure) and hubeval.report.plots.cba."""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import textwrap
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

import hubeval as hb  # noqa: E402
import hubeval.cba as cba  # noqa: E402
from hubeval.core.errors import DisclosureError, HubevalError, SpecError
from hubeval.report import disclosure as sdc  # noqa: E402
from hubeval.report import figures as figures
from hubeval.report import publication
from hubeval.report.plots.cba import plot_cba_summary, plot_tornado

KOREAN = "광양 동반성장 혁신허브: 순현재가치 −1.5억 원"
PUBLIC = sdc.public("synthetic test figure, no firm data")


@pytest.fixture(autouse=True)
def _clean_state():
    with matplotlib.rc_context():
        yield
    figures._STATE["lang"] = "en"
    plt.close("all")


def korean_figure():
    fig, ax = plt.subplots()
    ax.plot([-3, 0, 3], [-1.0, 0.0, 2.0])
    ax.set_title(KOREAN)
    ax.set_xlabel(figures.label("event_time", "ko"))
    return fig


# --- fonts ------------------------------------------------------------------------------------

def test_bundled_font_and_licence_ship_with_the_package():
    names = sorted(p.name for p in figures.FONT_DIR.iterdir())
    assert names == ["NanumSquareB.ttf", "NanumSquareR.ttf", "OFL.txt"]
    licence = (figures.FONT_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in licence and "Version 1.1" in licence
    assert sum(p.stat().st_size for p in figures.FONT_DIR.glob("*.ttf")) < 2_000_000


def test_register_fonts_is_idempotent_and_resolves_the_bundled_file():
    assert figures.register_fonts() == ["NanumSquare"]
    n = len(font_manager.fontManager.ttflist)
    figures.register_fonts()
    assert len(font_manager.fontManager.ttflist) == n
    found = font_manager.findfont(font_manager.FontProperties(family="NanumSquare"),
                                  fallback_to_default=False)
    assert found.startswith(str(figures.FONT_DIR))


def test_korean_renders_without_missing_glyphs_and_is_embedded_in_pdf(tmp_path):
    figures.set_theme(lang="ko")
    fig = korean_figure()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warning fails the test
        paths = figures.save_figure(fig, "korean", shows=PUBLIC, out_dir=tmp_path)
    pdf = paths["pdf"].read_bytes()
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NanumSquare", pdf)
    assert b"/FontFile2" in pdf          # TrueType program embedded (pdf.fonttype 42)
    assert b"/Subtype /Type3" not in pdf
    assert paths["svg"].read_text(encoding="utf-8").count("<path") > 20  # text as outlines


def test_fresh_matplotlib_cache_still_finds_the_font(tmp_path):
    # A fresh machine has an empty matplotlib cache and no Korean system font.
    code = textwrap.dedent("""
        import warnings, matplotlib
        matplotlib.use("Agg")
        warnings.simplefilter("error")
        import matplotlib.pyplot as plt
        import hubeval as hb
        hb.set_theme(lang="ko")
        fig, ax = plt.subplots()
        ax.set_title("참여 후 경과 연수 −1")
        fig.canvas.draw()
        print("ok")
    """)
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=240)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# --- theme and labels -------------------------------------------------------------------------

def test_set_theme_settings():
    figures.set_theme(lang="ko")
    rc = matplotlib.rcParams
    assert rc["font.family"][0] == "NanumSquare"
    assert rc["pdf.fonttype"] == 42 and rc["ps.fonttype"] == 42
    cycle = [c.lower() for c in rc["axes.prop_cycle"].by_key()["color"][:3]]
    assert cycle == [c.lower() for c in figures.PALETTE[:3]]
    assert figures.current_lang() == "ko"
    assert tuple(rc["figure.figsize"]) == figures.FIGSIZE["memo"]


def test_figure_theme_restores_settings():
    before = matplotlib.rcParams["font.family"]
    with figures.figure_theme(lang="ko"):
        assert figures.current_lang() == "ko"
        assert matplotlib.rcParams["font.family"][0] == "NanumSquare"
    assert figures.current_lang() == "en"
    assert matplotlib.rcParams["font.family"] == before


def test_every_label_has_both_languages():
    for key, texts in figures.LABELS.items():
        assert set(texts) == {"en", "ko"}, key
        assert all(t.strip() for t in texts.values()), key
        assert re.search("[가-힣]", texts["ko"]), key
    assert figures.label("suppressed", "ko", n=5) == "비공개 (5개 기업 미만)"


def test_label_errors():
    with pytest.raises(SpecError) as err:
        figures.label("event_tme")
    assert str(err.value) == ("No label for `key` 'event_tme'. Did you mean 'event_time', 'event_study'? Add it "
                              "to the `label` section of hubeval/report/locales/en.yaml and ko.yaml.")
    with pytest.raises(SpecError, match=re.escape("`lang` must be one of ('en', 'ko'); got 'jp'.")):
        figures.label("npv", "jp")


# --- save_figure --------------------------------------------------------------------------------

def test_save_figure_writes_three_formats_at_300_dpi(tmp_path):
    from PIL import Image
    figures.set_theme()
    paths = hb.save_figure(korean_figure(), "fig", shows=PUBLIC, out_dir=tmp_path / "reports")
    assert [p.name for p in paths.values()] == ["fig.png", "fig.svg", "fig.pdf"]
    dpi = Image.open(paths["png"]).info["dpi"]
    assert round(dpi[0]) == 300


def test_save_figure_never_overwrites_silently(tmp_path):
    figures.set_theme()
    fig = korean_figure()
    first = figures.save_figure(fig, "fig", shows=PUBLIC, out_dir=tmp_path, formats=("pdf",))
    digest = hashlib.sha256(first["pdf"].read_bytes()).hexdigest()
    with pytest.raises(FileExistsError, match=re.escape("Not overwriting existing file(s)")):
        figures.save_figure(fig, "fig", shows=PUBLIC, out_dir=tmp_path, formats=("pdf",))
    assert figures.save_figure(fig, "fig", shows=PUBLIC, out_dir=tmp_path, formats=("pdf",),
                               exists="suffix")["pdf"].name == "fig-2.pdf"
    again = figures.save_figure(fig, "fig", shows=PUBLIC, out_dir=tmp_path, formats=("pdf",),
                                exists="replace")
    # Dates are stripped, so a rerun gives a byte-identical PDF (stable provenance hashes).
    assert hashlib.sha256(again["pdf"].read_bytes()).hexdigest() == digest


def test_disclosive_figure_cannot_be_saved(tmp_path):
    subgroup = pd.DataFrame({"term": ["att", "att"], "industry": ["A", "B"],
                             "estimate": [0.1, 0.2], "std_error": [0.05, 0.05],
                             "n_treated": [12, 3]})
    figures.set_theme(lang="ko")
    fig = korean_figure()  # drawn by hand: it records nothing it draws
    with pytest.raises(DisclosureError, match="^`shows` names a DataFrame the figure did not draw"):
        figures.save_figure(fig, "subgroups", shows=subgroup, out_dir=tmp_path)
    with pytest.raises(DisclosureError, match="^`shows` names a DataFrame the figure did not draw"):
        figures.save_figure(fig, "subgroups", shows=[PUBLIC, subgroup], out_dir=tmp_path)
    with pytest.raises(DisclosureError) as err:
        figures.save_figure(fig, "subgroups", shows=[], out_dir=tmp_path)
    assert str(err.value) == (
        "The figure records no result it draws (it was not drawn by a hubeval plot function), "
        "so what it shows cannot be checked. Draw it with a hubeval plot function from the "
        "protected results, or, for public aggregate data only, pass shows=hb.public(reason).")
    figures.record_drawn(fig.axes[0], subgroup)  # what a plot function does
    with pytest.raises(DisclosureError, match="^Refusing to publish: 1 entry"):
        figures.save_figure(fig, "subgroups", out_dir=tmp_path)
    with pytest.raises(DisclosureError, match="^Refusing to publish: 1 entry"):
        figures.save_figure(fig, "subgroups", shows=[PUBLIC, subgroup], out_dir=tmp_path)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []
    fig = korean_figure()
    figures.record_drawn(fig, publication.check_result(subgroup))
    assert figures.save_figure(fig, "subgroups", out_dir=tmp_path,
                               formats=("png",))["png"].exists()


def test_missing_glyph_is_refused_before_writing(tmp_path):
    fig = korean_figure()  # Korean without the theme: DejaVu Sans has no Hangul
    with pytest.raises(HubevalError, match=re.escape(
            "The figure has characters no available font can draw: Glyph 44032 "
            "(\\N{HANGUL SYLLABLE GA}) missing from font(s) DejaVu Sans.")):
        figures.save_figure(fig, "no_theme", shows=PUBLIC, out_dir=tmp_path)
    figures.set_theme(lang="ko")
    fig, ax = plt.subplots()
    ax.set_title("\u0f00")  # Tibetan: in no bundled or fallback font
    with pytest.raises(HubevalError, match=r"^The figure has characters no available font can"):
        figures.save_figure(fig, "tibetan", shows=PUBLIC, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- CBA plots ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cba_results():
    costs = pd.DataFrame({"cohort": [2011, 2011, 2011], "payer": ["posco", "city", "firms"],
                          "item": ["consulting", "mentoring", "staff time"],
                          "quantity": [400.0, 20.0, 200.0], "unit": ["day"] * 3,
                          "unit_cost_krw": [600_000.0, 400_000.0, 200_000.0],
                          "amount_krw": [2.4e8, 8e6, 4e7], "price_year": [2011] * 3})
    effects = pd.DataFrame({"event_time": [0, 1, 2], "estimate": [0.002, 0.004, 0.005],
                            "std_error": [0.002, 0.002, 0.003]})
    baseline = {"cohort": 2011, "n_firms": 20, "value_added_krw": 60e9}
    return (cba.cost_benefit(costs, effects, baseline=baseline, n_sim=300, seed=1),
            cba.cba_sensitivity(costs, effects, baseline=baseline))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_tornado_chart(cba_results, lang):
    _, sens = cba_results
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_tornado(sens, lang=lang)
        ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-1] == figures.label("effect_size", lang)  # largest swing on top
    assert len(ticks) == 8 and len(ax.patches) == 16
    assert ax.get_title(loc="left") == figures.label("tornado_title", lang)


def test_tornado_bcr_metric_and_given_axes(cba_results):
    _, sens = cba_results
    fig, ax = plt.subplots()
    assert plot_tornado(sens, metric="bcr", ax=ax) is ax
    assert ax.get_xlabel() == "Benefit-cost ratio"
    with pytest.raises(SpecError, match=re.escape("`metric` must be 'npv' or 'bcr'; got 'irr'.")):
        plot_tornado(sens, metric="irr")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_cba_summary_plot(cba_results, lang, tmp_path):
    res, _ = cba_results
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_cba_summary(res, lang=lang)
        paths = figures.save_figure(ax.figure, f"cba_{lang}", shows=res, out_dir=tmp_path)
    assert paths["pdf"].exists()
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        figures.label(k, lang) for k in ("npv", "pv_benefits", "pv_costs")]
    assert len(ax.get_legend().get_texts()) == 3  # one entry per payer
    assert f"{res.bcr:.2f}" in ax.texts[0].get_text()


def test_cba_plots_refuse_other_inputs(cba_results):
    res, sens = cba_results
    with pytest.raises(SpecError, match=re.escape(
            "`sensitivity` must be a CostBenefitSensitivityResult; got CostBenefitResult.")):
        plot_tornado(res)
    with pytest.raises(SpecError, match=re.escape("`result` must be a CostBenefitResult")):
        plot_cba_summary(sens.estimates)
