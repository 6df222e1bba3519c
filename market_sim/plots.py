"""Figures of one run: adoption curves and prices. Each function returns a matplotlib Figure.

Analysis over seeds (confidence bands) lives with the sweep tools; here ``band`` accepts an
optional (lower, upper) DataFrame pair for the same columns.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

OPEN_STYLE = {"linestyle": "-", "linewidth": 2.0}
CLOSED_STYLE = {"linestyle": "--", "linewidth": 2.0}
PARTLY_STYLE = {"linestyle": "-.", "linewidth": 2.0}
STYLE_BY_OPENNESS = {
    "open": OPEN_STYLE,
    "closed": CLOSED_STYLE,
    "partly open": PARTLY_STYLE,
    "unreleased": CLOSED_STYLE,
}


def _dates(ts: pd.DataFrame) -> pd.DatetimeIndex:
    return pd.PeriodIndex(ts["date"], freq="M").to_timestamp()


def _format_time_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel("month")
    ax.grid(alpha=0.3)


def plot_adoption(ts: pd.DataFrame, vendors: pd.DataFrame, title: str = "") -> Figure:
    """Token share per vendor over time; open-weight vendors solid, closed dashed, partly open dash-dot."""
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    x = _dates(ts)
    colors = plt.get_cmap("tab10")
    for i, (vid, row) in enumerate(vendors.iterrows()):
        style = STYLE_BY_OPENNESS[row["openness"]]
        label = f"{row['name']} ({row['openness']})"
        ax.plot(x, ts[f"share_{vid}"], color=colors(i % 10), label=label, **style)
    ax.plot(x, ts["share_open"], color="black", linewidth=1.2, linestyle=":", label="all open-weight models")
    ax.set_ylabel("token share (fraction of tokens served)")
    ax.set_ylim(0, 1)
    ax.set_title(title or "Adoption: token share by vendor")
    _format_time_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def plot_prices(ts: pd.DataFrame, title: str = "") -> Figure:
    """Closed API price, open effective cost and price at reference capability (log scale)."""
    fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    x = _dates(ts)
    ax.plot(x, ts["price_closed"], label="closed API price (volume-weighted)", **CLOSED_STYLE)
    ax.plot(x, ts["price_open"], label="open-weight effective cost (volume-weighted)", **OPEN_STYLE)
    ax.plot(x, ts["price_at_ref"], color="black", linewidth=1.5, label="cheapest price at reference capability")
    ax.set_yscale("log")
    ax.set_ylabel("USD per million tokens (log scale)")
    ax.set_title(title or "Prices")
    _format_time_axis(ax)
    ax.legend(fontsize=8, frameon=False)
    return fig
