"""The gate: checking estimate tables and result objects before anything is published.

:func:`assert_publishable` is the single gate used by
:func:`~hubeval.report.publication.save_table` and :func:`hubeval.report.figures.save_figure`;
it raises :class:`~hubeval.core.errors.DisclosureError` when content is disclosive, firm-level
or cannot be verified (fail closed). :func:`check_estimates` and :func:`check_result` make the
protected, sealed :class:`~hubeval.report.disclosure.DisclosureResult` to publish instead. The
threat model and guarantees are in :mod:`hubeval.report.disclosure`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hubeval.core.errors import DisclosureError, format_examples
from hubeval.report.disclosure import (
    _SUPPRESSED_COLUMNS,
    COUNT_COLUMNS,
    DEFAULT_MIN_UNITS,
    DisclosureResult,
    _check_columns,
    _issue,
    check_min_units,
)
from hubeval.report.firm_level import refuse_firm_level
from hubeval.report.seal import blank_rows, cell_label, is_key_column, key_columns

__all__ = ["check_estimates", "check_result", "assert_publishable"]


def _unverifiable(message: str) -> DisclosureError:
    """The error for content without firm counts, which only :func:`public` may exempt."""
    error = DisclosureError(message)
    error.unverifiable = True
    return error


def _is_unverifiable(error: DisclosureError) -> bool:
    return getattr(error, "unverifiable", False)


# --- estimate tables and result objects --------------------------------------------------------

def check_estimates(estimates: pd.DataFrame, *, min_units: int = DEFAULT_MIN_UNITS,
                    count: str | Sequence[str] | None = None,
                    keys: Sequence[str] = ()) -> DisclosureResult:
    """Suppress estimates (e.g. subgroup effects) that rest on fewer than ``min_units`` firms.

    Parameters
    ----------
    estimates : pandas.DataFrame
        A tidy estimates table with at least one count column.
    min_units : int, default 5
        Minimum number of firms; at least 3.
    count : str or sequence of str, optional
        Count column(s) to check. By default every present column of ``n_treated``,
        ``n_units``, ``n_firms`` that is filled on some row (a column empty throughout was not
        recorded for this table); a row is suppressed when the smallest is below ``min_units``
        (an effect on 3 treated firms is disclosive even with 200 controls). A missing count
        suppresses the row too (it cannot be verified).
    keys : sequence of str, optional
        Columns naming a cell beyond the built-in allow-list
        :data:`~hubeval.report.seal.KEY_COLUMNS` (``term``, ``outcome``, ``cohort``, ``time``,
        ``event_time``, group labels such as ``industry``, ``param_*``, ...).

    Returns
    -------
    DisclosureResult
        ``table`` is a copy of ``estimates`` in which every suppressed row keeps only its keys
        (all other columns, numeric or text, are missing) and a ``suppressed`` flag;
        ``suppressed`` lists the rows, named by their keys, and the reason.

    Raises
    ------
    DisclosureError
        No count column (the table cannot be verified), firm-level data (see
        :mod:`hubeval.report.firm_level`), or ``min_units`` below 3.

    Examples
    --------
    >>> import pandas as pd, hubeval as hb
    >>> table = pd.DataFrame({"industry": ["A", "B"], "estimate": [0.1, 0.2],
    ...                       "conf_low": [0.0, 0.1], "conf_high": [0.2, 0.3], "n_treated": [12, 3]})
    >>> hb.check_estimates(table, keys=["industry"]).table["conf_low"].tolist()
    [0.0, nan]
    """
    min_units = check_min_units(min_units)
    keys = list(keys)
    refuse_firm_level(estimates, keys)
    columns = _count_columns(estimates, count)
    smallest = estimates[columns].apply(pd.to_numeric, errors="coerce").min(axis=1, skipna=False)
    # A missing count cannot be verified, so it is treated as too small (fail closed).
    hide = (smallest.isna() | (smallest < min_units)).to_numpy(dtype=bool, copy=True)
    if "suppressed" in estimates.columns:
        hide |= estimates["suppressed"].fillna(True).astype(bool).to_numpy()
    table = blank_rows(estimates.drop(columns=["suppressed"], errors="ignore"), hide, keys)
    table["suppressed"] = hide
    named = [c for c in key_columns(estimates, keys) if c != "suppressed"]
    detail = f"rests on fewer than {min_units} firms (`{'`/`'.join(columns)}`)"
    rows = [(cell_label(estimates.iloc[i], named, f"row {i}"), "threshold", detail)
            for i in np.flatnonzero(hide)]
    suppressed = pd.DataFrame(rows, columns=_SUPPRESSED_COLUMNS)
    return _issue(table, suppressed, {"min_units": min_units, "count": columns, "keys": keys})


def _count_columns(frame: pd.DataFrame, count: str | Sequence[str] | None) -> list[str]:
    if count is not None:
        columns = [count] if isinstance(count, str) else list(count)
        _check_columns(frame, columns, "count")
        return columns
    present = [c for c in COUNT_COLUMNS if c in frame.columns]
    # a count column that is empty throughout was not recorded for this table (e.g. `n_units` of
    # an event study in the results store's fixed schema); one missing on some rows fails closed
    columns = [c for c in present if frame[c].notna().any()] or present
    if not columns:
        raise _unverifiable(
            f"Cannot verify the table: it has none of the count columns {list(COUNT_COLUMNS)}, "
            f"so it is unknown how many firms each number rests on. Columns found: "
            f"{format_examples(list(frame.columns), limit=8)}. Add `n_treated`/`n_units`, build it "
            "with hb.protect_table(...) from firm-level data, or, for public aggregate data only, "
            "pass hb.public(reason=...).")
    return columns


def _check_sealed(obj: DisclosureResult, min_units: int) -> DisclosureResult:
    if not obj.sealed:
        raise DisclosureError(
            "The DisclosureResult was not made by a hubeval check in this session, or its table "
            "was changed after the check, so it cannot vouch for anything. Check the table you "
            "mean to publish with hb.check_result / hb.check_estimates / hb.protect_table, or "
            "declare public aggregate data with hb.public(reason=...).")
    used = obj.spec.get("min_units", min_units)
    if obj.exemption is None and used < min_units:
        raise DisclosureError(
            f"The table was protected with min_units={used}, but publication requires "
            f"min_units={min_units}. Re-run the protection with min_units={min_units}.")
    return obj


def check_result(obj: Any, *, min_units: int = DEFAULT_MIN_UNITS,
                 keys: Sequence[str] = ()) -> DisclosureResult:
    """Check a result object, a table or a :class:`DisclosureResult` for disclosure.

    Parameters
    ----------
    obj : DisclosureResult, pandas.DataFrame or result object
        A result object is checked through its ``estimates`` count columns, or, when it has
        none, its scalar ``n_treated`` / ``n_units`` / ``n_firms`` attributes. A
        DisclosureResult is returned as is if its seal matches its content.
    min_units : int, default 5
        Minimum number of firms; at least 3.
    keys : sequence of str, optional
        Extra key columns (see :func:`check_estimates`).

    Returns
    -------
    DisclosureResult
        What publication would show, with anything disclosive suppressed.

    Raises
    ------
    DisclosureError
        The content cannot be verified (no counts), is firm-level, is a DisclosureResult not
        made (or changed since) by a hubeval check, or was protected with a smaller
        ``min_units`` than asked for now.
    """
    min_units = check_min_units(min_units)
    if isinstance(obj, DisclosureResult):
        return _check_sealed(obj, min_units)
    frame = obj if isinstance(obj, pd.DataFrame) else getattr(obj, "estimates", None)
    if not isinstance(frame, pd.DataFrame):
        raise _unverifiable(
            f"Cannot verify an object of type {type(obj).__name__}: it is neither a table nor a "
            "result with an `estimates` table. Pass the result(s) the output shows, a "
            "DisclosureResult from hb.protect_table / hb.check_estimates, or "
            "hb.public(reason=...) for public aggregate data.")
    refuse_firm_level(frame, keys)
    if isinstance(obj, pd.DataFrame) or any(c in frame.columns for c in COUNT_COLUMNS):
        return check_estimates(frame, min_units=min_units, keys=keys)
    return _check_scalar_counts(obj, frame, min_units, list(keys))


def _check_scalar_counts(obj: Any, frame: pd.DataFrame, min_units: int,
                         keys: list[str]) -> DisclosureResult:
    spec = getattr(obj, "spec", None)
    spec = spec if isinstance(spec, Mapping) else {}
    counts = {name: getattr(obj, name, spec.get(name)) for name in COUNT_COLUMNS}
    counts = {name: value for name, value in counts.items()
              if isinstance(value, (int, np.integer, float)) and not isinstance(value, bool)}
    if not counts:
        raise _unverifiable(
            f"Cannot verify the {type(obj).__name__}: its estimates have no count column and it "
            "has no `n_treated`/`n_units`/`n_firms` attribute or `spec` entry. Pass a table with "
            "counts, or a DisclosureResult from hb.check_estimates(..., count=...).")
    name, smallest = min(counts.items(), key=lambda kv: kv[1])
    hidden = not smallest >= min_units  # a NaN count cannot be verified: hidden
    table = blank_rows(frame, np.full(len(frame), hidden), keys)
    table["suppressed"] = hidden
    rows = [(type(obj).__name__, "threshold",
             f"rests on fewer than {min_units} firms (`{name}`)")] if hidden else []
    return _issue(table, pd.DataFrame(rows, columns=_SUPPRESSED_COLUMNS),
                  {"min_units": min_units, "count": [name], "keys": keys})


def _revealed(frame: pd.DataFrame, checked: DisclosureResult) -> list[str]:
    """Cells the check suppresses that still carry a value in ``frame`` (named by keys)."""
    keys = checked.spec.get("keys", [])
    hidden = checked.table["suppressed"].to_numpy(dtype=bool)
    values = [c for c in frame.columns if not is_key_column(c, keys)]
    carried = frame[values].notna().any(axis=1).to_numpy() & hidden if values \
        else np.zeros(len(frame), dtype=bool)
    cells = [f"{r.cell}: {r.detail}" for r in checked.suppressed.itertuples()]
    if not carried.any():
        return []
    if len(cells) != hidden.sum():  # one suppression for the whole result
        return cells
    return [cell for cell, shown in zip(cells, carried[hidden]) if shown]


def assert_publishable(obj: Any, *, min_units: int = DEFAULT_MIN_UNITS,
                       keys: Sequence[str] = ()) -> DisclosureResult:
    """Raise :class:`~hubeval.core.errors.DisclosureError` unless ``obj`` is safe to publish as is.

    A sealed :class:`DisclosureResult` is safe (its table is the protected one). Any other table
    or result is safe only if it shows nothing the check would suppress: rows the check hides
    must already be blank except for their keys (e.g. a table taken from a check). Otherwise the
    caller must publish the protected table instead of the raw one. The error names the refused
    cells by their keys only, never their values.

    Returns
    -------
    DisclosureResult
        The check of ``obj``.
    """
    if isinstance(obj, (list, tuple)):
        raise DisclosureError("Pass one object; check each of several with its own call.")
    checked = check_result(obj, min_units=min_units, keys=keys)
    if checked is obj or checked.passed:
        return checked
    frame = obj if isinstance(obj, pd.DataFrame) else obj.estimates
    revealed = _revealed(frame, checked)
    if not revealed:
        return checked
    raise DisclosureError(
        f"Refusing to publish: {len(revealed)} entr{'y' if len(revealed) == 1 else 'ies'} "
        f"would disclose confidential firm data ({format_examples(revealed, 3)}). "
        "Publish the protected version instead: pass hb.check_result(obj) (a DisclosureResult "
        "with those entries suppressed) or aggregate further.")
