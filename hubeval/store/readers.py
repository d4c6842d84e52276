"""Readers of a batch's results store for the memo and its plots, all by columns.

The memo finds every number by the store's columns (``record``, ``estimator``, ``term`` code,
``statistic`` code), never by the text of a label; each reader returns an empty table when the
batch did not record that part (the memo then says "not run" or leaves the part out):

* :func:`regional_tables`: the synthetic control's average effects (``estimates`` rows of
  ``estimator == "synthetic_control"``, ``term == "att"``, with their ``statistics``: percent of
  the synthetic control, smallest attainable p-value, donors) and the treated city's gaps
  (table ``gaps``);
* :func:`regional_placebos`: placebo cities' gaps (any table with ``unit, time, gap``);
* :func:`balance_records`, :func:`descriptive_records`, :func:`cohort_sizes`: the data check's
  tables ``balance`` and ``descriptives``;
* :func:`event_study_vcov`: the joint covariance of an event study (table ``event_study_vcov``);
* :func:`statistic_table`: one record's statistics of one outcome, wide (e.g. ``power``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.store.results import BatchResult

__all__ = ["regional_tables", "regional_placebos", "balance_records", "descriptive_records",
           "cohort_sizes", "event_study_vcov", "statistic_table"]

#: Statistics of the synthetic control joined to its effects, by the memo's column name.
_SYNTH_COLUMNS = {"percent_of_synthetic": "percent", "min_p": "min_p_value", "n_donors": "n_donors"}


def statistic_table(results: BatchResult, record: str, outcome: str | None = None) -> pd.DataFrame:
    """The statistics of ``record`` (and ``outcome``) wide: one row per ``term``, one column per
    ``statistic`` code (empty when none were recorded)."""
    table = results.statistics
    rows = table[table["record"] == record]
    if outcome is not None:
        rows = rows[rows["outcome"] == outcome]
    if rows.empty:
        return pd.DataFrame()
    rows = rows.assign(term=rows["term"].fillna(""))
    wide = rows.pivot_table(index="term", columns="statistic", values="value", aggfunc="first",
                            sort=False)
    wide.columns.name = None
    return wide


def regional_tables(results: BatchResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic-control results of a batch as (effects, gaps).

    ``effects``: one row per outcome, in recorded order, with ``estimate`` (average
    post-period gap), ``percent`` (of the synthetic control), ``p_value`` (placebo rank p-value),
    ``min_p_value`` (the smallest attainable, ``1 / (J + 1)``) and ``n_donors`` (missing where
    not recorded). ``gaps``: ``outcome, time, estimate`` (and ``post``, ``treated``, ``synthetic``
    where recorded) of the treated city. Both empty when the batch ran no synthetic control.
    """
    estimates = results.estimates
    att = estimates[(estimates["estimator"] == "synthetic_control") & (estimates["term"] == "att")]
    empty = (pd.DataFrame(columns=["outcome", "estimate", "percent", "p_value", "min_p_value",
                                   "n_donors"]),
             pd.DataFrame(columns=["outcome", "time", "estimate"]))
    if att.empty:
        return empty
    # several rows per outcome (fit and placebo test): prefer the one with the rank p-value
    att = att.assign(_order=att["outcome"].map({o: i for i, o in enumerate(dict.fromkeys(att["outcome"]))}))
    att = att.sort_values(["_order", "p_value"], na_position="last", kind="stable")
    effects = att.drop_duplicates("outcome")[["run_id", "record", "outcome", "estimate",
                                              "p_value"]].reset_index(drop=True)
    stats = results.statistics
    stats = stats[(stats["estimator"] == "synthetic_control") & stats["statistic"].isin(list(_SYNTH_COLUMNS))]
    wide = stats.pivot_table(index=["run_id", "record", "outcome"], columns="statistic",
                             values="value", aggfunc="first").rename(columns=_SYNTH_COLUMNS)
    wide.columns.name = None
    effects = effects.merge(wide.reset_index(), on=["run_id", "record", "outcome"], how="left")
    for column in _SYNTH_COLUMNS.values():
        if column not in effects.columns:
            effects[column] = np.nan
        effects[column] = pd.to_numeric(effects[column], errors="coerce").astype(float)
    effects["p_value"] = effects["p_value"].astype(float)
    gaps = results.table("gaps")
    if {"time", "estimate"} <= set(gaps.columns):
        gaps = gaps[gaps["term"] == "gap"] if "term" in gaps.columns else gaps
        keep = [c for c in ("outcome", "time", "estimate", "post", "treated", "synthetic")
                if c in gaps.columns]
        gaps = gaps[keep].drop_duplicates(["outcome", "time"])
        rank = gaps["outcome"].map({o: i for i, o in enumerate(dict.fromkeys(gaps["outcome"]))})
        gaps = gaps.assign(_rank=rank).sort_values(["_rank", "time"], kind="stable")
        gaps = gaps.drop(columns="_rank").reset_index(drop=True)
    else:
        gaps = empty[1]
    return effects.drop(columns=["run_id", "record"]), gaps


def regional_placebos(results: BatchResult) -> pd.DataFrame:
    """Placebo-in-space gaps recorded by the regional notebook: ``unit, time, gap`` (and
    ``outcome`` where recorded) for each donor city treated as if it had the programme.

    Read from any store table with ``unit``, ``time`` and ``gap`` columns (the ``in_space``
    gaps of :func:`hubeval.synth_placebo`); the treated city's own rows are dropped where a
    ``treated`` flag says so. Empty when none were recorded.
    """
    frames = [t for t in results.tables.values() if {"unit", "time", "gap"} <= set(t.columns)]
    if not frames:
        return pd.DataFrame(columns=["unit", "time", "gap"])
    rows = pd.concat(frames, ignore_index=True).dropna(subset=["unit", "time", "gap"])
    if "treated" in rows.columns:
        rows = rows[~rows["treated"].astype(str).str.lower().isin(["true", "1", "1.0"])]
    keep = [c for c in ("outcome", "unit", "time", "gap") if c in rows.columns]
    return rows[keep].sort_values(["unit", "time"]).reset_index(drop=True)


def balance_records(results: BatchResult) -> pd.DataFrame:
    """The covariate balance before and after matching, if a notebook recorded one.

    The ``balance`` table (:func:`hubeval.balance_table` with ``term``, ``smd_before``,
    ``smd_after``) plus a count column (``n_treated``/``n_units``) for the disclosure check;
    empty when none was recorded.
    """
    rows = results.table("balance").dropna(axis=1, how="all")
    if not {"term", "smd_before", "smd_after"} <= set(rows.columns):
        return pd.DataFrame()
    return rows.reset_index(drop=True)


def descriptive_records(results: BatchResult) -> pd.DataFrame:
    """The data check's ``descriptives`` table (per cohort: ``n_units`` and covariate means)."""
    table = results.table("descriptives").dropna(axis=1, how="all")
    return table if {"cohort", "n_units"} <= set(table.columns) else table.iloc[:0]


def cohort_sizes(results: BatchResult) -> pd.Series:
    """Participants per cohort from the ``descriptives`` table (empty when not recorded)."""
    table = descriptive_records(results)
    if table.empty:
        return pd.Series(dtype=float)
    return table.loc[table["cohort"].astype(str) != "never", "n_units"].astype(float)


def event_study_vcov(results: BatchResult, outcome: str,
                     event_times: list | None = None) -> pd.DataFrame | None:
    """The recorded covariance of ``outcome``'s event study, indexed by event time both ways.

    ``event_times`` picks (and orders) rows and columns, e.g. the post-treatment times a
    cost-benefit path uses. None when the batch recorded no covariance for ``outcome`` or it
    lacks one of ``event_times``.
    """
    rows = results.table("event_study_vcov")
    if rows.empty or not {"event_time", "event_time_other", "covariance"} <= set(rows.columns):
        return None
    rows = rows[rows["outcome"] == outcome]
    if rows.empty:
        return None
    matrix = rows.pivot_table(index="event_time", columns="event_time_other",
                              values="covariance", aggfunc="first")
    matrix.index, matrix.columns = matrix.index.astype(float), matrix.columns.astype(float)
    if event_times is not None:
        wanted = [float(e) for e in event_times]
        if not set(wanted) <= set(matrix.index) or not set(wanted) <= set(matrix.columns):
            return None
        matrix = matrix.loc[wanted, wanted]
    return None if matrix.isna().any().any() else matrix
