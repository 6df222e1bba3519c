"""Calibration details: extra report text for a fact, computed from all runs (``detail`` in facts.toml)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from market_sim.scenario import Scenario
from market_sim.studies.calibration.measures import (
    HISTORY,
    OPEN_VENDOR_F9,
    bass_continuous_time_to_half,
    bass_months_to_half,
    offer_ratio,
    revenue_shares,
    salary_ratio,
    value_at,
    yearly_medians,
)


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


DETAILS = {"lag": _lag_detail, "f4": _f4_detail, "f6": _f6_detail, "f7": _f7_detail, "f8": _f8_detail, "f9": _f9_detail}
