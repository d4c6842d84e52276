"""Fixed-length confidence intervals under the smoothness restriction ``Delta^SD(M)``.

Private numerical core of :func:`hubeval.inference.honest.smoothness_bounds`.

``Delta^SD(M) = {delta : |(delta_{t+1} - delta_t) - (delta_t - delta_{t-1})| <= M}`` with
``delta_0 = 0`` at the reference period (Rambachan & Roth 2023, Section 2.4). The FLCI of
Armstrong & Kolesar (2018, 2020) is the affine estimator ``v' beta_hat`` with ``v_post = l``
(``tau_post`` is unrestricted, so any other post weight adds bias without bound) and pre-period
weights ``x`` chosen to minimise the worst-case half-length ``sd(x) * cv_alpha(bias(x) / sd(x))``,
``cv_alpha(t)`` the ``1 - alpha`` quantile of ``|N(t, 1)|``. ``Delta^SD`` is symmetric, so the
optimal intercept is zero.

Worst-case bias in closed form. Write ``delta`` through its slope ``c`` into period 0 and its
second differences ``e_r`` (``|e_r| <= M``): ``delta_s = s c + sum_{r<s} (s - r) e_r`` after
entry, ``delta_{-k} = -k c + sum_{r<k} (k - r) e_{-r}`` before. The bias ``v' delta`` is finite
only if it vanishes on linear trends, ``sum_t t v_t = 0`` (one linear constraint on ``x``), and is
then ``M (K + ||C x||_1)`` with ``K = sum_{r>=0} |sum_{s>r} (s - r) l_s|`` (post periods) and
``(C x)_r = sum_{k>r} (k - r) x_{-k}`` for ``r = 1..n_pre-1``. This is HonestDiD's objective
(``.createObjectiveObjectForBias``) whenever ``sum_s s l_s >= 0``, e.g. every non-negative ``l``;
for other ``l`` R's constant adds ``2 |sum_s s l_s|``, which this module does not (tests check the
bias against a linear program over ``Delta^SD``).

Optimisation. ``(b, s) -> s cv_alpha(b / s)`` is the perspective of a convex increasing function,
so the half-length is convex in ``(x, u)`` with ``u >= |C x|`` and ``b = M (K + sum u)``: one
smooth convex program with linear constraints, solved by scipy's SLSQP with analytic gradients
(``cv_alpha'`` by the implicit function theorem) from two feasible starts (the minimum-variance and
the minimum-bias estimator), keeping the best of the four points (every feasible ``x`` gives a
valid interval, so a solver failure could cost length, never coverage). HonestDiD instead
bisects over the standard deviation ``h`` and solves "min bias s.t. sd <= h" with CVXR/ECOS at
each ``h``; both find the same optimum. It simulates ``cv_alpha`` (10^6 draws); here it is solved
exactly with Brent's method.

Why hand-written: ``honestdid`` 0.1.1 on PyPI is a single-author beta pulling in torch and cvxpy;
``moderndid`` (0.4) ports HonestDiD including the FLCI but is a whole DiD toolkit with its own
estimators and dependencies, like ``diff-diff``. The FLCI itself is one small convex program.
"""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError
from hubeval.core.lazy import LazyModule, stats

optimize = LazyModule("scipy.optimize")

__all__: list[str] = []


def check_arguments(l_vec, n_post, m_values, alpha):
    """Validated ``(l_vec, m_values)`` of :func:`smoothness_bounds` (default l: first post period)."""
    l_vec = np.eye(n_post)[0] if l_vec is None else np.asarray(l_vec, float)
    if l_vec.shape != (n_post,) or not l_vec.any():
        raise SpecError(f"`l_vec` must have one weight per post period ({n_post}), not all zero; got {l_vec.tolist()}.")
    m_values = [float(m) for m in np.atleast_1d(np.asarray(m_values, float))]
    bad = [m for m in m_values if not np.isfinite(m) or m < 0]
    if not m_values or bad:
        raise SpecError(f"`m_values` must be finite and >= 0 (M bounds a change in slope); got {bad or 'none'}.")
    if not 0 < alpha < 1:
        raise SpecError(f"`alpha` must lie in (0, 1); got {alpha}.")
    return l_vec, m_values


def folded_normal_cv(t: float, alpha: float) -> float:
    """``cv_alpha(t)``: the ``1 - alpha`` quantile of ``|N(t, 1)|``."""
    t = abs(float(t))
    z = float(stats.norm.ppf(1 - alpha / 2))

    def excess(c):
        return stats.norm.cdf(c - t) - stats.norm.cdf(-c - t) - (1 - alpha)
    return float(optimize.brentq(excess, max(t, z) - 1e-9, t + z + 1e-9, xtol=1e-14))


def _cv_slope(t: float, cv: float) -> float:
    """d cv_alpha / dt from ``Phi(c - t) - Phi(-c - t) = 1 - alpha``."""
    a, b = stats.norm.pdf(cv - t), stats.norm.pdf(cv + t)
    return float((a - b) / (a + b))


def bias_matrices(n_pre: int, n_post: int, l_vec: np.ndarray):
    """``(C, K, a, c)``: pre-period bias ``||C x||_1``, post constant ``K`` and the linear-trend
    constraint ``a' x = c``; ``x`` is ordered ``t = -n_pre, ..., -1``."""
    t_pre = np.arange(-n_pre, 0, dtype=float)
    C = np.zeros((n_pre - 1, n_pre))
    for r in range(1, n_pre):
        for k in range(r + 1, n_pre + 1):
            C[r - 1, n_pre - k] = k - r
    K = sum(abs(sum((s - r) * l_vec[s - 1] for s in range(r + 1, n_post + 1))) for r in range(n_post))
    return C, float(K), t_pre, -float(np.arange(1, n_post + 1) @ l_vec)


def worst_case_bias(x: np.ndarray, n_pre: int, n_post: int, l_vec: np.ndarray, m: float) -> float:
    """Largest ``|bias|`` of ``x' beta_pre + l' beta_post`` over ``Delta^SD(m)`` (inf if the
    estimator is not unbiased under linear trends)."""
    C, K, a, c = bias_matrices(n_pre, n_post, l_vec)
    if abs(a @ x - c) > 1e-8 * max(1.0, abs(c)):
        return np.inf
    return float(m * (K + np.abs(C @ x).sum()))


class _Problem:
    """Variance, bias and half-length of the affine estimator as functions of ``x``."""

    def __init__(self, sigma, n_pre, n_post, l_vec, alpha):
        self.n_pre, self.alpha = n_pre, alpha
        self.S = sigma[:n_pre, :n_pre]
        self.g = sigma[:n_pre, n_pre:] @ l_vec
        self.v0 = float(l_vec @ sigma[n_pre:, n_pre:] @ l_vec)
        self.C, self.K, self.a, self.c = bias_matrices(n_pre, n_post, l_vec)
        self.x_min_var = self._min_variance()
        self.x_min_bias = np.zeros(n_pre)
        self.x_min_bias[-1] = -self.c  # all weight on e = -1: linear extrapolation through 0
        self.scale = self.sd(self.x_min_var)

    def _min_variance(self) -> np.ndarray:
        n = self.n_pre
        kkt = np.block([[2 * self.S, -self.a[:, None]], [self.a[None, :], np.zeros((1, 1))]])
        rhs = np.concatenate([-2 * self.g, [self.c]])
        return np.linalg.lstsq(kkt, rhs, rcond=None)[0][:n]

    def variance(self, x) -> float:
        return float(x @ self.S @ x + 2 * x @ self.g + self.v0)

    def sd(self, x) -> float:
        return float(np.sqrt(max(self.variance(x), 0.0)))

    def half_length(self, x, m: float) -> float:
        s = self.sd(x)
        bias = m * (self.K + np.abs(self.C @ x).sum())
        return s * folded_normal_cv(bias / s, self.alpha)

    def solve(self, m: float) -> np.ndarray:
        """Pre-period weights of the FLCI for ``Delta^SD(m)``."""
        if m == 0 or self.n_pre == 1:
            return self.x_min_var
        # Any feasible x gives a valid interval; keeping the starts as candidates means a solver
        # failure can cost optimality but never validity.
        starts = (self.x_min_var, self.x_min_bias)
        candidates = [*starts, *(self._slsqp(start, m) for start in starts)]
        return min(candidates, key=lambda x: self.half_length(x, m))

    def _slsqp(self, start, m) -> np.ndarray:
        n, q = self.n_pre, self.n_pre - 1

        def objective(z):
            x, u = z[:n], z[n:]
            s = self.sd(x)
            t = m * (self.K + u.sum()) / s
            cv = folded_normal_cv(t, self.alpha)
            slope = _cv_slope(t, cv)
            grad_x = (cv - t * slope) * (self.S @ x + self.g) / s
            grad_u = np.full(q, slope * m)
            return s * cv / self.scale, np.concatenate([grad_x, grad_u]) / self.scale

        eye = np.eye(q)
        constraints = [
            {"type": "eq", "fun": lambda z: np.array([self.a @ z[:n] - self.c]),
             "jac": lambda z: np.concatenate([self.a, np.zeros(q)])[None, :]},
            {"type": "ineq", "fun": lambda z: np.concatenate([z[n:] - self.C @ z[:n], z[n:] + self.C @ z[:n]]),
             "jac": lambda z: np.block([[-self.C, eye], [self.C, eye]])},
        ]
        z0 = np.concatenate([start, np.abs(self.C @ start)])
        res = optimize.minimize(objective, z0, jac=True, method="SLSQP", constraints=constraints,
                                options={"ftol": 1e-13, "maxiter": 1000})
        x = res.x[:n]
        return x + self.a * (self.c - self.a @ x) / (self.a @ self.a)  # exactly unbiased under linear trends


def flci(beta, sigma, n_pre, n_post, l_vec, m_values, alpha) -> list[dict]:
    """One tidy row per M (``estimate = v' beta``, ``std_error`` its sd), with the worst-case
    ``bias`` and the optimal weights ``v`` (pre-period weights, then ``l``)."""
    problem = _Problem(sigma, n_pre, n_post, l_vec, alpha)
    out = []
    for m in m_values:
        x = problem.solve(float(m))
        v = np.concatenate([x, l_vec])
        estimate, half = float(v @ beta), problem.half_length(x, float(m))
        out.append({"term": "theta", "mbar": float(m), "estimate": estimate, "std_error": problem.sd(x),
                    "conf_low": estimate - half, "conf_high": estimate + half, "method": "FLCI",
                    "bias": worst_case_bias(x, n_pre, n_post, l_vec, float(m)), "weights": v})
    return out


def breakdown_m(beta, sigma, n_pre, n_post, l_vec, alpha, start: float) -> float:
    """Largest M whose FLCI excludes zero (0 if even M = 0 does not), to 1e-4 relative."""
    problem = _Problem(sigma, n_pre, n_post, l_vec, alpha)

    def excludes_zero(m):
        x = problem.solve(m)
        est = float(np.concatenate([x, l_vec]) @ beta)
        return abs(est) > problem.half_length(x, m)
    if not excludes_zero(0.0):
        return 0.0
    low, high = 0.0, max(start, problem.scale)
    for _ in range(60):
        if not excludes_zero(high):
            break
        low, high = high, 2 * high
    while high - low > 1e-4 * high:
        mid = (low + high) / 2
        low, high = (mid, high) if excludes_zero(mid) else (low, mid)
    return float(low)


def statement(breakdown: float) -> str:
    if breakdown == 0:
        return ("The effect is not significant even when the pre-trend is extrapolated linearly (M = 0), "
                "so there is no conclusion to break down.")
    return (f"Breakdown M = {breakdown:.3g}: the effect stays significant as long as the slope of the "
            f"difference in trends changes by at most {breakdown:.3g} (outcome units) between "
            "consecutive periods, i.e. as long as the post-entry trend deviates from a linear "
            "extrapolation of the pre-entry trend by no more than that.")
