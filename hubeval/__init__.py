"""hubeval: evaluation toolkit for regional SME support programs.

Pipeline: data -> estimate -> aggregate -> present::

    import hubeval as hb
    panel = hb.Panel(df, unit="firm_id", time="year", cohort="cohort")
    gt = hb.att_gt(panel, outcome="log_va_per_worker", control="not_yet_treated")
    es = hb.aggregate(gt, by="event_time")
    ax = hb.plot_event_study(es)

Each section below is owned by one module; add a module's public names in its own section.
"""
from __future__ import annotations

__version__ = "0.1.0"

# --- errors and results ---------------------------------------------------------------------
from .errors import (  # noqa: F401
    DataWarning, DisclosureError, EstimationError, EstimationWarning, HubevalError,
    HubevalWarning, PanelError, ParameterError, SpecError,
)
from .results import TIDY_COLUMNS, percent_effect  # noqa: F401

# --- panel, outcomes, simulate (issue 2) ----------------------------------------------------
from .io import read_table  # noqa: F401
from .panel import NEVER_TREATED, DataQualityReport, Panel  # noqa: F401
from .simulate import SimulatedPanel, ramp_effect, simulate_panel  # noqa: F401
from .outcomes import FAMILIES, OUTCOMES, codebook, derive_outcomes, outcome_family  # noqa: F401
from .example import ExampleData, load_example, simulate_program, write_example_data  # noqa: F401
from .workflow import (  # noqa: F401
    BatchResults, DescriptiveResult, balance_summary, describe_cohorts, load_batch_results, load_cities, load_panel,
    report_folder,
)

# --- firm-level estimators: did.py, staggered.py, imputation (issue 3) ----------------------
from .did import BeforeAfterResult, TwfeDesign, TwfeResult, before_after, twfe, twfe_design  # noqa: F401
from .imputation import ImputationResult, imputation  # noqa: F401
from .staggered import GroupTimeResult, att_gt  # noqa: F401
from .aggregate import AggregateResult, PretrendResult, aggregate, pretrend_test  # noqa: F401
from .evaluate import EvaluationResult, OutcomeEvaluation, evaluate_outcome, evaluate_outcomes  # noqa: F401

# --- inference, matching, power (issue 5) ---------------------------------------------------
from .matching import MatchResult, balance_table, match  # noqa: F401
from .inference import (  # noqa: F401
    InfluenceBootstrapResult, RegressionDesign, WildBootstrapResult, bootstrap_influence, holm,
    regression_design, romano_wolf, wild_bootstrap_family, wild_cluster_bootstrap,
)
from .power import LITERATURE_EFFECT, PowerResult, mde, mde_from_panel  # noqa: F401
from .ri import (  # noqa: F401
    InferencePanelResult, RandomizationResult, cs_simple_statistic, inference_panel,
    randomization_inference, twfe_statistic,
)
from .sensitivity import (  # noqa: F401
    RobustnessResult, SensitivityResult, placebo_entry, placebo_outcomes, relative_magnitudes,
    subgroup_effects,
)

from .credibility import CredibilityResult, assess_credibility  # noqa: F401

# --- synthetic control (issue 6) ------------------------------------------------------------
from .synth import SynthResult, synth  # noqa: F401
from .synth_inference import SynthPlaceboResult, synth_placebo  # noqa: F401
from .regional import RegionalEvaluation, evaluate_regional  # noqa: F401

# --- cost-benefit, disclosure, figures (issue 7) --------------------------------------------
from . import disclosure, figures  # noqa: F401  (hb.disclosure.public, hb.figures.label, ...)
from .cba import (  # noqa: F401
    ADDITIONALITY_DEFAULTS, SENSITIVITY_RANGES, CostBenefitResult, CostBenefitSensitivityResult,
    cba_sensitivity, cba_table, cost_benefit, describe_cba, format_krw, participant_baseline,
    real_costs,
)
from .disclosure import (  # noqa: F401
    DisclosureResult, assert_publishable, check_estimates, check_result, protect_table, save_table,
)
from .figures import figure_theme, label, save_figure, set_theme  # noqa: F401
from .memo import Memo, MemoCostBenefit, build_memo, memo_cost_benefit  # noqa: F401
from .memo_render import PublishedMemo, publish_memo  # noqa: F401

# --- batch runner and records (issue 4) -----------------------------------------------------
from .batch import BatchResult, latest_batch, plan_batch, run_batch  # noqa: F401
from .params import Parameter, read_parameters, validate_params  # noqa: F401
from .plan import BatchPlan, RunSpec  # noqa: F401
from .record import collect_records, record  # noqa: F401

# --- plots ----------------------------------------------------------------------------------
from .plots.sensitivity import plot_sensitivity  # noqa: F401
from .plots.balance import plot_balance  # noqa: F401
from .plots.cba import plot_cba_summary, plot_tornado  # noqa: F401
from .plots.event import plot_comparison, plot_event_study, plot_group_time  # noqa: F401
from .plots.memo import (  # noqa: F401
    plot_balance_memo, plot_cba_panel, plot_estimators, plot_event_grid, plot_headline,
    plot_headline_levels, plot_regional, plot_regional_grid,
)
from .plots.synth import plot_synth_gaps, plot_synth_trajectory, plot_synth_weights  # noqa: F401
