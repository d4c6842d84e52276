"""The disclosure gate fails closed: blank suppressed rows, key-only errors, sealed checks,
firm-level detection, exemptions recorded in provenance, figures checked by what they draw."""
from __future__ import annotations

import dataclasses
import json
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

import hubeval as hb
from hubeval.core.errors import DisclosureError, SpecError
from hubeval.report import figures, publication
from hubeval.report.plots._pyplot import plt

matplotlib.use("Agg")

SECRET_VALUES = ("0.4321", "0.2111", "0.6531", "17.77", "54.03", "333")


def subgroups():
    """Subgroup effects; industry B rests on 3 treated firms and carries tell-tale values."""
    return pd.DataFrame({
        "term": ["att", "att"], "outcome": ["log_sales", "log_sales"], "cohort": [2012, 2012],
        "event_time": [1, 1], "industry": ["A", "B"], "param_seed": [1, 1],
        "estimate": [0.1, 0.4321], "std_error": [0.05, 0.1131],
        "band_low": [0.0, 0.2111], "band_high": [0.2, 0.6531],
        "mean_treated": [10.0, 17.77], "percent": [10.5, 54.03], "value": [100, 333],
        "note": ["ok", "B is one big supplier"], "n_units": [200, 200], "n_treated": [12, 3]})


def assert_keys_only(message):
    for secret in SECRET_VALUES:
        assert secret not in message


# --- suppressed rows keep only their keys -----------------------------------------------------

def test_suppressed_row_keeps_only_its_keys():
    res = hb.check_estimates(subgroups())
    row = res.table.iloc[1]
    assert row[["term", "outcome", "cohort", "event_time", "industry", "param_seed"]].tolist() == [
        "att", "log_sales", 2012, 1, "B", 1]
    values = ["estimate", "std_error", "band_low", "band_high", "mean_treated", "percent", "value",
              "note", "n_units", "n_treated"]
    assert row[values].isna().all() and bool(row["suppressed"])
    assert res.table.iloc[0][values].notna().all()  # the safe row is untouched
    csv = res.table.to_csv(index=False)
    assert_keys_only(csv)


def test_declared_keys_are_kept_and_everything_else_blanked():
    table = subgroups().rename(columns={"industry": "ksic_label"})
    blank = hb.check_estimates(table).table.iloc[1]
    assert pd.isna(blank["ksic_label"])  # not a known key: blanked (fail closed)
    kept = hb.check_estimates(table, keys=["ksic_label"]).table.iloc[1]
    assert kept["ksic_label"] == "B" and pd.isna(kept["note"])


def test_protected_table_passes_the_gate_as_is():
    protected = hb.check_estimates(subgroups()).table
    assert hb.assert_publishable(protected).suppressed["cell"].tolist() == [
        "term=att, outcome=log_sales, cohort=2012, event_time=1, industry=B, param_seed=1"]
    leaky = protected.copy()
    leaky.loc[1, "band_low"] = 0.2111
    with pytest.raises(DisclosureError, match="^Refusing to publish: 1 entry"):
        hb.assert_publishable(leaky)


# --- error text names the cell by its keys only ------------------------------------------------

def test_error_names_the_cell_by_its_keys_only():
    with pytest.raises(DisclosureError) as err:
        hb.assert_publishable(subgroups())
    assert str(err.value) == (
        "Refusing to publish: 1 entry would disclose confidential firm data (term=att, "
        "outcome=log_sales, cohort=2012, event_time=1, industry=B, param_seed=1: rests on fewer "
        "than 5 firms (`n_treated`/`n_units`)). Publish the protected version instead: pass "
        "hb.check_result(obj) (a DisclosureResult with those entries suppressed) or aggregate "
        "further.")
    assert_keys_only(str(err.value))


def test_cell_without_keys_is_named_by_its_row():
    table = pd.DataFrame({"estimate": [0.5, 0.9876], "n_treated": [10, 2]})
    with pytest.raises(DisclosureError) as err:
        hb.assert_publishable(table)
    assert str(err.value).startswith(
        "Refusing to publish: 1 entry would disclose confidential firm data (row 1: rests on "
        "fewer than 5 firms (`n_treated`)).")
    assert "0.9876" not in str(err.value)


# --- save_table writes exactly what it checked -------------------------------------------------

def test_save_table_refuses_a_table_other_than_the_checked_one(tmp_path):
    raw = subgroups()
    check = hb.check_result(raw)
    with pytest.raises(DisclosureError) as err:
        hb.save_table(raw, "effects", check=check, out_dir=tmp_path)
    assert str(err.value) == (
        "`table` is not the table `check` verified: it differs from `check.table` (the "
        "protected copy, with suppressed entries blank). Pass the check itself, "
        "hb.save_table(check, name), to write what was checked.")
    other = hb.check_result(raw.assign(n_treated=[12, 30]))
    with pytest.raises(DisclosureError, match="^`table` is not the table `check` verified"):
        hb.save_table(raw, "effects", check=other, out_dir=tmp_path)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []
    hb.save_table(check.table, "effects", check=check, out_dir=tmp_path)
    written = pd.read_csv(tmp_path / "effects.csv", encoding="utf-8-sig")
    assert written["band_low"].isna().tolist() == [False, True]


HAND_BUILT = ("The DisclosureResult was not made by a hubeval check in this session, or its table "
              "was changed after the check, so it cannot vouch for anything. Check the table you "
              "mean to publish with hb.check_result / hb.check_estimates / hb.protect_table, or "
              "declare public aggregate data with hb.public(reason=...).")


def test_hand_built_or_modified_checks_vouch_for_nothing(tmp_path):
    raw = subgroups()
    fake = hb.DisclosureResult(table=raw, suppressed=pd.DataFrame(columns=["cell", "rule", "detail"]),
                               spec={"min_units": 5})
    with pytest.raises(DisclosureError) as err:
        hb.save_table(fake, "effects", out_dir=tmp_path)
    assert str(err.value) == HAND_BUILT
    forged = dataclasses.replace(hb.check_result(raw), table=raw)  # keeps the old seal
    with pytest.raises(DisclosureError, match=re.escape(HAND_BUILT)):
        hb.save_table(forged, "effects", out_dir=tmp_path)
    check = hb.check_result(raw)
    check.table.loc[1, "estimate"] = 0.4321  # changed in place after the check
    with pytest.raises(DisclosureError, match=re.escape(HAND_BUILT)):
        hb.save_table(check, "effects", out_dir=tmp_path)
    fake_public = hb.DisclosureResult(table=pd.DataFrame(), suppressed=pd.DataFrame(),
                                      spec={"public": "I say so"})
    with pytest.raises(DisclosureError, match=re.escape(HAND_BUILT)):
        hb.save_table(raw.drop(columns=["n_units", "n_treated"]), "effects", check=fake_public,
                      out_dir=tmp_path)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_save_table_records_the_check_beside_the_output(tmp_path):
    check = hb.check_result(subgroups())
    paths = hb.save_table(check, "effects", out_dir=tmp_path, formats=("csv", "html"))
    record = json.loads((tmp_path / "effects.disclosure.json").read_text(encoding="utf-8"))
    assert record["kind"] == "table" and record["exemption"] is None
    assert record["files"]["csv"]["name"] == "effects.csv"
    assert len(record["files"]["html"]["sha256"]) == 64
    assert record["checked"][0]["how"] == "protected"
    assert record["checked"][0]["suppressed"] == [
        "term=att, outcome=log_sales, cohort=2012, event_time=1, industry=B, param_seed=1: "
        "threshold"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "effects.csv", "effects.disclosure.json", "effects.html"]
    assert_keys_only(paths["html"].read_text(encoding="utf-8"))


# --- exemptions: explicit, reasoned, recorded, never for firm data ---------------------------

def test_public_exemption_is_recorded_in_provenance(tmp_path):
    cities = pd.DataFrame({"city": ["광양", "여수"], "employment": [1000.0, 2000.0]})
    hb.save_table(cities, "cities", check=hb.public("city totals from KOSIS"), out_dir=tmp_path)
    record = json.loads((tmp_path / "cities.disclosure.json").read_text(encoding="utf-8"))
    assert record["exemption"] == {"reason": "city totals from KOSIS"}
    assert record["checked"] == [{"object": "DataFrame", "how": "exempt",
                                  "table_sha256": record["checked"][0]["table_sha256"]}]
    with pytest.raises(DisclosureError, match="^Cannot verify the table"):
        hb.save_table(cities, "cities_no_exemption", out_dir=tmp_path)


def test_public_exemption_does_not_cover_failing_counts_or_firm_data(tmp_path):
    exemption = hb.public("mislabelled: these are firm estimates")
    with pytest.raises(DisclosureError, match="^Refusing to publish: 1 entry"):
        hb.save_table(subgroups(), "effects", check=exemption, out_dir=tmp_path)
    firm_rows = pd.DataFrame({"사업체번호": [10231, 10232, 10233], "sales": [1.0, 2.0, 3.0]})
    with pytest.raises(DisclosureError, match="^The table has firm identifier column"):
        hb.save_table(firm_rows, "firms", check=exemption, out_dir=tmp_path)
    with pytest.raises(SpecError, match=re.escape("`table` is an exemption (hb.public)")):
        hb.save_table(exemption, "nothing", out_dir=tmp_path)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


# --- firm-level tables ---------------------------------------------------------------------------

FIRM_LEVEL = ("The table has firm identifier column(s) `사업체번호` (by name, or a distinct id-like "
              "value on every row): it holds single-firm values, which are never published, "
              "whatever its count columns say. Aggregate it first with "
              "hb.protect_table(data, by=...).")


def test_korean_firm_id_with_fake_counts_is_refused(tmp_path):
    table = pd.DataFrame({"사업체번호": [4021, 4022, 4023, 4024, 4025, 4026],
                          "estimate": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "n_units": [10] * 6})
    with pytest.raises(DisclosureError) as err:
        hb.save_table(table, "firms", out_dir=tmp_path)
    assert str(err.value) == FIRM_LEVEL
    with pytest.raises(DisclosureError, match=re.escape(FIRM_LEVEL)):
        hb.check_estimates(table)
    by_index = table.set_index("사업체번호")  # e.g. groupby(unit).mean() without reset_index
    with pytest.raises(DisclosureError, match="column\\(s\\) `index 사업체번호`"):
        hb.check_result(by_index)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_id_like_text_values_are_recognised_whatever_the_column_name():
    table = pd.DataFrame({"entity": ["F0012", "F0013", "F0014"], "estimate": [1.0, 2.0, 3.0],
                          "n_units": [10, 10, 10]})
    with pytest.raises(DisclosureError, match=re.escape("column(s) `entity` (by name, or")):
        hb.assert_publishable(table)


def test_the_panels_own_unit_column_is_firm_level_whatever_its_name():
    years = [2010, 2011, 2012, 2013]
    names = ["가나상사", "다라공업", "마바산업", "사아정밀"]
    data = pd.DataFrame({"상호": np.repeat(names, 4), "year": years * 4,
                         "cohort": np.repeat([2012, 2012, 0, 0], 4),
                         "sales": np.arange(16, dtype=float)})
    table = data[data["year"] == 2013][["상호", "sales"]].assign(n_units=10)
    assert hb.check_estimates(table).passed  # names without digits: not recognised by content
    with pytest.warns(hb.DataWarning):
        hb.Panel(data, unit="상호", time="year", cohort="cohort")
    with pytest.raises(DisclosureError, match=re.escape("column(s) `상호` (by name, or")):
        hb.check_estimates(table)


def test_aggregate_tables_are_not_taken_for_firm_level():
    events = pd.DataFrame({"term": [f"e{k}" for k in range(-2, 4)], "event_time": range(-2, 4),
                           "estimate": np.linspace(0, 1, 6), "n_treated": [20] * 6})
    by_industry = pd.DataFrame({"industry": ["C24", "C25", "C29"], "employees": [1210, 3400, 980],
                                "value_added_krw": [6_100_000_000, 9_300_000_000, 2_200_000_000],
                                "n_units": [12, 20, 9]})
    assert hb.assert_publishable(events).passed
    assert hb.assert_publishable(by_industry).passed


# --- figures are checked by what they draw ----------------------------------------------------

@dataclasses.dataclass(frozen=True)
class EventStudy:
    estimates: pd.DataFrame
    spec: dict = dataclasses.field(default_factory=dict)


def event_study(n_treated):
    return EventStudy(pd.DataFrame({
        "term": [f"event_time::{k}" for k in range(-1, 3)], "event_time": [-1, 0, 1, 2],
        "estimate": [0.0, 0.05, 0.4321, 0.08], "conf_low": [0.0, 0.01, 0.2111, 0.02],
        "conf_high": [0.0, 0.09, 0.6531, 0.14], "n_treated": n_treated}))


def test_figure_of_a_raw_small_cell_table_is_refused(tmp_path):
    raw = event_study([20, 20, 3, 20])
    ax = hb.plot_event_study(raw)
    safe = hb.public("a safe table the figure does not draw")
    with pytest.raises(DisclosureError) as err:
        hb.save_figure(ax.figure, "raw", shows=safe, out_dir=tmp_path)
    assert str(err.value) == (
        "Refusing to publish: 1 entry would disclose confidential firm data (term=event_time::1, "
        "event_time=1: rests on fewer than 5 firms (`n_treated`)). Publish the protected version "
        "instead: pass hb.check_result(obj) (a DisclosureResult with those entries suppressed) "
        "or aggregate further.")
    other = hb.check_result(event_study([20] * 4))
    with pytest.raises(DisclosureError) as err:
        hb.save_figure(ax.figure, "raw", shows=other, out_dir=tmp_path)
    assert str(err.value) == (
        "`shows` names a DisclosureResult the figure did not draw: a figure is checked by what "
        "its hubeval plot functions recorded drawing, not by what `shows` claims. Draw the "
        "figure from that result with a hubeval plot function, or, for public aggregate data "
        "only, pass shows=hb.public(reason).")
    plt.close(ax.figure)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_figure_drawn_from_the_protected_result_is_saved_and_recorded(tmp_path):
    raw = event_study([20, 20, 3, 20])
    protected = EventStudy(hb.check_result(raw).table)
    ax = hb.plot_event_study(protected)
    assert figures.drawn_results(ax.figure) == (protected,)
    paths = hb.save_figure(ax.figure, "es", out_dir=tmp_path, formats=("png",), dpi=40)
    plt.close(ax.figure)
    record = json.loads((tmp_path / "es.disclosure.json").read_text(encoding="utf-8"))
    assert paths["png"].exists() and record["kind"] == "figure" and record["exemption"] is None
    assert record["checked"][0]["object"] == "EventStudy"
    assert record["checked"][0]["suppressed"] == ["term=event_time::1, event_time=1: threshold"]


def test_hand_drawn_figure_needs_a_recorded_exemption(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([1, 2], [0.4321, 0.2111])
    protected = hb.check_result(event_study([20] * 4))
    with pytest.raises(DisclosureError) as err:
        hb.save_figure(fig, "hand", out_dir=tmp_path)
    assert str(err.value) == (
        "The figure records no result it draws (it was not drawn by a hubeval plot function), "
        "so what it shows cannot be checked. Draw it with a hubeval plot function from the "
        "protected results, or, for public aggregate data only, pass shows=hb.public(reason).")
    with pytest.raises(DisclosureError, match="^`shows` names a DisclosureResult the figure did"):
        hb.save_figure(fig, "hand", shows=protected, out_dir=tmp_path)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []
    hb.save_figure(fig, "hand", shows=hb.public("city totals from KOSIS"), out_dir=tmp_path,
                   formats=("png",), dpi=40)
    plt.close(fig)
    record = json.loads((tmp_path / "hand.disclosure.json").read_text(encoding="utf-8"))
    assert record["exemption"] == {"reason": "city totals from KOSIS"} and record["checked"] == []


def test_exemption_does_not_cover_a_drawn_small_cell(tmp_path):
    ax = hb.plot_event_study(event_study([20, 20, 3, 20]))
    with pytest.raises(DisclosureError, match="^Refusing to publish: 1 entry"):
        hb.save_figure(ax.figure, "raw", shows=hb.public("not really public"), out_dir=tmp_path)
    plt.close(ax.figure)
