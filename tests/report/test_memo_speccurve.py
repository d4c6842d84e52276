"""The memo's specification-curve appendix, when a robustness batch is given."""
from __future__ import annotations

import html as html_module
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import hubeval as hb  # noqa: E402
from hubeval.report.memo.document import memo_document  # noqa: E402
from hubeval.report.memo.render import memo_figures  # noqa: E402
from hubeval.report.speccurve_text import outcome_reading  # noqa: E402
from tests.report.test_figure_layout import code_names, layout_problems  # noqa: E402
from tests.report.test_memo import make_batch  # noqa: E402
from tests.report.test_speccurve import ROBUSTNESS_GRID, grid_batch, store  # noqa: E402

FIGURE = "specification_curve_log_va_per_worker"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return hb.load_batch_results(make_batch(tmp_path_factory.mktemp("memo")))


def robustness_batch(small_run: str | None = None):
    runs, rows = grid_batch(ROBUSTNESS_GRID, lambda i, _: (0.4 * i - 2.0, 0.01 if i % 4 else 0.3))
    if small_run is not None:  # one specification on 3 participating firms
        rows = [dict(r, n_treated=3) if r["run_id"] == small_run else r for r in rows]
    return store(runs, rows)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_appendix_holds_the_curve_and_its_reading(results, lang):
    robustness = robustness_batch()
    memo = hb.build_memo(results, lang=lang, robustness=robustness)
    curve = hb.specification_curve(robustness)
    assert memo.specification.outcomes == ["log_va_per_worker"]
    assert memo.specification_text == (outcome_reading(curve, "log_va_per_worker", lang),)
    assert "**" not in memo.specification_text[0]
    with hb.figure_theme(lang=lang):
        drawn = {f.name: f for f in memo_figures(memo)}
        try:
            assert FIGURE in drawn and drawn[FIGURE].section == "specification"
            assert layout_problems(drawn[FIGURE].figure) == []
            assert code_names(drawn[FIGURE].figure) == []
        finally:
            for item in drawn.values():
                plt.close(item.figure)
    doc = memo_document(memo, figures={FIGURE: ("curve.png", "cap_specification")})
    ids = [s.id for s in doc.sections]
    assert ids[-3:] == ["estimators", "specification", "provenance"]
    appendix = doc.sections[ids.index("specification")]
    assert [b.kind for b in appendix.blocks] == ["paragraph", "paragraph", "figure"]
    assert appendix.blocks[1].text == memo.specification_text[0]
    assert appendix.new_page and appendix.blocks[2].name == FIGURE


def test_the_appendix_is_published_with_the_memo(results, tmp_path):
    memo = hb.build_memo(results, lang="ko", robustness=robustness_batch())
    published = hb.publish_memo(memo, out_dir=tmp_path, formats=["png"], pdf=False, docx=False,
                                dpi=40)
    assert (tmp_path / f"{FIGURE}_ko.png").is_file()
    assert (tmp_path / f"{FIGURE}_ko.disclosure.json").is_file()
    page = html_module.unescape(published.html.read_text(encoding="utf-8"))
    assert "부록: 모형 설정 곡선" in page and memo.specification_text[0] in page


def test_specifications_on_too_few_firms_are_suppressed_in_the_appendix(results):
    full = hb.build_memo(results, lang="en", robustness=robustness_batch())
    memo = hb.build_memo(results, lang="en", robustness=robustness_batch(small_run="r5"))
    table = memo.specification.estimates
    assert table["suppressed"].sum() == 1 and len(table) == 24
    assert table.loc[table["suppressed"], "estimate"].isna().all()
    assert memo.specification.overview.iloc[0]["n_specifications"] == 23
    assert memo.specification_text[0].startswith("Log value added per worker. Across 23 "
                                                 "specifications")
    assert len(memo.disclosure) == len(full.disclosure) + 1  # the suppressed one is listed
    hb.assert_publishable(memo.checks["specification_curve"])


def test_a_robustness_folder_without_a_grid_is_a_clear_error(results, tmp_path):
    with pytest.raises(hb.ParameterError, match="A specification curve needs"):
        hb.build_memo(results, lang="en", robustness=results)


def robustness_folder(root):
    """A robustness batch folder as the runner leaves it: run folders with records, the store."""
    from pathlib import Path

    from tests.report.test_memo import comparison, write_run

    folder = Path(root) / "runs" / "robustness" / "20260101-000000-abcdef"
    folder.mkdir(parents=True)
    for i, (control, anticipation) in enumerate(itertools.product(
            ["never_treated", "not_yet_treated"], [0, 1])):
        cs = 2.0 + 1.5 * i
        write_run(folder, f"10_outcomes-productivity-{control}-{anticipation}",
                  {"comparison": comparison("log_va_per_worker", scale="percent", naive=30.0,
                                            cs=cs, low=cs - 2.0, high=cs + 2.0)},
                  params={"family": "productivity", "control": control,
                          "anticipation": anticipation})
    hb.write_store(folder, hb.collect_store(folder))
    return folder


def test_a_recorded_curve_is_a_table_of_its_own_with_its_summary_in_statistics(tmp_path):
    from hubeval.store.parts import store_parts

    curve = hb.specification_curve(hb.load_batch_results(robustness_folder(tmp_path)))
    assert curve.estimates["rank"].tolist() == [1, 2, 3, 4]
    # no manifest: the store's params are sorted by name, and so are the choices
    assert curve.choices == {"log_va_per_worker": ("anticipation", "control")}
    assert curve.estimates["estimate"].tolist() == [2.0, 3.5, 5.0, 6.5]
    parts = store_parts("specification_curve", curve, curve.tidy(), None)
    assert parts["estimates"] is None  # the estimates are the comparison rows already stored
    table = parts["tables"]["specification_curve"]
    assert table["specification"].tolist() == curve.estimates["run_id"].tolist()
    statistics = parts["statistics"].set_index("statistic")["value"]
    assert statistics["median_estimate"] == 4.25 and statistics["n_specifications"] == 4


def test_the_specification_curve_notebook_runs_under_papermill(tmp_path):
    import warnings
    from pathlib import Path

    folder = robustness_folder(tmp_path)
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "60_specification_curve.ipynb"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = hb.run_batch(notebook, runs_dir=tmp_path / "runs",
                           params={"results_dir": str(folder), "lang": "ko",
                                   "reports_dir": str(tmp_path / "reports"),
                                   "figure_formats": ["png"], "dpi": 40})
    assert run.ok, run.summary()
    report = tmp_path / "reports" / "robustness" / folder.name
    for lang in ("en", "ko"):
        assert (report / f"{FIGURE}_{lang}.png").is_file()
    assert set(run.table("specification_curve")["specification"]) == {
        f"10_outcomes-productivity-{c}-{a}" for c in ("never_treated", "not_yet_treated")
        for a in (0, 1)}
    assert set(run.table("specification_curve_files")["lang"]) == {"en", "ko"}
