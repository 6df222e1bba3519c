"""Retention and leadership: do open models keep their users, and must the open leader keep releasing? (C13, C23)

Design: a grid over the switching-cost structure, ``switching.open_to_open_usd`` (moving between
open-weight options, C13) x ``switching.closed_exit_usd`` (leaving a closed API, C2), one-time USD
per move of a tier's traffic (the log-form keys, docs/ODD.md 7.7),
with paired arms for Meta's release cadence (``vendors.meta.release.every_months`` = 4, 9, 18).

Outcomes:

- churn: ``churn_open``, ``churn_closed`` (share of a kind's users leaving their option per month);
- 12-month retention: R12 = prod over the last 12 months of (1 - monthly churn), from the churn
  series. The metrics hold no cohort data (which developer stayed), so R12 is the survival of a
  developer facing the average monthly hazard; with heterogeneous reconsideration rates a real
  cohort keeps more users than this (the movers are the frequent reconsiderers);
- leadership: Meta's token share ``share_meta`` against the other open vendors. Meta, Alibaba and
  Microsoft release only open weights and Mistral is open while trailing, so their shares are open
  shares. Google's open small models (Gemma) are not a column: their share is estimated as the
  residual ``share_open - share_meta - share_alibaba - share_microsoft - share_mistral * open_mistral``
  (exact while Mistral's latest family is open; Mistral's share is small in the default scenario).

Verdicts: C13 from the within-run difference churn_open - churn_closed (one-sample CI over
replicates, per point and arm); C23 from the paired difference of Meta's share, every_4 - every_18.
"""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.analysis.plots import plot_over_time
from market_sim.analysis.summary import t_interval
from market_sim.studies.experiment import final_mean, one_sample

NAME = "retention"
QUESTION = (
    "Do open-weight models retain their users less well than closed APIs (low switching costs between open "
    "models), and does the open leader (Meta) have to keep releasing new models to stay the open leader?"
)
CLAIMS = {
    "C13": "open models have lower retention: within-run mean monthly churn_open - churn_closed over the last "
    "12 months > 0, at every switching-cost structure (open_to_open x closed_exit) and every Meta cadence arm",
    "C23": "the open leader must keep releasing to stay the leader: Meta's token share (share_meta, mean of the "
    "last 12 months), paired every_4 - every_18 (a new Meta family every 4 vs every 18 months) > 0 at every "
    "switching-cost structure",
}
SPEC = Path(__file__).parent / "specs" / "retention.toml"
OTO, EXIT = "switching.open_to_open_usd", "switching.closed_exit_usd"
FULLY_OPEN_RIVALS = ("alibaba", "mistral", "microsoft")  # open vendors whose token shares are open shares
WINDOW = 12  # months: the final window of every outcome


def specs(quick: bool) -> dict[str, dict]:
    raw = tomllib.loads(SPEC.read_text())
    if quick:
        raw["sweep"].update(replicates=4, months=60)
        raw["parameters"] = {
            OTO: [50.0, 1000.0],
            EXIT: [300.0, 6000.0],
            "developers.count": [2000],
            "researchers.count": [600],
        }
    return {"main": raw}


def label(run: pd.Series) -> str:
    return f"open_to_open = {run[OTO]:g}, closed_exit = {run[EXIT]:g}"


# -- outcomes (one value per run) ---------------------------------------------------------------
def churn_gap(ts: pd.DataFrame) -> float:
    last = ts.sort_values("month").iloc[-WINDOW:]
    return float((last["churn_open"] - last["churn_closed"]).mean())


def retention(kind: str):
    def fn(ts: pd.DataFrame) -> float:
        churn = ts.sort_values("month")[f"churn_{kind}"].iloc[-WINDOW:].dropna()
        return float(np.prod(1.0 - churn.to_numpy())) if len(churn) else float("nan")

    fn.__name__ = f"12-month retention ({kind})"
    return fn


def with_leadership(ts: pd.DataFrame) -> pd.DataFrame:
    """The timeseries plus Meta's lead over the best fully-open rival and Google's estimated open share."""
    ts = ts.copy()
    rivals = ts[[f"share_{v}" for v in FULLY_OPEN_RIVALS]].max(axis=1)
    google_open = (
        ts["share_open"]
        - ts["share_meta"]
        - ts["share_alibaba"]
        - ts["share_microsoft"]
        - ts["share_mistral"] * ts["open_mistral"].astype(float)
    ).clip(lower=0.0)
    ts["meta_lead"] = ts["share_meta"] - rivals
    ts["google_open_est"] = google_open
    ts["meta_lead_incl_google"] = ts["share_meta"] - np.maximum(rivals, google_open)
    return ts


def months_on_top(column: str):
    def fn(ts: pd.DataFrame) -> float:
        lead = with_leadership(ts.sort_values("month"))[column].iloc[-WINDOW:]
        return float((lead > 0).mean())

    return fn


# -- effects the framework's ``paired`` cannot express ------------------------------------------
def analyze(ctx) -> None:
    res = ctx.results["main"]
    runs = res.runs[res.runs["status"] == "ok"]
    ts = res.timeseries()

    # C13: within-run churn gap, per point and arm
    gap = ctx.outcome("main", churn_gap)
    c13 = one_sample(
        "C13",
        "churn_open - churn_closed (within run, last 12 months)",
        "open",
        "closed",
        gap,
        [OTO, EXIT, "arm"],
        lambda k: f"open_to_open = {k[0]:g}, closed_exit = {k[1]:g}, {k[2]}",
    )
    ctx.effects += c13
    ctx.verdict("C13", c13, predicted=+1)
    # the switching-cost mechanism itself: churn_open at high vs low open-to-open cost (paired across points)
    costs = runs[OTO]
    ctx.paired_across_points(
        "C13",
        "main",
        "churn_open (last 12 months)",
        final_mean("churn_open", WINDOW),
        {OTO: costs.max()},
        {OTO: costs.min()},
        pair_on=[EXIT, "arm"],
        a_name=f"open_to_open = {costs.max():g}",
        b_name=f"open_to_open = {costs.min():g}",
        label=lambda k: f"closed_exit = {k[EXIT]:g}, {k['arm']}",
    )

    # C23: Meta's share, fast vs slow cadence (paired on point and replicate)
    c23 = ctx.paired("C23", "main", "share_meta", final_mean("share_meta", WINDOW), "every_4", "every_18", label)
    ctx.paired("C23", "main", "share_meta", final_mean("share_meta", WINDOW), "every_9", "every_18", label)
    lead = final_mean("meta_lead", WINDOW)
    ctx.paired(
        "C23",
        "main",
        "Meta lead over best fully-open rival",
        lambda t: lead(with_leadership(t)),
        "every_4",
        "every_18",
        label,
    )
    ctx.verdict("C23", c23, predicted=+1)
    # does low retention make releasing matter more? (difference in differences, paired on closed_exit, replicate)
    share = ctx.outcome("main", final_mean("share_meta", WINDOW))
    fast_slow = (
        (
            share[share["arm"] == "every_4"].set_index([OTO, EXIT, "replicate"])["value"]
            - share[share["arm"] == "every_18"].set_index([OTO, EXIT, "replicate"])["value"]
        )
        .rename("value")
        .reset_index()
    )
    low_o2o = fast_slow[fast_slow[OTO] == fast_slow[OTO].min()].set_index([EXIT, "replicate"])["value"]
    high_o2o = fast_slow[fast_slow[OTO] == fast_slow[OTO].max()].set_index([EXIT, "replicate"])["value"]
    did = (low_o2o - high_o2o).dropna().rename("value").reset_index()
    ctx.effects += one_sample(
        "C23",
        "share_meta: (every_4 - every_18) difference",
        f"open_to_open = {fast_slow[OTO].min():g}",
        f"open_to_open = {fast_slow[OTO].max():g}",
        did,
        [EXIT],
        lambda k: f"closed_exit = {k:g}",
    )

    # tables ---------------------------------------------------------------------------------
    group = [OTO, EXIT, "arm"]
    table = _mean_by(
        ctx,
        group,
        {
            "churn_open": final_mean("churn_open", WINDOW),
            "churn_closed": final_mean("churn_closed", WINDOW),
            "R12_open": retention("open"),
            "R12_closed": retention("closed"),
        },
    )
    ctx.text += [
        "**Retention.** 12-month retention R12 = product over the last 12 months of (1 - monthly churn), "
        "computed from the churn series (the metrics hold no cohort data, so this is the survival of a user "
        "facing the average monthly hazard; it understates a real cohort's retention when reconsideration "
        "rates differ across developers). Churn counts every move out of an option, including moves between "
        "a host and self-hosting of the same weights, but not moving to a vendor's new family.",
        "",
    ]
    _summary_text(ctx, table)
    ctx.table(table, "Churn (per month) and 12-month retention, last 12 months, mean over replicates:", 3)
    lead_table = _mean_by(
        ctx,
        group,
        {
            "share_meta": final_mean("share_meta", WINDOW),
            "best_rival_share": lambda t: float(
                t.sort_values("month")[[f"share_{v}" for v in FULLY_OPEN_RIVALS]].iloc[-WINDOW:].max(axis=1).mean()
            ),
            "google_open_est": lambda t: final_mean("google_open_est", WINDOW)(with_leadership(t)),
            "months_top_fully_open": months_on_top("meta_lead"),
            "months_top_incl_google": months_on_top("meta_lead_incl_google"),
        },
    )
    ctx.table(
        lead_table,
        "Leadership in the last 12 months (mean over replicates): Meta's share, the best fully-open rival's share "
        "(Alibaba, Mistral, Microsoft), Google's estimated open-model share (residual), and the share of months "
        "in which Meta's share is the largest among the fully-open vendors / also above Google's open share:",
        3,
    )

    # figures --------------------------------------------------------------------------------
    units = {
        "share_open": "open-weight token share (fraction of tokens)",
        "share_meta": "Meta's token share (fraction of tokens)",
        "meta_lead": "share_meta - best fully-open rival's share (fraction)",
    }
    fig = plot_over_time(
        runs,
        ts,
        "share_open",
        by="arm",
        units=units,
        title="Open-weight share by Meta cadence (pooled over switching costs; mean, 95% CI)",
    )
    ctx.figure(fig, "share_open.png", "Adoption curve: open-weight token share per cadence arm; bands: 95% CI")
    fig = plot_over_time(
        runs,
        ts,
        "share_meta",
        by="arm",
        units=units,
        title="Meta's token share by release cadence (pooled over switching costs)",
    )
    ctx.figure(fig, "share_meta.png", "Meta's token share over time per cadence arm; bands: 95% CI over runs")
    lead_ts = with_leadership(ts)
    fig = plot_over_time(
        runs,
        lead_ts,
        "meta_lead",
        by="arm",
        units=units,
        title="Meta's lead over the best fully-open rival (> 0: Meta is the open leader)",
    )
    fig.axes[0].axhline(0.0, color="black", linewidth=0.8)
    ctx.figure(fig, "meta_lead.png", "Meta's share minus the best of Alibaba/Mistral/Microsoft, per cadence arm")
    ctx.figure(
        _retention_figure(ctx),
        "retention.png",
        "12-month retention (from churn) of open vs closed options per switching-cost structure",
    )

    ctx.text += [
        "**Where the model is too simple to say.** Developers multi-home only across task tiers (one option per "
        "tier), so churn within a tier is all-or-nothing and overstates how sticky a multi-model portfolio is "
        "(ODD 8 f). An option serves the "
        "vendor's latest family, so a vendor's new release never counts as churn, and open churn includes moves "
        "between hosts and self-hosting of the same weights: part of the open-closed churn gap exists even with "
        "equal switching costs because open models have more interchangeable options. Releases raise Meta's "
        "share mainly by narrowing the capability gap; there is no separate 'news' or marketing effect of a "
        "release. Google's open share is only estimated (no per-vendor open-share column).",
        "",
    ]


def _mean_by(ctx, group: list[str], outcomes: dict) -> pd.DataFrame:
    """Mean over replicates of each outcome per (open_to_open, closed_exit, arm), with a readable index."""
    cols = {}
    for name, fn in outcomes.items():
        v = ctx.outcome("main", fn)
        cols[name] = v.groupby(group)["value"].mean()
    frame = pd.DataFrame(cols)
    frame.index = [f"o2o {a:g} / exit {b:g} / {arm}" for a, b, arm in frame.index]
    frame.index.name = "open_to_open / closed_exit / arm"
    return frame


def _summary_text(ctx, table: pd.DataFrame) -> None:
    """A factual reading of the retention table (numbers only; verdicts are computed separately)."""
    gap = table["R12_closed"] - table["R12_open"]
    lines = [
        f"- {idx}: R12 open {row.R12_open:.2f} vs closed {row.R12_closed:.2f} (closed - open {g:+.2f})"
        for (idx, row), g in zip(table.iterrows(), gap, strict=True)
        if idx.endswith("every_9")
    ]
    ctx.text += [
        "12-month retention at Meta's default cadence (every_9), per switching-cost structure:",
        "",
        *lines,
        "",
    ]


def _retention_figure(ctx):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    width = 0.38
    for j, kind in enumerate(("open", "closed")):
        v = ctx.outcome("main", retention(kind))
        v = v[v["arm"] == "every_9"] if (v["arm"] == "every_9").any() else v
        stats = v.groupby([OTO, EXIT])["value"].agg(["count", "mean", "std"])
        low, high = t_interval(stats["mean"], stats["std"], stats["count"])
        pos = np.arange(len(stats))
        ax.bar(
            pos + (j - 0.5) * width,
            stats["mean"],
            width,
            yerr=[stats["mean"] - low, high - stats["mean"]],
            capsize=3,
            label="open-weight options" if kind == "open" else "closed APIs",
        )
        ax.set_xticks(pos, labels=[f"o2o {a:g}\nexit {b:g}" for a, b in stats.index])
    ax.set_xlabel("switching cost (kappa-units): open-to-open / closed exit")
    ax.set_ylabel("12-month retention (fraction of users kept)")
    ax.set_title("Retention of open vs closed options (Meta cadence 9 months; 95% CI)")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig
