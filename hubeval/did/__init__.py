"""Difference-in-differences estimators of firm-level program effects.

``drdid`` (2x2 doubly robust cell) -> ``staggered`` (:func:`att_gt`) -> ``aggregation``
(:func:`aggregate`) and ``pretrend`` (:func:`pretrend_test`), with per-firm influence functions
(``influence``); ``twfe_setup`` (:func:`twfe_design`) and ``fixed_effects`` (TWFE),
``did_imputation`` (Borusyak-Jaravel-Spiess) and ``naive`` (the program's own before/after claim).
Private helpers: ``_gt_data``/``_gt_cells`` (att_gt), ``_bjs`` (imputation), ``_common``, ``_cv3``.
"""
from __future__ import annotations

from hubeval.did.naive import before_after, BeforeAfterResult
from hubeval.did.twfe_setup import twfe_design, TwfeDesign
from hubeval.did.fixed_effects import twfe, TwfeResult, covariate_year_effects
from hubeval.did.did_imputation import imputation, ImputationResult
from hubeval.did.staggered import att_gt, GroupTimeResult
from hubeval.did.aggregation import aggregate, AggregateResult
from hubeval.did.pretrend import pretrend_test, PretrendResult

__all__ = [
    "before_after", "BeforeAfterResult", "twfe", "twfe_design", "TwfeResult", "TwfeDesign",
    "covariate_year_effects", "imputation", "ImputationResult", "att_gt", "GroupTimeResult",
    "aggregate", "AggregateResult", "pretrend_test", "PretrendResult",
]
