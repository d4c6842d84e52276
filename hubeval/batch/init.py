"""``hubeval init``: the guided start of an evaluation on the user's own firm file.

:func:`init_evaluation` reads the file once, detects how it is written (encoding, delimiter,
header row, unit row, number format, yes/no columns), proposes a column mapping from
:data:`hubeval.data.headers.HEADERS`, loads it as a panel with those settings to find what
outcome families it supports, and writes two files, never overwriting one:

``params/NAME.yaml``
    How to read the data (the data parameters every notebook declares): what ``hubeval check``
    and each run of the batch use.
``params/batches/NAME.yaml``
    The full evaluation: the data check, one outcome run per family the data supports, the
    regional synthetic control and the cost-benefit analysis when their inputs are given, and
    the memo in both languages.
"""
from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

from hubeval.batch.files import find_root
from hubeval.core.errors import HubevalError, ParameterError

__all__ = ["InitResult", "init_evaluation"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_COVARIATES = ("posco_supplier", "metal")
_DESCRIBE = ("employment", "va_per_worker", "cost_ratio", "investment_rate")


@dataclasses.dataclass(frozen=True)
class InitResult:
    """What ``hubeval init`` detected, wrote and left to decide.

    Attributes
    ----------
    detected : list of str
        One line per finding (encoding, delimiter, header row, units, conversions, mapping).
    decide : list of str
        What the user must still decide or check.
    written : list of Path
        The params file and the batch file.
    settings : dict
        The data parameters written to ``params/NAME.yaml``.
    families : list of str
        Outcome families the data supports.
    """

    detected: list
    decide: list
    written: list
    settings: dict
    families: list

    def format(self) -> str:
        """The text ``hubeval init`` prints."""
        lines = ["Detected:"] + [f"  {line}" for line in self.detected]
        lines += ["Wrote:"] + [f"  {path}" for path in self.written]
        lines += ["Still to decide (edit the files above):"] + [f"  - {d}" for d in self.decide or ["nothing"]]
        name = self.written[0].stem
        lines += ["Next:", f"  hubeval check params/{name}.yaml",
                  f"  hubeval run params/batches/{name}.yaml"]
        return "\n".join(lines)


def init_evaluation(data_file, *, name: str, price_index=None, base_year: int | None = None,
                    costs=None, cities=None, money_unit=None, root=None) -> InitResult:
    """Detect a firm file's layout and write ``params/NAME.yaml`` and ``params/batches/NAME.yaml``.

    Parameters
    ----------
    data_file : path
        The firm-year table (CSV in UTF-8/CP949/EUC-KR, Excel, Parquet).
    name : str
        Name of the evaluation: a letter, then letters, digits, ``_`` or ``-``.
    price_index, base_year
        Deflator CSV and base year (default: nominal money).
    costs, cities : path, optional
        Program cost ledger and city panel; the cost-benefit and regional runs need them.
    money_unit : str, optional
        Unit to convert every money column to (default: the unit row's).
    root : path, optional
        Project folder holding ``params/`` (default: found from the current folder).

    Returns
    -------
    InitResult

    Raises
    ------
    ParameterError
        An unsafe name or a file that exists already.
    PanelError
        A file that cannot be read as a table.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(f"`--name` must start with a letter and hold only letters, digits, `_` and "
                             f"`-` (at most 64), as it names files under params/; got {name!r}.")
    root = Path(root).resolve() if root else find_root(Path.cwd())
    targets = [root / "params" / f"{name}.yaml", root / "params" / "batches" / f"{name}.yaml"]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise ParameterError(f"{' and '.join(f'`{e}`' for e in existing)} exist(s) already; `hubeval "
                             "init` never overwrites a file. Choose another `--name`, or delete or "
                             "rename the file(s) first.")
    layout = _inspect(Path(data_file), root, money_unit)
    found = _try_panel(layout, price_index, base_year)
    settings = _data_settings(layout, root, price_index, base_year)
    batch = _batch_settings(name, layout, found, costs, cities, root)
    from hubeval.batch.init_files import write_batch_file, write_params_file

    targets[1].parent.mkdir(parents=True, exist_ok=True)
    write_params_file(targets[0], settings, layout)
    write_batch_file(targets[1], name, batch, f"params/{name}.yaml")
    decide = layout["decide"] + found["decide"] + batch["decide"]
    return InitResult(layout["detected"] + found["detected"], decide, targets, settings,
                      found["families"])


def _relative(path, root: Path) -> str:
    path = Path(path).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _inspect(path: Path, root: Path, money_unit) -> dict:
    from hubeval.data.inspect import inspect_table

    layout = inspect_table(path, money_unit=money_unit)
    layout["data_path"] = _relative(path, root)
    return layout


def _try_panel(layout: dict, price_index, base_year) -> dict:
    """Load the data as the batch will; families supported, or the error to fix."""
    from hubeval.data.outcomes import FAMILIES
    from hubeval.pipeline.loaders import load_panel

    out = {"detected": [], "decide": [], "families": [], "outcomes": [], "columns": []}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            panel = load_panel(layout["data_path_abs"], price_index=price_index, base_year=base_year,
                               **layout["load"])
    except HubevalError as exc:
        out["decide"].append(f"the data do not load yet with these settings: {exc}")
        return out
    out["detected"].append(f"panel: {panel!r}")
    out["outcomes"] = list(panel.outcomes)
    out["columns"] = list(panel.data.columns)
    out["families"] = [f for f, names in FAMILIES.items() if f != "survival" and names[0] in panel.outcomes]
    return out


def _data_settings(layout: dict, root: Path, price_index, base_year) -> dict:
    settings = {"data_path": layout["data_path"], **layout["load"]}
    settings["price_index"] = _relative(price_index, root) if price_index else None
    settings["base_year"] = base_year if price_index else None
    if not price_index:
        layout["decide"].append("the deflator: money stays nominal without `price_index` (a CSV with "
                                "`year` and an index column, e.g. the producer price index) and "
                                "`base_year`")
    return settings


def _batch_settings(name, layout, found, costs, cities, root) -> dict:
    columns = set(found["columns"])
    covariates = [c for c in _COVARIATES if c in columns]
    families = found["families"] or ["productivity", "costs", "investment", "jobs"]
    decide = [f"`covariates` (baseline characteristics behind selection into the program); proposed: "
              f"{covariates or 'none'}",
              "`anticipation: 1` assumes firms join after a bad year (set 0 if entry is not "
              "anticipated; check the event study's pre-entry years)"]
    if not found["families"]:
        decide.append("which outcome families to run (none could be derived yet)")
    if not costs:
        decide.append("the cost-benefit analysis needs a cost ledger: add `costs_path` to the memo "
                      "run (see data/example/program_costs.csv)")
    if cities:
        decide.append("the regional run's `treated_unit`, `treatment_time` and `outcomes` in the batch")
    balance = covariates + (["employment"] if "employment" in columns else [])
    outcome = "log_va_per_worker" if "log_va_per_worker" in found["outcomes"] else \
        (found["outcomes"][0] if found["outcomes"] else "log_va_per_worker")
    return {"covariates": covariates, "families": families, "decide": decide,
            "describe": [c for c in _DESCRIBE if c in found["outcomes"] or c in columns] + covariates,
            "balance_covariates": balance or ["employment"], "balance_outcome": outcome,
            "costs": _relative(costs, root) if costs else None,
            "cities": _relative(cities, root) if cities else None}
