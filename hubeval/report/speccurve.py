"""The specification curve of a robustness batch: the headline effect under every specification.

A robustness batch runs the outcome notebook once per combination of analytic choices
(``params/batches/robustness.yaml``: comparison group x estimator x anticipation x covariates).
:func:`specification_curve` reads the batch's store (:func:`hubeval.load_batch_results`), takes
each run's headline effect (``record == "comparison"``, ``estimator == "callaway_santanna"``,
``term == "att"``), finds the choices as the run parameters that differ between the runs of an
outcome (whatever the grid), and sorts the specifications by their estimate, one curve per
outcome. :func:`hubeval.plot_specification_curve` draws it with the specification matrix
beneath; :meth:`SpecificationCurveResult.reading` words it in English or Korean.

References
----------
Simonsohn, U., Simmons, J. P. and Nelson, L. D. (2020). Specification curve analysis. *Nature
Human Behaviour* 4, 1208-1214.
"""
from __future__ import annotations

import dataclasses
import json
import warnings
from typing import Any

import numpy as np
import pandas as pd

from hubeval.core.errors import DataWarning, ParameterError, format_examples
from hubeval.core.results import ResultMixin, result_field

__all__ = ["SpecificationCurveResult", "specification_curve", "specification_choices",
           "choice_text", "choice_column", "curve_from_table", "CURVE_COLUMNS", "HEADLINE"]

#: The rows of ``estimates`` holding a run's headline effect (see the store contract).
HEADLINE = {"record": "comparison", "estimator": "callaway_santanna", "term": "att"}
#: Columns of the curve table; the choice columns (one per choice) follow ``outcome``.
CURVE_COLUMNS = ["run_id", "outcome", "term", "estimate", "std_error", "p_value", "conf_low",
                 "conf_high", "scale", "significant", "rank", "n_units", "n_treated"]
#: Parameters that say where a run wrote or how it was shown, never what it estimated.
_IGNORED = {"output_dir", "results_dir", "reports_dir", "lang", "dpi", "figure_formats", "pdf",
            "exists"}


def choice_text(value: Any) -> str:
    """A parameter value as the curve table writes it: ``"none"`` for an empty list, list items
    joined by ``+`` (``"posco_supplier+metal"``), numbers without trailing zeros."""
    if value is None:
        return "default"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "+".join(choice_text(v) for v in value) or "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _params(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.strip():
        parsed = json.loads(value)
        return parsed if isinstance(parsed, dict) else {}
    return {}


def specification_choices(params: list[dict], order: dict | None = None) -> list[str]:
    """The parameter names whose values differ between runs.

    A name missing from some runs (their notebook default) counts as a value of its own. The
    names come in ``order`` (name to position, e.g. the notebook's), then first-seen order.
    """
    names = list(dict.fromkeys(name for p in params for name in p if name not in _IGNORED))
    varying = [name for name in names if len({choice_text(p.get(name)) for p in params}) > 1]
    order = order or {}
    return sorted(varying, key=lambda name: (order.get(name, len(order)), names.index(name)))


def _batch_order(manifest: Any) -> dict:
    """Position of each parameter in the runs' ``set_params`` of the manifest (the notebook's
    declaration order), since the store's ``params`` JSON is sorted by name."""
    runs = manifest.get("runs", []) if isinstance(manifest, dict) else []
    names = dict.fromkeys(name for entry in runs for name in (entry.get("set_params") or {}))
    return {name: i for i, name in enumerate(names)}


@dataclasses.dataclass(frozen=True)
class SpecificationCurveResult(ResultMixin):
    """The headline effect of every specification of a batch, sorted, one curve per outcome.

    Attributes
    ----------
    estimates : DataFrame
        One row per specification: ``run_id, outcome``, one text column per choice (e.g.
        ``control, method, anticipation, covariates``; ``"none"`` for no covariates,
        ``"posco_supplier+metal"``), then ``term, estimate, std_error, p_value, conf_low,
        conf_high, scale, significant`` (p-value below ``alpha``), ``rank`` (1 = smallest
        estimate of its outcome) and the firm counts. Sorted by outcome, then rank.
    choices : dict of str to tuple of str
        Per outcome, the choices that vary across its specifications (its matrix rows), in the
        order the notebook declares them (the runs' parameters in the manifest; by name
        without one).
    levels : dict of str to tuple of str
        Per choice, its values in the order the runs first used them (the grid's order).
    overview : DataFrame
        One row per outcome: ``n_specifications``, ``median, low, high`` (the range),
        ``n_positive``, ``n_negative``, ``n_significant_positive``, ``n_significant_negative`` and their shares,
        the choice that moves the estimate most (``decisive_choice``: the largest difference
        between the median estimates of its values, ``decisive_spread``, and the values with
        the lowest and highest median) and ``sign_choice``, a choice whose values alone fix
        the sign (None when the sign is the same everywhere or depends on no single choice).
    by_choice : DataFrame
        Per outcome, choice and value: ``n_specifications`` and ``median`` estimate.
    spec : dict
        ``outcome`` asked for, ``alpha``, the headline selection and the batch folder.
    """

    estimates: pd.DataFrame = result_field()
    choices: dict = result_field()
    levels: dict = result_field()
    overview: pd.DataFrame = result_field()
    by_choice: pd.DataFrame = result_field()
    spec: dict = result_field(default_factory=dict)
    title = "Specification curve"

    def tidy(self) -> pd.DataFrame:
        """The curve table with ``run_id`` named ``specification`` (the run of each
        specification): in a batch's store ``run_id`` is the run that recorded the curve."""
        return self.estimates.rename(columns={"run_id": "specification"})

    @property
    def outcomes(self) -> list[str]:
        """The outcomes with a curve, in the batch's order."""
        return list(self.overview["outcome"])

    def curve(self, outcome: str | None = None) -> pd.DataFrame:
        """The sorted specifications of ``outcome`` (default: the first outcome)."""
        outcome = self._outcome(outcome)
        return self.estimates[self.estimates["outcome"] == outcome].reset_index(drop=True)

    def _outcome(self, outcome: str | None) -> str:
        if outcome is None:
            return self.outcomes[0]
        if outcome not in self.outcomes:
            raise ParameterError(f"`outcome` {outcome!r} has no specification curve; outcomes: "
                                 f"{format_examples(self.outcomes)}.")
        return outcome

    def reading(self, lang: str = "en", outcome: str | None = None) -> str:
        """One paragraph per outcome (or for ``outcome``) generated from the numbers."""
        from hubeval.report.speccurve_text import specification_reading

        outcomes = self.outcomes if outcome is None else [self._outcome(outcome)]
        return specification_reading(self, lang, outcomes)

    def _glance_rows(self) -> list[dict]:
        """Per outcome: the number of specifications, median and range, and the shares."""
        rows = []
        for row in self.overview.itertuples(index=False):
            unit = row.scale if row.scale in ("percent", "level", "log_points", "pp") else "level"
            rows += [{"outcome": row.outcome, "statistic": statistic, "value": float(value),
                      "unit": what, "label": text}
                     for statistic, value, what, text in (
                         ("n_specifications", row.n_specifications, "count", "specifications"),
                         ("median_estimate", row.median, unit, "median estimate"),
                         ("min_estimate", row.low, unit, "smallest estimate"),
                         ("max_estimate", row.high, unit, "largest estimate"),
                         ("share_positive", row.share_positive, "ratio",
                          "share of positive estimates"),
                         ("share_significant_positive", row.share_significant_positive, "ratio",
                          "share significantly positive"),
                         ("share_significant_negative", row.share_significant_negative, "ratio",
                          "share significantly negative"))]
        return rows

    def _summary_lines(self) -> list[str]:
        lines = [self.title, f"alpha: {self.spec.get('alpha')}"]
        for row in self.overview.itertuples(index=False):
            lines.append(f"{row.outcome}: {row.n_specifications} specifications, median "
                         f"{row.median:.4g} [{row.low:.4g}, {row.high:.4g}] ({row.scale}); "
                         f"choices: {', '.join(self.choices[row.outcome])}")
        return lines


def _headline_rows(estimates: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in (*HEADLINE, "run_id", "outcome", "estimate") if c not in estimates.columns]
    if missing:
        raise ParameterError(f"`results.estimates` lacks the column(s) {format_examples(missing)} "
                             "of the results store; pass a batch read by hb.load_batch_results.")
    pick = np.ones(len(estimates), dtype=bool)
    for column, value in HEADLINE.items():
        pick &= (estimates[column] == value).to_numpy(dtype=bool)
    rows = estimates[pick]
    if rows.empty:
        found = format_examples(sorted(map(str, estimates["record"].dropna().unique())))
        raise ParameterError(
            "No headline effects in the batch: `results.estimates` has no row with record == "
            "'comparison', estimator == 'callaway_santanna' and term == 'att' (records found: "
            f"{found or 'none'}). A specification curve needs the outcome notebook "
            "(notebooks/10_outcomes.ipynb) run once per specification: `hubeval run "
            "params/batches/robustness.yaml`.")
    if "aggregation" in rows.columns:  # the simple aggregation first, should there be several
        rows = rows.assign(_simple=rows["aggregation"] != "simple").sort_values("_simple", kind="stable")
    return rows.drop_duplicates(["run_id", "outcome"]).sort_index()


def _run_params(runs: pd.DataFrame) -> dict[str, dict]:
    if runs is None or "run_id" not in runs.columns or "params" not in runs.columns:
        return {}
    return {str(r): _params(p) for r, p in zip(runs["run_id"], runs["params"])}


def choice_column(choice: str) -> str:
    """A choice's column: its own name unless it clashes with a column of the curve table."""
    return f"param_{choice}" if choice in CURVE_COLUMNS or choice in ("run_id", "outcome") \
        else choice


def _curve_rows(rows: pd.DataFrame, params: dict, alpha: float,
                order: dict) -> tuple[pd.DataFrame, list]:
    """One outcome's specifications, sorted, with its choice columns."""
    run_params = [params.get(str(r), {}) for r in rows["run_id"]]
    choices = specification_choices(run_params, order)
    table = rows.reindex(columns=CURVE_COLUMNS).copy()
    table["run_id"] = rows["run_id"].astype(str).to_numpy()
    for choice in choices:
        table[choice_column(choice)] = [choice_text(p.get(choice)) for p in run_params]
    for column in ("estimate", "std_error", "p_value", "conf_low", "conf_high"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    p = table["p_value"]
    excludes = (table["conf_low"] > 0) | (table["conf_high"] < 0)
    table["significant"] = np.where(p.notna(), p < alpha, excludes).astype(bool)
    table = table.sort_values("estimate", kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    front = ["run_id", "outcome", *[choice_column(c) for c in choices]]
    return table[front + [c for c in CURVE_COLUMNS if c not in front]], choices


def _by_choice(table: pd.DataFrame, outcome: str, choices: list, levels: dict) -> pd.DataFrame:
    rows = []
    for choice in choices:
        column = table[choice_column(choice)]
        for value in levels[choice]:
            part = table.loc[column == value, "estimate"].dropna()
            if len(part):
                rows.append((outcome, choice, value, len(part), float(part.median())))
    return pd.DataFrame(rows, columns=["outcome", "choice", "value", "n_specifications", "median"])


def _sign_choice(table: pd.DataFrame, choices: list) -> str | None:
    """A choice whose values alone fix the sign of the estimate (None if none or no change)."""
    signs = np.sign(table["estimate"])
    if signs.nunique() < 2:
        return None
    for choice in choices:
        per_value = signs.groupby(table[choice_column(choice)].to_numpy()).nunique()
        if (per_value == 1).all():
            return choice
    return None


def _overview(table: pd.DataFrame, outcome: str, choices: list, by_choice: pd.DataFrame) -> dict:
    shown = table.dropna(subset=["estimate"])
    n = len(shown)
    est, sig = shown["estimate"], shown["significant"].astype(bool)
    counts = {"n_positive": int((est > 0).sum()), "n_negative": int((est < 0).sum()),
              "n_significant_positive": int((sig & (est > 0)).sum()),
              "n_significant_negative": int((sig & (est < 0)).sum())}
    spread = by_choice.groupby("choice", sort=False)["median"].agg(lambda m: m.max() - m.min())
    decisive = spread.idxmax() if len(spread) else None
    part = by_choice[by_choice["choice"] == decisive].sort_values("median", kind="stable")
    return {"outcome": outcome, "scale": str(shown["scale"].iloc[0]) if n else "",
            "n_specifications": n, "median": float(est.median()), "low": float(est.min()),
            "high": float(est.max()), **counts,
            **{f"share_{k[2:]}": v / n if n else np.nan for k, v in counts.items()},
            "decisive_choice": decisive,
            "decisive_spread": float(spread.max()) if len(spread) else np.nan,
            "decisive_low_value": part["value"].iloc[0] if len(part) else None,
            "decisive_low_median": float(part["median"].iloc[0]) if len(part) else np.nan,
            "decisive_high_value": part["value"].iloc[-1] if len(part) else None,
            "decisive_high_median": float(part["median"].iloc[-1]) if len(part) else np.nan,
            "sign_choice": _sign_choice(shown, choices)}


def curve_from_table(estimates: pd.DataFrame, choices: dict, levels: dict,
                     spec: dict) -> SpecificationCurveResult:
    """The result for a (possibly disclosure-protected) curve table: summaries recomputed from
    the rows that still carry an estimate."""
    overview, by_choice = [], []
    for outcome in dict.fromkeys(estimates["outcome"]):
        table = estimates[estimates["outcome"] == outcome]
        found = _by_choice(table, outcome, list(choices[outcome]), levels)
        by_choice.append(found)
        overview.append(_overview(table, outcome, list(choices[outcome]), found))
    return SpecificationCurveResult(
        estimates=estimates.reset_index(drop=True), choices=dict(choices), levels=dict(levels),
        overview=pd.DataFrame(overview), by_choice=pd.concat(by_choice, ignore_index=True),
        spec=dict(spec))


def _check_alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ParameterError(f"`alpha` must be a number between 0 and 1; got {alpha!r}.")
    return float(alpha)


def specification_curve(results, *, outcome: str | None = None,
                        alpha: float = 0.05) -> SpecificationCurveResult:
    """The specification curve of a batch: every run's headline effect, sorted, per outcome.

    Parameters
    ----------
    results : BatchResult
        From :func:`hubeval.load_batch_results` on a batch that ran the outcome notebook once
        per specification (e.g. ``hubeval run params/batches/robustness.yaml``). Its ``runs``
        give each run's parameters (``params``, JSON), its ``estimates`` the headline rows.
    outcome : str, optional
        One outcome's curve; default every outcome with at least two specifications.
    alpha : float, default 0.05
        Significance level of the ``significant`` flag and the shares (the intervals are the
        runs' own, usually 95%).

    Returns
    -------
    SpecificationCurveResult

    Raises
    ------
    ParameterError
        No headline effect in the batch, an unknown ``outcome``, fewer than two specifications
        (or runs that differ in no parameter) for the outcome(s).

    Warns
    -----
    DataWarning
        Outcomes with a single specification are left out (when ``outcome`` is not given).

    References
    ----------
    Simonsohn, Simmons and Nelson (2020), *Nature Human Behaviour* 4, 1208-1214.

    Examples
    --------
    >>> curve = hb.specification_curve(hb.load_batch_results("runs/robustness/..."))  # doctest: +SKIP
    >>> curve.reading("ko")                                                            # doctest: +SKIP
    """
    alpha = _check_alpha(alpha)
    rows = _headline_rows(getattr(results, "estimates", pd.DataFrame()))
    present = list(dict.fromkeys(rows["outcome"]))
    if outcome is not None and outcome not in present:
        raise ParameterError(f"`outcome` {outcome!r} has no headline effect in the batch; "
                             f"outcomes found: {format_examples(present)}.")
    params = _run_params(getattr(results, "runs", None))
    order = _batch_order(getattr(results, "manifest", None))
    tables, choices, levels, single = [], {}, {}, []
    for name in present if outcome is None else [outcome]:
        part = rows[rows["outcome"] == name]
        table, found = _curve_rows(part, params, alpha, order)
        if len(table) < 2 or not found:
            single.append((name, len(table), table["run_id"].tolist()))
            continue
        tables.append(table)
        choices[name] = tuple(found)
        for choice in found:  # first-seen order over the runs (the grid's order)
            seen = [choice_text(params.get(str(r), {}).get(choice)) for r in part["run_id"]]
            levels[choice] = tuple(dict.fromkeys([*levels.get(choice, ()), *seen]))
    if not tables:
        name, n, runs = single[0]
        why = (f"{n} specification (run {format_examples(runs)})" if n < 2 else
               f"{n} runs that differ in no parameter ({format_examples(runs)})")
        raise ParameterError(
            f"A specification curve needs at least two specifications that differ in their "
            f"parameters; outcome `{name}` has {why}. Run the outcome notebook over a grid of "
            "choices: `hubeval run params/batches/robustness.yaml`.")
    if single:
        warnings.warn(f"Left out of the specification curve (one specification each): "
                      f"{format_examples([s[0] for s in single])}.", DataWarning, stacklevel=2)
    estimates = pd.concat(tables, ignore_index=True)
    folder = getattr(results, "folder", None)
    return curve_from_table(estimates, choices, levels, {
        "outcome": outcome, "alpha": alpha, **HEADLINE,
        "results_dir": None if folder is None else str(folder)})
