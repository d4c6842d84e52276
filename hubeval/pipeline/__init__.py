"""The one-call steps the notebooks use: load, describe, evaluate outcomes, assess credibility,
evaluate the region. Each returns a frozen result; notebooks only call and display.
"""
from __future__ import annotations

from hubeval.pipeline.loaders import load_panel, load_cities
from hubeval.pipeline.describe import describe_cohorts, balance_summary, DescriptiveResult
from hubeval.pipeline.evaluate import (
    evaluate_outcome, evaluate_outcomes, OutcomeEvaluationResult, EvaluationResult,
)
from hubeval.pipeline.credibility import assess_credibility, CredibilityResult
from hubeval.pipeline.regional import evaluate_regional, RegionalResult

__all__ = [
    "load_panel", "load_cities", "describe_cohorts", "balance_summary", "DescriptiveResult",
    "evaluate_outcome", "evaluate_outcomes", "OutcomeEvaluationResult", "EvaluationResult",
    "assess_credibility", "CredibilityResult", "evaluate_regional", "RegionalResult",
]
