"""Files of a batch: the project root, paths shown relative to it, and YAML read with clear errors.

YAML files are read with :class:`UniqueKeyLoader`, PyYAML's safe loader that refuses a key
written twice in one mapping (PyYAML itself keeps the last value silently).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from hubeval.core.errors import ParameterError
from hubeval.core.paths import find_project_root

__all__ = ["display_path", "find_root", "read_yaml", "read_mapping", "safe_name",
           "UniqueKeyLoader"]


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def safe_name(name: Any, what: str = "batch `name`") -> str:
    """``name`` made a single safe folder name (no separators, no leading dots).

    ``../../outside`` gives ``outside`` and ``/tmp/x`` gives ``tmp_x``: every character other
    than letters, digits and ``_ . + = -`` becomes ``_``, and leading or trailing ``.`` and
    ``_`` go, so the name can never leave the folder it is joined to.

    Raises
    ------
    ParameterError
        Nothing usable is left (e.g. ``..`` or ``/``).
    """
    text = re.sub(r"[^\w.+=-]+", "_", str(name)).strip("._")[:80]
    if not text:
        raise ParameterError(f"{what} {name!r} gives no usable folder name; use letters, digits, "
                             "'_' or '-', e.g. `name: main`.")
    return text


def find_root(path: str | Path) -> Path:
    """The project root above ``path``: the nearest folder holding pyproject.toml, .git or params/.

    Falls back to the folder of ``path`` itself.
    """
    start = Path(path).resolve()
    start = start if start.is_dir() else start.parent
    return find_project_root(start) or start


class UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that raises on a key written twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key `{key}` (line {line}; first on line "
                    f"{seen[key]}): keep one", key_node.start_mark)
            try:
                seen[key] = line
            except TypeError:  # an unhashable key: let PyYAML report it
                break
        return super().construct_mapping(node, deep=deep)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(f"{what} `{path}` does not exist; check the path.") from None
    except IsADirectoryError:
        raise ParameterError(f"{what} `{path}` is a folder, not a file; give the path of a "
                             ".yaml file.") from None
    except UnicodeDecodeError:
        raise ParameterError(f"{what} `{path}` is not UTF-8 text; save it as UTF-8 "
                             "YAML.") from None
    except OSError as exc:
        raise ParameterError(f"{what} `{path}` cannot be read ({exc.strerror or exc}); check "
                             "its permissions.") from None


def read_yaml(path: Path, what: str) -> Any:
    """The YAML document in ``path``; a missing file, bad YAML or a duplicate key is an error.

    Raises
    ------
    ParameterError
        The file is missing, a folder, unreadable, not valid YAML, uses a tag the safe loader
        refuses (e.g. ``!!python/object``) or writes a key twice.
    """
    path = Path(path)
    text = _read_text(path, what)
    try:
        return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        if str(problem).startswith("duplicate key"):
            where = ""
        elif "could not determine a constructor for the tag" in str(problem):
            problem = (f"{problem}; tags that build Python objects are not allowed, write "
                       "plain values")
        raise ParameterError(f"{what} `{path}` is not valid YAML{where}: {problem}; fix the "
                             "file.") from None


def read_mapping(path: Path, what: str) -> dict:
    """A YAML file holding one mapping (an empty file is an empty mapping)."""
    data = read_yaml(path, what)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(f"{what} `{path}` must be a mapping of `name: value` lines, got "
                             f"{type(data).__name__} {_short(data)}; write one parameter per "
                             "line.")
    return data


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
