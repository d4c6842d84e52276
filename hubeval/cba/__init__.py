"""Cost-benefit analysis: real costs, NPV and benefit-cost ratio with their uncertainty, sensitivity.
"""
from __future__ import annotations

from hubeval.cba.inputs import (
    ADDITIONALITY_DEFAULTS,
    SENSITIVITY_RANGES,
    participant_baseline,
    real_costs,
)
from hubeval.cba.model import CostBenefitResult, cost_benefit
from hubeval.cba.sensitivity import CostBenefitSensitivityResult, cba_sensitivity

__all__ = [
    "real_costs", "participant_baseline", "ADDITIONALITY_DEFAULTS", "SENSITIVITY_RANGES",
    "cost_benefit", "CostBenefitResult", "cba_sensitivity", "CostBenefitSensitivityResult",
]
