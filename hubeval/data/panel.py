"""The firm panel: :class:`Panel`, a validated, read-only firm-year table with named roles.

Every estimator in hubeval takes a :class:`Panel`. Validation happens once, at construction;
each failure raises :class:`~hubeval.core.errors.PanelError` naming the column, showing what was
found and saying how to fix it. Data-quality problems that do not stop the analysis become
:class:`~hubeval.core.errors.DataWarning` and are recorded in ``panel.warnings`` and ``panel.report()``.

Never-participants may be coded 0, empty/NaN or infinity in the cohort column; hubeval
normalises them to ``numpy.inf`` (so ``cohort <= year`` is never true for them).
"""
from __future__ import annotations

import dataclasses
import functools
import html
import os
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import DataWarning, PanelError, format_examples
from hubeval.data.io import LoadInfo, read_table

__all__ = ["Panel", "DataQualityReport", "NEVER_TREATED"]

# pandas >= 3 always copies on write, so a shallow copy already protects the panel's data.
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3

#: How never-participants are coded in ``Panel.data[panel.cohort]``.
NEVER_TREATED = np.inf

#: Columns that must never be negative when present (persons, KRW amounts).
NONNEGATIVE_DEFAULT = ("employment", "sales", "total_cost", "materials_cost", "labour_cost",
                       "capex", "capital")

_PLACEHOLDERS = {"-", "--", "—", "–", ".", "n/a", "na", "N/A", "NA", "null", "NULL", "x", "X", "*"}


@dataclasses.dataclass(frozen=True)
class DataQualityReport:
    """What :class:`Panel` found and did: counts, dropped rows by reason, missingness, warnings."""

    summary: pd.DataFrame
    cohorts: pd.DataFrame
    dropped: pd.DataFrame
    missing: pd.DataFrame
    warnings: tuple[str, ...]

    def __str__(self) -> str:
        parts = ["Data-quality report", self.summary.to_string(index=False), "",
                 "Cohorts", self.cohorts.to_string(index=False), "",
                 "Rows dropped", self.dropped.to_string(index=False) if len(self.dropped) else "none",
                 "", "Missing values by column", self.missing.to_string(index=False)]
        if self.warnings:
            parts += ["", "Warnings"] + [f"- {w}" for w in self.warnings]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        def table(df):
            return df.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.3g}")
        warn = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings) or "<li>none</li>"
        dropped = table(self.dropped) if len(self.dropped) else "<p>none</p>"
        return (f"<div class='hubeval-report'><h4>Data-quality report</h4>{table(self.summary)}"
                f"<h5>Cohorts</h5>{table(self.cohorts)}<h5>Rows dropped</h5>{dropped}"
                f"<h5>Missing values</h5>{table(self.missing)}<h5>Warnings</h5><ul>{warn}</ul></div>")

    def to_dict(self) -> dict:
        from hubeval.core.results import to_jsonable
        return to_jsonable({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})


class Panel:
    """A validated, read-only firm-year panel with named roles.

    Parameters
    ----------
    data : DataFrame or path
        The firm-year table, or a path to a CSV (UTF-8, UTF-8 with BOM or CP949/EUC-KR, detected
        automatically), Excel (.xlsx) or Parquet file. A DataFrame is never mutated.
    unit, time : str
        Columns identifying the firm and the (integer) year.
    cohort : str, optional
        Column with the first program year of each unit; never-participants coded 0, empty/NaN or
        infinity. Give either ``cohort`` or ``treatment``.
    treatment : str, optional
        A 0/1 participation column (absorbing: once 1, always 1); the cohort is derived from it and
        stored in a column named ``"cohort"``.
    outcomes : sequence of str, optional
        Outcome columns, which must be numeric. By default every numeric column that is not a role.
    columns : mapping, optional
        Renames columns before anything else, e.g. ``{"사업체번호": "firm_id", "연도": "year"}``.
    nonnegative : sequence of str, optional
        Columns that must not be negative. Defaults to those of :data:`NONNEGATIVE_DEFAULT` present.
    coerce_numeric : bool, default False
        Convert numbers written as text ("1,234") and placeholders ("-", "n/a") to numbers / missing
        instead of raising; every conversion is counted in the report.
    drop_always_treated : bool, default False
        Drop (and count) units whose cohort is not after their first observed year instead of raising.
    encoding, sheet_name
        Passed to :func:`hubeval.data.io.read_table` when ``data`` is a path.
    min_cohort_size : int, default 3
        Warn for cohorts with fewer units.
    max_missing : float, default 0.2
        Warn for outcomes with a larger share of missing values.

    Raises
    ------
    PanelError
        Missing role columns, duplicate (unit, time) rows, bad time values, inconsistent cohorts,
        always-treated units, switching-off treatment, no comparison units, non-numeric outcomes,
        negative employment or costs, empty or non-table files.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(n_units=50, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> panel.n_units
    50
    """

    def __init__(self, data, *, unit: str, time: str, cohort: str | None = None,
                 treatment: str | None = None, outcomes: Sequence[str] | None = None,
                 columns: Mapping[str, str] | None = None, nonnegative: Sequence[str] | None = None,
                 coerce_numeric: bool = False, drop_always_treated: bool = False,
                 encoding: str | None = None, sheet_name=0, min_cohort_size: int = 3,
                 max_missing: float = 0.2):
        self._dropped: list[tuple[str, int]] = []
        self._conversions: list[tuple[str, str, int]] = []
        self._warnings: list[str] = []
        frame, self.load_info = _load(data, encoding, sheet_name)
        frame = _rename(frame, columns)
        self.unit, self.time = unit, time
        self.cohort = cohort if cohort is not None else "cohort"
        self.source_treatment = treatment
        _check_roles(frame, unit, time, cohort, treatment)
        frame = self._drop_blank_units(frame)
        frame[time] = _clean_time(frame, time)
        codes = _unit_codes(frame, unit)
        _check_duplicates(frame, unit, time, codes)
        if treatment is not None:
            frame[self.cohort] = _cohort_from_treatment(frame, unit, time, treatment, self.cohort)
        else:
            frame[self.cohort] = _normalise_cohort(frame, unit, cohort, codes)
        frame, codes = self._check_timing(frame, codes, drop_always_treated)
        self.outcomes = self._clean_outcomes(frame, outcomes, coerce_numeric)
        _check_nonnegative(frame, nonnegative, self.unit, self.time)
        if not _is_sorted(frame, unit, time):
            frame = frame.reset_index(drop=True).sort_values([unit, time], kind="stable")
            codes = codes[frame.index.to_numpy()]
        self._data = frame.reset_index(drop=True)
        self._codes = codes
        self._quality_warnings(min_cohort_size, max_missing)

    # --- construction steps -----------------------------------------------------------------
    def _drop_blank_units(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = frame[self.unit].isna()
        if missing.any():
            bad = list(frame.index[missing][:5])
            raise PanelError(
                f"Column `{self.unit}` (unit) is missing in {int(missing.sum())} row(s), e.g. rows "
                f"{format_examples(bad)}. Every row needs a firm identifier: fill them in or remove "
                "those rows before building the panel.")
        values = frame[self.unit]
        if values.dtype == object:
            kinds = values.map(lambda v: "number" if isinstance(v, (int, float, np.number)) else "text")
            if kinds.nunique() > 1:
                shown = format_examples([repr(v) for v in values[kinds == "number"].unique()[:2]]
                                        + [repr(v) for v in values[kinds == "text"].unique()[:2]])
                raise PanelError(
                    f"Column `{self.unit}` (unit) mixes numbers and text ({int((kinds == 'number').sum())} "
                    f"numeric and {int((kinds == 'text').sum())} text values, e.g. {shown}). Use one type, "
                    f"e.g. df['{self.unit}'] = df['{self.unit}'].astype(str).")
        return frame

    def _check_timing(self, frame: pd.DataFrame, codes: np.ndarray,
                      drop_always_treated: bool) -> tuple[pd.DataFrame, np.ndarray]:
        first = np.full(int(codes.max()) + 1, np.iinfo(np.int64).max)
        np.minimum.at(first, codes, frame[self.time].to_numpy(np.int64))
        first_seen = first[codes]
        always = np.isfinite(frame[self.cohort]) & (frame[self.cohort] <= first_seen)
        if always.any():
            units = pd.unique(frame.loc[always, self.unit])
            if not drop_always_treated:
                examples = frame.loc[always].groupby(self.unit, sort=False).first().head(5)
                shown = ", ".join(f"{u} (cohort {int(r[self.cohort])}, first year {int(r[self.time])})"
                                  for u, r in examples.iterrows())
                raise PanelError(
                    f"Column `{self.cohort}`: {len(units)} unit(s) are already participating in their "
                    f"first observed year (always-treated), e.g. {shown}. They have no pre-period, so "
                    "no effect can be estimated for them. Correct the cohort, add earlier years, or pass "
                    "`drop_always_treated=True` to drop them (they are counted in the report).")
            keep = ~always.to_numpy()
            frame = frame.loc[keep].reset_index(drop=True)
            codes = _unit_codes(frame, self.unit)
            self._dropped.append((f"always-treated units ({len(units)} units)", int(always.sum())))
        finite = np.isfinite(frame[self.cohort])
        if not finite.any():
            raise PanelError(
                f"Column `{self.cohort}` marks no participating unit: every unit is coded as a "
                "never-participant (0, empty or inf). Check the cohort column or the column mapping.")
        cohorts_per_unit = frame.loc[finite].groupby(self.unit)[self.cohort].first()
        if (~finite).sum() == 0 and cohorts_per_unit.nunique() == 1:
            raise PanelError(
                f"Column `{self.cohort}`: there are no comparison units at all: all "
                f"{len(cohorts_per_unit)} units join in {int(cohorts_per_unit.iloc[0])} and none is a "
                "never-participant or joins later. Add non-participating firms (coded 0 or empty) to "
                "the data.")
        return frame, codes

    def _clean_outcomes(self, frame: pd.DataFrame, outcomes, coerce: bool) -> list[str]:
        roles = {self.unit, self.time, self.cohort, self.source_treatment}
        if outcomes is None:
            candidates = [c for c in frame.columns if c not in roles]
            numeric = [c for c in candidates if pd.api.types.is_numeric_dtype(frame[c])]
            textual = [c for c in candidates if c not in numeric and _mostly_numbers(frame[c])]
            chosen = numeric + textual
        else:
            outcomes = [outcomes] if isinstance(outcomes, str) else list(outcomes)
            missing = [c for c in outcomes if c not in frame.columns]
            if missing:
                raise PanelError(_missing_columns_message("outcome", missing, frame.columns))
            chosen = outcomes
        for col in chosen:
            if pd.api.types.is_bool_dtype(frame[col]):
                frame[col] = frame[col].astype(float)
            elif not pd.api.types.is_numeric_dtype(frame[col]):
                frame[col] = self._coerce_column(frame, col, coerce)
        return chosen

    def _coerce_column(self, frame: pd.DataFrame, col: str, coerce: bool) -> pd.Series:
        text = frame[col].astype("string").str.strip()
        placeholder = text.isin(_PLACEHOLDERS)
        commas = text.str.contains(r"^-?[\d,]+(?:\.\d+)?$", regex=True, na=False) & text.str.contains(",", na=False)
        parsed = pd.to_numeric(text.where(~placeholder).str.replace(",", "", regex=False), errors="coerce")
        other = parsed.isna() & text.notna() & ~placeholder
        if other.any() or not coerce:
            rows = frame.loc[other | placeholder | commas, [self.unit, self.time, col]].head(5)
            shown = "; ".join(f"{r[self.unit]}/{r[self.time]}: {r[col]!r}" for _, r in rows.iterrows())
            fix = ("pass `coerce_numeric=True` to read thousands separators as numbers and placeholders "
                   "as missing (counted in the report)") if not other.any() else (
                "correct or blank out these cells, or leave the column out of `outcomes`")
            raise PanelError(
                f"Outcome column `{col}` is not numeric: {int(commas.sum())} value(s) use thousands "
                f"separators (e.g. '1,234'), {int(placeholder.sum())} are placeholders such as '-', and "
                f"{int(other.sum())} cannot be read as numbers. First offending rows (unit/time: value): "
                f"{shown}. To fix, {fix}.")
        self._conversions += [(col, "thousands separator removed", int(commas.sum())),
                              (col, "placeholder set to missing", int(placeholder.sum()))]
        return parsed.astype(float)

    def _quality_warnings(self, min_cohort_size: int, max_missing: float) -> None:
        data, unit, time = self._data, self.unit, self.time
        n_times = np.bincount(self._codes)  # (unit, time) is unique: rows = years
        short = int((n_times < len(self.times)).sum())
        if short:
            self._warn(f"Unbalanced panel: {short} of {self.n_units} units are not observed in all "
                       f"{len(self.times)} years ({self.times[0]}-{self.times[-1]}).")
        sizes = self.cohort_sizes
        small = sizes[sizes < min_cohort_size]
        if len(small):
            shown = ", ".join(f"{int(c)} ({n} units)" for c, n in small.items())
            self._warn(f"Cohorts with fewer than {min_cohort_size} units: {shown}. Their group-time "
                       "effects are very imprecise and may be suppressed for disclosure.")
        few_pre = [int(c) for c in sizes.index if (self.times < c).sum() < 2]
        if few_pre:
            self._warn(f"Cohorts with fewer than 2 pre-periods: {format_examples(few_pre)}. Pre-trends "
                       "cannot be tested for them.")
        for col in self.outcomes:
            share = float(data[col].isna().mean())
            if share > max_missing:
                self._warn(f"Outcome `{col}` is missing in {share:.0%} of rows "
                           f"({int(data[col].isna().sum())} of {len(data)}).")
        for col, what, count in self._conversions:
            if count:
                self._warn(f"Outcome `{col}`: {what} in {count} cell(s) (coerce_numeric=True).")

    def _warn(self, message: str) -> None:
        self._warnings.append(message)
        warnings.warn(message, DataWarning, stacklevel=4)

    # --- read-only access -------------------------------------------------------------------
    @property
    def data(self) -> pd.DataFrame:
        """The validated table (a copy: changing it does not change the panel)."""
        return self._data.copy(deep=not _COPY_ON_WRITE)

    @functools.cached_property
    def times(self) -> np.ndarray:
        """Sorted distinct periods."""
        return np.sort(self._data[self.time].unique())

    @property
    def units(self) -> np.ndarray:
        """Distinct unit identifiers, in sorted order."""
        return self._data[self.unit].unique()

    @property
    def n_units(self) -> int:
        return int(self._data[self.unit].nunique())

    @functools.cached_property
    def unit_cohorts(self) -> pd.Series:
        """Cohort of each unit (index: unit, sorted), ``inf`` for never-participants."""
        firsts = np.flatnonzero(np.r_[True, self._codes[1:] != self._codes[:-1]])
        rows = self._data.iloc[firsts]
        return pd.Series(rows[self.cohort].to_numpy(), index=pd.Index(rows[self.unit].to_numpy(),
                         name=self.unit), name=self.cohort).sort_index()

    @property
    def cohorts(self) -> np.ndarray:
        """Sorted distinct participation cohorts (never-participants excluded)."""
        values = self.unit_cohorts
        return np.sort(values[np.isfinite(values)].unique())

    @property
    def cohort_sizes(self) -> pd.Series:
        """Number of units per cohort (index: cohort, ascending)."""
        values = self.unit_cohorts
        return values[np.isfinite(values)].astype(int).value_counts().sort_index()

    @property
    def n_treated(self) -> int:
        return int(np.isfinite(self.unit_cohorts).sum())

    @property
    def n_never_treated(self) -> int:
        return int((~np.isfinite(self.unit_cohorts)).sum())

    @property
    def warnings(self) -> tuple[str, ...]:
        """Data-quality warnings raised at construction."""
        return tuple(self._warnings)

    @property
    def is_balanced(self) -> bool:
        return len(self._data) == self.n_units * len(self.times)

    def wide(self, column: str) -> pd.DataFrame:
        """``column`` as a unit x time table (missing unit-years are NaN)."""
        return self._data.pivot(index=self.unit, columns=self.time, values=column)

    def event_time(self) -> pd.Series:
        """Years since entry for each row (``time - cohort``); NaN for never-participants."""
        rel = self._data[self.time] - self._data[self.cohort]
        return rel.where(np.isfinite(self._data[self.cohort]))

    def with_data(self, data: pd.DataFrame, *, _quiet: bool = False, _provenance: "Panel | None" = None,
                  **overrides) -> "Panel":
        """A new validated panel on ``data`` with the same roles (e.g. a subset or added columns).

        Keyword arguments override the construction settings (e.g. ``outcomes=``). Data-quality
        warnings are re-issued for the new data and recorded on the new panel.
        """
        kwargs = dict(unit=self.unit, time=self.time, cohort=self.cohort)
        kwargs.update(overrides)
        with warnings.catch_warnings():
            if _quiet:
                warnings.simplefilter("ignore", DataWarning)
            new = Panel(data, **kwargs)
        if _provenance is not None:
            new.load_info = _provenance.load_info
            new._dropped = list(_provenance._dropped) + new._dropped
        return new

    def subset(self, units) -> "Panel":
        """A new panel restricted to ``units``."""
        keep = self._data[self.unit].isin(list(units))
        return self.with_data(self._data.loc[keep])

    def report(self) -> DataQualityReport:
        """The data-quality report: counts, cohorts, dropped rows by reason, missingness, warnings."""
        data = self._data
        rows_in = self.load_info.rows_read if self.load_info else len(data) + sum(n for _, n in self._dropped)
        summary = pd.DataFrame({
            "item": ["rows read", "rows kept", "units", "participating units", "never-participants",
                     "years", "balanced"],
            "value": [rows_in, len(data), self.n_units, self.n_treated, self.n_never_treated,
                      f"{self.times[0]}-{self.times[-1]} ({len(self.times)})", str(self.is_balanced)],
        })
        if self.load_info is not None:
            summary = pd.concat([summary, pd.DataFrame({
                "item": ["source", "format", "encoding"],
                "value": [self.load_info.path, self.load_info.format, str(self.load_info.encoding)]})],
                ignore_index=True)
        sizes = self.cohort_sizes
        cohorts = pd.DataFrame({"cohort": sizes.index.astype(int), "n_units": sizes.values,
                                "pre_periods": [int((self.times < c).sum()) for c in sizes.index],
                                "post_periods": [int((self.times >= c).sum()) for c in sizes.index]})
        dropped = list(self._dropped)
        if self.load_info is not None and self.load_info.blank_rows_dropped:
            dropped.insert(0, ("fully blank rows in the file", self.load_info.blank_rows_dropped))
        if self.load_info is not None and self.load_info.units:
            units = ", ".join(sorted(set(map(str, self.load_info.units.values()))))
            dropped.insert(0, (f"unit row under the header ({units}; values not rescaled)", 1))
        dropped_df = pd.DataFrame(dropped, columns=["reason", "rows"])
        missing = pd.DataFrame({"column": self.outcomes,
                                "missing": [int(data[c].isna().sum()) for c in self.outcomes],
                                "share": [float(data[c].isna().mean()) for c in self.outcomes]})
        return DataQualityReport(summary, cohorts, dropped_df, missing, self.warnings)

    def __repr__(self) -> str:
        return (f"Panel({self.n_units} units x {len(self.times)} years {self.times[0]}-{self.times[-1]}, "
                f"{self.n_treated} participants in {len(self.cohorts)} cohorts, "
                f"{self.n_never_treated} never-participants, {len(self.outcomes)} outcomes)")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.report()._repr_html_()

    def __len__(self) -> int:
        return len(self._data)


# --- validation helpers (module level: each does one check) ------------------------------------
def _load(data, encoding, sheet_name) -> tuple[pd.DataFrame, LoadInfo | None]:
    if isinstance(data, pd.DataFrame):
        if data.shape[0] == 0:
            raise PanelError(f"`data` is an empty DataFrame (0 rows, columns: "
                             f"{format_examples(list(data.columns))}). Pass the firm-year table.")
        return data.copy(), None
    if isinstance(data, (str, os.PathLike)):
        return read_table(data, encoding=encoding, sheet_name=sheet_name)
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
    bad = numeric.isna() & ~missing
    fractional = numeric.notna() & (numeric != np.round(numeric))
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
    return pd.factorize(frame[unit], sort=False)[0].astype(np.int64)


def _is_sorted(frame: pd.DataFrame, unit: str, time: str) -> bool:
    """True when rows are ordered by unit (ascending) and by time within unit."""
    units = frame[unit]
    if not units.is_monotonic_increasing:
        return False
    same = (units.to_numpy()[1:] == units.to_numpy()[:-1])
    return bool(np.all(np.diff(frame[time].to_numpy()) [same] > 0))


def _check_duplicates(frame: pd.DataFrame, unit: str, time: str, codes: np.ndarray) -> None:
    # one int64 key per (unit, time): far faster than frame.duplicated([unit, time])
    years = frame[time].to_numpy(np.int64)
    key = codes * (int(years.max() - years.min()) + 1) + (years - years.min())
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
        values = raw.to_numpy(float)
        never = pd.Series(np.isnan(values) | (values == 0) | np.isinf(values), index=raw.index)
        numeric = raw.astype(float).where(~never)
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


def _mostly_numbers(values: pd.Series) -> bool:
    text = values.dropna().astype(str).str.strip()
    if text.empty:
        return False
    parsed = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    return bool(parsed.notna().mean() >= 0.5)


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
