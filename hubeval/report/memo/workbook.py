"""The memo's tables as one Excel workbook, for report writers who build tables in HWP or Word.

:func:`memo_sheets` lays out every table of the memo, as numbers, one
:class:`~hubeval.report.xlsx.WorkbookSheet` each; :func:`~hubeval.report.memo.render.publish_memo`
writes them with :func:`hubeval.save_tables` (the disclosure gate, ``memo_tables_<lang>.xlsx``
and its ``.disclosure.json``). The sheets, in order, as far as the memo has them:

* ``effects`` -- the memo's effects table: per headline outcome the before/after claim and the
  headline estimate, with the evidence level of each design;
* ``effects_all`` -- the appendix table of every estimator;
* ``credibility`` -- the inference panel (the headline effect under each inference method);
* ``power`` -- the minimum detectable effects behind the memo's power limitation;
* ``cost_benefit`` -- the cost-benefit table, with the simulation interval;
* ``regional`` -- the regional synthetic-control effects (public city statistics).

The rows are those of the memo's tables (the same functions select them), taken from the same
disclosure-checked results, so a suppressed estimate is blank with the memo's "suppressed"
("비공개") in its effect cell. Numbers are in the units the memo prints (percent, percentage
points, won) and their display formats reproduce the memo's text (``+6.0%``, ``3 of 5``,
``<0.001``); text cells (outcomes, designs, methods) are in the memo's language, and every
column is headed in both languages, the memo's first (two header rows under a title row). The
memo's notes on a table (evidence scale, intervals, what "suppressed" means) are written under it.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hubeval.data.outcomes import SHARE_OUTCOMES
from hubeval.report.catalogue import has_text
from hubeval.report.catalogue import text as catalogue_text
from hubeval.report.cba_text import MONEY_TERMS, cba_rows
from hubeval.report.figures import label
from hubeval.report.memo.build import MemoResult
from hubeval.report.memo.robustness import method_label
from hubeval.report.memo.sentences import effect_cells, headline_outcomes
from hubeval.report.memo.text import outcome_label, text
from hubeval.report.xlsx import WorkbookSheet
from hubeval.store.readers import regional_tables, statistic_table

__all__ = ["memo_sheets", "effect_format", "SHEETS"]

#: The workbook's sheets, in order (a memo without a table leaves its sheet out).
SHEETS = ("effects", "effects_all", "credibility", "power", "cost_benefit", "regional")
_OTHER = {"en": "ko", "ko": "en"}
_P_FORMAT = '[<0.001]"<0.001";0.000'
_COUNT_FORMAT = "#,##0"


def _signed(body: str, suffix: str = "") -> str:
    unit = f'"{suffix}"' if suffix else ""
    return f"+{body}{unit};-{body}{unit};+{body}{unit}"


def _significant(value: float, digits: int = 3) -> str:
    """The body of :func:`hubeval.report.memo.text.format_number`'s format for ``value``."""
    magnitude = abs(value) if np.isfinite(value) else 0.0
    decimals = 0 if magnitude == 0 else max(0, digits - 1 - math.floor(math.log10(magnitude)))
    decimals = min(decimals, 6)
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _is_share(outcome: str, scale: str) -> bool:
    return scale != "percent" and outcome in SHARE_OUTCOMES


def effect_format(value: float, *, scale: str, outcome: str, lang: str) -> str:
    """The Excel number format that shows an effect as the memo writes it
    (:func:`~hubeval.report.memo.text.format_effect`): ``+6.0%``, ``+0.24 pp`` / ``+0.24%p``,
    ``+3.1``; the value is in the memo's units (:func:`_in_memo_units`)."""
    if scale == "percent":
        return _signed("0.0", "%")
    if outcome in SHARE_OUTCOMES:
        return _signed("0.00", " pp" if lang == "en" else "%p")
    return _signed(_significant(value))


def _in_memo_units(values: pd.Series, outcome: pd.Series, scale: pd.Series) -> pd.Series:
    """Shares (level scale) in percentage points, as the memo prints them; others unchanged."""
    share = np.array([_is_share(o, s) for o, s in zip(outcome, scale)], dtype=bool)
    values = pd.to_numeric(values, errors="coerce").astype(float)
    return values.where(~share, 100 * values)


def _headers(lang: str, **columns) -> dict[str, tuple[str, str]]:
    """Per column its header in the memo's language and in the other one."""
    return {column: (head(lang), head(_OTHER[lang])) for column, head in columns.items()}


def _formats(frame: pd.DataFrame, columns, lang: str) -> dict[str, list[str]]:
    return {c: [effect_format(v, scale=s, outcome=o, lang=lang) for v, s, o
                in zip(frame[c], frame["scale"], frame["outcome_code"])] for c in columns}


def _title(key: str, lang: str, **fields) -> str:
    return catalogue_text(f"workbook.{key}", lang, **fields)


def _notes(memo: MemoResult, frame: pd.DataFrame, *keys: str) -> tuple[str, ...]:
    """The memo's notes on a table, and what a suppressed cell means when the table has one."""
    notes = [text(key, memo.lang) for key in keys]
    if "suppressed" in frame.columns and frame["suppressed"].any():
        notes.append(_title("note_suppressed", memo.lang, n=memo.spec["min_units"],
                            cell=text("suppressed_cell", memo.lang)))
    return tuple(notes)


def _effects_sheet(memo: MemoResult, compact: bool) -> WorkbookSheet:
    lang = memo.lang
    frame = effect_cells(memo.estimates, lang, compact=compact)
    for column in ("estimate", "conf_low", "conf_high"):
        frame[column] = _in_memo_units(frame[column], frame["outcome_code"], frame["scale"])
    evidence = {"en": '0" of 5"', "ko": '0"/5"'}[lang]
    return WorkbookSheet(
        frame, title=_title("title_effects" if compact else "title_effects_all", lang),
        headers=_headers(lang, outcome=lambda lg: label("outcome", lg),
                         design=lambda lg: label("design", lg),
                         evidence_level=lambda lg: label("evidence_short", lg),
                         estimate=lambda lg: label("effect", lg),
                         conf_low=lambda lg: _title("conf_low", lg),
                         conf_high=lambda lg: _title("conf_high", lg),
                         n_units=lambda lg: label("n_firms", lg)),
        formats={"evidence_level": evidence, "n_units": _COUNT_FORMAT,
                 **_formats(frame, ("estimate", "conf_low", "conf_high"), lang)},
        suppressed={"estimate": text("suppressed_cell", lang)}, keys=("outcome_code",),
        notes=_notes(memo, frame, *(("evidence_note", "interval_note") if compact
                                    else ("all_estimates_note",))))


def _credibility_sheet(memo: MemoResult) -> WorkbookSheet | None:
    check = memo.checks.get("inference")
    if check is None or check.table.empty:
        return None
    lang, rows = memo.lang, check.table.reset_index(drop=True)
    frame = pd.DataFrame({
        "outcome": rows["outcome"].map(lambda o: outcome_label(o, lang)),
        "method": rows["method"].map(lambda m: method_label(m, lang)),
        "outcome_code": rows["outcome"], "scale": rows["scale"]})
    for column in ("estimate", "conf_low", "conf_high"):
        frame[column] = _in_memo_units(rows[column], rows["outcome"], rows["scale"])
    frame["p_value"] = rows["p_value"].astype(float)
    frame["n_units"], frame["suppressed"] = rows["n_units"], rows["suppressed"].astype(bool)
    return WorkbookSheet(
        frame, title=_title("title_credibility", lang),
        headers=_headers(lang, outcome=lambda lg: label("outcome", lg),
                         method=lambda lg: text("col_method", lg),
                         estimate=lambda lg: label("effect", lg),
                         conf_low=lambda lg: _title("conf_low", lg),
                         conf_high=lambda lg: _title("conf_high", lg),
                         p_value=lambda lg: text("col_p_value", lg)),
        formats={"p_value": _P_FORMAT,
                 **_formats(frame, ("estimate", "conf_low", "conf_high"), lang)},
        suppressed={"estimate": text("suppressed_cell", lang)}, keys=("outcome_code",),
        notes=_notes(memo, frame, "robustness_note"))


def _power_rows(memo: MemoResult) -> pd.DataFrame:
    frames = []
    for outcome in headline_outcomes(memo.estimates):
        # the recorded `power` statistics, one row per design code (e.g. `all_cohorts_cs`)
        table = statistic_table(memo.results, "power", outcome)
        if table.empty or not {"n_treated", "mde"} <= set(table.columns):
            continue
        frames.append(table.rename_axis("term").reset_index().assign(outcome=outcome))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _power_part(term: str, index: int, lang: str) -> str:
    """Scope (``index`` 0) or design (1) of a power design code ``<scope>_<design>``."""
    parts = str(term).rsplit("_", 1)
    if len(parts) != 2:
        return str(term) if index == 0 else ""
    key = ("scope_" if index == 0 else "design_") + parts[index]
    # an unknown scope or design is shown as recorded
    return _title(key, lang) if has_text(f"workbook.{key}") else parts[index]


def _power_sheet(memo: MemoResult) -> WorkbookSheet | None:
    rows = _power_rows(memo)
    if rows.empty:
        return None
    lang = memo.lang
    percent = pd.to_numeric(rows.get("mde_percent", np.nan), errors="coerce")
    percent = pd.Series(percent, index=rows.index, dtype=float)
    level = _in_memo_units(rows["mde"], rows["outcome"], pd.Series("level", index=rows.index))
    share = rows["outcome"].isin(SHARE_OUTCOMES)
    frame = pd.DataFrame({
        "outcome": rows["outcome"].map(lambda o: outcome_label(o, lang)),
        "scope": rows["term"].map(lambda t: _power_part(t, 0, lang)),
        "design": rows["term"].map(lambda t: _power_part(t, 1, lang)),
        "n_treated": pd.to_numeric(rows["n_treated"], errors="coerce"),
        "mde": percent.where(percent.notna(), level)})
    unit = " pp" if lang == "en" else "%p"
    formats = ['0.0"%"' if np.isfinite(p) else (f'0.00"{unit}"' if s else _significant(v))
               for p, s, v in zip(percent, share, frame["mde"])]
    return WorkbookSheet(
        frame, title=_title("title_power", lang),
        headers=_headers(lang, outcome=lambda lg: label("outcome", lg),
                         scope=lambda lg: _title("scope", lg),
                         design=lambda lg: label("design", lg),
                         n_treated=lambda lg: _title("n_treated", lg),
                         mde=lambda lg: _title("mde", lg)),
        formats={"n_treated": _COUNT_FORMAT, "mde": formats},
        keys=("scope",), notes=_notes(memo, frame))


def _cba_format(term: str, lang: str) -> str:
    if term in MONEY_TERMS:
        return '"KRW "#,##0;"KRW "-#,##0' if lang == "en" else '#,##0" 원";-#,##0" 원"'
    if term in ("prob_bcr_above_1", "break_even_persistence"):
        return "0%"
    if term == "productivity_effect_pct":
        return '0.0"%"'
    return _COUNT_FORMAT if term == "net_additional_jobs" else "0.00"


def _cba_sheet(memo: MemoResult) -> WorkbookSheet | None:
    if memo.cba is None or memo.cba.result is None:
        return None
    lang, result = memo.lang, memo.cba.result
    rows = cba_rows(result)
    frame = rows.assign(measure=rows["term"].map(lambda t: label(t, lang)),
                        n_firms=result.n_firms)
    level = 1 - result.spec["alpha"]
    formats = [_cba_format(t, lang) for t in rows["term"]]
    return WorkbookSheet(
        frame, title=_title("title_cost_benefit", lang),
        headers=_headers(lang, measure=lambda lg: label("measure", lg),
                         estimate=lambda lg: label("value", lg),
                         conf_low=lambda lg: _title("interval_low", lg, level=level),
                         conf_high=lambda lg: _title("interval_high", lg, level=level)),
        formats={"estimate": formats, "conf_low": formats, "conf_high": formats},
        keys=("measure",))


def _regional_sheet(memo: MemoResult) -> WorkbookSheet | None:
    effects, _ = regional_tables(memo.results)
    if effects.empty:
        return None
    lang, rows = memo.lang, effects.reset_index(drop=True)
    frame = pd.DataFrame({"outcome": rows["outcome"].map(lambda o: outcome_label(str(o), lang))})
    for column in ("estimate", "percent", "p_value", "min_p_value", "n_donors"):
        frame[column] = pd.to_numeric(rows.get(column, np.nan), errors="coerce")
    return WorkbookSheet(
        frame, title=_title("title_regional", lang), check=memo.checks["regional"],
        headers=_headers(lang, outcome=lambda lg: label("outcome", lg),
                         estimate=lambda lg: _title("regional_effect", lg),
                         percent=lambda lg: _title("regional_percent", lg),
                         p_value=lambda lg: _title("placebo_p", lg),
                         min_p_value=lambda lg: _title("min_p", lg),
                         n_donors=lambda lg: _title("n_donors", lg)),
        formats={"estimate": [_signed(_significant(v)) for v in frame["estimate"]],
                 "percent": _signed("0.0", "%"), "p_value": "0.000", "min_p_value": "0.000",
                 "n_donors": "0"}, notes=(text("disclosure_regional", lang),))


def memo_sheets(memo: MemoResult) -> dict[str, WorkbookSheet]:
    """Every table of the memo as a workbook sheet, by sheet name (:data:`SHEETS` order).

    Parameters
    ----------
    memo : MemoResult
        From :func:`hubeval.build_memo`.

    Returns
    -------
    dict of str to WorkbookSheet
        For :func:`hubeval.save_tables`; tables the memo does not have (no inference panel,
        no cost-benefit analysis, no regional run, no recorded power) are left out.
    """
    made = {"effects": _effects_sheet(memo, compact=True),
            "effects_all": _effects_sheet(memo, compact=False),
            "credibility": _credibility_sheet(memo), "power": _power_sheet(memo),
            "cost_benefit": _cba_sheet(memo), "regional": _regional_sheet(memo)}
    return {name: made[name] for name in SHEETS if made[name] is not None}
