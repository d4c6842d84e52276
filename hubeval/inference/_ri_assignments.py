"""Re-assignments for :func:`hubeval.randomization_inference`: how many there are, all of them, or a sample.

Cohort labels are permuted among eligible firms within strata, so the number of distinct
assignments is a product of multinomial coefficients. It is counted in log space (any register
size) and exactly, with integers, only when it is small enough to enumerate.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = ["log10_n_assignments", "n_assignments", "all_assignments", "random_assignments"]


def _stratum_counts(cohorts, mask, strata) -> list[np.ndarray]:
    return [np.unique(cohorts[mask & (strata == s)], return_counts=True)[1] for s in np.unique(strata[mask])]


def log10_n_assignments(cohorts, mask, strata) -> float:
    """log10 of the number of distinct assignments (a multinomial per stratum), in log space, so a
    register of any size works (3,000 firms with 180 participants already give more than 1e308)."""
    log_total = sum(math.lgamma(int(c.sum()) + 1) - sum(math.lgamma(int(k) + 1) for k in c)
                    for c in _stratum_counts(cohorts, mask, strata))
    return log_total / math.log(10)


def n_assignments(cohorts, mask, strata, log10_count: float) -> int | None:
    """The exact number of distinct assignments (integers) when it is at most about 1e15, else None
    (far too many to enumerate; the exact integer could have millions of digits)."""
    if log10_count > 15:
        return None
    total = 1
    for counts in _stratum_counts(cohorts, mask, strata):
        left = int(counts.sum())
        for k in counts:  # multinomial as a product of binomials: exact integers throughout
            total *= math.comb(left, int(k))
            left -= int(k)
    return total


def _multiset_arrangements(values: np.ndarray):
    """Every distinct ordering of a multiset of labels (as position choices per label)."""
    labels, counts = np.unique(values, return_counts=True)

    def place(free, k):
        if k == len(labels) - 1:
            yield {labels[k]: free}
            return
        for chosen in itertools.combinations(free, counts[k]):
            rest = tuple(p for p in free if p not in chosen)
            for tail in place(rest, k + 1):
                yield {labels[k]: chosen, **tail}

    for layout in place(tuple(range(len(values))), 0):
        out = np.empty(len(values))
        for label, positions in layout.items():
            out[list(positions)] = label
        yield out


def all_assignments(cohorts, mask, strata):
    blocks = [np.flatnonzero(mask & (strata == s)) for s in np.unique(strata[mask])]
    for combo in itertools.product(*[list(_multiset_arrangements(cohorts[b])) for b in blocks]):
        new = cohorts.copy()
        for b, values in zip(blocks, combo):
            new[b] = values
        yield new


def random_assignments(cohorts, mask, strata, n, rng):
    blocks = [np.flatnonzero(mask & (strata == s)) for s in np.unique(strata[mask])]
    for _ in range(n):
        new = cohorts.copy()
        for b in blocks:
            new[b] = cohorts[rng.permutation(b)]
        yield new
