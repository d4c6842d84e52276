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

__all__ = ["BootWeights", "WEBB_BELOW", "draw_weights", "weighted_draws", "choose_weights",
           "enumerate_rademacher", "cluster_sum"]


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


#: Largest clusters x draws block of weights :func:`weighted_draws` holds at once (128 MB).
MAX_BLOCK = 2**24


def weighted_draws(kind: str, sums: np.ndarray, n_boot: int, seed=None, *,
                   max_block: int | None = None) -> np.ndarray:
    """``draw_weights(kind, G, n_boot, seed).T @ sums`` without the G x n_boot weights at once.

    The weights are drawn in blocks of clusters (rows), each block multiplied into ``sums``
    (G x k) and added: at 100,000 firms and 999 draws the whole matrix is 0.8 GB (and its
    temporaries as much again). The blocks consume the random stream exactly as one call does
    (Rademacher: whole bytes per block; Mammen: one double per weight), so the weights, and the
    generator's state afterwards, are those of :func:`draw_weights`; only the order in which the
    products are added differs (rounding, about 1e-16 relative). Webb's weights (integers drawn
    with a per-call buffer) are drawn at once; they are used below 12 clusters only.
    ``max_block`` defaults to :data:`MAX_BLOCK`.
    """
    rng = as_generator(seed)
    max_block = MAX_BLOCK if max_block is None else max_block
    sums = np.asarray(sums, dtype=float)
    n_clusters = len(sums)
    rows = (max_block // max(n_boot, 1)) // 32 * 32  # 32 rows: a whole number of random words
    if kind == "webb" or rows == 0 or rows >= n_clusters:
        return draw_weights(kind, n_clusters, n_boot, rng).T @ sums
    out = np.zeros((n_boot,) + sums.shape[1:])
    for start in range(0, n_clusters, rows):
        block = sums[start:start + rows]
        out += draw_weights(kind, len(block), n_boot, rng).T @ block
    return out


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
