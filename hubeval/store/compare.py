"""What changed between two batches: parameters, data files and every estimate, in standard errors.

:func:`compare_batches` reads the results store of two batch folders (``runs``, ``estimates``
and ``statistics``, see the README's "The results store") and lines them up run by run: the
parameters that differ, the data files whose SHA-256 changed, and each estimate matched on its
key columns (:data:`ESTIMATE_KEYS`), with its change measured in standard errors of batch A,
``(estimate_b - estimate_a) / std_error_a``. An estimate *moved* when that change exceeds the
threshold (1 SE by default), when it exists in one batch only, or when it was estimated in one
batch and is missing in the other. This is how a team checks a
re-run with a new data year, a fixed bug or a changed setting: the parameters say what was
changed on purpose, the moved estimates say what it did.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from hubeval.core.errors import ParameterError
from hubeval.core.paths import project_path
from hubeval.core.results import ResultMixin, result_field
from hubeval.store._matching import (STATISTIC_KEYS, compare_estimates, compare_mappings,
                                     compare_runs, compare_statistics, parse_by_run)
from hubeval.store.results import read_batch
from hubeval.store.schema import ESTIMATE_KEYS

__all__ = ["BatchComparison", "compare_batches", "ESTIMATE_KEYS", "STATISTIC_KEYS"]

_STATUSES = ("moved", "changed", "same", "only_a", "only_b")
_PARAMETER_COLUMNS = ["run_id", "parameter", "value_a", "value_b"]
_DATA_COLUMNS = ["run_id", "path", "sha256_a", "sha256_b", "change"]
_TOP = 10


def _path_text(value: Path | None) -> str | None:
    return None if value is None else str(value)


@dataclasses.dataclass(frozen=True)
class BatchComparison(ResultMixin):
    """Two batches side by side: what was changed and which estimates moved.

    Attributes
    ----------
    estimates : DataFrame
        One row per estimate of either batch, matched on :data:`ESTIMATE_KEYS`: the keys,
        ``label``, ``estimate_a, estimate_b, std_error_a, std_error_b``, ``difference``
        (``estimate_b - estimate_a``), ``difference_se`` (the difference in standard errors of
        A, or of B where A has none; missing when neither has one), ``moved`` and ``status``
        (``moved``, ``changed`` (by less than the threshold, or without a standard error),
        ``same``, ``only_a``, ``only_b``).
    runs : DataFrame
        ``run_id, status_a, status_b, in_a, in_b``: every run of either batch.
    parameters : DataFrame
        ``run_id, parameter, value_a, value_b``: each parameter that differs in a run of both
        batches (values as JSON text, strings as they are; missing where not set).
    data : DataFrame
        ``run_id, path, sha256_a, sha256_b, change`` (``changed``, ``added``, ``removed``): the
        data files whose content differs.
    statistics : DataFrame
        The statistics (n_obs, pretrend_p, mde, ...) matched on :data:`STATISTIC_KEYS`:
        ``value_a, value_b, difference``, ``unit``, ``label`` and ``status`` (no SE units).
    threshold : float
        An estimate moved when ``|difference_se|`` exceeds it.
    folder_a, folder_b : Path or None
        The batch folders compared.
    """

    estimates: pd.DataFrame = result_field(repr=False)
    runs: pd.DataFrame = result_field(repr=False)
    parameters: pd.DataFrame = result_field(repr=False)
    data: pd.DataFrame = result_field(repr=False)
    statistics: pd.DataFrame = result_field(repr=False)
    threshold: float = 1.0
    folder_a: Path | None = result_field(serialize=_path_text, default=None)
    folder_b: Path | None = result_field(serialize=_path_text, default=None)
    title = "Batch comparison"

    @property
    def moved(self) -> pd.DataFrame:
        """The moved estimates, largest change in standard errors first (one-batch rows last)."""
        rows = self.estimates[self.estimates["moved"]]
        size = rows["difference_se"].abs().where(rows["status"] == "moved", -1.0)
        return (rows.assign(_size=size).sort_values("_size", ascending=False, kind="stable")
                .drop(columns="_size").reset_index(drop=True))

    def counts(self) -> dict[str, int]:
        """Number of estimates in each status, and of runs, parameters and data files changed."""
        status = self.estimates["status"].value_counts()
        out = {f"n_{s}": int(status.get(s, 0)) for s in _STATUSES}
        out.update(n_runs=int((self.runs["in_a"] & self.runs["in_b"]).sum()),
                   n_runs_only_a=int((~self.runs["in_b"]).sum()),
                   n_runs_only_b=int((~self.runs["in_a"]).sum()),
                   n_parameters=len(self.parameters), n_data=len(self.data),
                   n_estimates=len(self.estimates),
                   n_statistics_changed=int((self.statistics["status"] != "same").sum()))
        return out

    def glance(self) -> pd.DataFrame:
        """The comparison in numbers: ``statistic, value, unit, label``."""
        labels = {"n_runs": "runs in both batches", "n_runs_only_a": "runs only in A",
                  "n_runs_only_b": "runs only in B", "n_parameters": "parameters changed",
                  "n_data": "data files changed", "n_estimates": "estimates compared",
                  "n_moved": f"estimates moved by more than {self.threshold:g} SE",
                  "n_changed": "estimates changed by less", "n_same": "estimates unchanged",
                  "n_only_a": "estimates only in A", "n_only_b": "estimates only in B",
                  "n_statistics_changed": "statistics changed"}
        counts = self.counts()
        return pd.DataFrame({"statistic": list(labels), "value": [counts[k] for k in labels],
                             "unit": "count", "label": list(labels.values())})

    def _summary_lines(self) -> list[str]:
        c = self.counts()
        lines = [self.title, f"A: {self.folder_a}", f"B: {self.folder_b}",
                 f"runs compared: {c['n_runs']} ({c['n_runs_only_a']} only in A, "
                 f"{c['n_runs_only_b']} only in B)",
                 f"parameters changed: {c['n_parameters']}" + _parameter_digest(self.parameters),
                 f"data files changed: {c['n_data']}",
                 f"estimates compared: {c['n_estimates']}; moved by more than "
                 f"{self.threshold:g} SE: {c['n_moved']}, only in A: {c['n_only_a']}, only in B: "
                 f"{c['n_only_b']}; changed by less (or without SE): {c['n_changed']}; "
                 f"unchanged: {c['n_same']}",
                 f"statistics changed: {c['n_statistics_changed']} of {len(self.statistics)}"]
        return lines

    def summary(self) -> str:
        """What changed, then the estimates that moved most (in standard errors)."""
        lines = self._summary_lines()
        if not self.moved.empty:
            lines += ["", f"top moved estimates (of {len(self.moved)}):",
                      format_table(readable_estimates(self.moved.head(_TOP)))]
        return "\n".join(lines)

    def format(self, *, changed: bool = False) -> str:
        """The full report ``hubeval compare`` prints: what changed, then every table of it.

        Parameters
        ----------
        changed : bool, default False
            List every estimate that changed, not only the moved ones.
        """
        rows, est = self.moved, self.estimates
        if changed:
            rows = pd.concat([rows, est[est["status"] == "changed"]])
        name = "estimates that changed" if changed else \
            f"moved estimates (|change| > {self.threshold:g} SE, or in one batch only)"
        # a change without a standard error cannot be called moved, but a reader must see it
        unmeasured = est[(est["status"] == "changed") & est["difference_se"].isna()
                         & est["difference"].notna()]
        statistics = self.statistics[self.statistics["status"] != "same"]
        sections = [("runs in one batch only", self._one_batch_runs()),
                    ("parameters changed", self.parameters), ("data files changed", self.data),
                    (name, readable_estimates(rows)),
                    ("estimates changed without a standard error (not measured in SE)",
                     readable_estimates(unmeasured) if not changed else est.iloc[:0]),
                    ("statistics changed", statistics[["run_id", "outcome", "record", "statistic",
                                                       "value_a", "value_b", "difference", "unit",
                                                       "status"]])]
        lines = self._summary_lines()[1:]
        for title, table in sections:
            if not table.empty:
                lines += ["", f"{title} ({len(table)}):", format_table(table)]
        return "\n".join(lines)

    def _one_batch_runs(self) -> pd.DataFrame:
        return self.runs[~(self.runs["in_a"] & self.runs["in_b"])].reset_index(drop=True)

    def _repr_html_(self) -> str:
        from hubeval.core.html import block, result_html

        def part(heading, table):
            return block(heading, table=table) if not table.empty else block(heading, empty="none")

        blocks = [part("Parameters changed", self.parameters),
                  part("Data files changed", self.data),
                  part(f"Top moved estimates (of {len(self.moved)})",
                       readable_estimates(self.moved.head(_TOP)))]
        only = self._one_batch_runs()
        if not only.empty:
            blocks.insert(0, part("Runs in one batch only", only))
        return result_html(title=self.title, lines=self._summary_lines()[1:], blocks=blocks)


def _parameter_digest(parameters: pd.DataFrame) -> str:
    """``" (anticipation: 1 -> 0 in 5 runs; ...)"`` for the summary line."""
    if parameters.empty:
        return ""
    groups = parameters.fillna("(not set)").groupby(["parameter", "value_a", "value_b"], sort=False)
    parts = [f"{name}: {a} -> {b} in {len(rows)} run{'s' if len(rows) > 1 else ''}"
             for (name, a, b), rows in groups]
    return " (" + "; ".join(parts[:5]) + ("; ..." if len(parts) > 5 else "") + ")"


def readable_estimates(rows: pd.DataFrame) -> pd.DataFrame:
    """Estimate rows as a person reads them: who, what, A, B and the change in SE."""
    out = pd.DataFrame({"run_id": rows["run_id"], "outcome": rows["outcome"],
                        "estimator": rows["estimator"], "term": rows["term"],
                        "label": rows["label"], "scale": rows["scale"],
                        "a": rows["estimate_a"], "b": rows["estimate_b"],
                        "change_se": rows["difference_se"], "status": rows["status"]})
    return out.reset_index(drop=True)


def format_table(frame: pd.DataFrame) -> str:
    """``frame`` as aligned text, numbers to 4 significant digits, missing cells blank."""
    text = frame.astype(object).where(frame.notna(), "")
    return text.to_string(index=False, float_format=lambda v: f"{v:.4g}")


# --- reading -------------------------------------------------------------------------------------

def _batch_tables(batch, which: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Path | None]:
    """(runs, estimates, statistics, folder) of a batch folder or a loaded batch result."""
    if not isinstance(batch, (str, Path)):
        if not isinstance(getattr(batch, "estimates", None), pd.DataFrame):
            raise ParameterError(f"`{which}` must be a batch folder or the result of "
                                 f"hb.load_batch_results; got {type(batch).__name__}.")
        tables = [getattr(batch, name, None) for name in ("runs", "estimates", "statistics")]
        return (*(t if isinstance(t, pd.DataFrame) else pd.DataFrame() for t in tables),
                getattr(batch, "folder", None))
    folder = project_path(batch)
    if not folder.is_dir():
        raise ParameterError(f"`{which}` `{batch}` is not a folder. Pass a batch folder printed by "
                             "`hubeval run` (runs/<batch>/<timestamp>-<id>).")
    # the store as the memo reads it, without the memo's demand for outcome-notebook rows: a
    # batch of the data check or the regional notebook alone can be compared too
    result = read_batch(folder)
    if result.estimates.empty and result.statistics.empty:
        raise ParameterError(f"`{which}` `{folder}` is not a batch folder with results: it has "
                             "no estimates or statistics (no results store, tables.csv, and no "
                             "records). Pass a batch folder printed by `hubeval run` "
                             "(runs/<batch>/<timestamp>-<id>) whose runs finished.")
    return result.runs, result.estimates, result.statistics, folder


def compare_batches(a, b, *, threshold: float = 1.0) -> BatchComparison:
    """What changed between two batches: parameters, data files and each estimate, in SEs.

    Parameters
    ----------
    a, b : str, Path or BatchResult
        The two batch folders (``runs/<batch>/<timestamp>-<id>``; relative paths from the project
        root) or their results from :func:`hubeval.load_batch_results`. ``a`` is the reference
        (the earlier run): changes are ``b - a`` in standard errors of ``a``.
    threshold : float, default 1.0
        An estimate moved when its change exceeds this many standard errors.

    Returns
    -------
    BatchComparison
        Tables ``runs``, ``parameters``, ``data``, ``estimates``, ``statistics``; ``summary()``
        says what changed and lists the estimates that moved most.

    Raises
    ------
    ParameterError
        A folder is missing or has no estimates table, or ``threshold`` is not positive.

    Examples
    --------
    >>> cmp = hb.compare_batches("runs/main/20260101-0900-a1b2", "runs/main/20260301-1000-c3d4")
    ... # doctest: +SKIP
    >>> print(cmp.summary())  # doctest: +SKIP
    >>> cmp.moved[["outcome", "term", "estimate_a", "estimate_b", "difference_se"]]  # doctest: +SKIP
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not threshold > 0:
        raise ParameterError(f"`threshold` must be a positive number of standard errors; got "
                             f"{threshold!r}. Use e.g. threshold=1.0.")
    runs_a, estimates_a, statistics_a, folder_a = _batch_tables(a, "a")
    runs_b, estimates_b, statistics_b, folder_b = _batch_tables(b, "b")
    params = [parse_by_run(runs_a, "params", "A"), parse_by_run(runs_b, "params", "B")]
    data = [parse_by_run(runs_a, "data", "A"), parse_by_run(runs_b, "data", "B")]
    data_table = compare_mappings(*data, ["run_id", "path", "sha256_a", "sha256_b"])
    data_table["change"] = np.select([data_table["sha256_a"].isna(), data_table["sha256_b"].isna()],
                                     ["added", "removed"], "changed")
    return BatchComparison(
        estimates=compare_estimates(estimates_a, estimates_b, float(threshold)),
        runs=compare_runs(runs_a, runs_b, estimates_a, estimates_b),
        parameters=compare_mappings(*params, _PARAMETER_COLUMNS),
        data=data_table[_DATA_COLUMNS], statistics=compare_statistics(statistics_a, statistics_b),
        threshold=float(threshold), folder_a=folder_a, folder_b=folder_b)
