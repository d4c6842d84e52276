"""Figures saved twice are byte-identical (the promise behind hashing published files)."""
from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt

import hubeval as hb


def _svg() -> bytes:
    fig, ax = plt.subplots()
    ax.bar(["a", "b", "c"], [1.0, 2.5, 1.5])  # the axes clip the bars: clip-path ids
    ax.set_title("효과")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def test_svg_bytes_are_identical_under_the_theme():
    with mpl.rc_context():
        hb.set_theme()
        first, second = _svg(), _svg()
        assert b"clip-path" in first
        assert first == second
        mpl.rcParams["svg.hashsalt"] = None  # matplotlib's default: a random salt per save
        assert _svg() != _svg()
