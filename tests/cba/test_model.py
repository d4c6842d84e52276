"""Tests for hubeval.cba: hand-calculated identities, edge cases, errors, sensitivity, text."""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
import hubeval.cba as cba
from hubeval.core.errors import SpecError

NO_ADDITIONALITY = dict(displacement=0.0, leakage=0.0, substitution=0.0, multiplier=1.0)


def ledger(rows=None):
    rows = rows or [(2011, "posco", "consulting", 400.0, 500_000.0, 2011),
                    (2011, "city", "mentoring", 10.0, 1_000_000.0, 2011)]
    return pd.DataFrame([{"cohort": c, "payer": p, "item": i, "quantity": q, "unit": "day",
                          "unit_cost_krw": u, "amount_krw": q * u, "price_year": y}
                         for c, p, i, q, u, y in rows])


def path(estimates, se=0.02, start=0):
    n = len(estimates)
    return pd.DataFrame({"event_time": range(start, start + n), "estimate": estimates,
                         "std_error": [se] * n})


BASE = {"cohort": 2011, "n_firms": 20, "value_added_krw": 40e9, "employment": 800}


def run(costs=None, effects=None, **kw):
    kw = {"baseline": BASE, "n_sim": 0, **kw}
    return cba.cost_benefit(ledger() if costs is None else costs,
                            path([0.05, 0.05]) if effects is None else effects, **kw)


# --- hand calculations ----------------------------------------------------------------------

def test_constant_effect_matches_annuity_due_formula():
    r, horizon, b = 0.045, 10, 0.05
    res = run(effects=path([b]), persistence=1.0, discount_rate=r, horizon=horizon,
              **NO_ADDITIONALITY)
    # Benefits at t = 0..H-1: an annuity due, (1 + r) (1 - (1 + r)^-H) / r.
    annuity_due = (1 + r) * (1 - (1 + r) ** -horizon) / r
    expected = math.expm1(b) * 40e9 * annuity_due
    assert res.pv_benefits == pytest.approx(expected, rel=1e-12)
    assert res.pv_costs == pytest.approx(2.1e8)
    assert res.npv == pytest.approx(expected - 2.1e8, rel=1e-12)
    assert res.bcr == pytest.approx(expected / 2.1e8, rel=1e-12)


def test_zero_discount_rate_sums_undiscounted_flows():
    res = run(effects=path([0.01, 0.02, 0.03]), discount_rate=0.0, horizon=3, **NO_ADDITIONALITY)
    assert res.pv_benefits == pytest.approx(40e9 * sum(math.expm1(b) for b in (0.01, 0.02, 0.03)))


def test_geometric_decay_beyond_observed_years():
    r, p = 0.05, 0.5
    res = run(effects=path([0.02, 0.04]), discount_rate=r, horizon=4, persistence=p,
              **NO_ADDITIONALITY)
    effects = [0.02, 0.04, 0.04 * p, 0.04 * p ** 2]
    expected = 40e9 * sum(math.expm1(b) / (1 + r) ** t for t, b in enumerate(effects))
    assert res.pv_benefits == pytest.approx(expected, rel=1e-12)
    assert res.flows["source"].tolist() == ["estimated"] * 2 + ["extrapolated"] * 2


def test_later_cohorts_are_discounted_to_the_first_cohort_year():
    costs = ledger([(2011, "posco", "consulting", 100.0, 1e6, 2011),
                    (2013, "posco", "consulting", 100.0, 1e6, 2011)])
    baseline = pd.DataFrame({"cohort": [2011, 2013], "n_firms": [10, 12],
                             "value_added_krw": [10e9, 20e9]})
    res = run(costs, path([0.03]), baseline=baseline, horizon=1, **NO_ADDITIONALITY)
    d = 1 / 1.045
    assert res.pv_costs == pytest.approx(1e8 + 1e8 * d ** 2)
    assert res.pv_benefits == pytest.approx(math.expm1(0.03) * (10e9 + 20e9 * d ** 2))
    assert res.value("cost_per_firm") == pytest.approx(res.pv_costs / 22)
    assert res.flows["pv_cost_krw"].sum() == pytest.approx(res.pv_costs)
    assert res.flows["pv_net_benefit_krw"].sum() == pytest.approx(res.pv_benefits)


def test_gross_to_net_factor_is_multiplicative():
    gross = run(**NO_ADDITIONALITY).pv_benefits
    net = run(displacement=0.25, leakage=0.1, substitution=0.05, multiplier=1.2).pv_benefits
    assert net == pytest.approx(gross * 0.75 * 0.9 * 0.95 * 1.2, rel=1e-12)


def test_price_index_converts_to_real_base_year_krw():
    costs = ledger([(2011, "posco", "consulting", 100.0, 1.1e6, 2012),
                    (2011, "city", "mentoring", 10.0, 1e6, 2010)])
    out = cba.real_costs(costs, price_index={2010: 100.0, 2011: 105.0, 2012: 110.0})
    assert out["amount_real_krw"].tolist() == pytest.approx([1e8, 1e7])
    assert out["price_base_year"].unique().tolist() == [2010]
    rebased = cba.real_costs(costs, price_index={2010: 100.0, 2012: 110.0}, price_base_year=2012)
    assert rebased["amount_real_krw"].tolist() == pytest.approx([1.1e8, 1.1e7])


def test_costs_by_payer_shares_sum_to_one():
    res = run()
    assert res.costs_by_payer["payer"].tolist() == ["city", "posco"]
    assert res.costs_by_payer["share"].sum() == pytest.approx(1.0)


def test_cost_effectiveness_ratios_by_hand():
    jobs = path([0.01, 0.03])
    res = run(employment_effects=jobs, displacement=0.2, **{k: v for k, v in
                                                            NO_ADDITIONALITY.items()
                                                            if k != "displacement"})
    net_jobs = 0.8 * 800 * np.mean(np.expm1([0.01, 0.03]))
    assert res.value("net_additional_jobs") == pytest.approx(net_jobs)
    assert res.value("cost_per_net_job") == pytest.approx(2.1e8 / net_jobs)
    assert res.value("productivity_effect_pct") == pytest.approx(100 * math.expm1(0.05))
    assert res.value("cost_per_pp_productivity") == pytest.approx(2.1e8 / (100 * math.expm1(0.05)))


def test_break_even_persistence_sets_npv_to_zero():
    costs = ledger([(2011, "posco", "consulting", 800.0, 1e6, 2011)])
    res = run(costs, path([0.002, 0.004]))
    be = res.value("break_even_persistence")
    assert 0 < be < 1
    assert run(costs, path([0.002, 0.004]), persistence=be).npv == pytest.approx(0, abs=1.0)


# --- edge cases -----------------------------------------------------------------------------

def test_zero_effect_gives_minus_cost():
    res = run(effects=path([0.0, 0.0, 0.0]))
    assert res.npv == pytest.approx(-res.pv_costs)
    assert res.bcr == 0
    assert math.isnan(res.value("break_even_persistence"))
    assert math.isnan(res.value("cost_per_pp_productivity"))
    assert res.notes == ("the last estimated effect is not positive, so persistence cannot help",
                         "cost per percentage point is undefined: the estimated effect is not "
                         "positive")


def test_zero_cost_gives_infinite_bcr():
    costs = ledger([(2011, "posco", "consulting", 0.0, 500_000.0, 2011)])
    res = run(costs, n_sim=200, seed=3)
    assert res.pv_costs == 0 and res.npv == res.pv_benefits
    assert res.bcr == math.inf
    assert res.value("cost_per_firm") == 0
    assert res.value("break_even_persistence") == 0
    assert res.to_dict()["estimates"][3]["estimate"] == "inf"
    assert hb.describe_cba(res)[0].endswith("the benefit-cost ratio is ∞.")


def test_zero_cost_and_zero_effect_gives_undefined_bcr():
    costs = ledger([(2011, "posco", "consulting", 0.0, 500_000.0, 2011)])
    assert math.isnan(run(costs, path([0.0])).bcr)


def test_horizon_within_observed_years_truncates_and_ignores_persistence():
    res = run(effects=path([0.01, 0.02, 0.03]), horizon=2, discount_rate=0.0, **NO_ADDITIONALITY)
    assert res.pv_benefits == pytest.approx(40e9 * (math.expm1(0.01) + math.expm1(0.02)))
    assert math.isnan(res.value("break_even_persistence"))
    assert "persistence plays no role" in res.notes[0]


def test_pre_treatment_rows_are_ignored_and_inputs_not_mutated():
    effects = pd.concat([path([0.3, 0.3], start=-2), path([0.05, 0.05])], ignore_index=True)
    costs = ledger()
    before = (effects.copy(), costs.copy())
    assert run(costs, effects).npv == pytest.approx(run().npv)
    pd.testing.assert_frame_equal(effects, before[0])
    pd.testing.assert_frame_equal(costs, before[1])


def test_accepts_a_result_object_with_estimates():
    class Fake:
        estimates = path([0.05, 0.05])
    assert run(effects=Fake()).npv == pytest.approx(run().npv)


# --- simulation -----------------------------------------------------------------------------

def test_simulation_reproducible_and_centred():
    a = run(n_sim=4000, seed=7)
    b = run(n_sim=4000, seed=7)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    row = a.estimates.set_index("term").loc["npv"]
    assert row["conf_low"] < a.npv < row["conf_high"]
    assert a.draws["npv"].mean() == pytest.approx(a.npv, rel=0.05)
    assert 0 <= a.prob_bcr_above_1 <= 1
    assert "draws" not in a.to_dict()
    json.dumps(a.to_dict())


def test_zero_standard_errors_give_degenerate_interval():
    res = run(effects=path([0.05, 0.05], se=0.0), n_sim=100, seed=1)
    row = res.estimates.set_index("term").loc["npv"]
    assert row["conf_low"] == pytest.approx(res.npv) and row["conf_high"] == pytest.approx(res.npv)
    assert res.prob_bcr_above_1 == 1.0


def test_vcov_shape_is_checked():
    with pytest.raises(SpecError, match=re.escape(
            "`vcov` must be a 2 x 2 matrix over the post-treatment event times 0..1; "
            "got shape (3, 3).")):
        run(vcov=np.eye(3), n_sim=10)


def test_perfectly_correlated_draws_are_wider_than_independent():
    se = 0.02
    indep = run(effects=path([0.05] * 3, se=se), n_sim=3000, seed=2)
    corr = run(effects=path([0.05] * 3, se=se), n_sim=3000, seed=2,
               vcov=np.full((3, 3), se ** 2))
    assert corr.draws["npv"].std() > indep.draws["npv"].std()


# --- errors (full text) -----------------------------------------------------------------------

def test_negative_cost_error():
    costs = ledger([(2011, "posco", "consulting", 10.0, -5.0, 2011)])
    with pytest.raises(SpecError) as err:
        run(costs)
    assert str(err.value) == (
        "`costs` column `unit_cost_krw` has negative values (row 0: -5.0); costs must be >= 0. "
        "Record refunds or co-payments by reducing the item's amount, not as a negative cost.")


def test_horizon_zero_error():
    with pytest.raises(SpecError) as err:
        run(horizon=0)
    assert str(err.value) == ("`horizon` must be the number of years of benefits, a whole "
                              "number from 1 to 50; got 0.")


def test_discount_rate_given_as_percent_error():
    with pytest.raises(SpecError) as err:
        run(discount_rate=4.5)
    assert str(err.value) == ("`discount_rate` must be a real annual rate, e.g. 0.045 for 4.5%, "
                              "between 0 and 0.2; got 4.5. Did you pass a percentage? Use 0.045 "
                              "for 4.5%.")


@pytest.mark.parametrize("name, value, message", [
    ("discount_rate", -0.01, "`discount_rate` must be a real annual rate, e.g. 0.045 for 4.5%, "
                             "between 0 and 0.2; got -0.01."),
    ("persistence", 1.2, "`persistence` must be the share of the effect kept each year, between "
                         "0 and 1; got 1.2."),
    ("multiplier", 0.5, "`multiplier` must be a composite multiplier, 1 for none, between 1 and "
                        "3; got 0.5."),
    ("displacement", "0.2", "`displacement` must be a share, between 0 and 1; got '0.2'."),
    ("n_sim", -1, "`n_sim` must be the number of simulation draws, a whole number from 0 to "
                  "1000000; got -1."),
])
def test_setting_errors(name, value, message):
    with pytest.raises(SpecError) as err:
        run(**{name: value})
    assert str(err.value) == message


def test_ledger_errors():
    bad = ledger()
    bad.loc[1, "payer"] = "ministry"
    with pytest.raises(SpecError, match=re.escape(
            "`costs` column `payer` has unknown payers (row 1: 'ministry'); use one of "
            "['city', 'posco', 'chamber', 'firms'].")):
        run(bad)
    bad = ledger()
    bad.loc[0, "amount_krw"] = 1.0
    with pytest.raises(SpecError, match=re.escape(
            "`costs` column `amount_krw` differs from `quantity` x `unit_cost_krw` in 1 row(s) "
            "(row 0: 1.0). Correct the ledger so amount = quantity x unit cost.")):
        run(bad)
    with pytest.raises(SpecError, match=re.escape("`costs` is missing column(s) ['price_year']")):
        run(ledger().drop(columns="price_year"))


def test_price_index_errors():
    costs = ledger([(2011, "posco", "c", 1.0, 1.0, 2011), (2011, "posco", "c", 1.0, 1.0, 2012)])
    with pytest.raises(SpecError, match=re.escape(
            "`costs` has several price years ([2011, 2012]) but no `price_index`.")):
        run(costs)
    with pytest.raises(SpecError, match=re.escape(
            "`price_index` has no value for year(s) [2012]; extend the index.")):
        run(costs, price_index={2011: 100.0})


def test_cohort_mismatch_and_effect_path_errors():
    costs = ledger([(2012, "posco", "c", 1.0, 1.0, 2012)])
    with pytest.raises(SpecError, match=re.escape(
            "Cohorts differ between `costs` and `baseline`: only in costs [2012], only in "
            "baseline [2011].")):
        run(costs)
    gap = pd.DataFrame({"event_time": [0, 2], "estimate": [0.1, 0.1], "std_error": [0.1, 0.1]})
    with pytest.raises(SpecError, match=re.escape(
            "`effects` must have contiguous post-treatment event times 0, 1, ..., E; got [0, 2].")):
        run(effects=gap)
    with pytest.raises(SpecError, match=re.escape(
            "`baseline` column `value_added_krw` must be positive for every cohort; got -1.")):
        run(baseline={**BASE, "value_added_krw": -1})


# --- sensitivity ----------------------------------------------------------------------------

def test_sensitivity_rows_match_cost_benefit_runs():
    sens = cba.cba_sensitivity(ledger(), path([0.05, 0.05]), baseline=BASE)
    assert sens.base_npv == pytest.approx(run().npv)
    table = sens.estimates
    assert set(table["term"]) == {"discount_rate", "horizon", "persistence", "displacement",
                                  "leakage", "substitution", "multiplier", "effect"}
    low = table.query("term == 'discount_rate' and scenario == 'low'")
    assert low["estimate"].item() == pytest.approx(run(discount_rate=0.035).npv)
    assert low["value_label"].item() == "3.5%"
    h15 = table.query("term == 'horizon' and scenario == 'high'")
    assert h15["estimate"].item() == pytest.approx(run(horizon=15).npv)
    swings = table.groupby("term", sort=False)["estimate"].agg(lambda s: s.max() - s.min())
    assert list(swings) == sorted(swings, reverse=True)


def test_sensitivity_unknown_parameter_error():
    with pytest.raises(SpecError, match=re.escape("Unknown setting(s) ['deadweight']; vary one of")):
        cba.cba_sensitivity(ledger(), path([0.05]), baseline=BASE, ranges={"deadweight": (0, 1)})


# --- plain language -------------------------------------------------------------------------

@pytest.mark.parametrize("value, lang, text", [
    (1.234e9, "en", "KRW 1.23 billion"), (4.56e8, "en", "KRW 456 million"),
    (-2e12, "en", "KRW -2 trillion"), (950.0, "en", "KRW 950"),
    (1.234e9, "ko", "12.3억 원"), (4.56e7, "ko", "4,560만 원"), (2e12, "ko", "2조 원"),
    (float("nan"), "ko", "정의되지 않음"),
])
def test_format_krw(value, lang, text):
    assert hb.format_krw(value, lang) == text


def test_sentences_in_both_languages_use_the_numbers():
    res = run(n_sim=500, seed=1, employment_effects=path([0.02, 0.02]))
    en, ko = hb.describe_cba(res, lang="en"), hb.describe_cba(res, lang="ko")
    assert len(en) == len(ko) == 6
    assert hb.format_krw(res.npv, "en") in en[0] and hb.format_krw(res.npv, "ko") in ko[0]
    assert f"{res.bcr:.2f}" in en[0] and f"{res.bcr:.2f}" in ko[0]
    assert "double counting" in en[-1] and "이중 계산" in ko[-1]
    with pytest.raises(SpecError, match=re.escape("`lang` must be one of ['en', 'ko']; got 'fr'.")):
        hb.describe_cba(res, lang="fr")


# --- baseline from a firm panel and price tables --------------------------------------------

def panel():
    rows = []
    for firm, cohort, va in (("A", 2011, 100.0), ("B", 2011, 300.0), ("C", 2012, 50.0),
                             ("D", None, 999.0)):
        for year in range(2007, 2013):
            rows.append({"firm_id": firm, "year": year, "cohort": cohort,
                         "value_added": va * (0.5 if cohort and year == cohort - 1 else 1.0),
                         "employment": 10.0})
    return pd.DataFrame(rows)


def test_participant_baseline_skips_the_dip_year_and_deflates():
    base = cba.participant_baseline(panel(), money_unit=1e6)
    assert base.to_dict("records") == [
        {"cohort": 2011, "n_firms": 2, "value_added_krw": 400e6, "employment": 20.0},
        {"cohort": 2012, "n_firms": 1, "value_added_krw": 50e6, "employment": 10.0}]
    index = pd.DataFrame({"year": range(2007, 2013), "ppi": [80.0, 100.0, 100.0, 125.0, 125.0,
                                                             125.0]})
    real = cba.participant_baseline(panel(), price_index=index)
    # 2011 cohort window: 2008-2009 (index 100); 2012 cohort: 2009 (100) and 2010 (125).
    assert real["value_added_krw"].tolist() == pytest.approx([400.0, (50 + 40) / 2])
    with pytest.raises(SpecError, match=re.escape(
            "`window` must be (first, last) pre-participation event times with first <= last < 0;"
            " got (-1, 0).")):
        cba.participant_baseline(panel(), window=(-1, 0))


def test_price_index_as_year_value_table():
    costs = ledger([(2011, "posco", "consulting", 100.0, 1.1e6, 2012)])
    table = pd.DataFrame({"year": [2011, 2012], "ppi": [100.0, 110.0]})
    assert cba.real_costs(costs, price_index=table)["amount_real_krw"].item() == pytest.approx(1e8)
    with pytest.raises(SpecError, match=re.escape(
            "`price_index` as a table needs a `year` column and one value column; got columns "
            "['year', 'ppi', 'cpi'].")):
        cba.real_costs(costs, price_index=table.assign(cpi=1.0))


def test_memo_table_in_both_languages():
    res = run(n_sim=300, seed=2)
    en, ko = hb.cba_table(res), hb.cba_table(res, lang="ko")
    assert list(en.columns) == ["Measure", "Value", "95% simulation interval"]
    assert list(ko.columns) == ["지표", "값", "95% 모의실험 구간"]
    assert len(en) == len(ko) == 9  # no employment effects: no jobs rows
    row = en.set_index("Measure").loc["Net present value"]
    assert row["Value"] == hb.format_krw(res.npv)
    assert row["95% simulation interval"].count("KRW") == 2
    assert ko.set_index("지표").loc["비용편익비(B/C)", "값"] == f"{res.bcr:.2f}"
