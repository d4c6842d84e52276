"""The regression a wild cluster bootstrap resamples: :class:`RegressionDesign` and
:func:`regression_design` (outcome, regressors, clusters, weights, fixed effects partialled out).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError

__all__ = ["RegressionDesign", "regression_design"]


# --- the regression design ---------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class RegressionDesign:
    """A linear regression ready for the wild cluster bootstrap.

    Attributes
    ----------
    y : ndarray (n,)
    X : ndarray (n, k)
        Regressors, with any fixed effects nested in the clusters already partialled out.
    names : tuple of str
        Column names of ``X``.
    cluster : ndarray (n,)
        Integer cluster codes 0..G-1.
    weights : ndarray (n,) or None
        Regression (analytic / sampling) weights.
    absorbed : int
        Number of fixed effects partialled out (nested in the clusters, so, as in fixest, they
        count as one parameter in the CR1 degrees-of-freedom correction).
    labels : ndarray or None
        Cluster label of each code (aligns draws across designs in :func:`wild_bootstrap_family`).
    """

    y: np.ndarray
    X: np.ndarray
    names: tuple
    cluster: np.ndarray
    weights: np.ndarray | None = None
    absorbed: int = 0
    labels: np.ndarray | None = None

    @property
    def n_clusters(self) -> int:
        return int(self.cluster.max()) + 1


def regression_design(data: pd.DataFrame, *, outcome: str, regressors: Sequence[str], cluster: str,
                      absorb: str | None = None, fixed_effects: Sequence[str] = (),
                      weights: str | None = None) -> RegressionDesign:
    """Build a :class:`RegressionDesign` from a table.

    Parameters
    ----------
    data : DataFrame
    outcome : str
    regressors : sequence of str
        Numeric regressors (the tested coefficient among them).
    cluster : str
        Cluster column (firm, or a higher level such as region).
    absorb : str, optional
        Fixed effect nested within the clusters (e.g. the firm), partialled out by (weighted)
        within-group demeaning.
    fixed_effects : sequence of str
        Other fixed effects (e.g. year), added as dummy columns (first level dropped when
        ``absorb`` or an intercept spans it).
    weights : str, optional
        Column of regression weights.
    """
    needed = [outcome, *regressors, cluster, *fixed_effects] + [c for c in (absorb, weights) if c]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise SpecError(f"Column(s) {', '.join(f'`{c}`' for c in missing)} not found in `data`.")
    frame = data[list(dict.fromkeys(needed))].dropna()
    X = frame[list(regressors)].to_numpy(float)
    names = list(regressors)
    for fe in fixed_effects:
        dummies = pd.get_dummies(frame[fe], prefix=fe, drop_first=True, dtype=float)
        X = np.column_stack([X, dummies.to_numpy()])
        names += list(dummies.columns)
    if absorb is None:
        X, names = np.column_stack([X, np.ones(len(frame))]), names + ["(intercept)"]
    y = frame[outcome].to_numpy(float)
    w = frame[weights].to_numpy(float) if weights else None
    cl, labels = pd.factorize(frame[cluster])
    labels = np.asarray(labels)
    if absorb is None:
        return RegressionDesign(y, X, tuple(names), cl, w, 0, labels)
    groups = pd.factorize(frame[absorb])[0]
    per_group = pd.Series(cl).groupby(groups).nunique()
    if (per_group > 1).any():
        raise SpecError(f"`absorb={absorb!r}` must be nested within `cluster={cluster!r}` (each "
                        f"{absorb} in one cluster); {int((per_group > 1).sum())} are not. Pass the "
                        f"non-nested effect in `fixed_effects=` instead.")
    y, X = _demean(np.column_stack([y, X]), groups, w)[:, 0], _demean(X, groups, w)
    return RegressionDesign(y, X, tuple(names), cl, w, int(groups.max()) + 1, labels)


def _demean(values: np.ndarray, groups: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    w = np.ones(len(values)) if weights is None else weights
    sums = np.zeros((groups.max() + 1, values.shape[1]))
    np.add.at(sums, groups, values * w[:, None])
    total = np.bincount(groups, weights=w)
    return values - (sums / total[:, None])[groups]


def _design_from(model) -> RegressionDesign:
    """Accept a RegressionDesign, a hb.twfe result or its TwfeDesign."""
    if isinstance(model, RegressionDesign):
        return model
    design = getattr(model, "regression", model)
    if hasattr(design, "fixed_effects") and hasattr(design, "data"):
        unit, *others = design.fixed_effects
        weights = getattr(design, "weights", None)
        frame = design.data
        nested = frame.groupby(unit)[design.cluster].nunique().max() == 1
        return regression_design(frame, outcome=design.outcome,
                                 regressors=list(design.coefficients) + list(design.covariates),
                                 cluster=design.cluster, absorb=unit if nested else None,
                                 fixed_effects=others if nested else [unit, *others], weights=weights)
    raise SpecError(f"`model` must be a RegressionDesign (hb.regression_design), a hb.twfe result or "
                    f"its `.regression` design; got {type(model).__name__}.")
