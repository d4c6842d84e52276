"""Difference-in-differences estimators of firm-level program effects.

``drdid`` (2x2 doubly robust cell) -> ``staggered`` (:func:`att_gt`) -> ``aggregation``
(:func:`aggregate`, :func:`pretrend_test`), with per-firm influence functions (``influence``);
``fixed_effects`` (TWFE), ``did_imputation`` (Borusyak-Jaravel-Spiess) and ``naive`` (the
program's own before/after claim).
"""
from __future__ import annotations

from hubeval.did.naive import before_after, BeforeAfterResult
from hubeval.did.fixed_effects import twfe, twfe_design, TwfeResult, TwfeDesign, covariate_year_effects
from hubeval.did.did_imputation import imputation, ImputationResult
from hubeval.did.staggered import att_gt, GroupTimeResult
from hubeval.did.aggregation import aggregate, AggregateResult, pretrend_test, PretrendResult

__all__ = [
    "before_after", "BeforeAfterResult", "twfe", "twfe_design", "TwfeResult", "TwfeDesign",
    "covariate_year_effects", "imputation", "ImputationResult", "att_gt", "GroupTimeResult",
    "aggregate", "AggregateResult", "pretrend_test", "PretrendResult",
]
