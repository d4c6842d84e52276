"""The results store's schema: the columns and vocabularies of a batch's tables.

A batch folder holds, next to each run's ``records/*.json`` (the lossless archive), a few tidy
tables written by the runner (CSV with a UTF-8 BOM and Parquet, see :mod:`hubeval.store.tables`):

* ``runs``: one row per run (:data:`RUN_TABLE_COLUMNS`);
* ``estimates``: one row per estimated term, always :data:`ESTIMATE_COLUMNS`, whatever recorded it;
* ``statistics``: per-model numbers in long form (:data:`STATISTIC_COLUMNS`, a ``glance()``);
* further kinds (data quality, descriptives, balance, gap series, covariances, ...) as their own
  tables, each with ``run_id, record, outcome`` first, listed in ``tables.csv``.

Following broom and modelsummary, ``estimates`` is the *tidy* part (terms), ``statistics`` the
*glance* part (one number per model and statistic) and the other tables the *augment* and
descriptive parts. The vocabularies below are closed: :func:`conform_estimates` rejects a value
outside them, so a query such as ``estimator == "callaway_santanna" and term == "att"`` means the
same in every batch.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hubeval.core.errors import ParameterError

__all__ = ["RUN_TABLE_COLUMNS", "ESTIMATE_COLUMNS", "STATISTIC_COLUMNS", "KEY_COLUMNS",
           "ESTIMATORS", "AGGREGATIONS", "INFERENCES", "SCALES", "UNITS", "ESTIMATE_KEYS",
           "conform_estimates", "conform_statistics", "conform_table", "term_code", "slug",
           "outcome_scale"]

#: Columns of ``runs``: ``params`` and ``data`` are JSON text ({name: value}, {path: sha256}).
RUN_TABLE_COLUMNS = ["run_id", "notebook", "stage", "status", "error", "duration", "folder",
                     "params", "data"]

#: The columns every table starts with.
KEY_COLUMNS = ["run_id", "record", "outcome"]

#: Columns of ``estimates``, in order, for every record of every batch.
ESTIMATE_COLUMNS = ["run_id", "record", "outcome", "estimator", "aggregation", "inference", "term",
                    "label", "cohort", "time", "event_time", "estimate", "std_error", "statistic",
                    "p_value", "conf_low", "conf_high", "band_low", "band_high", "scale",
                    "n_units", "n_treated", "evidence"]

#: Columns that identify an estimate within a batch (e.g. to compare two batches).
ESTIMATE_KEYS = ["run_id", "record", "outcome", "estimator", "aggregation", "inference", "term",
                 "cohort", "time", "event_time", "scale"]

#: Columns of ``statistics`` (one row per model and statistic).
STATISTIC_COLUMNS = ["run_id", "record", "outcome", "estimator", "term", "statistic", "value",
                     "unit", "label"]

#: Estimators: the program's claim, the three difference-in-differences designs, CS on a matched
#: sample, the synthetic control and anything a user recorded that is none of these.
ESTIMATORS = ("before_after", "twfe", "callaway_santanna", "imputation",
              "matched_callaway_santanna", "synthetic_control", "other")
#: How terms are aggregated: the overall post-entry average (``simple``), by event time
#: (``dynamic``), by cohort (``group``), by year (``calendar``), single cells (``group_time``), a
#: regression's post coefficient (``post``) or not at all (``none``).
AGGREGATIONS = ("simple", "dynamic", "group", "calendar", "group_time", "post", "none")
#: How the standard error, p-value and interval were obtained.
INFERENCES = ("influence_function", "cluster_t", "jackknife", "wild_bootstrap",
              "wild_cluster_bootstrap", "randomization", "cluster_robust", "placebo_rank",
              "analytic", "none")
#: Scale of ``estimate``: log points (effects on a log outcome), percent, outcome level,
#: percentage points.
SCALES = ("log_points", "percent", "level", "pp")
#: Units of ``statistics.value``.
UNITS = ("count", "log_points", "percent", "level", "pp", "probability", "ratio", "statistic",
         "money", "years", "sd")

_INTS = ["cohort", "time", "event_time", "n_units", "n_treated", "evidence"]
_FLOATS = ["estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high", "band_low",
           "band_high"]
_TEXT = ["run_id", "record", "outcome", "estimator", "aggregation", "inference", "term", "label",
         "scale"]
_VOCAB = {"estimator": ESTIMATORS, "aggregation": AGGREGATIONS, "inference": INFERENCES,
          "scale": SCALES}


def slug(text: object) -> str:
    """A stable code for a label: lower case, runs of other characters as ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")


def outcome_scale(outcome: object) -> str:
    """``log_points`` for a log outcome (``log_*``, ``ln_*``), else ``level``."""
    return "log_points" if str(outcome).startswith(("log_", "ln_")) else "level"


def _int_text(value) -> str:
    return str(int(value))


def term_code(row: pd.Series | dict, aggregation: str) -> str:
    """The stable code of a term from its keys: ``att``, ``post``, ``e=<k>``, ``g=<g>``,
    ``t=<t>`` or ``g=<g>,t=<t>``."""
    get = row.get
    if aggregation == "dynamic" and pd.notna(get("event_time")):
        return f"e={_int_text(get('event_time'))}"
    if aggregation == "group_time" and pd.notna(get("cohort")) and pd.notna(get("time")):
        return f"g={_int_text(get('cohort'))},t={_int_text(get('time'))}"
    if aggregation == "group" and pd.notna(get("cohort")):
        return f"g={_int_text(get('cohort'))}"
    if aggregation == "calendar" and pd.notna(get("time")):
        return f"t={_int_text(get('time'))}"
    if aggregation == "post":
        return "post"
    return "att"


def _integers(values: pd.Series, column: str, where: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values.notna() & (numbers.isna() | (numbers.notna() & (numbers % 1 != 0)))
    if bad.any():
        raise ParameterError(f"Column `{column}` of {where} must hold whole numbers; found "
                             f"{values[bad].iloc[0]}. Record integers (or leave it missing).")
    return numbers.astype("Int64")


def _vocabulary(values: pd.Series, column: str, where: str) -> None:
    allowed = _VOCAB[column]
    bad = sorted(set(values.dropna().astype(str)) - set(allowed))
    if bad:
        raise ParameterError(f"`{column}` of {where} must be one of {', '.join(allowed)}; found "
                             f"{', '.join(bad)}. Use the store's vocabulary "
                             f"(hubeval.store.schema) or `other`.")


def conform_estimates(frame: pd.DataFrame, *, where: str = "the estimates") -> pd.DataFrame:
    """``frame`` with exactly :data:`ESTIMATE_COLUMNS`, typed, vocabularies checked.

    Missing columns are added empty; ``term`` is derived with :func:`term_code` where missing;
    ``statistic`` is ``estimate / std_error`` where missing; columns outside the schema are an
    error (they belong in ``statistics`` or a table of their own).

    Raises
    ------
    ParameterError
        An unknown column, a value outside a vocabulary, or a non-integer key.
    """
    extra = [c for c in frame.columns if c not in ESTIMATE_COLUMNS]
    if extra:
        raise ParameterError(f"{where} has columns outside the estimates schema: "
                             f"{', '.join(map(str, extra))}. Put per-model numbers in `statistics` "
                             "and other columns in a table of their own.")
    out = frame.reindex(columns=ESTIMATE_COLUMNS).reset_index(drop=True)
    for column in _TEXT:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    for column in _INTS:
        out[column] = _integers(out[column], column, where)
    for column in _FLOATS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    out["estimator"] = out["estimator"].fillna("other")
    out["aggregation"] = out["aggregation"].fillna("none")
    out["inference"] = out["inference"].fillna("none")
    missing = out["term"].isna()
    if missing.any():
        out.loc[missing, "term"] = [term_code(out.loc[i], out.at[i, "aggregation"])
                                    for i in out.index[missing]]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["estimate"] / out["std_error"].where(out["std_error"] > 0)
    out["statistic"] = out["statistic"].fillna(ratio)
    for column in _VOCAB:
        _vocabulary(out[column], column, where)
    for column in _TEXT:
        out[column] = out[column].astype("string")
    return out


def conform_statistics(frame: pd.DataFrame, *, where: str = "the statistics") -> pd.DataFrame:
    """``frame`` with exactly :data:`STATISTIC_COLUMNS` (values as floats, units checked)."""
    extra = [c for c in frame.columns if c not in STATISTIC_COLUMNS]
    if extra:
        raise ParameterError(f"{where} has columns outside the statistics schema: "
                             f"{', '.join(map(str, extra))}.")
    out = frame.reindex(columns=STATISTIC_COLUMNS).reset_index(drop=True)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    bad = sorted(set(out["unit"].dropna().astype(str)) - set(UNITS))
    if bad:
        raise ParameterError(f"`unit` of {where} must be one of {', '.join(UNITS)}; found "
                             f"{', '.join(bad)}.")
    if out["statistic"].isna().any():
        raise ParameterError(f"Every row of {where} needs a `statistic` code (e.g. `n_obs`).")
    for column in [c for c in STATISTIC_COLUMNS if c != "value"]:
        out[column] = out[column].astype(object).where(out[column].notna(), None).astype("string")
    return out


def conform_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Another kind's table: ``run_id, record, outcome`` first; object columns that mix types
    (e.g. numbers and text) as text, so Parquet can store them."""
    out = frame.copy()
    for column in KEY_COLUMNS:
        if column not in out.columns:
            out[column] = None
    out = out[KEY_COLUMNS + [c for c in out.columns if c not in KEY_COLUMNS]]
    for column in out.columns:
        values = out[column]
        if values.dtype == object or str(values.dtype) in ("str", "string"):
            kinds = {type(v) for v in values.dropna()}
            if kinds - {str} or column in KEY_COLUMNS:
                out[column] = values.map(lambda v: None if v is None or v is pd.NA or
                                         (isinstance(v, float) and np.isnan(v)) else str(v))
            out[column] = out[column].astype("string")
    return out.reset_index(drop=True)
