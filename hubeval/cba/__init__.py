"""Cost-benefit analysis: real costs, NPV and benefit-cost ratio with their uncertainty, sensitivity.
"""
from __future__ import annotations

from hubeval.cba.inputs import real_costs, participant_baseline, ADDITIONALITY_DEFAULTS, SENSITIVITY_RANGES
from hubeval.cba.model import cost_benefit, CostBenefitResult
from hubeval.cba.sensitivity import cba_sensitivity, CostBenefitSensitivityResult

__all__ = [
    "real_costs", "participant_baseline", "ADDITIONALITY_DEFAULTS", "SENSITIVITY_RANGES",
    "cost_benefit", "CostBenefitResult", "cba_sensitivity", "CostBenefitSensitivityResult",
]
