"""The example batch, built in-process: what `make evaluate` records, on small settings.

The outcome, data-check and regional steps are the pipeline calls the notebooks make
(``hb.evaluate_outcomes``, ``hb.assess_credibility``, ``hb.match``, ``hb.evaluate_regional``),
recorded with ``hb.record`` into run folders with a ``run.json`` and a ``manifest.json`` the way
the batch runner writes them, so the memo reads them back with ``hb.load_batch_results`` exactly
as it reads a real batch. Bootstraps and permutations are kept small: the figures' layout and
the memo's words do not depend on them.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import hubeval as hb

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example"
FAMILIES = ("productivity", "costs", "investment", "jobs")
SETTINGS = dict(control="not_yet_treated", method="dr", covariates=["posco_supplier", "metal"],
                anticipation=1)


def _run(folder: Path, run_id: str, params: dict) -> Path:
    run = folder / run_id
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"run_id": run_id, "notebook": run_id,
                                              "params": params}))
    return run


def _outcome_runs(folder: Path, panel, objects: dict) -> None:
    for family in FAMILIES:
        run = _run(folder, f"10_outcomes-{family}", {"family": family, **SETTINGS})
        result = hb.evaluate_outcomes(panel, family=family, n_boot=0, seed=2011, **SETTINGS)
        credibility = hb.assess_credibility(panel, outcome=result.headline.outcome, n_boot=49,
                                            n_permutations=9, seed=2011, **SETTINGS) \
            if family == "productivity" else None
        hb.record_outcome_results(result, credibility, out_dir=run)
        if credibility is not None:
            objects.update(outcomes=result, credibility=credibility)


def _other_runs(folder: Path, panel, objects: dict) -> None:
    run = _run(folder, "00_data_check", {})
    matching = hb.match(panel, method="nearest", covariates=["posco_supplier", "metal", "employment"],
                        outcomes=["log_va_per_worker"])
    hb.record("balance", hb.balance_summary(matching), out_dir=run)
    run = _run(folder, "50_regional", {})
    cities = hb.load_cities(EXAMPLE / "cities.csv")
    regional = hb.evaluate_regional(cities, outcomes=["mfg_employment", "industrial_investment",
                                                      "complex_occupancy", "population"],
                                    unit="city", time="year", treated_unit="Gwangyang",
                                    treatment_time=2011, placebo_outcomes=["population"])
    hb.record("synth_effect", regional.estimates, out_dir=run)
    hb.record("synth_gap", regional.gaps, out_dir=run)
    objects.update(matching=matching, regional=regional["mfg_employment"])


def _manifest(folder: Path) -> None:
    runs = [{"id": p.name, "notebook": f"notebooks/{p.name.split('-')[0]}.ipynb", "status": "ok",
             "duration": 1.0, "notebook_sha256": "0" * 64, "data": {}, "params": {}}
            for p in sorted(folder.iterdir()) if p.is_dir()]
    manifest = {"batch": "main", "folder": str(folder), "created": "2026-01-01T00:00:00+00:00",
                "finished": "2026-01-01T00:05:00+00:00", "status": "ok",
                "environment": {"hubeval": {"version": hb.__version__}, "python": "3.11",
                                "platform": "linux", "packages": {}},
                "runs": runs}
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture(scope="session")
def example_run(tmp_path_factory, example_panel) -> tuple[Path, dict]:
    """The example batch folder (with results.csv) and the result objects the notebooks draw:
    ``outcomes`` (productivity), ``credibility``, ``matching`` and ``regional`` (the headline
    city outcome's synthetic control with placebos)."""
    folder = tmp_path_factory.mktemp("example") / "runs" / "main" / "20260101-000000-abcdef"
    folder.mkdir(parents=True)
    objects: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _outcome_runs(folder, example_panel, objects)
        _other_runs(folder, example_panel, objects)
    hb.write_store(folder, hb.collect_store(folder))
    _manifest(folder)
    return folder, objects


@pytest.fixture(scope="session")
def example_batch(example_run) -> Path:
    """A batch folder of the example data (outcomes, balance, regional) with results.csv."""
    return example_run[0]


@pytest.fixture(scope="session")
def example_memos(example_batch, example_panel):
    """The memo of the example batch in both languages, with its cost-benefit analysis."""
    results = hb.load_batch_results(example_batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cba = hb.memo_cost_benefit(results, example_panel, costs=EXAMPLE / "program_costs.csv",
                                   price_index=EXAMPLE / "price_index.csv", base_year=2015,
                                   money_unit=1e6, n_sim=200, seed=2011)
        return {lang: hb.build_memo(results, cba=cba, lang=lang) for lang in ("en", "ko")}
