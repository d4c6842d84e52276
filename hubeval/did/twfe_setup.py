"""The two-way fixed effects regression before fitting: :class:`TwfeDesign` and :func:`twfe_design`.

Builds the estimation sample, the treatment or event-time regressors and the formula that
:func:`hubeval.did.fixed_effects.twfe` fits, and that the wild cluster bootstrap re-uses
(:meth:`TwfeDesign.arrays`). Every check raises :class:`~hubeval.core.errors.SpecError` saying
what is wrong and how to fix it.
"""
from __future__ import annotations

import dataclasses
import keyword
import re
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.data.panel import Panel
from hubeval.did._common import (
    check_anticipation,
    check_covariates,
    check_outcome,
    event_term,
)

__all__ = ["twfe_design", "TwfeDesign", "check_formula_names", "FIXEF_TOL"]

#: Convergence tolerance of pyfixest's fixed-effect demeaning (its default is 1e-8). The
#: alternating projections stop at a point that depends on the order pyfixest visits the fixed
#: effects, which varies with Python's string hash seed, so at 1e-8 standard errors differed
#: between runs in the 8th digit; at 1e-12 they agree to about 1e-14, for a few ms per fit.
FIXEF_TOL = 1e-12


# --- two-way fixed effects ---------------------------------------------------------------------

def check_formula_names(panel: Panel, outcome: str, covariates: Sequence[str] | None = (), *,
                        function: str) -> None:
    """Raise :class:`SpecError` unless every column the regression formula names can be named.

    The fixed-effects regressions (:func:`hubeval.twfe`, :func:`hubeval.imputation`) pass a
    formula to pyfixest, which cannot parse a column name such as ``log-va`` or ``2015_sales``
    and fails with a terminal-coloured parser error; this check says which column and how to
    rename it, before anything is estimated.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates or [])
    roles = [("outcome", outcome), *(("covariates", c) for c in covariates),
             ("unit", panel.unit), ("time", panel.time)]
    # a missing column is check_outcome's / check_covariates' to report
    bad = [(role, name) for role, name in roles if name in panel.data.columns
           and not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name))]
    if bad:
        role, name = bad[0]
        others = f" (and {format_examples([n for _, n in bad[1:]])})" if len(bad) > 1 else ""
        fix = re.sub(r"\W", "_", str(name))
        fix = fix if fix[:1].isalpha() else f"x_{fix}"
        raise SpecError(f"`{role}`: column {name!r}{others} cannot be named in the regression "
                        f"formula of {function}(): a name must be letters, digits and '_' and not "
                        f"start with a digit. Rename the column when loading, e.g. "
                        f"columns={{{name!r}: {fix!r}}}.")

@dataclasses.dataclass(frozen=True)
class TwfeDesign:
    """Everything needed to refit or bootstrap a TWFE regression without rebuilding it.

    Attributes
    ----------
    data : DataFrame
        The estimation sample (rows with every variable present), with the outcome, the regressor
        columns, the fixed-effect columns and the cluster column.
    formula : str
        The :func:`pyfixest.feols` formula, ``"y ~ post + x | firm_id + year"``.
    outcome : str
    coefficients : tuple of str
        Regressor columns of interest (treatment or event-time dummies), in table order.
    terms : tuple of str
        Their labels in the ``term`` column of the estimates.
    covariates : tuple of str
    fixed_effects : tuple of str
        ``(unit, time)``.
    cluster : str
        Column with cluster ids (the unit unless ``cluster=`` named another column).
    event_times : tuple of int or None
        Event time of each coefficient in an event study.
    warnings : tuple of str
        Choices made while building it (rows dropped, dose treatment, extra reference period).
    weights : str or None
        Column of regression (WLS) weights in ``data``, as read by the wild cluster bootstrap.
    anticipation : int
        Years before entry treated as possibly affected (the event-study reference period is
        ``-1 - anticipation``).

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(100, seed=1)
    >>> panel = hb.Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
    >>> design = hb.twfe_design(panel, outcome="y")
    >>> arrays = design.arrays()  # y, X (fixed effects partialled out), names, cluster, weights
    >>> arrays["names"], design.coefficients
    (['post'], ('post',))
    """

    data: pd.DataFrame
    formula: str
    outcome: str
    coefficients: tuple
    terms: tuple
    covariates: tuple
    fixed_effects: tuple
    cluster: str
    event_times: tuple | None = None
    warnings: tuple = ()
    weights: str | None = None
    anticipation: int = 0

    @property
    def reference(self) -> int:
        """The event-study reference period, ``-1 - anticipation``."""
        return -1 - self.anticipation

    def arrays(self) -> dict:
        """Outcome and regressors with both fixed effects partialled out (Frisch-Waugh-Lovell).

        Returns
        -------
        dict
            ``y`` (n,), ``X`` (n, k) demeaned by unit and time, ``names`` (the k columns:
            coefficients then covariates), ``cluster`` (n,) integer cluster codes and ``weights``
            (n,) (ones without ``weights``). Weighted least squares of ``y`` on ``X`` with these
            weights reproduces the TWFE coefficients (the demeaning is weighted too), so a wild
            cluster bootstrap can work on these arrays directly.
        """
        from pyfixest.estimation import demean
        names = list(self.coefficients) + list(self.covariates)
        flist = np.column_stack([pd.factorize(self.data[c])[0] for c in self.fixed_effects])
        values = self.data[[self.outcome] + names].to_numpy(float)
        weights = (self.data[self.weights].to_numpy(float) if self.weights
                   else np.ones(len(values)))
        demeaned, ok = demean(values, flist.astype(np.uint64), weights, tol=FIXEF_TOL)
        if not ok:
            warnings.warn("Fixed-effect demeaning did not converge; arrays are approximate.",
                          EstimationWarning, stacklevel=2)
        return dict(y=demeaned[:, 0], X=demeaned[:, 1:], names=names,
                    cluster=pd.factorize(self.data[self.cluster])[0], weights=weights)

    def summary_dict(self) -> dict:
        """The design without the data (for ``to_dict``)."""
        return dict(formula=self.formula, outcome=self.outcome, coefficients=list(self.coefficients),
                    terms=list(self.terms), covariates=list(self.covariates),
                    fixed_effects=list(self.fixed_effects), cluster=self.cluster,
                    weights=self.weights, anticipation=self.anticipation, n_obs=len(self.data))


def twfe_design(panel: Panel, *, outcome: str, treatment: str | Sequence[str] | None = None,
                covariates: Sequence[str] | None = None, cluster: str | None = None,
                event_study: bool = False, anticipation: int = 0,
                weights: str | None = None) -> TwfeDesign:
    """Build (without fitting) the TWFE regression of :func:`twfe`, e.g. for a wild bootstrap.

    Parameters are those of :func:`twfe`. Choices made for the user are in
    ``design.warnings`` (not emitted as warnings here; :func:`twfe` emits them).

    Returns
    -------
    TwfeDesign
        Formula, estimation sample, coefficient names, cluster column and
        :meth:`TwfeDesign.arrays` (outcome and regressors with the fixed effects partialled out).
    """
    check_outcome(panel, outcome, function="twfe")
    covariates = check_covariates(panel, covariates)
    check_formula_names(panel, outcome, covariates, function="twfe")
    if event_study and treatment is not None:
        raise SpecError("`event_study=True` builds event-time dummies from the cohort; it cannot be "
                        f"combined with `treatment={treatment!r}`. Drop `treatment` or set event_study=False.")
    data = panel.data
    anticipation = _check_twfe_anticipation(panel, data, outcome, anticipation, treatment)
    cluster = _check_cluster(data, cluster, panel.unit)
    _check_weights_column(data, weights)
    notes: list[str] = []
    if event_study:
        data, coefs, terms, events = _event_dummies(panel, data, outcome, anticipation, notes)
    else:
        data, coefs, terms = _treatment_columns(panel, data, treatment, anticipation, notes)
        events = None
    needed = list(dict.fromkeys([panel.unit, panel.time, cluster, outcome, *coefs, *covariates]))
    complete = data[needed].notna().all(axis=1)
    if not complete.all():
        notes.append(f"{int((~complete).sum())} of {len(data)} rows dropped for missing values in "
                     f"{format_examples([c for c in needed if data[c].isna().any()])}.")
    data = data.loc[complete, list(dict.fromkeys(needed + ([weights] if weights else [])))]
    if weights:
        data = _usable_weights(data, weights, panel.unit, notes)
    data = data.reset_index(drop=True)
    _check_has_treated(data, coefs, terms, outcome)
    rhs = " + ".join(coefs + covariates)
    formula = f"{outcome} ~ {rhs} | {panel.unit} + {panel.time}"
    return TwfeDesign(data, formula, outcome, tuple(coefs), tuple(terms), tuple(covariates),
                      (panel.unit, panel.time), cluster, events, tuple(notes), weights, anticipation)


def _check_cluster(data: pd.DataFrame, cluster: str | None, unit: str) -> str:
    if cluster is None:
        return unit
    if cluster not in data.columns:
        raise SpecError(f"`cluster`: column '{cluster}' is not in the panel. Available columns: "
                        f"{format_examples(list(data.columns), limit=12)}.")
    return cluster


def _free_name(data: pd.DataFrame, name: str) -> str:
    return name if name not in data.columns else f"hb_{name}"


def _check_twfe_anticipation(panel, data, outcome, anticipation, treatment) -> int:
    if treatment is not None and anticipation != 0:
        raise SpecError(f"`anticipation={anticipation!r}` shifts the post-participation indicator built "
                        f"from the cohort; it cannot be combined with `treatment={treatment!r}`. Code "
                        "the anticipation years into the treatment column, or drop `treatment`.")
    seen = data[outcome].notna().to_numpy()
    rows = pd.DataFrame({"cohort": data[panel.cohort].to_numpy(float)[seen],
                         "event_time": panel.event_time().to_numpy()[seen]})
    return check_anticipation(anticipation, rows, cohort="cohort", event_time="event_time",
                              outcome=outcome)


def _check_weights_column(data: pd.DataFrame, weights) -> None:
    if weights is None:
        return
    if not isinstance(weights, str) or weights not in data.columns:
        raise SpecError(f"`weights`: column {weights!r} is not in the panel. Available columns: "
                        f"{format_examples(list(data.columns), limit=12)}. hb.match(...).to_panel(panel) "
                        "adds a `weight` column.")
    if not pd.api.types.is_numeric_dtype(data[weights]) or pd.api.types.is_bool_dtype(data[weights]):
        raise SpecError(f"`weights`: column '{weights}' must be numeric (dtype found: "
                        f"{data[weights].dtype}).")


def _usable_weights(data: pd.DataFrame, weights: str, unit: str, notes: list[str]) -> pd.DataFrame:
    """Refuse missing, negative or one-firm weights; drop zero-weight rows with a note."""
    values = data[weights].to_numpy(float)
    for bad, what, fix in ((~np.isfinite(values), "missing or infinite", "give every firm-year used "
                            "a weight (0 leaves it out)"),
                           (values < 0, "negative", "weights must be >= 0")):
        if bad.any():
            raise SpecError(f"`weights`: column '{weights}' is {what} in {int(bad.sum())} row(s) used by "
                            f"the regression (firms {format_examples(pd.unique(data.loc[bad, unit]))}); "
                            f"{fix}.")
    zero = values == 0
    if zero.any():
        notes.append(f"{int(zero.sum())} row(s) with zero `weights` ('{weights}') dropped.")
        data = data.loc[~zero]
    firms = pd.unique(data[unit])
    if len(firms) < 2:
        raise SpecError(f"`weights`: all the weight in column '{weights}' is on one firm "
                        f"({format_examples(firms)}), so nothing is compared with it. Check the weights "
                        "(e.g. the matching result) or drop `weights`.")
    return data


def _treatment_columns(panel, data, treatment, anticipation, notes):
    if treatment is None:
        name = _free_name(data, "post")
        start = data[panel.cohort] - anticipation
        data = data.assign(**{name: (data[panel.time] >= start).astype(float)})
        return data, [name], ["post"]
    columns = [treatment] if isinstance(treatment, str) else list(treatment)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SpecError(f"`treatment`: column(s) {format_examples(missing)} not in the panel. Available "
                        f"columns: {format_examples(list(data.columns), limit=12)}. Leave `treatment` "
                        "unset to use the post-participation indicator built from the cohort.")
    for col in columns:
        values = data[col]
        if pd.api.types.is_bool_dtype(values):
            data = data.assign(**{col: values.astype(float)})
        elif not pd.api.types.is_numeric_dtype(values):
            seen = format_examples(pd.unique(values.dropna())[:5])
            raise SpecError(f"`treatment`: column '{col}' must be 0/1 (or a numeric dose); found "
                            f"non-numeric values such as {seen}. Recode it as 0/1.")
        elif not values.dropna().isin([0, 1]).all():
            notes.append(f"`treatment` column '{col}' is not 0/1 (values such as "
                         f"{format_examples(np.unique(values.dropna())[:5])}); it enters as a dose.")
    return data, columns, columns


def _event_dummies(panel, data, outcome, anticipation, notes):
    rel = panel.event_time()
    observed = rel[data[outcome].notna().to_numpy()].dropna()
    events = sorted(int(e) for e in observed.unique())
    reference = [-1 - anticipation]
    if reference[0] not in events and anticipation:
        raise SpecError(f"`anticipation={anticipation}` makes event time {reference[0]} the reference "
                        f"period, but no participant has '{outcome}' observed then. Observed event "
                        f"times: {format_examples(events, 20)}.")
    if panel.n_never_treated == 0 and len(events) > 1:
        # Without never-participants, unit + year effects absorb one more event-time contrast.
        earliest = min(e for e in events if e != reference[0])
        reference.append(earliest)
        notes.append(f"No never-participants: event time {earliest} is a second reference period "
                     f"(with {reference[0]}), as the fully dynamic TWFE is otherwise not identified.")
    estimated = [e for e in events if e not in reference]
    if not estimated:
        raise SpecError(f"`event_study=True`: no event time other than the reference {reference[0]} "
                        "is observed.")
    names = [_free_name(data, f"event_time_{'m' if e < 0 else 'p'}{abs(e)}") for e in estimated]
    dummies = {n: (rel == e).astype(float).to_numpy() for n, e in zip(names, estimated)}
    data = data.assign(**dummies, _event_time=rel.to_numpy())
    return data, names, [event_term(e, "TWFE") for e in estimated], tuple(estimated)


def _check_has_treated(data, coefs, terms, outcome) -> None:
    for col, term in zip(coefs, terms):
        if data[col].nunique() < 2:
            value = data[col].iloc[0] if len(data) else "no rows"
            what = ("there are no treated observations" if value == 0 else "it does not vary")
            raise SpecError(f"`{term}`: the regressor '{col}' is {value} in every row with '{outcome}' "
                            f"observed, so {what}. Check the treatment/cohort coding and that "
                            "participants have outcome data after entry.")
