"""Calibration of the default scenario against the stylized facts of FACTS.md (F1-F10).

Each fact is data (:class:`Fact`): a target range, a calendar window, a unit, a source, and a
``measure`` that maps one run's timeseries to one number. :func:`run_calibration` runs the
default scenario over ``seeds`` seeds (drawn from ``SeedSequence(2023)``, as the sweep engine
does), measures every fact in every run, and writes ``docs/calibration.md`` (target, model
median and 5-95% range over seeds, share of seeds inside the target, pass/miss) plus a figure
of the calibrated trajectories against the targets. A fact passes when the median over seeds
lies inside the target range; facts of kind ``documentation`` and ``limitation`` are reported,
not scored.

The runs are the ordinary model (:class:`market_sim.model.MarketModel`); :func:`simulate` only
reads a few quantities the standard timeseries does not record and appends them as ``calib_*``
columns (defined in :data:`EXTRA_COLUMNS`): the price at GPT-4-level capability (F2), the
frontier training cost and the training cost of the families released each month (F4), the
price of the closed flagship APIs and a capable developer's self-host cost of the best large
open model (F8), vendors' salary offers (F9) and awareness (F7).

Usage::

    from market_sim.calibration import run_calibration
    table = run_calibration(seeds=20, workers=2)   # writes docs/calibration.md and a figure
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.market.choice import own_outcome
from market_sim.market.demand import outcome
from market_sim.market.options import N_SIZES, SELF
from market_sim.plots import save_figure
from market_sim.scenario import Scenario

SEED_ROOT = 2023  # numpy.random.SeedSequence(SEED_ROOT).spawn(seeds): the calibration seeds
GPT4_KAPPA = 4.3  # GPT-4 level in kappa (docs/ODD.md notation table; Epoch: GPT-4 ~ 2e25 FLOP)
CAPABLE_INHOUSE = 0.8  # F8: a "capable developer" has in-house ML capability h >= 0.8
LARGE = N_SIZES - 1  # size class index of the large (405B-like) models
HISTORY = ("2023-01", "2026-06")  # the calibration ("history") window of MODEL.md
OPEN_VENDOR_F9 = ("meta",)  # F9: the open vendor whose salaries are compared ...
CLOSED_VENDORS_F9 = ("openai", "anthropic")  # ... with these closed vendors' (their mean)
F6_VENDORS = ("anthropic", "openai", "google")  # F6: closed vendors, in the target order

EXTRA_COLUMNS = {
    "calib_price_at_gpt4": "USD/Mtok: cheapest list price of any available non-self-hosted option with "
    f"kappa >= {GPT4_KAPPA} (GPT-4 level), as price_at_ref (F2)",
    "calib_frontier_closed_price": "USD/Mtok: token-weighted mean list price of the closed vendors' large-size API "
    "options (their flagship models, like GPT-4o in 2024; simple mean if none is used) (F8)",
    "calib_selfhost_cost": "USD/Mtok: token-weighted self-hosting cost of the best large open-weight model for "
    f"active developers with h >= {CAPABLE_INHOUSE}, at scale: serving cost x (1 + overhead (1 - h)), "
    "without the fixed deployment cost (F8)",
    "calib_selfhost_cost_with_fixed": "USD/Mtok: the same including the fixed monthly deployment cost of the "
    "large size, i.e. sum of demand.outcome's payments / sum of tokens over those developers (F8 diagnostic)",
    "calib_selfhost_ratio": "calib_selfhost_cost / calib_frontier_closed_price (F8)",
    "calib_training_frontier_usd": "USD/month: the largest final-run compute any live vendor paid this month "
    "(training_cost_<v>; market/finance.py) (F4)",
    "calib_training_release_max_usd": "USD: the most expensive family released this month; NaN if none (F4)",
    "calib_offer_<v>": "USD/yr per skill unit: vendor v's current salary offer (F9 diagnostic)",
    "calib_aware_<v>": "fraction: share of active developers aware of vendor v (F7)",
}


# --------------------------------------------------------------------------------------------
# Running the model
# --------------------------------------------------------------------------------------------
def calibration_seeds(seeds: int) -> list[int]:
    """The calibration seeds: ``SeedSequence(2023).spawn(seeds)`` as 63-bit ints (as the sweep engine)."""
    from market_sim.sweep.runner import replicate_seeds

    return replicate_seeds(SEED_ROOT, seeds)


def simulate(
    seed: int, months: int | None = None, overrides: dict | None = None, scenario: Scenario | None = None
) -> pd.DataFrame:
    """Run ``scenario`` (default: the embedded default, with ``overrides``) for ``months`` and
    return its timeseries with the ``calib_*`` columns of :data:`EXTRA_COLUMNS` appended."""
    from market_sim.model import MarketModel

    scenario = scenario if scenario is not None else Scenario.default()
    if overrides:
        scenario = scenario.with_overrides(overrides)
    if months is not None:
        scenario = scenario.with_overrides({"run.months": int(months)})
    model = MarketModel(scenario, seed=seed)
    extras = []
    while model.month < model.months:
        model.step()
        extras.append(_extra_metrics(model))
    ts = model.timeseries()
    return pd.concat([ts, pd.DataFrame.from_records(extras, index=ts.index)], axis=1)


def _extra_metrics(model) -> dict:
    """The ``calib_*`` quantities for the month just simulated (read-only)."""
    opts, dev = model.options, model.developers
    t = model.month - 1
    row: dict = {}
    market = opts.available & (opts.mode != SELF) & (opts.kappa >= GPT4_KAPPA)
    row["calib_price_at_gpt4"] = float(opts.price[market].min()) if market.any() else math.nan
    flagship = np.flatnonzero(opts.closed & (opts.size == LARGE))
    if flagship.size:
        _, _, on_option, _, _, volume_now = own_outcome(dev, opts, model.choice_params())
        tokens = np.bincount(on_option, weights=volume_now, minlength=len(opts))[flagship]
        weights = tokens if tokens.sum() > 0 else np.ones(flagship.size)
        row["calib_frontier_closed_price"] = float(np.average(opts.price[flagship], weights=weights))
    else:
        row["calib_frontier_closed_price"] = math.nan
    large_self = np.flatnonzero(opts.available & (opts.mode == SELF) & (opts.size == LARGE))
    active = dev.entry_month <= t
    capable = np.flatnonzero(active & (dev.inhouse >= CAPABLE_INHOUSE))
    if large_self.size and capable.size:
        o = large_self[np.argmax(opts.kappa[large_self])]
        params = model.choice_params()
        paid = used = at_scale = 0.0
        for tau in range(dev.tiers):
            _, payment, x, _ = outcome(dev, capable, tau, opts, params, np.array([[o]]))
            overhead = 1.0 + params.overhead_max * (1.0 - dev.inhouse[capable])
            paid, used = paid + payment.sum(), used + x.sum()
            at_scale += float(np.sum(x[:, 0] * opts.cost[o] * overhead))
        row["calib_selfhost_cost"] = at_scale / used
        row["calib_selfhost_cost_with_fixed"] = float(paid / used)
    else:
        row["calib_selfhost_cost"] = row["calib_selfhost_cost_with_fixed"] = math.nan
    price = row["calib_frontier_closed_price"]
    row["calib_selfhost_ratio"] = row["calib_selfhost_cost"] / price if price > 0 else math.nan
    row["calib_training_frontier_usd"] = max((v.ledger.training for v in model.vendors if not v.exited), default=0.0)
    released = [f.training_cost_usd for v in model.vendors for f in v.families if f.month == t]
    row["calib_training_release_max_usd"] = max(released) if released else math.nan
    n_active = max(int(active.sum()), 1)
    aware = dev.aware[active].sum(axis=0) / n_active
    for v in model.vendors:
        row[f"calib_offer_{v.vid}"] = v.salary_offer_usd
        row[f"calib_aware_{v.vid}"] = float(aware[v.index])
    return row


# --------------------------------------------------------------------------------------------
# Measures: timeseries -> one number
# --------------------------------------------------------------------------------------------
def window(ts: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """Rows with ``start <= date <= end`` (dates are 'YYYY-MM' strings)."""
    return ts[(ts["date"] >= start) & (ts["date"] <= end)]


def loglinear_decline_per_year(ts: pd.DataFrame, column: str, start: str, end: str) -> float:
    """Annual decline factor exp(-12 b) of an OLS fit ln(x_t) = a + b t over the window
    (t in months; months with a missing or non-positive value are left out). 10 = falls 10x a year."""
    w = window(ts, start, end)
    x = w[column].to_numpy(float)
    ok = np.isfinite(x) & (x > 0)
    if ok.sum() < 3:
        return math.nan
    slope = np.polyfit(w["month"].to_numpy(float)[ok], np.log(x[ok]), 1)[0]
    return float(np.exp(-12.0 * slope))


def loglinear_growth_per_year(ts: pd.DataFrame, column: str, start: str, end: str) -> float:
    """Annual growth factor exp(12 b) of the same fit (the inverse of the decline factor)."""
    d = loglinear_decline_per_year(ts, column, start, end)
    return 1.0 / d if np.isfinite(d) and d > 0 else math.nan


def window_mean(ts: pd.DataFrame, column: str, start: str, end: str) -> float:
    """Mean of ``column`` over the window, missing months left out."""
    x = window(ts, start, end)[column].to_numpy(float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def window_median(ts: pd.DataFrame, column: str, start: str, end: str) -> float:
    x = window(ts, start, end)[column].to_numpy(float)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else math.nan


def value_at(ts: pd.DataFrame, column: str, date: str) -> float:
    """The value of ``column`` in month ``date`` (NaN if the month is not in the run)."""
    x = ts.loc[ts["date"] == date, column]
    return float(x.iloc[0]) if len(x) else math.nan


def linear_slope_per_year(ts: pd.DataFrame, column: str, start: str, end: str) -> float:
    """OLS slope of ``column`` on time over the window, per year (units of the column per year)."""
    w = window(ts, start, end)
    y = w[column].to_numpy(float)
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return math.nan
    return float(12.0 * np.polyfit(w["month"].to_numpy(float)[ok], y[ok], 1)[0])


def yearly_medians(ts: pd.DataFrame, column: str, start: str, end: str) -> dict[str, float]:
    """Median of ``column`` in each calendar year of the window."""
    w = window(ts, start, end)
    out = {}
    for year, grp in w.groupby(w["date"].astype(str).str[:4]):
        x = grp[column].to_numpy(float)
        x = x[np.isfinite(x)]
        out[year] = float(np.median(x)) if x.size else math.nan
    return out


def yearly_band_excess(ts: pd.DataFrame, column: str, start: str, end: str, low: float, high: float) -> float:
    """How far the worst calendar year's median of ``column`` lies outside [low, high] (0 = every
    year's median inside; NaN if a year has no value)."""
    medians = list(yearly_medians(ts, column, start, end).values())
    if not medians or not all(np.isfinite(medians)):
        return math.nan
    return float(max(max(low - m, m - high, 0.0) for m in medians))


def revenue_shares(ts: pd.DataFrame, start: str, end: str) -> pd.Series:
    """Each vendor's share of all vendors' model revenue (own API + paid service; revenue_<v>)
    summed over the window. Hosts and self-hosting are not in the denominator."""
    w = window(ts, start, end)
    cols = [c for c in ts.columns if c.startswith("revenue_") and c not in MARKET_REVENUE_COLUMNS]
    total = w[cols].to_numpy(float).sum()
    if not total > 0:
        return pd.Series(math.nan, index=[c.removeprefix("revenue_") for c in cols])
    return pd.Series(w[cols].to_numpy(float).sum(axis=0) / total, index=[c.removeprefix("revenue_") for c in cols])


MARKET_REVENUE_COLUMNS = ("revenue_api", "revenue_service", "revenue_host", "revenue_complement")


def revenue_share(vendor: str, start: str, end: str) -> Callable[[pd.DataFrame], float]:
    def measure(ts: pd.DataFrame) -> float:
        return float(revenue_shares(ts, start, end).get(vendor, math.nan))

    measure.__name__ = f"revenue_share_{vendor}"
    return measure


def revenue_order(vendors: Sequence[str], start: str, end: str) -> Callable[[pd.DataFrame], float]:
    """1.0 if the vendors' revenue shares over the window are strictly in the given order, else 0.0."""

    def measure(ts: pd.DataFrame) -> float:
        s = revenue_shares(ts, start, end)
        x = [s.get(v, math.nan) for v in vendors]
        if not all(np.isfinite(x)):
            return math.nan
        return float(all(a > b for a, b in zip(x, x[1:], strict=False)))

    measure.__name__ = "revenue_order"
    return measure


def salary_ratio(
    ts: pd.DataFrame, start: str, end: str, open_vendors=OPEN_VENDOR_F9, closed_vendors=CLOSED_VENDORS_F9
) -> float:
    """Mean salary per skill unit (salary_<v>) of the open vendor(s) over the window, divided by
    the mean over the window of the closed vendors' average salary per skill unit."""
    w = window(ts, start, end)
    open_ = w[[f"salary_{v}" for v in open_vendors]].to_numpy(float).mean(axis=1)
    closed = w[[f"salary_{v}" for v in closed_vendors]].to_numpy(float).mean(axis=1)
    ok = np.isfinite(open_) & np.isfinite(closed)
    return float(open_[ok].mean() / closed[ok].mean()) if ok.any() else math.nan


def offer_ratio(
    ts: pd.DataFrame, start: str, end: str, open_vendors=OPEN_VENDOR_F9, closed_vendors=CLOSED_VENDORS_F9
) -> float:
    """As :func:`salary_ratio`, on the vendors' current salary offers per skill unit
    (calib_offer_<v>): the wage at which each hires a researcher of given skill that month."""
    w = window(ts, start, end)
    open_ = w[[f"calib_offer_{v}" for v in open_vendors]].to_numpy(float).mean(axis=1)
    closed = w[[f"calib_offer_{v}" for v in closed_vendors]].to_numpy(float).mean(axis=1)
    return float(open_.mean() / closed.mean()) if len(w) else math.nan


def bass_months_to_half(p: float, q: float, start: float = 0.0, horizon: int = 1200) -> float:
    """Months until the discrete Bass recursion F <- F + (p + q F)(1 - F) first reaches 0.5
    (docs/ODD.md 8 d), linearly interpolated within the month; NaN if never."""
    f = start
    if f >= 0.5:
        return 0.0
    for m in range(1, horizon + 1):
        nxt = f + (p + q * f) * (1.0 - f)
        if nxt >= 0.5:
            return float(m - 1 + (0.5 - f) / (nxt - f))
        f = nxt
    return math.nan


def bass_continuous_time_to_half(p: float, q: float) -> float:
    """Time until the continuous Bass curve F(t) reaches 0.5: ln(2 + q/p) / (p + q) (units of 1/p)."""
    return float(np.log(2.0 + q / p) / (p + q))


def awareness_months_to_half(ts: pd.DataFrame, scenario: Scenario | None = None) -> float:
    """Median over vendors that start below 50% awareness of the months from their first release
    until half of the active developers are aware of them (runs that never get there: NaN)."""
    scenario = scenario if scenario is not None else Scenario.default()
    out = []
    for vid in scenario.vendor_ids:
        col = f"calib_aware_{vid}"
        first = scenario.get(f"vendors.{vid}.first_release_month")
        if col not in ts or scenario.get(f"vendors.{vid}.initial_awareness") >= 0.5:
            continue
        after = ts[(ts["month"] >= first)]
        hit = after.loc[after[col] >= 0.5, "month"]
        out.append(float(hit.iloc[0] - first) if len(hit) else math.nan)
    out = [x for x in out if np.isfinite(x)]
    return float(np.median(out)) if out else math.nan


# --------------------------------------------------------------------------------------------
# The facts
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    """One calibration check of a FACTS.md fact.

    Attributes:
        id: row id, e.g. "F1" or "F6a" (a fact with several parts has one row per part).
        statement: the fact as FACTS.md states it (short).
        quantity: exactly what ``measure`` computes.
        target: (low, high), inclusive; ±inf for a one-sided target.
        window: (first, last) month, 'YYYY-MM'.
        unit: unit of the measured quantity.
        measure: one run's timeseries (with calib_* columns) -> the quantity.
        source: where the target comes from.
        kind: "target" (pass/miss), "documentation" or "limitation" (reported, not scored).
        detail: optional: all runs' timeseries -> extra text for the report.
    """

    id: str
    statement: str
    quantity: str
    target: tuple[float, float]
    window: tuple[str, str]
    unit: str
    measure: Callable[[pd.DataFrame], float]
    source: str
    kind: str = "target"
    detail: Callable[[list[pd.DataFrame]], str] | None = field(default=None, compare=False)

    @property
    def fact(self) -> str:
        """The FACTS.md ID this row checks ("F6" for "F6a")."""
        return self.id.rstrip("abcdefgh")

    def inside(self, x: float) -> bool:
        lo, hi = self.target
        return bool(np.isfinite(x) and lo <= x <= hi)


def _lag_detail(runs: list[pd.DataFrame]) -> str:
    years = pd.DataFrame([yearly_medians(ts, "lag_months", "2023-01", "2026-12") for ts in runs])
    return "median lag by year (median over seeds): " + ", ".join(
        f"{y}: {years[y].median():.1f}" for y in years.columns
    )


def _f6_detail(runs: list[pd.DataFrame]) -> str:
    shares = pd.DataFrame([revenue_shares(ts, "2025-01", "2025-12") for ts in runs])
    med = shares.median()
    return "2025 model-revenue shares, median over seeds: " + ", ".join(
        f"{v} {med[v]:.0%}" for v in med.sort_values(ascending=False).index
    )


def _f8_detail(runs: list[pd.DataFrame]) -> str:
    keys = ("calib_selfhost_cost", "calib_frontier_closed_price", "calib_selfhost_cost_with_fixed")
    med = {k: np.nanmedian([value_at(ts, k, "2024-07") for ts in runs]) for k in keys}
    return (
        f"2024-07, median over seeds: self-host cost at scale {med[keys[0]]:.2f} USD/Mtok, closed flagship API "
        f"price {med[keys[1]]:.2f} USD/Mtok (GPT-4o list price then: $5/$15 in/out, $7.5 blended 3:1, $10 at 1:1); "
        f"including the fixed deployment cost, token-weighted over capable developers: {med[keys[2]]:.2f} USD/Mtok"
    )


def _f9_detail(runs: list[pd.DataFrame]) -> str:
    google = [offer_ratio(ts, "2025-01", HISTORY[1], OPEN_VENDOR_F9, ("google",)) for ts in runs]
    staff = [salary_ratio(ts, "2025-01", HISTORY[1]) for ts in runs]
    return (
        f"median over seeds: staff-average salary ratio (salary_<v>, F9b) {np.nanmedian(staff):.2f}; "
        f"Meta's offer relative to Google's (a closed-frontier vendor of similar size) {np.nanmedian(google):.2f}"
    )


def _f4_detail(runs: list[pd.DataFrame]) -> str:
    first = runs[0]
    return (
        f"largest final-run compute paid in a month: ${value_at(first, 'calib_training_frontier_usd', '2023-01'):.3g}"
        f" in 2023-01, ${value_at(first, 'calib_training_frontier_usd', '2026-01'):.3g} in 2026-01"
    )


def _f7_detail(runs: list[pd.DataFrame], scenario: Scenario | None = None) -> str:
    scenario = scenario if scenario is not None else Scenario.default()
    p, q = scenario.get("awareness.p"), scenario.get("awareness.q")
    lit = bass_continuous_time_to_half(0.03, 0.38)
    return (
        f"model p = {p}/month, q = {q}/month (continuous-time equivalents {12 * p:.2f}/yr and {12 * q:.1f}/yr, "
        f"{12 * p / 0.03:.0f}x and {12 * q / 0.38:.0f}x the literature's p ~ 0.03/yr, q ~ 0.38/yr); "
        f"discrete Bass curve from zero reaches 50% in {bass_months_to_half(p, q):.1f} months "
        f"(the continuous curve with the literature's per-year values: {lit:.1f} years); measured in the runs "
        "(this row's value): months from a vendor's first release until half of the active developers know it, "
        "median over vendors starting below 50%"
    )


def default_facts(scenario: Scenario | None = None) -> list[Fact]:
    """The calibration checks of FACTS.md F1-F10 for the default scenario's calendar."""
    h0, h1 = HISTORY
    return [
        Fact(
            "F1",
            "Price for a constant capability falls ~10x per year",
            "annual decline factor of price_at_ref (cheapest option at kappa >= market.reference_capability): "
            "exp(-12 b) of an OLS fit ln(price_at_ref) = a + b month",
            (5.0, 40.0),
            (h0, h1),
            "x per year",
            lambda ts: loglinear_decline_per_year(ts, "price_at_ref", h0, h1),
            "FACTS F1: a16z 'LLMflation' (Nov 2024)",
        ),
        Fact(
            "F2",
            "Price to reach a fixed performance falls 9x-900x per year depending on the threshold "
            "(~40x at GPT-4 level)",
            f"the same decline factor for the cheapest option at GPT-4 level (kappa >= {GPT4_KAPPA}; "
            "calib_price_at_gpt4)",
            (9.0, 900.0),
            (h0, h1),
            "x per year",
            lambda ts: loglinear_decline_per_year(ts, "calib_price_at_gpt4", h0, h1),
            "FACTS F2: Epoch AI, LLM inference price trends (Mar 2025)",
        ),
        Fact(
            "F3a",
            "Open-weight models lag the closed frontier by ~1 year (2024), ~3 months on average "
            "2023-01..2025-10, ~4 months in 2026",
            "mean of lag_months over the window",
            (2.0, 14.0),
            ("2023-01", "2026-12"),
            "months",
            lambda ts: window_mean(ts, "lag_months", "2023-01", "2026-12"),
            "FACTS F3: Epoch AI (Nov 2024 report; open-closed ECI gap, 2026)",
            detail=_lag_detail,
        ),
        Fact(
            "F3b",
            "... and the lag shrinks over time",
            "OLS slope of lag_months on time over the window (negative = shrinking)",
            (-math.inf, 0.0),
            ("2023-01", "2026-12"),
            "months per year",
            lambda ts: linear_slope_per_year(ts, "lag_months", "2023-01", "2026-12"),
            "FACTS F3",
        ),
        Fact(
            "F3c",
            "... between 2 and 14 months in every year 2023-2026",
            "months by which the worst calendar year's median lag_months lies outside 2-14 (0 = every year's "
            "median inside)",
            (0.0, 0.0),
            ("2023-01", "2026-12"),
            "months outside",
            lambda ts: yearly_band_excess(ts, "lag_months", "2023-01", "2026-12", 2.0, 14.0),
            "FACTS F3",
        ),
        Fact(
            "F4a",
            "Frontier training cost grows ~2.4x per year (CI 2.0-3.1x)",
            "annual growth factor (log-linear fit) of the largest final-run compute paid per month "
            "(calib_training_frontier_usd)",
            (2.0, 3.0),
            (h0, h1),
            "x per year",
            lambda ts: loglinear_growth_per_year(ts, "calib_training_frontier_usd", h0, h1),
            "FACTS F4: Cottier et al. 2024, arXiv 2405.21015",
            detail=_f4_detail,
        ),
        Fact(
            "F4b",
            "GPT-4 (2023) reportedly cost over $100M to train",
            "training cost of the most expensive family released in 2023 (all its sizes)",
            (3.0e7, 3.0e8),
            ("2023-01", "2023-12"),
            "USD",
            lambda ts: float(np.nanmax(window(ts, "2023-01", "2023-12")["calib_training_release_max_usd"])),
            "FACTS F4: Altman 2023; '$100M-scale' read as within ~3x of $100M",
        ),
        Fact(
            "F5",
            "Open models held ~19% of enterprise LLM usage in 2024 (closed ~81%)",
            "mean of share_open (token share of open-weight options) over the window",
            (0.10, 0.30),
            ("2024-01", "2024-12"),
            "fraction of tokens",
            lambda ts: window_mean(ts, "share_open", "2024-01", "2024-12"),
            "FACTS F5: Menlo Ventures 2024",
        ),
        Fact(
            "F6a",
            "Enterprise LLM API spend 2025: Anthropic ~40%",
            "Anthropic's share of all vendors' model revenue (revenue_<v>: own API + paid service; hosts and "
            "self-hosting excluded), summed over 2025; target 40% ± 10 points",
            (0.30, 0.50),
            ("2025-01", "2025-12"),
            "fraction of model revenue",
            revenue_share("anthropic", "2025-01", "2025-12"),
            "FACTS F6: Menlo Ventures 2025",
            detail=_f6_detail,
        ),
        Fact(
            "F6b",
            "... OpenAI ~27%",
            "OpenAI's share, as F6a; target 27% ± 10 points",
            (0.17, 0.37),
            ("2025-01", "2025-12"),
            "fraction of model revenue",
            revenue_share("openai", "2025-01", "2025-12"),
            "FACTS F6",
        ),
        Fact(
            "F6c",
            "... Google ~21%",
            "Google's share, as F6a; target 21% ± 10 points",
            (0.11, 0.31),
            ("2025-01", "2025-12"),
            "fraction of model revenue",
            revenue_share("google", "2025-01", "2025-12"),
            "FACTS F6",
        ),
        Fact(
            "F6d",
            "... ordered Anthropic > OpenAI > Google",
            "1 if the 2025 shares are ordered Anthropic > OpenAI > Google, else 0 (median over seeds = majority)",
            (1.0, 1.0),
            ("2025-01", "2025-12"),
            "indicator",
            revenue_order(F6_VENDORS, "2025-01", "2025-12"),
            "FACTS F6",
        ),
        Fact(
            "F7",
            "Bass diffusion p ~ 0.03/yr, q ~ 0.38/yr across products; LLM adoption is faster",
            "months from a vendor's first release until half of the active developers are aware of it "
            "(median over vendors starting below 50% awareness)",
            (-math.inf, math.inf),
            (h0, h1),
            "months",
            lambda ts: awareness_months_to_half(ts, scenario),
            "FACTS F7: Sultan, Farley & Lehmann 1990; Fradkin 2025 (arXiv 2504.15440)",
            kind="documentation",
            detail=lambda runs: _f7_detail(runs, scenario),
        ),
        Fact(
            "F8",
            "Self-hosting Llama 3.1 405B costs ~50% of closed models like GPT-4o (July 2024)",
            f"self-host cost per Mtok of the best large open model for active developers with h >= "
            f"{CAPABLE_INHOUSE} (token-weighted, at scale: serving cost x (1 + overhead (1 - h)), fixed deployment "
            "cost spread over a large volume), divided by the token-weighted list price of the closed vendors' "
            "flagship (large-size) APIs, the models like GPT-4o (calib_selfhost_ratio)",
            (0.35, 0.70),
            ("2024-07", "2024-07"),
            "ratio",
            lambda ts: value_at(ts, "calib_selfhost_ratio", "2024-07"),
            "FACTS F8: Zuckerberg, 'Open Source AI Is the Path Forward' (Jul 2024)",
            detail=_f8_detail,
        ),
        Fact(
            "F9a",
            "Firms that let researchers publish pay ~25% lower wages for the same researcher: hiring wage",
            "Meta's salary offer per skill unit (calib_offer_meta: what it pays a new hire of given skill), mean "
            "over the window, / the window mean of OpenAI's and Anthropic's average offer",
            (0.75, 0.90),
            ("2025-01", h1),
            "ratio",
            lambda ts: offer_ratio(ts, "2025-01", h1),
            "FACTS F9: Stern 2004, Management Science 50(6) (wage offers to the same scientists)",
            detail=_f9_detail,
        ),
        Fact(
            "F9b",
            "... staff salaries",
            "as F9a on staff-average salary per skill unit (salary_<v>: the offer each current researcher was "
            "hired at, including staff hired at the common initial salary)",
            (0.75, 0.90),
            ("2025-01", h1),
            "ratio",
            lambda ts: salary_ratio(ts, "2025-01", h1),
            "FACTS F9",
        ),
        Fact(
            "F10",
            "Enterprises use several model families (81% use 3 or more); apps multihome; most firms still "
            "concentrate spend on one model (Demirer et al. 2025)",
            "mean of options_per_adopter (distinct options per adopting developer, one option per task tier)",
            (1.2, 3.0),
            ("2025-01", "2025-12"),
            "options",
            lambda ts: window_mean(ts, "options_per_adopter", "2025-01", "2025-12"),
            "FACTS F10: a16z CIO survey 2026; acceptance of the demand issue (> 1.2)",
        ),
        *_f11_facts(),
        Fact(
            "M1",
            "Closed API margins in the range the labs report: OpenAI compute margin for paying users ~35% "
            "(2024-01), ~52% (end 2024), ~70% (2025-10); Anthropic ~53% projected for end 2025",
            "mean of margin_closed (token-weighted Lerner index of closed APIs)",
            (0.35, 0.75),
            ("2024-01", h1),
            "fraction",
            lambda ts: window_mean(ts, "margin_closed", "2024-01", h1),
            "The Information, 'OpenAI Is Getting More Efficient at Running Its AI' (Dec 2025)",
        ),
    ]


F11_TARGETS = {  # FACTS F11: mid-2024 list prices per tier (3:1 blend), a factor ~2 around them
    "price_closed_large": (3.0, 10.0, "GPT-4o $7.5 ($4.4 from Aug 2024), Claude 3.5 Sonnet $6.0, Gemini 1.5 Pro $5.3"),
    "price_closed_small": (0.1, 0.6, "GPT-4o mini $0.26, Claude 3 Haiku $0.5, Gemini 1.5 Flash $0.13"),
    "price_open_small": (0.05, 0.3, "Llama 3.1 8B on hosts ~$0.1-0.2"),
    "price_open_medium": (0.3, 1.5, "Llama 3.1 70B on hosts ~$0.6-0.9"),
    "price_open_large": (1.5, 8.0, "Llama 3.1 405B on hosts ~$3-5"),
}


def _f11_facts() -> list[Fact]:
    """F11a-e: volume-weighted prices per kind and size tier, July-Sept 2024."""
    facts = []
    for letter, (metric, (lo, hi, lists)) in zip("abcde", F11_TARGETS.items(), strict=True):
        facts.append(
            Fact(
                f"F11{letter}",
                f"List prices per tier, mid-2024: {lists}",
                f"mean of {metric} (volume-weighted USD/Mtok)",
                (lo, hi),
                ("2024-07", "2024-09"),
                "USD/Mtok",
                lambda ts, metric=metric: window_mean(ts, metric, "2024-07", "2024-09"),
                "FACTS F11: vendors' and hosts' price lists, July-Sept 2024",
            )
        )
    return facts


def context_checks() -> list[Fact]:
    """Consistency checks that are not FACTS.md facts: reported beside the facts, not scored."""
    h0, h1 = HISTORY
    return [
        Fact(
            "K1",
            "closed-frontier growth; reference ~1 kappa/yr (Epoch: ~10x effective compute a year; lag_months "
            "extrapolates the pre-2023 frontier at market.frontier_growth_before_start_per_year = 1.0)",
            "OLS slope of capability_closed on time",
            (math.nan, math.nan),
            (h0, h1),
            "kappa per year",
            lambda ts: linear_slope_per_year(ts, "capability_closed", h0, h1),
            "Epoch AI",
            kind="context",
        ),
        Fact(
            "K2",
            "closed flagship API price in 2024-07; reference GPT-4o list $5/$15 in/out = $7.5 (3:1 blend) to $10 (1:1)",
            "calib_frontier_closed_price (denominator of F8)",
            (math.nan, math.nan),
            ("2024-07", "2024-07"),
            "USD/Mtok",
            lambda ts: value_at(ts, "calib_frontier_closed_price", "2024-07"),
            "OpenAI price list 2024",
            kind="context",
        ),
        Fact(
            "K4",
            "enterprise LLM spend in 2024; reference Menlo 2024: $3.5B/yr = $0.29B/month",
            "mean of payments_total (API, services, hosts, self-hosting)",
            (math.nan, math.nan),
            ("2024-01", "2024-12"),
            "USD/month",
            lambda ts: window_mean(ts, "payments_total", "2024-01", "2024-12"),
            "Menlo Ventures 2024",
            kind="context",
        ),
        Fact(
            "K5",
            "enterprise LLM spend in 2025; reference Menlo 2025: $8.4B/yr = $0.70B/month",
            "mean of payments_total",
            (math.nan, math.nan),
            ("2025-01", "2025-12"),
            "USD/month",
            lambda ts: window_mean(ts, "payments_total", "2025-01", "2025-12"),
            "Menlo Ventures 2025",
            kind="context",
        ),
        Fact(
            "K6",
            "Meta's salary offer relative to Google's (similar headcount, closed frontier models); reference F9's "
            "0.75-0.9",
            "as F9a with Google as the closed vendor",
            (math.nan, math.nan),
            ("2025-01", h1),
            "ratio",
            lambda ts: offer_ratio(ts, "2025-01", h1, OPEN_VENDOR_F9, ("google",)),
            "FACTS F9",
            kind="context",
        ),
    ]


# --------------------------------------------------------------------------------------------
# Evaluation and report
# --------------------------------------------------------------------------------------------
def measure_all(facts: Sequence[Fact], runs: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per run, one column per fact id: every fact measured in every run."""
    rows = []
    for ts in runs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN, reported as such
            rows.append({f.id: f.measure(ts) for f in facts})
    return pd.DataFrame(rows, columns=[f.id for f in facts])


def summarize(facts: Sequence[Fact], runs: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per fact: target, window, median and 5-95% range over seeds, share of seeds inside
    the target, status ("pass" if the median is inside the target, else "miss"; facts of kind
    documentation/limitation/context keep their kind as status)."""
    values = measure_all(facts, runs)
    rows = []
    for f in facts:
        x = values[f.id].to_numpy(float)
        ok = x[np.isfinite(x)]
        med = float(np.median(ok)) if ok.size else math.nan
        lo, hi = (float(np.quantile(ok, 0.05)), float(np.quantile(ok, 0.95))) if ok.size else (math.nan, math.nan)
        if f.kind == "target":
            status = "pass" if f.inside(med) else "miss"
            inside = float(np.mean([f.inside(v) for v in x])) if x.size else math.nan
        else:
            status, inside = f.kind, math.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            detail = f.detail(list(runs)) if f.detail is not None else ""
        rows.append(
            {
                "id": f.id,
                "fact": f.fact,
                "statement": f.statement,
                "quantity": f.quantity,
                "target_low": f.target[0],
                "target_high": f.target[1],
                "window": f"{f.window[0]}..{f.window[1]}" if f.window[0] != f.window[1] else f.window[0],
                "unit": f.unit,
                "median": med,
                "p05": lo,
                "p95": hi,
                "share_inside": inside,
                "runs_measured": int(ok.size),
                "status": status,
                "source": f.source,
                "detail": detail,
            }
        )
    return pd.DataFrame(rows).set_index("id")


def run_calibration(
    seeds: int = 20,
    workers: int | None = None,
    report: Path = Path("docs/calibration.md"),
    figures_dir: Path = Path("docs/figures"),
) -> pd.DataFrame:
    """Run the default scenario over ``seeds`` seeds, measure every fact, write the report and figure.

    Seeds: ``SeedSequence(2023).spawn(seeds)`` as ints; runs go to a process pool of ``workers``
    (None: all CPUs; 1: serial). Returns the summary table of :func:`summarize`, one row per fact,
    with the fact's ``id`` as the first column and the long texts (statement, quantity, source,
    detail) last; ``report=None`` / ``figures_dir=None`` skip that output.
    """
    start = time.perf_counter()
    seed_list = calibration_seeds(seeds)
    runs = run_seeds(seed_list, workers=workers)
    seconds = time.perf_counter() - start
    scenario = Scenario.default()
    table = summarize(default_facts(scenario), runs)
    context = summarize(context_checks(), runs)
    figure = None
    if figures_dir is not None:
        figure = plot_trajectories(runs, Path(figures_dir) / "calibration_trajectories.png")
    if report is not None:
        write_report(
            table, Path(report), seeds=seed_list, seconds=seconds, scenario=scenario, figure=figure, context=context
        )
    texts = ["statement", "quantity", "source", "detail"]
    return table.reset_index()[["id", *(c for c in table.columns if c not in texts), *texts]]


def run_seeds(
    seeds: Sequence[int], workers: int | None = None, months: int | None = None, overrides: dict | None = None
) -> list[pd.DataFrame]:
    """The default scenario's timeseries (with calib_* columns) for each seed, in seed order."""
    from market_sim.sweep.executors import open_executor

    with open_executor(workers) as info:
        futures = [info.executor.submit(simulate, int(s), months, overrides) for s in seeds]
        return [f.result() for f in futures]


def _fmt(x: float, unit: str = "") -> str:
    if x is None or not np.isfinite(x):
        if x is None or np.isnan(x):
            return "—"
        return "−∞" if x < 0 else "∞"
    if unit == "USD":
        return f"${x / 1e6:,.0f}M"
    if unit == "USD/month":
        return f"${x / 1e9:,.2f}B"
    if unit.startswith("fraction") or unit == "ratio":
        return f"{x:.2f}"
    if unit == "indicator":
        return f"{x:.1f}"
    ax = abs(x)
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _target_text(row: pd.Series) -> str:
    lo, hi, unit = row["target_low"], row["target_high"], row["unit"]
    if row["status"] not in ("pass", "miss"):
        return "—"
    if lo == hi:
        return _fmt(lo, unit) if unit != "months outside" else "0"
    if not np.isfinite(lo):
        return f"< {_fmt(hi, unit)}" if hi == 0 else f"≤ {_fmt(hi, unit)}"
    if not np.isfinite(hi):
        return f"≥ {_fmt(lo, unit)}"
    return f"{_fmt(lo, unit)} – {_fmt(hi, unit)}"


def _range_text(row: pd.Series) -> str:
    if not np.isfinite(row["median"]):
        return "—"
    return f"{_fmt(row['p05'], row['unit'])} – {_fmt(row['p95'], row['unit'])}"


def write_report(
    table: pd.DataFrame,
    path: Path,
    seeds: Sequence[int],
    seconds: float,
    scenario: Scenario,
    figure: Path | None = None,
    context: pd.DataFrame | None = None,
    notes: dict[str, str] | None = None,
) -> Path:
    """Write the calibration report (markdown) from the summary tables."""
    notes = MISS_REASONS if notes is None else notes
    path.parent.mkdir(parents=True, exist_ok=True)
    scored = table[table["status"].isin(["pass", "miss"])]
    n_pass = int((scored["status"] == "pass").sum())
    misses = [fid for fid, row in scored.iterrows() if row["status"] == "miss"]
    lines = [
        "# Calibration of the default scenario",
        "",
        "Generated by `market-sim calibrate` (`market_sim.calibration.run_calibration`); do not edit by hand.",
        f"The default scenario (hash `{scenario.hash}`, {scenario.months} months from {scenario.get('run.start')}) "
        f"was run over {len(seeds)} seeds (`numpy.random.SeedSequence({SEED_ROOT}).spawn({len(seeds)})`) in "
        f"{seconds:.0f} s. Each row checks one stylized fact of `FACTS.md`; a fact with several parts has one row "
        "per part (F3a–c, F4a–b, F6a–d, F9a–b). **Pass** means that the median over seeds lies inside the target "
        "range; beside it are the 5–95% range over seeds and the share of seeds whose own value lies inside the "
        "target. Rows marked *documentation* or *limitation* are reported, not scored. The history window of "
        "the calibration is 2023-01..2026-06 (MODEL.md); F3 covers 2023–2026 as FACTS.md states it.",
        "",
        f"**{n_pass} of {len(scored)} scored checks pass**"
        + (f"; misses: {', '.join(misses)} (reasons below)." if misses else "."),
        "",
        "| id | fact | target | window | unit | model median | 5–95% over seeds | seeds inside | status |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for fid, row in table.iterrows():
        inside = "—" if not np.isfinite(row["share_inside"]) else f"{row['share_inside']:.0%}"
        status = {"pass": "**pass**", "miss": "**MISS**"}.get(row["status"], row["status"])
        lines.append(
            f"| {fid} | {row['statement']} | {_target_text(row)} | {row['window']} | {row['unit']} | "
            f"{_fmt(row['median'], row['unit'])} | {_range_text(row)} | {inside} | {status} |"
        )
    lines += ["", "## What each row measures", ""]
    for fid, row in table.iterrows():
        text = f"- **{fid}** ({row['source']}). {row['quantity']}."
        if row["detail"]:
            text += f" {row['detail']}."
        lines.append(text)
    lines += ["", "## Misses and limitations, with their reasons", ""]
    if not misses:
        lines.append("No scored check misses.")
    for fact_id in dict.fromkeys(table.loc[misses, "fact"]):  # one note per FACTS.md fact, in table order
        rows = table.loc[misses][table.loc[misses, "fact"] == fact_id]
        values = "; ".join(
            f"{fid}: median {_fmt(r['median'], r['unit'])}, target {_target_text(r)}, "
            f"{r['share_inside']:.0%} of seeds inside"
            for fid, r in rows.iterrows()
        )
        note = notes.get(fact_id, notes.get(rows.index[0], "Reason not yet analysed."))
        lines.append(f"- **{', '.join(rows.index)} (miss; {values}).** {note}")
    for fid, row in table.iterrows():
        if row["status"] in ("documentation", "limitation") and fid in notes:
            lines.append(f"- **{fid} ({row['status']}).** {notes[fid]}")
    if context is not None and len(context):
        lines += [
            "",
            "## Consistency checks (not in FACTS.md; not scored)",
            "",
            "| id | quantity and reference | window | unit | model median | 5–95% over seeds |",
            "|---|---|---|---|---|---|",
        ]
        for fid, row in context.iterrows():
            lines.append(
                f"| {fid} | {row['statement']} | {row['window']} | {row['unit']} | "
                f"{_fmt(row['median'], row['unit'])} | {_range_text(row)} |"
            )
    if figure is not None:
        rel = Path("figures") / figure.name
        lines += [
            "",
            "## Trajectories",
            "",
            f"![Calibrated trajectories against the targets]({rel.as_posix()})",
            "",
            "*Median (line) and 5–95% band over seeds of the calibrated default scenario; shaded boxes are the "
            "targets over their windows (F1: the 5x–40x per year cone from the model's 2023-01 price). The dotted "
            "vertical line ends the history window (2026-06); later months are projection.*",
        ]
    lines += ["", "## Calibrated values", "", CALIBRATION_NOTES.strip(), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# Reasons for misses and notes on documentation/limitation rows, kept beside the facts they
# explain; the report prints those that apply (a miss without a note says so).
MISS_REASONS: dict[str, str] = {
    "F9": "The model prices talent by the fill-rate offer rule (hiring strategies `planned`, the default, and "
    "`fill_rate`): a vendor lowers its offer while it gets "
    "more than two applicants per slot and raises it while slots stay empty, so its offer settles where "
    "the applicants it attracts match its hiring. Researchers do value Meta's open, publishable work as "
    "intended (`researchers.visibility_mean` = 1.4 = 5 ln(1/0.75), a 25% compensating differential), but "
    "Meta hires 3–10 times as many researchers a month as OpenAI and Anthropic (1,500 vs 400 and 150 at "
    "the start, all growing), and in a logit matching market a vendor that needs more applicants must offer "
    "more: the size effect cancels most of the visibility discount, and Anthropic's own mission premium "
    "(`mission_fit` = 0.8) lowers its offers as well. Against Google, a closed-frontier vendor of similar "
    "size (consistency check K6), Meta's offers are inside the F9 band. Staff-average salaries (F9b) also "
    "carry everyone hired at the common initial salary (`researchers.initial_salary_usd`), which at 2% "
    "turnover a month still dominate in 2025. Not tuned away: raising `visibility_mean` would contradict "
    "its derivation from F9. A model change that would let F9 be tested as stated: measure the "
    "compensating differential causally, with paired runs (Meta open vs `always_closed`, common random "
    "numbers), or let the hiring rule target a fill rate relative to the vendor's hiring volume.",
    "F7": "Awareness is a monthly Bass process with p and q per month, far faster than the per-year literature "
    "values, as F7 itself says of LLMs (Fradkin 2025: adoption stabilises within weeks). The model's imitation "
    "term uses the share of active developers on the vendor's options, not the share aware (docs/ODD.md 8 n); "
    "new developers enter with the awareness drawn at t = 0 (docs/ODD.md 8 e), which slows the measured time "
    "to 50% below the pure Bass curve.",
    "F2": "With serving cost rising with capability bought with scale (`sizes.serving_cost_capability_elasticity` "
    "b = 0.3, an assumption of the demand revision: bigger and reasoning models cost more per token; "
    "capability gained for free is not billed, docs/ODD.md 7.6), the cheapest option at GPT-4 level is a model "
    "that has just crossed it and costs more per token than a less capable one of its size; its price falls "
    "~7x a year, short of the 9x lower end. With b = 0 (model v0.1's cost) F2 passed (10.5x, 4 seeds, before "
    "the finance revision) but F5 and F8 missed, because the frontier then gets cheap as fast as constant "
    "capability. Not tuned away: `market.serving_cost_decline_per_year` at 0.65 reached 8.5x and broke F5 "
    "and M1. b is swept in the studies (docs/discovery.md).",
    "F3": "The lag is measured from the closed frontier, which from the vendor-finance revision (docs/ODD.md "
    "8 r) grows with OpenAI's committed compute (2.4x/yr) from month 0, while the open leader (Meta, 1 κ "
    "behind at 2023-01) releases first in 2023-02 and its community starts from zero: the 2023 median lag is "
    "~15 months, just above the 14-month band (F3c); 2024-2026 are inside and the lag shrinks (F3a, F3b). Not "
    "tuned away: the 2023 lag follows from the initial capabilities (Epoch) and the F4 growth rate.",
    "F6": "Anthropic's share of 2025 model revenue is set by its quality premium (C22), the one parameter "
    "calibrated to F6. Under the revised demand (log price, tiers), 0.65 brings it to 0.49 (inside) but the "
    "2024 open token share (F5) to 0.32 (outside); 0.7 keeps F5 (0.28) and M1 and leaves F6a at ~0.53 "
    "(4 seeds). The default is 0.7: one premium cannot meet both facts, and F5 is the fact the commoditization "
    "question rests on. After the free-capability serving cost and the finance revision, 0.7 gives F6a 0.50 "
    "(inside, 20 seeds) with F5 at 0.25.",
}

# The calibration's changes to the default scenario: (key, before, after, facts targeted, why).
CALIBRATION_CHANGES: list[tuple[str, str, str, str, str]] = [
    (
        "rnd.capability_rate (vendor finance, docs/ODD.md 8 r)",
        "0.055",
        "0.03",
        "F3 (K1), F4",
        "training is now compute bought on a plan growing at training.growth_per_year (F4: 2.4x/yr), so the "
        "compute term adds log10(2.4 x 1.43) = 0.54 κ/yr that the research term carried before; the rest is "
        "algorithmic progress (Epoch ~0.48 κ/yr)",
    ),
    (
        "vendors.<id>.rnd, vendors.<id>.hiring, training.final_run_share",
        "share_of_cash / share_of_revenue, fill_rate",
        "committed (X_0 per vendor), planned, 0.1",
        "F4, K4",
        "compute on 24-month commitments sized to reported 2023-2024 R&D compute (OpenAI $1.4B/$3.5B: The "
        "Information, Epoch AI), final runs 10% of it (Epoch AI), so GPT-4-class families cost ~$0.1B in 2023 (F4b)",
    ),
    (
        "market.price_form (and the demand keys of docs/ODD.md 8 q)",
        "linear",
        "log",
        "F11, M1, K4",
        "the demand revision: proportional markups, nests, tiers, intensive margin (price_elasticity 1, "
        "Demirer et al. 2025)",
    ),
    (
        "developers.volume_mtok_median",
        "70",
        "560",
        "K4",
        "now the volume at 1 USD/Mtok (spend in USD with price_elasticity 1); keeps 2024 spend at Menlo's $3.5B/yr",
    ),
    (
        "vendors.anthropic.quality_premium",
        "0.85",
        "0.7",
        "F6, F5",
        "under the log form a κ-unit of premium multiplies willingness to pay by e^gamma: 0.85 gave Anthropic "
        "59% of 2025 model revenue",
    ),
    (
        "sizes.serving_cost_reference_capability",
        "-",
        "[2.9, 3.8, 4.4]",
        "F11",
        "the open models of each size in mid-2024 (Llama 3.1 8B/70B/405B) in the default run, less their free "
        "knowledge (docs/ODD.md 7.6), so that serving_cost_usd_per_mtok keeps its meaning (host list prices net "
        "of the markup) under b > 0; re-read after the finance revision moved the capability paths",
    ),
    (
        "vendors.google.rnd.share",
        "0.5",
        "0.1",
        "F3, F6",
        "the R&D share of revenue includes Google's $2B/month complement revenue, so spend jumped from the "
        "$200M/month cash floor in month 0 (no revenue yet) to $1B+/month from month 1: +0.7 κ for Google in "
        "2023 and a runaway lead. At 0.1 the share equals the floor",
    ),
    (
        "rnd.capacity_elasticity",
        "0.5",
        "0.2",
        "F3, F6",
        "at 0.5 a lab with 10x the researchers progresses 3.2x faster; labs of 150 to 1,500 researchers kept "
        "pace 2023–2025",
    ),
    (
        "rnd.capability_rate",
        "0.035",
        "0.055",
        "F3 (K1)",
        "with the other calibrated values the closed frontier grew 0.73 κ/yr at 0.035 (0.62 with the new "
        "elasticity); it should grow ~1 κ/yr (Epoch; the rate lag_months extrapolates with) and grows 0.9 now "
        "(K1). The compute term lacks the 2.4x/yr budget growth of frontier runs (F4), so the research term "
        "carries it",
    ),
    (
        "vendors.meta.release.every_months",
        "9",
        "5",
        "F3",
        "Llama 1, 2, 3, 3.1, 3.3 and 4 were released 2023-02..2025-04, every 5.2 months on average",
    ),
    (
        "sizes.serving_cost_usd_per_mtok",
        "[0.2, 1.0, 4.0]",
        "[0.4, 2.2, 12.0]",
        "F8",
        "mid-2024 host list prices of 8B/70B/405B models (~$0.18, ~$0.9, $3–5 per Mtok) net of the host "
        "markup, back-cast to 2023-01 at the 55%/yr cost decline",
    ),
    (
        "developers.value_per_mtok_median",
        "25",
        "11",
        "F8 (K2)",
        "the logit markup scales with θ: at 25 closed APIs sold at $15–38/Mtok with 0.92–0.99 margins; at 11 "
        "the closed flagship price in mid-2024 is ~$10/Mtok (GPT-4o: $5/$15 in/out)",
    ),
    (
        "switching.closed_exit",
        "0.8",
        "0.4",
        "F8, F5",
        "best responses priced the installed base's exit cost (0.8 θ ≈ $20/Mtok); a16z's 2024 CIO survey finds "
        "that switching models is little more than an API change",
    ),
    (
        "developers.volume_mtok_median",
        "40",
        "70",
        "K4",
        "with the lower prices, keeps 2024 spend at Menlo's $3.5B/yr (the source of population_represented)",
    ),
    ("developers.finetune_share", "0.3", "0.1", "F5", "Menlo 2024: 9% of production deployments fine-tune"),
    (
        "developers.privacy_share",
        "0.2",
        "0.1",
        "F5",
        "privacy-bound developers (a hard constraint: no closed cloud API) all use open models; most regulated "
        "firms reach closed models through private cloud endpoints",
    ),
    (
        "vendors.anthropic.quality_premium",
        "0.3",
        "0.85",
        "F6",
        "Anthropic's 2025 lead in enterprise spend (coding, agents, trust) is not in the capability index; the "
        "premium is the model's lever for it (C22)",
    ),
    (
        "vendors.openai.quality_premium",
        "0.1",
        "0.0",
        "F6",
        "with 0.1 OpenAI kept 36% of 2025 model revenue (target 27%); integration and tooling no longer set it "
        "apart once rivals serve OpenAI-compatible APIs",
    ),
]

CALIBRATION_NOTES = "\n".join(
    [
        "Every default value in `market_sim/scenarios/default.toml` cites its source in a comment beside it (a "
        '`FACTS.md` ID, a publication or data source, `MODEL.md`, a design switch, or "assumption" with its '
        "reason). The calibration changed the defaults below; each targets the fact named, and no value was "
        "moved to hide a miss.",
        "",
        "| key | before | after | fact | why |",
        "|---|---|---|---|---|",
        *(f"| `{k}` | {a} | {b} | {f} | {why} |" for k, a, b, f, why in CALIBRATION_CHANGES),
        "",
        "Source comments were added to every value that lacked one (vendors' cash, funding, capabilities, "
        "headcounts, cost factors, awareness, mission fit, complement parameters and strategy tables, and the "
        "design switches).",
    ]
)


# --------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------
def band(runs: Sequence[pd.DataFrame], values: Callable[[pd.DataFrame], pd.Series]) -> pd.DataFrame:
    """Median and 5/95% quantiles over runs of a per-month series, indexed by date."""
    frame = pd.concat([values(ts).set_axis(ts["date"]) for ts in runs], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return pd.DataFrame(
            {
                "median": frame.median(axis=1),
                "p05": frame.quantile(0.05, axis=1),
                "p95": frame.quantile(0.95, axis=1),
            }
        )


def plot_trajectories(runs: Sequence[pd.DataFrame], path: Path | None = None):
    """Small multiples: median and 90% band over seeds against the targets of F1, F3, F5, F6, F8, F9."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    def x_of(index) -> pd.DatetimeIndex:
        return pd.PeriodIndex(index, freq="M").to_timestamp()

    def ts_of(date: str) -> pd.Timestamp:
        return pd.Period(date, freq="M").to_timestamp()

    def target_box(ax, start, end, lo, hi, color="tab:green", label="target"):
        x0, x1 = ts_of(start), ts_of(end) + pd.offsets.MonthEnd(0)
        ax.fill_between([x0, x1], [lo, lo], [hi, hi], color=color, alpha=0.18, linewidth=0, label=label)

    def draw(ax, b, color, label):
        x = x_of(b.index)
        ax.plot(x, b["median"], color=color, linewidth=1.8, label=f"{label} (median)")
        ax.fill_between(x, b["p05"], b["p95"], color=color, alpha=0.25, linewidth=0, label=f"{label} (5–95%)")

    def finish(ax, title, ylabel):
        ax.axvline(ts_of(HISTORY[1]), color="grey", linestyle=":", linewidth=1)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_xlabel("month", fontsize=8)
        ax.xaxis.set_major_locator(mdates.YearLocator(2))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, frameon=False, loc="best")

    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), layout="constrained")
    (a1, a3, a5), (a6, a8, a9) = axes

    # F1: price at reference capability, with the target decline cone from the model's 2023-01 median
    b = band(runs, lambda ts: ts["price_at_ref"])
    draw(a1, b, "black", "price_at_ref")
    p0 = float(b["median"].iloc[0])
    months = np.arange(0, 42)
    xs = x_of(pd.period_range(HISTORY[0], periods=months.size, freq="M").strftime("%Y-%m"))
    a1.fill_between(
        xs,
        p0 * 5.0 ** (-months / 12),
        p0 * 40.0 ** (-months / 12),
        color="tab:green",
        alpha=0.18,
        linewidth=0,
        label="target: 5x–40x/yr decline",
    )
    a1.set_yscale("log")
    finish(a1, "F1: price at reference capability", "USD per Mtok (log scale)")

    # F3: lag
    b = band(runs, lambda ts: ts["lag_months"])
    draw(a3, b, "tab:purple", "lag_months")
    target_box(a3, "2023-01", "2026-12", 2, 14, label="target 2–14 months, shrinking")
    finish(a3, "F3: open-weight lag behind the closed frontier", "months")

    # F5: open share
    b = band(runs, lambda ts: ts["share_open"])
    draw(a5, b, "tab:blue", "share_open")
    target_box(a5, "2024-01", "2024-12", 0.10, 0.30, label="target 2024: 0.10–0.30")
    a5.set_ylim(0, 1)
    finish(a5, "F5: open-weight token share", "fraction of tokens")

    # F6: monthly model-revenue shares of the three closed vendors
    colors = {"anthropic": "tab:orange", "openai": "tab:green", "google": "tab:red"}
    targets = {"anthropic": 0.40, "openai": 0.27, "google": 0.21}

    def share_of(vid):
        def f(ts):
            cols = [c for c in ts.columns if c.startswith("revenue_") and c not in MARKET_REVENUE_COLUMNS]
            total = ts[cols].sum(axis=1).replace(0.0, np.nan)
            return ts[f"revenue_{vid}"] / total

        return f

    names = {"anthropic": "Anthropic", "openai": "OpenAI", "google": "Google"}
    for vid in F6_VENDORS:
        draw(a6, band(runs, share_of(vid)), colors[vid], names[vid])
        t = targets[vid]
        x0, x1 = ts_of("2025-01"), ts_of("2025-12")
        a6.fill_between([x0, x1], [t - 0.1] * 2, [t + 0.1] * 2, color=colors[vid], alpha=0.12, linewidth=0)
        a6.hlines(t, x0, x1, color=colors[vid], linestyle="--", linewidth=1.2)
    a6.set_ylim(0, 1)
    finish(a6, "F6: share of model revenue (boxes: 2025 target ±10 pts)", "fraction of vendors' model revenue")

    # F8: self-host / closed flagship price
    b = band(runs, lambda ts: ts["calib_selfhost_ratio"])
    draw(a8, b, "tab:brown", "self-host cost / closed flagship price")
    target_box(a8, "2024-05", "2024-09", 0.35, 0.70, label="target 2024-07: 0.35–0.7")
    a8.set_yscale("log")
    finish(a8, "F8: self-hosting the large open model (h ≥ 0.8)", "ratio (log scale)")

    # F9: Meta's pay per skill unit relative to OpenAI's and Anthropic's: hiring offers and staff salaries
    def ratio(prefix):
        def f(ts):
            open_ = ts[[f"{prefix}{v}" for v in OPEN_VENDOR_F9]].mean(axis=1)
            closed = ts[[f"{prefix}{v}" for v in CLOSED_VENDORS_F9]].mean(axis=1)
            return open_ / closed

        return f

    draw(a9, band(runs, ratio("calib_offer_")), "tab:cyan", "hiring offers (F9a)")
    draw(a9, band(runs, ratio("salary_")), "tab:gray", "staff salaries (F9b)")
    target_box(a9, "2025-01", HISTORY[1], 0.75, 0.90, label="target 2025-01..2026-06: 0.75–0.9")
    finish(a9, "F9: Meta / mean(OpenAI, Anthropic), pay per skill unit", "ratio")

    fig.suptitle(f"Calibrated default scenario vs stylized facts ({len(runs)} seeds)", fontsize=12)
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_figure(fig, path, dpi=100)
        plt.close(fig)
        return path
    return fig
