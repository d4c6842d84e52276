"""A memo on a batch whose runs partly failed says so first, in both languages, naming what is missing."""
from __future__ import annotations

import json
import warnings

import pytest

import hubeval as hb
from hubeval.report.memo import document, html
from hubeval.report.memo.completeness import missing_parts
from tests.report.test_memo import make_batch

COSTS_ERROR = ("cell 6: SpecError: `family` 'costs' has no outcome with data: columns "
               "materials_cost, labour_cost are missing.")
REGIONAL_ERROR = "cell 3: ParameterError: `cities_path` data/example/cities.csv does not exist."


def run_entry(run_id, notebook, status, *, stage=1, error=None, params=None):
    return {"id": run_id, "notebook": f"notebooks/{notebook}.ipynb", "stage": stage,
            "status": status, "error": error, "duration": 3.0, "params": params or {}}


@pytest.fixture(scope="module")
def failed_batch(tmp_path_factory):
    """The memo's view while it runs (stage 2): one outcome family and the regional run failed."""
    root = tmp_path_factory.mktemp("incomplete")
    folder = make_batch(root)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(status="running", source=str(root / "params" / "batches" / "main.yaml"),
                    root=str(root))
    manifest["runs"] = [
        run_entry("00_data_check", "00_data_check", "ok"),
        run_entry("10_outcomes-productivity", "10_outcomes", "ok", params={"family": "productivity"}),
        run_entry("10_outcomes-costs", "10_outcomes", "failed", error=COSTS_ERROR,
                  params={"family": "costs"}),
        run_entry("10_outcomes-investment", "10_outcomes", "ok", params={"family": "investment"}),
        run_entry("10_outcomes-jobs", "10_outcomes", "ok", params={"family": "jobs"}),
        run_entry("50_regional", "50_regional", "failed", error=REGIONAL_ERROR),
        run_entry("90_policy_memo-en", "90_policy_memo", "running", stage=2),
        run_entry("90_policy_memo-ko", "90_policy_memo", "failed", stage=2, error="cell 2: x"),
    ]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture(scope="module")
def memos(failed_batch):
    results = hb.load_batch_results(failed_batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {lang: hb.build_memo(results, lang=lang) for lang in ("en", "ko")}


def test_missing_parts_name_the_failed_runs_before_the_memo(failed_batch):
    missing = missing_parts(hb.load_batch_results(failed_batch)).fillna({"family": ""})
    assert missing[["run", "part", "family"]].values.tolist() == [
        ["10_outcomes-costs", "family", "costs"], ["50_regional", "regional", ""]]


def test_the_memo_says_first_that_the_batch_is_incomplete(memos):
    en = memos["en"].incomplete
    assert en == (
        "2 of 6 runs of batch main failed, so this memo leaves out what they would have shown "
        "(listed below); its findings, tables and cost-benefit rest only on the runs that "
        "finished. Fix the failures and rerun the batch (`hubeval run params/batches/main.yaml "
        "--resume` reruns only what failed) before using the memo.",
        f"Outcome family Costs (run `10_outcomes-costs`): {COSTS_ERROR}",
        f"City-level effects, synthetic control (run `50_regional`): {REGIONAL_ERROR}")
    ko = memos["ko"].incomplete
    assert ko == (
        "배치 main의 실행 6개 중 2개가 실패하여, 이 메모에는 그 실행들이 보여 주었을 결과(아래 목록)가 "
        "빠져 있습니다. 핵심 결과, 표와 비용편익 분석은 완료된 실행만을 근거로 합니다. 메모를 사용하기 전에 "
        "오류를 해결하고 배치를 다시 실행하십시오(`hubeval run params/batches/main.yaml --resume`은 실패한 "
        "실행만 다시 실행합니다).",
        f"성과 영역 비용 (실행 `10_outcomes-costs`): {COSTS_ERROR}",
        f"도시 단위 효과, 합성통제 (실행 `50_regional`): {REGIONAL_ERROR}")
    assert memos["en"].summary().splitlines()[2] == en[0]


@pytest.mark.parametrize("lang, heading", [
    ("en", "Incomplete batch: parts of this evaluation are missing"),
    ("ko", "미완료 배치: 이 평가의 일부가 빠져 있습니다")])
def test_the_notice_is_the_first_section_of_html_and_pdf(memos, lang, heading, tmp_path):
    doc = document.memo_document(memos[lang])
    assert doc.sections[0].id == "incomplete" and doc.sections[0].heading == heading
    assert doc.sections[1].id == "findings"
    page = html.render_html(doc)
    notice = page.index('<section id="incomplete" class="incomplete" role="alert">')
    assert notice < page.index('<section id="findings"')
    assert html._inline(memos[lang].incomplete[1]) in page[notice:page.index('<section id="findings"')]
    with hb.figure_theme(lang=lang):
        published = hb.publish_memo(memos[lang], out_dir=tmp_path, formats=("png",), dpi=40,
                                    pdf=lang == "ko")
    written = (tmp_path / f"memo_{lang}.html").read_text(encoding="utf-8")
    assert written.index(heading) < written.index('<section id="findings"')
    assert (published.pdf is not None) == (lang == "ko")


def test_a_complete_batch_has_no_notice(tmp_path):
    folder = make_batch(tmp_path)
    results = hb.load_batch_results(folder)
    assert missing_parts(results).empty
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        memo = hb.build_memo(results, lang="en")
    assert memo.incomplete == ()
    assert document.memo_document(memo).sections[0].id == "findings"


def test_read_after_the_batch_finished_every_failed_run_counts(failed_batch, tmp_path):
    manifest = json.loads((failed_batch / "manifest.json").read_text())
    manifest["runs"][6]["status"] = "ok"  # the English memo finished; the Korean one failed
    folder = tmp_path / "copy"
    folder.mkdir()
    for table in [*failed_batch.glob("*.csv"), *failed_batch.glob("*.parquet")]:  # the store
        (folder / table.name).write_bytes(table.read_bytes())
    (folder / "manifest.json").write_text(json.dumps(manifest))
    missing = missing_parts(hb.load_batch_results(folder))
    assert missing["run"].tolist() == ["10_outcomes-costs", "50_regional", "90_policy_memo-ko"]
    assert missing["part"].tolist() == ["family", "regional", "run"]
