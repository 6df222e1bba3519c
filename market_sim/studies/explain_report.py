"""Files of ``market-sim explain``: decomposition.csv, accounts.csv, waterfall.png, explain.md and
explain_manifest.json (:mod:`market_sim.studies.explain`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from market_sim.studies.explain import TOTAL, ExplainSetup, account_parts, channel_parts, summarise
from market_sim.studies.explain_figure import waterfall

FILES = ("decomposition.csv", "accounts.csv", "waterfall.png", "explain.md", "explain_manifest.json")


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
