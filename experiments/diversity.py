"""Diversity and consolidation: do models stay diverse, do training costs consolidate the market, and what does
openness cost its owner? (C7, C16, C17, C21)

Points: frontier training-cost growth (``training.growth_per_year``) x Mistral's budget
(``vendors.mistral.cash_usd``, ``vendors.mistral.funding_usd``). Arms: the default scenario
(``baseline``), no knowledge spillover from open releases (``no_spillover``: ``spillover.rate`` = 0),
and Meta closed (``meta_closed``).

Outcomes: concentration (``hhi``), the number of vendors with at least 5% of tokens
(``vendors_material``), exits (``vendors_active``; Mistral has exited once ``cash_mistral`` < 0, since
an exited vendor's books are closed at the negative balance), the capability of the always-closed
rivals OpenAI and Anthropic, and the open-weight share with Meta closed.

C16 and C7 compare an outcome with a threshold rather than two arms: their effects are one-sample
95% t-intervals of (outcome - threshold) over replicates, built here from ``ctx.outcome``. C17 and
C21b compare design points: paired on arm, the other parameters and the replicate (common random
numbers across points).
"""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.analysis.plots import plot_over_time
from market_sim.studies.experiment import Effect, final_mean, one_sample

NAME = "diversity"
QUESTION = (
    "Do foundation models stay diverse (several material vendors, low concentration), does faster growth of "
    "training costs consolidate the market, does openness hand rivals research and can only giants afford it, "
    "and do others open their models anyway when Meta does not?"
)
HHI_MAX = 0.25  # "highly concentrated" above 0.25 (US merger guidelines 2010 threshold, as a share^2 sum)
MATERIAL_MIN = 2.5  # vendors_material is an integer count: "at least 3" <=> above 2.5
OPEN_MATERIAL = 0.05  # a material open share: 5% of tokens (metrics.MATERIAL_SHARE)
CLOSED_RIVALS = ("openai", "anthropic")  # vendors that never release open weights
GROWTH, CASH, FUNDING = "training.growth_per_year", "vendors.mistral.cash_usd", "vendors.mistral.funding_usd"
WINDOW = 12
CLAIMS = {
    "C16a": f"models stay diverse (concentration): final-year mean HHI - {HHI_MAX} < 0 in the baseline arm at every "
    "point (one-sample 95% CI over replicates)",
    "C16b": "models stay diverse (several vendors): final-year mean vendors_material (vendors with >= 5% of tokens) "
    f"- {MATERIAL_MIN} > 0, i.e. at least 3, in the baseline arm at every point",
    "C17": "higher training-cost growth consolidates the market: final-year HHI at the highest - lowest "
    "training.growth_per_year (paired on arm, Mistral budget, replicate) > 0 for every arm and budget",
    "C21a": "openness hands rivals research: final capability (kappa) of the always-closed rivals (mean of OpenAI and "
    "Anthropic), paired baseline - no_spillover > 0 at every point",
    "C21b": "only giants can afford openness: Mistral exits (cash < 0 by the end) more often at its lowest than at its "
    "highest budget (exit indicator, paired low - high budget on arm, growth, replicate) > 0 for every arm and growth",
    "C7": f"others open theirs anyway: with Meta closed, the final-year open-weight share - {OPEN_MATERIAL} > 0 "
    "at every point (meta_closed arm, one-sample CI)",
}
SPEC = Path(__file__).parent / "specs" / "diversity.toml"


def specs(quick: bool) -> dict[str, dict]:
    raw = tomllib.loads(SPEC.read_text())
    if quick:
        raw["sweep"].update(replicates=4, months=72)
        raw["parameters"] = {
            GROWTH: [1.5, 3.5],
            CASH: [2.0e7, 1.0e9],
            FUNDING: [0.0],
            "developers.count": [2000],
            "researchers.count": [600],
        }
    return {"main": raw}


def budget(run: pd.Series | dict) -> str:
    return f"Mistral cash {run[CASH] / 1e6:g}M + funding {run[FUNDING] / 1e6:g}M"


def label(run: pd.Series) -> str:
    return f"growth {run[GROWTH]:g}/yr, {budget(run)}"


# -- outcomes (one value per run) ---------------------------------------------------------------
def closed_rival_capability(ts: pd.DataFrame) -> float:
    last = ts.sort_values("month").iloc[-1]
    return float(np.mean([last[f"capability_{v}"] for v in CLOSED_RIVALS]))


def mistral_exited(ts: pd.DataFrame) -> float:
    return float((ts["cash_mistral"] < 0).any())


def minus(fn, threshold: float):
    def g(ts: pd.DataFrame) -> float:
        return fn(ts) - threshold

    return g


# -- effects ``ctx.paired`` cannot express -------------------------------------------------------
def vs_threshold(ctx, claim, outcome, fn, threshold, arm) -> list[Effect]:
    v = ctx.outcome("main", minus(fn, threshold))
    v = v[v["arm"] == arm]
    effects = one_sample(
        claim,
        f"{outcome} - {threshold:g}",
        arm,
        f"threshold {threshold:g}",
        v,
        [GROWTH, CASH, FUNDING],
        lambda k: f"growth {k[0]:g}/yr, Mistral cash {k[1] / 1e6:g}M + funding {k[2] / 1e6:g}M",
    )
    ctx.effects += effects
    return effects


def analyze(ctx) -> None:
    res = ctx.results["main"]
    runs = res.runs[res.runs["status"] == "ok"]
    ts = res.timeseries()
    g_hi, g_lo = runs[GROWTH].max(), runs[GROWTH].min()

    # C16: thresholds on the baseline market
    c16a = vs_threshold(ctx, "C16a", "HHI (final year)", final_mean("hhi", WINDOW), HHI_MAX, "baseline")
    c16b = vs_threshold(
        ctx, "C16b", "vendors_material (final year)", final_mean("vendors_material", WINDOW), MATERIAL_MIN, "baseline"
    )
    ctx.verdict("C16a", c16a, predicted=-1)
    ctx.verdict("C16b", c16b, predicted=+1)

    # C17: HHI at fast vs slow training-cost growth (paired across points)
    growth = ({GROWTH: g_hi}, {GROWTH: g_lo}, ["arm", CASH, FUNDING], f"growth {g_hi:g}/yr", f"growth {g_lo:g}/yr")

    def by_budget(p):
        return f"{p['arm']}, {budget(p)}"

    c17 = ctx.paired_across_points("C17", "main", "HHI (final year)", final_mean("hhi", WINDOW), *growth, by_budget)
    ctx.paired_across_points(
        "C17", "main", "vendors_material (final year)", final_mean("vendors_material", WINDOW), *growth, by_budget
    )
    ctx.verdict("C17", c17, predicted=+1)

    # C21a: spillover to closed rivals (paired arms), and Meta's openness specifically
    c21a = ctx.paired(
        "C21a",
        "main",
        "closed rivals' capability (kappa, final)",
        closed_rival_capability,
        "baseline",
        "no_spillover",
        label,
    )
    ctx.paired(
        "C21a",
        "main",
        "closed rivals' capability (kappa, final)",
        closed_rival_capability,
        "baseline",
        "meta_closed",
        label,
    )
    ctx.verdict("C21a", c21a, predicted=+1)

    # C21b: Mistral's exit at its lowest vs highest budget (paired across points)
    low = {CASH: runs[CASH].min(), FUNDING: runs[FUNDING].min()}
    high = {CASH: runs[CASH].max(), FUNDING: runs[FUNDING].max()}

    def by_growth(p):
        return f"{p['arm']}, growth {p[GROWTH]:g}/yr"

    args = (low, high, ["arm", GROWTH], budget(low), budget(high), by_growth)
    c21b = ctx.paired_across_points("C21b", "main", "Mistral exited (0/1)", mistral_exited, *args)
    ctx.paired_across_points(
        "C21b",
        "main",
        "Mistral capability (kappa, final)",
        lambda t: float(t.sort_values("month")["capability_mistral"].iloc[-1]),
        *args,
    )
    ctx.paired_across_points(
        "C21b", "main", "Mistral token share (final year)", final_mean("share_mistral", WINDOW), *args
    )
    ctx.verdict("C21b", c21b, predicted=+1)

    # C7: open share with Meta closed vs a material threshold, and vs Meta open
    c7 = vs_threshold(
        ctx, "C7", "share_open (final year)", final_mean("share_open", WINDOW), OPEN_MATERIAL, "meta_closed"
    )
    ctx.paired(
        "C7", "main", "share_open (final year)", final_mean("share_open", WINDOW), "meta_closed", "baseline", label
    )
    ctx.verdict("C7", c7, predicted=+1)

    # tables ---------------------------------------------------------------------------------
    frame = ctx.frame("main")
    last = frame[frame["month"] >= frame["month"].max() - WINDOW + 1]
    vendors = ["meta", "openai", "anthropic", "google", "mistral", "alibaba", "microsoft"]
    shares = last.groupby("arm")[[f"share_{v}" for v in vendors] + ["share_open", "hhi", "vendors_material"]].mean()
    ctx.table(shares, "Final-year token shares, HHI and material vendors per arm (mean over points and replicates):", 3)
    exits = ctx.outcome("main", mistral_exited)
    exits["budget"] = exits.apply(budget, axis=1)
    active = ctx.outcome("main", lambda t: float(t["vendors_active"].min()))
    table = pd.DataFrame(
        {
            "Mistral exit rate": exits.groupby(["arm", GROWTH, "budget"])["value"].mean(),
            "min vendors_active": active.assign(budget=active.apply(budget, axis=1))
            .groupby(["arm", GROWTH, "budget"])["value"]
            .mean(),
        }
    )
    table.index = [f"{a}, growth {g:g}, {b}" for a, g, b in table.index]
    table.index.name = "arm, growth, Mistral budget"
    ctx.table(table, "Exits: share of runs in which Mistral exited, and the fewest active vendors in a run (mean):", 2)

    # figures --------------------------------------------------------------------------------
    units = {
        "share_open": "open-weight token share (fraction of tokens)",
        "hhi": "HHI of vendor token shares (0-1)",
        "closed_rivals": "closed rivals' capability (kappa)",
    }
    fig = plot_over_time(
        runs,
        ts,
        "share_open",
        by="arm",
        units=units,
        title="Open-weight share per arm (pooled over points; mean, 95% CI)",
    )
    ctx.figure(fig, "share_open.png", "Adoption curve: open-weight token share per arm; bands: 95% CI over runs")
    base = runs[runs["arm"] == "baseline"]
    fig = plot_over_time(
        base,
        ts,
        "hhi",
        by=GROWTH,
        units=units,
        title="Concentration by training-cost growth (baseline arm; mean, 95% CI)",
    )
    fig.axes[0].axhline(HHI_MAX, color="black", linestyle="--", linewidth=0.8)
    ctx.figure(fig, "hhi_by_growth.png", f"HHI over time per training-cost growth rate; dashed: {HHI_MAX}")
    fig = plot_over_time(runs, ts, "hhi", by="arm", units=units, title="Concentration per arm (mean, 95% CI)")
    fig.axes[0].axhline(HHI_MAX, color="black", linestyle="--", linewidth=0.8)
    ctx.figure(fig, "hhi_by_arm.png", f"HHI over time per arm; dashed: {HHI_MAX}")
    cap = ts.assign(closed_rivals=ts[[f"capability_{v}" for v in CLOSED_RIVALS]].mean(axis=1))
    fig = plot_over_time(
        runs,
        cap,
        "closed_rivals",
        by="arm",
        units=units,
        title="Mean capability of OpenAI and Anthropic with and without spillover (mean, 95% CI)",
    )
    ctx.figure(fig, "closed_rivals.png", "Mean capability of OpenAI and Anthropic per arm; bands: 95% CI")

    ctx.text += [
        "**Where the model is too simple to say.** The vendor set is fixed (no entry, ODD 8), so 'diversity' "
        "can only fall through exits. Spending rules are shares of cash (R&D) and payroll is capped by cash "
        "(hiring), so a small vendor shrinks rather than runs out of money; a release it cannot afford is "
        "postponed, never financed by exiting; and a laggard's training cost is 10x lower per kappa-unit behind "
        "the frontier, so 'enormous' frontier costs barely touch a trailing open vendor. Exits are therefore rare "
        "and the budget effect shows up in Mistral's capability and share more than in exits. Whether Mistral "
        "stops releasing is not observable from the metrics (no per-vendor release count). Spillover pulls every "
        "vendor towards the best rival open release, including Google's open small models, so 'openness hands "
        "rivals research' here mixes Meta's and Google's openness; the baseline - meta_closed effect isolates "
        "Meta's. Misuse risk (part of C21) is not modelled. HHI is over vendors, counting a vendor's open and "
        "closed models together.",
        "",
    ]
