"""The magnitude-table rules of :func:`hubeval.report.disclosure.protect_table`.

Per cell of a firm-level tabulation (with margins): the threshold, dominance and p% primary
rules and greedy secondary suppression; the rules and their references are described in
:mod:`hubeval.report.disclosure`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cell_stats", "primary_rule", "make_grid", "secondary", "grid_cell_label"]


def cell_stats(contrib: pd.DataFrame, keys: list[str], has_value: bool) -> pd.DataFrame:
    """Per cell: number of firms, total, and the two largest absolute firm contributions."""
    def top(series: pd.Series, k: int) -> float:
        values = np.sort(np.abs(series.to_numpy(dtype=float)))[::-1]
        return float(values[k]) if len(values) > k else 0.0

    grouped = contrib.groupby(keys, dropna=False, sort=True)["_value"] if keys \
        else contrib.assign(_all=0).groupby("_all")["_value"]
    stats = grouped.agg(n_units="size", total="sum",
                        total_abs=lambda s: float(np.abs(s).sum()),
                        top1=lambda s: top(s, 0), top2=lambda s: top(s, 1))
    if not has_value:
        stats[["total", "total_abs", "top1", "top2"]] = np.nan
    return stats.reset_index(drop=not keys)


def primary_rule(row: pd.Series, min_units: int, dominance: float, p_percent: float,
                 has_value: bool) -> tuple[str, str] | None:
    """The primary rule a cell breaks, as ``(rule, detail)``, or None."""
    if row["n_units"] < min_units:
        return "threshold", f"fewer than {min_units} firms"
    if not has_value or row["total_abs"] <= 0:
        return None
    if row["top1"] + row["top2"] > dominance * row["total_abs"]:
        return "dominance", f"the two largest firms hold more than {dominance:.0%} of the total"
    if row["total_abs"] - row["top1"] - row["top2"] < p_percent * row["top1"]:
        return "p_percent", (f"the other firms' total is below {p_percent:.0%} of the largest "
                             "firm's value, so the second-largest could estimate it closely")
    return None


def make_grid(contrib: pd.DataFrame, by: list[str], total_label: str, has_value: bool) -> pd.DataFrame:
    """All cells plus margins (the margin of a dimension is labelled ``total_label``)."""
    parts = [cell_stats(contrib, by, has_value)]
    for kept in ([by[0]], [by[1]], []) if len(by) == 2 else ([],):
        # Margins regroup firm contributions so a firm spanning cells counts once.
        firm_level = contrib.groupby(kept + ["_unit"], dropna=False)["_value"].sum().reset_index()
        margin = cell_stats(firm_level, kept, has_value)
        for col in by:
            if col not in kept:
                margin[col] = total_label
        parts.append(margin)
    grid = pd.concat(parts, ignore_index=True)
    for col in by:
        grid[col] = grid[col].astype(object)
    return grid[by + ["n_units", "total", "total_abs", "top1", "top2"]]


def _lines(grid: pd.DataFrame, by: list[str], total_label: str) -> list[pd.Index]:
    """Row-index groups that add up: each line's cells sum to its margin entry."""
    if len(by) == 1:
        return [grid.index]
    return [idx for col in by for _, idx in grid.groupby(col, sort=False).groups.items()]


def secondary(grid: pd.DataFrame, rules: dict, by: list[str], total_label: str) -> None:
    """Greedy complementary suppression until no additive line has exactly one suppression."""
    lines = _lines(grid, by, total_label)
    changed = True
    while changed:
        changed = False
        for line in lines:
            hidden = [i for i in line if i in rules]
            if len(hidden) != 1:
                continue
            open_ = [i for i in line if i not in rules]
            if not open_:
                continue
            is_margin = grid.loc[open_, by].eq(total_label).any(axis=1)
            order = pd.DataFrame({"margin": is_margin, "n": grid.loc[open_, "n_units"],
                                  "size": grid.loc[open_, "total_abs"].fillna(0)})
            pick = order.sort_values(["margin", "n", "size"]).index[0]
            cell = grid_cell_label(grid.loc[hidden[0]], by)
            rules[pick] = ("secondary", f"complement of {cell}, which its line total would reveal")
            changed = True


def grid_cell_label(row: pd.Series, by: list[str]) -> str:
    """A cell of the grid named by its ``by`` keys."""
    return ", ".join(f"{col}={row[col]}" for col in by)
