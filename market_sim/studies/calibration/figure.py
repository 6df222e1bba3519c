"""The calibration figure: median and 5-95% band over seeds against the targets of F1, F3, F5, F6, F8, F9."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.studies.calibration.measures import CLOSED_VENDORS_F9, HISTORY, MARKET_REVENUE_COLUMNS, OPEN_VENDOR_F9
from market_sim.studies.report_helpers import save_figure_at

F6_VENDORS = ("anthropic", "openai", "google")  # F6: closed vendors, in the target order


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
        return save_figure_at(fig, path, dpi=100, close=True)
    return fig
