"""The synthetic example data of the Gwangyang Shared-Growth Innovation Hub.

Everything here is simulated: no real firm or city appears. :func:`simulate_program` draws
firm accounts, a city panel and a cost ledger from a documented data-generating process whose
true effects are known, and :func:`write_example_data` writes them to ``data/example/``.

The process is built so that the program's own before/after claim is misleading, for the reasons
PROGRAM.md gives:

* secular growth: real productivity grows ~3% a year for every firm;
* selection on observables: POSCO suppliers and basic/fabricated-metal firms are more likely to
  join and also grow faster (conditional parallel trends hold given ``posco_supplier`` and industry);
* an Ashenfelter dip: participants join after a bad year (event time -1: productivity down, cost
  ratio up), which then reverts;
* true effects that ramp up over four years (productivity +8% three years after the program
  year, cost ratio -3 points, investment and jobs up modestly), with some cohort heterogeneity.

Potential outcomes are drawn with the same shocks with and without the program, so the truth in
``truth.json`` is the exact average effect on the participants observed in each cell.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd

from hubeval.core.random import as_generator

__all__ = ["simulate_program", "write_example_data", "load_example", "ExampleData", "EFFECTS", "KOREAN_COLUMNS",
           "INDUSTRIES"]

YEARS = (2006, 2018)
COHORT_SIZES = {2011: 14, 2012: 11, 2013: 11, 2014: 11, 2015: 11, 2016: 11}
#: KSIC (rev. 10) 2-digit manufacturing divisions used in the example: code -> (English, Korean).
INDUSTRIES = {
    20: ("chemicals", "화학물질 및 화학제품"), 22: ("rubber and plastics", "고무 및 플라스틱제품"),
    24: ("basic metals", "1차 금속"), 25: ("fabricated metals", "금속가공제품"),
    28: ("electrical equipment", "전기장비"), 29: ("machinery", "기타 기계 및 장비"),
}
#: Full true effect (reached three years after the program year) of each DGP channel.
EFFECTS = {"log_productivity": float(np.log(1.08)), "cost_ratio": -0.03,
           "investment_rate": 0.015, "any_investment_logit": 0.35, "log_employment": 0.04}
#: Korean column headers of the CP949 copy (as a Korean Excel export would have them).
KOREAN_COLUMNS = {
    "firm_id": "사업체번호", "city": "시군", "gwangyang": "광양소재", "ksic2": "업종코드",
    "industry": "업종명", "metal": "금속업종", "size_class": "규모", "posco_supplier": "포스코협력사", "year": "연도",
    "cohort": "참여연도", "sales": "매출액", "value_added": "부가가치", "employment": "종사자수",
    "total_cost": "총비용", "materials_cost": "재료비", "labour_cost": "인건비",
    "capex": "설비투자", "capital": "유형자산",
}
_UNITS = {"employment": "명", **{c: "백만원" for c in ("sales", "value_added", "total_cost",
                                                       "materials_cost", "labour_cost", "capex", "capital")}}
PRICE_INDEX = {2006: 82.1, 2007: 83.9, 2008: 91.5, 2009: 91.3, 2010: 94.9, 2011: 100.6, 2012: 100.1,
               2013: 98.5, 2014: 97.0, 2015: 100.0, 2016: 98.2, 2017: 101.2, 2018: 102.7}


@dataclasses.dataclass(frozen=True)
class ExampleData:
    """The example data: firm panel, city panel, cost ledger, price index and the truth."""

    firms: pd.DataFrame
    cities: pd.DataFrame
    costs: pd.DataFrame
    price_index: pd.DataFrame
    truth: dict


def ramp(e, full):
    """Effect at event time ``e``: ``full * min(e + 1, 4) / 4`` after entry, 0 before."""
    e = np.asarray(e, float)
    return np.where(e >= 0, full * np.minimum(e + 1, 4) / 4, 0.0)


def simulate_program(*, n_firms: int = 600, seed: int = 2011, dip: float = 1.0,
                     cohort_sizes: dict | None = None) -> ExampleData:
    """Simulate the program's example data.

    Parameters
    ----------
    n_firms : int
        Number of firms (about a third in Gwangyang).
    seed : int
        Random seed; the files in ``data/example/`` use the default.
    dip : float
        Scale of the pre-entry dip (0 removes it: then unconditional DiD with covariates is unbiased
        even with base period ``g - 1``).
    cohort_sizes : dict, optional
        Participants per cohort; default 14, 11, 11, 11, 11, 11 for 2011-2016 (69 firms).

    Returns
    -------
    ExampleData
    """
    rng = as_generator(seed)
    sizes = dict(cohort_sizes or COHORT_SIZES)
    firms_static = _draw_firms(rng, n_firms, sizes)
    y0, y1 = _draw_accounts(rng, firms_static, dip)
    firms = _finalise(rng, firms_static, y1)  # the observed world: participants got the program
    firms0 = _finalise(np.random.default_rng(0), firms_static, y0, keep=firms.index)
    truth = _firm_truth(firms, firms0)
    cities, city_truth = _draw_cities(rng)
    truth["city"] = city_truth
    truth["spec"] = {"seed": seed, "n_firms": n_firms, "dip": dip, "effects": EFFECTS,
                     "cohort_sizes": {str(k): v for k, v in sizes.items()}}
    price = pd.DataFrame({"year": list(PRICE_INDEX), "ppi": list(PRICE_INDEX.values())})
    return ExampleData(firms.reset_index(drop=True), cities, _cost_ledger(sizes), price, truth)


def _draw_firms(rng, n, sizes) -> pd.DataFrame:
    n_gy = int(round(n / 3))
    gwangyang = np.r_[np.ones(n_gy, int), np.zeros(n - n_gy, int)]
    city = np.where(gwangyang == 1, "Gwangyang", [f"City {k:02d}" for k in rng.integers(1, 5, n)])
    codes = np.array(list(INDUSTRIES))
    p_ind = np.where(gwangyang[:, None] == 1, [0.08, 0.10, 0.27, 0.30, 0.10, 0.15],
                     [0.18, 0.18, 0.10, 0.20, 0.16, 0.18])
    ksic = np.array([rng.choice(codes, p=p) for p in p_ind])
    supplier = rng.binomial(1, np.where(gwangyang == 1, 0.35, 0.08))
    metal = np.isin(ksic, [24, 25]).astype(int)
    emp0 = np.clip(np.exp(rng.normal(3.5, 0.7, n)), 10, 290)
    cohort = np.zeros(n, int)
    score = 1.4 * supplier + 0.8 * metal + 0.4 * (emp0 > 50) + rng.gumbel(size=n)
    score[gwangyang == 0] = -np.inf
    chosen = np.argsort(-score)[: sum(sizes.values())]
    cohort[rng.permutation(chosen)] = np.repeat(list(sizes), list(sizes.values()))
    return pd.DataFrame({
        "firm_id": [f"GY{i:04d}" if g else f"CP{i:04d}" for i, g in enumerate(gwangyang)],
        "city": city, "gwangyang": gwangyang, "ksic2": ksic,
        "industry": [INDUSTRIES[k][0] for k in ksic], "metal": metal,
        "size_class": np.where(emp0 < 50, "10-49", np.where(emp0 < 100, "50-99", "100-299")),
        "posco_supplier": supplier, "cohort": cohort, "emp0": emp0,
        "growth": 0.012 * supplier + 0.008 * metal + rng.normal(0, 0.006, n),
    })


def _ar1(rng, n, t, rho, sd):
    e = rng.normal(0, sd, (n, t))
    u = np.empty_like(e)
    u[:, 0] = e[:, 0] / np.sqrt(1 - rho**2)
    for j in range(1, t):
        u[:, j] = rho * u[:, j - 1] + e[:, j]
    return u


def _draw_accounts(rng, f, dip) -> tuple[dict, dict]:
    """Draw the raw accounts of every firm-year without (y0) and with (y1) the program."""
    n, years = len(f), np.arange(YEARS[0], YEARS[1] + 1)
    t = years - YEARS[0]
    g = np.where(f["cohort"] > 0, f["cohort"], 10_000)[:, None]
    e = years[None, :] - g
    het = 1 + 0.15 * (f["cohort"].to_numpy()[:, None] == 2011) - 0.1 * (f["cohort"].to_numpy()[:, None] >= 2015)
    shock = np.array([0, .01, .02, -.06, .0, .02, .0, -.01, .0, .01, .0, .01, .0])[None, :]
    dip_m1 = dip * (e == -1)
    base_p = 3.9 + rng.normal(0, 0.35, n)[:, None] + (0.03 + f["growth"].to_numpy()[:, None]) * t + shock
    p0 = base_p - 0.10 * dip_m1 + _ar1(rng, n, len(years), 0.5, 0.10)
    le0 = np.log(f["emp0"].to_numpy())[:, None] + 0.01 * t + 0.5 * shock - 0.03 * dip_m1 \
        + _ar1(rng, n, len(years), 0.7, 0.04)
    c0 = rng.normal(0.93, 0.025, n)[:, None] - 0.002 * t - 0.4 * shock + 0.21 * dip_m1 \
        + rng.normal(0, 0.02, (n, len(years)))
    va_share = rng.uniform(0.24, 0.34, n)[:, None]
    inv_u = rng.random((n, len(years)))
    inv_noise = rng.lognormal(np.log(0.09), 0.5, (n, len(years)))
    inv_logit = 0.6 + 0.5 * (f["emp0"].to_numpy()[:, None] > 50) - 1.5 * dip_m1
    sales_noise = rng.normal(0, 0.03, (n, len(years)))
    k0 = rng.uniform(1.5, 3.0, n) * np.exp(base_p[:, 0]) * f["emp0"].to_numpy()
    worlds = []
    for treated in (False, True):
        on = treated * het
        p = p0 + on * ramp(e, EFFECTS["log_productivity"])
        le = le0 + on * ramp(e, EFFECTS["log_employment"])
        c = c0 + on * ramp(e, EFFECTS["cost_ratio"])
        invest = inv_u < 1 / (1 + np.exp(-(inv_logit + on * ramp(e, EFFECTS["any_investment_logit"]))))
        rate = np.where(invest, inv_noise + on * ramp(e, EFFECTS["investment_rate"]), 0.0)
        worlds.append(_accounts(p, le, c, va_share, sales_noise, rate, k0))
    return worlds[0], worlds[1]


def _accounts(p, le, c, va_share, sales_noise, rate, k0) -> dict:
    emp = np.maximum(np.round(np.exp(le)), 1.0)
    va = np.exp(p) * emp
    sales = va / va_share * np.exp(sales_noise)
    total = c * sales
    labour = 0.42 * va * np.exp(sales_noise * 0.5)
    materials = np.maximum(total - labour - 0.06 * sales, 0.0)
    capital = np.empty_like(va)
    capex = np.empty_like(va)
    k = k0.copy()
    for j in range(va.shape[1]):
        capex[:, j] = rate[:, j] * k
        k = 0.92 * k + capex[:, j]
        capital[:, j] = k
    return dict(employment=emp, value_added=va, sales=sales, total_cost=total,
                materials_cost=materials, labour_cost=labour, capex=capex, capital=capital)


def _finalise(rng, f, world, keep=None) -> pd.DataFrame:
    """Long table in nominal KRW million; exits and missing values (same draws in both worlds)."""
    years = np.arange(YEARS[0], YEARS[1] + 1)
    n = len(f)
    long = f.drop(columns=["emp0", "growth"]).loc[np.repeat(np.arange(n), len(years))].reset_index(drop=True)
    long.insert(list(long.columns).index("cohort"), "year", np.tile(years, n))
    deflator = np.tile([PRICE_INDEX[y] / 100 for y in years], n)
    for col, values in world.items():
        scale = 1.0 if col == "employment" else deflator
        long[col] = np.round(values.ravel() * scale, 0 if col == "employment" else 1)
    if keep is not None:
        return long.loc[keep]
    exit_year = np.where(rng.random(n) < 0.22, rng.integers(2008, 2019, n), 9999)
    # a participant survives at least to the year after its program year
    exit_year = np.where(f["cohort"] > 0, np.maximum(exit_year, f["cohort"] + 2), exit_year)
    present = long["year"].to_numpy() < np.repeat(exit_year, len(years))
    long = long.loc[present]
    for col, share in (("value_added", 0.015), ("capex", 0.02), ("materials_cost", 0.01)):
        hole = rng.random(len(long)) < share
        long.loc[hole, col] = np.nan
    return long


def _firm_truth(obs: pd.DataFrame, untreated_world: pd.DataFrame) -> dict:
    """Mean of Y(1) - Y(0) over the participants observed in each (cohort, year) cell."""
    import warnings

    from hubeval.data.outcomes import FAMILIES, derive_outcomes
    from hubeval.data.panel import Panel
    out = {"firm": {}}
    price = PRICE_INDEX
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p1 = derive_outcomes(Panel(obs, unit="firm_id", time="year", cohort="cohort"), price_index=price)
        p0 = derive_outcomes(Panel(untreated_world, unit="firm_id", time="year", cohort="cohort"),
                             price_index=price)
    d0, d1 = p0.data, p1.data
    part = (d0["cohort"] < np.inf).to_numpy()
    outcomes = [o for fam in FAMILIES.values() for o in fam]
    for outcome in outcomes:
        diff = (d1[outcome] - d0[outcome])[part]
        cell = pd.DataFrame({"cohort": d0.loc[part, "cohort"].astype(int), "year": d0.loc[part, "year"],
                             "att": diff}).dropna()
        table = cell.groupby(["cohort", "year"], as_index=False).agg(att=("att", "mean"), n_units=("att", "size"))
        table["event_time"] = table["year"] - table["cohort"]
        table["att"] = table["att"].round(8)
        out["firm"][outcome] = table[["cohort", "year", "event_time", "att", "n_units"]].to_dict(orient="records")
    return out


def _draw_cities(rng) -> tuple[pd.DataFrame, dict]:
    """40 cities x 2000-2018 from a linear three-factor model; Gwangyang (treated 2011) lies in the donors' hull."""
    years = np.arange(2000, 2019)
    n_donor, t = 39, len(years)
    # common factors: a trend and two business cycles (7 and 4 years) that repeat within the
    # pre-period, so the pre-period identifies each city's loadings, plus small common shocks
    step = np.arange(t)
    factors = np.c_[np.linspace(0, 1, t), np.sin(2 * np.pi * step / 7),
                    np.cos(2 * np.pi * step / 4) + rng.normal(0, 0.1, t)].T
    load = rng.uniform(-1, 1, (n_donor, 3))
    mix = rng.dirichlet(np.ones(4))
    chosen = rng.choice(n_donor, 4, replace=False)
    load_gy = mix @ load[chosen]
    level = rng.normal(0, 0.6, n_donor)
    level_gy = mix @ level[chosen]
    lam = np.vstack([load_gy, load])
    mu = np.r_[level_gy, level]
    names = ["Gwangyang"] + [f"City {k:02d}" for k in range(1, n_donor + 1)]
    post = (years >= 2011)[None, :] & (np.arange(n_donor + 1) == 0)[:, None]
    rampc = np.clip((years - 2010) / 4, 0, 1)[None, :] * post
    frames, truth = {}, {}
    # level, factor slope, noise sd, full effect; relative outcomes scale multiplicatively, occupancy
    # (percent) additively. Linear in the factors, so Gwangyang lies exactly in the donors' hull.
    spec = {"mfg_employment": (8000.0, 0.2, 0.004, 0.04), "industrial_investment": (100_000.0, 0.2, 0.015, 0.10),
            "complex_occupancy": (75.0, 6.0, 0.8, 4.0), "population": (150_000.0, 0.08, 0.002, 0.0)}
    for name, (base, scale, sd, effect) in spec.items():
        x = mu[:, None] + lam @ factors
        e = rng.normal(0, sd, (n_donor + 1, t))
        if name == "complex_occupancy":
            y0 = np.clip(base + scale * x + e, 5, 99)
            y1 = y0 + effect * rampc
        else:
            y0 = base * (1 + scale * x + e)
            y1 = y0 * (1 + effect * rampc)
        frames[name] = np.round(y1, 1 if name == "complex_occupancy" else 0)
        gap = (y1 - y0)[0, years >= 2011]
        truth[name] = {"treated_unit": "Gwangyang", "treatment_time": 2011,
                       "effect": {int(y): round(float(v), 4) for y, v in zip(years[years >= 2011], gap)},
                       "relative_effect_full": effect if name != "complex_occupancy" else None,
                       "unit": "points" if name == "complex_occupancy" else "level"}
    cities = pd.DataFrame({"city": np.repeat(names, t), "year": np.tile(years, n_donor + 1)})
    for name, values in frames.items():
        cities[name] = values.ravel()
    cities["mfg_share"] = np.round(cities["mfg_employment"] / (cities["population"] * 0.5) * 100, 2)
    return cities, truth


#: Cost assumptions (2011 prices, KRW), applied per cohort; ``per`` says what the quantity scales with.
COST_ITEMS = [
    # payer, item, quantity, per, unit, unit cost in 2011 KRW
    ("posco", "expert consultants (2 per firm, 1 day a week, 48 weeks)", 96, "firm", "day", 800_000),
    ("posco", "executive mentors (monthly visits, half a day)", 6, "firm", "day", 1_500_000),
    ("city", "city executive mentors (monthly visits, half a day)", 6, "firm", "day", 700_000),
    ("city", "monthly on-site meetings (2 officials)", 24, "cohort", "day", 300_000),
    ("city", "program administration (0.5 FTE)", 110, "cohort", "day", 250_000),
    ("chamber", "liaison office (0.5 FTE)", 110, "cohort", "day", 220_000),
    ("chamber", "workshops", 4, "cohort", "event", 5_000_000),
    ("chamber", "satisfaction survey", 1, "cohort", "survey", 3_000_000),
    ("firms", "participants' own staff time (2 staff, 1 day a week)", 96, "firm", "day", 200_000),
]
COST_INFLATION = 0.025


def _cost_ledger(sizes: dict) -> pd.DataFrame:
    rows = []
    for cohort, n in sizes.items():
        inflate = (1 + COST_INFLATION) ** (cohort - 2011)
        for payer, item, qty, per, unit, cost in COST_ITEMS:
            quantity = qty * (n if per == "firm" else 1)
            unit_cost = round(cost * inflate, -3)
            rows.append((cohort, payer, item, float(quantity), unit, unit_cost, quantity * unit_cost, cohort))
    return pd.DataFrame(rows, columns=["cohort", "payer", "item", "quantity", "unit", "unit_cost_krw",
                                       "amount_krw", "price_year"])


def write_example_data(out_dir: str | Path = "data/example", *, seed: int = 2011) -> list[Path]:
    """Write the example files to ``out_dir`` and return their paths.

    Files: ``firms.csv`` (UTF-8), ``firms_cp949.csv`` (Korean headers, a unit row, CP949),
    ``cities.csv``, ``program_costs.csv``, ``price_index.csv`` and ``truth.json``. The same seed
    always gives byte-identical files.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = simulate_program(seed=seed)
    firms = data.firms.assign(cohort=data.firms["cohort"].replace(0, pd.NA).astype("Int64"))
    paths = {name: out / name for name in ("firms.csv", "firms_cp949.csv", "cities.csv",
                                           "program_costs.csv", "price_index.csv", "truth.json")}
    firms.to_csv(paths["firms.csv"], index=False, lineterminator="\n")
    korean = firms.assign(industry=[INDUSTRIES[k][1] for k in firms["ksic2"]]).rename(columns=KOREAN_COLUMNS)
    unit_row = pd.DataFrame([{KOREAN_COLUMNS[c]: _UNITS.get(c, "") for c in firms.columns}])
    pd.concat([unit_row.astype(object), korean.astype(object)]).to_csv(
        paths["firms_cp949.csv"], index=False, encoding="cp949", lineterminator="\r\n")
    data.cities.to_csv(paths["cities.csv"], index=False, lineterminator="\n")
    data.costs.to_csv(paths["program_costs.csv"], index=False, lineterminator="\n")
    data.price_index.to_csv(paths["price_index.csv"], index=False, lineterminator="\n")
    paths["truth.json"].write_text(json.dumps(data.truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return list(paths.values())


if __name__ == "__main__":  # pragma: no cover
    for path in write_example_data():
        print(path)


def load_example(path: str | Path = "data/example", *, derive: bool = True):
    """Load the example firm panel from ``path`` (building the files first if missing).

    Returns a :class:`~hubeval.Panel` with derived outcomes in real 2015 prices when ``derive``.
    """
    import warnings

    from hubeval.data.outcomes import derive_outcomes
    from hubeval.data.panel import Panel

    folder = Path(path)
    if not (folder / "firms.csv").exists():
        write_example_data(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the warnings stay recorded on the panel
        panel = Panel(folder / "firms.csv", unit="firm_id", time="year", cohort="cohort")
    if not derive:
        return panel
    price = pd.read_csv(folder / "price_index.csv")
    return derive_outcomes(panel, price_index=dict(zip(price["year"], price["ppi"])), base_year=2015)
