"""Tests for hubeval.report.disclosure: suppression rules, secondary suppression, publication gate."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from hubeval.core.errors import DisclosureError, SpecError
from hubeval.report import disclosure as sdc
from hubeval.report import publication


def firms(spec, seed=0):
    """Firm-level rows: spec maps (industry[, size]) to a list of firm values."""
    rows, fid = [], 0
    for key, values in spec.items():
        key = key if isinstance(key, tuple) else (key,)
        for v in values:
            rows.append({"firm_id": fid, "industry": key[0], "size": key[-1], "value_added": v})
            fid += 1
    return pd.DataFrame(rows)


def rules(result):
    return dict(zip(result.suppressed["cell"], result.suppressed["rule"]))


# --- primary rules --------------------------------------------------------------------------

def test_threshold_rule_and_secondary_in_one_way_table():
    data = firms({"A": [10.0] * 8, "B": [10.0] * 6, "C": [10.0] * 3, "D": [10.0] * 7})
    res = sdc.protect_table(data, by="industry", value="value_added")
    assert rules(res) == {"industry=C": "threshold", "industry=B": "secondary"}
    table = res.table.set_index("industry")
    assert table.loc["Total", "value_added"] == 240 and table.loc["Total", "n_units"] == 24
    assert table.loc[["B", "C"], "value_added"].isna().all()
    assert table.loc[["B", "C"], "n_units"].isna().all()
    assert table["suppressed"].tolist() == [False, True, True, False, False]
    assert res.suppressed.loc[res.suppressed["rule"] == "threshold", "detail"].item() == \
        "fewer than 5 firms"


def test_firms_are_counted_once_across_rows():
    data = firms({"A": [1.0] * 3, "B": [1.0] * 6})
    repeated = pd.concat([data, data.assign(value_added=2.0)], ignore_index=True)  # two years
    res = sdc.protect_table(repeated, by="industry", value="value_added")
    assert "industry=A" in rules(res)
    assert res.table.set_index("industry").loc["Total", "value_added"] == 27


def test_dominance_rule():
    data = firms({"A": [900.0, 50.0, 10.0, 10.0, 10.0, 10.0], "B": [10.0] * 6, "C": [10.0] * 6})
    res = sdc.protect_table(data, by="industry", value="value_added")
    assert rules(res)["industry=A"] == "dominance"
    assert res.suppressed.set_index("cell").loc["industry=A", "detail"] == \
        "the two largest firms hold more than 85% of the total"


def test_p_percent_rule_binds_when_dominance_is_relaxed():
    # Top two hold 94% (< 95%), but the other three add up to 9, under 10% of the largest 100.
    data = firms({"A": [100.0, 50.0, 3.0, 3.0, 3.0], "B": [10.0] * 6, "C": [10.0] * 6})
    res = sdc.protect_table(data, by="industry", value="value_added", dominance=0.95)
    assert rules(res)["industry=A"] == "p_percent"
    loose = sdc.protect_table(data, by="industry", value="value_added", dominance=0.95,
                              p_percent=0.05)
    assert "industry=A" not in rules(loose)


def test_frequency_table_applies_threshold_only():
    data = firms({"A": [1e9, 1.0, 1.0, 1.0, 1.0], "B": [1.0] * 2, "C": [1.0] * 7})
    res = sdc.protect_table(data, by="industry")
    assert rules(res) == {"industry=B": "threshold", "industry=A": "secondary"}
    assert list(res.table.columns) == ["industry", "n_units", "suppressed"]


def test_mean_statistic():
    data = firms({"A": [2.0, 4.0, 6.0, 8.0, 10.0]})
    table = sdc.protect_table(data, by="industry", value="value_added", statistic="mean").table
    assert table["value_added"].tolist() == [6.0, 6.0]


# --- secondary suppression ----------------------------------------------------------------------

def test_two_way_table_secondary_suppression_protects_rows_and_columns():
    data = firms({("A", "small"): [5.0] * 2, ("A", "large"): [5.0] * 9,
                  ("B", "small"): [5.0] * 8, ("B", "large"): [5.0] * 7,
                  ("C", "small"): [5.0] * 6, ("C", "large"): [5.0] * 10})
    res = sdc.protect_table(data, by=["industry", "size"], value="value_added")
    assert rules(res)["industry=A, size=small"] == "threshold"
    _assert_no_line_with_one_suppression(res.table, ["industry", "size"])
    # The complement is chosen by fewest firms: row A -> A/large, column small -> C/small.
    assert rules(res)["industry=C, size=small"] == "secondary"


def _assert_no_line_with_one_suppression(table, by):
    for col in by:
        for _, line in table.groupby(col):
            assert line["suppressed"].sum() != 1, line


@pytest.mark.parametrize("seed", range(8))
def test_random_tables_never_leave_a_single_suppression_in_a_line(seed):
    rng = np.random.default_rng(seed)
    spec = {(i, s): list(rng.lognormal(3, 1.5, size=rng.integers(1, 12)))
            for i in "ABCDE" for s in ("small", "mid", "large")}
    res = sdc.protect_table(firms(spec), by=["industry", "size"], value="value_added")
    _assert_no_line_with_one_suppression(res.table, ["industry", "size"])
    shown = res.table[~res.table["suppressed"]]
    assert (shown["n_units"] >= 5).all()


def test_input_not_mutated_and_row_order_irrelevant():
    data = firms({"A": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "B": [1.0] * 3, "C": [2.0] * 8})
    before = data.copy()
    a = sdc.protect_table(data, by="industry", value="value_added")
    b = sdc.protect_table(data.sample(frac=1, random_state=1), by="industry", value="value_added")
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(a.table, b.table)


# --- configuration errors (full text) ---------------------------------------------------------

def test_min_units_below_floor_is_refused():
    with pytest.raises(DisclosureError) as err:
        sdc.protect_table(firms({"A": [1.0] * 5}), by="industry", min_units=2)
    assert str(err.value) == (
        "`min_units` is 2, below the hard floor of 3 firms: with fewer, one firm can subtract "
        "its own value from a cell total to learn another firm's. Use min_units >= 3 (the "
        "default is 5).")


def test_min_units_configurable_down_to_floor():
    data = firms({"A": [1.0] * 3, "B": [1.0] * 4, "C": [1.0] * 6})
    assert sdc.protect_table(data, by="industry", min_units=3).passed
    assert not sdc.protect_table(data, by="industry", min_units=5).passed


def test_other_configuration_errors():
    data = firms({"A": [1.0] * 5})
    with pytest.raises(DisclosureError, match=re.escape(
            "`dominance` must be a share strictly between 0 and 1 (e.g. 0.85 for 85%); got 85.")):
        sdc.protect_table(data, by="industry", value="value_added", dominance=85)
    with pytest.raises(SpecError, match=re.escape(
            "`by/unit/value` names column(s) not in the data: sector.")):
        sdc.protect_table(data, by="sector")
    with pytest.raises(SpecError, match=re.escape("`by` must name one or two columns; got 3")):
        sdc.protect_table(data, by=["industry", "size", "firm_id"])


# --- estimate tables and results ----------------------------------------------------------------

def estimates():
    return pd.DataFrame({"term": ["att"] * 3, "industry": ["A", "B", "C"],
                         "estimate": [0.1, 0.2, 0.3], "std_error": [0.05] * 3,
                         "n_units": [200, 200, 200], "n_treated": [12, 4, 5]})


def test_check_estimates_suppresses_small_subgroups():
    res = publication.check_estimates(estimates())
    assert res.table["suppressed"].tolist() == [False, True, False]
    assert np.isnan(res.table.loc[1, "estimate"]) and np.isnan(res.table.loc[1, "n_treated"])
    assert res.table.loc[2, "estimate"] == 0.3
    assert res.suppressed.to_dict("records") == [{
        "cell": "term=att, industry=B", "rule": "threshold",
        "detail": "rests on fewer than 5 firms (`n_treated`/`n_units`)"}]


def test_table_without_counts_cannot_be_verified():
    with pytest.raises(DisclosureError) as err:
        publication.check_estimates(estimates().drop(columns=["n_units", "n_treated"]))
    assert str(err.value) == (
        "Cannot verify the table: it has none of the count columns ['n_treated', 'n_units', "
        "'n_firms'], so it is unknown how many firms each number rests on. Columns found: term, "
        "industry, estimate, std_error. Add `n_treated`/`n_units`, build it with "
        "hb.protect_table(...) from firm-level data, or, for public aggregate data only, pass "
        "hb.public(reason=...).")


def test_missing_count_is_treated_as_too_small():
    table = estimates().astype({"n_treated": float})
    table.loc[0, "n_treated"] = np.nan
    assert publication.check_estimates(table).table["suppressed"].tolist() == [True, True, False]


@dataclass(frozen=True)
class FakeResult:
    estimates: pd.DataFrame
    n_treated: int


def test_result_with_scalar_counts():
    table = estimates().drop(columns=["n_units", "n_treated"])
    assert publication.check_result(FakeResult(table, 12)).passed
    small = publication.check_result(FakeResult(table, 4))
    assert small.table["estimate"].isna().all()
    with pytest.raises(DisclosureError, match=r"^Refusing to publish: 1 entry would disclose"):
        publication.assert_publishable(FakeResult(table, 4))


def test_firm_level_table_is_refused():
    with pytest.raises(DisclosureError) as err:
        publication.check_result(firms({"A": [1.0] * 6}).assign(n_units=1))
    assert str(err.value) == (
        "The table has firm identifier column(s) `firm_id` (by name, or a distinct id-like value "
        "on every row): it holds single-firm values, which are never published, whatever its "
        "count columns say. Aggregate it first with hb.protect_table(data, by=...).")


def test_assert_publishable():
    with pytest.raises(DisclosureError) as err:
        publication.assert_publishable(estimates())
    assert str(err.value) == (
        "Refusing to publish: 1 entry would disclose confidential firm data (term=att, "
        "industry=B: rests on fewer than 5 firms (`n_treated`/`n_units`)). Publish the protected "
        "version instead: pass hb.check_result(obj) (a DisclosureResult with those entries "
        "suppressed) or aggregate further.")
    protected = publication.check_result(estimates())
    assert publication.assert_publishable(protected) is protected
    weak = publication.check_result(estimates(), min_units=3)
    with pytest.raises(DisclosureError, match=re.escape(
            "The table was protected with min_units=3, but publication requires min_units=5.")):
        publication.assert_publishable(weak)


def test_public_needs_a_reason():
    assert sdc.public("city totals from KOSIS").spec == {"public": "city totals from KOSIS"}
    with pytest.raises(DisclosureError, match=re.escape("`reason` must say why the output holds "
                                                        "no confidential firm data")):
        sdc.public("")


# --- publication path -------------------------------------------------------------------------

def test_disclosive_table_cannot_be_saved(tmp_path):
    with pytest.raises(DisclosureError, match="^Refusing to publish"):
        publication.save_table(estimates(), "effects_by_industry", out_dir=tmp_path)
    raw = sdc.protect_table(firms({"A": [1.0] * 2, "B": [1.0] * 9}), by="industry").table
    raw_unprotected = raw.assign(n_units=[2, 9, 11])
    with pytest.raises(DisclosureError):
        publication.save_table(raw_unprotected, "counts", out_dir=tmp_path)
    with pytest.raises(DisclosureError, match="firm identifier"):
        publication.save_table(firms({"A": [1.0] * 6}), "raw", out_dir=tmp_path,
                       check=sdc.public("mislabelled firm data"))
    assert list(tmp_path.iterdir()) == []


def test_protected_table_is_saved_with_suppressed_cells_blank(tmp_path):
    res = publication.check_result(estimates())
    paths = publication.save_table(res, "effects_by_industry", out_dir=tmp_path, formats=("csv", "html"))
    assert sorted(p.name for p in paths.values()) == ["effects_by_industry.csv",
                                                      "effects_by_industry.html"]
    text = paths["csv"].read_text(encoding="utf-8-sig")
    assert text.splitlines()[2] == "att,B,,,,,True"
    assert "rests on fewer than 5 firms" in paths["html"].read_text(encoding="utf-8")


def test_public_table_saved_and_never_overwritten_silently(tmp_path):
    table = pd.DataFrame({"city": ["광양", "여수"], "employment": [1000, 2000]})
    check = sdc.public("city totals from KOSIS")
    publication.save_table(table, "cities", out_dir=tmp_path, check=check)
    with pytest.raises(FileExistsError) as err:
        publication.save_table(table, "cities", out_dir=tmp_path, check=check)
    assert str(err.value) == (
        f"Not overwriting existing file(s): {tmp_path / 'cities.csv'}. Choose another `name`, "
        "delete the file(s), or pass exists='suffix' (add -2, -3, ...) or exists='replace' "
        "(overwrite).")
    second = publication.save_table(table, "cities", out_dir=tmp_path, check=check, exists="suffix")
    assert second["csv"].name == "cities-2.csv"
    publication.save_table(table.iloc[:1], "cities", out_dir=tmp_path, check=check, exists="replace")
    assert len(pd.read_csv(tmp_path / "cities.csv", encoding="utf-8-sig")) == 1


def test_bad_name_and_format(tmp_path):
    res = publication.check_result(estimates())
    with pytest.raises(SpecError, match=re.escape("`name` must be a bare file stem")):
        publication.save_table(res, "../x", out_dir=tmp_path)
    with pytest.raises(SpecError, match=re.escape(
            "`formats` must be a non-empty subset of ('csv', 'html', 'xlsx'); got ['docx'].")):
        publication.save_table(res, "x", out_dir=tmp_path, formats=("docx",))
