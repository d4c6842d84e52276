"""The weighting methods of :func:`~hubeval.design.matching.match`: nearest-neighbour matching on the
propensity score, inverse probability weights and entropy balancing, per cohort stack.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize

from hubeval.core.errors import EstimationError, SpecError, format_examples

__all__: list[str] = []


# --- weighting methods ---------------------------------------------------------------------------
def _cells(stacks: pd.DataFrame):
    keys = ["cohort", "stratum"] if "stratum" in stacks else ["cohort"]
    return stacks.loc[stacks["in_support"]].groupby(keys).indices, stacks.index[stacks["in_support"]]


def _nearest(stacks, features, spec, notes):
    logit = np.log(stacks["pscore"] / (1 - stacks["pscore"])).to_numpy()
    width = None if spec["caliper"] is None else spec["caliper"] * logit[stacks["in_support"]].std()
    weights = np.zeros(len(stacks))
    pairs = []
    cells, rows = _cells(stacks)
    for idx in cells.values():
        idx = rows[idx]
        treated = idx[stacks["treated"].to_numpy()[idx]]
        controls = idx[~stacks["treated"].to_numpy()[idx]]
        pairs += _match_cell(logit, treated, controls, spec["ratio"], width, spec["replace"])
    if not pairs:
        raise SpecError(
            f"`caliper={spec['caliper']}` (= {width:.3g} on the logit score) matches nobody: no "
            "participant has a comparison firm that close. Widen the caliper (e.g. `caliper=0.5` or "
            "`None`), or match on fewer features.")
    matches = pd.DataFrame(pairs, columns=["t", "c", "distance"])
    matches["weight"] = 1.0 / matches.groupby("t")["c"].transform("size")
    np.add.at(weights, matches["c"].to_numpy(), matches["weight"].to_numpy())
    weights[matches["t"].unique()] = 1.0
    unmatched = stacks["treated"] & stacks["in_support"] & (weights == 0)
    if unmatched.any():
        notes.append(f"{int(unmatched.sum())} participant(s) have no comparison firm within the caliper "
                     f"and are dropped: {format_examples(stacks.loc[unmatched, 'unit'])}.")
    table = pd.DataFrame({"cohort": stacks["cohort"].to_numpy()[matches["t"]],
                          "treated_unit": stacks["unit"].to_numpy()[matches["t"]],
                          "control_unit": stacks["unit"].to_numpy()[matches["c"]],
                          "distance": matches["distance"], "weight": matches["weight"]})
    return weights, table


def _match_cell(score, treated, controls, ratio, width, replace) -> list[tuple[int, int, float]]:
    """Each participant's ``ratio`` nearest available comparison firms on ``score``.

    A sorted search: the comparison scores are sorted once and each participant walks outwards
    from its insertion point, so a cell costs O((T + C) log C) instead of T sorts of all C
    distances (at 30,000 firms, 1,800 participants x 28,000 comparison firms). Ties in distance
    go to the comparison firm listed first, as a stable sort of all distances would.
    """
    # Hardest-to-match participants (highest score) choose first when matching without replacement.
    order = treated[np.argsort(-score[treated], kind="stable")]
    by_score = np.argsort(score[controls], kind="stable")
    sorted_scores = score[controls][by_score]
    available = np.ones(len(controls), bool)
    pairs = []
    for t in order:
        nearest = _nearest_available(sorted_scores, by_score, available, score[t], ratio)
        dist = np.abs(score[controls[nearest]] - score[t]) if len(nearest) else np.empty(0)
        keep = np.ones(len(nearest), bool) if width is None else dist <= width
        nearest, dist = nearest[keep], dist[keep]
        if not replace:
            available[nearest] = False
        pairs += [(t, controls[j], float(d)) for j, d in zip(nearest, dist)]
    return pairs


def _nearest_available(sorted_scores, by_score, available, target, ratio) -> np.ndarray:
    """Positions (in ``controls``) of the ``ratio`` available scores nearest ``target``."""
    right = int(np.searchsorted(sorted_scores, target))
    left = right - 1
    found: list[tuple[float, int]] = []
    n = len(sorted_scores)
    while left >= 0 or right < n:
        d_left = target - sorted_scores[left] if left >= 0 else np.inf
        d_right = sorted_scores[right] - target if right < n else np.inf
        step = min(d_left, d_right)
        if len(found) >= ratio and step > sorted(found)[ratio - 1][0]:
            break  # every later candidate is farther than the ratio-th nearest (ties included)
        if d_left <= d_right:
            position, left = int(by_score[left]), left - 1
        else:
            position, right = int(by_score[right]), right + 1
        if available[position]:
            found.append((float(step), position))
    found.sort()
    return np.array([position for d, position in found[:ratio] if np.isfinite(d)], dtype=np.int64)


def _ipw(stacks, features, spec, notes):
    p = stacks["pscore"].to_numpy()
    odds = np.where(stacks["treated"], 1.0, p / (1 - p))
    return _normalise(stacks, odds), _no_matches()


def _entropy(stacks, features, spec, notes):
    base = np.where(stacks["treated"], 1.0, 0.0)
    in_support = stacks["in_support"].to_numpy()
    for g, idx in stacks.groupby("cohort").indices.items():
        idx = idx[in_support[idx]]
        s = stacks.iloc[idx]
        if "stratum" in s:
            # Strata without participants get no weight: a zero target share is out of reach of
            # strictly positive entropy weights, and dropping them is exact matching's choice too.
            keep = s["stratum"].isin(s.loc[s["treated"], "stratum"]).to_numpy()
            idx, s = idx[keep], s.loc[keep]
        x = s[features].to_numpy(float)
        if "stratum" in s:
            x = np.column_stack([x, pd.get_dummies(s["stratum"], drop_first=True, dtype=float).to_numpy()])
        t = s["treated"].to_numpy()
        base[idx[~t]] = _entropy_weights(x[~t], x[t].mean(axis=0), g)
    return _normalise(stacks, base), _no_matches()


def _entropy_weights(x: np.ndarray, target: np.ndarray, cohort) -> np.ndarray:
    """Entropy-balancing weights (uniform base weights) by Newton's method on the convex dual."""
    sd = x.std(axis=0)
    use = sd > 0
    z = (x[:, use] - target[use]) / sd[use]
    # Exact balance is possible only if the target is in the convex hull of the comparison rows;
    # a linear program answers that at once instead of letting the dual diverge.
    hull = optimize.linprog(np.zeros(len(z)), A_eq=np.vstack([z.T, np.ones(len(z))]),
                            b_eq=np.append(np.zeros(z.shape[1]), 1.0), bounds=(0, None))
    if hull.status == 2:
        raise EstimationError(
            f"Entropy balancing is impossible for cohort {cohort}: no weighting of its {len(z)} "
            "comparison firms reproduces the participants' means (they lie outside the comparison "
            "firms' convex hull). Balance on fewer features, widen the comparison `pool`, or use "
            "`method='ipw'` or `'nearest'`.")

    def dual(lam):
        a = z @ lam
        m = a.max()
        w = np.exp(a - m)
        s = w.sum()
        w /= s
        mean = w @ z
        hess = (z * w[:, None]).T @ z - np.outer(mean, mean)
        return np.log(s) + m, mean, hess

    fit = optimize.minimize(lambda l: dual(l)[0], np.zeros(z.shape[1]), jac=lambda l: dual(l)[1],
                            hess=lambda l: dual(l)[2], method="trust-exact",
                            options={"gtol": 1e-9, "maxiter": 500})
    a = z @ fit.x
    w = np.exp(a - a.max())
    w /= w.sum()
    gap = np.abs(w @ z)
    if gap.max() > 1e-4:
        raise EstimationError(
            f"Entropy balancing did not converge for cohort {cohort} (largest remaining gap "
            f"{gap.max():.3g} SD): the participants' means lie at the edge of what the comparison "
            "firms can reach. Balance on fewer features or widen the comparison `pool`.")
    return w


def _normalise(stacks: pd.DataFrame, raw: np.ndarray) -> np.ndarray:
    """Comparison weights summing, per cohort (and exact stratum), to the participants there."""
    weights = np.where(stacks["in_support"], raw, 0.0)
    cells, rows = _cells(stacks)
    treated = stacks["treated"].to_numpy()
    for idx in cells.values():
        idx = rows[idx]
        t, c = idx[treated[idx]], idx[~treated[idx]]
        total = weights[c].sum()
        weights[c] = weights[c] * len(t) / total if total > 0 and len(t) else 0.0
    return weights


def _no_matches() -> pd.DataFrame:
    return pd.DataFrame(columns=["cohort", "treated_unit", "control_unit", "distance", "weight"])


def _unit_weights(stacks: pd.DataFrame) -> pd.Series:
    weights = stacks.groupby("unit")["weight"].sum()
    treated_units = stacks.loc[stacks["treated"] & (stacks["weight"] > 0), "unit"].unique()
    weights.loc[treated_units] = 1.0
    return weights[weights > 0].rename("weight")


def _check_concentration(weights: pd.Series, stacks: pd.DataFrame) -> None:
    control = weights[~weights.index.isin(stacks.loc[stacks["treated"], "unit"])]
    if control.empty:
        raise EstimationError("No comparison firm received a positive weight; widen the `caliper` or "
                              "the comparison `pool`.")
    share = control.max() / control.sum()
    if share >= 0.9:
        raise EstimationError(
            f"{share:.0%} of the comparison weight falls on one firm ({control.idxmax()}): the "
            "comparison group is a single firm and its data would be disclosed. Match on fewer "
            "features, raise `ratio`, or use `method='entropy'` or a wider `pool`.")
