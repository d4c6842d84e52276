"""Korean text: particles chosen by the final syllable, and one list of economics terms.

Particles. A Korean particle depends on whether the word before it ends in a consonant
(받침): 생산성**은**, 비용**는**; 고용**을**, 투자**를**; and (으)로 takes 로 after ㄹ. A template
whose word is filled in later cannot know, and "은(는)" left in print reads as a form, not
prose. Catalogue templates therefore write the pair ("{outcome}은(는)") and
:func:`attach_particles` replaces it, after the template is filled, with the particle the word
before it takes. The word's last sound decides: a Hangul syllable by its 받침; digits as read
(1 일, 3 삼, 6 육, 7 칠, 8 팔, 0 영 end in a consonant); Latin letters as spelled (L 엘, M 엠,
N 엔, R 알); closing brackets, quotes and spaces are skipped, so "부가가치(로그)" reads by 그.

Terms. :func:`terms` (``locales/terms.yaml``) is the one list of Korean economics vocabulary
the Korean catalogue follows (KDI usage), with the variants to avoid; a test checks every
Korean text of the catalogue against it.

References
----------
국립국어원, 「표준 국어문법론」 조사 이형태 규칙; 한국개발연구원(KDI) 예비타당성조사 일반지침 용어.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

__all__ = ["has_final_consonant", "particle", "attach_particles", "terms"]

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # index of ㄹ among the 28 final-consonant slots
_DIGIT_FINAL = {"0": 21, "1": _RIEUL, "3": 16, "6": 1, "7": _RIEUL, "8": _RIEUL}  # 영 일 삼 육 칠 팔
_LATIN_FINAL = {"l": _RIEUL, "m": 16, "n": 4, "r": _RIEUL}
_SKIP = " )]}'\"’”>·."
#: particle forms: (after a consonant, after a vowel)
_PAIRS = {"은(는)": ("은", "는"), "는(은)": ("은", "는"), "이(가)": ("이", "가"),
          "가(이)": ("이", "가"), "을(를)": ("을", "를"), "를(을)": ("을", "를"),
          "과(와)": ("과", "와"), "와(과)": ("과", "와"), "(으)로": ("으로", "로"),
          "(이)며": ("이며", "며"), "(이)고": ("이고", "고"), "(이)나": ("이나", "나")}
_PATTERN = re.compile("|".join(re.escape(p) for p in sorted(_PAIRS, key=len, reverse=True)))


def _final(char: str) -> int | None:
    """Index of the final consonant of ``char`` as read (0: none); None if it is not a word."""
    code = ord(char)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        return (code - _HANGUL_FIRST) % 28
    if char.isdigit():
        return _DIGIT_FINAL.get(char, 0)
    if char.isascii() and char.isalpha():
        return _LATIN_FINAL.get(char.lower(), 0)
    if char == "%":  # 퍼센트
        return 0
    return None


def _last_final(word: str) -> int:
    for char in reversed(word):
        if char in _SKIP:
            continue
        found = _final(char)
        if found is not None:
            return found
    return 0


def has_final_consonant(word: str) -> bool:
    """True when ``word`` ends in a consonant sound (받침), as read aloud."""
    return _last_final(word) != 0


def particle(word: str, pair: str) -> str:
    """The particle ``pair`` (e.g. "은(는)", "(으)로") that follows ``word``.

    Examples
    --------
    >>> particle("생산성", "은(는)"), particle("비용", "이(가)"), particle("투자", "을(를)")
    ('은', '이', '를')
    >>> particle("서울", "(으)로"), particle("광양시", "(으)로")
    ('로', '으로')
    """
    after_consonant, after_vowel = _PAIRS[pair]
    final = _last_final(word)
    if pair == "(으)로" and final == _RIEUL:
        return after_vowel
    return after_consonant if final else after_vowel


def attach_particles(text: str) -> str:
    """Replace every "은(는)"-style pair in ``text`` by the particle its preceding word takes."""
    def choose(match: re.Match) -> str:
        return particle(text[:match.start()], match.group(0))

    return _PATTERN.sub(choose, text)


@functools.cache
def terms() -> dict[str, dict]:
    """The term list ``locales/terms.yaml``: per concept its English and Korean term and the
    Korean variants to avoid."""
    with open(Path(__file__).parent / "locales" / "terms.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)

