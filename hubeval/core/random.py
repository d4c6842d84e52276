"""One way to turn a ``seed`` argument into a random-number generator, used by every layer."""
from __future__ import annotations

import numpy as np

from hubeval.core.errors import SpecError

__all__ = ["as_generator"]


def as_generator(seed) -> np.random.Generator:
    """Turn ``seed`` (int, Generator or None) into a :class:`numpy.random.Generator`."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise SpecError(f"`seed` must be an int, a numpy.random.Generator or None; got {type(seed).__name__}.")
