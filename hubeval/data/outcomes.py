"""Derived firm outcomes: one documented definition each, and the codebook that lists them.

Raw firm accounts use these column names (rename yours with ``Panel(columns=...)``):
``sales``, ``value_added``, ``total_cost``, ``materials_cost``, ``labour_cost``, ``capex``,
``capital`` (KRW, nominal, any consistent unit such as KRW million) and ``employment`` (persons).
:func:`derive_outcomes` deflates money to real base-year prices when a price index is given and
adds every outcome whose inputs are present. Each definition lives in :data:`OUTCOMES` once.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from hubeval.core.errors import PanelError, format_examples
from hubeval.data.panel import Panel

__all__ = ["is_log_outcome", "SHARE_OUTCOMES", "derive_outcomes", "codebook", "outcome_family", "OUTCOMES", "FAMILIES", "MONEY_COLUMNS"]

#: Outcomes that are shares or rates (effects in percentage points, not percent).
SHARE_OUTCOMES = frozenset({"investment_rate", "any_investment", "dhs_growth", "survival"})

#: Raw columns measured in money (deflated when a price index is given).
MONEY_COLUMNS = ("sales", "value_added", "total_cost", "materials_cost", "labour_cost", "capex", "capital")


@dataclasses.dataclass(frozen=True)
class OutcomeDefinition:
    """One derived outcome: what it is, its unit, its inputs and its source."""

    name: str
    family: str
    definition: str
    unit: str
    inputs: tuple[str, ...]
    source: str
    log: bool = False


def _d(name, family, definition, unit, inputs, source, log=False):
    return OutcomeDefinition(name, family, definition, unit, tuple(inputs), source, log)


_SYVERSON = "Syverson (2011), What determines productivity?, J. Econ. Literature 49(2)"
_DHS = "Davis, Haltiwanger & Schuh (1996), Job Creation and Destruction, MIT Press, ch. 2"
#: Every derived outcome, keyed by name.
OUTCOMES: dict[str, OutcomeDefinition] = {d.name: d for d in [
    _d("va_per_worker", "productivity", "real value added / employment", "real KRW per worker",
       ["value_added", "employment"], _SYVERSON),
    _d("log_va_per_worker", "productivity", "log(real value added / employment); missing when value "
       "added <= 0", "log points", ["value_added", "employment"], _SYVERSON, log=True),
    _d("sales_per_worker", "productivity", "real sales / employment", "real KRW per worker",
       ["sales", "employment"], _SYVERSON),
    _d("log_sales_per_worker", "productivity", "log(real sales / employment)", "log points",
       ["sales", "employment"], _SYVERSON, log=True),
    _d("cost_ratio", "costs", "total cost / sales (unit cost of a won of sales)", "ratio",
       ["total_cost", "sales"], "Standard cost-to-sales ratio (Bank of Korea, Financial Statement "
       "Analysis: 매출원가율 plus selling and administrative cost)"),
    _d("materials_ratio", "costs", "materials cost / sales", "ratio", ["materials_cost", "sales"],
       "Bank of Korea, Financial Statement Analysis"),
    _d("labour_ratio", "costs", "labour cost / sales", "ratio", ["labour_cost", "sales"],
       "Bank of Korea, Financial Statement Analysis"),
    _d("capex_real", "investment", "real capital expenditure", "real KRW", ["capex"],
       "Doms & Dunne (1998), Capital adjustment patterns in manufacturing plants, RED 1(2)"),
    _d("investment_rate", "investment", "real capex in t / real capital stock in t-1 (consecutive "
       "years only)", "ratio", ["capex", "capital"], "Doms & Dunne (1998)"),
    _d("any_investment", "investment", "1 if capex > 0 (extensive margin), else 0", "0/1",
       ["capex"], "Doms & Dunne (1998)"),
    _d("log_employment", "jobs", "log(employment); missing when employment is 0", "log points",
       ["employment"], _DHS, log=True),
    _d("dhs_growth", "jobs", "(E_t - E_{t-1}) / (0.5 (E_t + E_{t-1})), consecutive years only; "
       "bounded in [-2, 2]", "ratio", ["employment"], _DHS),
    _d("net_jobs", "jobs", "E_t - E_{t-1}, consecutive years only", "persons", ["employment"], _DHS),
    _d("survival", "survival", "1 if the firm is observed in a later year, 0 if t is its last year "
       "before the panel ends (exit), missing in the last panel year", "0/1", [],
       "Jarmin (1999), Evaluating the impact of manufacturing extension on productivity growth, JPAM 18(1)"),
]}

#: Outcome families and the outcomes reported for each (headline first).
FAMILIES: dict[str, tuple[str, ...]] = {
    "productivity": ("log_va_per_worker", "log_sales_per_worker", "va_per_worker", "sales_per_worker"),
    "costs": ("cost_ratio", "materials_ratio", "labour_ratio"),
    "investment": ("investment_rate", "any_investment", "capex_real"),
    "jobs": ("log_employment", "dhs_growth", "net_jobs"),
    "survival": ("survival",),
}


def codebook() -> pd.DataFrame:
    """The derived outcomes as a table: name, family, definition, unit, inputs, source."""
    rows = [dataclasses.asdict(d) | {"inputs": ", ".join(d.inputs)} for d in OUTCOMES.values()]
    return pd.DataFrame(rows)


def outcome_family(family: str) -> list[str]:
    """The outcomes of ``family`` (productivity, costs, investment, jobs, survival), headline first."""
    if family not in FAMILIES:
        raise PanelError(f"Unknown outcome family `{family}`; choose one of {', '.join(FAMILIES)}.")
    return list(FAMILIES[family])


def derive_outcomes(panel: Panel, *, price_index: Mapping | pd.Series | None = None,
                    base_year: int | None = None) -> Panel:
    """Add every derived outcome whose inputs are present; return a new :class:`Panel`.

    Parameters
    ----------
    panel : Panel
        Firm panel with raw account columns (see module docstring).
    price_index : mapping or Series, optional
        Deflator by year (e.g. the producer price index). Money columns are divided by
        ``index[t] / index[base_year]``. Without it, money stays nominal and the result says so
        in ``panel.spec_notes``.
    base_year : int, optional
        Year whose prices are the base; default the year where the index equals 100, or the first.

    Returns
    -------
    Panel
        The same roles, with the derived columns added (raw columns kept) and listed as outcomes.

    Raises
    ------
    PanelError
        The price index misses years of the panel or has non-positive values.
    """
    data = panel.data.sort_values([panel.unit, panel.time], kind="stable").reset_index(drop=True)
    real = _deflate(data, panel.time, price_index, base_year)
    derived = _compute(data, real, panel.unit, panel.time, panel.times[-1])
    out = pd.concat([data, derived], axis=1)
    added = list(derived.columns)
    new = panel.with_data(out, outcomes=list(dict.fromkeys(panel.outcomes + added)),
                          _quiet=True, _provenance=panel)
    return new


def _deflate(data, time, price_index, base_year) -> pd.DataFrame:
    money = [c for c in MONEY_COLUMNS if c in data.columns]
    if price_index is None:
        return data[money].astype(float)
    index = pd.Series(price_index, dtype=float)
    index.index = index.index.astype(int)
    missing = sorted(set(data[time].unique()) - set(index.index))
    if missing:
        raise PanelError(f"`price_index` has no value for year(s) {format_examples(missing)}, which the "
                         f"panel contains (index covers {index.index.min()}-{index.index.max()}). Extend "
                         "the index to every panel year.")
    if (index <= 0).any() or index.isna().any():
        raise PanelError("`price_index` must be positive in every year; found "
                         f"{format_examples(index[(index <= 0) | index.isna()].to_dict().items())}.")
    if base_year is None:
        at_100 = index[np.isclose(index, 100)]
        base_year = int(at_100.index[0]) if len(at_100) else int(index.index.min())
    if base_year not in index.index:
        raise PanelError(f"`base_year` {base_year} is not in `price_index` ({index.index.min()}-"
                         f"{index.index.max()}). Pick a year the index covers.")
    factor = (data[time].map(index) / index[base_year]).to_numpy()
    return data[money].astype(float).div(factor, axis=0)


def _safe_div(num, den):
    num, den = np.asarray(num, float), np.asarray(den, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _safe_log(values):
    values = np.asarray(values, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)


def _compute(data, real, unit, time, last_year) -> pd.DataFrame:
    cols = set(data.columns)
    out = {}
    same_unit = data[unit].eq(data[unit].shift(1)).to_numpy()
    consecutive = same_unit & (data[time].diff() == 1).to_numpy()
    emp = data["employment"].to_numpy(float) if "employment" in cols else None
    if emp is not None and "value_added" in cols:
        out["va_per_worker"] = _safe_div(real["value_added"], emp)
        out["log_va_per_worker"] = _safe_log(out["va_per_worker"])
    if emp is not None and "sales" in cols:
        out["sales_per_worker"] = _safe_div(real["sales"], emp)
        out["log_sales_per_worker"] = _safe_log(out["sales_per_worker"])
    for name, num in (("cost_ratio", "total_cost"), ("materials_ratio", "materials_cost"),
                      ("labour_ratio", "labour_cost")):
        if num in cols and "sales" in cols:
            out[name] = _safe_div(data[num], data["sales"])
    if "capex" in cols:
        out["capex_real"] = real["capex"].to_numpy()
        capex = data["capex"].to_numpy(float)
        out["any_investment"] = np.where(np.isnan(capex), np.nan, (capex > 0).astype(float))
        if "capital" in cols:
            lag_k = np.where(consecutive, real["capital"].shift(1).to_numpy(), np.nan)
            out["investment_rate"] = _safe_div(real["capex"], lag_k)
    if emp is not None:
        out["log_employment"] = _safe_log(emp)
        lag_e = np.where(consecutive, np.roll(emp, 1), np.nan)
        mean = 0.5 * (emp + lag_e)
        out["dhs_growth"] = np.where(mean > 0, (emp - lag_e) / np.where(mean > 0, mean, 1.0),
                                     np.where(np.isnan(mean), np.nan, 0.0))
        out["net_jobs"] = emp - lag_e
    next_same = np.append(same_unit[1:], False)
    survival = next_same.astype(float)
    survival[(data[time] == last_year).to_numpy()] = np.nan
    out["survival"] = survival
    return pd.DataFrame(out, index=data.index)


#: Name prefixes that mark an outcome measured in logs.
_LOG_PREFIXES = ("log_", "ln_", "log(")


def is_log_outcome(name: str) -> bool:
    """Whether an outcome name says it is in logs (``log_``/``ln_`` prefix).

    Effects on such outcomes are log points and read as percent, ``100 * (exp(b) - 1)``; every
    other outcome is reported in its own units. Functions that use this rule take an explicit
    ``log_outcome`` argument for names that do not follow it (e.g. ``lemp``).
    """
    return name.lower().startswith(_LOG_PREFIXES)
