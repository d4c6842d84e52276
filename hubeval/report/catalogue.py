"""The text catalogue: every reader-facing word of the report layer, one YAML file per language.

``hubeval/report/locales/en.yaml`` and ``ko.yaml`` hold the same keys, grouped in sections
(``label`` for figure and table labels, ``memo`` for memo sentences and headings, ``design`` and
``horizon`` for the effects table, ``cba`` and ``cba_why`` for cost-benefit sentences, ``money``).
A key is written ``section.name``, e.g. ``text("memo.title", "ko")``. ``{field}`` placeholders are
filled with :meth:`str.format`, so format specifications such as ``{rate:.1%}`` work; a test
checks that both files have the same keys and the same placeholders per key, so a translator
can review everything in one place. Korean templates may write a particle pair after a
placeholder ("{outcome}은(는)"); :func:`text` replaces it with the particle the filled-in word
takes (:func:`hubeval.report.korean.attach_particles`), so no pair reaches the reader.
"""
from __future__ import annotations

import functools
import string
from pathlib import Path

import yaml

from hubeval.core.errors import SpecError

__all__ = ["LANGS", "LOCALE_DIR", "catalogue", "text", "has_text", "section", "placeholders"]

#: Languages of the catalogue.
LANGS = ("en", "ko")
#: Folder of the catalogue files.
LOCALE_DIR = Path(__file__).parent / "locales"


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = str(value)
    return out


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Every text of ``lang`` by dotted key (read once, then cached)."""
    if lang not in LANGS:
        raise SpecError(f"`lang` must be one of {LANGS}; got {lang!r}.")
    with open(LOCALE_DIR / f"{lang}.yaml", encoding="utf-8") as handle:
        return _flatten(yaml.safe_load(handle))


def has_text(key: str) -> bool:
    """True when ``key`` is in the catalogue (of English, which has the same keys as Korean)."""
    return key in catalogue("en")


def section(name: str, lang: str) -> dict[str, str]:
    """The texts of one section (e.g. ``"label"``) in ``lang``, by key without the prefix."""
    prefix = f"{name}."
    return {k[len(prefix):]: v for k, v in catalogue(lang).items() if k.startswith(prefix)}


def text(key: str, lang: str, **fields) -> str:
    """The text ``key`` (``section.name``) in ``lang`` with ``fields`` filled in.

    Raises
    ------
    SpecError
        Unknown ``lang`` or ``key``.
    """
    texts = catalogue(lang)
    if key not in texts:
        import difflib

        close = difflib.get_close_matches(key, texts, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise SpecError(f"No text for key {key!r}.{hint} Add it to hubeval/report/locales/en.yaml "
                        "and ko.yaml.")
    filled = texts[key].format(**fields)
    if lang == "ko":  # "{outcome}은(는)" -> the particle the filled-in word takes
        from hubeval.report.korean import attach_particles
        filled = attach_particles(filled)
    return filled


def placeholders(value: str) -> set[str]:
    """The ``{field}`` names in a catalogue text."""
    return {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
