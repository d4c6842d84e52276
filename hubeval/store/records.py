"""Records: the one call a notebook uses to save a result, and their collection into a batch.

``hb.record(name, obj, out_dir=output_dir)`` writes ``<out_dir>/records/<name>.json`` (the
full result, JSON) and ``<name>.csv`` (its tidy table); a matplotlib figure goes to
``<out_dir>/figures/<name>.png``. Both carry the run's context: notebook,
run id, outcome and parameters. Under the batch runner the context comes from the ``run.json``
file the runner writes into each run's folder (found through the ``HUBEVAL_RUN_CONTEXT``
environment variable, or in ``out_dir``); run interactively, the notebook is ``interactive``
and the run id empty.

The JSON document also carries the record's rows of the batch's store tables (``store``:
``estimates``, ``statistics`` and tables of other kinds, see :mod:`hubeval.store.parts`), which
:func:`hubeval.store.tables.collect_store` gathers into the batch's tables; the CSV holds the tidy
table only (the run's parameters are in the batch's ``runs`` table, once).
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from hubeval.core.errors import ParameterError
from hubeval.core.paths import project_path
from hubeval.core.results import to_jsonable
from hubeval.store.parts import store_parts

__all__ = ["record", "read_record_documents", "CONTEXT_ENV", "OUTPUT_ENV", "KEY_COLUMNS"]

CONTEXT_ENV = "HUBEVAL_RUN_CONTEXT"
OUTPUT_ENV = "HUBEVAL_OUTPUT_DIR"
CONTEXT_FILE = "run.json"
KEY_COLUMNS = ["run_id", "notebook", "record", "outcome"]
PRIVATE_PARAMS = {"output_dir", "results_dir"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _context(out_dir: Path) -> dict:
    """The run context written by the batch runner, or an interactive one."""
    candidates = [os.environ.get(CONTEXT_ENV), out_dir / CONTEXT_FILE]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            with open(candidate, encoding="utf-8") as fh:
                return json.load(fh)
    return {"run_id": "", "notebook": "interactive", "params": {}}


def _table(obj: Any, name: str) -> tuple[pd.DataFrame, Any]:
    """Return ``(tidy table, JSON payload)`` for a result, DataFrame or dict."""
    if hasattr(obj, "tidy") and callable(obj.tidy):
        table = obj.tidy()
        payload = obj.to_dict() if hasattr(obj, "to_dict") else to_jsonable(table)
        return table, to_jsonable(payload)
    if isinstance(obj, pd.Series):
        obj = obj.to_frame().T if obj.name is None else obj.reset_index()
    if isinstance(obj, pd.DataFrame):
        table = obj.reset_index() if not isinstance(obj.index, pd.RangeIndex) else obj.copy()
        return table, to_jsonable(table)
    if isinstance(obj, dict):
        scalar = all(not isinstance(v, (list, tuple, dict, pd.Series, pd.DataFrame))
                     for v in obj.values())
        table = pd.DataFrame([obj]) if scalar else pd.DataFrame(
            {k: pd.Series(v) for k, v in obj.items()})
        return table, to_jsonable(obj)
    raise ParameterError(
        f"`obj` of record `{name}` is a {type(obj).__name__}; pass a hubeval result (with "
        "`tidy()`), a pandas DataFrame or a dict.")


def _figure(obj: Any):
    """The matplotlib Figure behind ``obj`` (a Figure or an Axes), else None."""
    if hasattr(obj, "savefig"):
        return obj
    if hasattr(obj, "get_figure") and hasattr(obj, "plot") and not isinstance(
            obj, (pd.DataFrame, pd.Series)):
        return obj.get_figure()
    return None


def _outcome(table: pd.DataFrame, obj: Any, params: dict, outcome: str | None) -> str | None:
    if outcome is not None:
        return outcome
    if "outcome" in table.columns and table["outcome"].nunique() == 1:
        return str(table["outcome"].iloc[0])
    spec = getattr(obj, "spec", None)
    if isinstance(spec, dict) and isinstance(spec.get("outcome"), str):
        return spec["outcome"]
    value = params.get("outcome")
    return value if isinstance(value, str) else None


def _store_json(parts: dict) -> dict:
    """The record's rows of the batch's store tables, as JSON (see :mod:`hubeval.store.parts`)."""
    out = {kind: to_jsonable(parts[kind]) for kind in ("estimates", "statistics")
           if parts[kind] is not None}
    out["tables"] = {kind: to_jsonable(frame) for kind, frame in parts["tables"].items()}
    return out


def record(name: str, obj: Any, *, out_dir: str | Path | None = None,
           outcome: str | None = None) -> Path:
    """Save a result as tidy JSON and CSV in the notebook's output folder.

    Parameters
    ----------
    name : str
        The record's name, unique within the notebook (letters, digits, ``_ . -``); the files
        are ``records/<name>.json`` and ``records/<name>.csv``.
    obj : hubeval result, pandas.DataFrame, dict or matplotlib Figure/Axes
        A result with ``tidy()`` (and ``to_dict()``), a table, or a dict (of scalars: one row;
        of lists: one column each). A figure is saved as ``figures/<name>.png`` instead (no
        table: figures are drawn from recorded results, never the other way round).
    out_dir : str or Path, optional
        The notebook's output folder: pass its ``output_dir`` parameter. Defaults to the
        ``HUBEVAL_OUTPUT_DIR`` environment variable the batch runner sets.
    outcome : str, optional
        The outcome the record is about; by default taken from the table's single ``outcome``
        value, the result's ``spec``, or the run's ``outcome`` parameter.

    Returns
    -------
    Path
        The CSV file written (the PNG file for a figure).

    Raises
    ------
    ParameterError
        For an invalid name, a missing output folder or an object that cannot be tabulated.

    Examples
    --------
    >>> import pandas as pd, hubeval as hb
    >>> table = pd.DataFrame({"term": ["att"], "estimate": [0.05], "std_error": [0.02]})
    >>> hb.record("att", table, out_dir="runs/interactive/demo")  # doctest: +SKIP
    PosixPath('runs/interactive/demo/records/att.csv')
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(f"`name` must be letters, digits, `_`, `.` or `-` (it names a "
                             f"file), got {name!r}; e.g. hb.record(\"att_overall\", result).")
    out_dir = out_dir if out_dir is not None else os.environ.get(OUTPUT_ENV)
    if out_dir is None:
        raise ParameterError("`out_dir` is not set and no batch runner provided one: pass the "
                             "notebook's output folder, hb.record(name, obj, out_dir=output_dir).")
    out_dir = project_path(out_dir)  # relative to the project root, wherever the kernel started
    figure = _figure(obj)
    if figure is not None:
        (out_dir / "figures").mkdir(parents=True, exist_ok=True)
        path = out_dir / "figures" / f"{name}.png"
        figure.savefig(path, dpi=150, bbox_inches="tight")
        return path
    context = _context(out_dir)
    table, payload = _table(obj, name)
    params = context.get("params", {})
    found_outcome = _outcome(table, obj, params, outcome)
    keys = {"run_id": context.get("run_id", ""), "notebook": context.get("notebook", ""),
            "record": name, "outcome": found_outcome}
    folder = out_dir / "records"
    folder.mkdir(parents=True, exist_ok=True)
    parts = store_parts(name, obj, table, found_outcome)
    document = {**keys, "type": type(obj).__name__, "params": to_jsonable(params),
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "result": payload, "store": _store_json(parts)}
    (folder / f"{name}.json").write_text(json.dumps(document, indent=2, ensure_ascii=False),
                                         encoding="utf-8")
    keys_frame = pd.DataFrame({k: keys[k] for k in ("run_id", "notebook", "record")},
                              index=table.index)
    keys_frame["outcome"] = table["outcome"] if "outcome" in table.columns else found_outcome
    # a recorded table may itself carry run ids (e.g. a memo summarising the estimates)
    flat = table.drop(columns=[c for c in ["outcome"] if c in table.columns]).rename(
        columns={c: f"source_{c}" for c in ("run_id", "notebook", "record")})
    out = pd.concat([keys_frame, flat], axis=1)
    path = folder / f"{name}.csv"
    out.to_csv(path, index=False, encoding="utf-8")
    return path


def read_record_documents(folder: str | Path, *, order: list[str] | None = None) -> list[dict]:
    """Every ``records/*.json`` document below ``folder``, in run order then record name.

    ``order`` lists run folder names in the batch's run order (others follow by name); folders
    whose names start with ``.`` (the runner's ``.attempts/``) are never read.
    """
    rank = {name: i for i, name in enumerate(order or [])}
    root = Path(folder)
    files = sorted((f for f in root.glob("**/records/*.json")
                    if not any(p.startswith(".") for p in f.relative_to(root).parts)),
                   key=lambda f: (rank.get(f.parent.parent.name, len(rank)), str(f)))
    documents = []
    for path in files:
        try:
            documents.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise ParameterError(f"Record `{path}` cannot be read ({exc}). Re-run that notebook "
                                 "(hubeval run ... --resume re-runs only what is missing).") from exc
    return documents
