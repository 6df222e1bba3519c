"""Figures of a sweep: metric over time with confidence bands, two-parameter heatmaps, sensitivity indices.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot (no GUI backend, nothing
registered with pyplot, so nothing to close): save it with :func:`market_sim.plots.save_figure`.
Axis labels come from :mod:`market_sim.labels` (human name and unit); ``units`` maps a metric or
parameter name to a label that overrides it. Bands are per group; a band that pools several design
points says so in its legend entry. Groups are ordered numerically (``every_4`` before ``every_18``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from market_sim.analysis.summary import _as_list, arms, final_values, over_time, parameter_columns
from market_sim.labels import label, money_scale, numeric_key


def _label(units: Mapping[str, str] | None, name: str, scale: float = 1.0) -> str:
    given = (units or {}).get(name)
    return given if given and scale == 1.0 else label(name, scale=scale)


def _wrap(text: str, width_inches: float, fontsize: float = 12.0) -> str:
    """A title broken into lines that fit the figure width (about 0.55 em per character)."""
    return "\n".join(textwrap.wrap(text, max(20, int(width_inches * 72 / (0.55 * fontsize))))) if text else text


def _group_label(by: list[str], key: tuple) -> str:
    if by == ["arm"]:
        return key[0] if key[0] != "" else "all runs"
    return ", ".join(f"{col}={val}" for col, val in zip(by, key, strict=True))


def _tick(value) -> str:
    return f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)


def plot_over_time(
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    metric: str,
    by: str | Sequence[str] | None = "arm",
    ylabel: str | None = None,
    title: str | None = None,
    *,
    units: Mapping[str, str] | None = None,
    confidence: float = 0.95,
) -> Figure:
    """Mean of ``metric`` per group and month with a shaded Student-t band over replicates (adoption curves).

    Statistics from :func:`~market_sim.analysis.summary.over_time`; x-axis: calendar month from ``date``
    (month index if there is no ``date`` column). The band is missing where a group has fewer than 2 runs.
    """
    stats = over_time(runs, timeseries, metric, by=by, confidence=confidence)
    by = _as_list(by)
    pct = f"{confidence * 100:g}%"
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    has_dates = "date" in stats.columns
    scale = money_scale(metric, stats["mean"])
    groups = sorted(stats.groupby(by, sort=False, dropna=False), key=lambda g: numeric_key(g[0])) if by else []
    for i, (key, group) in enumerate(groups or [((), stats)]):
        color = f"C{i % 10}"
        x = pd.to_datetime(group["date"].astype(str), format="%Y-%m") if has_dates else group["month"]
        name = _group_label(by, key) if by else metric
        ax.plot(x, group["mean"] / scale, color=color, linewidth=2.0, label=f"{name} (n={int(group['n'].max())})")
        ax.fill_between(x, group["ci_low"] / scale, group["ci_high"] / scale, color=color, alpha=0.2, linewidth=0)
    handles, _ = ax.get_legend_handles_labels()
    pooled = _points_pooled(runs, by)
    band = f"{pct} CI over replicates" + (f", pooled over {pooled} design points" if pooled > 1 else "")
    handles.append(Patch(facecolor="grey", alpha=0.3, label=band))
    ax.legend(handles=handles, fontsize=8, frameon=False)
    if has_dates:
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("month")
    ax.set_ylabel(ylabel or _label(units, metric, scale))
    name = label(metric).split(" (")[0]
    ax.set_title(_wrap(title or f"{name}: mean over replicates with {pct} confidence band", 8))
    ax.grid(alpha=0.3)
    return fig


def _points_pooled(runs: pd.DataFrame, by: list[str]) -> int:
    """The largest number of design points inside one group of ``by`` (1 = nothing pooled)."""
    if "point" in by or "point" not in runs or runs.empty:
        return 1
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    return int(ok.groupby(by)["point"].nunique().max()) if by else int(ok["point"].nunique())


def plot_heatmap(
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    metric: str,
    x: str,
    y: str,
    window_months: int = 12,
    *,
    arm: str | None = None,
    units: Mapping[str, str] | None = None,
    title: str | None = None,
    fmt: str = ".3g",
    cmap: str = "viridis",
) -> Figure:
    """Mean final-window value of ``metric`` over ok runs on the grid of swept parameters ``x`` and ``y``.

    Cell (x_j, y_k) = mean of :func:`~market_sim.analysis.summary.final_values` over the ok runs with
    x = x_j and y = y_k (replicates, and any other parameter's values: a marginal mean); empty cells are
    blank. Meant for grid designs. With several arms, ``arm`` selects one (required).
    """
    params = parameter_columns(runs)
    for name in (x, y):
        if name not in params:
            raise ValueError(f"{name!r} is not a swept parameter; parameters: {params}")
    available = arms(runs)
    if arm is None:
        if len(available) > 1:
            raise ValueError(f"runs have several arms; choose one with arm= from {available}")
    elif arm not in available:
        raise ValueError(f"unknown arm {arm!r}; available arms: {', '.join(map(repr, available))}")
    fv = final_values(runs, timeseries, [metric], window_months)
    if arm is not None:
        fv = fv.loc[fv["arm"] == arm]
    grid = fv.groupby([y, x])[metric].mean().unstack(x)
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))

    fig = Figure(
        figsize=(max(5.0, 1.0 + 0.9 * grid.shape[1]), max(4.0, 1.0 + 0.6 * grid.shape[0])), layout="constrained"
    )
    ax = fig.add_subplot()
    image = ax.imshow(values, origin="lower", aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_xticks(np.arange(grid.shape[1]), labels=[_tick(v) for v in grid.columns])
    ax.set_yticks(np.arange(grid.shape[0]), labels=[_tick(v) for v in grid.index])
    width = fig.get_size_inches()[0]
    if values.count() and grid.size <= 400:
        for (k, j), value in np.ndenumerate(values.filled(np.nan)):
            if np.isfinite(value):
                r, g, b, _ = image.cmap(image.norm(value))
                color = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
                ax.text(j, k, format(value, fmt), ha="center", va="center", color=color, fontsize=8)
    colorbar = fig.colorbar(image, ax=ax)
    colorbar.set_label(_label(units, metric))
    ax.set_xlabel(_label(units, x))
    ax.set_ylabel(_label(units, y))
    where = f", arm {arm}" if arm else ""
    name = label(metric).split(" (")[0]
    ax.set_title(_wrap(title or f"{name}: mean of the last {window_months} months over replicates{where}", width * 0.8))
    return fig


def plot_indices(
    indices: pd.DataFrame,
    *,
    units: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Figure:
    """Bar chart of sensitivity indices per parameter, one panel per (arm, metric) present.

    Sobol (columns ``S1, ST``): S1 and ST bars with their ``*_conf`` half-widths as error bars.
    Morris (column ``mu_star``): mu* bars with ``mu_star_conf`` error bars, sigma as markers.
    """
    if {"S1", "ST"} <= set(indices.columns):
        kind = "sobol"
    elif "mu_star" in indices.columns:
        kind = "morris"
    else:
        raise ValueError(f"indices need columns S1 and ST (sobol) or mu_star (morris); got {list(indices.columns)}")
    keys = [c for c in ("arm", "metric") if c in indices.columns]
    panels = list(indices.groupby(keys, sort=False, dropna=False)) if keys else [((), indices)]
    n_params = max((len(p) for _, p in panels), default=1)
    fig = Figure(figsize=(max(6.0, 2.0 + 0.8 * n_params), 1.5 + 2.4 * len(panels)), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False, sharex=True)[:, 0]
    for ax, (key, panel) in zip(axes, panels, strict=True):
        info = dict(zip(keys, key, strict=True))
        metric = info.get("metric")
        pos = np.arange(len(panel))
        if kind == "sobol":
            width = 0.38
            ax.bar(pos - width / 2, panel["S1"], width, yerr=panel.get("S1_conf"), capsize=3, label="first order S1")
            ax.bar(pos + width / 2, panel["ST"], width, yerr=panel.get("ST_conf"), capsize=3, label="total order ST")
            ax.set_ylabel("Sobol index")
            ax.axhline(0.0, color="black", linewidth=0.8)
        else:
            ax.bar(pos, panel["mu_star"], 0.6, yerr=panel.get("mu_star_conf"), capsize=3, label="μ* (mean |effect|)")
            if "sigma" in panel:
                ax.plot(pos, panel["sigma"], "o", color="black", label="σ (sd of effects)")
            ax.set_ylabel(f"μ*, σ ({_label(units, metric)})" if metric else "μ*, σ")
        ax.set_xticks(pos, labels=list(panel["parameter"]), rotation=30, ha="right")
        where = f" ({info['arm']})" if info.get("arm") else ""
        name = "Sobol indices" if kind == "sobol" else "Morris screening"
        ax.set_title(f"{name}: {label(metric).split(' (')[0]}{where}" if metric else name, fontsize=10)
        ax.legend(fontsize=8, frameon=False, loc="upper right")
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xlabel("parameter")
    if title:
        fig.suptitle(title, fontsize=12)
    return fig
