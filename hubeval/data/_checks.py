"""Validation steps of :class:`~hubeval.data.panel.Panel`, one check per function.

Each raises :class:`~hubeval.core.errors.PanelError` naming the column, showing what was found and
saying how to fix it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hubeval.core.errors import PanelError, format_examples
from hubeval.data.io import LoadInfo, read_table
from hubeval.data.values import parse_numbers

__all__: list[str] = []

#: How never-participants are coded in ``Panel.data[panel.cohort]``.
NEVER_TREATED = np.inf

#: Columns that must never be negative when present (persons, KRW amounts).
NONNEGATIVE_DEFAULT = ("employment", "sales", "total_cost", "materials_cost", "labour_cost",
                       "capex", "capital")



# --- validation helpers (module level: each does one check) ------------------------------------
def _load(data, read_options: dict) -> tuple[pd.DataFrame, LoadInfo | None]:
    if isinstance(data, pd.DataFrame):
        if data.shape[0] == 0:
            raise PanelError(f"`data` is an empty DataFrame (0 rows, columns: "
                             f"{format_examples(list(data.columns))}). Pass the firm-year table.")
        repeated = pd.Index(data.columns)[pd.Index(data.columns).duplicated()].unique()
        if len(repeated):
            raise PanelError(f"`data` has duplicate column names: {format_examples([f'`{c}`' for c in repeated])}. "
                             "Give every column its own name (e.g. df.columns = [...]) first.")
        # pandas >= 3 copies on write: a shallow copy already leaves the caller's frame untouched
        return data.copy(deep=int(pd.__version__.split(".")[0]) < 3), None
    if isinstance(data, (str, os.PathLike)):
        return read_table(data, **read_options)
    raise PanelError(f"`data` must be a pandas DataFrame or a path to a CSV/Excel/Parquet file; got "
                     f"{type(data).__name__}. Wrap arrays with pandas.DataFrame first.")


def _rename(frame: pd.DataFrame, columns: Mapping[str, str] | None) -> pd.DataFrame:
    if not columns:
        return frame
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PanelError(_missing_columns_message("mapped", missing, frame.columns,
                                                  hint="Check the `columns` mapping (e.g. in the params "
                                                       "file) against the file's header."))
    targets = pd.Series(list(columns.values()), index=list(columns))
    twice = targets[targets.duplicated(keep=False)]
    if len(twice):
        shown = "; ".join(f"`{new}` <- {', '.join(f'`{old}`' for old in olds.index)}"
                          for new, olds in twice.groupby(twice, sort=False))
        raise PanelError(f"The `columns` mapping gives several columns the same name ({shown}). Map "
                         "each to its own name, or leave one out of the mapping.")
    clash = [new for old, new in columns.items() if new in frame.columns and new not in columns]
    if clash:
        raise PanelError(f"The `columns` mapping renames to {format_examples(clash)}, which already "
                         "exist in the data. Map to a different name or drop the existing column.")
    return frame.rename(columns=dict(columns))


def _missing_columns_message(role: str, missing, available, hint: str | None = None) -> str:
    shown = ", ".join(f"`{c}`" for c in missing)
    fix = hint or "Pass the right column names or rename columns with `columns={'old': 'new'}`."
    return (f"Column(s) {shown} ({role}) not found in the data. Available columns: "
            f"{format_examples(list(available), limit=12)}. {fix}")


def _check_roles(frame, unit, time, cohort, treatment) -> None:
    if cohort is None and treatment is None:
        raise PanelError("Neither `cohort` nor `treatment` was given. Pass `cohort=` (the column with "
                         "each unit's first program year) or `treatment=` (a 0/1 participation column).")
    if cohort is not None and treatment is not None:
        raise PanelError("Both `cohort` and `treatment` were given; pass only one of them (the cohort "
                         "is derived from the treatment column when only `treatment` is given).")
    roles = {"unit": unit, "time": time, "cohort": cohort, "treatment": treatment}
    missing = [(r, c) for r, c in roles.items() if c is not None and c not in frame.columns]
    if missing:
        raise PanelError(_missing_columns_message("/".join(r for r, _ in missing),
                                                  [c for _, c in missing], frame.columns))
    if treatment is not None and "cohort" in frame.columns:
        raise PanelError("`treatment` was given but the data already has a `cohort` column, which "
                         "hubeval would overwrite. Pass `cohort='cohort'` instead, or drop or rename it.")


def _clean_time(frame: pd.DataFrame, time: str) -> pd.Series:
    values = frame[time]
    if pd.api.types.is_integer_dtype(values) and not values.isna().any():
        return values.astype("int64")
    numeric = pd.to_numeric(values, errors="coerce")
    missing = values.isna()
    bad = (numeric.isna() & ~missing) | np.isinf(numeric)
    fractional = numeric.notna() & ~np.isinf(numeric) & (numeric != np.round(numeric))
    if missing.any() or bad.any() or fractional.any():
        offenders = frame.loc[missing | bad | fractional, time].head(5)
        shown = ", ".join(f"row {i}: {v!r}" for i, v in offenders.items())
        raise PanelError(
            f"Column `{time}` (time) must hold whole years: {int(missing.sum())} missing, "
            f"{int(bad.sum())} not numbers, {int(fractional.sum())} not whole numbers. First offending "
            f"rows: {shown}. Convert dates to years (e.g. df['{time}'] = df['{time}'].dt.year) and fill "
            "or drop rows without a year.")
    return numeric.astype("int64")


def _unit_codes(frame: pd.DataFrame, unit: str) -> np.ndarray:
    """Integer code of each row's unit, in order of first appearance."""
    ids = frame[unit]
    if _increasing(ids):  # sorted numbers: the runs of equal ids are the codes
        values = ids.to_numpy()
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        return np.repeat(np.arange(len(starts), dtype=np.int64), np.diff(np.r_[starts, len(values)]))
    return pd.factorize(ids, sort=False)[0].astype(np.int64)


def _increasing(ids: pd.Series) -> bool:
    """Numeric ids in ascending order (numpy: pandas' check costs a new index per call)."""
    values = ids.to_numpy()
    return values.dtype.kind in "iuf" and bool(np.all(values[1:] >= values[:-1]))


def _distinct_years(years: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer year column (counted: faster than hashing)."""
    if len(years) and 0 <= years.min() and years.max() < 100_000:
        return np.flatnonzero(np.bincount(years)).astype(years.dtype)
    return np.sort(pd.unique(years))


def _is_sorted(frame: pd.DataFrame, unit: str, time: str) -> bool:
    """True when rows are ordered by unit (ascending) and by time within unit."""
    units = frame[unit]
    if not (_increasing(units) or (units.dtype.kind not in "iuf" and units.is_monotonic_increasing)):
        return False
    values, years = units.to_numpy(), frame[time].to_numpy()
    return bool(np.all((values[1:] != values[:-1]) | (years[1:] > years[:-1])))


def _check_duplicates(frame: pd.DataFrame, unit: str, time: str, codes: np.ndarray) -> None:
    # one int64 key per (unit, time): far faster than frame.duplicated([unit, time])
    years = frame[time].to_numpy(np.int64)
    grouped = np.all(codes[1:] >= codes[:-1])  # each unit's rows together (codes by first row)
    if grouped and np.all((codes[1:] != codes[:-1]) | (years[1:] > years[:-1])):
        return  # years strictly increase within every unit: no pair twice, no key needed
    low = int(years.min())
    key = codes * (int(years.max()) - low + 1)
    key += years
    key -= low
    ordered = key if np.all(key[1:] > key[:-1]) else np.sort(key, kind="stable")  # radix sort
    if not np.any(ordered[1:] == ordered[:-1]):
        return
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    if dup.any():
        pairs = frame.loc[dup, [unit, time]].drop_duplicates().head(5)
        shown = ", ".join(f"({u}, {t})" for u, t in pairs.itertuples(index=False))
        n_pairs = len(frame.loc[dup, [unit, time]].drop_duplicates())
        raise PanelError(
            f"Columns `{unit}` x `{time}` must identify rows uniquely, but {n_pairs} (unit, time) pair(s) "
            f"occur more than once ({int(dup.sum())} rows), e.g. {shown}. Remove duplicate rows or "
            "aggregate them (e.g. plants of one firm) before building the panel.")


def _normalise_cohort(frame: pd.DataFrame, unit: str, cohort: str, codes: np.ndarray) -> pd.Series:
    raw = frame[cohort]
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        return _numeric_cohort(frame, unit, cohort, codes)
    else:
        text = raw.astype("string").str.strip().str.lower()
        never = raw.isna() | text.isin(["", "0", "0.0", "inf", "infinity", "never", "nan"])
        numeric = pd.to_numeric(raw.where(~never), errors="coerce")
    bad = numeric.isna() & ~never
    fractional = numeric.notna() & (numeric != np.round(numeric))
    if bad.any() or fractional.any():
        offenders = frame.loc[bad | fractional, [unit, cohort]].drop_duplicates().head(5)
        shown = ", ".join(f"{u}: {c!r}" for u, c in offenders.itertuples(index=False))
        raise PanelError(
            f"Column `{cohort}` (cohort) must hold the first program year as a whole number, or 0 / empty "
            f"/ inf for never-participants; {int((bad | fractional).sum())} row(s) do not, e.g. {shown}.")
    values = numeric.astype(float).where(~never, NEVER_TREATED)
    n = int(codes.max()) + 1
    low, high = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(low, codes, values.to_numpy())
    np.maximum.at(high, codes, values.to_numpy())
    with np.errstate(invalid="ignore"):
        bad = (high - low) > 0  # never mixed with a year gives inf; all-never gives NaN (not varying)
    varying = pd.Series(1, index=pd.unique(frame[unit])[bad]) if bad.any() else pd.Series(dtype=float)
    if len(varying):
        examples = []
        for u in varying.index[:5]:
            seen = sorted(values[frame[unit] == u].unique())
            examples.append(f"{u}: {', '.join('never' if np.isinf(v) else str(int(v)) for v in seen)}")
        raise PanelError(
            f"Column `{cohort}` (cohort) varies within {len(varying)} unit(s); it must be constant per "
            f"unit (the first program year). E.g. {'; '.join(examples)}. Give each unit one value; if you "
            "have a yearly 0/1 participation column instead, pass it as `treatment=`.")
    return values


def _unit_runs(codes: np.ndarray) -> np.ndarray | None:
    """First row of each unit when every unit's rows are together, else None.

    ``codes`` number units by first row, so the rows are grouped exactly when the code changes
    ``max(codes)`` times (each change then enters a new unit)."""
    change = codes[1:] != codes[:-1]
    if np.count_nonzero(change) != int(codes[-1]) or int(codes[-1]) != int(codes.max()):
        return None
    return np.flatnonzero(np.r_[True, change])


def _unit_extremes(values: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value of each unit code (codes 0..n-1 in order of first row).

    When each unit's rows are together (the usual sorted panel) one ``reduceat`` over the runs
    does it, far faster than unbuffered ``ufunc.at`` over all rows."""
    starts = _unit_runs(codes)
    if starts is not None:
        return np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    n = int(codes.max()) + 1
    low, high = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(low, codes, values)
    np.maximum.at(high, codes, values)
    return low, high


def _always_treated(frame: pd.DataFrame, time: str, cohort: str, codes: np.ndarray) -> pd.Series:
    """Rows of units whose (normalised, per-unit constant) cohort is not after their first year."""
    years, values = frame[time].to_numpy(np.int64), frame[cohort].to_numpy()
    starts = _unit_runs(codes)
    if starts is not None:
        first, unit_cohort = np.minimum.reduceat(years, starts), values[starts]
    else:
        first, _ = _unit_extremes(years, codes)
        unit_cohort = np.empty(len(first))
        unit_cohort[codes] = values
    return pd.Series((np.isfinite(unit_cohort) & (unit_cohort <= first))[codes], index=frame.index)


def _numeric_cohort(frame: pd.DataFrame, unit: str, cohort: str, codes: np.ndarray) -> pd.Series:
    """:func:`_normalise_cohort` for a numeric column, in numpy (it runs on every row of big panels).

    Checks the per-unit extremes first: a unit's value is a whole year only if it is constant,
    so the whole-number check then needs one value per unit. The error messages are those of
    :func:`_normalise_cohort`'s general branch, which builds them when a check fails."""
    raw = frame[cohort]
    values = raw.to_numpy()
    never = values == 0
    if values.dtype.kind == "f":
        never |= ~np.isfinite(values)
    values = values.astype(float, copy=True)
    np.copyto(values, NEVER_TREATED, where=never)
    starts = _unit_runs(codes)
    if starts is not None:  # rows of a unit together: constant iff equal to the previous row
        varying = not np.all((values[1:] == values[:-1]) | (codes[1:] != codes[:-1]))
        low = values[starts]
    else:
        low, high = _unit_extremes(values, codes)
        varying = bool(np.any(high > low))
    finite = np.isfinite(low)
    if varying or np.any(low[finite] != np.round(low[finite])):
        frame = frame.assign(**{cohort: raw.astype(object)})  # the general branch raises
        return _normalise_cohort(frame, unit, cohort, codes)
    return pd.Series(values, index=raw.index, name=cohort)


def _cohort_from_treatment(frame, unit, time, treatment, name) -> pd.Series:
    raw = frame[treatment]
    numeric = pd.to_numeric(raw, errors="coerce")
    bad = ~numeric.isin([0, 1])
    if bad.any():
        offenders = frame.loc[bad, [unit, time, treatment]].head(5)
        shown = ", ".join(f"{u}/{t}: {v!r}" for u, t, v in offenders.itertuples(index=False))
        raise PanelError(
            f"Column `{treatment}` (treatment) must be 0 or 1 in every row; {int(bad.sum())} row(s) are "
            f"not (missing or other values), e.g. {shown}. Fill missing years or pass `cohort=` instead.")
    ordered = frame[[unit, time]].assign(_d=numeric.values).sort_values([unit, time])
    switched_off = ordered.groupby(unit, sort=False)["_d"].diff() < 0
    if switched_off.any():
        units = pd.unique(ordered.loc[switched_off, unit])
        raise PanelError(
            f"Column `{treatment}` (treatment) switches off (1 then 0) for {len(units)} unit(s), e.g. "
            f"{format_examples(units)}. hubeval treats participation as absorbing: code every year from "
            "the first program year on as 1 (the effect of having participated), or pass `cohort=`.")
    first = ordered.loc[ordered["_d"] == 1].groupby(unit)[time].min()
    return frame[unit].map(first).astype(float).fillna(NEVER_TREATED).rename(name)


_SAMPLE = 20_000


def _mostly_numbers(values: pd.Series) -> bool:
    text = values.dropna().head(_SAMPLE).astype(str).str.strip()  # a sample decides: a heuristic
    if text.empty:
        return False
    parsed = parse_numbers(text).values.is_valid().to_numpy(zero_copy_only=False)
    return bool(parsed.mean() >= 0.5)


def _check_nonnegative(frame, nonnegative, unit, time) -> None:
    columns = [c for c in NONNEGATIVE_DEFAULT if c in frame.columns] if nonnegative is None else list(nonnegative)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PanelError(_missing_columns_message("nonnegative", missing, frame.columns))
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        negative = values < 0
        if negative.any():
            rows = frame.loc[negative, [unit, time, col]].head(5)
            shown = ", ".join(f"{u}/{t}: {v}" for u, t, v in rows.itertuples(index=False))
            raise PanelError(
                f"Column `{col}` must not be negative, but {int(negative.sum())} row(s) are, e.g. "
                f"(unit/time: value) {shown}. Correct the values (a sign error or a net figure?) or "
                f"set them to missing.")


def _check_units(frame: pd.DataFrame, unit: str) -> None:
    missing = frame[unit].isna()
    if missing.any():
        bad = list(frame.index[missing][:5])
        raise PanelError(
            f"Column `{unit}` (unit) is missing in {int(missing.sum())} row(s), e.g. rows "
            f"{format_examples(bad)}. Every row needs a firm identifier: fill them in or remove "
            "those rows before building the panel.")
    values = frame[unit]
    mixed = values.dtype == object and pd.api.types.infer_dtype(values, skipna=True).startswith("mixed")
    if mixed:
        kinds = values.map(lambda v: "number" if isinstance(v, (int, float, np.number)) else "text")
        if kinds.nunique() > 1:
            shown = format_examples([repr(v) for v in values[kinds == "number"].unique()[:2]]
                                    + [repr(v) for v in values[kinds == "text"].unique()[:2]])
            raise PanelError(
                f"Column `{unit}` (unit) mixes numbers and text ({int((kinds == 'number').sum())} "
                f"numeric and {int((kinds == 'text').sum())} text values, e.g. {shown}). Use one type, "
                f"e.g. df['{unit}'] = df['{unit}'].astype(str).")


def _check_late_cohorts(frame: pd.DataFrame, finite: pd.Series, time: str, cohort: str, unit: str) -> None:
    last = int(frame[time].max())
    late = finite & (frame[cohort] > last)
    if late.any():
        firms = frame.loc[late].groupby(unit, sort=False)[cohort].first()
        shown = ", ".join(f"{u} (cohort {int(c)})" for u, c in firms.head(5).items())
        raise PanelError(
            f"Column `{cohort}`: {len(firms)} unit(s) join after the last data year {last}, "
            f"e.g. {shown}. They are never observed participating, so they are neither "
            "participants nor comparison firms. Add the later years, or code them as "
            "never-participants (0 or empty) if they did not take part in the observed years.")
