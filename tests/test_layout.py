"""The package's structure: layers import only downwards, no cycles, no private names across
folders, a pinned public API, and no public name that shadows its own module."""
from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import hubeval

PACKAGE = Path(hubeval.__file__).parent
#: The layers, lowest first: a module may import from its own folder and from folders before it.
LAYERS = ["core", "store", "data", "did", "inference", "design", "synthetic", "cba", "report",
          "pipeline", "batch"]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool):
    """Yield (imported module, imported names) for every import, skipping TYPE_CHECKING blocks."""
    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    yield from visit_one(sub)
                continue
            yield from visit_one(child)

    def visit_one(node):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            yield target, [a.name for a in node.names]
        else:
            yield from visit(node)

    yield from visit(tree)


def _graph():
    edges = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = []
        for target, names in _imports(tree, module, path.name == "__init__.py"):
            if not (target == "hubeval" or target.startswith("hubeval.")):
                continue
            # "from hubeval.report import disclosure" imports the module hubeval.report.disclosure
            modules = [f"{target}.{n}" for n in names if (PACKAGE.parent / f"{target}.{n}".replace(".", "/")).with_suffix(".py").exists()
                       or (PACKAGE.parent / f"{target}.{n}".replace(".", "/") / "__init__.py").exists()]
            found.append((target, names, modules))
        edges[module] = found
    return edges


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


GRAPH = _graph()


def test_every_module_is_in_a_layer():
    loose = [m for m in GRAPH if _layer(m) is None and m not in ("hubeval", "hubeval.__main__")]
    assert loose == [], f"modules outside the layer folders {LAYERS}: {loose}"


def test_layers_import_only_downwards():
    upward = []
    for module, found in GRAPH.items():
        own = _layer(module)
        if own is None:
            continue
        for target, _, _ in found:
            theirs = _layer(target)
            if theirs is None:
                if target == "hubeval":
                    upward.append(f"{module} imports the top-level package")
                continue
            if LAYERS.index(theirs) > LAYERS.index(own):
                upward.append(f"{module} -> {target}")
    assert upward == [], "upward imports:\n" + "\n".join(upward)


def test_no_private_names_across_folders():
    private = []
    for module, found in GRAPH.items():
        own = _layer(module)
        for target, names, _ in found:
            if _layer(target) in (None, own):
                continue
            if any(part.startswith("_") for part in target.split(".")[1:]):
                private.append(f"{module} imports private module {target}")
            for name in names:
                if name.startswith("_") and name != "__version__":
                    private.append(f"{module} imports {target}.{name}")
    assert private == [], "\n".join(private)


def test_no_import_cycles():
    def deps(module):
        out = set()
        for target, _, modules in GRAPH.get(module, []):
            for name in [target, *modules]:
                if name in GRAPH and name != module:
                    out.add(name)
        # importing a submodule runs its parent packages' __init__ first; a package's own
        # __init__ importing its children is not a cycle with them
        return {d for d in out if not module.startswith(d + ".")}

    state, cycles = {}, []

    def walk(node, stack):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(deps(node)):
            if state.get(dep) == "open":
                cycles.append(" -> ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                walk(dep, stack)
        stack.pop()
        state[node] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            walk(module, [])
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_no_public_name_shadows_its_module():
    """``hubeval.did.staggered`` is the module, never a function of the same name re-exported over it."""
    shadowed = []
    for info in pkgutil.walk_packages(hubeval.__path__, "hubeval."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        parent_name, leaf = info.name.rsplit(".", 1)
        parent = importlib.import_module(parent_name)
        if getattr(parent, leaf) is not module:
            shadowed.append(f"{info.name} is {getattr(parent, leaf)!r}, not the module")
    assert shadowed == [], "\n".join(shadowed)


def test_public_api_is_pinned():
    assert sorted(hubeval.__all__) == sorted(PUBLIC_API)
    assert len(hubeval.__all__) == len(set(hubeval.__all__)), "duplicates in hubeval.__all__"
    missing = [name for name in hubeval.__all__ if not hasattr(hubeval, name)]
    assert missing == []


def test_folder_all_lists_only_real_names():
    for layer in LAYERS:
        package = importlib.import_module(f"hubeval.{layer}")
        names = getattr(package, "__all__", None)
        assert names, f"hubeval.{layer} has no __all__"
        assert [n for n in names if not hasattr(package, n)] == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_readable(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, (f"{path.relative_to(PACKAGE)} has {lines} lines; split it by concern "
                                f"(the layout keeps modules under ~400 lines).")


MAX_LINES = 410  # "under ~400 lines"

PUBLIC_API = [
    "ADDITIONALITY_DEFAULTS", "AggregateResult", "BatchComparison", "BatchPlan", "BatchResult",
    "BeforeAfterResult", "CostBenefitResult", "CostBenefitSensitivityResult", "CredibilityResult",
    "DataQualityResult", "DataWarning", "DescriptiveResult", "DisclosureError", "DisclosureResult",
    "EstimationError", "EstimationWarning", "EvaluationResult", "ExampleData", "FAMILIES",
    "GroupTimeResult", "HubevalError", "HubevalWarning", "ImputationResult", "InferencePanelResult",
    "InfluenceBootstrapResult", "LITERATURE_EFFECT", "MatchResult", "MemoResult", "MemoCostBenefitResult",
    "NEVER_TREATED", "OUTCOMES", "OutcomeEvaluationResult", "Panel", "PanelError", "Parameter",
    "ParameterError", "PowerResult", "PretrendResult", "PublishedMemoResult", "RandomizationResult",
    "RegionalResult", "RegressionDesign", "RobustnessResult", "RunSpec", "SENSITIVITY_RANGES",
    "SensitivityResult", "SimulatedPanel", "SpecError", "SynthPlaceboResult", "SynthResult",
    "TIDY_COLUMNS", "TwfeDesign", "TwfeResult", "WildBootstrapResult", "aggregate",
    "assert_publishable", "assess_credibility", "att_gt", "balance_summary", "balance_table",
    "before_after", "bootstrap_influence", "build_memo", "cba_sensitivity", "cba_table",
    "check_estimates", "check_result", "codebook", "collect_store", "compare_batches", "catalog", "write_store", "cost_benefit",
    "cs_simple_statistic", "derive_outcomes", "describe_cba", "describe_cohorts",
    "evaluate_outcome", "evaluate_outcomes", "evaluate_regional", "event_study_covariances",
    "figure_theme", "format_krw",
    "holm", "imputation", "inference_panel", "label", "latest_batch", "load_batch_results",
    "load_cities", "load_example", "load_panel", "match", "mde", "mde_from_panel",
    "memo_cost_benefit", "outcome_family", "participant_baseline", "percent_effect",
    "placebo_entry", "placebo_outcomes", "plan_batch", "plot_balance", "plot_balance_memo",
    "plot_cba_panel", "plot_cba_summary", "plot_comparison", "plot_estimators", "plot_event_grid",
    "plot_event_study", "plot_group_time", "plot_headline", "plot_headline_levels", "plot_regional",
    "plot_regional_grid", "plot_sensitivity", "plot_synth_gaps", "plot_synth_trajectory",
    "plot_synth_weights", "plot_tornado", "pretrend_test", "project_path", "project_root",
    "protect_table", "public",
    "publish_memo", "ramp_effect", "randomization_inference", "read_parameters", "read_provenance",
    "read_table", "real_costs", "record", "restrict_sample", "record_outcome_results", "regression_design", "relative_magnitudes",
    "report_folder", "romano_wolf", "run_batch", "save_figure", "save_table", "save_tables",
    "set_theme", "WorkbookSheet",
    "simulate_panel", "simulate_program", "smoothness_bounds", "subgroup_effects", "synth", "synth_placebo", "twfe",
    "twfe_design", "twfe_statistic", "validate_params", "wild_bootstrap_family",
    "wild_cluster_bootstrap", "write_example_data", "set_threads", "thread_policy",
    "SpecificationCurveResult", "specification_curve", "plot_specification_curve",
    "publish_specification_curve",
]
