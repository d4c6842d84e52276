"""Files of a batch: the project root, paths shown relative to it, and YAML read with clear errors."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hubeval.core.errors import ParameterError
from hubeval.core.paths import find_project_root

__all__ = ["display_path", "find_root", "read_yaml", "read_mapping"]


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def find_root(path: str | Path) -> Path:
    """The project root above ``path``: the nearest folder holding pyproject.toml, .git or params/.

    Falls back to the folder of ``path`` itself.
    """
    start = Path(path).resolve()
    start = start if start.is_dir() else start.parent
    return find_project_root(start) or start


def read_yaml(path: Path, what: str) -> Any:
    """The YAML document in ``path``; a missing file or bad YAML is a ParameterError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError(f"{what} `{path}` does not exist; check the path.") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ParameterError(f"{what} `{path}` is not valid YAML{where}: "
                             f"{getattr(exc, 'problem', exc)}; fix the file.") from None


def read_mapping(path: Path, what: str) -> dict:
    """A YAML file holding one mapping (an empty file is an empty mapping)."""
    data = read_yaml(path, what)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParameterError(f"{what} `{path}` must be a mapping of `name: value` lines, got "
                             f"{type(data).__name__}; write one parameter per line.")
    return data
