"""Sensitivity to violations of parallel trends (Rambachan & Roth 2023).

:func:`smoothness_bounds` bounds the change in slope of the difference in trends between
consecutive periods by ``M`` (``Delta^SD(M)``) and reports Armstrong & Kolesar's fixed-length
confidence intervals (FLCI), as HonestDiD's ``createSensitivityResults`` does by default; the
numerical core and its documentation live in :mod:`hubeval.inference._honest_sd`.

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

References
----------
Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. Review of Economic
Studies 90(5), 2555-2591.
Andrews, I., Roth, J. & Pakes, A. (2023). Inference for linear conditional moment inequalities.
Review of Economic Studies 90(6).
Armstrong, T. B. & Kolesar, M. (2018). Optimal inference in a class of regression models.
Econometrica 86(2), 655-683.
"""
from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError
from hubeval.core.lazy import stats
from hubeval.core.results import ResultMixin
from hubeval.inference import _honest_sd

__all__ = ["SensitivityResult", "relative_magnitudes", "smoothness_bounds"]


_TOL_LAMBDA = 1e-6


@dataclasses.dataclass(frozen=True)
class SensitivityResult(ResultMixin):
    """Robust confidence intervals under ``Delta^RM(Mbar)`` or ``Delta^SD(M)`` and the breakdown value.

    Attributes
    ----------
    estimates : DataFrame
        ``term, mbar, estimate, conf_low, conf_high, method`` (one row per bound; the first row,
        method "original", is the conventional interval under exact parallel trends). ``mbar``
        holds the bound of ``spec["restriction"]``: Mbar for relative magnitudes, M for
        smoothness ("SD"), where ``estimate`` is the FLCI's centre and ``std_error`` its sd.
    breakdown_mbar : float
        Largest bound at which the robust interval excludes zero (0 if the original does not;
        ``inf`` if it still excludes zero at ``max_mbar``).
    statement : str
    spec : dict
    """

    estimates: pd.DataFrame
    breakdown_mbar: float
    statement: str
    spec: dict

    @property
    def note(self) -> str:
        return self.statement

    def _glance_rows(self) -> list[dict]:
        return [{"statistic": "breakdown_mbar", "value": float(self.breakdown_mbar),
                 "unit": "ratio", "label": "Rambachan-Roth breakdown value"}]

    @property
    def title(self) -> str:
        kind = "smoothness, FLCI" if self.spec.get("restriction") == "SD" else "relative magnitudes"
        return f"Sensitivity to parallel-trends violations (Rambachan & Roth 2023, {kind})"


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


def smoothness_bounds(estimate, vcov=None, *, n_pre: int | None = None, n_post: int | None = None,
                      m_values: Sequence[float] = (0.0, 0.01, 0.02, 0.03), alpha: float = 0.05,
                      l_vec: Sequence[float] | None = None) -> SensitivityResult:
    """Rambachan-Roth smoothness (``Delta^SD(M)``) fixed-length confidence intervals.

    ``Delta^SD(M)`` allows the slope of the difference in trends to change by at most ``M``
    (outcome units per period, per period) between consecutive periods; ``M = 0`` is a linear
    pre-trend extrapolated past entry. For each ``M`` the interval is the optimal FLCI of
    Armstrong & Kolesar (2018), as HonestDiD's ``findOptimalFLCI``.

    Parameters
    ----------
    estimate, vcov, n_pre, n_post, l_vec, alpha
        As :func:`relative_magnitudes`.
    m_values : sequence of float
        Values of M (>= 0) to report.

    Returns
    -------
    SensitivityResult
        ``spec["restriction"] == "SD"``; ``breakdown_mbar`` is the largest M whose FLCI
        excludes zero (to 1e-4 relative); ``spec["weights"]``, ``spec["max_bias"]``: per M.

    Raises
    ------
    SpecError
        Inconsistent inputs, a negative or non-finite M, ``alpha`` outside (0, 1).

    References
    ----------
    Rambachan & Roth (2023), Sections 2.4 and 4; Armstrong & Kolesar (2018).

    Examples
    --------
    >>> import numpy as np, hubeval as hb
    >>> beta = np.array([0.0, 0.01, -0.01, 0.05, 0.06])
    >>> res = hb.smoothness_bounds(beta, np.eye(5) * 1e-4, n_pre=3, n_post=2, m_values=[0, 0.01])
    """
    beta, sigma, n_pre, n_post, times = _event_study_inputs(estimate, vcov, n_pre, n_post)
    l_vec, m_values = _honest_sd.check_arguments(l_vec, n_post, m_values, alpha)
    theta = float(l_vec @ beta[n_pre:])
    sd = float(np.sqrt(l_vec @ sigma[n_pre:, n_pre:] @ l_vec))
    z = stats.norm.ppf(1 - alpha / 2)
    original = {"term": "theta", "mbar": np.nan, "estimate": theta, "std_error": sd,
                "conf_low": theta - z * sd, "conf_high": theta + z * sd, "method": "original"}
    fits = _honest_sd.flci(beta, sigma, n_pre, n_post, l_vec, m_values, alpha)
    breakdown = _honest_sd.breakdown_m(beta, sigma, n_pre, n_post, l_vec, alpha, max(m_values))
    spec = {"n_pre": n_pre, "n_post": n_post, "l_vec": l_vec.tolist(), "alpha": alpha, "event_times": times,
            "restriction": "SD", "method": "FLCI", "weights": [f.pop("weights").tolist() for f in fits],
            "max_bias": [f.pop("bias") for f in fits]}
    return SensitivityResult(pd.DataFrame([original, *fits]), breakdown, _honest_sd.statement(breakdown), spec)


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
