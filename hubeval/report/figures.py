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
import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure

from hubeval.core.errors import DisclosureError, HubevalError, SpecError
from hubeval.core.paths import project_path
from hubeval.report.catalogue import LANGS, section
from hubeval.report.disclosure import DEFAULT_MIN_UNITS, ExistsPolicy
from hubeval.report.audit import check_entry, write_disclosure_record
from hubeval.report.disclosure import DisclosureResult
from hubeval.report.gate import _is_unverifiable, assert_publishable
from hubeval.report.publication import _as_list, output_paths

# matplotlib's PDF backend subsets fonts with fontTools, which logs every table at INFO level
logging.getLogger("fontTools").setLevel(logging.WARNING)

__all__ = [
    "Lang", "PALETTE", "COLORS", "FIGSIZE", "LABELS", "FONT_FAMILY", "register_fonts",
    "text_font", "theme_rc", "set_theme", "figure_theme", "current_lang", "label", "label_or_key",
    "save_figure", "record_drawn", "drawn_results",
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

#: Every hubeval label and title in English and Korean, ``{key: {"en": ..., "ko": ...}}``, read
#: from the ``label`` section of the text catalogue (:mod:`hubeval.report.catalogue`). Plot
#: modules look labels up with :func:`label`; add new keys to ``locales/en.yaml`` and ``ko.yaml``
#: rather than hard-coding text in plots.
LABELS: dict[str, dict[str, str]] = {
    key: {lang: section("label", lang)[key] for lang in LANGS} for key in section("label", "en")
}

_STATE: dict[str, Any] = {"lang": "en"}
#: Attribute of a matplotlib Figure holding the results drawn on it (see :func:`record_drawn`).
DRAWN_ATTRIBUTE = "_hubeval_drawn"
#: Salt of the ids matplotlib gives SVG clip paths and glyphs; without one each save draws a
#: random salt, so the same figure gave different SVG bytes on every run.
SVG_HASHSALT = "hubeval"
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
        raise SpecError(f"No label for `key` {key!r}.{hint} Add it to the `label` section of "
                        "hubeval/report/locales/en.yaml and ko.yaml.")
    return LABELS[key][lang].format(**fields)


def label_or_key(key: str, lang: Lang | None = None) -> str:
    """:func:`label`, or ``key`` itself when it has no label (e.g. an outcome without one)."""
    try:
        return label(key, lang)
    except (SpecError, KeyError, IndexError):  # no label, or one that needs fields
        return key


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
        "svg.hashsalt": SVG_HASHSALT,  # clip-path ids from content, not random: identical reruns
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


def _root_figure(target: Any) -> Any:
    """The top-level Figure of an Axes, SubFigure, Figure or array of Axes."""
    if isinstance(target, np.ndarray):
        target = target.flat[0]
    while not isinstance(target, Figure) and getattr(target, "figure", None) is not None \
            and target.figure is not target:
        target = target.figure
    return target


def record_drawn(target: Any, *results: Any) -> None:
    """Record on a figure the result(s) a plot function drew on it, for :func:`save_figure`.

    Every hubeval plot function calls this with what it drew, so the disclosure check at save
    time is of the figure's real content rather than of a claim about it. Call it from a new
    plot function; it is not a way to vouch for a figure drawn by hand.

    Parameters
    ----------
    target : matplotlib Axes, Figure or array of Axes
    *results : object
        The result objects or tables drawn (recorded once each, in order).
    """
    fig = _root_figure(target)
    drawn = list(getattr(fig, DRAWN_ATTRIBUTE, ()))
    drawn += [r for r in results if not any(r is d for d in drawn)]
    setattr(fig, DRAWN_ATTRIBUTE, tuple(drawn))


def drawn_results(fig: Any) -> tuple:
    """The results hubeval plot functions recorded on ``fig`` (see :func:`record_drawn`)."""
    return tuple(getattr(_root_figure(fig), DRAWN_ATTRIBUTE, ()))


def _exemption(shows: Any, drawn: tuple) -> DisclosureResult | None:
    """The :func:`public` exemption in ``shows``; anything else must be something drawn."""
    exemption = None
    for item in _as_list(shows):
        if isinstance(item, DisclosureResult) and item.exemption is not None:
            exemption = assert_publishable(item)
        elif not any(item is d or (isinstance(item, DisclosureResult) and item.table is d)
                     for d in drawn):
            raise DisclosureError(
                f"`shows` names a {type(item).__name__} the figure did not draw: a figure is "
                "checked by what its hubeval plot functions recorded drawing, not by what "
                "`shows` claims. Draw the figure from that result with a hubeval plot function, "
                "or, for public aggregate data only, pass shows=hb.public(reason).")
    return exemption


def _check_drawn(drawn: tuple, exemption: DisclosureResult | None,
                 min_units: int) -> list[dict]:
    if not drawn and exemption is None:
        raise DisclosureError(
            "The figure records no result it draws (it was not drawn by a hubeval plot "
            "function), so what it shows cannot be checked. Draw it with a hubeval plot function "
            "from the protected results, or, for public aggregate data only, pass "
            "shows=hb.public(reason).")
    entries = []
    for item in drawn:
        try:
            checked = assert_publishable(item, min_units=min_units)
        except DisclosureError as error:
            if exemption is None or not _is_unverifiable(error):
                raise
            entries.append(check_entry(item, None, how="exempt"))
            continue
        entries.append(check_entry(item, checked, how="protected" if checked is item
                                   else "checked as is"))
    return entries


def save_figure(fig: Any, name: str, *, shows: Any = None, out_dir: str | Path = "reports",
                formats: Sequence[FigureFormat] = ("png", "svg", "pdf"), dpi: int = 300,
                exists: ExistsPolicy = "error",
                min_units: int = DEFAULT_MIN_UNITS) -> dict[str, Path]:
    """Save a figure for publication (PNG, SVG, PDF) after the disclosure check of what it draws.

    Every hubeval plot function records on the figure the results it drew
    (:func:`record_drawn`); each must pass
    :func:`hubeval.report.publication.assert_publishable`. Draw figures from protected results
    (e.g. a memo's :attr:`~hubeval.report.memo.build.MemoResult.results`, or a result whose
    counts pass). A figure that records nothing (drawn by hand) is refused unless ``shows`` is
    an explicit exemption.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    name : str
        File stem, without directory or extension, e.g. ``"cba_tornado"``.
    shows : DisclosureResult from :func:`hubeval.public`, or results drawn, optional
        ``hb.public(reason)`` exempts what cannot be verified (no firm counts, e.g. public
        city aggregates); it never covers drawn results that fail the check or are
        firm-level. Other items must be results the figure drew (they are checked anyway).
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
        The written file per format. ``<name>.disclosure.json`` is written beside them with
        the checks and any exemption (:mod:`hubeval.report.audit`).

    Raises
    ------
    DisclosureError
        The figure records nothing drawn and has no exemption, a drawn result is disclosive,
        cannot be verified or is firm-level, or ``shows`` names a result not drawn.
    FileExistsError
        A target exists and ``exists="error"``.
    HubevalError
        The figure has glyphs no font can draw.
    """
    drawn = drawn_results(fig)
    exemption = _exemption(shows, drawn)
    entries = _check_drawn(drawn, exemption, min_units)
    paths = output_paths(project_path(out_dir), name, formats, exists=exists, allowed=get_args(FigureFormat))
    _render_checked(fig)
    with mpl.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42}):
        for fmt, path in paths.items():
            # Dates stripped from PDF and SVG so reruns give byte-identical files to hash.
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    write_disclosure_record(paths, kind="figure", entries=entries,
                            exemption=exemption.exemption if exemption else None,
                            min_units=min_units)
    return paths
