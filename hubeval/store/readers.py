"""Readers of a batch's optional records (regional, balance, descriptives), for the memo and its plots.

The outcome notebooks' ``comparison`` and ``event_study`` records are read by
:func:`hubeval.load_batch_results`; these readers find the rest, each returning an empty table
when the batch did not record it (the memo then says "not run" or leaves the part out):

* ``synth_effect`` / ``synth_gap`` (the regional notebook): the average effect with its
  placebo p-value (``term == "att"``), the treated city's gaps by year (``term == "gap"``,
  ``time``) and placebo cities' gaps (``unit``, ``time``, ``gap``);
* ``balance`` (a matching notebook): :func:`hubeval.balance_table` with firm counts;
* ``descriptives`` (the data check): cohort sizes and covariate means;
* ``event_study_vcov`` (the outcome notebook): the joint covariance of each event study, from
  the influence functions (long: ``outcome, event_time, event_time_other, covariance``);
* ``inference_panel``, ``power`` and ``credibility`` (the outcome notebook, headline outcome of
  each family): :func:`hubeval.inference_panel`, :func:`hubeval.mde_from_panel` and the summary
  of :func:`hubeval.assess_credibility` (matched sample, Rambachan-Roth breakdown value).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.store.results import BatchResult

__all__ = ["regional_tables", "regional_placebos", "balance_records", "descriptive_records",
           "cohort_sizes", "event_study_vcov", "outcome_records"]


def regional_tables(results: BatchResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic-control records of a batch as (effects, gaps).

    ``effects``: one row per outcome, in recorded order, with ``estimate`` (average
    post-period gap), ``percent`` (of the synthetic control), ``p_value`` (placebo rank p-value),
    ``min_p_value`` (the smallest attainable, ``1 / (J + 1)``) and ``n_donors`` (missing where
    not recorded). ``gaps``: ``outcome, time, estimate`` (and ``post``, ``treated``, ``synthetic``
    where recorded) of the treated city. Both empty when the batch ran no synthetic control.
    """
    records = results.records
    synth = records[records["record"].isin(["synth_effect", "synth_gap"])] \
        if "record" in records.columns else records.iloc[:0]
    synth = synth.dropna(axis=1, how="all")
    if synth.empty or "term" not in synth.columns:
        return pd.DataFrame(columns=["outcome", "estimate", "percent", "p_value"]), \
            pd.DataFrame(columns=["outcome", "time", "estimate"])
    # "att" or "att (post-period average gap)"; not att_placebo_time / att_leave_one_out_*
    att = synth[synth["term"].astype(str).str.match(r"^att($|\s|\()")].copy()
    order = {o: i for i, o in enumerate(dict.fromkeys(att["outcome"]))}
    att["_order"] = att["outcome"].map(order)  # recorded order: the headline outcome first
    for column in ("percent", "p_value", "min_p_value", "n_donors"):
        if column not in att.columns:
            att[column] = np.nan
    # several rows per outcome (fit and placebo test): prefer the one with the rank p-value
    att = att.sort_values(["_order", "p_value"], na_position="last", kind="stable")
    effects = att.drop_duplicates("outcome").drop(columns="_order").reset_index(drop=True)
    gaps = synth[(synth["term"] == "gap")] if "time" in synth.columns else synth.iloc[:0]
    keep = [c for c in ("outcome", "time", "estimate", "post", "treated", "synthetic")
            if c in gaps.columns]
    gaps = gaps[keep].drop_duplicates(["outcome", "time"])
    rank = gaps["outcome"].map({o: i for i, o in enumerate(dict.fromkeys(gaps["outcome"]))})
    gaps = gaps.assign(_rank=rank).sort_values(["_rank", "time"], kind="stable")
    return effects, gaps.drop(columns="_rank").reset_index(drop=True)


def regional_placebos(results: BatchResult) -> pd.DataFrame:
    """Placebo-in-space gaps recorded by the regional notebook: ``unit, time, gap`` (and
    ``outcome`` where recorded) for each donor city treated as if it had the programme.

    Read from any ``synth_*`` record with ``unit``, ``time`` and ``gap`` columns (the
    ``in_space`` gaps of :func:`hubeval.synth_placebo`); the treated city's own rows are
    dropped where a ``treated`` flag says so. Empty when none were recorded.
    """
    records = results.records
    if "record" not in records.columns:
        return pd.DataFrame(columns=["unit", "time", "gap"])
    rows = records[records["record"].astype(str).str.startswith("synth")]
    rows = rows.dropna(axis=1, how="all")
    if not {"unit", "time", "gap"} <= set(rows.columns):
        return pd.DataFrame(columns=["unit", "time", "gap"])
    rows = rows.dropna(subset=["unit", "time", "gap"])
    if "treated" in rows.columns:
        rows = rows[~rows["treated"].astype(str).str.lower().isin(["true", "1", "1.0"])]
    keep = [c for c in ("outcome", "unit", "time", "gap") if c in rows.columns]
    return rows[keep].sort_values(["unit", "time"]).reset_index(drop=True)


def balance_records(results: BatchResult) -> pd.DataFrame:
    """The covariate balance before and after matching, if a notebook recorded one.

    Rows of ``balance`` records with ``term``, ``smd_before`` and ``smd_after`` (the table of
    :func:`hubeval.balance_table`) plus a count column (``n_treated``/``n_units``) for the
    disclosure check; empty when none was recorded.
    """
    records = results.records
    if "record" not in records.columns:
        return pd.DataFrame()
    rows = records[records["record"] == "balance"].dropna(axis=1, how="all")
    if not {"term", "smd_before", "smd_after"} <= set(rows.columns):
        return pd.DataFrame()
    return rows.reset_index(drop=True)


def descriptive_records(records: pd.DataFrame) -> pd.DataFrame:
    """The data check's ``descriptives`` records (per cohort: ``n_units`` and covariate means)."""
    if "record" not in records.columns:
        return records.iloc[:0]
    table = records[records["record"] == "descriptives"].dropna(axis=1, how="all")
    return table if {"cohort", "n_units"} <= set(table.columns) else table.iloc[:0]


def cohort_sizes(records: pd.DataFrame) -> pd.Series:
    """Participants per cohort from the ``descriptives`` records (empty when not recorded)."""
    table = descriptive_records(records)
    if table.empty:
        return pd.Series(dtype=float)
    return table.loc[table["cohort"].astype(str) != "never", "n_units"].astype(float)


def outcome_records(records: pd.DataFrame, name: str, outcome: str) -> pd.DataFrame:
    """The rows of record ``name`` for ``outcome`` (its own columns only; empty when none)."""
    if not {"record", "outcome"} <= set(records.columns):
        return pd.DataFrame()
    rows = records[(records["record"] == name) & (records["outcome"] == outcome)]
    return rows.dropna(axis=1, how="all").reset_index(drop=True)


def event_study_vcov(records: pd.DataFrame, outcome: str,
                     event_times: list | None = None) -> pd.DataFrame | None:
    """The recorded covariance of ``outcome``'s event study, indexed by event time both ways.

    ``event_times`` picks (and orders) rows and columns, e.g. the post-treatment times a
    cost-benefit path uses. None when the batch recorded no covariance for ``outcome`` or it
    lacks one of ``event_times``.
    """
    rows = outcome_records(records, "event_study_vcov", outcome)
    if rows.empty or not {"event_time", "event_time_other", "covariance"} <= set(rows.columns):
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
