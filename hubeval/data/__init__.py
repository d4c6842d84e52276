"""Data: loading files, the validated firm panel, derived outcomes, simulation and the example.

Names are imported on first use (PEP 562): building a :class:`Panel` does not load the example
generator or the simulators.
"""
from __future__ import annotations

from hubeval.core.lazy import lazy_exports

#: Where each public name lives.
_EXPORTS = {
    "hubeval.data._checks": ("NEVER_TREATED",),
    "hubeval.data.example": ("ExampleData", "load_example", "simulate_program",
                             "write_example_data"),
    "hubeval.data.io": ("read_table",),
    "hubeval.data.outcomes": ("FAMILIES", "OUTCOMES", "codebook", "derive_outcomes",
                              "outcome_family"),
    "hubeval.data.panel": ("Panel",),
    "hubeval.data.quality": ("DataQualityResult",),
    "hubeval.data.restrict": ("restrict_sample",),
    "hubeval.data.simulate": ("SimulatedPanel", "ramp_effect", "simulate_panel"),
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "read_table", "Panel", "DataQualityResult", "NEVER_TREATED", "derive_outcomes", "codebook",
    "outcome_family", "OUTCOMES", "FAMILIES", "simulate_panel", "SimulatedPanel", "ramp_effect",
    "simulate_program", "write_example_data", "load_example", "ExampleData", "restrict_sample",
]
