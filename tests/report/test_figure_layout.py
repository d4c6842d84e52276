"""Every memo and notebook figure, in both languages, laid out for print.

Checked from matplotlib's own text extents (``Text.get_window_extent`` with the figure's
renderer), not by eye: no two texts overlap, no text leaves the figure, every axis that carries
a quantity has a label, no legend covers a data point, and no label is a code name.
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import hubeval as hb  # noqa: E402
from hubeval.report.memo.render import memo_figures  # noqa: E402

LANGS = ("en", "ko")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
NUMBER = re.compile(r"^[+\-\u2212]?[\d.,]+%?$")


def undrawn_ticks(fig) -> set:
    """Tick labels matplotlib keeps but does not draw (their tick is outside the view)."""
    out = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            for tick, loc in zip(axis.get_major_ticks(), axis.get_majorticklocs()):
                if not low - span <= loc <= high + span:
                    out.update({tick.label1, tick.label2})
    return out


def visible_texts(fig) -> list[Text]:
    """Texts a reader sees: visible, non-empty, in a visible Axes (or on the figure)."""
    out, undrawn = [], undrawn_ticks(fig)
    for text in fig.findobj(Text):
        if text in undrawn:
            continue
        axes = text.axes
        if not text.get_visible() or not text.get_text().strip():
            continue
        if axes is not None and not axes.get_visible():
            continue
        if axes is not None and text in (axes.xaxis.offsetText, axes.yaxis.offsetText):
            continue
        out.append(text)
    return out


def extents(fig) -> list[tuple[Text, object]]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t, t.get_window_extent(renderer)) for t in visible_texts(fig)]


def layout_problems(fig) -> list[str]:
    """Every overlap, overflow, unlabelled quantity axis and covered data point in ``fig``."""
    boxes = extents(fig)
    problems = []
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        if box_a.shrunk(0.98, 0.9).overlaps(box_b.shrunk(0.98, 0.9)):
            problems.append(f"overlap: {a.get_text()!r} / {b.get_text()!r}")
    frame = fig.bbox
    for text, box in boxes:
        if box.x0 < frame.x0 - 1 or box.y0 < frame.y0 - 1 or box.x1 > frame.x1 + 1 \
                or box.y1 > frame.y1 + 1:
            problems.append(f"outside the figure: {text.get_text()!r}")
    for ax in fig.axes:
        if ax.get_visible() and has_data(ax):
            problems += axis_label_problems(ax) + covered_points(ax)
    return problems


def has_data(ax) -> bool:
    return any(len(np.atleast_1d(line.get_xdata())) for line in ax.lines) or bool(ax.collections) \
        or len(ax.patches) > 0


def numeric_ticks(axis) -> bool:
    labels = [t.get_text().replace(",", "") for t in axis.get_ticklabels() if t.get_text()]
    return bool(labels) and all(NUMBER.match(s) for s in labels)


def axis_label_problems(ax) -> list[str]:
    out = []
    for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        if numeric_ticks(axis) and not axis.get_label_text().strip():
            out.append(f"{name} axis without a label in {ax.get_title(loc='left')!r}")
    return out


def data_points(ax) -> np.ndarray:
    points = [line.get_transform().transform(line.get_xydata()) for line in ax.get_lines()
              if isinstance(line, Line2D) and line.get_visible() and len(line.get_xydata())]
    points += [c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections
               if isinstance(c, PathCollection) and len(c.get_offsets())]
    return np.vstack(points) if points else np.empty((0, 2))


def covered_points(ax) -> list[str]:
    legend = ax.get_legend()
    if legend is None:
        return []
    box = legend.get_window_extent(ax.figure.canvas.get_renderer())
    inside = [p for p in data_points(ax) if np.all(np.isfinite(p)) and box.contains(*p)]
    return [f"legend covers {len(inside)} data points in {ax.get_title(loc='left')!r}"] \
        if inside else []


def code_names(fig) -> list[str]:
    return [t.get_text() for t in visible_texts(fig) if SNAKE.search(t.get_text())]


# --- the figures ------------------------------------------------------------------------------

def notebook_figures(objects: dict) -> dict:
    """The figures the notebooks draw (00_data_check, 10_outcomes, 50_regional), by name."""
    headline = objects["outcomes"].headline
    regional = objects["regional"]
    return {"balance": lambda: hb.plot_balance(objects["matching"]),
            "estimators": lambda: hb.plot_estimators(headline),
            "event_study": lambda: hb.plot_event_study(headline.event_study),
            "sensitivity": lambda: hb.plot_sensitivity(objects["credibility"].sensitivity),
            "synth_trajectory": lambda: hb.plot_synth_trajectory(regional),
            "synth_gaps": lambda: hb.plot_synth_gaps(regional),
            "synth_weights": lambda: hb.plot_synth_weights(regional)}


@pytest.mark.parametrize("lang", LANGS)
def test_memo_figures_have_no_overlaps_overflows_or_unlabelled_axes(example_memos, lang):
    with hb.figure_theme(lang=lang):
        drawn = memo_figures(example_memos[lang])
        assert {f.name for f in drawn} == {"headline_effects", "headline_levels", "event_studies",
                                          "balance", "regional", "cost_benefit"}
        try:
            for item in drawn:
                assert layout_problems(item.figure) == [], item.name
                assert code_names(item.figure) == [], item.name
        finally:
            for item in drawn:
                plt.close(item.figure)


@pytest.mark.parametrize("lang", LANGS)
def test_notebook_figures_have_no_overlaps_overflows_or_unlabelled_axes(example_run, lang):
    with hb.figure_theme(lang=lang):
        for name, draw in notebook_figures(example_run[1]).items():
            ax = draw()
            try:
                assert layout_problems(ax.figure) == [], name
                assert code_names(ax.figure) == [], name
                if lang == "ko":  # every label in the figure's language
                    assert re.search("[가-힣]", ax.get_title(loc="left") + ax.get_xlabel()), name
            finally:
                plt.close(ax.figure)


def test_the_checks_catch_overlapping_texts_and_unlabelled_axes():
    """The checks can fail: two texts at one spot, a label off the figure, a numeric axis
    without a label and a legend over the data are all reported."""
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [0, 1, 2], label="data")
    ax.set_title("Title", loc="left")
    ax.text(0.0, 1.01, "Overprinted", transform=ax.transAxes, ha="left", va="bottom")
    ax.text(1.2, 0.5, "Gone", transform=ax.transAxes)
    ax.legend(loc="center")
    problems = layout_problems(fig)
    plt.close(fig)
    assert "overlap: 'Overprinted' / 'Title'" in problems
    assert "outside the figure: 'Gone'" in problems
    assert "x axis without a label in 'Title'" in problems
    assert "y axis without a label in 'Title'" in problems
    assert any(p.startswith("legend covers") for p in problems)


# --- image comparison against committed baselines ------------------------------------------------
BASELINE = Path(__file__).parent / "baseline"
#: The key memo figures compared pixel by pixel (at low resolution: small files, and the test is
#: about layout, not anti-aliasing). RMS tolerance on 0-255 grey levels.
KEY_FIGURES = (("headline_effects", "en"), ("cost_benefit", "ko"), ("regional", "en"),
               ("event_studies", "ko"))
BASELINE_DPI, TOLERANCE = 30, 12.0


@pytest.mark.parametrize("name,lang", KEY_FIGURES)
def test_key_figures_match_their_baselines(example_memos, name, lang, tmp_path):
    """Regenerate after an intended change: HUBEVAL_UPDATE_BASELINES=1 make test-baselines."""
    from matplotlib.testing.compare import compare_images

    with hb.figure_theme(lang=lang):
        drawn = {f.name: f for f in memo_figures(example_memos[lang])}
        actual = tmp_path / f"{name}_{lang}.png"
        drawn[name].figure.savefig(actual, dpi=BASELINE_DPI, metadata={"Software": None})
        for item in drawn.values():
            plt.close(item.figure)
    expected = BASELINE / f"{name}_{lang}.png"
    if os.environ.get("HUBEVAL_UPDATE_BASELINES") == "1":
        BASELINE.mkdir(exist_ok=True)
        shutil.copyfile(actual, expected)
    assert expected.exists(), f"no baseline {expected}; run HUBEVAL_UPDATE_BASELINES=1 make test-baselines"
    assert compare_images(str(expected), str(actual), tol=TOLERANCE) is None
