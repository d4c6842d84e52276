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

from hubeval.core.errors import ParameterError

__all__ = ["Parameter", "read_parameters", "check_params", "validate_params", "format_problems"]

_NONE = ("none",)
_ANY = ("any",)
_SIMPLE = {"str": ("str",), "int": ("int",), "float": ("float",), "bool": ("bool",),
           "list": ("list", _ANY), "dict": ("dict", _ANY, _ANY), "tuple": ("list", _ANY),
           "Any": _ANY, "object": _ANY, "Path": ("str",), "None": _NONE}


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
    with open(notebook, encoding="utf-8") as fh:
        cells = json.load(fh).get("cells", [])
    for cell in cells:
        if (cell.get("cell_type") == "code"
                and "parameters" in cell.get("metadata", {}).get("tags", [])):
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    raise ParameterError(
        f"Notebook `{notebook}` has no cell tagged `parameters`: tag its first code cell "
        "`parameters` (JupyterLab: property inspector > cell tags) and declare one "
        "`name: type = default  # comment` per line.")


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
    kind = _kind(ann) if ann is not None else _kind_of_value(default)
    required = default is None and not _admits_none(kind)
    if not required and default is not None and check_value(kind, default)[0] is None:
        raise ValueError(f"the default of `{name}` ({default!r}) is not a {describe_kind(kind)}")
    return Parameter(name=name, annotation=ast.unparse(ann) if ann is not None else None,
                     default=default, comment=comments.get(node.lineno, ""),
                     required=required, kind=kind)


def _kind(node: ast.expr) -> tuple:
    """Turn an annotation's AST into a kind tuple; unknown names check nothing."""
    if isinstance(node, ast.Constant) and node.value is None:
        return _NONE
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _kind(ast.parse(node.value, mode="eval").body)  # a quoted annotation
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _SIMPLE.get(node.id if isinstance(node, ast.Name) else node.attr, _ANY)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ("union", _kind(node.left), _kind(node.right))
    if isinstance(node, ast.Subscript):
        value = node.value
        base = value.id if isinstance(value, ast.Name) else getattr(value, "attr", "")
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Literal":
            return ("literal", tuple(ast.literal_eval(a) for a in args))
        if base == "Optional":
            return ("union", _kind(args[0]), _NONE)
        if base == "Union":
            return ("union", *(_kind(a) for a in args))
        if base in ("list", "List", "Sequence"):
            return ("list", _kind(args[0]))
        if base in ("tuple", "Tuple"):  # only tuple[X, ...] has one item type
            same = len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...
            return ("list", _kind(args[0]) if same else _ANY)
        if base in ("dict", "Dict", "Mapping"):
            return ("dict", _kind(args[0]), _kind(args[1]) if len(args) > 1 else _ANY)
    return _ANY


def _kind_of_value(value: Any) -> tuple:
    if value is None:
        return _ANY
    for typ, kind in ((bool, ("bool",)), (int, ("int",)), (float, ("float",)), (str, ("str",))):
        if isinstance(value, typ):
            return kind
    if isinstance(value, (list, tuple)):
        return ("list", _ANY)
    if isinstance(value, dict):
        return ("dict", _ANY, _ANY)
    return _ANY


def _admits_none(kind: tuple) -> bool:
    if kind[0] in ("none", "any"):
        return True
    if kind[0] == "union":
        return any(_admits_none(k) for k in kind[1:])
    return kind[0] == "literal" and None in kind[1]


def describe_kind(kind: tuple) -> str:
    """Render a kind tuple the way it would be annotated: ``list[str] | None``."""
    tag = kind[0]
    if tag == "list":
        return "list" if kind[1] == _ANY else f"list[{describe_kind(kind[1])}]"
    if tag == "dict":
        return "dict" if kind[1:] == (_ANY, _ANY) else (
            f"dict[{describe_kind(kind[1])}, {describe_kind(kind[2])}]")
    if tag == "union":
        return " | ".join(describe_kind(k) for k in kind[1:])
    if tag == "literal":
        return "one of " + ", ".join(repr(v) for v in kind[1])
    return {"none": "None", "any": "any value"}.get(tag, tag)


# --- checking values ------------------------------------------------------------------------------

_MISSING = object()


def check_value(kind: tuple, value: Any) -> tuple[Any, str | None]:
    """Check ``value`` against ``kind``; return ``(converted value or None, problem or None)``.

    The converted value differs from the input only for ints given to float parameters.
    A problem string is a short reason (the caller adds the parameter name).
    """
    tag = kind[0]
    if tag == "any":
        return value, None
    if tag == "none":
        return (None, None) if value is None else (None, "expected None")
    if tag == "literal":
        return (value, None) if value in kind[1] else (None, "not an allowed value")
    if tag == "union":
        for member in kind[1:]:
            converted, problem = check_value(member, value)
            if problem is None:
                return converted, None
        return None, "wrong type"
    if tag == "bool":
        return (value, None) if isinstance(value, bool) else (None, "wrong type")
    if tag == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (value, None) if ok else (None, "wrong type")
    if tag == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value), None) if ok else (None, "wrong type")
    if tag == "str":
        return (value, None) if isinstance(value, str) else (None, "wrong type")
    if tag == "list":
        return _check_items(kind[1], value)
    if tag == "dict":
        if not isinstance(value, dict):
            return None, "wrong type"
        for key, item in value.items():
            if check_value(kind[1], key)[1] or check_value(kind[2], item)[1]:
                return None, f"entry {key!r}: {item!r} does not fit"
        return {k: check_value(kind[2], v)[0] for k, v in value.items()}, None
    return value, None


def _check_items(item_kind: tuple, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, (list, tuple)):
        return None, "wrong type"
    out = []
    for position, item in enumerate(value, start=1):
        converted, problem = check_value(item_kind, item)
        if problem is not None:
            return None, f"item {position} is {type(item).__name__} {item!r}"
        out.append(converted)
    return out, None


def _hint(param: Parameter, value: Any) -> str:
    """The fix for a mismatch, in the words of the YAML file the value came from."""
    base = param.kind[1] if param.kind[0] == "union" and param.kind[2] == _NONE else param.kind
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
    >>> validate_params("notebooks/10_productivity.ipynb", {"n_boot": "999"})  # doctest: +SKIP
    ParameterError: Parameters do not fit `10_productivity.ipynb` (1 problem); ...
        - `n_boot` expects int, got str '999': write 999 without quotes.
    """
    converted, problems = check_params(read_parameters(notebook), values, provided=provided)
    if problems:
        raise ParameterError(format_problems({f"notebook `{Path(notebook).name}`": problems},
                                             header="Parameters do not fit the notebook"))
    return converted
