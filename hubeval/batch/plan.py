"""Parameter files and batch files: turn YAML into a checked plan of notebook runs.

Files (paths inside them are relative to the project root, the nearest folder above the file
that holds ``pyproject.toml``, ``.git`` or a ``params/`` folder; notebooks run with that folder
as their working directory):

``params/<notebook>.yaml``
    A flat mapping of one notebook's parameter values (its defaults for the example data).
    Used automatically for every run of ``notebooks/<notebook>.ipynb`` unless the run names
    another file (``params_file:`` in a batch, ``-f`` on the command line).

``params/batches/<batch>.yaml``::

    name: main                      # optional; default: the file name
    timeout: 600                    # optional; seconds per run (the CLI's --timeout wins)
    defaults:                       # values for every run whose notebook declares the name
      data_path: data/example/panel.csv
      n_boot: 199
    runs:
      - notebook: notebooks/10_outcomes.ipynb
        params: {method: dr}        # this run's values
        grid:                       # one run per combination (cartesian product), named
          family: [productivity, costs]     # <notebook>-<value>-...: 10_outcomes-costs-never_treated
          control: [never_treated, not_yet_treated]
      - notebook: notebooks/90_policy_memo.ipynb
        stage: 2                    # runs after every stage-1 run; gets `results_dir`

Precedence, lowest first: the notebook's own defaults, the notebook's params file, the batch
``defaults``, the run's ``params``, its ``grid`` values, then ``-p`` values from the command
line. Batch ``defaults`` and ``-p`` values apply only to notebooks declaring the name (a name no
notebook declares is an error, which catches typos); everything else is checked strictly.

The runner fills in ``output_dir`` (each run's own folder; never set it yourself) and, for runs
after the first stage whose notebook declares ``results_dir``, the batch folder holding the
results store collected so far.
"""
from __future__ import annotations

import difflib
import itertools
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubeval.batch.files import display_path, find_root, read_mapping, safe_name
from hubeval.batch.params import (
    Parameter,
    check_params,
    format_problems,
    read_parameters,
)
from hubeval.core.errors import HubevalWarning, ParameterError, format_examples

__all__ = ["RunSpec", "BatchPlan", "load_batch", "plan_notebook", "find_root",
           "OUTPUT_PARAM", "RESULTS_PARAM"]

OUTPUT_PARAM = "output_dir"
RESULTS_PARAM = "results_dir"
_BATCH_KEYS = {"name", "description", "timeout", "defaults", "runs", "params_dir"}
_RUN_KEYS = {"notebook", "id", "params", "grid", "stage", "timeout", "params_file"}


@dataclass(frozen=True)
class RunSpec:
    """One notebook run of a plan.

    Attributes
    ----------
    id : str
        Unique within the batch; also the name of the run's folder.
    notebook : Path
        Absolute path of the source notebook.
    params : dict
        The values set for this run (checked and converted), without runner-filled names.
    stage : int
        Runs of a stage start only after every run of earlier stages finished.
    timeout : float or None
        Seconds the run may take (kernel start included); None for no limit.
    sources : tuple of str
        Where the values came from, for the plan display and the manifest.
    declared : dict of str to Parameter
        The notebook's declared parameters.
    """

    id: str
    notebook: Path
    params: dict
    stage: int = 1
    timeout: float | None = None
    sources: tuple = ()
    declared: dict = field(default_factory=dict, repr=False, compare=False)

    def effective_params(self) -> dict:
        """Every declared parameter's value for this run: notebook defaults, then ``params``."""
        out = {name: p.default for name, p in self.declared.items()}
        out.update(self.params)
        return out


@dataclass(frozen=True)
class BatchPlan:
    """A checked list of runs, ready for :func:`hubeval.run_batch`.

    Attributes
    ----------
    name : str
        Batch name; outputs go to ``runs/<name>/<timestamp>-<id>/``.
    root : Path
        Project root: notebooks run there, relative paths resolve against it.
    source : Path
        The batch file or the single notebook the plan came from.
    runs : tuple of RunSpec
        In stage order, then file order.
    timeout : float or None
        The batch-level per-run time limit.
    """

    name: str
    root: Path
    source: Path
    runs: tuple
    timeout: float | None = None
    description: str = ""

    @property
    def stages(self) -> list[int]:
        """The distinct stages, in execution order."""
        return sorted({run.stage for run in self.runs})

    def format(self) -> str:
        """The plan as text: what ``hubeval run --dry-run`` prints."""
        n_stages = len(self.stages)
        source = display_path(self.source, self.root)
        lines = [f"batch `{self.name}` from {source}: {len(self.runs)} "
                 f"run{'s' if len(self.runs) != 1 else ''} in {n_stages} "
                 f"stage{'s' if n_stages != 1 else ''} (working directory {self.root})"]
        first = self.stages[0] if self.stages else None
        for stage in self.stages:
            lines.append(f"stage {stage}:")
            for run in (r for r in self.runs if r.stage == stage):
                limit = f", timeout {run.timeout:g} s" if run.timeout else ""
                lines.append(f"  {run.id}  [{display_path(run.notebook, self.root)}{limit}]")
                shown = dict(run.params)
                if stage != first and RESULTS_PARAM in run.declared and RESULTS_PARAM not in shown:
                    shown[RESULTS_PARAM] = "<this batch's folder>"
                for name, value in shown.items():
                    lines.append(f"      {name} = {value!r}")
                if run.sources:
                    lines.append(f"      (from {', '.join(run.sources)})")
        return "\n".join(lines)


def _slug(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "+".join(_slug(v) for v in value) or "none"
    text = re.sub(r"[^A-Za-z0-9_.=+-]+", "_", str(value)).strip("_.")
    return text[:40] or "x"


def _grid(grid: Any, problems: list[str]) -> list[dict]:
    """Expand ``{name: [values]}`` into the list of combinations (cartesian product)."""
    if grid is None:
        return [{}]
    if not isinstance(grid, dict) or not grid:
        problems.append(f"`grid` must map parameter names to lists of values, got "
                        f"{grid!r}.")
        return [{}]
    bad = [name for name, values in grid.items() if not isinstance(values, list) or not values]
    if bad:
        problems.append(f"grid values must be non-empty lists; not a list: "
                        f"{format_examples(bad)} (write e.g. `outcome: [a, b]`).")
        return [{}]
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]


def _setting(entry: dict, key: str, default, problems: list[str], *, integer: bool = False):
    """A run's `timeout` (positive seconds or null) or `stage` (a whole number)."""
    value = entry.get(key, default)
    if value is None and not integer:
        return None
    kinds = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or (not integer and value <= 0):
        what = "a whole number" if integer else "a positive number of seconds or null"
        problems.append(f"`{key}` must be {what}, got {value!r}.")
        return 1 if integer else None
    return value


def _unique_ids(ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for run_id in ids:
        seen[run_id] = seen.get(run_id, 0) + 1
        out.append(run_id if seen[run_id] == 1 else f"{run_id}-{seen[run_id]}")
    return out


@dataclass
class _Draft:
    id: str
    notebook: Path
    declared: dict[str, Parameter]
    values: dict
    stage: int
    timeout: float | None
    sources: list[str]


def _notebook_file_params(notebook: Path, params_file: Path | None, params_dir: Path,
                          sources: list[str], root: Path) -> dict:
    if params_file is None:
        params_file = params_dir / f"{notebook.stem}.yaml"
        if not params_file.exists():
            return {}
    sources.append(display_path(params_file, root))
    return read_mapping(params_file, "Params file")


def _draft_runs(entry: Any, index: int, ctx: dict, problems: dict) -> list[_Draft]:
    where = f"run {index + 1} of `{ctx['source'].name}`"
    local: list[str] = []
    if not isinstance(entry, dict) or "notebook" not in entry:
        problems.setdefault(where, []).append(
            f"each entry of `runs` needs `notebook: path/to/notebook.ipynb`, got {entry!r}.")
        return []
    unknown = sorted(set(entry) - _RUN_KEYS)
    if unknown:
        local.append(f"unknown key(s) {format_examples(unknown)}; a run takes "
                     f"{', '.join(sorted(_RUN_KEYS))}.")
    root = ctx["root"]
    notebook = (root / entry["notebook"]).resolve()
    try:
        declared = read_parameters(notebook)
    except (ParameterError, FileNotFoundError) as exc:
        text = str(exc) if isinstance(exc, ParameterError) else (
            f"notebook `{entry['notebook']}` does not exist (paths are relative to {root}).")
        problems.setdefault(where, []).append(text)
        return []
    sources: list[str] = []
    params_file = (root / entry["params_file"]) if entry.get("params_file") else None
    base = _notebook_file_params(notebook, params_file, ctx["params_dir"], sources, root)
    base.update({k: v for k, v in ctx["defaults"].items() if k in declared})
    run_params = entry.get("params") or {}
    if not isinstance(run_params, dict):
        local.append(f"`params` must be a mapping, got {run_params!r}.")
        run_params = {}
    base.update(run_params)
    combos = _grid(entry.get("grid"), local)
    clash = sorted(set(run_params) & set(entry.get("grid") or {}))
    if clash:
        local.append(f"{format_examples(clash)} set in both `params` and `grid`; keep one.")
    timeout = _setting(entry, "timeout", ctx["timeout"], local)
    stage = _setting(entry, "stage", 1, local, integer=True)
    if local:
        problems.setdefault(where, []).extend(local)
    stem = _slug(entry.get("id") or notebook.stem)  # it names a folder
    drafts = []
    for combo in combos:
        run_id = "-".join([stem] + [_slug(v) for v in combo.values()])
        values = {**base, **combo, **{k: v for k, v in ctx["overrides"].items() if k in declared}}
        drafts.append(_Draft(run_id, notebook, declared, values, stage, timeout, sources))
    return drafts


def _finish(drafts: list[_Draft], problems: dict, *, root: Path, header: str) -> list[RunSpec]:
    """Check every run's values against its notebook; raise one error listing all problems."""
    ids = _unique_ids([d.id for d in drafts])
    first_stage = min((d.stage for d in drafts), default=1)
    runs = []
    for run_id, draft in zip(ids, drafts):
        provided = (OUTPUT_PARAM,) + ((RESULTS_PARAM,) if draft.stage != first_stage else ())
        values, found = check_params(draft.declared, draft.values, provided=provided)
        if OUTPUT_PARAM in draft.values:
            found.append(f"`{OUTPUT_PARAM}` is set by the batch runner (each run writes to its "
                         "own folder under runs/); remove it from the parameters.")
        if found:
            where = f"run `{run_id}` ({display_path(draft.notebook, root)})"
            problems.setdefault(where, []).extend(found)
        runs.append(RunSpec(id=run_id, notebook=draft.notebook, params=values, stage=draft.stage,
                            timeout=draft.timeout, sources=tuple(draft.sources),
                            declared=draft.declared))
    if problems:
        raise ParameterError(format_problems(problems, header=header))
    return sorted(runs, key=lambda r: r.stage)  # stable: file order within a stage


def _unused(names: dict, drafts: list[_Draft], what: str) -> list[str]:
    declared = set().union(*(d.declared for d in drafts)) if drafts else set()
    unused = [name for name in names if name not in declared]
    if not unused:
        return []
    close = [m for n in unused for m in difflib.get_close_matches(n, sorted(declared), n=1)]
    maybe = f" (did you mean {format_examples(f'`{m}`' for m in close)}?)" if close else ""
    return [f"{what} {format_examples(f'`{n}`' for n in unused)} not declared by any notebook "
            f"of the batch{maybe}; the notebooks declare: {', '.join(sorted(declared))}."]


def _batch_name(given: Any, source: Path) -> str:
    """The batch's folder name under runs/: ``given`` (or the file's stem) made safe."""
    raw = source.stem if given is None or given == "" else given
    name = safe_name(raw, "batch `name`")
    if name != str(raw):
        warnings.warn(f"batch `name` {raw!r} is not a plain folder name; its folder is "
                      f"runs/{name}/ (letters, digits, '_', '.', '+', '=' and '-' only).",
                      HubevalWarning, stacklevel=3)
    return name


def load_batch(path: str | Path, *, params: dict | None = None,
               timeout: float | None = None) -> BatchPlan:
    """Read and check a batch file (``params/batches/*.yaml``); see the module docstring.

    Parameters
    ----------
    path : str or Path
        The batch YAML file.
    params : dict, optional
        Command-line values (``-p``), applied to every run whose notebook declares the name.
    timeout : float, optional
        Per-run time limit overriding the file's ``timeout`` (a run's own ``timeout`` wins).

    Returns
    -------
    BatchPlan

    Raises
    ------
    ParameterError
        Listing every problem of every run: file structure, unknown names, missing required
        values, type mismatches.
    """
    source = Path(path).resolve()
    data = read_mapping(source, "Batch file")
    root = find_root(source)
    problems: dict[str, list[str]] = {}
    top = []
    unknown = sorted(set(data) - _BATCH_KEYS)
    if unknown:
        top.append(f"unknown key(s) {format_examples(unknown)}; a batch file takes "
                   f"{', '.join(sorted(_BATCH_KEYS))}.")
    runs = data.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ParameterError(f"Batch file `{source}` needs a non-empty `runs:` list, each entry "
                             "with `notebook: path`; got " + repr(runs) + ".")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        top.append(f"`defaults` must be a mapping of parameter values, got {defaults!r}.")
        defaults = {}
    ctx = {"source": source, "root": root, "defaults": defaults, "overrides": dict(params or {}),
           "params_dir": root / data.get("params_dir", "params"),
           "timeout": timeout if timeout is not None else data.get("timeout")}
    drafts = [d for i, entry in enumerate(runs) for d in _draft_runs(entry, i, ctx, problems)]
    top += _unused(defaults, drafts, "`defaults` name(s)")
    top += _unused(ctx["overrides"], drafts, "-p name(s)")
    if top:
        problems = {f"batch file `{source.name}`": top, **problems}
    specs = _finish(drafts, problems, root=root,
                    header=f"Batch `{source.name}` does not fit its notebooks")
    return BatchPlan(name=_batch_name(data.get("name"), source), root=root, source=source,
                     runs=tuple(specs), timeout=ctx["timeout"],
                     description=str(data.get("description") or ""))


def plan_notebook(notebook: str | Path, *, params_file: str | Path | None = None,
                  params: dict | None = None, timeout: float | None = None) -> BatchPlan:
    """A one-run plan for ``notebook`` (what ``hubeval run NOTEBOOK -f PARAMS.yaml`` runs).

    Values come from ``params_file`` (default: ``params/<notebook>.yaml`` when it exists),
    then ``params``; every name is checked strictly against the notebook.

    Raises
    ------
    ParameterError
        Listing every problem.
    """
    path = Path(notebook).resolve()
    if not path.exists():
        raise ParameterError(f"Notebook `{notebook}` does not exist; check the path.")
    root = find_root(path)
    declared = read_parameters(path)
    sources: list[str] = []
    file_path = Path(params_file).resolve() if params_file is not None else None
    values = _notebook_file_params(path, file_path, root / "params", sources, root)
    values.update(params or {})
    if params:
        sources.append("-p")
    draft = _Draft(path.stem, path, declared, values, 1, timeout, sources)
    specs = _finish([draft], {}, root=root, header=f"Parameters do not fit `{path.name}`")
    return BatchPlan(name=_batch_name(None, path), root=root, source=path, runs=tuple(specs),
                     timeout=timeout)
