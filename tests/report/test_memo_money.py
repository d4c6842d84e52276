"""The memo's KRW amounts follow the firm data's money unit (issue 12: a memo 1,000x too large)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from tests.report.test_memo import firm_data, ledger, make_batch


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return hb.load_batch_results(make_batch(tmp_path_factory.mktemp("memo_money")))


def file_in(folder, label: str, factor: float):
    """firm_data() (value added in KRW million) as a file with a unit row in ``label``."""
    data = firm_data()
    for col in ("value_added", "sales"):
        data[col] = data[col] * factor
    units = pd.DataFrame([{"firm_id": "", "year": "", "cohort": "", "value_added": label,
                           "employment": "명", "sales": label}])
    path = folder / f"firms_{factor:g}.csv"
    pd.concat([units, data.astype(object)]).to_csv(path, index=False, encoding="cp949")
    return path


def panel_of(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hb.DataWarning)
        return hb.Panel(path, unit="firm_id", time="year", cohort="cohort", **kw)


def test_thousand_and_million_krw_give_the_same_memo_amounts(tmp_path, results):
    panels = [panel_of(file_in(tmp_path, "천원", 1000.0)), panel_of(file_in(tmp_path, "백만원", 1.0))]
    assert [p.money_unit for p in panels] == [1e3, 1e6]
    runs = [hb.memo_cost_benefit(results, p, costs=ledger(), n_sim=200, seed=7) for p in panels]
    a, b = (r.result.estimates.set_index("term")["estimate"] for r in runs)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12)
    reference = hb.memo_cost_benefit(results, firm_data(), costs=ledger(), n_sim=200, seed=7,
                                     money_unit=1e6).result.estimates.set_index("term")["estimate"]
    np.testing.assert_allclose(a.to_numpy(), reference.to_numpy(), rtol=1e-12)
    assert runs[0].spec["money_unit"] == 1e3


def test_a_money_unit_contradicting_the_panel_is_an_error(tmp_path, results):
    panel = panel_of(file_in(tmp_path, "천원", 1000.0))
    with pytest.raises(hb.SpecError) as info:
        hb.memo_cost_benefit(results, panel, costs=ledger(), money_unit=1e6)
    assert str(info.value) == (
        "`money_unit` is 1000000.0 (KRW 1,000,000 per unit), but the panel's money columns are in KRW "
        "1,000 per unit. Leave `money_unit` empty to use the panel's unit, or load the panel with "
        "`money_unit` set to the same unit.")


def test_unknown_unit_warns_and_assumes_million(results):
    with pytest.warns(hb.DataWarning, match=r"^The money unit of the firm data is unknown"):
        cba = hb.memo_cost_benefit(results, firm_data(), costs=ledger(), n_sim=0)
    assert cba.spec["money_unit"] == 1e6


def test_no_cost_ledger_means_no_cost_benefit(results):
    with pytest.warns(hb.DataWarning, match=r"^No cost-benefit analysis: no cost ledger was given"):
        cba = hb.memo_cost_benefit(results, firm_data(), costs=None)
    assert cba.result is None and cba.note == "no cost ledger was given (`costs_path`)"
