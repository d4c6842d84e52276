"""Publication: tables through the disclosure gate, output paths and report folders.

:func:`save_table` writes exactly what was checked (a sealed check's table, or a table that the
gate :func:`~hubeval.report.gate.assert_publishable` passes as it is) and records the check and
any exemption beside the output (:mod:`hubeval.report.audit`); :func:`save_tables` does the same
for several tables written as the sheets of one formatted Excel workbook
(:mod:`hubeval.report.xlsx`). The checks themselves are in
:mod:`hubeval.report.gate` (re-exported here), the suppression rules, threat model and
guarantees in :mod:`hubeval.report.disclosure`.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, get_args

import jinja2
import markupsafe
import pandas as pd

from hubeval.core.errors import DisclosureError, SpecError, format_examples
from hubeval.report.audit import check_entry, write_disclosure_record
from hubeval.core.paths import project_path
from hubeval.report.disclosure import (
    DEFAULT_MIN_UNITS,
    DisclosureResult,
    ExistsPolicy,
    TableFormat,
)
from hubeval.report.firm_level import refuse_firm_level
from hubeval.report.gate import (
    _is_unverifiable,
    assert_publishable,
    check_estimates,
    check_result,
)
from hubeval.report.seal import table_digest
from hubeval.report.xlsx import WorkbookSheet, check_sheet_names, write_workbook

__all__ = ["check_estimates", "check_result", "assert_publishable", "output_paths", "save_table",
           "save_tables", "WorkbookSheet", "report_folder"]

_TABLE_HTML = jinja2.Environment(autoescape=True).from_string(
    "{{ table }}{% if suppressed %}<p>Suppressed:</p><ul>{% for r in suppressed %}"
    "<li>{{ r.cell }}: {{ r.rule }} ({{ r.detail }})</li>{% endfor %}</ul>{% endif %}")


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
               exists: ExistsPolicy = "error", min_units: int = DEFAULT_MIN_UNITS,
               keys: Sequence[str] = ()) -> dict[str, Path]:
    """Write a table for publication, through the disclosure check; write exactly what was checked.

    Parameters
    ----------
    table : DisclosureResult, pandas.DataFrame or result object
        A sealed :class:`DisclosureResult` writes its protected table. A DataFrame or result is
        written only if :func:`assert_publishable` finds nothing disclosive in it as it is.
    name : str
        File stem, without directory or extension.
    check : DisclosureResult, optional
        Either the check of this very table (``table`` must then equal ``check.table``; simpler
        to pass the check as ``table``), or the exemption :func:`public` for official aggregate
        statistics without firm counts. An exemption never covers a firm-level table or one
        whose own count columns fail the check.
    out_dir : str or Path, default "reports"
    formats : sequence of {"csv", "html", "xlsx"}, default ("csv",)
        CSV is written as UTF-8 with a byte-order mark so Excel shows Korean text correctly.
        XLSX is a workbook with one sheet named ``name`` (cut to 31 characters): a bold header
        row with the column names, panes frozen under it, fitted column widths, numbers stored
        as numbers (see :func:`save_tables` for titles, two-language headers and number formats).
    exists : {"error", "suffix", "replace"}, default "error"
        What to do when a file exists; never overwrites silently (see :func:`output_paths`).
    min_units : int, default 5
    keys : sequence of str, optional
        Extra key columns of ``table`` (see :func:`check_estimates`).

    Returns
    -------
    dict of str to Path
        The written file per format. ``<name>.disclosure.json`` is written beside them with
        the check and any exemption (:mod:`hubeval.report.audit`).

    Raises
    ------
    DisclosureError
        The table is disclosive, cannot be verified, is firm-level, or differs from ``check``.
    FileExistsError
        A target exists and ``exists="error"``.
    """
    frame, checked, entry = _table_to_write(table, check, min_units, list(keys))
    refuse_firm_level(frame, checked.spec.get("keys", keys))
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
            write_workbook(path, [(name[:31], frame, WorkbookSheet(frame))])
    write_disclosure_record(paths, kind="table", entries=[entry], exemption=checked.exemption,
                            min_units=min_units)
    return paths


def save_tables(sheets: Mapping[str, Any], name: str, *, out_dir: str | Path = "reports",
                exists: ExistsPolicy = "error",
                min_units: int = DEFAULT_MIN_UNITS) -> dict[str, Path]:
    """Write several tables as the sheets of one Excel workbook, each through the disclosure check.

    Every table passes the same gate as in :func:`save_table` (a sealed check's protected table,
    or a table :func:`assert_publishable` passes as it is, or an exemption given as the sheet's
    ``check``) before anything is written: one disclosive table and no file is written.

    Parameters
    ----------
    sheets : mapping of sheet name to WorkbookSheet, DisclosureResult, DataFrame or result object
        In workbook order. A :class:`~hubeval.report.xlsx.WorkbookSheet` adds a title row,
        header rows (e.g. Korean and English), the columns to write and their number formats,
        and the text of suppressed cells; a bare table is written with its column names as the header.
    name : str
        File stem; the workbook is ``out_dir/name.xlsx``.
    out_dir : str or Path, default "reports"
    exists : {"error", "suffix", "replace"}, default "error"
        What to do when the file exists (see :func:`output_paths`).
    min_units : int, default 5

    Returns
    -------
    dict of str to Path
        ``{"xlsx": path}``. ``<name>.disclosure.json`` beside it records each sheet's check
        (entry ``sheet``) and any exemption (:mod:`hubeval.report.audit`).

    Raises
    ------
    DisclosureError
        A table is disclosive, cannot be verified, is firm-level, or differs from its ``check``.
    SpecError
        No sheets, an invalid sheet name, or headers naming columns a table does not have.
    FileExistsError
        The workbook exists and ``exists="error"``.

    Examples
    --------
    >>> import pandas as pd, hubeval as hb
    >>> table = pd.DataFrame({"term": ["att"], "estimate": [0.061], "n_units": [120]})
    >>> sheet = hb.WorkbookSheet(table, title="Effect", formats={"estimate": "0.000"},
    ...                  headers={"term": ("항목", "Term"), "estimate": ("효과", "Effect")})
    >>> hb.save_tables({"effects": sheet}, "effects", out_dir=tmp)["xlsx"].name  # doctest: +SKIP
    'effects.xlsx'
    """
    layouts = {sheet: item if isinstance(item, WorkbookSheet) else WorkbookSheet(item)
               for sheet, item in dict(sheets).items()}
    if not layouts:
        raise SpecError("`sheets` is empty: pass at least one {sheet name: table}.")
    check_sheet_names(list(layouts))
    written, entries, reasons = [], [], []
    for sheet, layout in layouts.items():
        frame, checked, entry = _table_to_write(layout.table, layout.check, min_units,
                                                list(layout.keys))
        refuse_firm_level(frame, checked.spec.get("keys", layout.keys))
        written.append((sheet, frame, layout))
        entries.append({"sheet": sheet, **entry})
        if checked.exemption is not None:
            reasons.append(f"{sheet}: {checked.exemption}")
    paths = output_paths(out_dir, name, ["xlsx"], exists=exists, allowed=get_args(TableFormat))
    write_workbook(paths["xlsx"], written)
    write_disclosure_record(paths, kind="workbook", entries=entries,
                            exemption="; ".join(reasons) or None, min_units=min_units)
    return paths


def _table_to_write(table: Any, check: DisclosureResult | None, min_units: int,
                    keys: list[str]) -> tuple[pd.DataFrame, DisclosureResult, dict]:
    """The frame to write, the check (or exemption) that lets it out, and its record entry."""
    if isinstance(table, DisclosureResult):
        if check is not None:
            raise SpecError("Pass the DisclosureResult as `table` or as `check`, not both.")
        checked = check_result(table, min_units=min_units)
        if checked.exemption is not None:
            raise SpecError("`table` is an exemption (hb.public), which holds no table: pass the "
                            "table as `table` and the exemption as `check=`.")
        return checked.table, checked, check_entry(table, checked, how="protected")
    if check is None:
        checked = assert_publishable(table, min_units=min_units, keys=keys)
        return _frame_of(table), checked, check_entry(table, checked, how="checked as is")
    check = check_result(check, min_units=min_units)
    frame = _frame_of(table)
    if check.exemption is None:
        if table_digest(frame) != table_digest(check.table):
            raise DisclosureError(
                "`table` is not the table `check` verified: it differs from `check.table` (the "
                "protected copy, with suppressed entries blank). Pass the check itself, "
                "hb.save_table(check, name), to write what was checked.")
        return check.table, check, check_entry(check, check, how="protected")
    refuse_firm_level(frame, keys)
    try:
        verified = assert_publishable(table, min_units=min_units, keys=keys)
    except DisclosureError as error:
        if not _is_unverifiable(error):
            raise
        return frame, check, check_entry(table, None, how="exempt")  # what exemptions are for
    return frame, check, check_entry(table, verified, how="checked as is")


def _frame_of(obj: Any) -> pd.DataFrame:
    return obj if isinstance(obj, pd.DataFrame) else obj.estimates


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

    ``runs/main/20261126-101500-ab12cd`` gives ``reports/main/20261126-101500-ab12cd``. Published
    reports are immutable: the folder is claimed by the batch run that creates it (its
    ``.publisher.json`` holds a digest of that batch folder), so the memo runs of one batch (one per
    language) share it, and any later memo for the same batch, a re-run, a resumed batch
    or an interactive session gets a new folder ``...-ab12cd-2``, ``-3``, ... instead of
    replacing the files already published.

    Parameters
    ----------
    results_dir : str or Path
        The batch folder whose results the memo reads.
    reports_dir : str or Path, default "reports"

    Returns
    -------
    Path
        The folder, created.
    """
    batch = Path(results_dir).resolve()
    parent = Path(reports_dir) / batch.parent.name
    parent.mkdir(parents=True, exist_ok=True)
    publisher = _publisher()
    claim = {"batch": batch.name, "publisher": publisher}
    for k in range(1, 10_000):
        folder = parent / (batch.name if k == 1 else f"{batch.name}-{k}")
        if _claim(folder, claim) or (publisher is not None and _claimed_by(folder) == publisher):
            return folder
    raise FileExistsError(f"More than 9999 report folders for `{batch.name}` under `{parent}`; "
                          "remove old ones.")


_PUBLISHER_FILE = ".publisher.json"


def _publisher() -> str | None:
    """A digest of the batch folder of the batch run executing this code (None outside it)."""
    from hubeval.store.records import CONTEXT_ENV

    path = os.environ.get(CONTEXT_ENV)
    try:
        with open(path, encoding="utf-8") as handle:  # type: ignore[arg-type]
            folder = json.load(handle).get("batch_folder")
    except (TypeError, OSError, ValueError):
        return None
    # a digest, not the path: the claim file travels with the published folder
    return hashlib.sha256(str(folder).encode()).hexdigest()[:16] if folder else None


def _claim(folder: Path, claim: dict) -> bool:
    """Create ``folder`` holding its claim in one step; False if it exists (not empty)."""
    staging = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    (staging / _PUBLISHER_FILE).write_text(json.dumps(claim), encoding="utf-8")
    try:
        os.rename(staging, folder)  # atomic; refuses an existing non-empty folder
        return True
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return False


def _claimed_by(folder: Path) -> str | None:
    try:
        return json.loads((folder / _PUBLISHER_FILE).read_text(encoding="utf-8")).get("publisher")
    except (OSError, ValueError):
        return None
    batch = project_path(results_dir).resolve()
    folder = project_path(reports_dir) / batch.parent.name / batch.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
