"""Shared machinery for hubeval's frozen result objects.

Every estimator returns a frozen dataclass whose ``estimates`` attribute is a tidy DataFrame
with the same columns everywhere (:data:`TIDY_COLUMNS` plus keys such as ``cohort``, ``time``,
``event_time``, ``outcome``), the settings that produced it (``spec``), counts and the seed.
:class:`ResultMixin` gives them ``tidy()``, ``summary()``, ``_repr_html_()`` and ``to_dict()``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from hubeval.core.lazy import stats

__all__ = ["TIDY_COLUMNS", "ResultMixin", "add_inference", "to_jsonable", "percent_effect",
           "recorded_warnings", "result_field", "SERIALIZE"]

#: Key of a dataclass field's metadata that says how :meth:`ResultMixin.to_dict` writes it.
SERIALIZE = "serialize"


def result_field(*, serialize="full", **kwargs):
    """A dataclass field of a result, declaring how :meth:`ResultMixin.to_dict` writes it.

    Parameters
    ----------
    serialize : {"full", "omit", "shape", "matrix"} or callable, default "full"
        ``"full"``: the value, converted by :func:`to_jsonable`; ``"omit"``: left out (per-firm
        data that is confidential or large, fitted models, simulation draws); ``"shape"``: only
        ``<name>_shape`` (e.g. per-firm influence functions); ``"matrix"``: a labelled DataFrame
        as ``{"index", "columns", "data"}``; a callable: applied to the value first.
    **kwargs
        Passed to :func:`dataclasses.field` (``default``, ``default_factory``, ``repr``, ...).
    """
    if not (callable(serialize) or serialize in ("full", "omit", "shape", "matrix")):
        raise ValueError(f"`serialize` must be 'full', 'omit', 'shape', 'matrix' or a callable; "
                         f"got {serialize!r}.")
    metadata = {**kwargs.pop("metadata", {}), SERIALIZE: serialize}
    return dataclasses.field(metadata=metadata, **kwargs)

#: Count attributes a result's :meth:`ResultMixin.glance` reports when it has them.
_GLANCE_COUNTS = ("n_obs", "n_units", "n_treated", "n_control", "n_firms", "n_sim", "n_boot",
                  "n_permutations", "n_treated_clusters", "n_control_clusters", "n_donors")

#: Column names shared by every tidy table in hubeval.
TIDY_COLUMNS = ["term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"]


def add_inference(frame: pd.DataFrame, *, alpha: float = 0.05, df: float | None = None,
                  crit: float | None = None) -> pd.DataFrame:
    """Return a copy of ``frame`` with statistic, two-sided p-value and confidence interval.

    Uses the normal distribution, or Student's t with ``df`` degrees of freedom. ``crit``
    overrides the critical value for the interval (e.g. a uniform-band critical value).
    """
    out = frame.copy()
    est = out["estimate"].astype(float)
    se = out["std_error"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = est / se.where(se > 0)
    dist = stats.norm if df is None else stats.t(df)
    out["statistic"] = stat
    out["p_value"] = 2 * dist.sf(np.abs(stat))
    q = crit if crit is not None else dist.ppf(1 - alpha / 2)
    out["conf_low"] = est - q * se
    out["conf_high"] = est + q * se
    return out


@contextlib.contextmanager
def recorded_warnings():
    """Collect the messages of every warning raised inside the block, for a result's ``warnings``.

    Yields a list that is filled (in order, without repeats) when the block ends; messages a caller
    appends to it inside the block come first. The warnings are recorded instead of shown, so a
    one-call wrapper reports each once, in its result, rather than many times on screen.
    """
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        yield messages
    seen = dict.fromkeys(messages)
    seen.update(dict.fromkeys(str(w.message) for w in log if issubclass(w.category, UserWarning)))
    messages[:] = list(seen)


def percent_effect(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert effects on a log outcome to percent: ``100 * (exp(b) - 1)`` for estimate and bounds.

    The standard error is carried by the delta method, ``100 * exp(b) * se``.
    """
    out = frame.copy()
    for col in ("estimate", "conf_low", "conf_high"):
        out[col] = 100 * np.expm1(out[col].astype(float))
    out["std_error"] = 100 * np.exp(frame["estimate"].astype(float)) * frame["std_error"].astype(float)
    return out


def to_jsonable(obj: Any) -> Any:
    """Convert numpy / pandas objects (and non-finite floats) to plain JSON-serialisable Python."""
    if isinstance(obj, pd.DataFrame):
        return [to_jsonable(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(obj, np.random.Generator):
        return "Generator"
    if obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(obj.to_dict() if hasattr(obj, "to_dict") else dataclasses.asdict(obj))
    return obj


class ResultMixin:
    """Methods shared by result dataclasses that carry ``estimates`` and ``spec``.

    Subclasses set ``title`` (a class attribute) and may set ``note`` (shown under tables,
    e.g. "descriptive, not causal"). A result whose main table is not a tidy estimates table
    (e.g. a balance table) names that field in the class attribute ``_table`` instead; its
    :meth:`tidy`, :meth:`summary` and ``_repr_html_`` then show that table.
    """

    title: str = "hubeval result"
    #: The field holding the result's main table (``tidy()``, ``summary()``, ``_repr_html_()``).
    _table: str = "estimates"

    def _main_table(self) -> pd.DataFrame:
        return getattr(self, self._table)

    def tidy(self) -> pd.DataFrame:
        """The tidy estimates table (a copy: results are never mutated from outside)."""
        return self._main_table().copy()

    def _glance_rows(self) -> list[dict]:
        """Result-specific rows of :meth:`glance` (subclasses extend this)."""
        return []

    def glance(self) -> pd.DataFrame:
        """Per-model statistics in long form, as broom's ``glance()``: one row per number.

        Columns ``statistic`` (a stable code such as ``n_units``, ``pretrend_p``,
        ``breakdown_mbar``, ``npv``), ``value`` (float), ``unit`` (``count``, ``probability``,
        ``ratio``, ``statistic``, ``money``, ...) and ``label``; results that cover several
        outcomes or terms add ``outcome``, ``estimator`` or ``term``. The counts a result carries
        (``n_obs``, ``n_units``, ``n_treated``, ...) always come first.
        """
        rows = []
        for attr in _GLANCE_COUNTS:
            value = getattr(self, attr, None)
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                    value, (bool, np.bool_)):
                rows.append({"statistic": attr, "value": float(value), "unit": "count",
                             "label": attr})
        rows += list(self._glance_rows())
        columns = ["statistic", "value", "unit", "label"]
        extra = [c for c in ("outcome", "estimator", "term") if any(c in r for r in rows)]
        return pd.DataFrame(rows, columns=[*extra, *columns])

    def _summary_lines(self) -> list[str]:
        lines = [self.title]
        spec = getattr(self, "spec", {}) or {}
        if spec:
            lines.append("spec: " + ", ".join(f"{k}={v}" for k, v in spec.items()
                                              if not isinstance(v, (pd.DataFrame, np.ndarray))))
        for attr in ("n_units", "n_treated"):
            value = getattr(self, attr, None)
            if value is not None and not isinstance(value, (dict, pd.Series)):
                lines.append(f"{attr}: {value}")
        note = getattr(self, "note", None)
        if note:
            lines.append(f"note: {note}")
        return lines

    def summary(self) -> str:
        """A plain-text summary: title, settings, counts and the estimates table."""
        table = self._main_table().to_string(index=False, float_format=lambda v: f"{v:.4g}")
        return "\n".join(self._summary_lines() + ["", table])

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from hubeval.core.html import block, result_html

        return result_html(title=self.title, lines=self._summary_lines()[1:],
                           blocks=[block(table=self._main_table())])

    def to_dict(self) -> dict:
        """A JSON-serialisable dict of every field (tables as lists of records).

        Each field's ``serialize`` metadata (see :func:`result_field`) says how it is written:
        in full (the default), left out, as its shape only, as a labelled matrix, or through a
        function. Fields whose names start with ``_`` are internal and left out.
        """
        out = {"type": type(self).__name__}
        for field in dataclasses.fields(self):
            how = field.metadata.get(SERIALIZE, "full")
            if field.name.startswith("_") or how == "omit":
                continue
            value = getattr(self, field.name)
            if how == "shape":
                out[f"{field.name}_shape"] = list(np.shape(value))
                continue
            if how == "matrix":
                value = {"index": list(value.index), "columns": list(value.columns),
                         "data": value.to_numpy()}
            elif callable(how):
                value = how(value)
            out[field.name] = to_jsonable(value)
        json.dumps(out)  # fail here, not in the caller's json.dump, if something slipped through
        return out
