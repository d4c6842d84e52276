"""Synthetic control for the city as a whole: data preparation, the fit, placebo inference.
"""
from __future__ import annotations

from hubeval.synthetic.control import synth, SynthResult
from hubeval.synthetic.placebo import synth_placebo, SynthPlaceboResult

__all__ = [
    "synth", "SynthResult", "synth_placebo", "SynthPlaceboResult",
]
