"""The waterfall figure of ``market-sim explain`` (:mod:`market_sim.studies.explain`): rows of a
decomposition climbing from 0 to their total, each with its 95% CI."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

TOTAL = "total"


def waterfall(table: pd.DataFrame, column: str, title: str, path: Path | None = None):
    """Bars from 0 climbing row by row to the total, with the 95% CI of each row; saved to
    ``path`` (and closed) if given, else the Figure is returned (a notebook shows it)."""
    from market_sim.plots import plt  # the package's backend choice: files, or inline in a notebook

    rows = table[table[column] != TOTAL]
    total = table[table[column] == TOTAL].iloc[0]
    scale = 1e9
    mean = rows["mean"].to_numpy() / scale
    low, high = rows["ci_low"].to_numpy() / scale, rows["ci_high"].to_numpy() / scale
    start = np.concatenate([[0.0], np.cumsum(mean)[:-1]])
    fig, ax = plt.subplots(figsize=(8.5, 0.55 * (len(rows) + 1) + 1.5))
    y = np.arange(len(rows) + 1)[::-1]
    colors = ["#2a7ab9" if m >= 0 else "#d0573a" for m in mean]
    ax.barh(y[:-1], mean, left=start, color=colors, height=0.6)
    ax.errorbar(start + mean, y[:-1], xerr=[mean - low, high - mean], fmt="none", ecolor="black", capsize=3, lw=1)
    t = total["mean"] / scale
    ax.barh(y[-1], t, color="#555555", height=0.6)
    ax.errorbar(
        t,
        y[-1],
        xerr=[[t - total["ci_low"] / scale], [total["ci_high"] / scale - t]],
        fmt="none",
        ecolor="black",
        capsize=3,
        lw=1,
    )
    for yy, mid, m in zip(y, [*(start + mean / 2), t / 2], [*mean, t], strict=True):
        ax.annotate(f"{m:+.1f}", (mid, yy), xytext=(0, 11), textcoords="offset points", ha="center", fontsize=8)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y, [*rows[column], "total difference"])
    ax.set_xlabel("difference in discounted payoff, arm a − arm b (USD bn, 8%/yr; bars: 95% CI over seeds)")
    ax.set_title("\n".join(textwrap.wrap(title, 80)), fontsize=10)
    fig.tight_layout()
    if path is None:
        return fig
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
