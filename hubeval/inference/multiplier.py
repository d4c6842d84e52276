"""Multiplier (wild) bootstrap of estimates that carry per-firm influence functions.

Each draw perturbs the cluster sums of the influence functions by i.i.d. weights, so no model is
refitted (Callaway & Sant'Anna 2021, Algorithm 1). Hand-written: the influence functions are
hubeval's own (csdid's bootstrap is tied to its own result objects).

References
----------
Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time periods.
Journal of Econometrics 225(2).
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from hubeval.core.errors import EstimationWarning, SpecError, format_examples
from hubeval.core.results import ResultMixin
from hubeval.inference.weights import (
    BootWeights,
    choose_weights,
    cluster_sum,
    weighted_draws,
)

__all__ = ["bootstrap_influence", "InfluenceBootstrapResult"]


# --- multiplier bootstrap of influence-function estimates ----------------------------------------
@dataclasses.dataclass(frozen=True)
class InfluenceBootstrapResult(ResultMixin):
    """Multiplier bootstrap of estimates with per-firm influence functions (Callaway-Sant'Anna).

    ``estimates`` has ``term, estimate, std_error`` (bootstrap, IQR/1.349), ``statistic``,
    ``p_value`` (bootstrap, symmetric: share of |theta* - theta| / se >= |theta| / se),
    ``conf_low, conf_high`` (pointwise, bootstrap-t), ``band_low, band_high`` (uniform).
    """

    title = "Multiplier (wild) bootstrap from influence functions"
    estimates: pd.DataFrame
    spec: dict
    n_clusters: int
    n_boot: int
    crit_value: float
    warnings: tuple = ()
    seed: object = None


def bootstrap_influence(result, *, cluster=None, n_boot: int = 9999, boot_weights: BootWeights = "auto",
                        alpha: float = 0.05, seed=None) -> InfluenceBootstrapResult:
    """Wild (multiplier) bootstrap of Callaway-Sant'Anna estimates, clustered by firm or higher.

    Each draw perturbs the cluster sums of the influence functions by i.i.d. weights,
    ``theta*_b - theta = sum_c v_c S_c / n`` (Callaway & Sant'Anna 2021, Algorithm 1), which
    needs no refitting. Inference is bootstrap-t with the analytic (cluster) standard error:
    ``p = mean(|T*_b| >= |T|)`` and pointwise and uniform intervals from the quantiles of |T*|.

    Parameters
    ----------
    result : AggregateResult or GroupTimeResult
        Anything with ``estimates``, ``influence`` (n_units x k) and ``units``.
    cluster : mapping or Series, optional
        Cluster of each firm (index: firm id), e.g. its region or industry; default the result's
        own clustering (or the firm).
    n_boot : int, default 9999
    boot_weights : {"auto", "rademacher", "webb", "mammen"}
        ``"auto"``: Webb below 12 clusters (with a warning), else Rademacher.
    alpha : float
    seed : int, Generator or None
    """
    influence = np.asarray(getattr(result, "influence", None) if hasattr(result, "influence") else np.nan)
    if influence.ndim != 2 or not hasattr(result, "units"):
        raise SpecError(f"`result` must keep per-firm influence functions (hb.att_gt or hb.aggregate); "
                        f"got {type(result).__name__}.")
    codes = _influence_clusters(result, cluster)
    G = int(codes.max()) + 1
    notes: list[str] = []
    kind = choose_weights(boot_weights, G, notes)
    sums = cluster_sum(influence, codes, G)
    n = len(influence)
    se = np.sqrt((sums**2).sum(axis=0)) / n
    # weights drawn and multiplied in blocks of clusters (G x n_boot at once is 0.8 GB at 100k firms)
    t_boot = weighted_draws(kind, sums, int(n_boot), seed) / n / np.where(se > 0, se, np.nan)
    est = result.estimates["estimate"].to_numpy(float)
    abs_t = np.abs(t_boot)
    q = np.nanquantile(abs_t, 1 - alpha, axis=0)
    crit = float(np.nanquantile(np.nanmax(abs_t, axis=1), 1 - alpha))
    boot_se = (np.nanquantile(t_boot, 0.75, axis=0) - np.nanquantile(t_boot, 0.25, axis=0)) * se / 1.349
    t_obs = est / se
    table = pd.DataFrame({"term": result.estimates["term"].to_numpy(), "estimate": est, "std_error": boot_se,
                          "statistic": t_obs, "p_value": (abs_t >= np.abs(t_obs)).mean(axis=0),
                          "conf_low": est - q * se, "conf_high": est + q * se,
                          "band_low": est - crit * se, "band_high": est + crit * se})
    for message in notes:
        warnings.warn(message, EstimationWarning, stacklevel=2)
    spec = dict(boot_weights=kind, n_boot=int(n_boot), alpha=alpha,
                cluster="firm" if cluster is None and getattr(result, "cluster", None) is None else "custom")
    return InfluenceBootstrapResult(table, spec, G, int(n_boot), crit, tuple(notes), seed)


def _influence_clusters(result, cluster) -> np.ndarray:
    units = np.asarray(result.units)
    if cluster is None:
        own = getattr(result, "cluster", None)
        return np.asarray(own, dtype=np.int64) if own is not None else np.arange(len(units))
    mapping = pd.Series(cluster) if not isinstance(cluster, pd.Series) else cluster
    labels = pd.Series(units).map(mapping)
    if labels.isna().any():
        missing = pd.Series(units)[labels.isna()]
        raise SpecError(f"`cluster` gives no cluster for {int(labels.isna().sum())} firm(s), e.g. "
                        f"{format_examples(missing)}. Map every firm of the result to a cluster.")
    return pd.factorize(labels)[0]
