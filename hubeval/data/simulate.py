"""Simulated panels with a known truth, for tests, examples and power analysis.

:func:`simulate_panel` draws a generic staggered-adoption panel with one outcome ``y``; every
parameter of its data-generating process (DGP) is an argument, and the true group-time effects
of the realised sample are returned beside the data. :mod:`hubeval.data.example` builds the program's
example data (firms, cities, costs) on top of it.

The generic DGP, for unit i in cohort g (g = inf for never-participants) and year t::

    y_it = a_i + b_t + (trend + trend_x * x_i + trend_selection * D_i) * (t - t0)
           + dip * 1[t - g == -1] + tau_i(t - g) * 1[t >= g] + u_it
    u_it = rho * u_i,t-1 + e_it,  e_it ~ N(0, noise_sd^2)

with ``x_i`` a binary covariate that raises the probability of participating (by
``selection_x``), ``D_i`` the participation indicator and ``tau_i(e) = effect(e) * (1 + het * z_i)``.
Parallel trends hold unconditionally when ``trend_selection = trend_x = 0``, conditionally on
``x`` when only ``trend_x != 0``, and are broken by ``trend_selection`` and (around entry) ``dip``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from hubeval.core.errors import SpecError
from hubeval.core.random import as_generator

__all__ = ["simulate_panel", "SimulatedPanel", "ramp_effect"]


def ramp_effect(full: float, *, years_to_full: int = 4) -> Callable[[np.ndarray], np.ndarray]:
    """An effect that grows linearly from ``full / years_to_full`` at entry to ``full``.

    ``effect(e) = full * min(e + 1, years_to_full) / years_to_full`` for event time ``e >= 0``.
    With ``years_to_full=4`` the full effect is reached three years after the program year.
    """
    def effect(event_time):
        e = np.asarray(event_time, dtype=float)
        return np.where(e >= 0, full * np.minimum(e + 1, years_to_full) / years_to_full, 0.0)
    return effect


@dataclasses.dataclass(frozen=True)
class SimulatedPanel:
    """A simulated panel and its truth.

    Attributes
    ----------
    data : DataFrame
        ``firm_id, year, cohort, x, y`` (cohort 0 for never-participants).
    truth : DataFrame
        True ATT per ``cohort, year, event_time`` for the realised participants
        (columns ``cohort, year, event_time, att, n_units``).
    spec : dict
        The DGP's parameters.
    """

    data: pd.DataFrame
    truth: pd.DataFrame
    spec: dict

    def true_effect(self, by: str = "event_time") -> pd.Series:
        """Truth aggregated like :func:`hubeval.aggregate`: unit-weighted mean of ATT(g,t) by key.

        ``by`` is ``"event_time"``, ``"cohort"``, ``"calendar"`` (year) or ``"simple"``
        (post-entry cells weighted by cohort size, as Callaway & Sant'Anna's simple aggregate).
        """
        post = self.truth[self.truth["event_time"] >= 0]
        if by == "simple":
            return pd.Series({"simple": np.average(post["att"], weights=post["n_units"])})
        key = {"event_time": "event_time", "cohort": "cohort", "calendar": "year"}[by]
        frame = self.truth if by == "event_time" else post
        return frame.groupby(key).apply(lambda d: np.average(d["att"], weights=d["n_units"]),
                                        include_groups=False)


def simulate_panel(n_units: int = 500, *, years: tuple[int, int] = (2006, 2018),
                   cohorts: Sequence[int] = (2011, 2012, 2013, 2014, 2015, 2016),
                   treated_share: float = 0.3, effect: float | Callable = 0.08,
                   heterogeneity: float = 0.0, trend: float = 0.02, trend_x: float = 0.0,
                   trend_selection: float = 0.0, selection_x: float = 0.0, dip: float = 0.0,
                   noise_sd: float = 0.1, rho: float = 0.5, unit_sd: float = 0.5,
                   missing_share: float = 0.0, seed=None) -> SimulatedPanel:
    """Simulate a staggered-adoption panel with a known effect.

    Parameters
    ----------
    n_units : int
        Number of units (firms).
    years : (int, int)
        First and last year, inclusive.
    cohorts : sequence of int
        Entry years; participants are spread evenly over them.
    treated_share : float
        Share of units that ever participate.
    effect : float or callable
        Full effect (reached 3 years after entry, via :func:`ramp_effect`) or a function of event time.
    heterogeneity : float
        Unit-level effect heterogeneity: ``tau_i = effect * (1 + heterogeneity * z_i)``, z ~ N(0, 1).
    trend, trend_x, trend_selection : float
        Common trend; extra trend for units with ``x = 1``; extra trend for participants.
    selection_x : float
        Log-odds shift of participation for ``x = 1``.
    dip : float
        Transitory shock in the year before entry (an Ashenfelter dip when negative).
    noise_sd, rho, unit_sd : float
        Idiosyncratic AR(1) noise and unit fixed-effect spread.
    missing_share : float
        Share of outcome values set to missing at random.
    seed : int, Generator or None

    Returns
    -------
    SimulatedPanel

    Examples
    --------
    >>> sim = simulate_panel(200, effect=0.1, seed=1)
    >>> sim.data.columns.tolist()
    ['firm_id', 'year', 'cohort', 'x', 'y']
    """
    if n_units < 2:
        raise SpecError(f"`n_units` must be at least 2; got {n_units}.")
    if not 0 < treated_share < 1:
        raise SpecError(f"`treated_share` must be strictly between 0 and 1; got {treated_share}.")
    rng = as_generator(seed)
    effect_fn = effect if callable(effect) else ramp_effect(float(effect))
    times = np.arange(years[0], years[1] + 1)
    x = rng.binomial(1, 0.4, n_units)
    cohort = _assign_cohorts(rng, x, cohorts, treated_share, selection_x)
    z = rng.standard_normal(n_units)
    a = rng.normal(0, unit_sd, n_units)
    b = rng.normal(0, 0.05, len(times)).cumsum()
    u = _ar1(rng, n_units, len(times), rho, noise_sd)
    treated = np.isfinite(cohort)
    rel = times[None, :] - cohort[:, None]
    slope = trend + trend_x * x + trend_selection * treated
    tau = effect_fn(np.where(np.isfinite(rel), rel, -1)) * (1 + heterogeneity * z)[:, None]
    tau = np.where(np.isfinite(rel) & (rel >= 0), tau, 0.0)
    y0 = a[:, None] + b[None, :] + slope[:, None] * (times - times[0])[None, :] + dip * (rel == -1) + u
    y = y0 + tau
    frame = pd.DataFrame({
        "firm_id": np.repeat([f"F{i:05d}" for i in range(n_units)], len(times)),
        "year": np.tile(times, n_units),
        "cohort": np.repeat(np.where(treated, cohort, 0), len(times)).astype(int),
        "x": np.repeat(x, len(times)),
        "y": y.ravel(),
    })
    if missing_share > 0:
        frame.loc[rng.random(len(frame)) < missing_share, "y"] = np.nan
    truth = _truth_table(frame, tau.ravel())
    spec = dict(n_units=n_units, years=years, cohorts=list(cohorts), treated_share=treated_share,
                effect=effect if not callable(effect) else getattr(effect, "__name__", "callable"),
                heterogeneity=heterogeneity, trend=trend, trend_x=trend_x,
                trend_selection=trend_selection, selection_x=selection_x, dip=dip,
                noise_sd=noise_sd, rho=rho, unit_sd=unit_sd, missing_share=missing_share)
    return SimulatedPanel(frame, truth, spec)


def _assign_cohorts(rng, x, cohorts, treated_share, selection_x) -> np.ndarray:
    n = len(x)
    logit = np.log(treated_share / (1 - treated_share)) + selection_x * (x - x.mean())
    n_treated = max(len(cohorts), int(round(treated_share * n)))
    # Gumbel-top-k draws exactly n_treated units with odds proportional to exp(logit).
    keys = logit + rng.gumbel(size=n)
    chosen = np.argsort(-keys)[:n_treated]
    cohort = np.full(n, np.inf)
    cohort[chosen] = np.resize(np.asarray(cohorts, dtype=float), n_treated)
    return cohort


def _ar1(rng, n, t, rho, sd) -> np.ndarray:
    e = rng.normal(0, sd, (n, t))
    u = np.empty_like(e)
    u[:, 0] = e[:, 0] / np.sqrt(max(1 - rho**2, 1e-12))
    for j in range(1, t):
        u[:, j] = rho * u[:, j - 1] + e[:, j]
    return u


def _truth_table(frame: pd.DataFrame, tau: np.ndarray) -> pd.DataFrame:
    treated = frame["cohort"] > 0
    cells = frame.loc[treated, ["cohort", "year"]].assign(att=tau[treated.to_numpy()])
    truth = cells.groupby(["cohort", "year"], as_index=False).agg(att=("att", "mean"),
                                                                  n_units=("att", "size"))
    truth.insert(2, "event_time", truth["year"] - truth["cohort"])
    return truth
