"""Inference with few treated firms: bootstraps, randomization inference, multiple testing and
sensitivity to parallel-trends violations (Rambachan-Roth).
"""
from __future__ import annotations

from hubeval.inference.honest import SensitivityResult, relative_magnitudes, smoothness_bounds
from hubeval.inference.method_panel import InferencePanelResult, inference_panel
from hubeval.inference.multiple_testing import holm, romano_wolf
from hubeval.inference.multiplier import InfluenceBootstrapResult, bootstrap_influence
from hubeval.inference.randomization import (
    RandomizationResult,
    cs_simple_statistic,
    randomization_inference,
    twfe_statistic,
)
from hubeval.inference.regression import RegressionDesign, regression_design
from hubeval.inference.wild import (
    WildBootstrapResult,
    wild_bootstrap_family,
    wild_cluster_bootstrap,
)

__all__ = [
    "wild_cluster_bootstrap", "wild_bootstrap_family", "WildBootstrapResult", "RegressionDesign",
    "regression_design", "bootstrap_influence", "InfluenceBootstrapResult", "holm", "romano_wolf",
    "randomization_inference", "RandomizationResult", "inference_panel", "InferencePanelResult",
    "cs_simple_statistic", "twfe_statistic", "relative_magnitudes", "SensitivityResult",
    "smoothness_bounds",
]
