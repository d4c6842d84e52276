"""relabel_cohorts: the permutation fast path equals re-building the panel."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import PanelError
from hubeval.data.views import relabel_cohorts


@pytest.fixture(scope="module")
def panel():
    sim = hb.simulate_panel(120, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")


def test_relabel_equals_rebuilt_panel(panel):
    units = panel.unit_cohorts.index
    shuffled = pd.Series(np.random.default_rng(2).permutation(panel.unit_cohorts.to_numpy()), index=units)
    data = panel.data
    rebuilt = panel.with_data(data.assign(cohort=data["firm_id"].map(shuffled).to_numpy()), _quiet=True)
    fast = relabel_cohorts(panel, shuffled)
    pd.testing.assert_series_equal(fast.unit_cohorts, rebuilt.unit_cohorts)
    pd.testing.assert_frame_equal(fast.data, rebuilt.data)
    a = hb.aggregate(hb.att_gt(fast, outcome="y"), by="simple").overall
    b = hb.aggregate(hb.att_gt(rebuilt, outcome="y"), by="simple").overall
    assert a["estimate"] == pytest.approx(b["estimate"], abs=1e-14)
    assert a["std_error"] == pytest.approx(b["std_error"], abs=1e-14)
    # the original panel is not changed
    assert not panel.unit_cohorts.equals(fast.unit_cohorts)
    assert panel.unit_cohorts.equals(hb.Panel(panel.data, unit="firm_id", time="year", cohort="cohort").unit_cohorts)


def test_relabel_errors(panel):
    units = panel.unit_cohorts.index
    with pytest.raises(PanelError) as err:
        relabel_cohorts(panel, panel.unit_cohorts.iloc[1:])
    first = units[0]
    assert str(err.value) == (f"`cohorts` has no label for {int((panel.data['firm_id'] == first).sum())} "
                              f"row(s) of unit(s) {first}; give every unit of the panel a cohort (inf for "
                              "never-participants).")
    early = pd.Series(np.where(units == first, float(panel.times[0]), panel.unit_cohorts.to_numpy()), index=units)
    with pytest.raises(PanelError) as err:
        relabel_cohorts(panel, early)
    assert str(err.value) == (f"Re-assigned cohorts make unit(s) {first} participate in their first observed "
                              "year (always-treated); restrict the re-assignment (`eligible`, `strata`) to "
                              "firms observed before the cohorts they may receive.")
