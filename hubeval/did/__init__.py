"""Difference-in-differences estimators of firm-level program effects.

``drdid`` (2x2 doubly robust cell) -> ``staggered`` (:func:`att_gt`) -> ``aggregation``
(:func:`aggregate`) and ``pretrend`` (:func:`pretrend_test`), with per-firm influence functions
(``influence``); ``twfe_setup`` (:func:`twfe_design`) and ``fixed_effects`` (TWFE),
``did_imputation`` (Borusyak-Jaravel-Spiess) and ``naive`` (the program's own before/after claim).
Private helpers: ``_gt_data``/``_gt_cells``/``_gt_fast`` (att_gt; ``_gt_fast`` without
covariates), ``_aggregate_cells`` (aggregate), ``_bjs`` (imputation), ``_common``, ``_cv3``.
"""
from __future__ import annotations

from hubeval.did.aggregation import AggregateResult, aggregate
from hubeval.did.did_imputation import ImputationResult, imputation
from hubeval.did.fixed_effects import TwfeResult, covariate_year_effects, twfe
from hubeval.did.naive import BeforeAfterResult, before_after
from hubeval.did.pretrend import PretrendResult, pretrend_test
from hubeval.did.staggered import GroupTimeResult, att_gt
from hubeval.did.twfe_setup import TwfeDesign, twfe_design

__all__ = [
    "before_after", "BeforeAfterResult", "twfe", "twfe_design", "TwfeResult", "TwfeDesign",
    "covariate_year_effects", "imputation", "ImputationResult", "att_gt", "GroupTimeResult",
    "aggregate", "AggregateResult", "pretrend_test", "PretrendResult",
]
