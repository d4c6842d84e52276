"""The memo reads the results store by columns: every number it prints is a row of `estimates` or
`statistics` found by record, estimator, term code or statistic code."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import hubeval as hb

from tests.report.conftest import EXAMPLE
from tests.report.test_memo import make_batch


def test_memo_numbers_are_store_rows_found_by_columns(example_batch, example_panel, tmp_path):
    results = hb.load_batch_results(example_batch)
    memo = hb.build_memo(results, lang="en")
    store = results.estimates
    shown = memo.estimates.dropna(subset=["estimate"])
    assert len(shown) >= 8
    for row in shown.itertuples(index=False):
        match = store[(store["record"] == "comparison") & (store["outcome"] == row.outcome)
                      & (store["estimator"] == row.estimator) & (store["term"] == row.term)]
        assert len(match) == 1 and match["estimate"].iloc[0] == row.estimate
        assert match["conf_low"].iloc[0] == row.conf_low and match["scale"].iloc[0] == row.scale
    headline = memo.estimates[(memo.estimates["estimator"] == "callaway_santanna")
                              & (memo.estimates["term"] == "att")]
    assert set(headline["outcome"]) >= {"log_va_per_worker", "cost_ratio"}
    # the Rambachan-Roth sentence quotes the recorded breakdown value, found by its code
    mbar = results.statistic("breakdown_mbar", outcome="log_va_per_worker")["value"]
    sentence = next(s for s in memo.robustness if "value added per worker" in s.lower())
    assert len(mbar) == 1 and f"{mbar.iloc[0]:.2f}" in sentence
    # the power sentence quotes the recorded MDE (statistic `mde_percent`, term `all_cohorts_cs`)
    mde = results.statistic("mde_percent", outcome="log_va_per_worker", term="all_cohorts_cs")
    assert f"{mde['value'].iloc[0]:.1f}%" in " ".join(memo.limitations)
    # what the memo run records of its own: the inference panel as printed, the cost-benefit
    # (the example batch's small credibility settings record no inference panel: the hand-made one does)
    rows = hb.build_memo(hb.load_batch_results(make_batch(tmp_path / "hand")), lang="en").inference_rows
    assert len(rows) == 4
    tmp_path = tmp_path / "memo_run"
    run = tmp_path / "90_policy_memo"
    run.mkdir(parents=True)
    hb.record("memo_inference", rows, out_dir=run)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cba = hb.memo_cost_benefit(results, example_panel, costs=EXAMPLE / "program_costs.csv",
                                   price_index=EXAMPLE / "price_index.csv", base_year=2015,
                                   money_unit=1e6, n_sim=50, seed=1)
    hb.record("cost_benefit", cba, out_dir=run)
    own = hb.collect_store(tmp_path)
    printed = own["estimates"]
    assert len(printed) == len(rows) and set(printed["inference"]) >= {"influence_function",
                                                                       "randomization"}
    assert np.allclose(printed["estimate"], rows["estimate"].astype(float), equal_nan=True)
    stats = own["statistics"].set_index("statistic")["value"]
    assert stats["npv"] == pytest.approx(cba.result.npv) and stats["bcr"] == pytest.approx(cba.result.bcr)
    assert 0 <= stats["prob_bcr_above_1"] <= 1 and own["estimates"]["record"].unique().tolist() == ["memo_inference"]
