"""Who should open their model? Business model x openness -> the vendor's own payoff (C6, C18, C24).

Two sweeps (``experiments/specs/who_should_open.toml``):

- ``business``: Meta's business model on a grid -- the AI workload its own products run, X_0
  (``vendors.meta.own_inference_usd_per_month``, Mtok/month at 1 USD/Mtok; 0 = no AI in its own
  products) x the ecosystem weight w (``vendors.meta.complement_ecosystem_weight``; at X_0 = w = 0
  Meta is a pure model vendor: only its model revenue differs between arms) -- with paired openness
  arms (always open without a paid service, always open with a paid service, always closed, open small
  sizes only). Outcome:
  Meta's payoff, the discounted sum of ``profit_meta`` (model revenue + complement revenue - serving,
  payroll, compute and training costs; 8%/yr). Heatmaps of the paired payoff difference show which
  openness is best for which business model.
- ``dependency`` (C6): the dependency penalty D (``market.complement_dependency_penalty``, kappa lost by
  building the complement on a rival's closed model) swept, with Meta owning an open model, owning a
  closed model, or owning none. Outcome: Meta's discounted complement revenue.

Complement revenue (docs/ODD.md 7.11, 7.14): R(t) = B(t) max(0, 1 - e gap + w eco) + V(t), with B the
base (``complement_usd_per_month``; a constant in both arms when e = w = 0), gap = frontier - usable
capability, eco = Meta's open-weight token share and V = S + x p the value of its workload X(t) run on
its best source (own models at cost, other open weights, a rival's API at list price).
"""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.analysis.plots import plot_over_time
from market_sim.analysis.summary import t_interval
from market_sim.scenario import Scenario
from market_sim.studies.experiment import discounted_sum

NAME = "who_should_open"
QUESTION = (
    "For which business model does opening the model weights pay off for the vendor itself: a vendor whose "
    "revenue comes from a complement (Meta's advertising) or one whose revenue is the model? And does owning a "
    "model free a complement business from depending on closed vendors?"
)
DEFAULT = Scenario.default()
X = "vendors.meta.own_inference_usd_per_month"
HIGH = DEFAULT.get(X)  # "revenue is a complement": its products run at least the default AI workload
CLAIMS = {
    "C24": (
        "opening pays off for a vendor whose revenue is a complement: Meta's payoff (discounted profit incl. "
        f"complement revenue, 8%/yr), always open - always closed > 0 at every business-model point with "
        f"an AI workload X_0 >= {HIGH / 1e6:g} M USD/month (all ecosystem weights)"
    ),
    "C18": (
        "opening does not pay off for a vendor whose revenue is the model (X_0 = w = 0): payoff, always "
        "open with a paid service on its weights (its best open business, C12) - always closed < 0"
    ),
    "C6": (
        "owning a model frees the complement business from closed vendors' terms: Meta's discounted complement "
        "revenue, own open model - no own model > 0, at every dependency penalty D > 0 (ecosystem term off)"
    ),
}
SPEC = Path(__file__).parent / "specs" / "who_should_open.toml"
R0 = "vendors.meta.complement_usd_per_month"
W = "vendors.meta.complement_ecosystem_weight"
D = "market.complement_dependency_penalty"
ARMS = {
    "open": "open, no service",
    "open_service": "open + paid service",
    "open_small": "open small only",
    "closed": "closed",
}


def specs(quick: bool) -> dict[str, dict]:
    raw = tomllib.loads(SPEC.read_text())
    business, dependency = raw["business"], raw["dependency"]
    if quick:
        small = {"developers.count": [2000], "researchers.count": [600]}
        business["sweep"].update(replicates=4, months=48)
        business["parameters"] = {X: [0.0, 4.0e7, 1.6e8], W: [0.0, 0.1], **small}
        business["arms"] = {a: o for a, o in business["arms"].items() if a != "open_small"}
        dependency["sweep"].update(replicates=4, months=48)
        dependency["parameters"] = {D: [0.0, 1.0, 2.0], W: [0.0], **small}
    return {"business": business, "dependency": dependency}


def business_label(run: pd.Series) -> str:
    return f"X0 = {run[X] / 1e6:g} M USD/month, w = {run[W]:g}"


def dependency_label(run: pd.Series) -> str:
    return f"D = {run[D]:g}"


def analyze(ctx) -> None:
    payoff = discounted_sum("profit_meta")
    runs = ctx.results["business"].runs
    points = runs[runs["status"] == "ok"].drop_duplicates("point").set_index("point")[[X, W]].sort_index()
    arms = sorted(set(runs["arm"]))

    effects = {}
    for arm in [a for a in ("open", "open_service", "open_small") if a in arms]:
        claim = "C18" if arm == "open_service" else "C24"
        effects[arm] = ctx.paired(claim, "business", "Meta payoff (USD)", payoff, arm, "closed", business_label)
    high = set(points.index[points[X] >= HIGH])
    zero = set(points.index[(points[X] == 0.0) & (points[W] == 0.0)])
    ordered = list(points.index)  # ctx.paired returns effects in point order
    ctx.verdict("C24", [e for p, e in zip(ordered, effects["open"], strict=True) if p in high], predicted=+1)
    ctx.verdict("C18", [e for p, e in zip(ordered, effects["open_service"], strict=True) if p in zero], predicted=-1)

    dep = ctx.results["dependency"].runs
    dpoints = dep[dep["status"] == "ok"].drop_duplicates("point").set_index("point")[D].sort_index()
    comp = discounted_sum("complement_meta")
    c6 = ctx.paired(
        "C6", "dependency", "Meta complement revenue (USD)", comp, "own_open", "no_own_model", dependency_label
    )
    ctx.paired(
        "C6", "dependency", "Meta complement revenue (USD)", comp, "own_closed", "no_own_model", dependency_label
    )
    ctx.paired("C6", "dependency", "Meta complement revenue (USD)", comp, "own_open", "own_closed", dependency_label)
    ctx.verdict("C6", [e for d, e in zip(dpoints, c6, strict=True) if d > 0], predicted=+1)

    # tables
    values = ctx.outcome("business", payoff)
    table = values.groupby(["point", "arm"])["value"].mean().unstack("arm") / 1e9
    table.index = [business_label(points.loc[p]) for p in table.index]
    table.index.name = "business model"
    table.columns = [ARMS.get(c, c) for c in table.columns]
    ctx.text += [
        "**Business models.** X0 = the AI workload of Meta's own products at 2023-01 (Mtok/month at 1 "
        f"USD/Mtok, i.e. USD/month at elasticity 1; default {DEFAULT.get(X) / 1e6:g} M, growing 1.5x/yr; 0 = no AI "
        "in its own products), run on Meta's best source (docs/ODD.md 7.14); w = share of the complement base "
        f"({DEFAULT.get(R0) / 1e9:g} bn USD/month) gained at a 100% token share of Meta's open weights (the "
        "reduced-form ecosystem term of C24, default 0). At X0 = w = 0 Meta is a pure model vendor. The payoff "
        "is Meta's discounted profit of its AI activity (8%/yr) over the run: model revenue + complement "
        "revenue - serving, payroll, compute and training costs.",
        "",
    ]
    best = table.idxmax(axis=1).rename("best arm (highest mean payoff)")
    ctx.table(table.join(best), "Meta's payoff per arm (USD bn, mean over replicates):", 2)

    ctx.figure(
        _heatmaps(effects, points),
        "payoff_difference_heatmap.png",
        "Paired payoff difference, each open arm minus always closed (USD bn, mean over replicates; * = 95% "
        "CI excludes 0), over the business-model grid",
    )
    frame_ts = ctx.results["business"].timeseries(["share_open", "share_meta"])
    ok = runs[runs["status"] == "ok"]
    default_point = _nearest(points, DEFAULT.get(X), DEFAULT.get(W))
    sub = ok[ok["point"] == default_point].copy()
    sub["arm"] = sub["arm"].map(ARMS)
    title_pt = business_label(points.loc[default_point])
    fig = plot_over_time(
        sub,
        frame_ts,
        "share_open",
        by="arm",
        units={"share_open": "open-weight token share (fraction)"},
        title=f"Open-weight adoption by Meta's openness ({title_pt}; mean, 95% CI)",
    )
    ctx.figure(
        fig,
        "share_open.png",
        f"Open-weight token share over time per openness arm at {title_pt}; bands: 95% CI over seeds",
    )
    fig = plot_over_time(
        sub,
        frame_ts,
        "share_meta",
        by="arm",
        units={"share_meta": "Meta's token share (fraction)"},
        title=f"Meta's token share by openness ({title_pt}; mean, 95% CI)",
    )
    ctx.figure(fig, "share_meta.png", f"Meta's token share over time per openness arm at {title_pt}")

    cvals = ctx.outcome("dependency", comp)
    ctx.figure(
        _dependency_figure(cvals, dpoints),
        "c6_dependency.png",
        "C6: Meta's discounted complement revenue vs the dependency penalty D, per arm (mean, 95% CI)",
    )
    ctable = cvals.groupby([D, "arm"])["value"].mean().unstack("arm") / 1e9
    ctable.index.name = "D (κ)"
    ctx.table(ctable, "Meta's discounted complement revenue (USD bn) per dependency penalty D and arm:", 2)

    ctx.text += [
        "**How to read the verdicts.** C24 is judged where Meta's products run at least the default AI "
        f"workload (X0 >= {HIGH / 1e6:g} M USD/month) over all ecosystem weights w, so a 'depends' verdict lists "
        "the points at which opening pays; C18 is judged at X0 = w = 0, where only the model business differs "
        "between arms. For a pure model vendor the relevant open business is a paid service on its own weights "
        "(C12): open weights without a service earn nothing. C6 is judged at D > 0; at D = 0 a rival's closed "
        "model is as good as one's own, so no difference is predicted there (the D = 0 row is a control).",
        "",
        "**Why opening can pay even without the ecosystem term.** Meta's products run their AI workload on its "
        "own models at serving cost, and open weights draw community work that cuts that cost and that Meta "
        "absorbs without delay (C10, C11); visible work lowers the salary it must pay for talent (C9). Against "
        "this, an open Meta gives up its API revenue. docs/why_opening_pays.md splits the default point's payoff "
        "by channel (`market-sim explain`).",
        "",
        "**Reading C6.** Without its own model Meta builds on the best of (a) any open model, including other "
        "vendors' open weights, and (b) a rival's closed model less D. The penalty therefore costs it at most the "
        "distance from the frontier to the best open model, and other vendors' open weights (C7) already give "
        "part of the independence C6 attributes to opening. An own closed model gives independence too; the "
        "own-open vs own-closed row of the effect table shows what opening adds on top (through capability: "
        "community absorption and spillover), with the ecosystem term off.",
        "",
        "**Limits.** The payoff is the AI activity's account, not Meta's: cash and complement revenue are the "
        "AI-exposed parts only (docs/ODD.md 8 i). Openness is fixed for the whole run per arm (no switching, no "
        "learning); 'always closed' Meta sells through its own API with the default best-response pricing. C6's "
        "dependence here is the reduced-form penalty D in κ on top of the structural one (a rival's list price, "
        "and its terms and deprecation shocks, which bar its API to complement businesses; docs/ODD.md 7.14); "
        "the default scenario has no shocks (the lock_in experiment adds them). The 'no own model' "
        "arm still pays for R&D and staff, which does not affect complement revenue.",
        "",
    ]


def _nearest(points: pd.DataFrame, x0: float, w: float) -> int:
    dist = (np.log1p(points[X] / 1e7) - np.log1p(x0 / 1e7)).abs() + (points[W] - w).abs()
    return int(dist.idxmin())


def _heatmaps(effects: dict, points: pd.DataFrame):
    from matplotlib.figure import Figure

    x0s = sorted(points[X].unique())
    ws = sorted(points[W].unique())
    fig = Figure(figsize=(4.6 * len(effects) + 1, 4.2), layout="constrained")
    axes = fig.subplots(1, len(effects), squeeze=False)[0]
    grids = {}
    for arm, effs in effects.items():
        grid = np.full((len(ws), len(x0s)), np.nan)
        sig = np.zeros_like(grid, dtype=bool)
        for p, e in zip(points.index, effs, strict=True):
            j, k = x0s.index(points.loc[p, X]), ws.index(points.loc[p, W])
            grid[k, j] = e.mean / 1e9
            sig[k, j] = e.ci_low > 0 or e.ci_high < 0
        grids[arm] = (grid, sig)
    vmax = max(np.nanmax(np.abs(g)) for g, _ in grids.values()) or 1.0
    image = None
    for ax, (arm, (grid, sig)) in zip(axes, grids.items(), strict=True):
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="RdBu", vmin=-vmax, vmax=vmax)
        for (k, j), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ax.text(j, k, f"{value:.2g}{'*' if sig[k, j] else ''}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(x0s)), labels=[f"{r / 1e6:g}" for r in x0s])
        ax.set_yticks(range(len(ws)), labels=[f"{w:g}" for w in ws])
        ax.set_xlabel("AI workload of Meta's products X0 at 2023-01 (USD M/month)")
        if ax is axes[0]:
            ax.set_ylabel("ecosystem weight w (complement share gained\nat 100% open-ecosystem token share)")
        ax.set_title(f"{ARMS[arm]} - closed")
    bar = fig.colorbar(image, ax=list(axes))
    bar.set_label("Meta payoff difference (USD bn, discounted)")
    fig.suptitle("Which openness pays for which business model (blue: opening pays)")
    return fig


def _dependency_figure(values: pd.DataFrame, dpoints: pd.Series):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    labels = {"own_open": "own open model", "own_closed": "own closed model", "no_own_model": "no own model"}
    for i, (arm, grp) in enumerate(values.groupby("arm")):
        s = grp.groupby(D)["value"].agg(["mean", "std", "count"]) / [1e9, 1e9, 1]
        lo, hi = t_interval(s["mean"], s["std"], s["count"])
        x = s.index.to_numpy() + (i - 1) * 0.02
        ax.errorbar(
            x,
            s["mean"],
            yerr=[s["mean"] - lo, hi - s["mean"]],
            marker="o",
            capsize=3,
            label=labels.get(arm, arm),
            color=f"C{i}",
        )
    ax.set_xlabel("dependency penalty D (κ lost building on a rival's closed model)")
    ax.set_ylabel("Meta's complement revenue, discounted (USD bn)")
    ax.set_title("C6: complement revenue with and without an own model")
    ax.set_xticks(sorted(dpoints.unique()))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False)
    return fig
