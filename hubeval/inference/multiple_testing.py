"""Adjusted p-values across a family of hypotheses (e.g. one per outcome).

* :func:`holm`: Holm (1979) step-down, from statsmodels' ``multipletests``.
* :func:`romano_wolf`: Romano & Wolf (2005) step-down from jointly drawn bootstrap statistics;
  hand-written, as statsmodels has no bootstrap-based step-down procedure.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand. J. Statistics 6.
Romano, J. P. & Wolf, M. (2005). Stepwise multiple testing as formalized data snooping.
Econometrica 73(4).
"""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError

__all__ = ["holm", "romano_wolf"]


# --- multiple testing -----------------------------------------------------------------------------
def holm(p_values) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (family-wise error rate), in the input order.

    Computed by :func:`statsmodels.stats.multitest.multipletests` with ``method="holm"``.
    """
    from statsmodels.stats.multitest import (
        multipletests,  # lazy: keeps `import hubeval` fast
    )
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return np.empty(0)
    return np.asarray(multipletests(p, method="holm")[1], dtype=float)


def romano_wolf(statistics, boot_statistics) -> np.ndarray:
    """Romano & Wolf (2005) step-down adjusted p-values from bootstrap statistics under the null.

    Parameters
    ----------
    statistics : array (k,)
        Observed t-statistics of the k hypotheses (e.g. one per outcome).
    boot_statistics : array (B, k)
        Bootstrap t-statistics drawn *jointly* (same draws for every hypothesis) and centred at
        the null, e.g. ``WildBootstrapResult.t_boot`` from a common seed and cluster set, or
        :func:`wild_bootstrap_family`.

    Returns
    -------
    ndarray (k,): adjusted p-values, in the input order; each is at least its unadjusted value.
    """
    t = np.abs(np.asarray(statistics, dtype=float))
    tb = np.abs(np.asarray(boot_statistics, dtype=float))
    if tb.ndim != 2 or tb.shape[1] != len(t):
        raise SpecError(f"`boot_statistics` must have shape (B, {len(t)}); got {tb.shape}.")
    order = np.argsort(-t)
    adjusted = np.empty(len(t))
    for step, j in enumerate(order):
        remaining = order[step:]
        adjusted[j] = np.mean(np.nanmax(tb[:, remaining], axis=1) >= t[j])
    adjusted[order] = np.maximum.accumulate(adjusted[order])
    return adjusted
