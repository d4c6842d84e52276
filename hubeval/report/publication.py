"""Publication: checking estimate tables and result objects, the one gate, and output paths.

:func:`assert_publishable` is the single gate used by :func:`save_table` and
:func:`hubeval.report.figures.save_figure`; it raises :class:`~hubeval.core.errors.DisclosureError`
when content is disclosive or cannot be verified (fail closed). The suppression rules themselves
(threshold, dominance, p%, secondary) are in :mod:`hubeval.report.disclosure`.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

import jinja2
import markupsafe
import numpy as np
import pandas as pd

from hubeval.core.errors import DisclosureError, SpecError, format_examples
from hubeval.core.paths import project_path
from hubeval.report.disclosure import (
    _ESTIMATE_VALUE_COLUMNS,
    _SUPPRESSED_COLUMNS,
    COUNT_COLUMNS,
    DEFAULT_MIN_UNITS,
    UNIT_COLUMNS,
    DisclosureResult,
    ExistsPolicy,
    TableFormat,
    _check_columns,
    check_min_units,
)

__all__ = ["check_estimates", "check_result", "assert_publishable", "output_paths", "save_table",
           "report_folder"]

_TABLE_HTML = jinja2.Environment(autoescape=True).from_string(
    "{{ table }}{% if suppressed %}<p>Suppressed:</p><ul>{% for r in suppressed %}"
    "<li>{{ r.cell }}: {{ r.rule }} ({{ r.detail }})</li>{% endfor %}</ul>{% endif %}")


# --- estimate tables and result objects --------------------------------------------------------

def check_estimates(estimates: pd.DataFrame, *, min_units: int = DEFAULT_MIN_UNITS,
                    count: str | Sequence[str] | None = None) -> DisclosureResult:
    """Suppress estimates (e.g. subgroup effects) that rest on fewer than ``min_units`` firms.

    Parameters
    ----------
    estimates : pandas.DataFrame
        A tidy estimates table with at least one count column.
    min_units : int, default 5
        Minimum number of firms; at least 3.
    count : str or sequence of str, optional
        Count column(s) to check. By default every present column of ``n_treated``,
        ``n_units``, ``n_firms``; a row is suppressed when the smallest is below ``min_units``
        (an effect on 3 treated firms is disclosive even with 200 controls).

    Returns
    -------
    DisclosureResult
        ``table`` is a copy of ``estimates`` with the numbers of suppressed rows missing and a
        ``suppressed`` flag; ``suppressed`` lists the rows and the reason.

    Raises
    ------
    DisclosureError
        No count column (the table cannot be verified), or ``min_units`` below 3.
    """
    min_units = check_min_units(min_units)
    columns = _count_columns(estimates, count)
    smallest = estimates[columns].apply(pd.to_numeric, errors="coerce").min(axis=1,
                                                                               skipna=False)
    # A missing count cannot be verified, so it is treated as too small (fail closed).
    hide = smallest.isna() | (smallest < min_units)
    table = estimates.copy()
    numeric = [c for c in table.columns if c in _ESTIMATE_VALUE_COLUMNS or c in columns]
    table[numeric] = table[numeric].astype(float)
    table.loc[hide, numeric] = np.nan
    table["suppressed"] = hide.to_numpy()
    keys = [c for c in table.columns if c not in numeric and c != "suppressed"]
    rows = [(", ".join(f"{k}={estimates.at[i, k]}" for k in keys) or f"row {i}", "threshold",
             f"rests on fewer than {min_units} firms (`{'`/`'.join(columns)}`)")
            for i in estimates.index[hide.to_numpy()]]
    suppressed = pd.DataFrame(rows, columns=_SUPPRESSED_COLUMNS)
    return DisclosureResult(table=table, suppressed=suppressed,
                            spec={"min_units": min_units, "count": columns})


def _count_columns(frame: pd.DataFrame, count: str | Sequence[str] | None) -> list[str]:
    if count is not None:
        columns = [count] if isinstance(count, str) else list(count)
        _check_columns(frame, columns, "count")
        return columns
    columns = [c for c in COUNT_COLUMNS if c in frame.columns]
    if not columns:
        raise DisclosureError(
            f"Cannot verify the table: it has none of the count columns {list(COUNT_COLUMNS)}, "
            f"so it is unknown how many firms each number rests on. Columns found: "
            f"{format_examples(list(frame.columns), limit=8)}. Add `n_treated`/`n_units`, build it "
            "with hb.protect_table(...) from firm-level data, or, for public aggregate data only, "
            "pass hb.public(reason=...).")
    return columns


def _firm_level_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in UNIT_COLUMNS if c in frame.columns]


def check_result(obj: Any, *, min_units: int = DEFAULT_MIN_UNITS) -> DisclosureResult:
    """Check a result object, a table or a :class:`DisclosureResult` for disclosure.

    Parameters
    ----------
    obj : DisclosureResult, pandas.DataFrame or result object
        A result object is checked through its ``estimates`` count columns, or, when it has
        none, its scalar ``n_treated`` / ``n_units`` / ``n_firms`` attributes.
    min_units : int, default 5
        Minimum number of firms; at least 3.

    Returns
    -------
    DisclosureResult
        What publication would show, with anything disclosive suppressed.

    Raises
    ------
    DisclosureError
        The content cannot be verified (no counts), is firm-level, or was protected with a
        smaller ``min_units`` than asked for now.
    """
    min_units = check_min_units(min_units)
    if isinstance(obj, DisclosureResult):
        used = obj.spec.get("min_units", min_units)
        if "public" not in obj.spec and used < min_units:
            raise DisclosureError(
                f"The table was protected with min_units={used}, but publication requires "
                f"min_units={min_units}. Re-run the protection with min_units={min_units}.")
        return obj
    frame = obj if isinstance(obj, pd.DataFrame) else getattr(obj, "estimates", None)
    if not isinstance(frame, pd.DataFrame):
        raise DisclosureError(
            f"Cannot verify an object of type {type(obj).__name__}: it is neither a table nor a "
            "result with an `estimates` table. Pass the result(s) the output shows, a "
            "DisclosureResult from hb.protect_table / hb.check_estimates, or "
            "hb.public(reason=...) for public aggregate data.")
    unit_columns = _firm_level_columns(frame)
    if unit_columns:
        raise DisclosureError(
            f"The table has firm identifier column(s) {unit_columns}: it holds single-firm values, "
            "which are never published. Aggregate it first with hb.protect_table(data, by=...).")
    if isinstance(obj, pd.DataFrame) or any(c in frame.columns for c in COUNT_COLUMNS):
        return check_estimates(frame, min_units=min_units)
    return _check_scalar_counts(obj, frame, min_units)


def _check_scalar_counts(obj: Any, frame: pd.DataFrame, min_units: int) -> DisclosureResult:
    counts = {name: getattr(obj, name) for name in COUNT_COLUMNS
              if isinstance(getattr(obj, name, None), (int, np.integer, float))}
    if not counts:
        raise DisclosureError(
            f"Cannot verify the {type(obj).__name__}: its estimates have no count column and it "
            f"has no `n_treated`/`n_units`/`n_firms` attribute. Pass a table with counts, or a "
            f"DisclosureResult from hb.check_estimates(..., count=...).")
    name, smallest = min(counts.items(), key=lambda kv: kv[1])
    hidden = smallest < min_units
    table = frame.copy()
    if hidden:
        numeric = [c for c in table.columns if c in _ESTIMATE_VALUE_COLUMNS]
        table[numeric] = np.nan
    rows = [(type(obj).__name__, "threshold",
             f"rests on fewer than {min_units} firms (`{name}`)")] if hidden else []
    return DisclosureResult(table=table, suppressed=pd.DataFrame(rows, columns=_SUPPRESSED_COLUMNS),
                            spec={"min_units": min_units, "count": [name]})


def assert_publishable(obj: Any, *, min_units: int = DEFAULT_MIN_UNITS) -> DisclosureResult:
    """Raise :class:`~hubeval.core.errors.DisclosureError` unless ``obj`` is safe to publish as is.

    A :class:`DisclosureResult` is safe (its table is the protected one). Any other table or
    result is safe only if the check suppresses nothing: otherwise the caller must publish the
    protected table instead of the raw one.
    """
    if isinstance(obj, (list, tuple)):
        raise DisclosureError("Pass one object; check each of several with its own call.")
    checked = check_result(obj, min_units=min_units)
    if checked is obj or checked.passed:
        return checked
    raise DisclosureError(
        f"Refusing to publish: {len(checked.suppressed)} entr"
        f"{'y' if len(checked.suppressed) == 1 else 'ies'} would disclose confidential firm data "
        f"({format_examples([f'{r.cell}: {r.detail}' for r in checked.suppressed.itertuples()], 3)}). "
        "Publish the protected version instead: pass hb.check_result(obj) (a DisclosureResult "
        "with those entries suppressed) or aggregate further.")


# --- the publication path for tables --------------------------------------------------------

def output_paths(out_dir: str | Path, name: str, formats: Sequence[str], *,
                 exists: ExistsPolicy = "error", allowed: Sequence[str]) -> dict[str, Path]:
    """Paths ``out_dir/name.<format>`` that respect the never-overwrite-silently policy.

    ``exists="error"`` raises :class:`FileExistsError` if any target exists (nothing is
    written); ``"suffix"`` appends ``-2``, ``-3``, ... (the same suffix for every format);
    ``"replace"`` overwrites, which must be asked for explicitly.
    """
    if exists not in get_args(ExistsPolicy):
        raise SpecError(f"`exists` must be one of {get_args(ExistsPolicy)}; got {exists!r}.")
    if not isinstance(name, str) or not re.fullmatch(r"[\w][\w.\-]*", name) \
            or Path(name).suffix.lstrip(".") in allowed:
        raise SpecError(f"`name` must be a bare file stem (letters, digits, '_', '-', '.') without "
                        f"directory or format extension, e.g. 'cba_tornado'; got {name!r}.")
    formats = [formats] if isinstance(formats, str) else list(formats)
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise SpecError(f"`formats` must be a non-empty subset of {tuple(allowed)}; got {formats}.")
    out = Path(out_dir)

    def paths(stem: str) -> dict[str, Path]:
        return {f: out / f"{stem}.{f}" for f in formats}

    candidate, k = paths(name), 2
    taken = [str(p) for p in candidate.values() if p.exists()]
    if taken and exists == "error":
        raise FileExistsError(
            f"Not overwriting existing file(s): {format_examples(taken)}. Choose another `name`, "
            "delete the file(s), or pass exists='suffix' (add -2, -3, ...) or "
            "exists='replace' (overwrite).")
    while exists == "suffix" and any(p.exists() for p in candidate.values()):
        candidate, k = paths(f"{name}-{k}"), k + 1
    out.mkdir(parents=True, exist_ok=True)
    return candidate


def save_table(table: Any, name: str, *, check: DisclosureResult | None = None,
               out_dir: str | Path = "reports", formats: Sequence[TableFormat] = ("csv",),
               exists: ExistsPolicy = "error",
               min_units: int = DEFAULT_MIN_UNITS) -> dict[str, Path]:
    """Write a table for publication, through the disclosure check.

    Parameters
    ----------
    table : DisclosureResult, pandas.DataFrame or result object
        A :class:`DisclosureResult` writes its protected table. A DataFrame or result is
        written only if :func:`assert_publishable` finds nothing disclosive, or if ``check``
        vouches for it.
    name : str
        File stem, without directory or extension.
    check : DisclosureResult, optional
        An explicit check for a table without count columns, typically
        :func:`public` for official aggregate statistics.
    out_dir : str or Path, default "reports"
    formats : sequence of {"csv", "html", "xlsx"}, default ("csv",)
        CSV is written as UTF-8 with a byte-order mark so Excel shows Korean text correctly.
    exists : {"error", "suffix", "replace"}, default "error"
        What to do when a file exists; never overwrites silently (see :func:`output_paths`).
    min_units : int, default 5

    Returns
    -------
    dict of str to Path
        The written file per format.

    Raises
    ------
    DisclosureError
        The table is disclosive or cannot be verified.
    FileExistsError
        A target exists and ``exists="error"``.
    """
    checked = assert_publishable(check if check is not None else table, min_units=min_units)
    frame = checked.table if table is checked else table
    frame = frame.estimates if not isinstance(frame, pd.DataFrame) else frame
    if _firm_level_columns(frame):
        # Even an explicit check cannot vouch for a table that lists single firms.
        check_result(frame.head(0), min_units=min_units)
    paths = output_paths(out_dir, name, formats, exists=exists, allowed=get_args(TableFormat))
    for fmt, path in paths.items():
        if fmt == "csv":
            frame.to_csv(path, index=False, encoding="utf-8-sig")
        elif fmt == "html":
            body = frame.to_html(index=False, na_rep="", float_format=lambda v: f"{v:,.4g}")
            path.write_text(_TABLE_HTML.render(table=markupsafe.Markup(body),
                                               suppressed=list(checked.suppressed.itertuples())),
                            encoding="utf-8")
        else:
            frame.to_excel(path, index=False)
    return paths


def _as_list(obj: Any) -> list:
    if obj is None:
        return []
    if isinstance(obj, (list, tuple)):
        return list(obj)
    if isinstance(obj, Mapping):
        return list(obj.values())
    return [obj]


def report_folder(results_dir: str | Path, reports_dir: str | Path = "reports") -> Path:
    """A new folder for a batch's memo under ``reports_dir``, named after the batch folder.

    ``runs/main/20261126-101500-ab12cd`` gives ``reports/main/20261126-101500-ab12cd``: one
    folder per batch, so a memo never overwrites an earlier one. Created if missing.
    """
    batch = project_path(results_dir).resolve()
    folder = project_path(reports_dir) / batch.parent.name / batch.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
