"""Calibration measures: pure functions of one run's timeseries (dates 'YYYY-MM', ``month`` 0..).

Each maps a timeseries (with the ``calib_*`` columns of :mod:`.runs`) and a calendar window to
one number; the facts of ``facts.toml`` name them by function name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from market_sim.scenario import Scenario

HISTORY = ("2023-01", "2026-06")  # the calibration ("history") window of MODEL.md
OPEN_VENDOR_F9 = ("meta",)  # F9: the open vendor whose salaries are compared ...
CLOSED_VENDORS_F9 = ("openai", "anthropic")  # ... with these closed vendors' (their mean)
MARKET_REVENUE_COLUMNS = ("revenue_api", "revenue_service", "revenue_host", "revenue_complement")


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


def window_max(ts: pd.DataFrame, column: str, start: str, end: str) -> float:
    """Largest value of ``column`` over the window, missing months left out (NaN if none)."""
    return float(np.nanmax(window(ts, start, end)[column]))


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


def revenue_share(ts: pd.DataFrame, start: str, end: str, vendor: str) -> float:
    """``vendor``'s share of all vendors' model revenue over the window (:func:`revenue_shares`)."""
    return float(revenue_shares(ts, start, end).get(vendor, math.nan))


def revenue_order(ts: pd.DataFrame, start: str, end: str, vendors: Sequence[str]) -> float:
    """1.0 if the vendors' revenue shares over the window are strictly in the given order, else 0.0."""
    s = revenue_shares(ts, start, end)
    x = [s.get(v, math.nan) for v in vendors]
    if not all(np.isfinite(x)):
        return math.nan
    return float(all(a > b for a, b in zip(x, x[1:], strict=False)))


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
