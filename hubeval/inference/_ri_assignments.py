"""Counting, enumerating and drawing re-assignments of cohort labels (private helpers of
:mod:`hubeval.inference.randomization`)."""
from __future__ import annotations

import itertools
import math

import numpy as np

__all__: list[str] = []


def _log_assignments(cohorts, mask, strata) -> float:
    """Natural log of the number of distinct re-assignments (multinomial per stratum).

    Log-gamma arithmetic, so any panel size works: 3,000 firms with 180 participants already have
    more assignments than a float can hold (about 10^400).
    """
    total = 0.0
    for s in np.unique(strata[mask]):
        _, counts = np.unique(cohorts[mask & (strata == s)], return_counts=True)
        total += math.lgamma(int(counts.sum()) + 1) - sum(math.lgamma(int(c) + 1) for c in counts)
    return total


def _count_assignments(cohorts, mask, strata) -> int:
    """The exact (big-integer) number of distinct re-assignments; call only when it is small."""
    total = 1
    for s in np.unique(strata[mask]):
        _, counts = np.unique(cohorts[mask & (strata == s)], return_counts=True)
        total *= math.factorial(int(counts.sum())) // math.prod(math.factorial(int(c)) for c in counts)
    return total


def assignment_count(cohorts, mask, strata) -> tuple[int | None, float]:
    """``(exact count or None when above 10^15, log10 of the count)``."""
    log10 = _log_assignments(cohorts, mask, strata) / math.log(10)
    return (_count_assignments(cohorts, mask, strata) if log10 < 15 else None), log10


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
