"""Power and minimum detectable effects (MDE) for firm-level program evaluations.

:func:`mde` gives the smallest effect a design detects with the requested power, analytically
or by simulation, and says plainly whether effects of the size found in rigorous studies (by
default +17%, Bloom et al. 2013) are within reach. :func:`mde_from_panel` reads the design
(participants, comparison firms, years) and the outcome's spread and persistence from a panel,
for a single cohort and for all cohorts pooled: the power of the example design in one call.

Analytic variance. With ``m`` pre and ``r`` post years and the covariance ``Omega`` of a firm's
outcome over those years, a difference-in-means estimator ``a' (ybar_T - ybar_C)`` has variance
``a' Omega a (1/n_T + 1/n_C)``; the MDE is ``(t_{1-alpha/2} + t_{power}) * sqrt(Var)`` (Bloom
1995). Designs:

* ``"did"``: post mean minus pre mean (TWFE and imputation use all pre years);
* ``"cs"``: post mean minus the last pre year (the Callaway-Sant'Anna base period, ``m = 1``);
* ``"ancova"``: post mean adjusted for the pre mean (McKenzie 2012);
* ``"post"``: post mean only.

``Omega`` is ``sd^2 [(1 - rho) I + rho 11']`` for ``errors="equicorrelated"`` (McKenzie 2012)
or ``sd^2 rho^|s-t|`` for ``errors="ar1"``, the serial correlation that Burlig, Preonas &
Woerman (2020) show the equicorrelated formula gets wrong. The simulation method draws the same
covariance with :func:`hubeval.simulate_panel`, estimates the Callaway-Sant'Anna simple ATT
with :func:`hubeval.att_gt` and its analytic standard error, and finds the effect at which the
test rejects in ``power`` of the draws. Because the simulated effect is additive and the draws
do not depend on it, the null draws serve every effect size (common random numbers).

References
----------
Bloom, H. S. (1995). Minimum detectable effects. Evaluation Review 19(5).
McKenzie, D. (2012). Beyond baseline and follow-up: the case for more T in experiments.
Journal of Development Economics 99(2).
Burlig, F., Preonas, L. & Woerman, M. (2020). Panel data and experimental design. Journal of
Development Economics 144.
Bloom, N., Eifert, B., Mahajan, A., McKenzie, D. & Roberts, J. (2013). Does management matter?
Evidence from India. Quarterly Journal of Economics 128(1).
"""
from __future__ import annotations

import dataclasses
import warnings
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import optimize

from hubeval.core.results import normal_quantile
from hubeval.core.errors import SpecError
from hubeval.core.lazy import stats
from hubeval.core.results import ResultMixin
from hubeval.data.outcomes import (
    is_log_outcome,  # the estimators' rule (log_/ln_ names)
)

__all__ = ["mde", "mde_from_panel", "PowerResult", "LITERATURE_EFFECT"]

Design = Literal["did", "cs", "ancova", "post"]
Errors = Literal["equicorrelated", "ar1"]
#: Productivity effect of management consulting in Bloom et al. (2013), percent.
LITERATURE_EFFECT = 17.0


@dataclasses.dataclass(frozen=True)
class PowerResult(ResultMixin):
    """Minimum detectable effects of a design, and whether the literature's effect is in reach.

    A power calculation estimates nothing, so there is no ``estimates`` table: :meth:`tidy`,
    :meth:`summary` and the notebook display show the ``mde`` table (one row per design, its own
    columns below, not the tidy ``estimate, p_value, conf_low, ...`` schema).

    Attributes
    ----------
    mde : DataFrame
        One row per design: ``term, n_treated, n_control, std_error`` (of the estimator),
        ``mde`` (always, in outcome units: log points for logs), ``mde_percent`` (log outcomes
        only, ``100 (exp(mde) - 1)``; NaN otherwise), ``mde_percent_of_baseline`` (level outcomes
        with a ``baseline_mean`` only, ``100 mde / baseline_mean``; NaN otherwise),
        ``power_at_benchmark``, ``detects_benchmark``. ``spec["percent_scale"]`` says which percent
        applies: ``"log"``, ``"baseline mean"`` or None.
    statement : str
        A plain sentence on what the design can and cannot detect.
    spec : dict
    seed
    """

    title = "Minimum detectable effect"
    _table = "mde"
    mde: pd.DataFrame
    statement: str
    spec: dict
    seed: object = None

    @property
    def note(self) -> str:
        return self.statement

    def power_at(self, effect: float) -> pd.Series:
        """Power of each design against ``effect`` (outcome units, e.g. log points)."""
        alpha, df = self.spec["alpha"], self.spec.get("df")
        return pd.Series([_power(effect, se, alpha, df) for se in self.mde["std_error"]],
                         index=self.mde["term"], name=f"power at {effect:g}")


def mde(*, n_treated: int, n_control: int, pre_years: int = 3, post_years: int = 3, sd: float = 1.0,
        rho: float = 0.5, errors: Errors = "equicorrelated", design: Design | list = ("cs", "did", "ancova"),
        alpha: float = 0.05, power: float = 0.8, log_outcome: bool = True,
        baseline_mean: float | None = None, benchmark: float = LITERATURE_EFFECT, method: Literal["analytic", "simulation"] = "analytic",
        covariance=None, n_sims: int = 200, seed=None) -> PowerResult:
    """Minimum detectable effect of a participants-versus-comparison panel design.

    Parameters
    ----------
    n_treated, n_control : int
        Participating and comparison firms.
    pre_years, post_years : int
        Years observed before entry and from entry on.
    sd : float
        Standard deviation of the outcome across firms within a year (for log productivity
        around 0.4-0.8).
    rho : float
        Correlation of a firm's outcome between years (``"equicorrelated"``) or its lag-one
        autocorrelation (``"ar1"``).
    errors : {"equicorrelated", "ar1"}
    design : str or list of str
        Any of ``"cs"``, ``"did"``, ``"ancova"``, ``"post"`` (see the module docstring).
    alpha, power : float
        Two-sided test level and desired power.
    log_outcome : bool, default True
        Whether the outcome is in logs: the MDE is then also in percent, ``100 (exp(mde) - 1)``.
        Pass ``False`` for ratios, rates and levels (the MDE stays in the outcome's units).
    baseline_mean : float, optional
        For a level outcome (``log_outcome=False``), the participants' mean before entry: the MDE
        is then also reported in percent of it (column ``mde_percent_of_baseline``,
        ``spec["percent_scale"] == "baseline mean"``), and ``benchmark`` is read as percent of it.
    benchmark : float, default 17
        The literature's effect, compared with the MDE: in percent for a log outcome or with
        ``baseline_mean`` (percent of the baseline mean), otherwise in outcome units.
    method : {"analytic", "simulation"}
        Simulation uses :func:`hubeval.simulate_panel` and :func:`hubeval.att_gt` (design ``"cs"``).
    covariance : array (pre_years + post_years, pre_years + post_years), optional
        The covariance of a firm's outcome over the window, e.g. estimated from comparison firms'
        pre-program data as Burlig, Preonas & Woerman (2020) advise; overrides ``sd``/``rho``.
    n_sims : int
        Simulated panels (``method="simulation"``).
    seed : int, Generator or None

    Returns
    -------
    PowerResult

    Examples
    --------
    >>> import hubeval as hb
    >>> res = hb.mde(n_treated=20, n_control=80, pre_years=3, post_years=3, sd=0.5, rho=0.7)
    >>> print(res.statement)  # doctest: +SKIP
    """
    designs = [design] if isinstance(design, str) else list(design)
    _validate(n_treated, n_control, pre_years, post_years, sd, rho, errors, designs, alpha, power, method)
    scale = _percent_scale(log_outcome, baseline_mean)
    df = n_treated + n_control - 2
    if method == "analytic":
        omega = _covariance(pre_years + post_years, sd, rho, errors) if covariance is None else \
            np.asarray(covariance, float)
        if omega.shape != (pre_years + post_years,) * 2:
            raise SpecError(f"`covariance` must be {pre_years + post_years} x {pre_years + post_years} "
                            f"(pre_years + post_years); got {omega.shape}.")
        ses = [np.sqrt(_unit_variance(omega, pre_years, d) * (1 / n_treated + 1 / n_control)) for d in designs]
    rows = [] if method == "analytic" else [_simulated_row(
        _simulate(n_treated, n_control, pre_years, post_years, sd, rho, errors, n_sims, seed),
        n_treated, n_control, alpha, power, scale, baseline_mean, benchmark)]
    if method == "analytic":
        rows = [_row(d, se, n_treated, n_control, alpha, power, df, scale, baseline_mean, benchmark)
                for d, se in zip(designs, ses)]
    else:
        df = None
    table = pd.DataFrame(rows)
    spec = dict(n_treated=n_treated, n_control=n_control, pre_years=pre_years, post_years=post_years,
                sd=sd, rho=rho, errors=errors, alpha=alpha, power=power, log_outcome=log_outcome,
                baseline_mean=baseline_mean, percent_scale=scale, benchmark=benchmark, method=method,
                df=df, n_sims=n_sims if method == "simulation" else None,
                covariance="given" if covariance is not None else errors)
    return PowerResult(table, _statement(table, spec), spec, seed)


def mde_from_panel(panel, *, outcome: str, alpha: float = 0.05,
                   power: float = 0.8, benchmark: float = LITERATURE_EFFECT,
                   log_outcome: bool | None = None) -> PowerResult:
    """MDE of a panel's own design: one average cohort, and all cohorts pooled.

    The covariance of a firm's outcome over a window of ``pre + post`` years is estimated on the
    never-participants after removing year means, averaged over every window position (the
    empirical approach of Burlig, Preonas & Woerman 2020, which needs no model of the serial
    correlation); ``pre`` and ``post`` are the median years observed before and after entry.
    Rows are the Callaway-Sant'Anna (``cs``) and ANCOVA designs for one average cohort and for all
    cohorts pooled.

    The MDE is always reported in the outcome's units (``mde``). ``log_outcome=None`` reads
    log-ness from the name (``log_``/``ln_``, as ``result.percent()`` of the estimators does):
    pass ``log_outcome=True`` for a log outcome named otherwise (e.g. ``lemp``, log county
    employment) to get percent effects, ``100 (exp(mde) - 1)``. A level outcome (a cost ratio,
    an investment rate) is also reported in percent of the participants' mean in the year before
    entry when that mean is positive, and ``benchmark`` is then read as percent of it.
    """
    data = panel.data
    if outcome not in data.columns:
        raise SpecError(f"`outcome`: column `{outcome}` not found in the panel.")
    wide = panel.wide(outcome)
    never = ~np.isfinite(panel.unit_cohorts.reindex(wide.index).to_numpy())
    if never.sum() < 3:
        raise SpecError("`mde_from_panel` estimates the outcome's covariance on never-participants and "
                        f"needs at least 3 of them; the panel has {int(never.sum())}.")
    controls = wide[never].dropna(axis=1, how="all")  # e.g. growth rates have no first year
    resid = controls - controls.mean(axis=0)
    full = resid.cov().to_numpy()
    if np.isnan(full).any():
        raise SpecError(f"`outcome` `{outcome}`: too few never-participants observed in pairs of years to "
                        "estimate its covariance over time; use an outcome with better coverage.")
    event = panel.event_time().dropna()
    per_unit = pd.DataFrame({"u": data.loc[event.index, panel.unit], "e": event})
    pre = max(int(np.median(per_unit[per_unit["e"] < 0].groupby("u").size())), 1)
    post = max(int(np.median(per_unit[per_unit["e"] >= 0].groupby("u").size())), 1)
    width = min(pre + post, len(full))
    post = width - pre if width - pre >= 1 else post
    omega = np.mean([full[i:i + width, i:i + width] for i in range(len(full) - width + 1)], axis=0)
    sd = float(np.sqrt(np.mean(np.diag(omega))))
    inferred = log_outcome is None
    log_outcome = is_log_outcome(outcome) if inferred else bool(log_outcome)
    base = None if log_outcome else float(data.loc[panel.event_time() == -1, outcome].mean())
    base = base if base is not None and np.isfinite(base) and base > 0 else None
    sizes = panel.cohort_sizes
    kwargs = dict(pre_years=pre, post_years=post, sd=sd, covariance=omega, design=["cs", "ancova"],
                  alpha=alpha, power=power, log_outcome=log_outcome, baseline_mean=base, benchmark=benchmark)
    single = mde(n_treated=int(round(sizes.mean())), n_control=panel.n_never_treated, **kwargs)
    pooled = mde(n_treated=panel.n_treated, n_control=panel.n_never_treated, **kwargs)
    table = pd.concat([single.mde.assign(term=lambda t: "one cohort, " + t["term"]),
                       pooled.mde.assign(term=lambda t: "all cohorts, " + t["term"])], ignore_index=True)
    spec = dict(pooled.spec, outcome=outcome, n_treated=panel.n_treated, cohort_size=float(sizes.mean()))
    corr = omega[0, 1] / omega[0, 0] if width > 1 else np.nan
    scale = "" if log_outcome else (
        f" `{outcome}` is read as a level, not a log" + (" (its name does not start with log_ or ln_; "
                                                        "pass log_outcome=True if it is in logs)" if inferred else "")
        + ("; percent is of the participants' mean in the year before entry"
           if base is not None else "; no percent: the participants' mean before entry is not positive") + ".")
    statement = (f"Estimated from `{outcome}` on {int(never.sum())} never-participants: sd {sd:.3g}, "
                 f"correlation of consecutive years {corr:.2f}.{scale} One cohort: " + single.statement
                 + " All cohorts pooled: " + pooled.statement)
    return PowerResult(table, statement, spec)


# --- pieces ----------------------------------------------------------------------------------------
def _validate(n_treated, n_control, pre, post, sd, rho, errors, designs, alpha, power, method) -> None:
    for name, value in (("n_treated", n_treated), ("n_control", n_control), ("pre_years", pre),
                        ("post_years", post)):
        if not (isinstance(value, (int, np.integer)) and value >= 1):
            raise SpecError(f"`{name}` must be a positive integer; got {value!r}.")
    if not sd > 0:
        raise SpecError(f"`sd` must be positive; got {sd!r}.")
    if not -1 < rho < 1:
        raise SpecError(f"`rho` must lie strictly between -1 and 1; got {rho!r}.")
    if errors not in get_args(Errors):
        raise SpecError(f"`errors` must be 'equicorrelated' or 'ar1'; got {errors!r}.")
    bad = [d for d in designs if d not in get_args(Design)]
    if bad:
        raise SpecError(f"`design` must be among 'cs', 'did', 'ancova', 'post'; got {bad}.")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise SpecError(f"`alpha` and `power` must lie in (0, 1); got {alpha!r} and {power!r}.")
    if method not in ("analytic", "simulation"):
        raise SpecError(f"`method` must be 'analytic' or 'simulation'; got {method!r}.")


def _covariance(n_years: int, sd: float, rho: float, errors: str) -> np.ndarray:
    lags = np.abs(np.subtract.outer(np.arange(n_years), np.arange(n_years)))
    if errors == "ar1":
        return sd**2 * rho**lags
    return sd**2 * np.where(lags == 0, 1.0, rho)


def _unit_variance(omega: np.ndarray, m: int, design: str) -> float:
    """Variance of one firm's contrast (post mean vs. pre information) under covariance omega."""
    n = len(omega)
    post = np.r_[np.zeros(m), np.full(n - m, 1 / (n - m))]
    pre_mean = np.r_[np.full(m, 1 / m), np.zeros(n - m)]
    last_pre = np.r_[np.zeros(m - 1), 1.0, np.zeros(n - m)]
    if design == "post":
        return float(post @ omega @ post)
    if design in ("did", "cs"):
        a = post - (pre_mean if design == "did" else last_pre)
        return float(a @ omega @ a)
    v_post, v_pre, cov = post @ omega @ post, pre_mean @ omega @ pre_mean, post @ omega @ pre_mean
    return float(v_post - cov**2 / v_pre)


def _crit(alpha: float, power: float, df) -> float:
    dist = stats.norm if df is None else stats.t(df)
    return float(dist.ppf(1 - alpha / 2) + dist.ppf(power))


def _power(effect: float, se: float, alpha: float, df) -> float:
    dist = stats.norm if df is None else stats.t(df)
    q = dist.ppf(1 - alpha / 2)
    return float(dist.sf(q - abs(effect) / se) + dist.cdf(-q - abs(effect) / se))


def _percent_scale(log_outcome: bool, baseline_mean) -> str | None:
    """How ``mde_percent`` reads: ``"log"``, ``"baseline mean"`` (a level outcome) or None."""
    if baseline_mean is None:
        return "log" if log_outcome else None
    if log_outcome:
        raise SpecError("`baseline_mean` applies to level outcomes; with log_outcome=True the MDE is already "
                        f"in percent, 100 (exp(mde) - 1). Got baseline_mean={baseline_mean!r}. Fix: drop "
                        "`baseline_mean`, or pass log_outcome=False if the outcome is not in logs.")
    if not (np.isfinite(baseline_mean) and baseline_mean > 0):
        raise SpecError(f"`baseline_mean` must be a positive number (the participants' mean before entry); "
                        f"got {baseline_mean!r}. Fix: omit it to report the MDE in outcome units only.")
    return "baseline mean"


def _in_units(percent: float, scale, baseline_mean) -> float:
    """An effect given in percent (``benchmark``) in outcome units; as is without a percent scale."""
    if scale == "log":
        return float(np.log1p(percent / 100))
    return percent / 100 * baseline_mean if scale else percent


def _in_percent(value: float, scale, baseline_mean) -> dict:
    """The two percent columns: exp-transformed log points, or percent of the baseline mean."""
    return dict(mde_percent=float(100 * np.expm1(value)) if scale == "log" else np.nan,
                mde_percent_of_baseline=float(100 * value / baseline_mean) if scale == "baseline mean"
                else np.nan)


def _row(design, se, n_treated, n_control, alpha, power, df, scale, baseline_mean, benchmark) -> dict:
    value = _crit(alpha, power, df) * se
    bench = _in_units(benchmark, scale, baseline_mean)
    return dict(term=design, n_treated=n_treated, n_control=n_control, std_error=float(se), mde=float(value),
                **_in_percent(value, scale, baseline_mean),
                power_at_benchmark=_power(bench, se, alpha, df), detects_benchmark=bool(value <= bench))


def _size(row, scale) -> str:
    """An MDE in words: percent for logs, otherwise outcome units (and percent of the baseline mean)."""
    if scale == "log":
        return f"{row['mde_percent']:+.1f}%"
    return f"{row['mde']:.3g} in outcome units" + (
        f" ({row['mde_percent_of_baseline']:.1f}% of the baseline mean)" if scale else "")


def _statement(table: pd.DataFrame, spec: dict) -> str:
    scale, base = spec["percent_scale"], spec["baseline_mean"]
    best = table.loc[table["mde"].idxmin()]
    each = (f"{r['mde_percent']:+.1f}%" if scale == "log" else f"{r['mde']:.3g}" for _, r in table.iterrows())
    head = (f"With {spec['n_treated']} participants and {spec['n_control']} comparison firms, "
            f"{spec['pre_years']} years before and {spec['post_years']} after entry, the smallest effect "
            f"detectable with {spec['power']:.0%} power at the {spec['alpha']:.0%} level is "
            f"{_size(best, scale)} (best design: {best['term']}; "
            + ", ".join(f"{term} {size}" for term, size in zip(table["term"], each)) + ").")
    bench = f"{spec['benchmark']:+g}" + ("%" if scale == "log" else " in outcome units" if scale is None else
                                         f"% of the baseline mean {base:.3g}, "
                                         f"{_in_units(spec['benchmark'], scale, base):.3g} in outcome units")
    if best["detects_benchmark"]:
        return head + (f" Effects the size of those in rigorous studies ({bench}) are detectable "
                       f"(power {best['power_at_benchmark']:.0%}).")
    return head + (f" This design CANNOT reliably detect effects the size of those in rigorous studies "
                   f"({bench}): power is only {best['power_at_benchmark']:.0%}. A null result would not show "
                   "that the program does not work; pool cohorts and post-entry years to gain power.")


def _simulate(n_treated, n_control, pre, post, sd, rho, errors, n_sims, seed) -> np.ndarray:
    """Null estimates and standard errors of the CS simple ATT on simulated panels (n_sims x 2)."""
    from hubeval.core.random import as_generator
    from hubeval.data.panel import Panel
    from hubeval.data.simulate import simulate_panel
    from hubeval.did.aggregation import aggregate
    from hubeval.did.staggered import att_gt
    rng = as_generator(seed)
    n = n_treated + n_control
    entry = 2010 + pre
    noise = dict(unit_sd=0.0, rho=rho, noise_sd=sd * np.sqrt(1 - rho**2)) if errors == "ar1" else \
        dict(unit_sd=sd * np.sqrt(rho), rho=0.0, noise_sd=sd * np.sqrt(1 - rho))
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(int(n_sims)):
            sim = simulate_panel(n, years=(2010, entry + post - 1), cohorts=(entry,), treated_share=n_treated / n,
                                 effect=0.0, trend=0.0, seed=rng, **noise)
            panel = Panel(sim.data, unit="firm_id", time="year", cohort="cohort")
            overall = aggregate(att_gt(panel, outcome="y", method="reg"), by="simple").overall
            out.append((overall["estimate"], overall["std_error"]))
    return np.asarray(out)


def _simulated_row(draws, n_treated, n_control, alpha, power, scale, baseline_mean, benchmark) -> dict:
    # The effect is additive and the draws do not depend on it (common random numbers), so the
    # null draws shifted by tau are draws at effect tau: power(tau) = P(|est + tau| / se > z).
    est, se = draws[:, 0], draws[:, 1]
    z = normal_quantile(1 - alpha / 2)

    def rejects(tau):
        return float(np.mean(np.abs(est + tau) / se > z))
    top = 20 * float(np.std(est)) + 1e-9
    value = optimize.brentq(lambda tau: rejects(tau) - power, 0.0, top, xtol=1e-6 * top) \
        if rejects(top) >= power else np.inf
    bench = _in_units(benchmark, scale, baseline_mean)
    return dict(term="cs (simulated)", n_treated=n_treated, n_control=n_control,
                std_error=float(np.std(est)), mde=float(value),
                **_in_percent(value, scale, baseline_mean),
                power_at_benchmark=rejects(bench), detects_benchmark=bool(value <= bench))
