"""Research design: comparison groups by matching, power of the design, robustness re-estimations.
"""
from __future__ import annotations

from hubeval.design.balance import balance_table
from hubeval.design.matching import MatchResult, match
from hubeval.design.power import LITERATURE_EFFECT, PowerResult, mde, mde_from_panel
from hubeval.design.robustness import (
    RobustnessResult,
    placebo_entry,
    placebo_outcomes,
    subgroup_effects,
)

__all__ = [
    "match", "balance_table", "MatchResult", "mde", "mde_from_panel", "PowerResult",
    "LITERATURE_EFFECT", "placebo_entry", "placebo_outcomes", "subgroup_effects",
    "RobustnessResult",
]
