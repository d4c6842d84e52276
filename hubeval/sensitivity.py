"""Robustness: sensitivity to parallel-trends violations, placebo tests, subgroup heterogeneity.

:func:`relative_magnitudes` implements the relative-magnitudes sensitivity analysis of
Rambachan & Roth (2023): the post-entry violation of parallel trends between consecutive years is
at most ``Mbar`` times the largest pre-entry one, ``Delta^RM(Mbar)``. For each ``Mbar`` it returns
the robust confidence interval for ``theta = l' tau_post`` and the *breakdown value*, the largest
``Mbar`` at which the interval still excludes zero.

Why hand-written: the only Python port on PyPI (``honestdid`` 0.1.1) is a single-author beta that
pulls in torch and cvxpy; ``diff-diff`` bundles its own estimators. This module follows the
paper's construction as documented in the authors' R package: ``Delta^RM`` is the union over the
location ``s`` and sign of the largest pre-period difference of polyhedra ``{A delta <= 0}``; for
each, the conditional-least-favourable hybrid test of Andrews, Roth & Pakes (2023) (ARP, size
``alpha``, first stage ``kappa = alpha / 10``, post-period moments only) is inverted over
``theta``, and the interval is the union over the polyhedra ("C-LF", the R default for
``Delta^RM``). Linear programs are solved with scipy's HiGHS. Endpoints are located by bisection
(to 1e-4 of the estimate's standard error) rather than on R's 1,000-point grid, and the
least-favourable critical value is simulated with 5,000 draws (R: 1,000 with R's generator), so
results agree with R to about the grid spacing. Tested against the published Medicaid example of
the HonestDiD README.

:func:`placebo_entry` re-estimates with fake entry years before the true one (on pre-entry data
only); :func:`subgroup_effects` estimates effects by subgroup and flags subgroups with fewer than
5 firms (the disclosure floor).

References
----------
Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. Review of Economic
Studies 90(5), 2555-2591.
Andrews, I., Roth, J. & Pakes, A. (2023). Inference for linear conditional moment inequalities.
Review of Economic Studies 90(6).
"""
from __future__ import annotations

import dataclasses
import itertools
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from ._lazy import stats

from .errors import EstimationWarning, SpecError
from .results import ResultMixin, add_inference

__all__ = ["relative_magnitudes", "SensitivityResult", "placebo_entry", "placebo_outcomes",
           "subgroup_effects", "RobustnessResult"]

_TOL_LAMBDA = 1e-6


@dataclasses.dataclass(frozen=True)
class SensitivityResult(ResultMixin):
    """Robust confidence intervals under ``Delta^RM(Mbar)`` and the breakdown value.

    Attributes
    ----------
    estimates : DataFrame
        ``term, mbar, estimate, conf_low, conf_high, method`` (one row per Mbar; the first row,
        method "original", is the conventional interval under exact parallel trends).
    breakdown_mbar : float
        Largest Mbar at which the robust interval excludes zero (0 if the original does not;
        ``inf`` if it still excludes zero at ``max_mbar``).
    statement : str
    spec : dict
    """

    title = "Sensitivity to parallel-trends violations (Rambachan & Roth 2023, relative magnitudes)"
    estimates: pd.DataFrame
    breakdown_mbar: float
    statement: str
    spec: dict

    @property
    def note(self) -> str:
        return self.statement


def relative_magnitudes(estimate, vcov=None, *, n_pre: int | None = None, n_post: int | None = None,
                        l_vec: Sequence[float] | None = None, mbar: Sequence[float] = (0.5, 1.0, 1.5, 2.0),
                        alpha: float = 0.05, max_mbar: float = 10.0, seed: int = 0) -> SensitivityResult:
    """Rambachan-Roth relative-magnitudes robust intervals and breakdown value.

    Parameters
    ----------
    estimate : AggregateResult or array
        An event study from ``hb.aggregate(hb.att_gt(..., base_period="universal"),
        by="event_time")`` (the reference period e = -1 is dropped), or the vector of
        event-study coefficients ``(pre..., post...)`` without the reference period.
    vcov : array, optional
        Their covariance (required with an array).
    n_pre, n_post : int, optional
        Numbers of pre- and post-period coefficients (required with an array).
    l_vec : sequence of float, optional
        Weights on the post-period coefficients defining ``theta``; default the first post
        period (e = 0), as R. ``np.ones(n_post) / n_post`` gives the average effect.
    mbar : sequence of float
        Values of Mbar to report.
    alpha : float
    max_mbar : float
        Upper end of the breakdown search.
    seed : int
        Seed of the least-favourable critical value simulation.

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> import numpy as np, hubeval as hb
    >>> beta = np.array([0.0, 0.01, -0.01, 0.05, 0.06])
    >>> res = hb.relative_magnitudes(beta, np.eye(5) * 1e-4, n_pre=3, n_post=2)
    """
    beta, sigma, n_pre, n_post, times = _event_study_inputs(estimate, vcov, n_pre, n_post)
    l_vec = np.eye(n_post)[0] if l_vec is None else np.asarray(l_vec, float)
    if l_vec.shape != (n_post,):
        raise SpecError(f"`l_vec` must have one weight per post period ({n_post}); got {l_vec.shape}.")
    theta = float(l_vec @ beta[n_pre:])
    sd = float(np.sqrt(l_vec @ sigma[n_pre:, n_pre:] @ l_vec))
    z = stats.norm.ppf(1 - alpha / 2)
    rows = [dict(term="theta", mbar=np.nan, estimate=theta, conf_low=theta - z * sd, conf_high=theta + z * sd,
                 method="original")]
    for m in mbar:
        low, high = _robust_interval(beta, sigma, n_pre, n_post, l_vec, float(m), alpha, seed)
        rows.append(dict(term="theta", mbar=float(m), estimate=theta, conf_low=low, conf_high=high, method="C-LF"))
    table = pd.DataFrame(rows)
    breakdown = _breakdown(beta, sigma, n_pre, n_post, l_vec, alpha, max_mbar, seed, abs(theta) > z * sd)
    statement = _sensitivity_statement(breakdown, theta, max_mbar)
    spec = dict(n_pre=n_pre, n_post=n_post, l_vec=l_vec.tolist(), alpha=alpha, max_mbar=max_mbar,
                event_times=times, restriction="relative magnitudes", method="C-LF (ARP hybrid, kappa=alpha/10)")
    return SensitivityResult(table, breakdown, statement, spec)


def _event_study_inputs(estimate, vcov, n_pre, n_post):
    if hasattr(estimate, "vcov") and hasattr(estimate, "estimates"):
        table = estimate.estimates
        if "event_time" not in table:
            raise SpecError("`estimate` must be an event study: hb.aggregate(..., by='event_time').")
        if getattr(estimate, "spec", {}).get("base_period") == "varying":
            raise SpecError("Rambachan-Roth sensitivity needs an event study with a universal base period "
                            "(pre-period coefficients relative to e = -1). Re-run "
                            "`hb.att_gt(..., base_period='universal')` before `hb.aggregate(..., by='event_time')`.")
        keep = (table["event_time"] != -1).to_numpy()
        beta = table["estimate"].to_numpy(float)[keep]
        sigma = np.asarray(estimate.vcov, float)[np.ix_(keep, keep)]
        times = table["event_time"].to_numpy()[keep]
        return beta, sigma, int((times < 0).sum()), int((times >= 0).sum()), times.tolist()
    beta = np.asarray(estimate, float)
    if vcov is None or n_pre is None or n_post is None:
        raise SpecError("With an array `estimate`, also give `vcov`, `n_pre` and `n_post`.")
    sigma = np.asarray(vcov, float)
    if beta.shape != (n_pre + n_post,) or sigma.shape != (n_pre + n_post,) * 2:
        raise SpecError(f"`estimate` must have n_pre + n_post = {n_pre + n_post} entries and `vcov` be square "
                        f"of that size; got {beta.shape} and {sigma.shape}.")
    if n_pre < 1 or n_post < 1:
        raise SpecError(f"Need at least one pre and one post period; got n_pre={n_pre}, n_post={n_post}.")
    return beta, sigma, n_pre, n_post, None


# --- Delta^RM polyhedra --------------------------------------------------------------------------
def _rm_constraints(n_pre: int, n_post: int, mbar: float, s: int, positive: bool) -> np.ndarray:
    """A with ``A delta <= 0`` iff every first difference is bounded by that of period s (times Mbar
    after entry); columns are delta without the reference period."""
    n = n_pre + n_post
    diff = np.zeros((n, n + 1))
    for r in range(n):
        diff[r, r:r + 2] = (-1.0, 1.0)
    pick = np.zeros(n + 1)
    pick[n_pre + s - 1:n_pre + s + 1] = (-1.0, 1.0)
    pick = pick if positive else -pick
    bound = np.vstack([np.tile(pick, (n_pre, 1)), np.tile(mbar * pick, (n_post, 1))])
    A = np.vstack([diff - bound, -diff - bound])
    A = A[(A * A).sum(axis=1) > 1e-10]
    return np.delete(A, n_pre, axis=1)


def _gamma(l_vec: np.ndarray) -> np.ndarray:
    """An invertible matrix whose first row is l' (the remaining rows are unit vectors)."""
    rows = [l_vec]
    for j in range(len(l_vec)):
        candidate = np.vstack(rows + [np.eye(len(l_vec))[j]])
        if np.linalg.matrix_rank(candidate) == len(candidate):
            rows.append(np.eye(len(l_vec))[j])
    return np.vstack(rows)


class _Polyhedron:
    """The ARP conditional-least-favourable hybrid test of ``theta`` for one ``{A delta <= 0}``.

    The test statistic ``eta(y) = min_delta max_i (y - X delta)_i / sd_i`` is a linear program
    whose dual optimum sits at a vertex of ``{lambda >= 0 : [sd, X]' lambda = e1}``. The vertices
    are enumerated once (``C(M, k + 1)`` small solves, with M the post-period moments and k the
    nuisance dimension), after which ``eta``, the optimal dual vertex, the truncation bounds of
    ARP's conditional test (Andrews, Roth & Pakes 2023, Appendix D: the c with
    ``max_v v'(s + b c) = c`` form an interval) and the least-favourable critical value are all
    closed-form matrix products: no LP per tested theta.
    """

    def __init__(self, beta, sigma, n_pre, n_post, l_vec, A, alpha, seed):
        post_cols = slice(n_pre, n_pre + n_post)
        rows = np.flatnonzero(np.abs(A[:, post_cols]).sum(axis=1) > 0) if n_post > 1 else np.arange(len(A))
        A = A[rows]
        ag = A[:, post_cols] @ np.linalg.inv(_gamma(l_vec))
        self.a1, X = ag[:, 0], ag[:, 1:]
        self.Y = A @ beta
        self.S = A @ sigma @ A.T
        sd = np.sqrt(np.diag(self.S))
        self.V = _dual_vertices(np.column_stack([sd, X]))
        self.alpha, self.kappa = alpha, alpha / 10
        rng = np.random.default_rng(seed)
        xi = rng.multivariate_normal(np.zeros(len(self.S)), self.S, size=10_000, method="svd")
        self.lf_cv = float(np.quantile((xi @ self.V.T).max(axis=1), 1 - self.kappa)) if len(self.V) else np.inf

    def rejects(self, theta: float) -> bool:
        if not len(self.V):
            return False
        y = self.Y - self.a1 * theta
        values = self.V @ y
        j = int(np.argmax(values))
        eta, lam = float(values[j]), self.V[j]
        if eta > self.lf_cv:
            return True
        var_b = float(lam @ self.S @ lam)
        if var_b < 1e-20:
            return eta > 0
        sigma_b = np.sqrt(var_b)
        b = self.S @ lam / var_b
        a, slope = self.V @ (y - b * (lam @ y)), self.V @ b
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = a / (1 - slope)
        low = slope < 1 - 1e-10
        high = slope > 1 + 1e-10
        vlo = cross[low].max() if low.any() else -np.inf
        vup = cross[high].min() if high.any() else np.inf
        zlo, zup, stat = vlo / sigma_b, min(vup, self.lf_cv) / sigma_b, eta / sigma_b
        if not zlo - 1e-9 <= stat <= zup + 1e-9:
            return False
        size = (self.alpha - self.kappa) / (1 - self.kappa)
        return stat > max(0.0, _truncnorm_quantile(1 - size, zlo, max(zup, zlo + 1e-12)))


def _dual_vertices(W: np.ndarray) -> np.ndarray:
    """Vertices of {lambda >= 0 : W' lambda = e1} (rows), by basic solutions on (k+1)-subsets."""
    m, k1 = W.shape
    subsets = np.array(list(itertools.combinations(range(m), k1)))
    mats = np.transpose(W[subsets], (0, 2, 1))
    ok = np.abs(np.linalg.det(mats)) > 1e-12
    subsets, mats = subsets[ok], mats[ok]
    if not len(subsets):
        return np.zeros((0, m))
    sol = np.linalg.solve(mats, np.broadcast_to(np.eye(k1)[0], (len(mats), k1))[..., None])[..., 0]
    feasible = (sol >= -1e-10).all(axis=1)
    V = np.zeros((int(feasible.sum()), m))
    np.put_along_axis(V, subsets[feasible], np.clip(sol[feasible], 0, None), axis=1)
    return np.unique(np.round(V, 12), axis=0)


def _truncnorm_quantile(p: float, lo: float, hi: float) -> float:
    if not np.isfinite(lo) and not np.isfinite(hi):
        return float(stats.norm.ppf(p))
    return float(stats.truncnorm.ppf(p, lo, hi))


def _polyhedra(beta, sigma, n_pre, n_post, l_vec, mbar, alpha, seed):
    return [_Polyhedron(beta, sigma, n_pre, n_post, l_vec, _rm_constraints(n_pre, n_post, mbar, s, pos), alpha, seed)
            for s in range(-(n_pre - 1), 1) for pos in (True, False)]


def _robust_interval(beta, sigma, n_pre, n_post, l_vec, mbar, alpha, seed) -> tuple[float, float]:
    """Union over polyhedra of the accepted thetas, on a grid refined by bisection at the edges."""
    polys = _polyhedra(beta, sigma, n_pre, n_post, l_vec, mbar, alpha, seed)
    sd = float(np.sqrt(l_vec @ sigma[n_pre:, n_pre:] @ l_vec))
    theta_hat = float(l_vec @ beta[n_pre:])
    width = 20 * sd * (1 + mbar) + abs(theta_hat)
    grid = np.linspace(theta_hat - width, theta_hat + width, 41)
    order = list(range(len(polys)))

    def accept(t: float) -> bool:
        # Try first the polyhedron that accepted last: near an edge it is usually the same one.
        for i in list(order):
            if not polys[i].rejects(t):
                order.remove(i)
                order.insert(0, i)
                return True
        return False
    ok = np.array([accept(t) for t in grid])
    if not ok.any():
        return np.nan, np.nan
    first, last = np.flatnonzero(ok)[[0, -1]]
    low = grid[0] if first == 0 else _edge(accept, grid[first - 1], grid[first], sd)
    high = grid[-1] if last == len(grid) - 1 else _edge(accept, grid[last + 1], grid[last], sd)
    return float(low), float(high)


def _edge(accept, out, inside, sd) -> float:
    for _ in range(60):
        mid = (out + inside) / 2
        out, inside = (out, mid) if accept(mid) else (mid, inside)
        if abs(inside - out) < 1e-4 * sd:
            break
    return inside


def _breakdown(beta, sigma, n_pre, n_post, l_vec, alpha, max_mbar, seed, significant) -> float:
    if not significant:
        return 0.0

    def excludes_zero(m: float) -> bool:
        return all(p.rejects(0.0) for p in _polyhedra(beta, sigma, n_pre, n_post, l_vec, m, alpha, seed))

    if excludes_zero(max_mbar):
        return np.inf
    if not excludes_zero(0.0):
        return 0.0
    low, high = 0.0, max_mbar
    while high - low > 0.01:
        mid = (low + high) / 2
        low, high = (mid, high) if excludes_zero(mid) else (low, mid)
    return float(low)


def _sensitivity_statement(breakdown: float, theta: float, max_mbar: float) -> str:
    if breakdown == 0:
        return ("The effect is not significant even under exact parallel trends, so there is no "
                "conclusion to break down.")
    if np.isinf(breakdown):
        return (f"The effect stays significant for every Mbar up to {max_mbar:g}: post-entry violations "
                "of parallel trends would have to be more than that many times the largest pre-entry "
                "violation to overturn it.")
    strength = "robust" if breakdown >= 1 else "fragile"
    return (f"Breakdown Mbar = {breakdown:.2f}: the effect stays significant as long as post-entry "
            f"violations of parallel trends are at most {breakdown:.2f} times the largest pre-entry "
            f"violation between consecutive years. This conclusion is {strength}: it "
            f"{'survives' if breakdown >= 1 else 'does not survive'} post-entry violations as large "
            "as the worst pre-entry one.")


# --- placebo tests and heterogeneity -------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class RobustnessResult(ResultMixin):
    """Placebo or subgroup estimates of the Callaway-Sant'Anna simple ATT.

    ``estimates`` has the tidy columns plus ``n_treated``, ``n_control`` and ``flag`` (e.g.
    ``"fewer than 5 firms"``); ``statement`` reads the table in one sentence.
    """

    title = "Robustness check"
    estimates: pd.DataFrame
    statement: str
    spec: dict
    warnings: tuple = ()

    @property
    def note(self) -> str:
        return self.statement


def _simple_att(panel, outcome: str, control: str, alpha: float) -> dict:
    from .aggregate import aggregate
    from .staggered import att_gt
    gt = att_gt(panel, outcome=outcome, control=control)
    overall = aggregate(gt, by="simple").overall
    n_treated = int(sum(gt.n_treated.values())) if isinstance(gt.n_treated, dict) else int(gt.n_treated)
    return dict(estimate=overall["estimate"], std_error=overall["std_error"], n_treated=n_treated,
                n_control=int(gt.n_units - n_treated))


def placebo_entry(panel, *, outcome: str, shift: int = 2, control: str = "never_treated",
                  alpha: float = 0.05) -> RobustnessResult:
    """Placebo test with fake entry ``shift`` years before the true one, on pre-entry data only.

    Each participant's years from its true entry on are dropped and its cohort moved ``shift``
    years earlier; participants left without a year before the fake entry are dropped (counted).
    Under parallel trends (and no anticipation) the simple ATT of the fake program is zero; a
    significant estimate signals diverging pre-trends or an Ashenfelter dip.
    """
    if not (isinstance(shift, (int, np.integer)) and shift >= 1):
        raise SpecError(f"`shift` must be a positive integer number of years; got {shift!r}.")
    data = panel.data
    cohort = data[panel.cohort]
    keep = ~np.isfinite(cohort) | (data[panel.time] < cohort)
    fake = data.loc[keep].assign(**{panel.cohort: cohort[keep] - shift})
    first = fake.groupby(panel.unit)[panel.time].transform("min")
    usable = ~np.isfinite(fake[panel.cohort]) | (fake[panel.cohort] > first)
    dropped = int(fake.loc[~usable, panel.unit].nunique())
    if not usable[np.isfinite(fake[panel.cohort])].any():
        raise SpecError(f"`shift={shift}` leaves no participant with a year before its fake entry; use a "
                        "smaller shift or add earlier years.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        placebo_panel = panel.with_data(fake.loc[usable])
        row = _simple_att(placebo_panel, outcome, control, alpha)
    table = add_inference(pd.DataFrame([dict(term=f"placebo entry {shift} years early", **row)]), alpha=alpha)
    table["flag"] = np.where(table["n_treated"] < 5, "fewer than 5 firms", "")
    p = float(table["p_value"].iloc[0])
    statement = (f"Fake entry {shift} years early: {row['estimate']:+.4f} (p = {p:.3f}). "
                 + ("No sign of diverging pre-trends." if p >= alpha else
                    "Significant: participants were already diverging before entry (pre-trend or "
                    "Ashenfelter dip); the DiD estimates need a conditional or robust design."))
    notes = (f"{dropped} participant(s) had no year before the fake entry and were dropped.",) if dropped else ()
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    return RobustnessResult(table, statement, dict(outcome=outcome, shift=shift, control=control,
                                                   alpha=alpha), notes)


def placebo_outcomes(panel, *, outcomes: Sequence[str], control: str = "never_treated",
                     alpha: float = 0.05) -> RobustnessResult:
    """The simple ATT on outcomes the program cannot have moved, with Holm-adjusted p-values."""
    from .inference import holm
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for outcome in outcomes:
            rows.append(dict(term=f"placebo outcome {outcome}", **_simple_att(panel, outcome, control, alpha)))
    table = add_inference(pd.DataFrame(rows), alpha=alpha)
    table["p_holm"] = holm(table["p_value"])
    table["flag"] = np.where(table["p_holm"] < alpha, "placebo effect", "")
    bad = table.loc[table["p_holm"] < alpha, "term"].tolist()
    statement = ("No placebo outcome moves (Holm-adjusted)." if not bad else
                 f"Placebo outcome(s) move: {', '.join(bad)}: the comparison group differs in ways the "
                 "design does not remove.")
    return RobustnessResult(table, statement, dict(outcomes=list(outcomes), control=control, alpha=alpha))


def subgroup_effects(panel, *, outcome: str, by: str, control: str = "never_treated",
                     min_firms: int = 5, alpha: float = 0.05) -> RobustnessResult:
    """Simple ATT by subgroup (firm size, industry, POSCO link, ...), flagging small subgroups.

    Participants *and* comparison firms are restricted to each level of the firm-level column
    ``by`` (its value in the firm's first year), so each subgroup has its own counterfactual.
    Subgroups with fewer than ``min_firms`` participants are flagged ("fewer than 5 firms": not
    publishable under the disclosure rules) and those without comparison firms are skipped.
    With ``by`` the panel's cohort column, the effects by cohort of ``hb.aggregate(...,
    by="cohort")`` are returned instead (all cohorts share the comparison group).
    """
    if by not in panel.data.columns:
        raise SpecError(f"`by`: column `{by}` not found in the panel.")
    if by == panel.cohort:
        return _cohort_effects(panel, outcome, control, min_firms, alpha)
    data = panel.data
    level = data.groupby(panel.unit)[by].first()
    rows, notes = [], []
    for value in pd.unique(level.dropna()):
        units = level.index[level == value]
        sub = data[data[panel.unit].isin(units)]
        treated = sub.loc[np.isfinite(sub[panel.cohort]), panel.unit].nunique()
        control_n = sub.loc[~np.isfinite(sub[panel.cohort]), panel.unit].nunique()
        if treated == 0 or control_n == 0:
            notes.append(f"Subgroup {by}={value} skipped: {treated} participants, {control_n} comparison firms.")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                row = _simple_att(panel.with_data(sub), outcome, control, alpha)
        except Exception as exc:  # an estimator error in one subgroup must not hide the others
            notes.append(f"Subgroup {by}={value} could not be estimated: {exc}")
            continue
        rows.append(dict(term=f"{by}={value}", subgroup=value, **row))
    if not rows:
        raise SpecError(f"No subgroup of `{by}` has both participants and comparison firms.")
    table = add_inference(pd.DataFrame(rows), alpha=alpha)
    table["flag"] = np.where(table["n_treated"] < min_firms, f"fewer than {min_firms} firms", "")
    small = int((table["flag"] != "").sum())
    statement = (f"Effects by `{by}` in {len(table)} subgroups"
                 + (f"; {small} rest on fewer than {min_firms} participating firms and must not be "
                    "published" if small else "") + ".")
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    return RobustnessResult(table, statement, dict(outcome=outcome, by=by, control=control,
                                                   min_firms=min_firms, alpha=alpha), tuple(notes))


def _cohort_effects(panel, outcome, control, min_firms, alpha) -> RobustnessResult:
    from .aggregate import aggregate
    from .staggered import att_gt
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = aggregate(att_gt(panel, outcome=outcome, control=control, alpha=alpha), by="cohort")
    table = agg.estimates.copy()
    table["subgroup"] = table["cohort"]
    table["flag"] = np.where(table["n_treated"] < min_firms, f"fewer than {min_firms} firms", "")
    small = int((table["flag"] != "").sum())
    statement = (f"Effects by cohort ({len(table)} cohorts)"
                 + (f"; {small} rest on fewer than {min_firms} firms and must not be published" if small else "")
                 + ".")
    return RobustnessResult(table, statement, dict(outcome=outcome, by="cohort", control=control,
                                                   min_firms=min_firms, alpha=alpha))
