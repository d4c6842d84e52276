"""Inference from influence functions: standard errors, covariance, multiplier bootstrap.

Estimators that keep per-firm influence functions (:func:`hubeval.att_gt`,
:func:`hubeval.aggregate`) get analytic standard errors, covariance matrices and uniform
(simultaneous) bands from them without refitting. Clustering above the firm sums the influence
functions within clusters first, as R ``did`` does.

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. Journal of Econometrics 225(2), 200-230 (Algorithm 1: multiplier bootstrap).
"""
from __future__ import annotations

import numpy as np

from hubeval.core.results import normal_quantile
from hubeval.core.random import as_generator
from hubeval.core.lazy import LazyModule

sparse = LazyModule("scipy.sparse")  # imported on first use: only clustering needs it

__all__ = ["influence_se", "influence_vcov", "multiplier_bootstrap"]


def _cluster_sums(influence: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    """Sum influence functions within clusters (rows: clusters); unit level without clusters."""
    if cluster is None:
        return influence
    n_clusters = int(cluster.max()) + 1
    member = sparse.csr_matrix((np.ones(len(cluster)), (cluster, np.arange(len(cluster)))),
                               shape=(n_clusters, len(cluster)))
    return np.asarray(member @ influence)


def influence_se(influence: np.ndarray, cluster: np.ndarray | None = None) -> np.ndarray:
    """Analytic standard errors ``sqrt(sum_c S_c^2) / n`` from influence functions (R ``did``).

    ``S_c`` is the sum of the influence function over cluster c (each firm its own cluster
    by default). Non-positive or non-finite values become NaN.
    """
    influence = np.asarray(influence, dtype=float)
    one = influence.ndim == 1
    sums = _cluster_sums(influence.reshape(len(influence), -1), cluster)
    se = np.sqrt(np.einsum("ij,ij->j", sums, sums)) / len(influence)
    se = np.where(np.isfinite(se) & (se > 0), se, np.nan)
    return se[0] if one else se


def influence_vcov(influence: np.ndarray, cluster: np.ndarray | None = None) -> np.ndarray:
    """Covariance matrix ``S'S / n^2`` of the estimates whose influence functions are the columns."""
    sums = _cluster_sums(np.asarray(influence, dtype=float), cluster)
    return sums.T @ sums / len(influence) ** 2


def _draw_weights(rng: np.random.Generator, shape: tuple[int, int], kind: str) -> np.ndarray:
    if kind == "rademacher":
        return rng.integers(0, 2, size=shape).astype(float) * 2 - 1
    root5 = np.sqrt(5.0)
    low = rng.random(shape) < (root5 + 1) / (2 * root5)
    return np.where(low, (1 - root5) / 2, (1 + root5) / 2)


def multiplier_bootstrap(influence: np.ndarray, *, n_boot: int, alpha: float = 0.05,
                         std_error: np.ndarray | None = None, cluster: np.ndarray | None = None,
                         boot_weights: str = "rademacher", seed=None) -> dict:
    """Multiplier bootstrap of estimates with influence functions: uniform-band critical value.

    Each draw perturbs the (cluster-summed) influence functions by i.i.d. Rademacher or Mammen
    weights, ``T_b = sum_c v_c S_c / n`` (Callaway & Sant'Anna 2021, Algorithm 1). The critical
    value is the ``1 - alpha`` quantile of ``max_j |T_bj| / se_j`` over columns with a positive
    standard error; ``se_j`` are the analytic standard errors unless given. Draws are made in
    chunks of firms, so memory stays small for a million firms.

    Returns
    -------
    dict with ``crit_value`` (float), ``std_error`` (bootstrap, interquartile range / 1.349),
    ``draws`` (n_boot x k array of T_b).
    """
    sums = _cluster_sums(np.asarray(influence, dtype=float), cluster)
    n = len(influence)
    rng = as_generator(seed)
    draws = np.zeros((n_boot, sums.shape[1]))
    chunk = max(1, int(4_000_000 // max(n_boot, 1)))
    for start in range(0, len(sums), chunk):
        block = sums[start:start + chunk]
        draws += _draw_weights(rng, (n_boot, len(block)), boot_weights) @ block
    draws /= n
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0)
    boot_se = (q75 - q25) / (normal_quantile(0.75) - normal_quantile(0.25))
    se = influence_se(influence, cluster) if std_error is None else np.asarray(std_error, float)
    usable = np.isfinite(se) & (se > 0)
    if not usable.any():
        return {"crit_value": np.nan, "std_error": boot_se, "draws": draws}
    t_max = np.max(np.abs(draws[:, usable]) / se[usable], axis=1)
    crit = float(np.quantile(t_max, 1 - alpha, method="inverted_cdf"))
    return {"crit_value": crit, "std_error": boot_se, "draws": draws}
