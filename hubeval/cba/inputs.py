"""Inputs of the cost-benefit analysis: the cost ledger, price deflation, effect paths and the
participants' baseline, each validated with a clear error (see :mod:`hubeval.cba.model` for the method).
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError, format_examples

__all__ = ["PAYERS", "COST_COLUMNS", "ADDITIONALITY_DEFAULTS", "SENSITIVITY_RANGES", "real_costs",
           "participant_baseline"]

#: Payers recognised in a cost ledger.
PAYERS = ("city", "posco", "chamber", "firms")
#: Columns a cost ledger must have.
COST_COLUMNS = ["cohort", "payer", "item", "quantity", "unit", "unit_cost_krw", "amount_krw",
                "price_year"]
#: Default settings, documented in the module docstring with their sources.
ADDITIONALITY_DEFAULTS = {"displacement": 0.25, "leakage": 0.10, "substitution": 0.0,
                          "multiplier": 1.0, "persistence": 0.8}
#: Low and high values varied one at a time by :func:`cba_sensitivity`.
SENSITIVITY_RANGES = {"discount_rate": (0.035, 0.055), "horizon": (5, 15),
                      "persistence": (0.5, 1.0), "displacement": (0.0, 0.5),
                      "leakage": (0.0, 0.25), "substitution": (0.0, 0.10),
                      "multiplier": (1.0, 1.3)}
_BASELINE_COLUMNS = ["cohort", "n_firms", "value_added_krw"]
_BOUNDS = {"discount_rate": (0.0, 0.2, "a real annual rate, e.g. 0.045 for 4.5%"),
           "persistence": (0.0, 1.0, "the share of the effect kept each year"),
           "displacement": (0.0, 1.0, "a share"), "leakage": (0.0, 1.0, "a share"),
           "substitution": (0.0, 1.0, "a share"),
           "multiplier": (1.0, 3.0, "a composite multiplier, 1 for none")}


# --- validation -----------------------------------------------------------------------------

def _check_number(value: Any, name: str) -> float:
    lo, hi, what = _BOUNDS[name]
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not lo <= value <= hi:
        hint = " Did you pass a percentage? Use 0.045 for 4.5%." \
            if name == "discount_rate" and isinstance(value, numbers.Real) and value > 1 else ""
        raise SpecError(f"`{name}` must be {what}, between {lo:g} and {hi:g}; got {value!r}.{hint}")
    return float(value)


def _check_int(value: Any, name: str, lo: int, hi: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not lo <= value <= hi:
        raise SpecError(f"`{name}` must be {what}, a whole number from {lo} to {hi}; got {value!r}.")
    return int(value)


def _check_frame(frame: Any, name: str, columns: list[str]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise SpecError(f"`{name}` must be a pandas DataFrame; got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SpecError(f"`{name}` is missing column(s) {missing}; it has "
                        f"{format_examples(list(frame.columns), limit=10)}.")
    if frame.empty:
        raise SpecError(f"`{name}` has no rows.")
    return frame


def _bad_rows(frame: pd.DataFrame, mask: pd.Series, column: str) -> str:
    rows = frame.index[np.asarray(mask, dtype=bool)]
    values = [frame.at[i, column] for i in rows]
    return format_examples([f"row {i}: {getattr(v, 'item', lambda: v)()!r}"
                            for i, v in zip(rows, values)], limit=3)


def _check_ledger(costs: pd.DataFrame) -> pd.DataFrame:
    costs = _check_frame(costs, "costs", COST_COLUMNS)
    numeric = ["quantity", "unit_cost_krw", "amount_krw", "cohort", "price_year"]
    for col in numeric:
        values = pd.to_numeric(costs[col], errors="coerce")
        if values.isna().any():
            raise SpecError(f"`costs` column `{col}` has missing or non-numeric values "
                            f"({_bad_rows(costs, values.isna(), col)}). Fill them in the ledger.")
    for col in ("quantity", "unit_cost_krw", "amount_krw"):
        negative = costs[col].astype(float) < 0
        if negative.any():
            raise SpecError(
                f"`costs` column `{col}` has negative values ({_bad_rows(costs, negative, col)}); "
                "costs must be >= 0. Record refunds or co-payments by reducing the item's "
                "amount, not as a negative cost.")
    unknown = ~costs["payer"].isin(PAYERS)
    if unknown.any():
        raise SpecError(f"`costs` column `payer` has unknown payers "
                        f"({_bad_rows(costs, unknown, 'payer')}); use one of {list(PAYERS)}.")
    implied = costs["quantity"].astype(float) * costs["unit_cost_krw"].astype(float)
    mismatch = ~np.isclose(costs["amount_krw"].astype(float), implied, rtol=1e-6, atol=1.0)
    if mismatch.any():
        raise SpecError(
            f"`costs` column `amount_krw` differs from `quantity` x `unit_cost_krw` in "
            f"{int(mismatch.sum())} row(s) ({_bad_rows(costs, mismatch, 'amount_krw')}). "
            "Correct the ledger so amount = quantity x unit cost.")
    return costs


def _price_series(price_index: Any) -> pd.Series:
    """A year-indexed float Series from a mapping, a Series or a (year, value) table."""
    if isinstance(price_index, pd.DataFrame):
        values = [c for c in price_index.columns if c != "year"]
        if "year" not in price_index.columns or len(values) != 1:
            raise SpecError("`price_index` as a table needs a `year` column and one value column; "
                            f"got columns {list(price_index.columns)}.")
        price_index = price_index.set_index("year")[values[0]]
    index = pd.Series(price_index, dtype=float)
    index.index = index.index.astype(int)
    return index


def _deflators(costs: pd.DataFrame, price_index: Any,
               price_base_year: int | None) -> tuple[pd.Series, int]:
    """Factor per row turning nominal KRW of ``price_year`` into real base-year KRW, and the
    base year."""
    years = costs["price_year"].astype(int)
    if price_index is None:
        if years.nunique() > 1:
            raise SpecError(
                f"`costs` has several price years ({sorted(map(int, years.unique()))}) but no "
                "`price_index`. Pass price_index={year: deflator} (base year = 100) to express "
                "all costs in real base-year KRW.")
        return pd.Series(1.0, index=costs.index), int(years.iloc[0])
    index = _price_series(price_index)
    if price_base_year is None:
        base = index.index[np.isclose(index.to_numpy(), 100.0)]
        if len(base) != 1:
            raise SpecError("`price_index` has no single year equal to 100; pass "
                            "`price_base_year` to say which year's prices to use.")
        price_base_year = int(base[0])
    missing = sorted(set(years) - set(index.index) | ({price_base_year} - set(index.index)))
    if missing:
        raise SpecError(f"`price_index` has no value for year(s) {missing}; extend the index.")
    return index[price_base_year] / years.map(index), int(price_base_year)


def real_costs(costs: pd.DataFrame, *, price_index: Mapping[int, float] | pd.Series | None = None,
               price_base_year: int | None = None) -> pd.DataFrame:
    """Validate a cost ledger and add ``amount_real_krw`` in real base-year KRW.

    Parameters
    ----------
    costs : pandas.DataFrame
        Ledger with columns :data:`COST_COLUMNS`: ``cohort`` (participation year), ``payer``
        (one of :data:`PAYERS`), ``item``, ``quantity``, ``unit``, ``unit_cost_krw``,
        ``amount_krw`` (nominal, = quantity x unit cost) and ``price_year``.
    price_index : mapping of year to deflator, Series, or DataFrame with ``year``, optional
        E.g. the GDP deflator or PPI with base year = 100 (a table needs a ``year`` column and
        one value column). Without it all rows must share one price year, taken as the base.
    price_base_year : int, optional
        Year whose prices to use; default the year where the index is 100.

    Returns
    -------
    pandas.DataFrame
        A copy of ``costs`` with ``amount_real_krw`` and ``price_base_year``.

    Raises
    ------
    SpecError
        Missing columns or values, negative amounts, unknown payers, an amount that is not
        quantity x unit cost, or a price index that does not cover the ledger's years.
    """
    costs = _check_ledger(costs)
    out = costs.copy()
    factor, base_year = _deflators(costs, price_index, price_base_year)
    out["amount_real_krw"] = out["amount_krw"].astype(float) * factor
    out["price_base_year"] = base_year
    return out


# --- effects and baseline ---------------------------------------------------------------------

def _effect_path(effects: Any, name: str) -> pd.DataFrame:
    """Post-treatment effects (event time 0, 1, ..., E), contiguous, one row each."""
    frame = getattr(effects, "estimates", effects)
    frame = _check_frame(frame, name, ["event_time", "estimate", "std_error"])
    if frame["event_time"].duplicated().any():
        dup = frame.loc[frame["event_time"].duplicated(), "event_time"].tolist()
        raise SpecError(f"`{name}` has several rows for event time(s) {format_examples(dup)}; "
                        "pass the path of one outcome (filter on `term`/`outcome` first).")
    post = frame[frame["event_time"] >= 0].sort_values("event_time")
    expected = list(range(len(post)))
    if post.empty or post["event_time"].astype(int).tolist() != expected:
        raise SpecError(f"`{name}` must have contiguous post-treatment event times 0, 1, ..., E; "
                        f"got {post['event_time'].tolist()}.")
    bad = post[["estimate", "std_error"]].isna().any(axis=1) | (post["std_error"] < 0)
    if bad.any():
        raise SpecError(f"`{name}` has missing estimates or negative standard errors at event "
                        f"time(s) {format_examples(post.loc[bad, 'event_time'].tolist())}.")
    return post[["event_time", "estimate", "std_error"]].reset_index(drop=True).astype(float)


def _baseline(baseline: Any, need_employment: bool) -> pd.DataFrame:
    if isinstance(baseline, Mapping):
        baseline = pd.DataFrame([dict(baseline)])
    columns = _BASELINE_COLUMNS + (["employment"] if need_employment else [])
    frame = _check_frame(baseline, "baseline", columns).copy()
    for col in columns[1:]:
        values = pd.to_numeric(frame[col], errors="coerce")
        if values.isna().any() or (values <= 0).any():
            raise SpecError(f"`baseline` column `{col}` must be positive for every cohort; got "
                            f"{format_examples(frame[col].tolist())}.")
    if frame["cohort"].duplicated().any():
        raise SpecError("`baseline` must have one row per cohort (sum participants' baseline "
                        "value added and employment within a cohort).")
    return frame.set_index(frame["cohort"].astype(int)).sort_index()


def participant_baseline(data: pd.DataFrame, *, unit: str = "firm_id", time: str = "year",
                         cohort: str = "cohort", value_added: str = "value_added",
                         employment: str = "employment", window: tuple[int, int] = (-3, -2),
                         money_unit: float = 1.0, price_index: Any = None,
                         price_base_year: int | None = None) -> pd.DataFrame:
    """Participants' baseline value added and employment per cohort, for :func:`cost_benefit`.

    Each participant's baseline is its mean over event times ``window`` (default 3 and 2 years
    before participation: the year just before is skipped because firms often join after a bad
    year, an Ashenfelter dip that would understate the base); the firm means are summed by cohort.

    Parameters
    ----------
    data : pandas.DataFrame
        Firm-year panel; non-participants (missing ``cohort``) are ignored.
    unit, time, cohort, value_added, employment : str
        Column names.
    window : (int, int), default (-3, -2)
        First and last event time of the baseline window.
    money_unit : float, default 1.0
        KRW per unit of ``value_added`` (1e6 for data in KRW million, 백만원).
    price_index, price_base_year
        Deflate nominal value added to base-year prices, as in :func:`real_costs`; use the same
        base year as the cost ledger.

    Returns
    -------
    pandas.DataFrame
        ``cohort``, ``n_firms``, ``value_added_krw``, ``employment``.

    Raises
    ------
    SpecError
        Missing columns, an empty window, or participants with no data in the window.
    """
    _check_frame(data, "data", [unit, time, cohort, value_added, employment])
    lo, hi = window
    if lo > hi or hi >= 0:
        raise SpecError(f"`window` must be (first, last) pre-participation event times with "
                        f"first <= last < 0; got {window}.")
    rows = data[data[cohort].notna()].copy()
    rows["_event"] = rows[time].astype(int) - rows[cohort].astype(int)
    factor = money_unit
    if price_index is not None:
        index = _price_series(price_index)
        base = price_base_year if price_base_year is not None else \
            int(index.index[np.isclose(index.to_numpy(), 100.0)][0])
        factor = money_unit * index[base] / rows[time].astype(int).map(index)
    rows["_va"] = rows[value_added].astype(float) * factor
    window_rows = rows[rows["_event"].between(lo, hi)]
    firm = window_rows.groupby([cohort, unit])[["_va", employment]].mean()
    missing = sorted(set(rows[unit]) - set(firm.index.get_level_values(unit)))
    if missing:
        raise SpecError(f"{len(missing)} participant(s) have no rows in the baseline window "
                        f"{window}: {format_examples(missing)}. Widen `window`.")
    out = firm.groupby(level=cohort).agg(n_firms=("_va", "size"), value_added_krw=("_va", "sum"),
                                         employment=(employment, "sum")).reset_index()
    return out.rename(columns={cohort: "cohort"}).astype({"cohort": int})
