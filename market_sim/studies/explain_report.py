"""Files of ``market-sim explain``: decomposition.csv, accounts.csv, waterfall.png, explain.md and
explain_manifest.json (:mod:`market_sim.studies.explain`)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.studies.explain import TOTAL, ExplainSetup, account_parts, channel_parts, summarise

FILES = ("decomposition.csv", "accounts.csv", "waterfall.png", "explain.md", "explain_manifest.json")


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


def write(setup: ExplainSetup, runs: dict, out: Path, seconds: float, command: str = "") -> str:
    """Write the tables, the figure, the summary and the manifest; returns the summary."""
    from market_sim.provenance import manifest

    out.mkdir(parents=True, exist_ok=True)
    channels = summarise(channel_parts(runs, setup.method), "channel")
    accounts = summarise(account_parts(runs), "line")
    channels.to_csv(out / "decomposition.csv", index=False)
    accounts.to_csv(out / "accounts.csv", index=False)
    name = setup.scenario.to_dict()["vendors"][setup.vendor]["name"]
    arms = f"a: {describe(setup.arm_a)}; b: {describe(setup.arm_b)}"
    title = f"{name}'s discounted payoff, arm a − arm b, by channel. {arms}"
    waterfall(channels, "channel", title, out / "waterfall.png")
    info = manifest(
        study="explain",
        scenario_hash=setup.scenario.hash,
        vendor=setup.vendor,
        arm_a=setup.arm_a,
        arm_b=setup.arm_b,
        seeds=setup.seed_list(),
        months=setup.months,
        method=setup.method,
        command=command,
    )
    (out / "explain_manifest.json").write_text(json.dumps(info, indent=2, default=str) + "\n")
    lines = summary(setup, channels, accounts, seconds)
    text = "\n".join(lines) + "\n"
    (out / "explain.md").write_text(text)
    return text


def describe(arm: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in arm.items()) or "the scenario"


def _usd(x: float) -> str:
    return f"{x / 1e9:+.2f}"


def _table(df: pd.DataFrame, column: str) -> list[str]:
    out = [f"| {column} | mean (USD bn) | 95% CI |", "|---|---:|---|"]
    for _, r in df.iterrows():
        out.append(f"| {r[column]} | {_usd(r['mean'])} | [{_usd(r['ci_low'])}, {_usd(r['ci_high'])}] |")
    return out


def summary(setup: ExplainSetup, channels: pd.DataFrame, accounts: pd.DataFrame, seconds: float) -> list[str]:
    n = len(setup.seed_list())
    total = channels[channels["channel"] == TOTAL].iloc[0]
    verdict = (
        "pays"
        if total["ci_low"] > 0
        else "does not pay"
        if total["ci_high"] < 0
        else "is not distinguishable from zero"
    )
    method = "one channel at a time from the full model" if setup.method == "one_at_a_time" else "exact Shapley values"
    return [
        f"# Why arm a pays or not: {setup.vendor}",
        "",
        f"Arm a: {describe(setup.arm_a)}; arm b: {describe(setup.arm_b)}. {n} seeds (common random numbers), "
        f"discounted payoff at 8%/yr, {seconds / 60:.1f} min. Arm a {verdict}: "
        f"{_usd(total['mean'])} bn USD, 95% CI [{_usd(total['ci_low'])}, {_usd(total['ci_high'])}].",
        "",
        f"## By channel ({method}; docs/ODD.md 7.14)",
        "",
        *_table(channels, "channel"),
        "",
        "## By accounting line",
        "",
        *_table(accounts, "line"),
        "",
        "![Waterfall by channel](waterfall.png)",
    ]
