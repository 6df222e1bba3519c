"""Figures of one run: adoption curves and prices. Each function returns a matplotlib Figure.

Analysis over seeds (confidence bands) lives with the sweep tools; here ``band`` accepts an
optional (lower, upper) DataFrame pair for the same columns.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from contextvars import ContextVar

import matplotlib

if "ipykernel" not in sys.modules and "MPLBACKEND" not in os.environ:
    matplotlib.use("Agg")  # files only; in a notebook the inline backend shows the figures
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from market_sim.labels import label, money_scale, parts  # noqa: E402

FORMATS = ("png", "svg", "pdf")
_EXTRA_FORMATS: ContextVar[tuple[str, ...]] = ContextVar("extra_figure_formats", default=())


@contextmanager
def figure_formats(formats):
    """Within the block, :func:`save_figure` also writes each figure in these formats (PNG always)."""
    bad = [f for f in formats or [] if f not in FORMATS]
    if bad:
        from market_sim.errors import UserError

        raise UserError(f"--format {bad[0]} is not allowed: expected one of {', '.join(FORMATS)}")
    token = _EXTRA_FORMATS.set(tuple(f for f in formats or [] if f != "png"))
    try:
        yield
    finally:
        _EXTRA_FORMATS.reset(token)


def save_figure(fig, path, dpi: int = 100) -> list:
    """Save ``fig`` at ``path`` (PNG) and, inside :func:`figure_formats`, as SVG/PDF beside it."""
    from pathlib import Path

    path = Path(path)
    written = []
    for fmt in ("png", *_EXTRA_FORMATS.get()):
        out = path if fmt == "png" else path.with_suffix(f".{fmt}")
        fig.savefig(out, dpi=dpi, format=fmt if out.suffix == f".{fmt}" else None)
        written.append(out)
    return written


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
    dates = ts["date"]
    if isinstance(dates.dtype, pd.PeriodDtype):
        return pd.PeriodIndex(dates).to_timestamp()
    return pd.PeriodIndex(dates.astype(str), freq="M").to_timestamp()


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


def mark_projection(ax, start: str | None) -> None:
    """A vertical line and label where calibration ends and projection begins (``start`` = YYYY-MM)."""
    if not start:
        return
    x = pd.Period(start, freq="M").to_timestamp()
    ax.axvline(x, color="grey", linewidth=1.0, linestyle=":")
    ax.annotate(
        "projection →",
        (x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4, -12),
        textcoords="offset points",
        fontsize=8,
        color="grey",
    )


def plot_lines(ts: pd.DataFrame, columns: dict[str, str], title: str, log: bool = False) -> Figure:
    """Several metrics of one run over time; ``columns`` maps a column to its legend entry.

    The y label comes from :mod:`market_sim.labels` (unit of the first column); money is scaled
    to k/M/bn so the axis carries no offset.
    """
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    x = _dates(ts)
    present = [c for c in columns if c in ts.columns]
    scale = max((money_scale(c, ts[c]) for c in present), default=1.0)
    for i, col in enumerate(present):
        ax.plot(x, ts[col] / scale, color=f"C{i % 10}", linewidth=2.0, label=columns[col])
    unit = label(present[0], scale=scale).rsplit("(", 1)[-1].rstrip(")") if present else ""
    ax.set_ylabel(unit if len(present) > 1 else label(present[0], scale=scale) if present else "")
    if log:
        ax.set_yscale("log")
    elif present and all(parts(c)[1] == "fraction" for c in present):
        ax.set_ylim(0, 1)  # shares and margins on their whole range
    ax.set_title(title)
    _format_time_axis(ax)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_bands(
    runs: dict[str, list[pd.DataFrame]],
    metric: str,
    title: str = "",
    vendor_names: dict[str, str] | None = None,
    confidence: float = 0.95,
) -> Figure:
    """Mean of ``metric`` over seeds with a Student-t band, one line per arm (same seeds per arm)."""
    from scipy import stats

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    values = [ts[metric] for group in runs.values() for ts in group if metric in ts]
    scale = money_scale(metric, pd.concat(values)) if values else 1.0
    for i, (arm, group) in enumerate(runs.items()):
        frame = pd.concat([ts[metric].reset_index(drop=True) for ts in group], axis=1) / scale
        mean = frame.mean(axis=1)
        x = _dates(group[0])
        n = frame.shape[1]
        ax.plot(x, mean, color=f"C{i % 10}", linewidth=2.0, label=f"{arm} (n={n} seeds)")
        if n >= 2:
            half = stats.t.ppf(0.5 + confidence / 2, n - 1) * frame.std(axis=1, ddof=1) / np.sqrt(n)
            ax.fill_between(x, mean - half, mean + half, color=f"C{i % 10}", alpha=0.2, linewidth=0)
    ax.set_ylabel(label(metric, vendor_names, scale=scale))
    name = parts(metric, vendor_names)[0]
    ax.set_title(title or f"{name}: mean over seeds, {confidence:.0%} CI band")
    _format_time_axis(ax)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_adoption_bands(
    runs: list[pd.DataFrame],
    vendors: pd.DataFrame,
    projection_from: str | None = None,
    confidence: float = 0.95,
    title: str = "",
) -> Figure:
    """Token share per vendor: mean over seeds with a Student-t band (same scenario, one run per seed).

    ``vendors`` gives names and openness (of one run, e.g. ``RunResult.vendors``); a dotted line
    marks ``projection_from`` (YYYY-MM), where calibration ends and projection begins.
    """
    from scipy import stats

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    x = _dates(runs[0])
    n = len(runs)
    t = stats.t.ppf(0.5 + confidence / 2, n - 1) if n >= 2 else np.nan
    for i, (vid, row) in enumerate(vendors.iterrows()):
        frame = pd.concat([ts[f"share_{vid}"].reset_index(drop=True) for ts in runs], axis=1)
        mean = frame.mean(axis=1)
        color = f"C{i % 10}"
        ax.plot(x, mean, color=color, label=f"{row['name']} ({row['openness']})", **STYLE_BY_OPENNESS[row["openness"]])
        if n >= 2:
            half = t * frame.std(axis=1, ddof=1) / np.sqrt(n)
            ax.fill_between(x, (mean - half).clip(0, 1), (mean + half).clip(0, 1), color=color, alpha=0.15, lw=0)
    mark_projection(ax, projection_from)
    ax.set_ylabel(label("share_open").replace("open-weight ", ""))
    ax.set_ylim(0, 1)
    ax.set_title(title or f"Adoption: token share by vendor, mean of {n} seeds, {confidence:.0%} CI bands")
    _format_time_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig
