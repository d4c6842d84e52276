"""Tests for the policy memo: assembly (hubeval.report.memo.build), publication (hubeval.report.memo.render) and the
memo notebook, on a small hand-made batch folder written with hb.record."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import hubeval as hb  # noqa: E402
from hubeval.core.errors import DataWarning, DisclosureError, ParameterError, SpecError
from hubeval.report.memo import build as memo_mod  # noqa: E402
from hubeval.report.memo import render as memo_render  # noqa: E402
from hubeval.store import provenance as provenance  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


# --- a small batch folder -----------------------------------------------------------------------

def comparison(outcome, *, scale, naive, cs, low, high, n_naive=20, n_all=120):
    """Comparison rows shaped like hb.evaluate_outcomes(...).estimates."""
    se = (high - low) / 3.92
    rows = [
        ("before/after, event time 1", "before_after", "1", naive, 1, n_naive),
        ("TWFE, post", "twfe", "post average", 2 * cs, 3, n_all),
        ("ATT simple", "callaway_santanna", "post average", cs, 3, n_all),
        ("ATT event time 1", "callaway_santanna", "1", cs / 2, 3, n_all),
        ("imputation, post average", "imputation", "post average", 1.5 * cs, 3, n_all),
    ]
    frame = pd.DataFrame(rows, columns=["term", "estimator", "horizon", "estimate", "evidence_level",
                                        "n_units"])
    frame["std_error"] = se
    frame["conf_low"] = frame["estimate"] - 1.96 * se
    frame["conf_high"] = frame["estimate"] + 1.96 * se
    frame.loc[frame["term"] == "ATT simple", ["conf_low", "conf_high"]] = [low, high]
    frame["statistic"] = frame["estimate"] / se
    frame["p_value"] = 0.01
    frame["outcome"], frame["scale"] = outcome, scale
    frame["design"] = frame["estimator"]
    return frame


def event_study(outcome, path, n_treated=20):
    times = np.arange(-3, len(path) - 3)
    frame = pd.DataFrame({"term": [f"ATT(e={e})" for e in times], "estimate": path,
                          "std_error": 0.01, "event_time": times})
    frame["statistic"], frame["p_value"] = frame["estimate"] / 0.01, 0.05
    frame["conf_low"], frame["conf_high"] = frame["estimate"] - 0.02, frame["estimate"] + 0.02
    frame["n_cohorts"], frame["n_treated"], frame["outcome"] = 2, n_treated, outcome
    return frame


def power_table(outcome, pooled=(3.9, 3.1), single=(9.1, 7.2), n_treated=20, cohort=10):
    """Rows shaped like hb.mde_from_panel(...).mde, recorded as ``power``."""
    rows = [(f"{who}, {design}", n, pct) for who, n, pcts in
            (("one cohort", cohort, single), ("all cohorts", n_treated, pooled))
            for design, pct in zip(("cs", "ancova"), pcts)]
    frame = pd.DataFrame(rows, columns=["term", "n_treated", "mde_percent"])
    return frame.assign(mde=np.log1p(frame["mde_percent"] / 100), n_control=100, outcome=outcome)


def inference_table_rows(outcome, estimate=0.0583, se=0.0125):
    """Rows shaped like hb.inference_panel(...).estimates, recorded as ``inference_panel``."""
    methods = ["conventional (influence function, normal)", "small-sample cluster (t, 19 df)",
               "wild (multiplier) bootstrap-t", "randomization inference (re-fitted)"]
    frame = pd.DataFrame({"method": methods, "term": "ATT(simple)", "estimate": estimate,
                          "std_error": [se, se, se, np.nan], "p_value": [0.001, 0.002, 0.004, 0.01],
                          "conf_low": [estimate - 1.96 * se, estimate - 2.09 * se,
                                       estimate - 2.2 * se, np.nan],
                          "conf_high": [estimate + 1.96 * se, estimate + 2.09 * se,
                                        estimate + 2.2 * se, np.nan]})
    return frame.assign(outcome=outcome)


def credibility_records(outcome, mbar=0.6, original=(0.02, 0.09)):
    summary = pd.DataFrame({"term": ["Rambachan-Roth breakdown M-bar (average effect)"],
                            "estimate": [mbar], "outcome": [outcome]})
    sensitivity = pd.DataFrame({"term": "theta", "mbar": [np.nan, 0.5], "estimate": 0.05,
                                "conf_low": [original[0], -0.01], "conf_high": [original[1], 0.1],
                                "method": ["original", "C-LF"], "outcome": outcome})
    # recorded as the outcome notebook does: the result object, whose glance() has the breakdown
    sensitivity = hb.SensitivityResult(sensitivity, breakdown_mbar=mbar, statement="",
                                       spec={"outcome": outcome})
    return {"credibility": summary, "sensitivity": sensitivity,
            "inference_panel": inference_table_rows(outcome), "power": power_table(outcome)}


VA_PATH = [0.004, 0.006, -0.15, 0.01, 0.04, 0.065, 0.08]
JOBS_PATH = [0.0, 0.002, -0.03, 0.01, 0.02, 0.03, 0.03]
PARAMS = {"anticipation": 1, "n_boot": 0, "seed": 2011}


def write_run(folder, run_id, records, params=None):
    run = folder / run_id
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"run_id": run_id, "notebook": run_id,
                                              "params": {**PARAMS, **(params or {})}}))
    for name, table in records.items():
        hb.record(name, table, out_dir=run)


def synth_records():
    years = np.arange(2006, 2017)
    gaps = pd.DataFrame({"term": "gap", "time": years, "estimate": np.where(years >= 2011, 300.0, 5.0),
                         "post": years >= 2011, "outcome": "mfg_employment"})
    att = pd.DataFrame({"term": ["att"], "estimate": [300.0], "std_error": [np.nan],
                        "statistic": [4.2], "p_value": [0.0625], "conf_low": [np.nan],
                        "conf_high": [np.nan], "outcome": ["mfg_employment"], "percent": [3.1],
                        "n_donors": [15]})
    return pd.concat([att, gaps], ignore_index=True)


def make_batch(root, *, small_cost_cell=False, regional=False, name="20260101-000000-abcdef"):
    folder = Path(root) / "runs" / "main" / name
    folder.mkdir(parents=True)
    costs_n = 3 if small_cost_cell else 20
    write_run(folder, "00_data_check", {"descriptives": pd.DataFrame(
        {"cohort": ["2012", "2013", "never"], "n_units": [10, 10, 100],
         "posco_supplier": [0.5, 0.7, 0.1]})})
    write_run(folder, "10_productivity", {
        "comparison": pd.concat([
            comparison("log_va_per_worker", scale="percent", naive=30.7, cs=6.0, low=3.5, high=8.6),
            comparison("log_sales_per_worker", scale="percent", naive=30.1, cs=6.9, low=4.2,
                       high=9.7)], ignore_index=True),
        "event_study": event_study("log_va_per_worker", VA_PATH),
        **credibility_records("log_va_per_worker")})
    write_run(folder, "20_costs", {"comparison": comparison(
        "cost_ratio", scale="percent", naive=-20.3, cs=-2.4, low=-2.8, high=-2.0, n_naive=costs_n)})
    write_run(folder, "30_investment", {"comparison": comparison(
        "investment_rate", scale="level", naive=0.0505, cs=0.0024, low=-0.0193, high=0.0241)})
    write_run(folder, "40_jobs", {
        "comparison": comparison("log_employment", scale="percent", naive=7.5, cs=2.5, low=0.9,
                                 high=4.2),
        "event_study": event_study("log_employment", JOBS_PATH)})
    if regional:
        write_run(folder, "50_regional", {"synth_effect": synth_records()})
    hb.write_store(folder, hb.collect_store(folder))
    manifest = {"batch": "main", "folder": str(folder), "created": "2026-01-01T00:00:00+00:00",
                "finished": "2026-01-01T00:01:00+00:00", "status": "ok",
                "environment": {"hubeval": {"version": "0.1.0", "source_sha256": "ab" * 32},
                                "git": {"commit": "c0ffee", "dirty": False}, "python": "3.11.7",
                                "platform": "linux", "packages": {"numpy": "2.0", "pandas": "3.0"}},
                "runs": [{"id": "10_productivity", "notebook": "notebooks/10_productivity.ipynb",
                          "status": "ok", "duration": 12.5, "notebook_sha256": "12" * 32,
                          "data": {"data/example/firms.csv": "f1" * 32},
                          "params": {"outcomes": ["log_va_per_worker"], "n_boot": 0,
                                     "output_dir": "x"}}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def firm_data():
    """20 participants (cohorts 2012 and 2013) and 10 never-participants, 2008-2016."""
    rows = []
    for i in range(30):
        cohort = 2012 if i < 10 else (2013 if i < 20 else np.nan)
        for year in range(2008, 2017):
            rows.append({"firm_id": f"F{i:02d}", "year": year, "cohort": cohort,
                         "value_added": 1000.0 + 10 * i, "employment": 20.0 + i % 5,
                         "sales": 3000.0 + 30 * i})
    return pd.DataFrame(rows)


def ledger():
    rows = []
    for cohort in (2012, 2013):
        rows += [(cohort, "posco", "consultants", 400.0, "day", 800000.0, 3.2e8, 2012),
                 (cohort, "city", "administration", 100.0, "day", 250000.0, 2.5e7, 2012),
                 (cohort, "firms", "own staff time", 400.0, "day", 200000.0, 8e7, 2012)]
    return pd.DataFrame(rows, columns=["cohort", "payer", "item", "quantity", "unit",
                                       "unit_cost_krw", "amount_krw", "price_year"])


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return make_batch(tmp_path_factory.mktemp("memo"))


@pytest.fixture(scope="module")
def results(batch):
    return hb.load_batch_results(batch)


@pytest.fixture(scope="module")
def cba(results):
    return hb.memo_cost_benefit(results, firm_data(), costs=ledger(), n_sim=200, seed=7)


@pytest.fixture(scope="module")
def memos(results, cba):
    return {lang: hb.build_memo(results, cba=cba, lang=lang) for lang in ("en", "ko")}


@pytest.fixture(scope="module")
def published(memos, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with hb.figure_theme(lang="ko"):
        return {lang: hb.publish_memo(memos[lang], out_dir=out, formats=("png",), dpi=60,
                                      pdf=lang == "ko") for lang in ("en", "ko")}


# --- generated text ---------------------------------------------------------------------------

def test_headline_findings_are_generated_from_the_numbers(memos):
    en = " ".join(memos["en"].findings)
    assert "Productivity (Log value added per worker): +6.0% (95% CI +3.5% to +8.6%)" in en
    assert "The programme's before/after figure, +30.7% (level 1 of 5), is 5.1 times as large." in en
    assert "Costs (Cost ratio): -2.4% (95% CI -2.8% to -2.0%)" in en
    assert ("Investment (Investment rate): no effect distinguishable from zero, +0.24 pp "
            "(95% CI -1.93 pp to +2.41 pp") in en
    assert "For 4 of 4 headline outcomes the programme's before/after claim is larger" in en
    ko = " ".join(memos["ko"].findings)
    assert "생산성 (1인당 부가가치(로그)): 비교 기업 대비 +6.0% (95% 신뢰구간 +3.5% ~ +8.6%" in ko
    assert "투자 (투자율): 0과 구별되는 효과가 없습니다. 추정치 +0.24%p" in ko


def test_both_languages_carry_the_same_numbers(memos):
    number = re.compile(r"[+-]?\d[\d,]*\.?\d*")

    def numbers(memo):
        text = " ".join([*memo.findings, *memo.cba_text, *memo.limitations])
        return sorted(n for n in number.findall(text))
    en, ko = numbers(memos["en"]), numbers(memos["ko"])
    for value in ("+6.0", "+30.7", "-2.4", "+0.24", "5.1"):
        assert value in en and value in ko
    assert memos["en"].cba.result is memos["ko"].cba.result


def test_effects_table_shows_the_evidence_level_of_each_design(memos):
    en, ko = memos["en"].effects, memos["ko"].effects
    assert list(en.columns) == ["Outcome", "Design", "Evidence (of 5)", "Effect",
                                "95% confidence interval", "Firms used"]
    naive = en[en["Design"].str.startswith("Before/after")]
    causal = en[en["Design"].str.startswith("Difference-in-differences (Callaway")]
    assert set(naive["Evidence (of 5)"]) == {"1 of 5"} and set(causal["Evidence (of 5)"]) == {"3 of 5"}
    assert len(en) == 2 * 5  # the claim and the headline estimate per outcome
    assert set(ko["근거 수준 (5단계)"]) == {"1/5", "3/5"}
    assert len(memos["en"].effects_all) == 5 * 5


def test_limitations_report_power_selection_spillovers_and_cotreatment(memos):
    en = memos["en"].limitations
    assert en[0].startswith("Power: 20 participating firms in 2 cohorts. The smallest productivity "
                            "effect this design detects with 80% power at the 5% level is about 3.9% "
                            "with the difference-in-differences comparison the headline uses (3.1% "
                            "with ANCOVA); one cohort of 10 firms alone could detect only about 9.1% "
                            "(7.2% with ANCOVA).")
    assert "participants' log value added per worker was -13.9% relative to comparison firms" in en[1]
    assert en[2].startswith("Spillovers:")
    assert en[3].startswith("Co-treatment: 60% of participants are POSCO suppliers, against 10%")
    assert en[4].startswith("Cost-benefit: beyond the observed years the effect is assumed to keep 80%")
    assert len(memos["ko"].limitations) == len(en)


def test_regional_section_says_not_run_without_synthetic_control(memos):
    assert memos["en"].regional == (memo_mod.text("regional_not_run", "en"),)
    assert memos["ko"].regional[0].startswith("실행하지 않음")
    assert "City-wide jobs and investment were not evaluated" in memos["en"].findings[-1]


def test_regional_section_reports_synthetic_control_when_recorded(tmp_path):
    results = hb.load_batch_results(make_batch(tmp_path, regional=True))
    effects, gaps = memo_mod.regional_tables(results)
    assert effects[["outcome", "estimate", "p_value"]].values.tolist() == [["mfg_employment", 300.0,
                                                                            0.0625]]
    assert len(gaps) == 11 and gaps["post"].sum() == 6
    memo = hb.build_memo(results, lang="en")
    assert memo.regional[0] == (
        "Manufacturing employment: Gwangyang is +300 (+3.1% of its synthetic control) after the "
        "programme started; placebo p-value 0.062 (the smallest attainable is 0.062). Synthetic "
        "control with one treated city: evidence level 3 of 5, inference from placebo cities.")
    assert memo.findings[-1] == memo.regional[0]
    figures = memo_render.memo_figures(memo)
    assert "regional" in [f.name for f in figures]
    for item in figures:
        matplotlib.pyplot.close(item.figure)


# --- cost-benefit ---------------------------------------------------------------------------

def test_memo_cost_benefit_matches_a_direct_call(results, cba):
    path = memo_mod.effect_path(results, "log_va_per_worker")
    jobs = memo_mod.effect_path(results, "log_employment")
    baseline = hb.participant_baseline(firm_data(), money_unit=1e6)
    direct = hb.cost_benefit(ledger(), path, baseline=baseline, employment_effects=jobs, n_sim=200,
                             seed=7)
    assert cba.result.npv == pytest.approx(direct.npv)
    assert cba.result.bcr == pytest.approx(direct.bcr)
    assert cba.result.estimates.equals(direct.estimates)
    sens = hb.cba_sensitivity(ledger(), path, baseline=baseline)
    assert cba.sensitivity.estimates.equals(sens.estimates)
    assert cba.spec["last_event_time"] == 3 and cba.note == ""


def test_cost_benefit_sentences_and_table_in_the_memo(memos, cba):
    en = memos["en"]
    assert en.cba_text[0].startswith("Over 10 years at a 4.5% real discount rate, the programme's net "
                                     "present value is KRW ")
    assert any(s.startswith("The simulation interval of the benefit-cost ratio") for s in en.cba_text)
    assert en.cba_table.iloc[0, 0] == "Present value of costs"
    assert memos["ko"].cba_table.columns[0] == "지표"


def test_missing_effect_path_gives_no_cost_benefit_with_a_warning(results):
    with pytest.warns(DataWarning, match="No cost-benefit analysis: the batch has no event study of "
                                         "`log_sales`"):
        cba = hb.memo_cost_benefit(results, firm_data(), costs=ledger(), outcome="log_sales")
    assert cba.result is None and cba.estimates.empty
    memo = hb.build_memo(results, cba=cba, lang="en")
    assert memo.cba_text[0].startswith("Not computed: the batch has no event study of `log_sales`")
    assert memo.cba_table.empty


def test_memo_cost_benefit_errors(results):
    with pytest.raises(ParameterError, match=re.escape(
            f"`costs` file `nowhere.csv` does not exist (looked for `{ROOT / 'nowhere.csv'}`: "
            "relative paths are relative to the project root, wherever Python or the notebook "
            "runs). Point it to the CSV file (see data/example/ for the expected columns).")):
        hb.memo_cost_benefit(results, firm_data(), costs="nowhere.csv")
    with pytest.raises(SpecError, match=r"^`data` must be a hubeval Panel"):
        hb.memo_cost_benefit(results, "firms.csv", costs=ledger())
    with pytest.raises(SpecError, match=r"^`lang` must be 'en' or 'ko'; got 'fr'\.$"):
        hb.build_memo(results, lang="fr")


# --- disclosure -----------------------------------------------------------------------------

def test_estimates_on_fewer_than_five_firms_are_suppressed_not_published(tmp_path):
    results = hb.load_batch_results(make_batch(tmp_path, small_cost_cell=True))
    raw = results.comparison
    with pytest.raises(DisclosureError, match="^Refusing to publish: 1 entry would disclose"):
        hb.assert_publishable(raw)
    memo = hb.build_memo(results, lang="en")
    row = memo.effects[(memo.effects["Outcome"] == "Cost ratio")
                       & memo.effects["Design"].str.startswith("Before/after")].iloc[0]
    assert row["Effect"] == "suppressed" and row["95% confidence interval"] == ""
    assert memo.disclosure[0].startswith("1 estimate(s) rest on fewer than 5 firms and are suppressed")
    assert memo.disclosure[1] == "Cost ratio: before/after, event time 1"
    published = hb.publish_memo(memo, out_dir=tmp_path / "reports", formats=("png",), pdf=False,
                                dpi=60)
    html = published.html.read_text(encoding="utf-8")
    assert "-20.3%" not in html and "suppressed" in html
    # the headline sentence no longer quotes the suppressed claim
    assert "Costs (Cost ratio): -2.4% (95% CI -2.8% to -2.0%)" in " ".join(memo.findings)
    assert "-20.3" not in " ".join(memo.findings)


def test_publishing_refuses_a_memo_checked_at_a_lower_threshold(results, tmp_path):
    memo = hb.build_memo(results, lang="en", min_units=3)
    with pytest.raises(DisclosureError, match="protected with min_units=3, but publication requires "
                                              "min_units=5"):
        hb.publish_memo(memo, out_dir=tmp_path, formats=("png",), pdf=False)
    assert not list(tmp_path.iterdir())


def test_raw_figure_of_a_small_table_cannot_be_saved(tmp_path):
    results = hb.load_batch_results(make_batch(tmp_path, small_cost_cell=True))
    ax = hb.plot_headline(results)
    with pytest.raises(DisclosureError, match="^Refusing to publish"):
        hb.save_figure(ax.figure, "raw", shows=results.comparison, out_dir=tmp_path / "out")
    matplotlib.pyplot.close(ax.figure)
    assert not (tmp_path / "out").exists()


# --- publication ------------------------------------------------------------------------------

def test_every_memo_figure_carries_its_disclosure_record(published):
    for lang, memo in published.items():
        for name, paths in memo.figures.items():
            record_path = paths["png"].with_name(f"{name}_{lang}.disclosure.json")
            record = json.loads(record_path.read_text(encoding="utf-8"))
            assert record["kind"] == "figure" and record["files"]["png"]["name"] == paths["png"].name
            assert record["checked"], name  # drawn from recorded results, not an empty claim
            assert record["exemption"] is None or name == "regional"


def test_html_memo_embeds_figures_and_numbers_in_both_languages(published):
    en = published["en"].html.read_text(encoding="utf-8")
    ko = published["ko"].html.read_text(encoding="utf-8")
    assert en.startswith("<!DOCTYPE html>\n<html lang=\"en\">") and "<html lang=\"ko\">" in ko
    for html in (en, ko):
        assert html.count("<img src=\"data:image/png;base64,") == 4
        assert "+6.0%" in html and "+30.7%" in html
    assert "Evidence (of 5)</th>" in en and "<td>1 of 5</td>" in en and "<td>3 of 5</td>" in en
    assert "<td>1/5</td>" in ko and "<td>3/5</td>" in ko and "핵심 결과" in ko
    assert "href=\"memo_ko.html\"" in en and "href=\"memo_en.html\"" in ko
    assert "Appendix: provenance" in en and "f1f1f1f1" in en and "c0ffee" in en


def test_published_files_and_figures(published):
    ko = published["ko"]
    assert set(ko.figures) == {"headline_effects", "headline_levels", "event_studies", "cost_benefit"}
    assert all(paths["png"].name.endswith("_ko.png") for paths in ko.figures.values())
    assert published["en"].pdf is None
    assert {"html", "png"} <= set(ko.tidy()["format"])


def test_korean_pdf_embeds_the_korean_font(published):
    pytest.importorskip("fpdf")
    ko = published["ko"]
    pdf = ko.pdf.read_bytes()
    assert pdf.startswith(b"%PDF") and b"NanumSquare" in pdf  # Korean font embedded
    assert "pdf" in set(ko.tidy()["format"])


def test_publish_never_overwrites_silently(memos, tmp_path, monkeypatch):
    monkeypatch.setattr(memo_render, "memo_figures", lambda memo: [])
    hb.publish_memo(memos["en"], out_dir=tmp_path, formats=("png",), pdf=False)
    with pytest.raises(FileExistsError, match="Not overwriting existing file"):
        hb.publish_memo(memos["en"], out_dir=tmp_path, formats=("png",), pdf=False)


def test_pdf_is_skipped_with_a_note_without_fpdf2(memos, tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_fpdf(name, *args, **kwargs):
        if name == "fpdf":
            raise ImportError("No module named 'fpdf'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_fpdf)
    monkeypatch.setattr(memo_render, "memo_figures", lambda memo: [])
    with pytest.warns(DataWarning, match="PDF not written: fpdf2 is not installed"):
        out = hb.publish_memo(memos["en"], out_dir=tmp_path, pdf=True)
    assert out.pdf is None and out.notes[0].startswith("PDF not written")
    assert out.html.exists()


# --- provenance ----------------------------------------------------------------------------

def test_provenance_reads_the_manifest_and_hashes_memo_inputs(batch, tmp_path):
    costs = tmp_path / "costs.csv"
    ledger().to_csv(costs, index=False)
    prov = provenance.read_provenance(batch, inputs={"costs": costs, "price index": None})
    items = dict(prov["batch"].values.tolist())
    assert items["batch"] == "main" and items["git commit"] == "c0ffee" and items["hubeval"] == "0.1.0"
    data = prov["data"].set_index("file")
    assert data.at["data/example/firms.csv", "used_by"] == "10_productivity"
    assert data.at[str(costs), "sha256"] == hashlib.sha256(costs.read_bytes()).hexdigest()
    assert data.at[str(costs), "used_by"] == "memo (costs)"
    assert prov["parameters"].values.tolist() == [["10_productivity", "outcomes",
                                                   '["log_va_per_worker"]'],
                                                  ["10_productivity", "n_boot", "0"]]
    assert prov["versions"].values.tolist() == [["numpy", "2.0"], ["pandas", "3.0"]]
    empty = provenance.read_provenance(tmp_path)
    assert all(frame.empty for frame in empty.values())


# --- the notebook ------------------------------------------------------------------------------

def test_memo_notebook_runs_under_papermill(tmp_path):
    folder = make_batch(tmp_path)
    firms = tmp_path / "firms.csv"
    firm_data().assign(cohort=lambda d: d["cohort"].fillna(0).astype(int)).to_csv(firms, index=False)
    costs = tmp_path / "costs.csv"
    ledger().to_csv(costs, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = hb.run_batch(ROOT / "notebooks" / "90_policy_memo.ipynb", runs_dir=tmp_path / "runs",
                           params={"results_dir": str(folder), "reports_dir": str(tmp_path / "reports"),
                                   "lang": "ko", "data_path": str(firms), "costs_path": str(costs),
                                   "price_index": None, "base_year": None, "n_sim": 100,
                                   "figure_formats": ["png"], "dpi": 60})
    assert run.ok, run.summary()
    report = tmp_path / "reports" / "main" / folder.name
    html = (report / "memo_ko.html").read_text(encoding="utf-8")
    assert "+6.0%" in html and "순현재가치" in html
    memo_record = run.table("memo_files")
    assert set(memo_record["format"]) >= {"html", "png", "xlsx"}
    assert (report / "memo_tables_ko.xlsx").is_file()  # the memo's tables as a workbook
    if importlib.util.find_spec("fpdf") is not None:  # the PDF needs fpdf2
        assert (report / "memo_ko.pdf").exists() and "pdf" in set(memo_record["format"])


def test_recorded_balance_is_drawn_when_verifiable_and_left_out_otherwise(tmp_path):
    folder = make_batch(tmp_path)
    balance = pd.DataFrame({"term": ["employment", "posco_supplier", "metal"],
                            "smd_before": [0.4, 0.5, 0.2], "smd_after": [0.05, 0.02, 0.01],
                            "n_treated": [20, 20, 4]})
    write_run(folder, "60_matching", {"balance": balance})
    hb.write_store(folder, hb.collect_store(folder))
    memo = hb.build_memo(hb.load_batch_results(folder), lang="en")
    assert memo.disclosure[-1] == "metal"  # the row on 4 firms is suppressed and listed
    figures = {f.name: f for f in memo_render.memo_figures(memo)}
    drawn = hb.report.figures.drawn_results(figures["balance"].figure)
    assert figures["balance"].exemption is None and drawn[-1] is memo.checks["balance"]
    for item in figures.values():
        matplotlib.pyplot.close(item.figure)
    write_run(folder, "61_matching", {"balance": balance.drop(columns="n_treated")})
    for suffix in (".csv", ".json"):
        (folder / "60_matching" / "records" / f"balance{suffix}").unlink()
    hb.write_store(folder, hb.collect_store(folder))
    memo = hb.build_memo(hb.load_batch_results(folder), lang="en")
    assert "balance" not in memo.checks
    assert memo.disclosure[-1].startswith("The recorded `balance` table is not published: it carries "
                                          "no firm counts")


def test_regional_records_as_the_regional_notebook_writes_them(tmp_path):
    folder = make_batch(tmp_path)
    effects = pd.DataFrame({"outcome": ["mfg_employment", "industrial_investment"],
                            "term": "att (post-period average gap)", "estimate": [206.9, 6996.2],
                            "percent": [2.4, 6.4], "p_value": [0.05, 0.025],
                            "min_p_value": 0.025, "n_donors": 39, "evidence_level": 3})
    years = np.arange(2008, 2014)
    gaps = pd.concat([pd.DataFrame({"outcome": o, "term": "gap", "time": years,
                                    "treated": 9000.0, "synthetic": 8900.0, "estimate": 100.0,
                                    "post": years >= 2011})
                      for o in ("mfg_employment", "industrial_investment")], ignore_index=True)
    write_run(folder, "50_regional", {"synth_effect": effects, "synth_gap": gaps})
    hb.write_store(folder, hb.collect_store(folder))
    results = hb.load_batch_results(folder)
    table, gap_rows = memo_mod.regional_tables(results)
    assert table["outcome"].tolist() == ["mfg_employment", "industrial_investment"]  # recorded order
    assert list(dict.fromkeys(gap_rows["outcome"])) == ["mfg_employment", "industrial_investment"]
    ko = hb.build_memo(results, lang="ko")
    assert ko.regional[1] == ("산업 투자: 사업 시작 이후 광양시는 합성 광양시 대비 +6,996(+6.4%)입니다. "
                              "플라시보 검정 p값 0.025(가능한 최솟값 0.025). 처치 도시가 하나인 합성통제법: "
                              "근거 수준 3/5, 추론은 플라시보 도시 비교에 근거합니다.")
    assert ko.disclosure[-1] == "지역 분석은 기밀 기업 자료가 아닌 공개된 도시 통계를 사용합니다."


def test_cost_per_job_missing_is_said_in_both_languages(results):
    cba = hb.memo_cost_benefit(results, firm_data(), costs=ledger(), n_sim=0,
                               employment_outcome="net_jobs")
    assert cba.note == "no event study of `net_jobs`: cost per net job not computed"
    en = hb.build_memo(results, cba=cba, lang="en").cba_text
    ko = hb.build_memo(results, cba=cba, lang="ko").cba_text
    assert "Cost per net additional job not computed: the batch has no event study of net jobs created." in en
    assert "순 추가 일자리당 비용은 계산하지 않았습니다: 이 배치에 순 일자리 증감의 연차별 효과가 없습니다." in ko


def test_memo_without_event_studies_or_cost_benefit(results):
    keep = results.estimates["record"] != "event_study"
    bare = dataclasses.replace(results, estimates=results.estimates[keep].reset_index(drop=True),
                               statistics=results.statistics[results.statistics["record"] != "event_study"])
    memo = hb.build_memo(bare, lang="en")
    assert memo.limitations[0].startswith("Selection: firms choose to apply, so participants may differ")
    assert memo.cba_text == ("Not computed: no cost-benefit analysis was passed to the memo.",)
    names = [f.name for f in memo_render.memo_figures(memo)]
    assert names == ["headline_effects", "headline_levels"]
    matplotlib.pyplot.close("all")
    shown = memo._repr_html_()
    assert shown.startswith("<div class=\"hubeval-memo\"><main>") and "<style>" not in shown
    assert "+6.0%" in shown


def test_korean_html_embeds_a_font_covering_every_character(published):
    import base64
    import io

    from fontTools.ttLib import TTFont
    page = published["ko"].html.read_text(encoding="utf-8")
    fonts = re.findall(r"url\(data:font/ttf;base64,([A-Za-z0-9+/=]+)\)", page)
    assert len(fonts) == 2  # regular and bold
    body = re.sub(r"<[^>]+>", " ", page.split("<body>")[1])
    hangul = {c for c in body if "\uac00" <= c <= "\ud7a3"}
    assert len(hangul) > 100
    for data in fonts:
        cmap = TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()
        assert not {c for c in hangul if ord(c) not in cmap}


# --- results as JSON, the document model and its renderers ----------------------------------

def test_memo_results_serialise_through_field_metadata(memos, cba, published):
    memo = memos["en"].to_dict()
    assert json.loads(json.dumps(memo)) == memo
    assert memo["type"] == "MemoResult" and memo["lang"] == "en"
    assert memo["findings"] == list(memos["en"].findings)
    assert memo["cba_text"] == list(memos["en"].cba_text)
    assert not {"estimates", "effects_all", "results", "checks", "provenance", "cba"} & set(memo)
    costs = cba.to_dict()
    assert costs["type"] == "MemoCostBenefitResult" and "sensitivity" not in costs
    assert costs["result"]["type"] == "CostBenefitResult"
    files = published["ko"].to_dict()
    assert files["type"] == "PublishedMemoResult"
    assert files["html"] == str(published["ko"].html) and files["pdf"] == str(published["ko"].pdf)
    assert files["figures"]["cost_benefit"]["png"].endswith("cost_benefit_ko.png")
    assert published["en"].to_dict()["pdf"] is None


def test_html_and_pdf_are_rendered_from_one_document(memos):
    from hubeval.report.memo import document, html

    doc = document.memo_document(memos["ko"])
    assert [s.id for s in doc.sections] == ["findings", "effects", "event", "robustness", "regional", "cba",
                                           "limitations", "disclosure", "estimators", "provenance"]
    assert doc.title == memos["ko"].summary().splitlines()[0]
    findings = doc.sections[0].blocks[0]
    assert findings.kind == "list" and findings.items == memos["ko"].findings
    page = html.render_html(doc)
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"ko\">")
    for sentence in memos["ko"].findings:
        assert html._inline(sentence) in page


def test_html_escapes_memo_text(memos):
    from hubeval.report.memo import document, html

    memo = dataclasses.replace(memos["en"], findings=("<script>alert(1)</script> & `code`",))
    page = html.render_html(document.memo_document(memo), standalone=False)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <code>code</code>" in page
