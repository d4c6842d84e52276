"""hubeval: evaluation toolkit for regional SME support programs.

Pipeline: data -> estimate -> aggregate -> present::

    import hubeval as hb
    panel = hb.Panel(df, unit="firm_id", time="year", cohort="cohort")
    gt = hb.att_gt(panel, outcome="log_va_per_worker", control="not_yet_treated")
    es = hb.aggregate(gt, by="event_time")
    ax = hb.plot_event_study(es)

The package's folders are its layers, each importing only from the ones before it (a test checks
this): ``core`` -> ``store`` -> ``data`` -> ``did`` -> ``inference`` -> ``design`` ->
``synthetic`` -> ``cba`` -> ``report`` -> ``pipeline`` -> ``batch``. This module re-exports each
folder's public face; ``__all__`` is pinned by a test.

Names are imported on first use (PEP 562), so ``import hubeval`` and the ``hubeval`` command
start without loading pandas, statsmodels or matplotlib; ``__all__`` lists the same names.
"""
from __future__ import annotations

from hubeval.core.lazy import lazy_exports
from hubeval.core.threads import apply_thread_policy as _apply_thread_policy
from hubeval.core.threads import set_threads, thread_policy
from hubeval.core.version import __version__ as __version__

_apply_thread_policy()  # one thread policy for every entry point (hubeval.core.threads)

#: Where each public name lives: the folder (layer) that defines it.
_EXPORTS = {
    "hubeval.batch": (
        "BatchPlan", "Parameter", "RunSpec", "latest_batch", "plan_batch", "read_parameters",
        "run_batch", "validate_params",
    ),
    "hubeval.cba": (
        "ADDITIONALITY_DEFAULTS", "SENSITIVITY_RANGES", "CostBenefitResult",
        "CostBenefitSensitivityResult", "cba_sensitivity", "cost_benefit", "participant_baseline",
        "real_costs",
    ),
    "hubeval.core": (
        "TIDY_COLUMNS", "DataWarning", "DisclosureError", "EstimationError", "EstimationWarning",
        "HubevalError", "HubevalWarning", "PanelError", "ParameterError", "SpecError",
        "percent_effect", "project_path", "project_root",
    ),
    "hubeval.data": (
        "FAMILIES", "NEVER_TREATED", "OUTCOMES", "DataQualityResult", "ExampleData", "Panel",
        "SimulatedPanel", "codebook", "derive_outcomes", "load_example", "outcome_family",
        "ramp_effect", "read_table", "restrict_sample", "simulate_panel", "simulate_program",
        "write_example_data",
    ),
    "hubeval.design": (
        "LITERATURE_EFFECT", "MatchResult", "PowerResult", "RobustnessResult", "balance_table",
        "match", "mde", "mde_from_panel", "placebo_entry", "placebo_outcomes", "subgroup_effects",
    ),
    "hubeval.did": (
        "AggregateResult", "BeforeAfterResult", "GroupTimeResult", "ImputationResult",
        "PretrendResult", "TwfeDesign", "TwfeResult", "aggregate", "att_gt", "before_after",
        "imputation", "pretrend_test", "twfe", "twfe_design",
    ),
    "hubeval.inference": (
        "InferencePanelResult", "InfluenceBootstrapResult", "RandomizationResult",
        "RegressionDesign", "SensitivityResult", "WildBootstrapResult", "bootstrap_influence",
        "cs_simple_statistic", "holm", "inference_panel", "randomization_inference",
        "regression_design", "relative_magnitudes", "romano_wolf", "smoothness_bounds",
        "twfe_statistic", "wild_bootstrap_family", "wild_cluster_bootstrap",
    ),
    "hubeval.pipeline": (
        "CredibilityResult", "DescriptiveResult", "EvaluationResult", "OutcomeEvaluationResult",
        "RegionalResult", "assess_credibility", "balance_summary", "describe_cohorts",
        "evaluate_outcome", "evaluate_outcomes", "evaluate_regional", "event_study_covariances",
        "load_cities", "load_panel", "record_outcome_results",
    ),
    "hubeval.report": (
        "DisclosureResult", "assert_publishable", "cba_table", "check_estimates", "check_result",
        "describe_cba", "figure_theme", "format_krw", "label", "protect_table", "public",
        "report_folder", "save_figure", "save_table", "save_tables", "set_theme", "WorkbookSheet",
        "SpecificationCurveResult", "specification_curve",
    ),
    "hubeval.report.memo": (
        "MemoCostBenefitResult", "MemoResult", "PublishedMemoResult", "build_memo",
        "memo_cost_benefit", "publish_memo",
    ),
    "hubeval.report.plots": (
        "plot_balance", "plot_balance_memo", "plot_cba_panel", "plot_cba_summary",
        "plot_comparison", "plot_estimators", "plot_event_grid", "plot_event_study",
        "plot_group_time", "plot_headline", "plot_headline_levels", "plot_regional",
        "plot_regional_grid", "plot_sensitivity", "plot_synth_gaps", "plot_synth_trajectory",
        "plot_synth_weights", "plot_tornado",
        "plot_specification_curve", "publish_specification_curve",
    ),
    "hubeval.store": (
        "BatchComparison", "BatchResult", "catalog", "collect_store", "compare_batches",
        "load_batch_results", "read_provenance", "record", "write_store",
    ),
    "hubeval.synthetic": (
        "SynthPlaceboResult", "SynthResult", "synth", "synth_placebo",
    ),
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "DataWarning", "DisclosureError", "EstimationError", "EstimationWarning", "HubevalError",
    "HubevalWarning", "PanelError", "ParameterError", "SpecError", "TIDY_COLUMNS",
    "percent_effect", "record", "collect_store", "write_store", "catalog", "load_batch_results",
    "BatchResult", "compare_batches", "BatchComparison",
    "read_provenance", "read_table", "Panel", "DataQualityResult", "NEVER_TREATED",
    "derive_outcomes", "codebook", "outcome_family", "OUTCOMES", "FAMILIES", "simulate_panel",
    "SimulatedPanel", "ramp_effect", "simulate_program", "write_example_data", "load_example",
    "ExampleData", "before_after", "BeforeAfterResult", "twfe", "twfe_design", "TwfeResult",
    "TwfeDesign", "imputation", "ImputationResult", "att_gt", "GroupTimeResult", "aggregate",
    "AggregateResult", "pretrend_test", "PretrendResult", "wild_cluster_bootstrap",
    "wild_bootstrap_family", "WildBootstrapResult", "RegressionDesign", "regression_design",
    "bootstrap_influence", "InfluenceBootstrapResult", "holm", "romano_wolf",
    "randomization_inference", "RandomizationResult", "inference_panel", "InferencePanelResult",
    "cs_simple_statistic", "twfe_statistic", "relative_magnitudes", "smoothness_bounds",
    "SensitivityResult", "match",
    "balance_table", "MatchResult", "mde", "mde_from_panel", "PowerResult", "LITERATURE_EFFECT",
    "placebo_entry", "placebo_outcomes", "subgroup_effects", "RobustnessResult", "synth",
    "SynthResult", "synth_placebo", "SynthPlaceboResult", "real_costs", "participant_baseline",
    "ADDITIONALITY_DEFAULTS", "SENSITIVITY_RANGES", "cost_benefit", "CostBenefitResult",
    "cba_sensitivity", "CostBenefitSensitivityResult", "cba_table", "describe_cba", "format_krw",
    "DisclosureResult", "assert_publishable", "check_estimates", "check_result", "protect_table",
    "public", "report_folder", "save_table", "save_tables", "WorkbookSheet", "figure_theme", "label", "save_figure", "set_theme",
    "plot_balance", "plot_cba_summary", "plot_tornado", "plot_comparison", "plot_event_study",
    "plot_group_time", "plot_balance_memo", "plot_cba_panel", "plot_estimators", "plot_event_grid",
    "plot_headline", "plot_headline_levels", "plot_regional", "plot_regional_grid",
    "plot_sensitivity", "plot_synth_gaps", "plot_synth_trajectory", "plot_synth_weights", "MemoResult",
    "MemoCostBenefitResult", "build_memo", "memo_cost_benefit", "PublishedMemoResult", "publish_memo",
    "load_panel", "load_cities", "describe_cohorts", "balance_summary", "DescriptiveResult",
    "evaluate_outcome", "evaluate_outcomes", "OutcomeEvaluationResult", "EvaluationResult",
    "assess_credibility", "CredibilityResult", "evaluate_regional", "RegionalResult",
    "record_outcome_results", "event_study_covariances",
    "Parameter", "read_parameters", "validate_params", "BatchPlan", "RunSpec", "run_batch",
    "plan_batch", "latest_batch", "project_root", "project_path", "restrict_sample",
    "set_threads", "thread_policy",
    "SpecificationCurveResult", "specification_curve", "plot_specification_curve",
    "publish_specification_curve",
]
