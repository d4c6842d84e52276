"""Rows and advice of :func:`hubeval.inference_panel` (private helpers of :mod:`hubeval.inference.method_panel`).

Each ``*_rows`` function fits one estimator once and returns its conventional, small-sample and
bootstrap rows; :func:`statistic_for` returns what randomization inference re-computes for the
same estimate (a fast kernel, or a re-fitting callable when the kernel cannot reproduce it).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from hubeval.core.results import normal_quantile, normal_two_sided_p
from hubeval.core.errors import SpecError
from hubeval.core.lazy import stats
from hubeval.inference._ri_kernels import CsSimple


def cluster_counts(panel, cluster) -> tuple[int, int]:
    data = panel.data
    column = cluster or panel.unit
    if column not in data.columns:
        raise SpecError(f"`cluster` column `{column}` not found in the panel.")
    treated = pd.Series(np.isfinite(data[panel.cohort].to_numpy(float)), index=data.index)
    treated = treated.groupby(data[column].to_numpy()).any()  # vectorised: one pass, any panel size
    return int(treated.sum()), int((~treated).sum())


def row(method, estimate, se, p, low, high, draws=0, term=None) -> dict:
    return dict(method=method, estimate=float(estimate), std_error=float(se),
                statistic=float(estimate / se) if se and np.isfinite(se) else np.nan,
                p_value=float(p), conf_low=float(low), conf_high=float(high), draws=int(draws),
                **({"term": term} if term else {}))


def twfe_benchmark(panel, outcome: str, covariates: list[str], anticipation: int):
    """The TWFE benchmark of :func:`hubeval.evaluate_outcome`: ``post`` (and with anticipation an
    ``anticipation_window`` dummy), covariates as covariate x year columns. Returns the panel with
    those columns, the regressor keywords for ``twfe`` and the covariate column names."""
    from hubeval.did.fixed_effects import covariate_year_effects, twfe_treatments
    trended, trends = covariate_year_effects(panel, covariates, outcome)
    trended, treatment = twfe_treatments(trended, anticipation)
    return trended, treatment, trends


def att_gt_rows(panel, outcome, settings: dict, cluster, n_boot, alpha, rng) -> list[dict]:
    from hubeval.did.aggregation import aggregate
    from hubeval.did.staggered import att_gt
    from hubeval.inference.multiplier import bootstrap_influence
    gt = att_gt(panel, outcome=outcome, cluster=cluster, alpha=alpha, **settings)
    agg = aggregate(gt, by="simple")
    est, se = agg.overall["estimate"], agg.overall["std_error"]
    n_clusters = (int(agg.cluster.max()) + 1) if agg.cluster is not None else agg.n_units
    z, t = normal_quantile(1 - alpha / 2), stats.t.ppf(1 - alpha / 2, n_clusters - 1)
    boot = bootstrap_influence(agg, n_boot=n_boot, alpha=alpha, seed=rng).estimates.iloc[0]
    return [
        row("conventional (influence function, normal)", est, se, float(normal_two_sided_p(est / se)),
            est - z * se, est + z * se, term=str(agg.estimates["term"].iloc[0])),
        row(f"small-sample cluster (t, {n_clusters - 1} df)", est, se,
            2 * stats.t.sf(abs(est / se), n_clusters - 1), est - t * se, est + t * se),
        row("wild (multiplier) bootstrap-t", est, boot["std_error"], boot["p_value"], boot["conf_low"],
            boot["conf_high"], n_boot),
    ]


def twfe_rows(bench, treatment, trends, outcome, cluster, weights, n_boot, alpha, rng) -> list[dict]:
    from hubeval.did.fixed_effects import twfe
    from hubeval.inference.wild import wild_cluster_bootstrap
    kw = dict(outcome=outcome, covariates=trends or None, cluster=cluster, weights=weights, alpha=alpha,
              **treatment)
    fit = twfe(bench, **kw)
    head = fit.estimates.iloc[0]
    est, se, g = head["estimate"], head["std_error"], fit.n_clusters
    z = normal_quantile(1 - alpha / 2)
    cv3 = twfe(bench, vcov="cv3", **kw).estimates.iloc[0]
    wcr = wild_cluster_bootstrap(fit, term=str(head["term"]), n_boot=n_boot, alpha=alpha,
                                 seed=rng).estimates.iloc[0]
    return [
        row("conventional (CRV1, normal)", est, se, float(normal_two_sided_p(est / se)), est - z * se,
            est + z * se, term=str(head["term"])),
        row(f"small-sample cluster (CRV1, t {g - 1} df)", est, se, head["p_value"], head["conf_low"],
            head["conf_high"]),
        row(f"jackknife cluster (CRV3, t {g - 1} df)", est, cv3["std_error"], cv3["p_value"],
            cv3["conf_low"], cv3["conf_high"]),
        row("wild cluster bootstrap (WCR)", est, se, wcr["p_value"], wcr["conf_low"], wcr["conf_high"],
            n_boot),
    ]


def cs_statistic(panel, outcome: str, settings: dict):
    """The kernel without covariates; with covariates a callable re-fitting att_gt (the kernel
    cannot reproduce the covariate-adjusted estimate, and RI must test the reported statistic)."""
    if not settings["covariates"]:
        return CsSimple(panel, outcome, settings["control"], settings["weights"], settings["anticipation"])
    from hubeval.did.aggregation import aggregate
    from hubeval.did.staggered import att_gt

    def refit_att_gt_simple(permuted):
        return aggregate(att_gt(permuted, outcome=outcome, **settings), by="simple")
    return refit_att_gt_simple


def advice(table: pd.DataFrame, treated: int, control: int, min_p: float, alpha: float) -> str:
    p = table.set_index("method")["p_value"]
    boot = next(m for m in p.index if "bootstrap" in m)
    counts = f"{treated} treated and {control} control clusters"
    if treated < 5:
        text = (f"Only {counts}: every cluster-based p-value (conventional, small-sample and even the "
                "wild bootstrap, MacKinnon & Webb 2017) is unreliable. Trust randomization inference, "
                "which is exact under the sharp null if participation was as good as random among "
                "eligible firms (within strata)")
    elif treated < 30:
        text = (f"With {counts}, conventional clustered errors over-reject. Trust the {boot} p-value, "
                "with randomization inference as a check that holds if participation was as good as "
                "random among eligible firms (within strata)")
    else:
        text = (f"With {counts}, large-sample cluster inference is adequate and the methods should "
                f"agree; the {boot} p-value is the safest single number")
    significant = p < alpha
    if significant.any() and not significant.all():
        text += (f". They disagree at the {alpha:.0%} level ({', '.join(f'{m}: {v:.3f}' for m, v in p.items())}): "
                 "report the trusted one, not the smallest")
    if min_p > alpha:
        text += (f". Randomization inference cannot reach p < {alpha} here (minimum attainable p = "
                 f"{min_p:.3f}): too few assignments")
    return text + "."
