"""CV3 (leave-one-cluster-out jackknife) standard errors for :func:`hubeval.twfe`.

Kept out of ``did.py`` so that module stays short; nothing here is public API. Used when the
clusters nest the firms (the usual case: clustering by firm or by a higher level such as region):
then the firm effects can be partialled out once and each leave-one-cluster-out fit is a small
solve, where pyfixest's CRV3 refits the whole fixed-effects model once per cluster (minutes for a
few hundred firms). Other cluster structures use pyfixest's CRV3.

References
----------
MacKinnon, J., Nielsen, M. & Webb, M. (2023). Cluster-robust inference: a guide to empirical
    practice. Journal of Econometrics 232(2), 272-299.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError, format_examples
from hubeval.core.results import add_inference


def units_nested_in_clusters(design) -> bool:
    """Whether every firm of a :class:`~hubeval.did.twfe_setup.TwfeDesign` lies in one cluster."""
    unit = design.fixed_effects[0]
    return bool(design.data.groupby(unit)[design.cluster].nunique().max() == 1)


def with_cv3(table: pd.DataFrame, design, alpha: float) -> pd.DataFrame:
    """Replace the inference columns by CV3 (MacKinnon, Nielsen & Webb 2023), t(G - 1)."""
    names = list(design.coefficients) + list(design.covariates)
    labels = dict(zip(design.coefficients, design.terms))
    se = dict(zip([labels.get(n, n) for n in names], cv3_standard_errors(design)))
    out = table.copy()
    rows = out["term"].isin(se.keys())
    out.loc[rows, "std_error"] = out.loc[rows, "term"].map(se)
    n_clusters = design.data[design.cluster].nunique()
    inferred = add_inference(out.loc[rows], alpha=alpha, df=n_clusters - 1)
    out.loc[rows, inferred.columns] = inferred
    return out


def cv3_standard_errors(design, chunk: int = 20_000) -> np.ndarray:
    """CV3 standard errors of the design's regressors (coefficients, then covariates).

    ``V = (G - 1) / G * sum_g (b_(g) - b)(b_(g) - b)'`` with ``b_(g)`` the (weighted) estimate
    without cluster g. Firm effects are nested in the clusters, so they are partialled out once
    (dropping a cluster drops whole firms and leaves the other firms' demeaning unchanged); year
    effects are not nested and stay as explicit dummies. With regression weights the firm means
    are weighted and rows are scaled by the root weight (WLS). Equals pyfixest's CRV3 (tests).
    """
    data, unit, time = design.data, design.fixed_effects[0], design.fixed_effects[1]
    names = list(design.coefficients) + list(design.covariates)
    years = pd.get_dummies(data[time], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([data[names].to_numpy(float), years])
    y = data[design.outcome].to_numpy(float)
    weight_column = getattr(design, "weights", None)
    w = data[weight_column].to_numpy(float) if weight_column else np.ones(len(y))
    firm = pd.factorize(data[unit])[0]
    root = np.sqrt(w)
    x = (x - _group_means(x, firm, w)) * root[:, None]
    y = (y - _group_means(y[:, None], firm, w)[:, 0]) * root
    cluster, cluster_ids = pd.factorize(data[design.cluster])
    n_clusters, k = cluster.max() + 1, x.shape[1]
    xtx_g, xty_g = np.zeros((n_clusters, k, k)), np.zeros((n_clusters, k))
    for start in range(0, len(y), chunk):  # bounded memory for the per-row outer products
        part = slice(start, start + chunk)
        np.add.at(xtx_g, cluster[part], x[part, :, None] * x[part, None, :])
        np.add.at(xty_g, cluster[part], x[part] * y[part, None])
    xtx, xty = xtx_g.sum(axis=0), xty_g.sum(axis=0)
    beta = np.linalg.solve(xtx, xty)
    left_out = xtx[None] - xtx_g
    sv = np.linalg.svd(left_out, compute_uv=False)
    bad = np.flatnonzero(sv[:, -1] <= 1e-10 * sv[:, 0])
    if len(bad):
        raise SpecError(
            f"vcov='cv3' is not defined here: dropping {len(bad)} cluster(s) (`{design.cluster}` = "
            f"{format_examples(cluster_ids[bad])}) leaves a regressor without variation (e.g. one "
            "firm carries an event time or cohort). "
            "Use vcov='cluster' with the wild cluster bootstrap, or bin sparse event times.")
    dev = np.linalg.solve(left_out, (xty[None] - xty_g)[..., None])[..., 0] - beta
    vcov = (n_clusters - 1) / n_clusters * dev.T @ dev
    return np.sqrt(np.diag(vcov))[:len(names)]


def _group_means(values: np.ndarray, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    sums = np.zeros((codes.max() + 1, values.shape[1]))
    np.add.at(sums, codes, values * weights[:, None])
    return (sums / np.bincount(codes, weights=weights)[:, None])[codes]
