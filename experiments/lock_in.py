"""Lock-in, privacy and self-hosting: do closed-vendor shocks and sensitive data push developers to open models,
and who self-hosts? (C2, C3, C4, C12)

Arms: no shock; a 3x price hike by OpenAI for 6 months from month 24 (2025-01); a 3-month
withdrawal (deprecation) of OpenAI's API from month 24. Points: the privacy-bound share of
developers (``developers.privacy_share``) x in-house ML capability h ~ Beta(``inhouse_alpha``, 3)
(``inhouse_beta`` stays at its default 3; alpha 0.5, 2, 8 give mean h 0.14, 0.40, 0.73).

Outcomes: open-weight token share in the 12 months from the shock (months 24-35) and in the 12
months after (36-47); the split of open-model spending between self-hosting (``spend_selfhost``),
third-party hosts (``revenue_host``) and open vendors' paid services (``revenue_service``); and,
analytically from the scenario (``market/demand.py`` ``value_and_payment``), the monthly volume
above which self-hosting the large open model is cheaper than the alternatives (C4, C12).

Token counts by access mode are not metrics, so C12 is measured on spending: the self-hosting
share of open-model spending, spend_selfhost / (spend_selfhost + revenue_host + revenue_service).
"""

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from market_sim.analysis.plots import plot_over_time
from market_sim.studies.experiment import Effect, final_mean, one_sample
from market_sim.sweep import SweepSpec

NAME = "lock_in"
QUESTION = (
    "When a closed vendor raises prices or withdraws its model, do developers migrate to open weights; do "
    "privacy-bound developers raise the open share; is self-hosting a large open model cheaper than a closed API; "
    "and do developers without in-house ML capability buy a hosted service rather than self-host?"
)
SHOCK_MONTH = 24  # 2025-01: both shocks start here (see specs/lock_in.toml)
C4_DATE = "2024-07"  # the month of Zuckerberg's cost claim (F8)
CAPABLE_H = 0.8  # a "capable developer" (as in market_sim.studies.calibration for F8)
F8_LOW, F8_TOP = 0.35, 0.7  # F8's target band for the self-host / closed frontier price ratio
CLAIMS = {
    "C2a": "a closed-vendor price hike drives migration to open: share_open averaged over the 12 months from the "
    "shock (months 24-35), paired price_hike - no_shock > 0 at every point (privacy share x in-house capability)",
    "C2b": "a closed-vendor deprecation drives migration to open: share_open over months 24-35, paired "
    "deprecation - no_shock > 0 at every point",
    "C3": "privacy-bound developers raise the open share: share_open over the last 12 months at privacy_share = "
    "high - low (paired on arm, in-house level and replicate) > 0 for every arm and in-house level",
    "C4": f"self-hosting the large open model costs well under a closed API for a capable developer (h = {CAPABLE_H}) "
    f"at scale in {C4_DATE}: self-host cost of the best large open model x (1 + overhead (1 - h)) / the closed "
    f"frontier API's list price - {F8_TOP} < 0 in the no-shock runs (F8's band is 0.35-0.7)",
    "C12": "developers with low in-house capability buy a hosted service rather than self-host: the self-hosting "
    "share of open-model spending (last 12 months) at inhouse_alpha = high - low (paired on arm, privacy share "
    "and replicate) > 0 for every arm and privacy share",
}
SPEC = Path(__file__).parent / "specs" / "lock_in.toml"
PRIV, ALPHA = "developers.privacy_share", "developers.inhouse_alpha"
WINDOW = 12


def specs(quick: bool) -> dict[str, dict]:
    raw = tomllib.loads(SPEC.read_text())
    if quick:
        raw["sweep"].update(replicates=4, months=48)
        raw["parameters"] = {
            PRIV: [0.05, 0.4],
            ALPHA: [0.5, 8.0],
            "developers.count": [2000],
            "researchers.count": [600],
        }
    return {"main": raw}


def label(run: pd.Series) -> str:
    return f"privacy {run[PRIV]:g}, inhouse_alpha {run[ALPHA]:g}"


# -- outcomes (one value per run) ---------------------------------------------------------------
def window_mean(metric: str, start: int, stop: int):
    def fn(ts: pd.DataFrame) -> float:
        m = ts["month"]
        return float(ts.loc[(m >= start) & (m < stop), metric].mean())

    fn.__name__ = f"mean {metric}, months {start}-{stop - 1}"
    return fn


def selfhost_share(ts: pd.DataFrame) -> float:
    last = ts.sort_values("month").iloc[-WINDOW:]
    selfhost = last["spend_selfhost"].sum()
    total = selfhost + last["revenue_host"].sum() + last["revenue_service"].sum()
    return float(selfhost / total) if total > 0 else float("nan")


def across_points(ctx, claim, outcome, fn, key, other) -> list[Effect]:
    """Paired difference of ``fn`` between the highest and lowest value of parameter ``key``
    (same arm, same value of parameter ``other``, same replicate: common random numbers)."""
    runs = ctx.results["main"].runs
    hi, lo = runs.loc[runs["status"] == "ok", key].agg(["max", "min"])
    short = {PRIV: "privacy", ALPHA: "inhouse_alpha"}
    return ctx.paired_across_points(
        claim,
        "main",
        outcome,
        fn,
        {key: hi},
        {key: lo},
        ["arm", other],
        f"{short[key]} = {hi:g}",
        f"{short[key]} = {lo:g}",
        lambda p: f"{p['arm']}, {short[other]} {p[other]:g}",
    )


# -- the self-host break-even (analytical, from the scenario) -----------------------------------
def cost_terms(scn, month: int) -> dict:
    """Per-Mtok and fixed costs of the large size at ``month`` (no community serving-cost cut, phi = 0)."""
    large = 2
    c = scn.get("sizes.serving_cost_usd_per_mtok")[large] * (1 - scn.get("market.serving_cost_decline_per_year")) ** (
        month / 12.0
    )
    out = {
        "c": c,
        "fixed": scn.get("sizes.selfhost_fixed_usd_per_month")[large],
        "overhead": scn.get("penalties.selfhost_overhead_max"),
        "host": c * scn.get("hosts.cost_factor") * (1 + scn.get("hosts.markup")),
        "i_self": scn.get("penalties.integration_selfhost"),
        "i_host": scn.get("penalties.integration_host"),
        "log_form": scn.get("market.price_form") == "log",
        "e_self": scn.get("penalties.integration_selfhost_usd_per_month"),
        "e_host": scn.get("penalties.integration_host_usd_per_month"),
        "theta": scn.get("developers.value_per_mtok_median"),
        "volume_median": scn.get("developers.volume_mtok_median")
        * (1 + scn.get("market.volume_growth_per_year")) ** (month / 12.0),
        "volume_sigma": scn.get("developers.volume_sigma"),
    }
    pricing = scn.get("vendors.alibaba.pricing")  # the only open vendor with a large paid service by default
    if isinstance(pricing, dict) and pricing.get("strategy") == "markup":
        out["service"] = c * scn.get("vendors.alibaba.compute_cost_factor") * (1 + pricing["markup"])
    else:
        out["service"] = float("nan")
    return out


def breakeven(fixed: float, unit_self: float, unit_alt: float) -> float:
    """Volume V (Mtok/month) above which (V unit_self + fixed) < V unit_alt; inf if never."""
    return fixed / (unit_alt - unit_self) if unit_alt > unit_self else math.inf


def breakeven_table(terms: dict, closed_price: float, hs=(0.2, 0.5, 0.8)) -> pd.DataFrame:
    rows = {}
    for h in hs:
        factor = 1 + terms["overhead"] * (1 - h)  # self-host payment (V c + fixed)(1 + overhead (1 - h))
        unit_self, fixed = terms["c"] * factor, terms["fixed"] * factor
        effort = (1 - h) * terms["theta"]  # USD/Mtok per kappa-unit of integration effort at median theta
        row = {
            "self-host USD/Mtok at scale": unit_self,
            "self-host / closed price": unit_self / closed_price,
            "V* vs host (payment)": breakeven(fixed, unit_self, terms["host"]),
            "V* vs service (payment)": breakeven(fixed, unit_self, terms["service"]),
            "V* vs closed API (payment)": breakeven(fixed, unit_self, closed_price),
        }
        if terms["log_form"]:  # effort is a fixed USD/month at zero in-house capability, x (1 - h)
            row["V* vs host (+ effort)"] = breakeven(
                fixed + (1 - h) * (terms["e_self"] - terms["e_host"]), unit_self, terms["host"]
            )
            row["V* vs closed API (+ effort)"] = breakeven(fixed + (1 - h) * terms["e_self"], unit_self, closed_price)
        else:  # effort in kappa-units x w: per token at the median theta
            row["V* vs host (+ effort)"] = breakeven(
                fixed, unit_self + effort * terms["i_self"], terms["host"] + effort * terms["i_host"]
            )
            row["V* vs closed API (+ effort)"] = breakeven(fixed, unit_self + effort * terms["i_self"], closed_price)
        v_star = row["V* vs closed API (payment)"]
        z = (math.log(v_star / terms["volume_median"]) / terms["volume_sigma"]) if math.isfinite(v_star) else math.inf
        row["% developers above V* vs API"] = 100 * float(stats.norm.sf(z))
        rows[f"h = {h:g}"] = row
    frame = pd.DataFrame(rows).T
    frame.index.name = "in-house capability"
    return frame


def c4_state(res, scn, month: int) -> pd.DataFrame:
    """Per no-shock run: the closed frontier API's list price and a capable developer's self-host cost at scale of
    the best large open model in ``month``, read from the model state.

    The timeseries has neither quantity (``price_openai`` is volume-weighted over all sizes and modes), so each
    no-shock run is re-simulated from its own point and seed up to ``month`` (before any shock: the runs are
    identical up to then). Definitions as in ``market_sim.studies.calibration`` (F8): frontier price = cheapest
    list price among the available closed options with the highest kappa; self-host cost = cost of the best
    available large SELF option x (1 + overhead (1 - h)), h = CAPABLE_H."""
    from market_sim.market.options import SELF
    from market_sim.model import MarketModel

    arms_ = res.spec.get("arms", {})
    points = res.design["points"]
    ok = res.runs[(res.runs["status"] == "ok") & (res.runs["arm"] == "no_shock")]
    overhead = 1 + scn.get("penalties.selfhost_overhead_max") * (1 - CAPABLE_H)
    rows = []
    for run in ok.itertuples():
        model = MarketModel(scn.with_overrides({**points[run.point], **arms_.get("no_shock", {})}), seed=int(run.seed))
        while model.month <= month:
            model.step()
        opts = model.options
        closed = np.flatnonzero(opts.closed)
        top = closed[opts.kappa[closed] >= opts.kappa[closed].max() - 1e-12]
        large = np.flatnonzero(opts.available & (opts.mode == SELF) & (opts.size == 2))
        best = large[np.argmax(opts.kappa[large])] if large.size else None
        frontier = float(opts.price[top].min())
        cost = float(opts.cost[best]) * overhead if best is not None else float("nan")
        rows.append({"run_id": run.run_id, "frontier_price": frontier, "selfhost_cost": cost})
    out = pd.DataFrame(rows).merge(ok[["run_id", PRIV, ALPHA, "replicate"]], on="run_id")
    out["ratio"] = out["selfhost_cost"] / out["frontier_price"]
    return out


def analyze(ctx) -> None:
    res = ctx.results["main"]
    runs = res.runs[res.runs["status"] == "ok"]
    ts = res.timeseries()
    after = (SHOCK_MONTH, SHOCK_MONTH + 12)
    later = (SHOCK_MONTH + 12, SHOCK_MONTH + 24)

    # C2: migration to open after the shock (paired on point and replicate)
    c2 = {}
    for claim, arm in (("C2a", "price_hike"), ("C2b", "deprecation")):
        c2[claim] = ctx.paired(
            claim, "main", "share_open, months 24-35", window_mean("share_open", *after), arm, "no_shock", label
        )
        ctx.paired(
            claim, "main", "share_openai, months 24-35", window_mean("share_openai", *after), arm, "no_shock", label
        )
        if ts["month"].max() >= later[1] - 1:
            ctx.paired(
                claim,
                "main",
                "share_open, months 36-47 (after the shock)",
                window_mean("share_open", *later),
                arm,
                "no_shock",
                label,
            )
    ctx.verdict("C2a", c2["C2a"], predicted=+1)
    ctx.verdict("C2b", c2["C2b"], predicted=+1)

    # C3: privacy-bound share, high - low, paired across points
    c3 = across_points(ctx, "C3", "share_open (last 12 months)", final_mean("share_open", WINDOW), PRIV, ALPHA)
    ctx.verdict("C3", c3, predicted=+1)

    # C12: self-hosting share of open spending, high - low in-house capability
    c12 = across_points(ctx, "C12", "self-host share of open-model spending", selfhost_share, ALPHA, PRIV)
    across_points(
        ctx, "C12", "revenue_service (USD/month, last 12 months)", final_mean("revenue_service", WINDOW), ALPHA, PRIV
    )
    ctx.verdict("C12", c12, predicted=+1)

    # C4: self-host cost ratio in 2024-07 for a capable developer, measured in the no-shock runs' state
    scn = SweepSpec.from_dict(res.spec, base_dir=SPEC.parent).base_scenario()
    dates = ts.drop_duplicates("month").set_index("date")["month"]
    c4_month = int(dates.get(C4_DATE, 18))
    terms = cost_terms(scn, c4_month)
    state = c4_state(res, scn, c4_month)
    ratio = state.assign(value=state["ratio"] - F8_TOP)
    c4 = one_sample(
        "C4",
        f"self-host / closed frontier price - {F8_TOP}",
        f"self-host (h = {CAPABLE_H})",
        "closed frontier API",
        ratio,
        [PRIV, ALPHA],
        lambda k: f"privacy {k[0]:g}, inhouse_alpha {k[1]:g}",
    )
    ctx.effects += c4
    ctx.effects += one_sample(  # the other side of F8's band, for reading only (the verdict is on the upper side)
        "C4",
        f"self-host / closed frontier price - {F8_LOW}",
        f"self-host (h = {CAPABLE_H})",
        "closed frontier API",
        state.assign(value=state["ratio"] - F8_LOW),
        [PRIV, ALPHA],
        lambda k: f"privacy {k[0]:g}, inhouse_alpha {k[1]:g}",
    )
    ctx.verdict("C4", c4, predicted=-1)

    # break-even table and figure --------------------------------------------------------------
    closed_price = float(state["frontier_price"].mean())
    table = breakeven_table(terms, closed_price)
    ctx.text += [
        f"**Self-host break-even ({C4_DATE}, large open model, analytical).** From `demand.outcome`: a developer "
        "with in-house capability h pays (V c + fixed)(1 + overhead (1 - h)) per month to self-host, V x price "
        "otherwise. With the scenario's values, c = "
        f"{terms['c']:.2f} USD/Mtok (serving cost, no community cut), fixed = {terms['fixed']:,.0f} USD/month, "
        f"overhead = {terms['overhead']:g}; third-party host {terms['host']:.2f} USD/Mtok, Alibaba's paid service "
        f"{terms['service']:.2f} USD/Mtok (markup pricing), the closed frontier API's list price in the runs "
        f"{closed_price:.2f} USD/Mtok (no-shock runs, mean). V* is the monthly volume (Mtok) above which "
        "self-hosting is cheaper (inf: never). '+ effort' adds the integration effort that enters utility, not "
        + (
            f"payments: (1 - h) x {terms['e_self']:,.0f} USD/month to self-host (hosts {terms['e_host']:,.0f}); "
            if terms["log_form"]
            else f"payments: (1 - h) I x theta (USD/Mtok at the median value theta = {terms['theta']:g}); "
        )
        + "c is the size class's serving cost at its reference capability (no capability factor); "
        "capability differences, fine-tuning support, lock-in aversion and switching costs are left out. "
        f"The last column is the share of developers whose {C4_DATE} volume (log-normal, median "
        f"{terms['volume_median']:.0f} Mtok/month) exceeds V* vs the API.",
        "",
    ]
    ctx.table(table, "Self-host break-even volumes (Mtok/month) and unit costs:", 2)
    r = state["ratio"]
    ctx.text += [
        f"C4 in numbers ({C4_DATE}, state of the no-shock runs): a capable developer (h = {CAPABLE_H}) self-hosts the "
        f"best large open model at {state['selfhost_cost'].mean():.2f} USD/Mtok at scale (serving cost incl. the "
        f"community's cut, x (1 + overhead (1 - h))), {r.mean():.2f} of the closed frontier API's list price "
        f"{state['frontier_price'].mean():.2f} USD/Mtok (range over runs {r.min():.2f}-{r.max():.2f}; F8's target "
        "band 0.35-0.7). Including the fixed deployment cost, the median developer "
        f"({terms['volume_median']:.0f} Mtok/month) would pay "
        f"{(terms['fixed'] / terms['volume_median'] + terms['c']) * (1 + terms['overhead'] * (1 - CAPABLE_H)):.0f} "
        "USD/Mtok to self-host (no community cut).",
        "",
    ]
    ctx.figure(
        _breakeven_figure(terms, closed_price),
        "breakeven.png",
        f"Monthly payment for V Mtok: self-hosting the large open model vs host, service and closed API, {C4_DATE}",
    )
    frame = ctx.frame("main")
    last = frame[frame["month"] >= frame["month"].max() - WINDOW + 1]
    spend = last.groupby(["arm", ALPHA])[["spend_selfhost", "revenue_host", "revenue_service"]].mean() / 1e6
    spend.index = [f"{arm}, inhouse_alpha {a:g}" for arm, a in spend.index]
    spend.index.name = "arm, in-house level"
    ctx.table(spend, "Open-model spending by access mode, last 12 months (USD million/month, mean over runs):", 2)

    units = {
        "share_open": "open-weight token share (fraction of tokens)",
        "share_openai": "OpenAI token share (fraction of tokens)",
    }
    for metric in ("share_open", "share_openai"):
        fig = plot_over_time(
            runs,
            ts,
            metric,
            by="arm",
            units=units,
            title=f"{metric} by shock arm (pooled over points; mean, 95% CI); shock at 2025-01",
        )
        ax = fig.axes[0]
        ax.axvline(pd.Timestamp("2025-01-01"), color="black", linestyle="--", linewidth=0.8)
        ctx.figure(fig, f"{metric}.png", f"{units[metric]} over time per arm; dashed: shock start; bands: 95% CI")
    ctx.figure(
        _spend_figure(spend),
        "open_spend.png",
        "Where open-model spending goes (self-host / host / paid service) by in-house capability",
    )

    ctx.text += [
        "**Where the model is too simple to say.** Shocks hit OpenAI only and are exogenous (no vendor decides "
        "to hike); developers are myopic, so a shock moves them through prices, availability and a temporary "
        f"rise in lock-in aversion (shock memory, e-folding {scn.get('lock_in.memory_months'):g} months), not "
        "through expectations of future "
        "shocks. A price hike multiplies OpenAI's best-response prices, so its size in USD depends on the run. "
        "Each developer uses one option (no multihoming, ODD 8 f), which overstates both lock-in and the size "
        "of a migration. C4's ratio leaves out the fixed deployment cost, which dominates below the break-even "
        "volume, and the break-even table uses the serving cost without the community's cut "
        f"(up to {100 * scn.get('community.serving_cost_reduction'):.0f}%), so its V* are upper bounds. "
        "C12 is measured on spending, not tokens: self-hosters pay fixed costs and overheads, so their spending "
        "share exceeds their token share.",
        "",
    ]


def _breakeven_figure(terms: dict, closed_price: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    volume = np.logspace(0, 6, 200)
    for h in (0.2, 0.5, 0.8):
        factor = 1 + terms["overhead"] * (1 - h)
        ax.plot(volume, (volume * terms["c"] + terms["fixed"]) * factor, label=f"self-host, h = {h:g}")
    same = np.isclose(terms["host"], terms["service"])
    host_label = "third-party host" + (" = Alibaba's paid service (same price)" if same else "")
    ax.plot(volume, volume * terms["host"], "k--", label=host_label)
    if np.isfinite(terms["service"]) and not same:
        ax.plot(volume, volume * terms["service"], "k:", label="open vendor's paid service (Alibaba)")
    ax.plot(volume, volume * closed_price, color="tab:red", linewidth=2, label="closed frontier API (list price)")
    ax.axvline(terms["volume_median"], color="grey", linewidth=0.8)
    ax.text(terms["volume_median"], 1e2, " median developer", color="grey", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(1e1, 1e8)
    ax.set_xlabel("token volume V (Mtok/month)")
    ax.set_ylabel("payment (USD/month)")
    ax.set_title("Self-hosting the large open model vs buying tokens (payments only)")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3, which="both")
    return fig


def _spend_figure(spend: pd.DataFrame):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    share = spend.div(spend.sum(axis=1), axis=0)
    share.plot.barh(ax=ax, stacked=True)
    ax.set_xlabel("share of open-model spending, last 12 months (fraction)")
    ax.set_ylabel("arm, in-house capability (Beta(alpha, 3))")
    ax.set_title("Self-host vs third-party host vs paid service")
    ax.legend(
        ["self-host", "third-party host", "paid service"],
        fontsize=8,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.15),
        ncol=3,
    )
    return fig
