"""HTML of results in JupyterLab, from one jinja2 template with autoescaping.

Every text (titles, settings, warnings, paths) is escaped by jinja2; only the tables that pandas
renders with :meth:`pandas.DataFrame.to_html` (which escapes cell text itself) are inserted as
markup. jinja2 is imported on first use, so ``import hubeval`` stays fast.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

__all__ = ["result_html", "block"]

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _template():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    return env.get_template("result.html.j2")


def block(heading: str | None = None, *, table: pd.DataFrame | None = None,
          items: Sequence[str] | None = None, empty: str | None = None,
          float_format: str = "{:.4g}") -> dict:
    """One part of a result's HTML: an optional heading, then a table, a list or a short note."""
    from markupsafe import Markup

    html_table = None
    if table is not None:
        html_table = Markup(table.to_html(index=False, na_rep="",
                                          float_format=lambda v: float_format.format(v)))
    return {"heading": heading, "table": html_table,
            "entries": list(items) if items is not None else None, "empty": empty}


def result_html(*, title: str | None = None, lines: Sequence[str] = (), blocks: Sequence[dict] = (),
                intro: str | None = None, css_class: str = "hubeval-result") -> str:
    """A result as HTML: title, summary lines and blocks (see :func:`block`), all text escaped."""
    return _template().render(title=title, lines=list(lines), blocks=list(blocks), intro=intro,
                              css_class=css_class)
