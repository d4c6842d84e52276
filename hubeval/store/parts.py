"""What each record contributes to the store: rows of ``estimates``, ``statistics`` and other tables.

:func:`store_parts` is called by :func:`hubeval.record` with the recorded object and its tidy
table. Records of the notebooks' known kinds (``comparison``, ``event_study``, ``inference_panel``,
``credibility``, ``power``, ``synth_effect``, ...) are translated here, from the
producing code's columns and attributes, into the fixed schema of :mod:`hubeval.store.schema`
(stable term codes, estimator and inference vocabularies, scales and units), so that nothing
downstream ever parses a human label. Any other record is placed by its shape: a table with
``estimate`` (and ``std_error`` or ``term``) goes to ``estimates`` (estimator ``other`` unless its
own ``estimator`` column is in the vocabulary), anything else becomes a table of its own named
after the record. Every result object's ``glance()`` rows go to ``statistics``; a result whose
class sets ``_store_kind = "statistics"`` (a cost-benefit analysis) goes there only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.store.schema import (
    ESTIMATE_COLUMNS,
    ESTIMATORS,
    conform_estimates,
    conform_statistics,
    outcome_scale,
    slug,
)

__all__ = ["store_parts", "TABLE_NAMES"]

#: Records kept as tables of their own, and the store table each goes to.
TABLE_NAMES = {"data_quality": "data_quality", "missing": "missing", "descriptives": "descriptives",
               "balance": "balance", "synth_gap": "gaps", "event_study_vcov": "event_study_vcov",
               "sensitivity": "sensitivity", "memo": "memo_files", "synth_effect": "regional",
               "specification_curve": "specification_curve"}

_COMPARISON_INFERENCE = {"before_after": "analytic", "twfe": "cluster_robust",
                         "callaway_santanna": "influence_function", "imputation": "analytic"}
#: Prefixes of the inference panel's method labels (hubeval.inference_panel) and their codes.
_PANEL_METHODS = (("conventional", "influence_function"), ("small-sample", "cluster_t"),
                  ("jackknife", "jackknife"), ("wild (multiplier)", "wild_bootstrap"),
                  ("wild cluster", "wild_cluster_bootstrap"), ("randomization", "randomization"))
_SYNTH_STATISTICS = {"percent": ("percent_of_synthetic", "percent"), "min_p_value": ("min_p", "probability"),
                     "n_donors": ("n_donors", "count"), "pre_rmspe": ("pre_rmspe", "level"),
                     "placebo_time_effect": ("placebo_time_effect", "level"),
                     "leave_one_out_min": ("leave_one_out_min", "level"),
                     "leave_one_out_max": ("leave_one_out_max", "level")}


def _column(table: pd.DataFrame, name: str, default=None) -> pd.Series:
    return table[name] if name in table.columns else pd.Series(default, index=table.index,
                                                                dtype=object)


def _estimates(table: pd.DataFrame, **columns) -> pd.DataFrame:
    """Rows of ``estimates`` from ``table``'s columns of the same name, plus ``columns``."""
    out = pd.DataFrame(index=table.index)
    for name in ESTIMATE_COLUMNS:
        if name in columns:
            out[name] = columns[name]
        elif name in table.columns and name not in ("term", "label"):
            out[name] = table[name]
    return out


def _comparison(table: pd.DataFrame) -> pd.DataFrame:
    horizon = _column(table, "horizon").astype(object)
    event = pd.to_numeric(horizon, errors="coerce")
    estimator = table["estimator"].astype(str)
    aggregation = np.where(event.notna(), "dynamic",
                           np.where(estimator == "twfe", "post", "simple"))
    # n_units as the comparison table counts them (the estimation sample; participants for the
    # before/after claim); the participants per outcome are in `statistics` (n_treated)
    return _estimates(table, label=table.get("term"), aggregation=aggregation, event_time=event,
                      inference=estimator.map(_COMPARISON_INFERENCE).fillna("none"),
                      evidence=_column(table, "evidence_level"))


def _event_study(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    outcome = _column(table, "outcome")
    estimates = _estimates(table, label=table.get("term"), estimator="callaway_santanna",
                           aggregation="dynamic", inference="influence_function",
                           scale=outcome.map(outcome_scale), evidence=3)
    if "n_cohorts" not in table.columns:
        return estimates, None
    cohorts = table.groupby("outcome", sort=False)["n_cohorts"].max()
    statistics = pd.DataFrame({"outcome": cohorts.index, "estimator": "callaway_santanna",
                               "statistic": "n_cohorts", "value": cohorts.to_numpy(dtype=float),
                               "unit": "count", "label": "cohorts in the event study"})
    return estimates, statistics


def _panel_inference(method: object) -> str:
    text = str(method)
    return next((code for prefix, code in _PANEL_METHODS if text.startswith(prefix)), "none")


def _inference_panel(table: pd.DataFrame, outcome) -> tuple[pd.DataFrame, pd.DataFrame]:
    estimates = _estimates(table, label=table.get("method"), estimator="callaway_santanna",
                           aggregation="simple", term="att", outcome=outcome,
                           inference=table["method"].map(_panel_inference),
                           scale=outcome_scale(outcome), evidence=3)
    draws = pd.DataFrame({"outcome": outcome, "estimator": "callaway_santanna",
                          "term": estimates["inference"], "statistic": "draws",
                          "value": _column(table, "draws"), "unit": "count",
                          "label": table["method"]})
    return estimates, draws


def _credibility(obj, outcome) -> pd.DataFrame | None:
    rows = []
    matched = getattr(obj, "matched", None)
    if matched is not None and hasattr(matched, "estimates"):
        head = matched.estimates.iloc[[0]]
        rows.append(_estimates(head, label="matched sample: ATT simple",
                               estimator="matched_callaway_santanna", aggregation="simple",
                               term="att", outcome=outcome, inference="influence_function",
                               scale=outcome_scale(outcome), evidence=3,
                               n_units=getattr(matched, "n_units", None),
                               n_treated=_count(getattr(matched, "n_treated", None))))
    # the breakdown value and the MDEs are in the `sensitivity` and `power` records' statistics
    return pd.concat(rows, ignore_index=True) if rows else None


def _count(value):
    if isinstance(value, dict):  # firms per cohort
        return int(sum(value.values())) if value else None
    return int(value) if isinstance(value, (int, np.integer)) else None


def _power(table: pd.DataFrame, outcome) -> pd.DataFrame:
    units = {"mde": outcome_scale(outcome), "mde_percent": "percent", "std_error": outcome_scale(outcome),
             "power_at_benchmark": "probability", "n_treated": "count", "n_control": "count"}
    rows = []
    for _, row in table.iterrows():
        for column, unit in units.items():
            if column in table.columns and pd.notna(row[column]):
                rows.append({"outcome": outcome, "estimator": "callaway_santanna",
                             "term": slug(row["term"]), "statistic": column,
                             "value": float(row[column]), "unit": unit,
                             "label": f"{row['term']}: {column}"})
    return pd.DataFrame(rows)


def _synth_term(label) -> str:
    """``att`` for the average post-period gap (``att`` or ``att (post-period average gap)``);
    other terms of a synthetic-control table (``att_placebo_time``, ...) keep their own code."""
    text = str(label)
    return "att" if text == "att" or text.startswith("att (") else slug(text)


def _synth(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    terms = _column(table, "term", "att").map(_synth_term)
    estimates = _estimates(table, label=table.get("term"), estimator="synthetic_control",
                           aggregation="simple", term=terms, inference="placebo_rank",
                           scale="level", evidence=_column(table, "evidence_level"),
                           n_treated=1)
    rows = []
    for _, row in table.iterrows():
        for column, (code, unit) in _SYNTH_STATISTICS.items():
            if column in table.columns and pd.notna(row[column]):
                rows.append({"outcome": row["outcome"], "estimator": "synthetic_control",
                             "term": _synth_term(row.get("term", "att")), "statistic": code, "value": float(row[column]),
                             "unit": unit, "label": column})
    return estimates, pd.DataFrame(rows)


def _generic(name: str, table: pd.DataFrame):
    """Place a record of unknown kind by its shape: estimates, or a table of its own."""
    if "estimate" in table.columns and ({"std_error", "term"} & set(table.columns)):
        extra = [c for c in table.columns if c not in ESTIMATE_COLUMNS]
        if not extra:
            estimator = _column(table, "estimator", "other").where(
                lambda s: s.isin(ESTIMATORS), "other")
            out = _estimates(table, estimator=estimator, label=_column(table, "term"),
                             term=_column(table, "term").map(
                                 lambda t: None if pd.isna(t) else slug(t)))
            out["aggregation"] = _column(table, "aggregation", "none").where(
                lambda s: s.notna(), "none")
            return out, None
    return None, table


def _with_keys(frame: pd.DataFrame | None, name: str, outcome) -> pd.DataFrame | None:
    if frame is None or frame.empty:
        return None
    frame = frame.copy()
    frame["record"] = name
    if "outcome" not in frame.columns:
        frame["outcome"] = outcome
    else:
        frame["outcome"] = frame["outcome"].where(frame["outcome"].notna(), outcome)
    return frame


def store_parts(name: str, obj, table: pd.DataFrame, outcome: str | None) -> dict:
    """The store rows of one record: ``{"estimates": df|None, "statistics": df|None,
    "tables": {kind: df}}`` (``run_id`` is added when the batch is collected)."""
    estimates = statistics = None
    tables: dict[str, pd.DataFrame] = {}
    if getattr(obj, "_store_kind", None) == "statistics":
        pass  # its numbers are the glance() below (e.g. a cost-benefit result)
    elif name == "comparison" and {"estimator", "estimate"} <= set(table.columns):
        estimates = _comparison(table)
    elif name == "event_study" and {"event_time", "estimate"} <= set(table.columns):
        estimates, statistics = _event_study(table)
    elif name == "inference_panel" and "method" in table.columns:
        estimates, statistics = _inference_panel(table, outcome)
    elif name == "memo_inference" and {"method", "estimate"} <= set(table.columns):
        estimates = _estimates(table, label=table.get("label"), estimator="callaway_santanna",
                               aggregation="simple", term="att", inference=table["method"],
                               evidence=3)
    elif name == "credibility" and hasattr(obj, "sensitivity"):
        estimates = _credibility(obj, outcome)
    elif name == "power" and {"term", "mde"} <= set(table.columns):
        statistics = _power(table, outcome)
    elif name == "synth_effect" and "estimate" in table.columns:
        gap = _column(table, "term").astype(str) == "gap"  # a gap series recorded alongside
        if gap.any():
            tables["gaps"] = table[gap].dropna(axis=1, how="all")
        estimates, statistics = _synth(table[~gap])
        tables["regional"] = table[~gap].dropna(axis=1, how="all")
    elif name in TABLE_NAMES:
        tables[TABLE_NAMES[name]] = table
    else:
        estimates, own = _generic(name, table)
        if own is not None:
            tables[slug(name) or "table"] = own
    glance = obj.glance() if hasattr(obj, "glance") and callable(obj.glance) else None
    if glance is not None and not glance.empty:
        statistics = glance if statistics is None or statistics.empty else \
            pd.concat([statistics, glance], ignore_index=True)
    where = f"record `{name}`"
    estimates = _with_keys(estimates, name, outcome)
    statistics = _with_keys(statistics, name, outcome)
    return {"estimates": None if estimates is None else conform_estimates(estimates, where=where),
            "statistics": None if statistics is None else conform_statistics(statistics, where=where),
            "tables": {kind: _with_keys(frame, name, outcome) if not frame.empty else frame
                       for kind, frame in tables.items()}}
