"""What does the open-model community do for open models and for the open vendor? (C5, C10, C11, C14)

Contribution propensity of open adopters (``developers.contribution_propensity_mean``) x the rate at
which a vendor absorbs its own community's work (``community.absorb_open``), with paired arms:
community on (``community.strength`` = 1), community off (strength 0: contributions, stock, serving
cost cut, fine-tune boost, absorption and forks all off) and community on with Meta closed (less open
adoption). Outcomes over the final 12 months unless stated:

- C5: best open capability (``capability_open``, κ) and the open-closed lag (``lag_months``);
- C10: cumulative forks (``forks`` at the last month), the open serving cost (``price_open``: volume-
  weighted USD/Mtok of open options), and how the community effects grow with propensity;
- C11: the open vendor's capability growth minus a closed vendor's, (Δκ_Meta - Δκ_OpenAI) over the run,
  community on - off: does the open vendor gain more from community work than a closed rival?
- C14: forks with Meta open vs Meta closed (more vs less open adoption).

Community equations: docs/ODD.md 7.3 (absorption) and 7.5 (stock, saturation, forks).
"""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.analysis.plots import plot_over_time
from market_sim.analysis.summary import t_interval
from market_sim.scenario import Scenario
from market_sim.studies.experiment import Effect, final_mean

NAME = "community"
QUESTION = (
    "Does the open-model community make open models better and cheaper and close the gap to the closed frontier, "
    "does it work harder the more adopters contribute, does the open vendor gain more from it than a closed rival, "
    "and do forks grow with open adoption?"
)
WINDOW = 12
PROP = "developers.contribution_propensity_mean"
ABS = "community.absorb_open"
DEFAULT = Scenario.default()
ABSORB_CLOSED = DEFAULT.get("community.absorb_closed")  # C11's prediction needs absorb_open above it
DELAY = DEFAULT.get("community.absorb_delay_months")
CLAIMS = {
    "C5": (
        f"the community makes open models better: capability_open (κ, final {WINDOW} months), community on - "
        "off > 0 at every point"
    ),
    "C5-lag": (
        f"the community shortens the open-closed lag: lag_months (final {WINDOW} months), community on - off < 0 "
        "at every point"
    ),
    "C10": (
        "the community works for the open vendor: cumulative forks at the end of the run, community on - off > 0 "
        "at every point with contribution propensity > 0"
    ),
    "C10-dose": (
        "community effects increase with propensity: capability_open (community on) at the next higher "
        "propensity - at the lower one > 0, for each absorption rate (paired on the replicate seed)"
    ),
    "C11": (
        "the open vendor gains more capability from community work than a closed rival: (Δκ_Meta - Δκ_OpenAI) "
        f"over the run, community on - off > 0, at every point where absorb_open > absorb_closed ({ABSORB_CLOSED})"
    ),
    "C14": (
        "forks grow with open adoption: cumulative forks, community on with Meta open - with Meta closed > 0, "
        "at every point with propensity > 0"
    ),
}
SPEC = Path(__file__).parent / "specs" / "community.toml"
ARMS = {"community_on": "community on", "community_off": "community off", "on_meta_closed": "on, Meta closed"}


def specs(quick: bool) -> dict[str, dict]:
    raw = tomllib.loads(SPEC.read_text())
    if quick:
        raw["sweep"].update(replicates=4, months=48)
        raw["parameters"] = {
            PROP: [0.01, 0.04, 0.16],
            ABS: [0.25, 1.0],
            "developers.count": [2000],
            "researchers.count": [600],
        }
    return {"main": raw}


def label(run: pd.Series) -> str:
    return f"propensity {run[PROP]:g}, absorb_open {run[ABS]:g}"


def forks_end(ts: pd.DataFrame) -> float:
    return float(ts.sort_values("month")["forks"].iloc[-1])


def relative_growth(ts: pd.DataFrame) -> float:
    """(κ_Meta(T) - κ_Meta(0)) - (κ_OpenAI(T) - κ_OpenAI(0)): the open vendor's growth beyond a closed one's."""
    ts = ts.sort_values("month")
    meta = ts["capability_meta"].iloc[-1] - ts["capability_meta"].iloc[0]
    openai = ts["capability_openai"].iloc[-1] - ts["capability_openai"].iloc[0]
    return float(meta - openai)


def _select(effects: list[Effect], points: pd.DataFrame, keep) -> list[Effect]:
    return [e for p, e in zip(points.index, effects, strict=True) if keep(points.loc[p])]


def analyze(ctx) -> None:
    runs = ctx.results["main"].runs
    ok = runs[runs["status"] == "ok"]
    points = ok.drop_duplicates("point").set_index("point")[[PROP, ABS]].sort_index()
    every = lambda _: True  # noqa: E731
    contributing = lambda p: p[PROP] > 0  # noqa: E731

    cap = ctx.paired(
        "C5",
        "main",
        "capability_open (κ)",
        final_mean("capability_open", WINDOW),
        "community_on",
        "community_off",
        label,
    )
    lag = ctx.paired(
        "C5-lag", "main", "lag_months", final_mean("lag_months", WINDOW), "community_on", "community_off", label
    )
    forks = ctx.paired("C10", "main", "forks (cumulative)", forks_end, "community_on", "community_off", label)
    price = ctx.paired(
        "C10", "main", "price_open (USD/Mtok)", final_mean("price_open", WINDOW), "community_on", "community_off", label
    )
    share = ctx.paired(
        "C5", "main", "share_open", final_mean("share_open", WINDOW), "community_on", "community_off", label
    )
    c11 = ctx.paired("C11", "main", "Δκ_Meta - Δκ_OpenAI (κ)", relative_growth, "community_on", "community_off", label)
    c14 = ctx.paired("C14", "main", "forks (cumulative)", forks_end, "community_on", "on_meta_closed", label)
    ctx.paired("C14", "main", "share_open", final_mean("share_open", WINDOW), "community_on", "on_meta_closed", label)
    ctx.verdict("C5", _select(cap, points, every), predicted=+1)
    ctx.verdict("C5-lag", _select(lag, points, every), predicted=-1)
    ctx.verdict("C10", _select(forks, points, contributing), predicted=+1)
    ctx.verdict("C10-dose", _dose(ctx, points), predicted=+1)
    ctx.verdict("C11", _select(c11, points, lambda p: p[ABS] > ABSORB_CLOSED), predicted=+1)
    ctx.verdict("C14", _select(c14, points, contributing), predicted=+1)

    # tables
    rows = []
    for p, e_cap, e_lag, e_forks, e_price, e_share, e_c11 in zip(
        points.index, cap, lag, forks, price, share, c11, strict=True
    ):
        rows.append(
            {
                "propensity": points.loc[p, PROP],
                "absorb_open": points.loc[p, ABS],
                "capability_open (κ)": e_cap.mean,
                "lag (months)": e_lag.mean,
                "forks": e_forks.mean,
                "price_open (USD/Mtok)": e_price.mean,
                "share_open": e_share.mean,
                "Δκ_Meta - Δκ_OpenAI (κ)": e_c11.mean,
            }
        )
    table = pd.DataFrame(rows).set_index(["propensity", "absorb_open"])
    table.index = [f"{a:g}, {b:g}" for a, b in table.index]
    table.index.name = "propensity, absorb_open"
    ctx.text += [
        "**Design.** Propensity = mean monthly probability that an open adopter contributes (default "
        f"{DEFAULT.get(PROP):g}); absorb_open = κ per unit of community flow the vendor absorbs from its own open "
        f"community without delay (default {DEFAULT.get(ABS):g}; every vendor absorbs the others' community work "
        f"at {ABSORB_CLOSED:g} after {DELAY} months). Community off sets "
        "`community.strength` = 0, which switches off every community mechanism at once (C5, C10, C11, C14); "
        "its runs are the same at every design point.",
        "",
    ]
    ctx.table(
        table,
        "Community effects, community on - off (paired mean over replicates; final-year means, forks "
        "at the end, Δκ over the run):",
        3,
    )

    # figures
    frame = ctx.results["main"].timeseries(["share_open", "forks", "capability_open", "lag_months"])
    log_prop = np.log(np.maximum(points[PROP], 1e-6))
    default = int(((log_prop - np.log(DEFAULT.get(PROP))).abs() + (points[ABS] - DEFAULT.get(ABS)).abs()).idxmin())
    sub = ok[ok["point"] == default].copy()
    sub["arm"] = sub["arm"].map(ARMS)
    where = label(points.loc[default])
    units = {"share_open": "open-weight token share (fraction)", "forks": "cumulative forks (derivative models)"}
    fig = plot_over_time(
        sub,
        frame,
        "share_open",
        by="arm",
        units=units,
        title=f"Open-weight adoption with and without the community ({where})",
    )
    ctx.figure(fig, "share_open.png", f"Open-weight token share over time per arm at {where}; bands: 95% CI over seeds")
    fig = plot_over_time(sub, frame, "forks", by="arm", units=units, title=f"Forks over time ({where})")
    ctx.figure(fig, "forks.png", f"Cumulative forks over time per arm at {where} (real scale); bands: 95% CI")
    ctx.figure(
        _dose_figure(
            points,
            {
                "capability_open (κ)": cap,
                "lag_months (months)": lag,
                "price_open (USD/Mtok)": price,
                "Δκ_Meta - Δκ_OpenAI (κ)": c11,
            },
        ),
        "community_effects.png",
        "Community effects (on - off, paired mean with 95% CI) vs contribution propensity, one line per "
        "absorption rate",
    )
    ctx.figure(
        _forks_scatter(ctx),
        "forks_vs_adoption.png",
        "C14: cumulative forks vs mean open-weight token share per run (community on; Meta open and closed)",
    )

    ctx.text += [
        "**Reading the verdicts.** C10 and C14 hold partly by construction: forks are drawn from open adopters' "
        "contributions, so with the community off there are none, and fewer open adopters give fewer forks. "
        "What the experiment adds is their size and whether they survive the feedbacks (adoption responds to "
        "lower open serving cost and fine-tune boosts; the closed vendors also absorb community work, with "
        "delay, and are pulled towards the best open model by spillover). C5's capability effect runs through "
        "absorption into the open vendors' knowledge; the serving-cost cut and the fine-tune boost do not "
        "change `capability_open` (released κ) but show in `price_open` and `share_open`. C11 compares Meta "
        "(open) with OpenAI (closed): both absorb community work, Meta its own at absorb_open at once, OpenAI "
        f"everyone's at {ABSORB_CLOSED:g} after {DELAY} months; a higher Meta capability also spills over to "
        "OpenAI (C21).",
        "",
        "**Limits.** The community is a stock with saturating effects, not agents: contributions have no quality, "
        "topic or maintainer; forks are counted, not modelled as separate options (their quality effect is the "
        "fine-tune boost of the parent's open options). `community.strength` scales several mechanisms "
        "non-linearly at once (docs/ODD.md 7.5), so 'off' removes all of them together. Security and safety "
        "fixes (part of C10) are not represented.",
        "",
    ]


def _dose(ctx, points: pd.DataFrame) -> list[Effect]:
    """capability_open (community on) at the next higher propensity minus the lower one, per absorption rate."""
    values = ctx.outcome("main", final_mean("capability_open", WINDOW))
    on = values[values["arm"] == "community_on"]
    effects = []
    for absorb, grp in on.groupby(ABS):
        wide = grp.pivot_table(index="replicate", columns=PROP, values="value")
        props = sorted(wide.columns)
        for lo_p, hi_p in zip(props[:-1], props[1:], strict=True):
            d = (wide[hi_p] - wide[lo_p]).dropna()
            lo, hi = t_interval([d.mean()], [d.std()], [len(d)])
            effects.append(
                Effect(
                    "C10-dose",
                    "capability_open (κ), community on",
                    f"propensity {hi_p:g}",
                    f"propensity {lo_p:g}",
                    f"absorb_open {absorb:g}: {hi_p:g} vs {lo_p:g}",
                    len(d),
                    float(d.mean()),
                    float(lo[0]),
                    float(hi[0]),
                )
            )
    ctx.effects += effects
    return effects


def _dose_figure(points: pd.DataFrame, effects: dict[str, list[Effect]]):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    absorbs = sorted(points[ABS].unique())
    for ax, (name, effs) in zip(axes, effects.items(), strict=True):
        frame = pd.DataFrame(
            {
                "prop": points[PROP].to_numpy(),
                "abs": points[ABS].to_numpy(),
                "mean": [e.mean for e in effs],
                "lo": [e.ci_low for e in effs],
                "hi": [e.ci_high for e in effs],
            }
        )
        for i, a in enumerate(absorbs):
            f = frame[frame["abs"] == a].sort_values("prop")
            ax.errorbar(
                f["prop"] * (1 + 0.03 * (i - 1)),
                f["mean"],
                yerr=[f["mean"] - f["lo"], f["hi"] - f["mean"]],
                marker="o",
                capsize=3,
                color=f"C{i}",
                label=f"absorb_open = {a:g}",
            )
        ax.axhline(0, color="black", linewidth=0.8)
        if (frame["prop"] > 0).all():
            ax.set_xscale("log")
        else:  # propensity 0 in the grid: logarithmic above 0.01, linear below
            ax.set_xscale("symlog", linthresh=0.01)
        ax.set_xlabel("contribution propensity, mean (per month)")
        ax.set_ylabel(f"{name}: on - off")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
    fig.suptitle("Community effects (community on - off, 95% CI over paired replicates)")
    return fig


def _forks_scatter(ctx):
    from matplotlib.figure import Figure

    frame = ctx.frame("main")
    on = frame[frame["arm"].isin(["community_on", "on_meta_closed"])]
    per = on.groupby(["run_id", "arm", PROP]).agg(share=("share_open", "mean"), forks=("forks", "last")).reset_index()
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    markers = {"community_on": "o", "on_meta_closed": "^"}
    props = sorted(per[PROP].unique())
    for arm, grp in per.groupby("arm"):
        for i, p in enumerate(props):
            g = grp[grp[PROP] == p]
            ax.scatter(
                g["share"],
                g["forks"],
                marker=markers[arm],
                color=f"C{i}",
                alpha=0.7,
                label=f"{ARMS[arm]}, propensity {p:g}",
            )
    ax.set_xlabel("open-weight token share, mean over the run (fraction)")
    ax.set_ylabel("cumulative forks at the end of the run (derivative models)")
    ax.set_title("Forks vs open adoption, per run")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False, ncol=2)
    return fig
