"""Difference-in-differences estimators of firm-level program effects.

``drdid`` (2x2 doubly robust cell) -> ``staggered`` (:func:`att_gt`) -> ``aggregation``
(:func:`aggregate`) and ``pretrend`` (:func:`pretrend_test`), with per-firm influence functions
(``influence``); ``twfe_setup`` (:func:`twfe_design`) and ``fixed_effects`` (TWFE),
``did_imputation`` (Borusyak-Jaravel-Spiess) and ``naive`` (the program's own before/after claim).
Private helpers: ``_gt_data``/``_gt_cells``/``_gt_fast`` (att_gt; ``_gt_fast`` without
covariates), ``_aggregate_cells`` (aggregate), ``_bjs`` (imputation), ``_common``, ``_cv3``.

Names are imported on first use (PEP 562): ``hb.att_gt`` + ``hb.aggregate`` load only the modules
they need, not the imputation estimator's sparse solver (scipy.sparse) or the TWFE modules.
"""
from __future__ import annotations

from hubeval.core.lazy import lazy_exports

#: Where each public name lives.
_EXPORTS = {
    "hubeval.did.aggregation": ("AggregateResult", "aggregate"),
    "hubeval.did.did_imputation": ("ImputationResult", "imputation"),
    "hubeval.did.fixed_effects": ("TwfeResult", "covariate_year_effects", "twfe"),
    "hubeval.did.naive": ("BeforeAfterResult", "before_after"),
    "hubeval.did.pretrend": ("PretrendResult", "pretrend_test"),
    "hubeval.did.staggered": ("GroupTimeResult", "att_gt"),
    "hubeval.did.twfe_setup": ("TwfeDesign", "twfe_design"),
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "before_after", "BeforeAfterResult", "twfe", "twfe_design", "TwfeResult", "TwfeDesign",
    "covariate_year_effects", "imputation", "ImputationResult", "att_gt", "GroupTimeResult",
    "aggregate", "AggregateResult", "pretrend_test", "PretrendResult",
]
