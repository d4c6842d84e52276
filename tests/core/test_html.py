"""hubeval.core.html: results render in JupyterLab from one autoescaped jinja2 template."""
from __future__ import annotations

import dataclasses

import pandas as pd

import hubeval as hb
from hubeval.core.html import block, result_html
from hubeval.core.results import ResultMixin


@dataclasses.dataclass(frozen=True)
class Hostile(ResultMixin):
    estimates: pd.DataFrame
    spec: dict
    title = "<script>alert(1)</script>"


def test_text_is_escaped_and_tables_are_markup():
    table = pd.DataFrame({"term": ["<b>att</b>"], "estimate": [0.123456]})
    html = result_html(title="a < b", lines=["x & y"], blocks=[block("Heading", table=table),
                                                            block("Warnings", items=["<i>w</i>"])])
    assert "<h4>a &lt; b</h4>" in html and "<div>x &amp; y</div>" in html
    assert "<table" in html and "&lt;b&gt;att&lt;/b&gt;" in html and "0.1235" in html
    assert "<li>&lt;i&gt;w&lt;/i&gt;</li>" in html
    assert "<li>none</li>" in result_html(blocks=[block("Warnings", items=[])])


def test_result_title_cannot_inject_markup():
    result = Hostile(pd.DataFrame({"term": ["att"], "estimate": [1.0]}), {"note": "<img src=x>"})
    html = result._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html


def test_panel_and_quality_report_render(example_panel):
    html = example_panel._repr_html_()
    assert html.startswith('<div class="hubeval-panel"><p>Panel(') and "<h4>Data-quality report</h4>" in html
    for heading in ("Cohorts", "Rows dropped", "Missing values", "Warnings"):
        assert f"<h5>{heading}</h5>" in html
    assert isinstance(example_panel.report(), hb.DataQualityResult)
