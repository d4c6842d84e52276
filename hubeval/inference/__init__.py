"""Inference with few treated firms: bootstraps, randomization inference, multiple testing and
sensitivity to parallel-trends violations (Rambachan-Roth).
"""
from __future__ import annotations

from hubeval.inference.regression import RegressionDesign, regression_design
from hubeval.inference.wild import wild_cluster_bootstrap, wild_bootstrap_family, WildBootstrapResult
from hubeval.inference.multiplier import bootstrap_influence, InfluenceBootstrapResult
from hubeval.inference.multiple_testing import holm, romano_wolf
from hubeval.inference.randomization import randomization_inference, RandomizationResult, cs_simple_statistic, twfe_statistic
from hubeval.inference.method_panel import inference_panel, InferencePanelResult
from hubeval.inference.honest import relative_magnitudes, SensitivityResult

__all__ = [
    "wild_cluster_bootstrap", "wild_bootstrap_family", "WildBootstrapResult", "RegressionDesign",
    "regression_design", "bootstrap_influence", "InfluenceBootstrapResult", "holm", "romano_wolf",
    "randomization_inference", "RandomizationResult", "inference_panel", "InferencePanelResult",
    "cs_simple_statistic", "twfe_statistic", "relative_magnitudes", "SensitivityResult",
]
