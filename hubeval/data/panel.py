"""The firm panel: :class:`Panel`, a validated, read-only firm-year table with named roles.

Every estimator in hubeval takes a :class:`Panel`. Validation happens once, at construction;
each failure raises :class:`~hubeval.core.errors.PanelError` naming the column, showing what was
found and saying how to fix it. Data-quality problems that do not stop the analysis become
:class:`~hubeval.core.errors.DataWarning` and are recorded in ``panel.warnings`` and ``panel.report()``.

Never-participants may be coded 0, empty/NaN or infinity in the cohort column; hubeval
normalises them to ``numpy.inf`` (so ``cohort <= year`` is never true for them).
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd

from hubeval.core.errors import DataWarning, PanelError, format_examples
from hubeval.data._checks import (
    _check_late_cohorts,
    _check_units,
    _check_duplicates,
    _check_nonnegative,
    _check_roles,
    _clean_time,
    _cohort_from_treatment,
    _is_sorted,
    _load,
    _missing_columns_message,
    _mostly_numbers,
    _normalise_cohort,
    _rename,
    _always_treated,
    _distinct_years,
    _unit_codes,
)
from hubeval.data._conversions import check_finite, coerce_column, money_units, recode_binary
from hubeval.data.quality import DataQualityResult
from hubeval.data.registry import remember_unit_column, unit_columns_seen
from hubeval.data.units import money_label

__all__ = ["Panel", "unit_columns_seen"]

# pandas >= 3 always copies on write, so a shallow copy already protects the panel's data.
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


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
        Read numbers as Korean Excel writes them: thousands separators (``1,234``), negatives as
        ``△1,234`` or ``(1,234)``, placeholders (``-``, ``n/a``, ``*``) as missing, instead of
        raising; every conversion is counted in the report.
    money_unit : str or float, optional
        The unit of every money amount in the panel: 원, 천원, 만원, 백만원, 억원 (or KRW per unit,
        e.g. ``1e6``). Money columns whose unit row says otherwise are converted to it (recorded in
        the report). By default the unit the unit row gives; money columns in different units then
        raise. Without a unit row it declares the data's unit. ``panel.money_unit`` gives KRW per
        unit (None when unknown).
    delimiter, header_row
        CSV delimiter and the row of the header (0: the first); detected by default, see
        :func:`hubeval.read_table`.
    drop_always_treated : bool, default False
        Drop (and count) units whose cohort is not after their first observed year instead of raising.
    encoding, sheet_name
        Passed to :func:`hubeval.data.io.read_table` when ``data`` is a path.

    Text columns coded Y/N, 예/아니오, O/X, 유/무 or true/false become 1/0 (recorded in the report).
    In a file, a cohort after the last data year is an error (usually a typing error); in a
    DataFrame such firms are comparison firms that join after the sample, as R ``did`` treats them.
    Identifiers keep their type: in a file, ids with leading zeros stay text (``0999`` and
    ``999`` are two firms).
    min_cohort_size : int, default 3
        Warn for cohorts with fewer units.
    max_missing : float, default 0.2
        Warn for outcomes with a larger share of missing values.

    Raises
    ------
    PanelError
        Missing role columns, duplicate (unit, time) rows, bad time values, inconsistent cohorts,
        always-treated units, switching-off treatment, no comparison units, non-numeric outcomes,
        negative employment or costs, empty or non-table files, infinite values (naming column and
        rows), cohorts after the last data year, duplicate column names (in the file, the frame or
        the mapping's targets), money columns in different units without ``money_unit``.

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(n_units=50, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> panel.n_units
    50
    """

    #: Sample restrictions applied by :func:`hubeval.restrict_sample` (recorded in results).
    restrictions: Mapping = MappingProxyType({})

    def __init__(self, data, *, unit: str, time: str, cohort: str | None = None,
                 treatment: str | None = None, outcomes: Sequence[str] | None = None,
                 columns: Mapping[str, str] | None = None, nonnegative: Sequence[str] | None = None,
                 coerce_numeric: bool = False, drop_always_treated: bool = False,
                 encoding: str | None = None, sheet_name=0, min_cohort_size: int = 3,
                 max_missing: float = 0.2, money_unit=None, delimiter: str | None = None,
                 header_row: int | None = None, _derived: bool = False):
        self._dropped: list[tuple[str, int]] = []
        self._conversions: list[tuple[str, str, int]] = []  # number formats read (warned)
        self._warnings: list[str] = []
        frame, self.load_info = _load(data, dict(encoding=encoding, sheet_name=sheet_name,
                                                 delimiter=delimiter, header_row=header_row,
                                                 coerce_numeric=coerce_numeric))
        frame = _rename(frame, columns)
        if self.load_info is not None:
            self._conversions += [((columns or {}).get(c, c), what, n) for c, what, n in self.load_info.numbers]
        self.unit, self.time = unit, time
        self.cohort = cohort if cohort is not None else "cohort"
        self.source_treatment = treatment
        _check_roles(frame, unit, time, cohort, treatment)
        remember_unit_column(unit)
        # a derived panel (with_data) holds columns made by code: their coding is deliberate
        frame, self._recoded = ((frame, []) if _derived else recode_binary(frame, {unit, time, cohort}))
        _check_units(frame, unit)
        frame[time] = _clean_time(frame, time)
        codes = _unit_codes(frame, unit)
        _check_duplicates(frame, unit, time, codes)
        if treatment is not None:
            frame[self.cohort] = _cohort_from_treatment(frame, unit, time, treatment, self.cohort)
        else:
            frame[self.cohort] = _normalise_cohort(frame, unit, cohort, codes)
        frame, codes = self._check_timing(frame, codes, drop_always_treated)
        self.outcomes = self._clean_outcomes(frame, outcomes, coerce_numeric)
        units = self.load_info.units if self.load_info is not None else {}
        frame, self._money_unit, notes = money_units(frame, units, columns, money_unit)
        self._recoded += notes
        check_finite(frame, unit, time, {self.cohort})
        _check_nonnegative(frame, nonnegative, self.unit, self.time)
        if not _is_sorted(frame, unit, time):
            frame = frame.reset_index(drop=True).sort_values([unit, time], kind="stable")
            codes = codes[frame.index.to_numpy()]
        self._data = frame.reset_index(drop=True)
        self._codes = codes
        self._quality_warnings(min_cohort_size, max_missing)

    # --- construction steps -----------------------------------------------------------------
    def _check_timing(self, frame: pd.DataFrame, codes: np.ndarray,
                      drop_always_treated: bool) -> tuple[pd.DataFrame, np.ndarray]:
        always = _always_treated(frame, self.time, self.cohort, codes)
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
        if self.load_info is not None:  # in a file a typing error; in code a late comparison firm
            _check_late_cohorts(frame, finite, self.time, self.cohort, self.unit)
        if not finite.any():
            raise PanelError(
                f"Column `{self.cohort}` marks no participating unit: every unit is coded as a "
                "never-participant (0, empty or inf). Check the cohort column or the column mapping.")
        # the cohort is constant within unit (checked before): one distinct value is one cohort
        if finite.all() and len(pd.unique(frame[self.cohort].to_numpy())) == 1:
            cohorts_per_unit = frame.groupby(self.unit)[self.cohort].first()
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
        values, found = coerce_column(frame, col, coerce, self.unit, self.time)
        self._conversions += found
        return values

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
        return _distinct_years(self._data[self.time].to_numpy())

    @property
    def units(self) -> np.ndarray:
        """Distinct unit identifiers, in sorted order."""
        return self._data[self.unit].unique()

    @property
    def n_units(self) -> int:
        return int(self._codes.max()) + 1  # codes number the units 0..n-1

    @functools.cached_property
    def unit_cohorts(self) -> pd.Series:
        """Cohort of each unit (index: unit, sorted), ``inf`` for never-participants."""
        firsts = np.flatnonzero(np.r_[True, self._codes[1:] != self._codes[:-1]])
        units = pd.Index(self._data[self.unit].to_numpy()[firsts], name=self.unit)
        values = pd.Series(self._data[self.cohort].to_numpy()[firsts], index=units, name=self.cohort)
        return values if units.is_monotonic_increasing else values.sort_index()

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
    def money_unit(self) -> float | None:
        """KRW per unit of the money columns (1e6: KRW million, 백만원); None when unknown (no unit
        row and no ``money_unit`` given)."""
        return self._money_unit

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
            new = Panel(data, **kwargs, _derived=True)
        if new._money_unit is None:
            new._money_unit = self._money_unit  # the same amounts: the same unit
        if _provenance is not None:
            new.load_info = _provenance.load_info
            new._dropped = list(_provenance._dropped) + new._dropped
            new._recoded = list(_provenance._recoded) + new._recoded
            new._conversions = list(_provenance._conversions) + new._conversions
            new.restrictions = _provenance.restrictions
        return new

    def subset(self, units) -> "Panel":
        """A new panel restricted to ``units``."""
        keep = self._data[self.unit].isin(list(units))
        return self.with_data(self._data.loc[keep])

    def report(self) -> DataQualityResult:
        """The data-quality report: counts, cohorts, dropped rows by reason, missingness, warnings."""
        data = self._data
        rows_in = self.load_info.rows_read if self.load_info else len(data) + sum(n for _, n in self._dropped)
        summary = pd.DataFrame({
            "item": ["rows read", "rows kept", "units", "participating units", "never-participants",
                     "years", "balanced"],
            "value": [rows_in, len(data), self.n_units, self.n_treated, self.n_never_treated,
                      f"{self.times[0]}-{self.times[-1]} ({len(self.times)})", str(self.is_balanced)],
        })
        money = "unknown (no unit row; set `money_unit`)" if self._money_unit is None else \
            f"{money_label(self._money_unit)} (KRW {self._money_unit:,.0f} per unit)"
        summary = pd.concat([summary, pd.DataFrame({"item": ["money unit"], "value": [money]})],
                            ignore_index=True)
        if self.load_info is not None:
            info = self.load_info
            delimiter = {",": "comma", ";": "semicolon", "\t": "tab"}.get(info.delimiter, info.delimiter)
            summary = pd.concat([summary, pd.DataFrame({
                "item": ["source", "format", "encoding", "delimiter", "header row"],
                "value": [info.path, info.format, str(info.encoding), str(delimiter),
                          str(info.header_row)]})], ignore_index=True)
        sizes = self.cohort_sizes
        cohorts = pd.DataFrame({"cohort": sizes.index.astype(int), "n_units": sizes.values,
                                "pre_periods": [int((self.times < c).sum()) for c in sizes.index],
                                "post_periods": [int((self.times >= c).sum()) for c in sizes.index]})
        dropped = list(self._dropped)
        if self.load_info is not None and self.load_info.blank_rows_dropped:
            dropped.insert(0, ("fully blank rows in the file", self.load_info.blank_rows_dropped))
        if self.load_info is not None and self.load_info.units:
            units = ", ".join(sorted(set(map(str, self.load_info.units.values()))))
            dropped.insert(0, (f"unit row under the header ({units})", 1))
        if self.load_info is not None and self.load_info.header_row:
            dropped.insert(0, ("rows above the header (title or group rows)", self.load_info.header_row))
        dropped_df = pd.DataFrame(dropped, columns=["reason", "rows"])
        missing = pd.DataFrame({"column": self.outcomes,
                                "missing": [int(data[c].isna().sum()) for c in self.outcomes],
                                "share": [float(data[c].isna().mean()) for c in self.outcomes]})
        conversions = pd.DataFrame(self._conversions + self._recoded, columns=["column", "conversion", "cells"])
        return DataQualityResult(summary, cohorts, dropped_df, missing, self.warnings, conversions)

    def __repr__(self) -> str:
        return (f"Panel({self.n_units} units x {len(self.times)} years {self.times[0]}-{self.times[-1]}, "
                f"{self.n_treated} participants in {len(self.cohorts)} cohorts, "
                f"{self.n_never_treated} never-participants, {len(self.outcomes)} outcomes)")

    def _repr_html_(self) -> str:
        from hubeval.core.html import result_html

        return result_html(intro=repr(self), css_class="hubeval-panel") + self.report()._repr_html_()

    def __len__(self) -> int:
        return len(self._data)
