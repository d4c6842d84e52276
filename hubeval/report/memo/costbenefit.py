"""The memo's cost-benefit analysis, computed from a batch's recorded event studies.

:func:`memo_cost_benefit` values the Callaway-Sant'Anna event-study path of log value added per
worker (and of log employment, for the cost per net job) recorded by the outcome notebooks,
with participants' baseline value added from the firm data
(:func:`hubeval.participant_baseline`), the cost ledger and the price index. The simulation
draws whole effect paths from the event study's joint covariance (from the influence functions),
recorded by the outcome notebook as ``event_study_vcov`` (:func:`hubeval.store.readers.event_study_vcov`);
a batch without it falls back to independent draws and ``spec["vcov"]`` says so.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubeval.cba.inputs import participant_baseline
from hubeval.cba.model import CostBenefitResult, cost_benefit
from hubeval.cba.sensitivity import CostBenefitSensitivityResult, cba_sensitivity
from hubeval.core.errors import DataWarning, ParameterError, SpecError
from hubeval.core.paths import project_path, where_looked
from hubeval.core.results import ResultMixin, result_field
from hubeval.data.io import read_table
from hubeval.data.panel import Panel
from hubeval.store.readers import event_study_vcov
from hubeval.store.results import BatchResult

__all__ = ["MemoCostBenefitResult", "memo_cost_benefit", "effect_path"]


@dataclasses.dataclass(frozen=True)
class MemoCostBenefitResult(ResultMixin):
    """The memo's cost-benefit analysis: result, sensitivity table and what it was built from.

    Attributes
    ----------
    result : CostBenefitResult or None
        None when it could not be computed (``note`` says why).
    sensitivity : CostBenefitSensitivityResult or None
    spec : dict
        Outcome, employment outcome, cost ledger, price base year, simulation settings.
    note : str
        Why the analysis (or the cost per net job) is missing, empty otherwise.
    """

    result: CostBenefitResult | None
    sensitivity: CostBenefitSensitivityResult | None = result_field(serialize="omit")
    spec: dict = result_field()
    note: str = ""
    title = "Cost-benefit analysis from the batch"
    #: Recorded (``hb.record("cost_benefit", cba)``) into the results store's ``statistics``.
    _store_kind = "statistics"

    @property
    def estimates(self) -> pd.DataFrame:
        """The cost-benefit estimates (empty when not computed)."""
        return self.result.estimates if self.result is not None else pd.DataFrame()

    def _glance_rows(self) -> list[dict]:
        """The cost-benefit's statistics (NPV, BCR, P(BCR > 1), ... with simulated intervals)
        and the tornado's benefit-cost ratios at each assumption's low and high value."""
        if self.result is None:
            return []
        rows = [{"outcome": self.spec.get("outcome"), **row} for row in self.result._glance_rows()]
        if self.sensitivity is not None and {"term", "scenario", "bcr"} <= set(self.sensitivity.estimates.columns):
            for row in self.sensitivity.estimates.itertuples(index=False):
                rows.append({"outcome": self.spec.get("outcome"), "term": f"{row.term}:{row.scenario}",
                             "statistic": "sensitivity_bcr", "value": float(row.bcr),
                             "unit": "ratio", "label": f"BCR with {row.term} at its {row.scenario} value"})
        return rows


def effect_path(results: BatchResult, outcome: str) -> pd.DataFrame | None:
    """The recorded Callaway-Sant'Anna event study of ``outcome``: event_time, estimate, std_error.

    None when the batch has no event study for ``outcome``.
    """
    studies = results.event_studies
    if studies.empty or outcome not in set(studies["outcome"]):
        return None
    rows = studies[studies["outcome"] == outcome]
    return rows[["event_time", "estimate", "std_error"]].astype(float).sort_values(
        "event_time").reset_index(drop=True)


def _read_frame(source: Any, name: str) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    path = project_path(source)
    if not path.is_file():
        raise ParameterError(f"`{name}` file `{source}` does not exist{where_looked(source)}. Point "
                             "it to the CSV file (see data/example/ for the expected columns).")
    frame, _ = read_table(path)
    return frame


def _firm_rows(data: Panel | pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Firm-year rows with never-participants' cohort missing, and the column names."""
    if isinstance(data, Panel):
        rows = data.data.copy()
        rows[data.cohort] = rows[data.cohort].replace(np.inf, np.nan)
        return rows, {"unit": data.unit, "time": data.time, "cohort": data.cohort}
    if isinstance(data, pd.DataFrame):
        return data, {}
    raise SpecError(f"`data` must be a hubeval Panel (hb.load_panel) or a DataFrame of firm-years; "
                    f"got {type(data).__name__}.")


def _money_unit(data, money_unit) -> float:
    """KRW per unit of the firm data's money columns: given, or the panel's own."""
    from hubeval.data.units import money_scale

    own = data.money_unit if isinstance(data, Panel) else None
    if money_unit is None:
        if own is None:
            warnings.warn("The money unit of the firm data is unknown (no unit row, no `money_unit`); "
                          "value added is taken as KRW million (백만원). Set `money_unit` to be sure.",
                          DataWarning, stacklevel=3)
            return 1e6
        return own
    given = money_scale(money_unit)
    if own is not None and given != own:
        raise SpecError(f"`money_unit` is {money_unit!r} (KRW {given:,.0f} per unit), but the panel's "
                        f"money columns are in KRW {own:,.0f} per unit. Leave `money_unit` empty to use "
                        "the panel's unit, or load the panel with `money_unit` set to the same unit.")
    return given


def memo_cost_benefit(results: BatchResult, data: Panel | pd.DataFrame, *,
                      costs: str | Path | pd.DataFrame | None,
                      price_index: str | Path | pd.DataFrame | Mapping | None = None,
                      base_year: int | None = None, outcome: str = "log_va_per_worker",
                      employment_outcome: str | None = "log_employment",
                      money_unit: float | str | None = None, n_sim: int = 2000,
                      seed: int | np.random.Generator | None = None,
                      **settings: Any) -> MemoCostBenefitResult:
    """Cost-benefit analysis of the programme from a batch's recorded event studies.

    Parameters
    ----------
    results : BatchResult
        From :func:`hubeval.load_batch_results`.
    data : Panel or DataFrame
        The firm panel the batch analysed (for participants' baseline value added).
    costs : path or DataFrame or None
        Cost ledger (``data/example/program_costs.csv`` layout, see :func:`hubeval.real_costs`).
        None: no cost-benefit analysis (``result`` None, the note says why).
    price_index : path, DataFrame or mapping, optional
        Deflator by year (CSV with ``year`` and one index column); deflates both the ledger and
        baseline value added to ``base_year`` prices.
    base_year : int, optional
        Price base year (default: where the index is 100).
    outcome : str, default "log_va_per_worker"
        Outcome whose event-study path values the benefits (log value added per worker).
    employment_outcome : str or None, default "log_employment"
        Outcome for the cost per net additional job; skipped when the batch has none.
    money_unit : float or str, optional
        KRW per unit of the data's ``value_added`` (1e6 or '백만원': KRW million). By default the
        panel's own unit (``data.money_unit``, from the file's unit row or the ``money_unit`` it was
        loaded with), so the KRW amounts do not depend on the unit the file was saved in; for a
        DataFrame or a panel of unknown unit, KRW million with a :class:`~hubeval.DataWarning`.
    n_sim, seed
        Simulation draws and seed of :func:`hubeval.cost_benefit`.
    **settings
        Other settings of :func:`hubeval.cost_benefit` (discount rate, horizon, persistence,
        displacement, leakage, substitution, multiplier); the sensitivity analysis starts from
        the same base case.

    Returns
    -------
    MemoCostBenefitResult
        With ``result`` None (and a :class:`~hubeval.DataWarning`) when the batch has no event
        study of ``outcome``.
    """
    spec = {"outcome": outcome, "employment_outcome": employment_outcome, "n_sim": n_sim,
            "seed": seed if not isinstance(seed, np.random.Generator) else "Generator",
            "costs": str(costs) if not isinstance(costs, pd.DataFrame) else "DataFrame",
            "base_year": base_year, **settings}
    if costs is None:
        why = "no cost ledger was given (`costs_path`)"
        warnings.warn(f"No cost-benefit analysis: {why}.", DataWarning, stacklevel=2)
        return MemoCostBenefitResult(None, None, spec, note=why)
    money_unit = _money_unit(data, money_unit)
    spec["money_unit"] = money_unit
    path = effect_path(results, outcome)
    if path is None:
        why = (f"the batch has no event study of `{outcome}` (run notebooks/10_outcomes with "
               f"it among its outcomes)")
        warnings.warn(f"No cost-benefit analysis: {why}.", DataWarning, stacklevel=2)
        return MemoCostBenefitResult(None, None, spec, note=why)
    ledger = _read_frame(costs, "costs")
    index = None if price_index is None or isinstance(price_index, Mapping) \
        else _read_frame(price_index, "price_index")
    index = price_index if isinstance(price_index, Mapping) else index
    rows, names = _firm_rows(data)
    baseline = participant_baseline(rows, **names, money_unit=money_unit, price_index=index,
                                    price_base_year=base_year)
    jobs = effect_path(results, employment_outcome) if employment_outcome else None
    note = "" if jobs is not None or not employment_outcome else \
        f"no event study of `{employment_outcome}`: cost per net job not computed"
    prices = {"price_index": index, "price_base_year": base_year}
    post = path.loc[path["event_time"] >= 0, "event_time"].tolist()
    vcov = event_study_vcov(results, outcome, post)
    vcov = None if vcov is None else vcov.to_numpy()
    result = cost_benefit(ledger, path, baseline=baseline, employment_effects=jobs, n_sim=n_sim,
                          vcov=vcov, seed=seed, **prices, **settings)
    sensitivity = cba_sensitivity(ledger, path, baseline=baseline, vcov=vcov, **prices,
                                  **settings)
    spec["vcov"] = "joint" if vcov is not None else "independent"
    spec["last_event_time"] = int(path["event_time"].max())
    spec["price_base_year"] = result.spec["price_base_year"]
    return MemoCostBenefitResult(result, sensitivity, spec, note=note)
