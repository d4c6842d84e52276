"""Data: loading files, the validated firm panel, derived outcomes, simulation and the example.
"""
from __future__ import annotations

from hubeval.data._checks import NEVER_TREATED
from hubeval.data.example import (
    ExampleData,
    load_example,
    simulate_program,
    write_example_data,
)
from hubeval.data.io import read_table
from hubeval.data.outcomes import (
    FAMILIES,
    OUTCOMES,
    codebook,
    derive_outcomes,
    outcome_family,
)
from hubeval.data.panel import Panel
from hubeval.data.quality import DataQualityResult
from hubeval.data.restrict import restrict_sample
from hubeval.data.simulate import SimulatedPanel, ramp_effect, simulate_panel

__all__ = [
    "read_table", "Panel", "DataQualityResult", "NEVER_TREATED", "derive_outcomes", "codebook",
    "outcome_family", "OUTCOMES", "FAMILIES", "simulate_panel", "SimulatedPanel", "ramp_effect",
    "simulate_program", "write_example_data", "load_example", "ExampleData", "restrict_sample",
]
