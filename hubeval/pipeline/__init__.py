"""The one-call steps the notebooks use: load, describe, evaluate outcomes, assess credibility,
record them for the memo, evaluate the region. Each returns a frozen result; notebooks only call and display.
"""
from __future__ import annotations

from hubeval.pipeline.credibility import CredibilityResult, assess_credibility
from hubeval.pipeline.describe import (
    DescriptiveResult,
    balance_summary,
    describe_cohorts,
)
from hubeval.pipeline.evaluate import (
    EvaluationResult,
    OutcomeEvaluationResult,
    evaluate_outcome,
    evaluate_outcomes,
)
from hubeval.pipeline.loaders import load_cities, load_panel
from hubeval.pipeline.recording import event_study_covariances, record_outcome_results
from hubeval.pipeline.regional import RegionalResult, evaluate_regional

__all__ = [
    "load_panel", "load_cities", "describe_cohorts", "balance_summary", "DescriptiveResult",
    "evaluate_outcome", "evaluate_outcomes", "OutcomeEvaluationResult", "EvaluationResult",
    "assess_credibility", "CredibilityResult", "evaluate_regional", "RegionalResult",
    "record_outcome_results", "event_study_covariances",
]
