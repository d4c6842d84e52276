"""Bootstrap weights shared by the wild cluster and multiplier bootstraps.

Rademacher (+-1), Webb's six-point and Mammen's two-point weights, drawn per cluster; "auto"
picks Webb's weights below :data:`WEBB_BELOW` clusters (Webb 2023), where Rademacher has only
2^G distinct draws.

References
----------
Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors. Canadian
Journal of Economics 56(3).
"""
from __future__ import annotations

import itertools
from typing import Literal, get_args

import numpy as np

from hubeval.core.errors import SpecError
from hubeval.core.random import as_generator

__all__ = ["BootWeights", "WEBB_BELOW", "draw_weights", "choose_weights", "enumerate_rademacher",
           "cluster_sum"]


BootWeights = Literal["auto", "rademacher", "webb", "mammen"]


#: Below this many clusters "auto" uses Webb's six-point weights (Rademacher has only 2^G draws).
WEBB_BELOW = 12


_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


# --- bootstrap weights -------------------------------------------------------------------------
def draw_weights(kind: str, n_clusters: int, n_boot: int, seed=None) -> np.ndarray:
    """Bootstrap weights, shape ``(n_clusters, n_boot)``, mean 0 and variance 1.

    ``"rademacher"`` (+-1), ``"webb"`` (+-sqrt(1/2), +-1, +-sqrt(3/2), Webb 2023) or ``"mammen"``
    (two-point with third moment 1, Mammen 1993).
    """
    rng = as_generator(seed)
    shape = (n_clusters, n_boot)
    if kind == "rademacher":
        # One random bit per weight: eight times fewer random bytes than integer draws.
        n = n_clusters * n_boot
        bits = np.unpackbits(np.frombuffer(rng.bytes((n + 7) // 8), dtype=np.uint8), count=n)
        return (1.0 - 2.0 * bits).reshape(shape)
    if kind == "webb":
        return _WEBB[rng.integers(0, 6, size=shape, dtype=np.int8)]
    if kind == "mammen":
        root5 = np.sqrt(5.0)
        low = rng.random(shape) < (root5 + 1) / (2 * root5)
        return np.where(low, (1 - root5) / 2, (1 + root5) / 2)
    raise SpecError(f"`boot_weights` must be one of 'auto', 'rademacher', 'webb', 'mammen'; got {kind!r}.")


def enumerate_rademacher(n_clusters: int) -> np.ndarray:
    """All 2^G sign vectors (columns): the exact Rademacher bootstrap distribution."""
    return np.array(list(itertools.product([1.0, -1.0], repeat=n_clusters))).T


def choose_weights(kind: str, n_clusters: int, notes: list[str]) -> str:
    if kind not in get_args(BootWeights):
        raise SpecError(f"`boot_weights` must be one of {', '.join(map(repr, get_args(BootWeights)))}; "
                        f"got {kind!r}.")
    if kind == "auto":
        kind = "webb" if n_clusters < WEBB_BELOW else "rademacher"
        if kind == "webb":
            notes.append(f"Only {n_clusters} clusters: Rademacher weights allow just 2^{n_clusters} = "
                         f"{2**n_clusters} distinct bootstrap samples, so Webb's six-point weights are "
                         f"used (recommended below {WEBB_BELOW} clusters; Webb 2023).")
    elif kind == "rademacher" and n_clusters < WEBB_BELOW:
        notes.append(f"Rademacher weights with only {n_clusters} clusters give a coarse p-value "
                     f"(2^{n_clusters} distinct samples); `boot_weights='webb'` is recommended.")
    return kind


def cluster_sum(values: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum rows within clusters: (n,) -> (G,), (n, k) -> (G, k)."""
    if values.ndim == 1:
        return np.bincount(cluster, weights=values, minlength=n_clusters)
    return np.column_stack([np.bincount(cluster, weights=values[:, i], minlength=n_clusters)
                            for i in range(values.shape[1])])
