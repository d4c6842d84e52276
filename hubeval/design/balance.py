"""Covariate balance: standardized mean differences and variance ratios before and after weighting.

:func:`balance_table` compares participants with (weighted) comparison firms; the flags follow
:data:`SMD_FLAGS` (Austin 2009; Stuart 2010).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["balance_table", "SMD_FLAGS"]


#: |SMD| above these flags a covariate as "check" and "imbalanced" (Austin 2009; Stuart 2010).
SMD_FLAGS = (0.1, 0.25)


# --- balance ---------------------------------------------------------------------------------------
def _stacked_balance(stacks: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    after = np.where(stacks["treated"], stacks["weight"] > 0, stacks["weight"])
    return balance_table(stacks, treatment="treated", covariates=features, weights=after)


def balance_table(data: pd.DataFrame, *, treatment: str, covariates: Sequence[str],
                  weights=None) -> pd.DataFrame:
    """Standardised mean differences and variance ratios before and after weighting.

    ``smd = (mean_T - mean_C) / sqrt((var_T + var_C) / 2)`` with the *unweighted* variances in the
    denominator both before and after, so that only the means move (Austin 2009). The variance
    ratio is ``var_T / var_C`` (weighted after). Flags: ``"ok"`` for |SMD| <= 0.1, ``"check"``
    up to 0.25, ``"imbalanced"`` above.

    Parameters
    ----------
    data : DataFrame
        One row per firm (or firm-cohort stack).
    treatment : str
        Boolean / 0-1 column marking participants.
    covariates : sequence of str
        Numeric columns to compare.
    weights : array-like or str, optional
        Weights after matching (participants and comparison firms; 0 drops a row). Without it
        only the "before" columns are filled.

    Returns
    -------
    DataFrame
        ``term, mean_treated, mean_control, smd_before, variance_ratio_before,
        mean_treated_after, mean_control_after, smd_after, variance_ratio_after, flag_before,
        flag_after``.
    """
    t = data[treatment].astype(bool).to_numpy()
    w = np.ones(len(data)) if weights is None else np.asarray(
        data[weights] if isinstance(weights, str) else weights, float)
    rows = []
    for col in covariates:
        x = data[col].to_numpy(float)
        mt, mc, vt, vc = x[t].mean(), x[~t].mean(), x[t].var(ddof=1), x[~t].var(ddof=1)
        scale = np.sqrt((vt + vc) / 2)
        mta, vta = _weighted_moments(x[t], w[t])
        mca, vca = _weighted_moments(x[~t], w[~t])
        rows.append(dict(term=col, mean_treated=mt, mean_control=mc, smd_before=_ratio(mt - mc, scale),
                         variance_ratio_before=_ratio(vt, vc), mean_treated_after=mta,
                         mean_control_after=mca, smd_after=_ratio(mta - mca, scale),
                         variance_ratio_after=_ratio(vta, vca)))
    table = pd.DataFrame(rows)
    for when in ("before", "after"):
        size = table[f"smd_{when}"].abs()
        table[f"flag_{when}"] = np.where(size > SMD_FLAGS[1], "imbalanced",
                                         np.where(size > SMD_FLAGS[0], "check", "ok"))
    if weights is None:
        table.loc[:, [c for c in table if c.endswith("_after")]] = np.nan
    return table


def _weighted_moments(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean and variance with the reliability-weights correction (as R's cobalt)."""
    if w.sum() <= 0:
        return np.nan, np.nan
    p = w / w.sum()
    mean = float(p @ x)
    denom = 1 - (p**2).sum()
    var = float(p @ (x - mean) ** 2 / denom) if denom > 0 else np.nan
    return mean, var


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b and np.isfinite(b) and b > 0 else np.nan
