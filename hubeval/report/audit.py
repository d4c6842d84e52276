"""The disclosure record written next to every published table and figure.

:func:`~hubeval.report.publication.save_table` and :func:`~hubeval.report.figures.save_figure`
write ``<name>.disclosure.json`` beside the files they publish: the files and their SHA-256,
what was checked (the type of each object, the SHA-256 of its table, the rules, and the
suppressed cells named by their keys) and any exemption with its reason. A reviewer can thus
see, for every output, which check let it out and whether an exemption was used.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from hubeval.report.disclosure import DisclosureResult
from hubeval.report.seal import table_digest

__all__ = ["check_entry", "write_disclosure_record", "RECORD_SUFFIX"]

#: Suffix of the record written next to a published output (``<name>.disclosure.json``).
RECORD_SUFFIX = ".disclosure.json"


def check_entry(obj: Any, checked: DisclosureResult | None, *, how: str) -> dict:
    """One checked object of an output: what it was, how it passed, what was suppressed.

    ``how`` is ``"protected"`` (a sealed check was published), ``"checked as is"`` (the
    object passed the check unchanged) or ``"exempt"`` (no counts; covered by the exemption).
    """
    frame = obj if isinstance(obj, pd.DataFrame) else getattr(obj, "table", None) \
        if isinstance(obj, DisclosureResult) else getattr(obj, "estimates", None)
    entry = {"object": type(obj).__name__, "how": how,
             "table_sha256": table_digest(frame) if isinstance(frame, pd.DataFrame) else None}
    if checked is not None and checked.exemption is None:
        entry["rules"] = {k: v for k, v in checked.spec.items() if k != "keys"}
        entry["suppressed"] = [f"{r.cell}: {r.rule}" for r in checked.suppressed.itertuples()]
    return entry


def _unique(entries: list[dict]) -> list[dict]:
    """Entries once each (a figure panel per outcome records the same table again)."""
    seen, out = set(), []
    for entry in entries:
        key = json.dumps(entry, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_disclosure_record(paths: Mapping[str, Path], *, kind: str, entries: list[dict],
                            exemption: str | None, min_units: int) -> Path:
    """Write ``<name>.disclosure.json`` next to the published ``paths``; return its path."""
    first = Path(next(iter(paths.values())))
    target = first.with_name(first.name.removesuffix(first.suffix) + RECORD_SUFFIX)
    payload = {
        "kind": kind,
        "files": {fmt: {"name": Path(p).name, "sha256": _sha256(Path(p))}
                  for fmt, p in paths.items()},
        "min_units": min_units,
        "checked": _unique(entries),
        "exemption": {"reason": exemption} if exemption else None,
    }
    target.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n",
                      encoding="utf-8")
    return target
