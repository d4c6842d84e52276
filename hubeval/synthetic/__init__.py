"""Synthetic control for the city as a whole: data preparation, the fit, placebo inference.
"""
from __future__ import annotations

from hubeval.synthetic.control import SynthResult, synth
from hubeval.synthetic.placebo import SynthPlaceboResult, synth_placebo

__all__ = [
    "synth", "SynthResult", "synth_placebo", "SynthPlaceboResult",
]
