"""Statistical disclosure control for tables, estimates and figures meant for publication.

Threat model
------------
The gate protects confidential firm data against an analyst who makes mistakes, not against a
malicious one: someone who saves the raw table instead of the protected one, passes a check
made for another table, forgets that a confidence band's midpoint is the estimate, keeps firm
identifiers under a Korean column name, or saves a figure drawn from unprotected results. It
fails closed: what it cannot verify, it refuses. It does not stop deliberate circumvention
(anyone can write a CSV with pandas), and it cannot see what was drawn on a figure by hand.

Guarantees
----------
Everything written by :func:`~hubeval.report.publication.save_table` and
:func:`~hubeval.report.figures.save_figure` (and so by the memo) satisfies:

* **no small cells** -- no published number rests on fewer than ``min_units`` firms (default 5,
  hard floor 3; the rules below);
* **suppressed means blank** -- a suppressed row keeps only its keys (the allow-list
  :data:`KEY_COLUMNS`, ``param_*`` run settings, and keys the caller names); every other
  column, numeric or text (estimate, bands, means, percents, counts), is blanked, so nothing
  derived from the hidden value survives;
* **errors name cells, never values** -- a :class:`~hubeval.core.errors.DisclosureError` names
  a refused cell by its keys only;
* **what is written is what was checked** -- a :class:`DisclosureResult` is sealed (keyed hash
  of its table, suppression list and rules) by the function that made it; a hand-built or
  later-modified one is refused, and a table saved with ``check=`` must equal the checked
  table;
* **firm-level tables are refused** -- recognised by identifier column names, by the unit
  column of every :class:`~hubeval.Panel` built in the session (whatever its name, e.g.
  ``사업체번호``) and by content (a column, or the index, with a distinct id-like value on
  every row); count columns cannot vouch for such a table;
* **figures are checked by what they draw** -- hubeval plot functions record the results they
  draw on the figure, and ``save_figure`` checks those, not a claim about them;
* **exemptions are explicit and recorded** -- :func:`public` (official aggregates) is the only
  exemption; it needs a reason, never covers firm-level data or failing counts, and is written
  with the check of every output into its ``<name>.disclosure.json`` sidecar.

A seal is valid only in the Python process that made it: re-check loaded results.

Rules
-----
No published cell, subgroup estimate or figure point may rest on fewer than ``min_units``
firms, and magnitude tables must not let a reader estimate one firm's value closely. The rules
follow the standard primary/secondary suppression approach of Hundepool et al. (2012):

* **threshold rule** -- a cell with fewer than ``min_units`` contributing firms is suppressed,
  so single-firm values are never shown (the floor of 3 guarantees it);
* **dominance rule** (n, k) = (2, 85%) -- suppress when the two largest firms hold more than 85%
  of the cell's magnitude total;
* **p% rule** (p = 10%) -- suppress when the total less the two largest contributions is below
  p% of the largest, because the second-largest firm could then estimate the largest firm's
  value to within p%;
  (at the defaults the p% rule is implied by the dominance rule, since the remainder is then
  below 15/85 of the top two; it binds when ``dominance`` is relaxed and is kept for that);
* **secondary suppression** -- in every additive line of the table (cells plus their margin
  total) a single suppressed entry could be recovered by subtraction, so a second entry, the one
  with the fewest firms, is suppressed too, until every line has zero or at least two.

The secondary step is the common greedy heuristic, not the optimal linear-programming solution
of tau-ARGUS; with two suppressions per line a determined attacker can at most bound, not
recover, a cell. Merging small categories before tabulating is left to the analyst. Only
:func:`protect_table`, which sees firm-level data, applies the magnitude rules; estimate tables
(:func:`~hubeval.report.publication.check_estimates`) are checked on their firm counts.

Checking estimate tables and result objects, and the publication path (the gate
:func:`~hubeval.report.publication.assert_publishable`, :func:`~hubeval.report.publication.save_table`)
live in :mod:`hubeval.report.publication`; firm-level detection in
:mod:`hubeval.report.firm_level`.

References
----------
Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Nordholt, E. S., Spicer, K. and
de Wolf, P.-P. (2012). *Statistical Disclosure Control*. Wiley, ch. 4 (magnitude tables).
"""
from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from hubeval.core.errors import DisclosureError, SpecError, format_examples
from hubeval.core.results import ResultMixin, result_field
from hubeval.report import suppression
from hubeval.report.seal import KEY_COLUMNS, signature

__all__ = ["check_min_units", "DEFAULT_MIN_UNITS", "MIN_UNITS_FLOOR", "COUNT_COLUMNS",
           "UNIT_COLUMNS", "KEY_COLUMNS", "DisclosureResult", "protect_table", "public"]

#: Default minimum number of firms behind any published number.
DEFAULT_MIN_UNITS = 5
#: Hard floor for ``min_units``: below 3 a firm can subtract its own value to learn another's.
MIN_UNITS_FLOOR = 3
#: Count columns recognised on estimate tables, in the order they are reported.
COUNT_COLUMNS = ("n_treated", "n_units", "n_firms")
#: Columns that identify single firms: a table carrying one is firm-level data.
UNIT_COLUMNS = ("firm_id", "firm", "unit_id", "business_id", "biz_no")

Statistic = Literal["sum", "mean"]
ExistsPolicy = Literal["error", "suffix", "replace"]
TableFormat = Literal["csv", "html", "xlsx"]
_ESTIMATE_VALUE_COLUMNS = ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")
_SUPPRESSED_COLUMNS = ["cell", "rule", "detail"]


@dataclasses.dataclass(frozen=True)
class DisclosureResult(ResultMixin):
    """A table made safe for publication and the list of what was suppressed and why.

    Attributes
    ----------
    table : pandas.DataFrame
        The publishable table; suppressed numbers are missing and flagged in ``suppressed``.
    suppressed : pandas.DataFrame
        One row per suppressed entry: ``cell`` (its keys), ``rule`` (``threshold``,
        ``dominance``, ``p_percent``, ``secondary``) and ``detail`` (why, without revealing
        the confidential value).
    spec : dict
        The rules applied (``min_units``, ``dominance``, ``p_percent``, ...); for an exemption
        made by :func:`public`, ``{"public": reason}``.
    seal : str
        Set by the function that made the check (see :mod:`hubeval.report.seal`); the gate
        refuses a result whose seal does not match its content, e.g. one built by hand or
        whose table was changed after the check.
    """

    table: pd.DataFrame
    suppressed: pd.DataFrame
    spec: dict
    seal: str = result_field(default="", repr=False, compare=False, serialize="omit")
    title = "Disclosure control"

    @property
    def sealed(self) -> bool:
        """True when the result was made by a hubeval check and has not changed since."""
        return bool(self.seal) and hmac.compare_digest(
            self.seal, signature(self.table, self.suppressed, self.spec))

    @property
    def exemption(self) -> str | None:
        """The reason given to :func:`public`, or None for a real check."""
        return self.spec.get("public")

    @property
    def estimates(self) -> pd.DataFrame:
        """The publishable table (alias used by the shared result machinery)."""
        return self.table

    @property
    def passed(self) -> bool:
        """True when nothing had to be suppressed."""
        return self.suppressed.empty

    def summary(self) -> str:
        """Plain-text summary: rules, the suppression list and the safe table."""
        lines = self._summary_lines()
        if self.passed:
            lines.append("nothing suppressed")
        else:
            lines.append(f"suppressed {len(self.suppressed)} entries:")
            lines += [f"  {r.cell}: {r.rule} ({r.detail})" for r in self.suppressed.itertuples()]
        return "\n".join(lines + ["", self.table.to_string(index=False)])


def _issue(table: pd.DataFrame, suppressed: pd.DataFrame, spec: dict) -> DisclosureResult:
    """A sealed :class:`DisclosureResult` (for the checking functions of this folder only)."""
    return DisclosureResult(table=table, suppressed=suppressed, spec=spec,
                            seal=signature(table, suppressed, spec))


# --- validation --------------------------------------------------------------------------------

def check_min_units(min_units: Any) -> int:
    if isinstance(min_units, bool) or not isinstance(min_units, (int, np.integer)):
        raise DisclosureError(f"`min_units` must be a whole number of firms; got {min_units!r}.")
    if min_units < MIN_UNITS_FLOOR:
        raise DisclosureError(
            f"`min_units` is {min_units}, below the hard floor of {MIN_UNITS_FLOOR} firms: with "
            f"fewer, one firm can subtract its own value from a cell total to learn another "
            f"firm's. Use min_units >= {MIN_UNITS_FLOOR} (the default is {DEFAULT_MIN_UNITS}).")
    return int(min_units)


def _check_share(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not 0 < float(value) < 1:
        raise DisclosureError(
            f"`{name}` must be a share strictly between 0 and 1 (e.g. 0.85 for 85%); "
            f"got {value!r}.")
    return float(value)


def _check_columns(data: pd.DataFrame, columns: Sequence[str], arg: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SpecError(
            f"`{arg}` names column(s) not in the data: {format_examples(missing)}. "
            f"Available columns: {format_examples(list(data.columns), limit=12)}.")


# --- magnitude and frequency tables from firm-level data ------------------------------------

def protect_table(data: pd.DataFrame, *, by: str | Sequence[str], value: str | None = None,
                  unit: str = "firm_id", statistic: Statistic = "sum",
                  min_units: int = DEFAULT_MIN_UNITS, dominance: float = 0.85,
                  p_percent: float = 0.10, total_label: str = "Total") -> DisclosureResult:
    """Tabulate firm-level data by one or two keys with margins, suppressing disclosive cells.

    Parameters
    ----------
    data : pandas.DataFrame
        Firm-level rows (a firm may have several rows in a cell, e.g. years; they are summed
        into one contribution per firm and cell before the rules are applied).
    by : str or sequence of str
        One or two columns defining the cells.
    value : str, optional
        Magnitude column (e.g. ``"value_added"``). Without it the table is a frequency table of
        firms and only the threshold rule applies.
    unit : str, default "firm_id"
        Firm identifier column: rules count distinct firms, not rows.
    statistic : {"sum", "mean"}, default "sum"
        Published statistic of ``value`` per cell (a mean with its count reveals the sum, so
        the same rules apply).
    min_units : int, default 5
        Minimum number of firms per published cell; at least 3.
    dominance : float, default 0.85
        Share of the cell total above which the two largest firms make it disclosive.
    p_percent : float, default 0.10
        The p of the p% rule, as a share.
    total_label : str, default "Total"
        Label of the margin rows and columns.

    Returns
    -------
    DisclosureResult
        ``table`` with columns ``by``, ``n_units``, ``value`` (when given) and ``suppressed``;
        margins included; suppressed numbers missing. ``suppressed`` lists each suppressed cell
        with its rule.

    Raises
    ------
    DisclosureError
        ``min_units`` below 3, or ``dominance`` / ``p_percent`` not a share.
    SpecError
        Missing columns, more than two ``by`` columns, or an unknown ``statistic``.

    References
    ----------
    Hundepool et al. (2012), *Statistical Disclosure Control*, sections 4.2-4.3.

    Examples
    --------
    >>> import pandas as pd, hubeval as hb
    >>> df = pd.DataFrame({"firm_id": range(12), "industry": ["A"] * 6 + ["B"] * 6,
    ...                    "value_added": [5.0] * 12})
    >>> hb.protect_table(df, by="industry", value="value_added").passed
    True
    """
    min_units = check_min_units(min_units)
    dominance, p_percent = _check_share(dominance, "dominance"), _check_share(p_percent, "p_percent")
    by = [by] if isinstance(by, str) else list(by)
    if not 1 <= len(by) <= 2:
        raise SpecError(f"`by` must name one or two columns; got {len(by)}: {by}. Tabulate "
                        "higher dimensions as separate two-way tables.")
    if statistic not in get_args(Statistic):
        raise SpecError(f"`statistic` must be one of {get_args(Statistic)}; got {statistic!r}.")
    _check_columns(data, by + [unit] + ([value] if value else []), "by/unit/value")
    contrib = data.assign(_unit=data[unit], _value=data[value] if value else 1.0)
    contrib = contrib.groupby(by + ["_unit"], dropna=False)["_value"].sum().reset_index()
    grid = suppression.make_grid(contrib, by, total_label, has_value=value is not None)
    rules = {}
    for i, row in grid.iterrows():
        hit = suppression.primary_rule(row, min_units, dominance, p_percent, value is not None)
        if hit:
            rules[i] = hit
    suppression.secondary(grid, rules, by, total_label)
    return _protected_result(grid, rules, by=by, value=value, statistic=statistic,
                             spec={"min_units": min_units, "dominance": dominance,
                                   "p_percent": p_percent, "by": by, "value": value,
                                   "statistic": statistic, "unit": unit, "keys": by})


def _protected_result(grid: pd.DataFrame, rules: dict, *, by: list[str], value: str | None,
                      statistic: str, spec: dict) -> DisclosureResult:
    table = grid[by].copy()
    table["n_units"] = grid["n_units"].astype("Int64")
    if value is not None:
        table[value] = grid["total"] / (grid["n_units"] if statistic == "mean" else 1)
    hidden = list(rules)
    table["suppressed"] = table.index.isin(hidden)
    table.loc[hidden, "n_units"] = pd.NA
    if value is not None:
        table.loc[hidden, value] = np.nan
    suppressed = pd.DataFrame(
        [(suppression.grid_cell_label(grid.loc[i], by), *rules[i]) for i in sorted(hidden)],
        columns=_SUPPRESSED_COLUMNS)
    return _issue(table, suppressed, spec)


# --- public data --------------------------------------------------------------------------

def public(reason: str) -> DisclosureResult:
    """Declare an exemption: the output shows no confidential firm data (e.g. official city
    aggregates).

    The exemption covers only what cannot be verified (a table or figure without firm counts);
    a firm-level table, or one whose own counts fail the threshold, is still refused. The reason
    is written into the output's ``<name>.disclosure.json`` sidecar.

    Parameters
    ----------
    reason : str
        Why the output holds no confidential firm data, e.g. ``"city totals from KOSIS"``.

    Returns
    -------
    DisclosureResult
        An empty, sealed result with ``spec == {"public": reason}``, for ``save_table(...,
        check=...)`` or ``save_figure(..., shows=...)``.

    Raises
    ------
    DisclosureError
        An empty or too short ``reason``.

    Examples
    --------
    >>> import hubeval as hb
    >>> hb.public("city totals from KOSIS").exemption
    'city totals from KOSIS'
    """
    if not isinstance(reason, str) or len(reason.strip()) < 5:
        raise DisclosureError(
            f"`reason` must say why the output holds no confidential firm data (e.g. 'city "
            f"totals from KOSIS'); got {reason!r}.")
    empty = pd.DataFrame(columns=_SUPPRESSED_COLUMNS)
    return _issue(pd.DataFrame(), empty, {"public": reason.strip()})
