"""Parameter kinds: a notebook annotation parsed into a small tuple, and values checked against it.

A *kind* is a tuple: ``("str",)``, ``("list", item)``, ``("dict", key, value)``,
``("union", a, b, ...)``, ``("literal", values)``, ``("none",)`` or ``("any",)``;
:mod:`hubeval.batch.params` reads the annotations and reports the problems.
"""
from __future__ import annotations

import ast
from typing import Any

__all__ = ["parse_kind", "kind_of_value", "admits_none", "describe_kind", "check_value", "NONE",
           "ANY"]

NONE = ("none",)
ANY = ("any",)
SIMPLE = {"str": ("str",), "int": ("int",), "float": ("float",), "bool": ("bool",),
           "list": ("list", ANY), "dict": ("dict", ANY, ANY), "tuple": ("list", ANY),
           "Any": ANY, "object": ANY, "Path": ("str",), "None": NONE}


def parse_kind(node: ast.expr) -> tuple:
    """Turn an annotation's AST into a kind tuple; unknown names check nothing."""
    if isinstance(node, ast.Constant) and node.value is None:
        return NONE
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return parse_kind(ast.parse(node.value, mode="eval").body)  # a quoted annotation
    if isinstance(node, (ast.Name, ast.Attribute)):
        return SIMPLE.get(node.id if isinstance(node, ast.Name) else node.attr, ANY)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return ("union", parse_kind(node.left), parse_kind(node.right))
    if isinstance(node, ast.Subscript):
        value = node.value
        base = value.id if isinstance(value, ast.Name) else getattr(value, "attr", "")
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base == "Literal":
            return ("literal", tuple(ast.literal_eval(a) for a in args))
        if base == "Optional":
            return ("union", parse_kind(args[0]), NONE)
        if base == "Union":
            return ("union", *(parse_kind(a) for a in args))
        if base in ("list", "List", "Sequence"):
            return ("list", parse_kind(args[0]))
        if base in ("tuple", "Tuple"):  # only tuple[X, ...] has one item type
            same = len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...
            return ("list", parse_kind(args[0]) if same else ANY)
        if base in ("dict", "Dict", "Mapping"):
            return ("dict", parse_kind(args[0]), parse_kind(args[1]) if len(args) > 1 else ANY)
    return ANY


def kind_of_value(value: Any) -> tuple:
    """The kind of an unannotated parameter: that of its default."""
    if value is None:
        return ANY
    for typ, kind in ((bool, ("bool",)), (int, ("int",)), (float, ("float",)), (str, ("str",))):
        if isinstance(value, typ):
            return kind
    if isinstance(value, (list, tuple)):
        return ("list", ANY)
    if isinstance(value, dict):
        return ("dict", ANY, ANY)
    return ANY


def admits_none(kind: tuple) -> bool:
    """True when ``None`` is a valid value of ``kind``."""
    if kind[0] in ("none", "any"):
        return True
    if kind[0] == "union":
        return any(admits_none(k) for k in kind[1:])
    return kind[0] == "literal" and None in kind[1]


def describe_kind(kind: tuple) -> str:
    """Render a kind tuple the way it would be annotated: ``list[str] | None``."""
    tag = kind[0]
    if tag == "list":
        return "list" if kind[1] == ANY else f"list[{describe_kind(kind[1])}]"
    if tag == "dict":
        return "dict" if kind[1:] == (ANY, ANY) else (
            f"dict[{describe_kind(kind[1])}, {describe_kind(kind[2])}]")
    if tag == "union":
        return " | ".join(describe_kind(k) for k in kind[1:])
    if tag == "literal":
        return "one of " + ", ".join(repr(v) for v in kind[1])
    return {"none": "None", "any": "any value"}.get(tag, tag)



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
