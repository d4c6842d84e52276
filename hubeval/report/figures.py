"""One figure theme for hubeval: fonts (Korean included), palette, sizes, labels and saving.

Korean text must render on a fresh machine with nothing but the package installed, so the
package bundles two unmodified open-licence fonts, NanumSquare Regular and Bold (SIL Open Font
License 1.1, see ``hubeval/fonts/OFL.txt``), and registers them with matplotlib's font manager
when the theme is set. ``koreanize-matplotlib`` is not used: it breaks on Python 3.12+.
NanumSquare lacks a few symbols (e.g. the Unicode minus used on axis ticks), so DejaVu Sans,
which ships with matplotlib, is listed second for glyph fallback. The font family is set as an
explicit list, not through the generic ``sans-serif`` alias, because the PDF backend falls back
only along an explicit list. PDF and PostScript embed TrueType (``pdf.fonttype = 42``) so text
stays text and Korean glyphs are embedded, not drawn as missing boxes.

Palette: Okabe and Ito (2008), distinguishable under the common colour-vision deficiencies.
Sizes: a memo column is about 16 cm (6.3 in) wide; figures are drawn at that width and read at
100% zoom, with the seaborn ``paper`` context.

References
----------
Okabe, M. and Ito, K. (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
"""
from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import matplotlib as mpl
from matplotlib import font_manager

from hubeval.report.disclosure import (
    DEFAULT_MIN_UNITS, ExistsPolicy, assert_publishable, output_paths, _as_list,
)
from hubeval.core.errors import DisclosureError, HubevalError, SpecError

# matplotlib's PDF backend subsets fonts with fontTools, which logs every table at INFO level
logging.getLogger("fontTools").setLevel(logging.WARNING)

__all__ = [
    "Lang", "PALETTE", "COLORS", "FIGSIZE", "LABELS", "FONT_FAMILY", "register_fonts",
    "text_font", "theme_rc", "set_theme", "figure_theme", "current_lang", "label", "save_figure",
]

Lang = Literal["en", "ko"]
FigureFormat = Literal["png", "svg", "pdf"]

FONT_DIR = Path(__file__).parent / "fonts"
#: Bundled font family (Latin and Hangul); DejaVu Sans covers the few symbols it lacks.
FONT_FAMILY = "NanumSquare"
FALLBACK_FONTS = ("DejaVu Sans",)

#: Okabe-Ito colour-blind-safe palette (black moved last; it is kept for reference lines).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: Colours with a fixed meaning across all hubeval figures.
COLORS = {
    "causal": "#0072B2", "naive": "#D55E00", "treated": "#0072B2", "control": "#999999",
    "synthetic": "#E69F00", "placebo": "#BBBBBB", "benefit": "#009E73", "cost": "#D55E00",
    "neutral": "#555555", "reference": "#000000",
}
#: Figure sizes in inches: ``memo`` is full memo width.
FIGSIZE = {"memo": (6.3, 3.6), "memo_tall": (6.3, 5.2), "memo_square": (6.3, 6.3),
           "half": (3.1, 2.5)}

#: Every hubeval label and title in English and Korean. Plot modules look labels up with
#: :func:`label`; add new keys here rather than hard-coding text in plots.
LABELS: dict[str, dict[str, str]] = {
    # axes and keys
    "event_time": {"en": "Years since participation", "ko": "참여 후 경과 연수"},
    "year": {"en": "Year", "ko": "연도"},
    "cohort": {"en": "Cohort", "ko": "참여 연도(코호트)"},
    "estimate": {"en": "Estimate", "ko": "추정치"},
    "effect": {"en": "Effect", "ko": "효과"},
    "effect_percent": {"en": "Effect (%)", "ko": "효과 (%)"},
    "att": {"en": "Average effect on participants", "ko": "참여 기업 평균 효과"},
    "conf_int": {"en": "95% confidence interval", "ko": "95% 신뢰구간"},
    "pre_period": {"en": "Before participation", "ko": "참여 전"},
    "post_period": {"en": "After participation", "ko": "참여 후"},
    "reference_period": {"en": "Reference year", "ko": "기준 연도"},
    # groups
    "treated": {"en": "Participants", "ko": "참여 기업"},
    "control": {"en": "Comparison firms", "ko": "비교 기업"},
    "matched": {"en": "After matching", "ko": "매칭 후"},
    "unmatched": {"en": "Before matching", "ko": "매칭 전"},
    "std_mean_diff": {"en": "Standardised mean difference", "ko": "표준화 평균 차이"},
    "city": {"en": "Gwangyang", "ko": "광양시"},
    "synthetic": {"en": "Synthetic Gwangyang", "ko": "합성 광양시"},
    "placebo": {"en": "Placebo cities", "ko": "위약(플라시보) 도시"},
    "gap": {"en": "Gap (actual - synthetic)", "ko": "격차 (실제 - 합성)"},
    # event-study and estimator-comparison plots (hubeval/plots/event.py)
    "uniform_band": {"en": "Uniform band", "ko": "동시 신뢰대"},
    "descriptive_not_causal": {"en": "descriptive, not causal", "ko": "기술통계, 인과 아님"},
    "estimator_twfe": {"en": "TWFE (benchmark)", "ko": "이원고정효과 (참고용)"},
    "estimator_imputation": {"en": "Imputation (BJS 2024)", "ko": "대체 추정 (BJS 2024)"},
    "estimator_cs": {"en": "Callaway & Sant'Anna", "ko": "Callaway & Sant'Anna 이중차분"},
    "cohort_entry": {"en": "Cohort {c}", "ko": "{c}년 참여"},
    # outcomes
    "log_va_per_worker": {"en": "Log value added per worker", "ko": "1인당 부가가치(로그)"},
    "va_per_worker": {"en": "Value added per worker", "ko": "1인당 부가가치"},
    "sales_per_worker": {"en": "Sales per worker", "ko": "1인당 매출액"},
    "unit_cost": {"en": "Unit cost", "ko": "단위 원가"},
    "cost_ratio": {"en": "Cost ratio", "ko": "원가율"},
    "capex": {"en": "Capital expenditure", "ko": "설비투자액"},
    "investment_rate": {"en": "Investment rate", "ko": "투자율"},
    "any_investment": {"en": "Any investment", "ko": "투자 여부"},
    "employment": {"en": "Employment", "ko": "고용"},
    "dhs_growth": {"en": "Employment growth (DHS)", "ko": "고용 증가율 (DHS)"},
    "net_job_creation": {"en": "Net job creation", "ko": "순 일자리 창출"},
    "survival": {"en": "Survival", "ko": "생존율"},
    "log_sales_per_worker": {"en": "Log sales per worker", "ko": "1인당 매출액(로그)"},
    "materials_ratio": {"en": "Materials cost ratio", "ko": "재료비 비율"},
    "labour_ratio": {"en": "Labour cost ratio", "ko": "인건비 비율"},
    "capex_real": {"en": "Real capital expenditure", "ko": "실질 설비투자액"},
    "log_employment": {"en": "Log employment", "ko": "고용(로그)"},
    "net_jobs": {"en": "Net jobs created", "ko": "순 일자리 증감"},
    # city outcomes (synthetic control)
    "mfg_employment": {"en": "Manufacturing employment", "ko": "제조업 고용"},
    "industrial_investment": {"en": "Industrial investment", "ko": "산업 투자"},
    "complex_occupancy": {"en": "Industrial complex occupancy", "ko": "산업단지 입주율"},
    "population": {"en": "Population", "ko": "인구"},
    "mfg_share": {"en": "Manufacturing share", "ko": "제조업 비중"},
    # outcome families
    "productivity": {"en": "Productivity", "ko": "생산성"},
    "costs": {"en": "Costs", "ko": "비용"},
    "investment": {"en": "Investment", "ko": "투자"},
    "jobs": {"en": "Jobs", "ko": "일자리"},
    # designs and evidence
    "naive": {"en": "Before/after claim (no comparison group)", "ko": "사전/사후 비교 주장 (비교집단 없음)"},
    "causal": {"en": "Causal estimate (DiD)", "ko": "인과 추정치 (이중차분)"},
    "evidence_level": {"en": "Evidence strength (Maryland SMS)", "ko": "증거 수준 (메릴랜드 SMS)"},
    "headline_effects": {"en": "Effects of participation across outcomes",
                         "ko": "성과 지표별 참여 효과"},
    "event_study": {"en": "Effect by years since participation", "ko": "참여 후 연수별 효과"},
    "synth_title": {"en": "Gwangyang against its synthetic control",
                    "ko": "광양시와 합성 통제집단 비교"},
    "balance_title": {"en": "Covariate balance before and after matching",
                      "ko": "매칭 전후 공변량 균형"},
    # memo figures and tables
    "headline_levels": {"en": "Effects on rates and shares", "ko": "비율·확률 지표별 참여 효과"},
    "effect_pp": {"en": "Effect (percentage points)", "ko": "효과 (%p)"},
    "effect_level": {"en": "Effect (level)", "ko": "효과 (수준)"},
    "regional_title": {"en": "City-level effect: Gwangyang minus its synthetic control",
                       "ko": "도시 단위 효과: 광양시 - 합성 광양시"},
    "program_start": {"en": "Programme start", "ko": "사업 시작"},
    "outcome": {"en": "Outcome", "ko": "성과 지표"},
    "design": {"en": "Design", "ko": "분석 방법"},
    "n_firms": {"en": "Firms used", "ko": "분석 기업 수"},
    "evidence_short": {"en": "Evidence (of 5)", "ko": "근거 수준 (5단계)"},
    # cost-benefit
    "cba_title": {"en": "Costs and benefits of the programme", "ko": "사업의 비용과 편익"},
    "tornado_title": {"en": "Sensitivity of the net present value", "ko": "순현재가치 민감도 분석"},
    "npv": {"en": "Net present value", "ko": "순현재가치(NPV)"},
    "bcr": {"en": "Benefit-cost ratio", "ko": "비용편익비(B/C)"},
    "pv_benefits": {"en": "Present value of benefits", "ko": "편익의 현재가치"},
    "pv_costs": {"en": "Present value of costs", "ko": "비용의 현재가치"},
    "krw_hundred_million": {"en": "KRW 100 million, real", "ko": "억 원, 실질"},
    "ci_low": {"en": "lower bound", "ko": "하한"},
    "ci_high": {"en": "upper bound", "ko": "상한"},
    "base_case": {"en": "Base case", "ko": "기준 시나리오"},
    "low_value": {"en": "Low value", "ko": "낮은 값"},
    "high_value": {"en": "High value", "ko": "높은 값"},
    "simulation_interval": {"en": "Simulation interval", "ko": "모의실험 구간"},
    "discount_rate": {"en": "Discount rate", "ko": "할인율"},
    "horizon": {"en": "Horizon (years)", "ko": "분석 기간 (년)"},
    "persistence": {"en": "Persistence of effects", "ko": "효과 지속률"},
    "displacement": {"en": "Displacement", "ko": "대체(전위) 효과"},
    "leakage": {"en": "Leakage", "ko": "누출 효과"},
    "substitution": {"en": "Substitution", "ko": "대용 효과"},
    "multiplier": {"en": "Multiplier", "ko": "승수 효과"},
    "effect_size": {"en": "Effect estimate (95% CI)", "ko": "효과 추정치 (95% 신뢰구간)"},
    "payer_city": {"en": "City", "ko": "광양시"},
    "payer_posco": {"en": "POSCO (in kind)", "ko": "포스코 (현물)"},
    "payer_chamber": {"en": "Chamber of Commerce", "ko": "상공회의소"},
    "payer_firms": {"en": "Participating firms", "ko": "참여 기업"},
    "net_benefits": {"en": "Net additional benefits", "ko": "순 부가 편익"},
    "prob_bcr_above_1": {"en": "Probability that benefits exceed costs",
                         "ko": "편익이 비용을 넘을 확률"},
    "net_additional_jobs": {"en": "Net additional jobs", "ko": "순 추가 일자리"},
    "productivity_effect_pct": {"en": "Productivity effect (%, estimated years)",
                                "ko": "생산성 효과 (%, 추정 기간 평균)"},
    "cost_per_firm": {"en": "Cost per participating firm", "ko": "참여 기업당 비용"},
    "cost_per_net_job": {"en": "Cost per net additional job", "ko": "순 추가 일자리당 비용"},
    "cost_per_pp_productivity": {"en": "Cost per percentage point of productivity",
                                 "ko": "생산성 1%p당 비용"},
    "break_even_persistence": {"en": "Break-even persistence", "ko": "손익분기 지속률"},
    "measure": {"en": "Measure", "ko": "지표"},
    "value": {"en": "Value", "ko": "값"},
    "interval": {"en": "{level:.0%} simulation interval", "ko": "{level:.0%} 모의실험 구간"},
    "suppressed": {"en": "Suppressed (fewer than {n} firms)", "ko": "비공개 ({n}개 기업 미만)"},
    "source_note": {"en": "Source: hubeval analysis", "ko": "자료: hubeval 분석"},
}

_STATE: dict[str, Any] = {"lang": "en"}
_METADATA = {"png": None, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def _check_lang(lang: Any) -> Lang:
    if lang not in get_args(Lang):
        raise SpecError(f"`lang` must be one of {get_args(Lang)}; got {lang!r}.")
    return lang


def current_lang() -> Lang:
    """The language set by the last :func:`set_theme` / active :func:`figure_theme` ("en")."""
    return _STATE["lang"]


def label(key: str, lang: Lang | None = None, **fields: Any) -> str:
    """Look up a label or title in ``lang`` (default: the theme's language).

    ``fields`` fill placeholders, e.g. ``label("suppressed", n=5)``.

    Raises
    ------
    SpecError
        Unknown ``key`` or ``lang``.
    """
    lang = _check_lang(current_lang() if lang is None else lang)
    if key not in LABELS:
        import difflib
        close = difflib.get_close_matches(key, LABELS, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise SpecError(f"No label for `key` {key!r}.{hint} Add it to hubeval.report.figures.LABELS "
                        "in both languages.")
    return LABELS[key][lang].format(**fields)


def register_fonts() -> list[str]:
    """Register the bundled fonts with matplotlib (idempotent); return their family names."""
    known = {Path(f.fname).resolve() for f in font_manager.fontManager.ttflist}
    names = []
    for path in sorted(FONT_DIR.glob("*.ttf")):
        if path.resolve() not in known:
            font_manager.fontManager.addfont(str(path))
        names.append(font_manager.FontProperties(fname=str(path)).get_name())
    return sorted(set(names))


def text_font() -> dict[str, Any]:
    """Keyword arguments giving a text artist the bundled font, theme or not.

    Plot functions pass ``**text_font()`` to titles, labels and annotations they create, so
    Korean renders even when the caller never called :func:`set_theme`.
    """
    register_fonts()
    return {"fontfamily": [FONT_FAMILY, *FALLBACK_FONTS]}


def theme_rc() -> dict[str, Any]:
    """The matplotlib rcParams of the hubeval theme (fonts registered as a side effect)."""
    register_fonts()
    return {
        "font.family": [FONT_FAMILY, *FALLBACK_FONTS],
        "pdf.fonttype": 42, "ps.fonttype": 42,
        "svg.fonttype": "path",  # SVG text as outlines: renders without the font installed
        "figure.figsize": FIGSIZE["memo"], "figure.dpi": 100, "savefig.dpi": 300,
        "savefig.bbox": "tight", "axes.titleweight": "bold", "axes.titlelocation": "left",
        "axes.spines.top": False, "axes.spines.right": False, "legend.frameon": False,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
    }


def set_theme(*, lang: Lang = "en", context: str = "paper", font_scale: float = 1.1) -> None:
    """Apply the hubeval theme globally: seaborn ``whitegrid``, palette, fonts, sizes.

    Parameters
    ----------
    lang : {"en", "ko"}, default "en"
        Language of labels for plots that do not get ``lang`` explicitly.
    context : str, default "paper"
        Seaborn context; "paper" reads well at memo width.
    font_scale : float, default 1.1
    """
    import seaborn as sns
    _STATE["lang"] = _check_lang(lang)
    sns.set_theme(context=context, style="whitegrid", palette=PALETTE, font_scale=font_scale,
                  rc=theme_rc())
    # seaborn sets font.family to its generic alias; the explicit list must win (see module doc).
    mpl.rcParams.update(theme_rc())


@contextlib.contextmanager
def figure_theme(*, lang: Lang = "en", context: str = "paper",
                 font_scale: float = 1.1) -> Iterator[None]:
    """Context manager form of :func:`set_theme`; restores rcParams and language on exit."""
    previous = _STATE["lang"]
    with mpl.rc_context():
        try:
            set_theme(lang=lang, context=context, font_scale=font_scale)
            yield
        finally:
            _STATE["lang"] = previous


def _render_checked(fig: Any) -> None:
    """Draw once and refuse to publish a figure with missing glyphs (boxes instead of text)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    missing = sorted({str(w.message) for w in caught if "missing from font" in str(w.message)})
    if missing:
        raise HubevalError(
            f"The figure has characters no available font can draw: {'; '.join(missing[:3])}. "
            "Call hb.set_theme() (it registers the bundled Korean font) before drawing.")


def save_figure(fig: Any, name: str, *, shows: Any, out_dir: str | Path = "reports",
                formats: Sequence[FigureFormat] = ("png", "svg", "pdf"), dpi: int = 300,
                exists: ExistsPolicy = "error",
                min_units: int = DEFAULT_MIN_UNITS) -> dict[str, Path]:
    """Save a figure for publication (PNG, SVG, PDF) after the disclosure check.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File stem, without directory or extension, e.g. ``"cba_tornado"``.
    shows : result, DataFrame, DisclosureResult, or a list of them
        What the figure displays. Each must pass
        :func:`hubeval.report.disclosure.assert_publishable`; pass the protected
        :class:`~hubeval.report.disclosure.DisclosureResult` for tables, or
        ``hb.public(reason)`` for figures of public aggregate data only. Required:
        there is no way to save without saying what the figure shows.
    out_dir : str or Path, default "reports"
    formats : sequence of {"png", "svg", "pdf"}, default all three
    dpi : int, default 300
        Resolution of the PNG.
    exists : {"error", "suffix", "replace"}, default "error"
        An existing file is never overwritten silently: "error" raises before writing
        anything, "suffix" writes ``name-2.png`` etc., "replace" overwrites on request.
    min_units : int, default 5
        Minimum number of firms behind any number shown.

    Returns
    -------
    dict of str to Path
        The written file per format.

    Raises
    ------
    DisclosureError
        ``shows`` is empty or disclosive.
    FileExistsError
        A target exists and ``exists="error"``.
    HubevalError
        The figure has glyphs no font can draw.
    """
    items = _as_list(shows)
    if not items:
        raise DisclosureError(
            "`shows` is empty: say what the figure displays (the result objects or tables "
            "behind it) so it can be checked, or pass hb.public(reason) for public "
            "aggregate data.")
    for item in items:
        assert_publishable(item, min_units=min_units)
    paths = output_paths(out_dir, name, formats, exists=exists, allowed=get_args(FigureFormat))
    _render_checked(fig)
    with mpl.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42}):
        for fmt, path in paths.items():
            # Dates stripped from PDF and SVG so reruns give byte-identical files to hash.
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    return paths
