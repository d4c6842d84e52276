"""Wild cluster restricted bootstrap for regression coefficients with few treated clusters.

* :func:`wild_cluster_bootstrap`: the restricted wild cluster bootstrap-t (WCR; Cameron, Gelbach &
  Miller 2008) for one regression coefficient, e.g. of :func:`hubeval.twfe`, with Rademacher,
  Webb six-point or Mammen weights, a p-value and a confidence interval by test inversion. Webb
  weights are chosen automatically below 12 clusters (Webb 2023), with a warning.
* :func:`wild_bootstrap_family`: the same test across a family of models (e.g. outcomes) with
  joint draws, adjusted by :func:`hubeval.inference.multiple_testing.holm` and ``romano_wolf``.

The WCR bootstrap is hand-written for speed and because no maintained Python package handles
regression weights (``wildboottest`` and pyfixest refuse WLS); its p-values agree with
``wildboottest`` on the same data (tests). It uses the cluster-sum algebra of Roodman,
MacKinnon, Nielsen & Webb (2019) "Fast and wild": with ``a`` the row of ``(X'X)^-1`` of the
tested coefficient, restricted residuals ``u(r) = u0 - r u1`` and per-cluster sums
``S_g = X_g' u_g``, ``c_g = a' S_g`` and ``D_g = a' X_g' X_g (X'X)^-1``, a draw ``v`` gives

    numerator  = c(r)' v
    score_g    = v_g c_g(r) - D_g S(r)' v          (the cluster's share of the bootstrap CRVE)

so each draw costs O(G k), and both are linear in the null value ``r``: after one pass over the
draws, the bootstrap p-value of any ``r`` costs O(B), which makes test inversion cheap. Fixed
effects nested in the clusters (firm effects with firm or region clusters) are partialled out
first, which leaves every bootstrap statistic unchanged (Frisch-Waugh-Lovell; the nested dummies'
scores vanish cluster by cluster); other fixed effects (years) stay as dummy columns.

References
----------
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008). Bootstrap-based improvements for inference
with clustered errors. Review of Economics and Statistics 90(3).
MacKinnon, J. G. & Webb, M. D. (2017). Wild bootstrap inference for wildly different cluster
sizes. Journal of Applied Econometrics 32(2).
Roodman, D., MacKinnon, J. G., Nielsen, M. O. & Webb, M. D. (2019). Fast and wild: bootstrap
inference in Stata using boottest. Stata Journal 19(1).
Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors. Canadian
Journal of Economics 56(3).
Romano, J. P. & Wolf, M. (2005). Stepwise multiple testing as formalized data snooping.
Econometrica 73(4).
Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand. J. Statistics 6.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
from scipy import optimize

from hubeval.core.errors import (
    EstimationError,
    EstimationWarning,
    SpecError,
    format_examples,
)
from hubeval.core.lazy import stats
from hubeval.core.random import as_generator
from hubeval.core.results import ResultMixin, result_field
from hubeval.inference.multiple_testing import holm, romano_wolf
from hubeval.inference.regression import RegressionDesign, _design_from
from hubeval.inference.weights import (
    BootWeights,
    choose_weights,
    cluster_sum,
    draw_weights,
    enumerate_rademacher,
)

__all__ = ["wild_cluster_bootstrap", "WildBootstrapResult", "wild_bootstrap_family"]


# --- the WCR bootstrap core ---------------------------------------------------------------------
class _WildCore:
    """Precomputed cluster sums for one coefficient; bootstrap statistics as functions of the null."""

    def __init__(self, design: RegressionDesign, j: int):
        root = np.ones(len(design.y)) if design.weights is None else np.sqrt(design.weights)
        X, y = design.X * root[:, None], design.y * root
        # Absorbed effects are nested in the clusters and, as in fixest/pyfixest's default, count
        # as one parameter (the intercept they absorb), not one per firm.
        self.G, self.n = design.n_clusters, len(y)
        self.k = X.shape[1] + (1 if design.absorbed else 0)
        xtx_inv = np.linalg.pinv(X.T @ X)
        if abs(xtx_inv[j, j]) < 1e-14 or np.linalg.matrix_rank(X) < X.shape[1]:
            raise EstimationError(f"The regressor `{design.names[j]}` is collinear with the others "
                                  "(or with the fixed effects): its coefficient is not identified.")
        a = xtx_inv[j]
        self.beta = float(a @ X.T @ y)
        resid = y - X @ (xtx_inv @ X.T @ y)
        others = np.delete(X, j, axis=1)
        proj = np.linalg.pinv(others.T @ others) @ others.T
        u0 = y - others @ (proj @ y)
        u1 = X[:, j] - others @ (proj @ X[:, j])
        cl = design.cluster
        self.S0, self.S1 = cluster_sum(X * u0[:, None], cl, self.G), cluster_sum(X * u1[:, None], cl, self.G)
        self.c0, self.c1 = self.S0 @ a, self.S1 @ a
        # D_g = a' X_g'X_g (X'X)^-1: the cluster's share of the projection of the bootstrap residual.
        xa = X @ a
        self.D = cluster_sum(X * xa[:, None], cl, self.G) @ xtx_inv
        self.score = cluster_sum(xa * resid, cl, self.G)
        self.se_raw = float(np.sqrt(self.score @ self.score))

    def ssc(self) -> float:
        """CR1 small-sample factor of Stata/fixest: G/(G-1) * (n-1)/(n-k)."""
        return self.G / (self.G - 1) * (self.n - 1) / (self.n - self.k)

    def run(self, V: np.ndarray, signs: bool) -> dict:
        """The five draw-level quantities that make t*(r) for any null r (V: G x B).

        With m_r = S_r' v, the bootstrap CRVE sums of squares expand as
        sum_g (c_g v_g - D_g m)^2 = sum_g c_g^2 v_g^2 - 2 m'(D' diag(c) v) + m' D'D m, so one
        matrix product of V with the stacked per-cluster pieces gives every term.
        """
        k = self.S0.shape[1]
        pieces = np.column_stack([self.S0, self.S1, self.D * self.c0[:, None],
                                  self.D * self.c1[:, None], self.c0, self.c1])
        prod = pieces.T @ V
        m0, m1, e0, e1 = (prod[i * k:(i + 1) * k] for i in range(4))
        n0, n1 = prod[4 * k], prod[4 * k + 1]
        squares = np.column_stack([self.c0**2, self.c0 * self.c1, self.c1**2])
        # Sign weights square to one, which saves a pass over V.
        sq = squares.sum(axis=0)[:, None] if signs else squares.T @ (V * V)
        dd = self.D.T @ self.D
        a = sq[0] - 2 * np.einsum("kb,kb->b", m0, e0) + np.einsum("kb,kb->b", m0, dd @ m0)
        b = (sq[1] - np.einsum("kb,kb->b", m1, e0) - np.einsum("kb,kb->b", m0, e1)
             + np.einsum("kb,kb->b", m0, dd @ m1))
        c = sq[2] - 2 * np.einsum("kb,kb->b", m1, e1) + np.einsum("kb,kb->b", m1, dd @ m1)
        return dict(n0=n0, n1=n1, a=a, b=b, c=c)


class _Draws:
    """Bootstrap t-statistics t*(r) and the original t(r) for any null value r."""

    def __init__(self, core: _WildCore, parts: dict):
        self.core, self.p = core, parts

    def t_boot(self, r: float) -> np.ndarray:
        p = self.p
        den = np.sqrt(np.maximum(p["a"] - 2 * r * p["b"] + r * r * p["c"], 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            return (p["n0"] - r * p["n1"]) / den

    def t_obs(self, r: float) -> float:
        return (self.core.beta - r) / self.core.se_raw

    def pvalue(self, r: float) -> float:
        tb = self.t_boot(r)
        ok = np.isfinite(tb)
        # Strictly larger, as boottest and wildboottest count; the relative margin keeps the two
        # all-equal-sign draws (which reproduce |t| exactly) out whatever the rounding.
        return float(np.mean(np.abs(tb[ok]) > abs(self.t_obs(r)) * (1 + 1e-9)))

    def interval(self, alpha: float) -> tuple[float, float]:
        """Confidence set by test inversion: the nulls r whose bootstrap p-value exceeds alpha."""
        beta, se = self.core.beta, self.core.se_raw * np.sqrt(self.core.ssc())
        return (self._bound(beta, -se, alpha), self._bound(beta, se, alpha))

    def _bound(self, beta: float, step: float, alpha: float) -> float:
        inner, outer = beta, beta + 2 * step
        for _ in range(60):
            if self.pvalue(outer) <= alpha:
                break
            inner, outer = outer, outer + 2 * (outer - beta)
        else:
            return np.inf * np.sign(step)
        f = lambda r: self.pvalue(r) - alpha - 1e-12  # noqa: E731
        return float(optimize.brentq(f, inner, outer, xtol=abs(step) * 1e-6)) if f(inner) > 0 else inner


def _run_draws(core: _WildCore, kind: str, n_boot: int, seed, enumerate_all: bool) -> dict:
    if enumerate_all:
        return core.run(enumerate_rademacher(core.G), True)
    rng = as_generator(seed)
    chunk = max(1, min(n_boot, int(8_000_000 // max(core.G, 1))))
    parts = []
    for start in range(0, n_boot, chunk):
        parts.append(core.run(draw_weights(kind, core.G, min(chunk, n_boot - start), rng),
                              kind == "rademacher"))
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


# --- public: wild cluster bootstrap ---------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class WildBootstrapResult(ResultMixin):
    """Restricted wild cluster bootstrap-t test of one coefficient.

    Attributes
    ----------
    estimates : DataFrame
        One row: ``term, estimate, std_error`` (CR1), ``statistic`` (t), ``p_value`` (bootstrap),
        ``conf_low, conf_high`` (bootstrap, by test inversion), ``p_value_cr1`` (t(G-1)),
        ``null``.
    spec : dict
        ``boot_weights`` (as used), ``n_boot``, ``alpha``, ``enumerated``.
    n_clusters, n_obs, n_boot : int
    t_boot : ndarray
        Bootstrap t-statistics under the tested null.
    warnings : tuple of str
    seed
    """

    title = "Wild cluster restricted (WCR) bootstrap-t"
    estimates: pd.DataFrame
    spec: dict
    n_clusters: int
    n_obs: int
    n_boot: int
    t_boot: np.ndarray = result_field(serialize="omit", repr=False)  # bootstrap draws
    warnings: tuple = ()
    seed: object = None


def wild_cluster_bootstrap(model, *, term: str | None = None, null: float = 0.0,
                           n_boot: int = 9999, boot_weights: BootWeights = "auto",
                           alpha: float = 0.05, interval: bool = True, seed=None) -> WildBootstrapResult:
    """Restricted wild cluster bootstrap-t p-value and confidence interval for one coefficient.

    Parameters
    ----------
    model : TwfeResult, TwfeDesign or RegressionDesign
        A :func:`hubeval.twfe` result (its firm effects are partialled out, its year effects kept
        as dummies) or any design from :func:`regression_design`.
    term : str, optional
        The tested coefficient; default the first (the treatment).
    null : float, default 0
        The null value imposed on the bootstrap data-generating process.
    n_boot : int, default 9999
        Draws; with Rademacher weights and ``2**G <= n_boot`` all ``2**G`` sign vectors are used.
    boot_weights : {"auto", "rademacher", "webb", "mammen"}
        ``"auto"``: Webb below 12 clusters (with a warning), else Rademacher.
    alpha : float
    interval : bool, default True
        Invert the test for a ``1 - alpha`` confidence interval.
    seed : int, Generator or None

    Returns
    -------
    WildBootstrapResult

    Raises
    ------
    SpecError
        Unknown term or weights, fewer than 2 clusters.
    EstimationError
        Collinear regressor.

    References
    ----------
    Cameron, Gelbach & Miller (2008); Roodman, MacKinnon, Nielsen & Webb (2019); Webb (2023).

    Examples
    --------
    >>> import hubeval as hb
    >>> sim = hb.simulate_panel(100, seed=1)
    >>> design = hb.regression_design(sim.data.assign(post=lambda d: (d.cohort > 0) & (d.year >= d.cohort)),
    ...                               outcome="y", regressors=["post"], cluster="firm_id",
    ...                               absorb="firm_id", fixed_effects=["year"])
    >>> res = hb.wild_cluster_bootstrap(design, n_boot=999, seed=1)
    """
    design = _design_from(model)
    term = design.names[0] if term is None else term
    if term not in design.names:
        raise SpecError(f"`term={term!r}` is not a regressor; available: {format_examples(design.names, 8)}.")
    if design.n_clusters < 2:
        raise SpecError(f"The wild cluster bootstrap needs at least 2 clusters; found {design.n_clusters}.")
    if not (isinstance(n_boot, (int, np.integer)) and n_boot >= 99):
        raise SpecError(f"`n_boot` must be an integer >= 99; got {n_boot!r}. Use 9999 for published p-values.")
    notes: list[str] = []
    kind = choose_weights(boot_weights, design.n_clusters, notes)
    core = _WildCore(design, design.names.index(term))
    enumerated = kind == "rademacher" and 2 ** core.G <= n_boot
    draws = _Draws(core, _run_draws(core, kind, int(n_boot), seed, enumerated))
    low, high = draws.interval(alpha) if interval else (np.nan, np.nan)
    se = core.se_raw * np.sqrt(core.ssc())
    t = (core.beta - null) / se
    row = dict(term=term, estimate=core.beta, std_error=se, statistic=t, p_value=draws.pvalue(null),
               conf_low=low, conf_high=high, p_value_cr1=float(2 * stats.t.sf(abs(t), core.G - 1)),
               null=null)
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    spec = dict(boot_weights=kind, n_boot=int(n_boot), alpha=alpha, enumerated=enumerated,
                weighted=design.weights is not None)
    return WildBootstrapResult(pd.DataFrame([row]), spec, core.G, core.n,
                               len(draws.p["n0"]), draws.t_boot(null), tuple(notes), seed)


def wild_bootstrap_family(models: dict, *, term: str | None = None, n_boot: int = 9999,
                          boot_weights: BootWeights = "auto", seed=None) -> pd.DataFrame:
    """WCR bootstrap tests of one coefficient across a family (e.g. outcomes), with adjustments.

    The same cluster-level weights drive every model (clusters aligned by label), so the
    bootstrap statistics are joint and :func:`romano_wolf` applies.

    Parameters
    ----------
    models : dict
        Name (e.g. outcome) -> TwfeResult / TwfeDesign / RegressionDesign.
    term, n_boot, boot_weights, seed
        As in :func:`wild_cluster_bootstrap` (the null is 0).

    Returns
    -------
    DataFrame
        ``outcome, term, estimate, std_error, statistic, p_value`` (WCR), ``p_holm``,
        ``p_romano_wolf``.
    """
    if len(models) < 2:
        raise SpecError(f"`models` must hold at least 2 models to adjust across; got {len(models)}.")
    designs = {name: _design_from(m) for name, m in models.items()}
    labels = pd.Index(np.unique(np.concatenate([_labels(d) for d in designs.values()])))
    notes: list[str] = []
    kind = choose_weights(boot_weights, len(labels), notes)
    cores, rows = {}, {}
    for name, d in designs.items():
        name_term = d.names[0] if term is None else term
        if name_term not in d.names:
            raise SpecError(f"`term={name_term!r}` is not a regressor of model {name!r}.")
        cores[name] = _WildCore(d, d.names.index(name_term))
        rows[name] = labels.get_indexer(_labels(d))
    V = draw_weights(kind, len(labels), int(n_boot), seed)
    t_boot, t_obs, table = [], [], []
    for name, core in cores.items():
        parts = core.run(V[rows[name]], kind == "rademacher")
        draws = _Draws(core, parts)
        t_boot.append(draws.t_boot(0.0))
        t_obs.append(draws.t_obs(0.0))
        se = core.se_raw * np.sqrt(core.ssc())
        table.append(dict(outcome=name, term=designs[name].names[0] if term is None else term,
                          estimate=core.beta, std_error=se, statistic=core.beta / se,
                          p_value=draws.pvalue(0.0)))
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    out = pd.DataFrame(table)
    out["p_holm"] = holm(out["p_value"])
    out["p_romano_wolf"] = np.maximum(romano_wolf(t_obs, np.column_stack(t_boot)), out["p_value"])
    return out


def _labels(design: RegressionDesign) -> np.ndarray:
    return design.labels if design.labels is not None else np.arange(design.n_clusters)
