"""Notebook parameters: read the ``parameters`` cell, check a run's values against it.

A hubeval notebook declares its parameters in its first code cell, tagged ``parameters``
(papermill's convention), one typed default and a comment per line::

    data_path: str = "data/example/panel.csv"  # panel file (CSV or Excel)
    outcomes: list[str] = ["log_va_per_worker"]  # outcomes to estimate
    control: Literal["never_treated", "not_yet_treated"] = "never_treated"  # comparison group
    n_boot: int = 999  # bootstrap draws
    covariates: list[str] | None = None  # optional: None means no covariates
    start_year: int = None  # required: a default of None under a type without None

**Required parameters.** A parameter is *required* when its default is ``None`` and its
annotation does not admit ``None`` (``int``, not ``int | None``). A run must then set it.
``x: int | None = None`` is an optional parameter whose default is ``None``.

Supported annotations: ``str``, ``int``, ``float`` (ints are accepted and converted), ``bool``,
``list[...]``, ``dict[..., ...]``, ``Literal[...]``, ``X | None`` / ``Optional[X]``, unions and
``Any``; an unannotated ``name = default`` takes the type of its default. The cell may also
hold ``import``/``from typing import ...`` lines (needed to evaluate ``Literal`` in the kernel)
and comments; anything else is an error, because the runner could not check it.

papermill only *warns* about unknown parameters; :func:`validate_params` makes every problem
(unknown names, missing required values, type mismatches) an error listing each one, raised
before any kernel starts.
"""
from __future__ import annotations

import ast
import difflib
import io
import json
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubeval.batch.kinds import (
    NONE,
    admits_none,
    check_value,
    describe_kind,
    kind_of_value,
    parse_kind,
)
from hubeval.core.errors import ParameterError

__all__ = ["Parameter", "read_parameters", "check_params", "validate_params", "format_problems"]

@dataclass(frozen=True)
class Parameter:
    """One declared notebook parameter.

    Attributes
    ----------
    name, annotation, default, comment
        As written in the ``parameters`` cell (``annotation`` is the source text or None).
    required
        True when the default is ``None`` and the annotation does not admit ``None``.
    kind
        The parsed type, a nested tuple such as ``("list", ("str",))``.
    """

    name: str
    annotation: str | None
    default: Any
    comment: str
    required: bool
    kind: tuple

    @property
    def type_text(self) -> str:
        """The type as shown in messages, e.g. ``list[str] | None``."""
        return describe_kind(self.kind)


# --- parsing the parameters cell ----------------------------------------------------------------

def parameters_cell(notebook: str | Path):
    """Return the source of the cell tagged ``parameters`` of the notebook at ``notebook``."""
    # plain JSON rather than nbformat: importing nbformat costs ~1 s, and `import hubeval`
    # happens in every kernel
    for cell in _notebook_cells(notebook):
        if (cell.get("cell_type") == "code"
                and "parameters" in cell.get("metadata", {}).get("tags", [])):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    raise ParameterError(
        f"Notebook `{notebook}` has no cell tagged `parameters`: tag its first code cell "
        "`parameters` (JupyterLab: property inspector > cell tags) and declare one "
        "`name: type = default  # comment` per line.")


def _notebook_cells(notebook: str | Path) -> list:
    """The cells of the notebook file at ``notebook``; anything else is a ParameterError."""
    path = Path(notebook)
    if path.is_dir():
        raise ParameterError(f"Notebook `{notebook}` is a folder, not a notebook; give the path "
                             "of an .ipynb file.")
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ParameterError(f"`{notebook}` is not a Jupyter notebook (an .ipynb file holding "
                             "notebook JSON with `cells`); point `notebook:` to an .ipynb file.")
    return data["cells"]


def _comments(source: str) -> dict[int, str]:
    out = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass
    return out


def read_parameters(notebook: str | Path) -> dict[str, Parameter]:
    """Parse the ``parameters`` cell of ``notebook`` into declared parameters, in order.

    Parameters
    ----------
    notebook : str or Path
        Path to an ``.ipynb`` file.

    Returns
    -------
    dict of str to Parameter

    Raises
    ------
    ParameterError
        When the notebook has no ``parameters`` cell, the cell is not valid Python, holds
        statements other than typed assignments and imports, or a default does not match its
        own annotation.
    """
    source = parameters_cell(notebook)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"The `parameters` cell of `{notebook}` is not valid Python "
                             f"(line {exc.lineno}: {exc.msg}); fix the cell.") from None
    comments = _comments(source)
    out: dict[str, Parameter] = {}
    problems = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        try:
            param = _parameter(node, comments)
        except ValueError as exc:
            problems.append(f"line {node.lineno}: {exc}")
            continue
        out[param.name] = param
    if problems:
        raise ParameterError(f"The `parameters` cell of `{notebook}` cannot be checked:\n"
                             + "\n".join(f"  - {p}" for p in problems)
                             + "\nWrite one `name: type = literal  # comment` per line.")
    return out


def _parameter(node: ast.stmt, comments: dict[int, str]) -> Parameter:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        name, value, ann = node.target.id, node.value, node.annotation
    elif (isinstance(node, ast.Assign) and len(node.targets) == 1
          and isinstance(node.targets[0], ast.Name)):
        name, value, ann = node.targets[0].id, node.value, None
    else:
        raise ValueError(f"`{ast.unparse(node)}` is not a `name: type = default` assignment")
    try:
        default = ast.literal_eval(value)
    except ValueError:
        raise ValueError(f"the default of `{name}` (`{ast.unparse(value)}`) is not a literal "
                         "(a number, string, bool, None, list or dict)") from None
    kind = parse_kind(ann) if ann is not None else kind_of_value(default)
    required = default is None and not admits_none(kind)
    if not required and default is not None and check_value(kind, default)[0] is None:
        raise ValueError(f"the default of `{name}` ({default!r}) is not a {describe_kind(kind)}")
    return Parameter(name=name, annotation=ast.unparse(ann) if ann is not None else None,
                     default=default, comment=comments.get(node.lineno, ""),
                     required=required, kind=kind)


def _hint(param: Parameter, value: Any) -> str:
    """The fix for a mismatch, in the words of the YAML file the value came from."""
    base = param.kind[1] if param.kind[0] == "union" and param.kind[2] == NONE else param.kind
    tag = base[0]
    if isinstance(value, str) and tag == "bool" and value.lower() in ("true", "false"):
        return f": write {value.lower()} without quotes"
    if isinstance(value, str) and tag in ("int", "float"):
        try:
            ast.literal_eval(value)
            return f": write {value} without quotes"
        except (ValueError, SyntaxError):
            return ""
    if tag == "list" and not isinstance(value, (list, tuple)):
        return f": write a list, e.g. [{value}]"
    if tag in ("str", "int", "float", "bool") and isinstance(value, (list, tuple)):
        return ": give a single value, not a list"
    if tag == "literal":
        close = difflib.get_close_matches(str(value), [str(v) for v in base[1]], n=1, cutoff=0.5)
        return f" (did you mean {close[0]!r}?)" if close else ""
    return ""


def check_params(parameters: dict[str, Parameter], values: dict[str, Any], *,
                 provided: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[str]]:
    """Check ``values`` against declared ``parameters``.

    Parameters
    ----------
    parameters : dict of str to Parameter
        From :func:`read_parameters`.
    values : dict
        The run's parameter values (only those set by the user).
    provided : tuple of str
        Names the runner fills in itself (e.g. ``output_dir``): never reported missing.

    Returns
    -------
    (converted values, problems)
        ``problems`` is a list of one-line messages; empty when everything fits.
    """
    problems, converted = [], {}
    declared = ", ".join(parameters)
    for name, value in values.items():
        if name not in parameters:
            close = difflib.get_close_matches(name, list(parameters), n=1)
            maybe = f" did you mean `{close[0]}`?" if close else ""
            problems.append(f"unknown parameter `{name}`:{maybe} The notebook declares: "
                            f"{declared}.")
            continue
        param = parameters[name]
        value_conv, problem = check_value(param.kind, value)
        if problem is None:
            converted[name] = value_conv
            continue
        detail = f" ({problem})" if problem.startswith("item") else ""
        problems.append(f"`{name}` expects {param.type_text}, got {type(value).__name__} "
                        f"{value!r}{detail}{_hint(param, value)}.")
    for name, param in parameters.items():
        if param.required and name not in values and name not in provided:
            # a comment often starts "required: ..."; the message already says so
            comment = re.sub(r"^required\b[:;,.\s-]*", "", param.comment, flags=re.I)
            what = f"{param.type_text}: {comment}" if comment else param.type_text
            problems.append(f"missing required parameter `{name}` ({what}): set it in a params "
                            f"file or with -p {name}=VALUE.")
    return converted, problems


def format_problems(problems: dict[str, list[str]], *, header: str) -> str:
    """Render problems grouped by run as the text of one :class:`ParameterError`."""
    count = sum(len(v) for v in problems.values())
    lines = [f"{header} ({count} problem{'s' if count != 1 else ''}); no run was started:"]
    for where, items in problems.items():
        lines.append(f"  {where}:")
        lines.extend(f"    - {p}" for p in items)
    lines.append("Fix the parameter files (or -p values); each notebook's `parameters` cell "
                 "declares what it takes.")
    return "\n".join(lines)


def validate_params(notebook: str | Path, values: dict[str, Any], *,
                    provided: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check one run's parameters against ``notebook``; raise listing every problem.

    Parameters
    ----------
    notebook : str or Path
        The notebook whose ``parameters`` cell declares the parameters.
    values : dict
        The values to inject.
    provided : tuple of str
        Names the runner fills in itself, never reported as missing.

    Returns
    -------
    dict
        The values, with ints given to float parameters converted to float.

    Raises
    ------
    ParameterError
        Unknown names, missing required values and type mismatches, all listed.

    Examples
    --------
    >>> validate_params("notebooks/10_outcomes.ipynb", {"n_boot": "999"})  # doctest: +SKIP
    ParameterError: Parameters do not fit `10_outcomes.ipynb` (1 problem); ...
        - `n_boot` expects int, got str '999': write 999 without quotes.
    """
    converted, problems = check_params(read_parameters(notebook), values, provided=provided)
    if problems:
        raise ParameterError(format_problems({f"notebook `{Path(notebook).name}`": problems},
                                             header="Parameters do not fit the notebook"))
    return converted
