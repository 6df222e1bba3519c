"""How large a capability advantage does the closed frontier need? (C8, C22)

Two sweeps (``experiments/specs/capability_gap.toml``):

- ``frontier``: the closed frontier's advantage at 2023-01, Δ = κ_OpenAI(0) - κ_Meta(0),
  from 0 (closed and open start level) to 3 κ-units (1000x effective compute), set by shifting
  OpenAI, Anthropic and Google (whose Gemini is closed) together, so that the open side keeps its
  calibrated 2023 capabilities. At each Δ three paired arms: Meta open (baseline), Meta closed
  (C8) and Meta open with the closed vendors' quality premium set to 0 (C22). Outcomes: the closed
  token share (1 - ``share_open``), developer surplus, the closed price premium
  (``price_closed - price_open``), and the advantage at which closed keeps a majority of tokens.
- ``lead``: Meta's lead over every other open model (C8's "better than any other open model by
  several orders of magnitude"), set by raising Meta's initial capability above Mistral's (3.2 by default);
  Meta open vs Meta closed.

C8 is an equivalence claim, which the sign rule of :meth:`market_sim.studies.experiment.ExperimentContext.verdict`
cannot state directly. It is tested here as a two-sided equivalence test (TOST form): the paired
relative difference r = V_open / V_closed - 1 in application value per adopting developer has a
95% CI [lo, hi]; the effect recorded for the verdict is the *slack* m - |r| with the interval
[m - max(|lo|, |hi|), m - dist(0, [lo, hi])], so "slack > 0 with its CI" means the CI of r lies
inside the margin (-m, m). m = 5%.
"""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.analysis.plots import plot_over_time
from market_sim.analysis.summary import t_interval
from market_sim.scenario import Scenario
from market_sim.studies.experiment import Effect

NAME = "capability_gap"
DEFAULT = Scenario.default()  # the values the sweeps start from (kept in sync with the scenario, see specs)
KAPPA0 = {
    v: DEFAULT.get(f"vendors.{v}.initial_capability") for v in ("meta", "openai", "anthropic", "google", "mistral")
}
BASE_LEAD = round(KAPPA0["meta"] - KAPPA0["mistral"], 6)  # Meta's 2023 lead over the next open model
PREMIUM = {v: DEFAULT.get(f"vendors.{v}.quality_premium") for v in ("openai", "anthropic")}
QUESTION = (
    "How large a capability advantage must the closed frontier have to keep most of the market and a price "
    "premium, and does opening Meta's model change the quality of the applications developers can build?"
)
MARGIN = 0.05  # practical-equivalence margin for C8: 5% of application value per adopting developer
WINDOW = 12  # months at the end of each run the outcomes are averaged over
CLAIMS = {
    "C8": (
        "where Meta's model is not far ahead of the other open models (its 2023 lead over Mistral < 2 κ, "
        "at every closed-frontier advantage), opening it does not change application quality: the paired "
        f"relative difference in application value per adopting developer, Meta open vs Meta closed (final "
        f"{WINDOW} months), has its 95% CI inside +-{MARGIN:.0%} (equivalence slack > 0)"
    ),
    "C8-large": (
        "where Meta's model leads every other open model by >= 2 κ-units (100x effective compute), opening "
        "it raises application value per adopting developer by more than the margin: (open / closed - 1) - "
        f"{MARGIN:.0%} > 0"
    ),
    "C22": (
        f"closed vendors' quality premium (OpenAI {PREMIUM['openai']:g}, Anthropic {PREMIUM['anthropic']:g} κ) "
        "sustains a closed price premium: "
        f"price_closed - price_open (USD/Mtok, final {WINDOW} months), premium on - premium off > 0, at every "
        "closed-frontier advantage Δ"
    ),
    "C22-share": (
        "the quality premium lets the premium vendors keep customers at their prices: share_openai + "
        f"share_anthropic (final {WINDOW} months), premium on - premium off > 0, at every Δ"
    ),
    "C22-capability": (
        "a larger closed capability advantage sustains a larger closed price premium: price_closed - "
        "price_open at advantage Δ minus at Δ = 0 (Meta open, premiums on) > 0, for every Δ > 0"
    ),
}
SPEC = Path(__file__).parent / "specs" / "capability_gap.toml"
QUICK_GAPS = (0.0, 1.0, 2.0, 3.0)
KINDS = {"open": "Meta open", "closed": "Meta closed", "noprem": "Meta open, no closed quality premium"}


def specs(quick: bool) -> dict[str, dict]:
    raw = tomllib.loads(SPEC.read_text())
    frontier, lead = raw["frontier"], raw["lead"]
    # Δ is defined against the scenario's defaults: recompute the closed vendors' starting capabilities so
    # that Δ keeps its meaning if the default scenario is recalibrated (the TOML holds the values at the time
    # of writing, which these equal for the scenario they were written for).
    for arm, overrides in frontier["arms"].items():
        shift = KAPPA0["meta"] + _gap(arm) - KAPPA0["openai"]
        for v in ("openai", "anthropic", "google"):
            overrides[f"vendors.{v}.initial_capability"] = round(KAPPA0[v] + shift, 6)
    if quick:
        small = {"developers.count": [2000], "researchers.count": [600]}
        frontier["sweep"].update(replicates=4, months=48)
        frontier["parameters"] = dict(small)
        frontier["arms"] = {a: o for a, o in frontier["arms"].items() if _gap(a) in QUICK_GAPS}
        lead["sweep"].update(replicates=4, months=48)
        lead["parameters"] = {"vendors.meta.initial_capability": [3.3, 4.3, 5.3, 6.3], **small}
    return {"frontier": frontier, "lead": lead}


# -- helpers ------------------------------------------------------------------------------------------------
def _gap(arm: str) -> float:
    """Δ (κ-units) of a frontier arm named ``gap<Δ>_<kind>`` (``p`` for the decimal point)."""
    return float(arm.split("_")[0].removeprefix("gap").replace("p", "."))


def _kind(arm: str) -> str:
    return arm.split("_", 1)[1]


def _arm(gap: float, kind: str) -> str:
    return f"gap{gap:g}_{kind}".replace(".", "p")


def _last(fn):
    """Outcome: mean over the last WINDOW months of ``fn(timeseries)`` (a Series)."""

    def outcome(ts: pd.DataFrame) -> float:
        ts = ts.sort_values("month").iloc[-WINDOW:]
        return float(np.nanmean(fn(ts).to_numpy(dtype=float)))

    return outcome


def premium(ts: pd.DataFrame) -> pd.Series:
    return ts["price_closed"] - ts["price_open"]


def value_per_dev(ts: pd.DataFrame) -> pd.Series:
    return ts["application_value"] / ts["developers_adopting"]


def premium_share(ts: pd.DataFrame) -> pd.Series:
    return ts["share_openai"] + ts["share_anthropic"]


def closed_share(ts: pd.DataFrame) -> pd.Series:
    return 1.0 - ts["share_open"]


def _interval(values: pd.Series) -> tuple[int, float, float, float]:
    v = values.dropna()
    lo, hi = t_interval([v.mean()], [v.std()], [len(v)])
    return len(v), float(v.mean()), float(lo[0]), float(hi[0])


def relative_effect(claim, values: pd.DataFrame, arm_a: str, arm_b: str, point: str, outcome: str) -> Effect:
    """Paired r = a / b - 1 over replicates (``values``: one row per run with arm, replicate, value)."""
    a = values[values["arm"] == arm_a].set_index("replicate")["value"]
    b = values[values["arm"] == arm_b].set_index("replicate")["value"]
    n, mean, lo, hi = _interval((a / b - 1.0).dropna())
    return Effect(claim, outcome, arm_a, arm_b, point, n, mean, lo, hi)


def equivalence(e: Effect, margin: float) -> Effect:
    """Slack m - |r| of a difference r with CI [lo, hi]: its CI is > 0 iff [lo, hi] lies inside (-m, m)."""
    lo, hi = e.ci_low, e.ci_high
    distance = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
    outcome = f"equivalence slack {margin:.0%} - |{e.outcome}|"
    return Effect(
        e.claim,
        outcome,
        e.arm_a,
        e.arm_b,
        e.point,
        e.n,
        margin - abs(e.mean),
        margin - max(abs(lo), abs(hi)),
        margin - distance,
    )


def shifted(e: Effect, by: float, claim: str) -> Effect:
    return Effect(
        claim, f"{e.outcome} - {by:.0%}", e.arm_a, e.arm_b, e.point, e.n, e.mean - by, e.ci_low - by, e.ci_high - by
    )


def per_run(ctx, spec: str) -> pd.DataFrame:
    """Final-window outcomes per ok run, with its arm, point, replicate and parameters."""
    frame = ctx.frame(spec).sort_values(["run_id", "month"])
    last = frame.groupby("run_id").tail(WINDOW).copy()
    last["closed_share"] = closed_share(last)
    last["premium"] = premium(last)
    last["value_per_dev"] = value_per_dev(last)
    cols = ["closed_share", "premium", "value_per_dev", "developer_surplus", "price_closed", "price_open"]
    out = last.groupby("run_id")[cols].mean()
    keys = ctx.results[spec].runs.set_index("run_id")
    return out.join(keys, how="inner").reset_index()


def threshold(gaps: np.ndarray, shares: np.ndarray, level: float = 0.5) -> tuple[float, str]:
    """Smallest Δ where the piecewise-linear closed share reaches ``level``; censoring if never/always."""
    order = np.argsort(gaps)
    g, s = gaps[order], shares[order]
    if s[0] >= level:
        return np.nan, "closed majority already at the smallest Δ"
    for i in range(len(g) - 1):
        if s[i] < level <= s[i + 1]:
            return float(g[i] + (level - s[i]) * (g[i + 1] - g[i]) / (s[i + 1] - s[i])), "crossed"
    return np.nan, "no closed majority even at the largest Δ"


# -- analysis -----------------------------------------------------------------------------------------------
def analyze(ctx) -> None:
    runs = ctx.results["frontier"].runs
    ok = runs[runs["status"] == "ok"]
    gaps = sorted({_gap(a) for a in ok["arm"]})
    res = per_run(ctx, "frontier")
    res["gap"] = res["arm"].map(_gap)
    res["kind"] = res["arm"].map(_kind)

    # C22: the quality premium, at each Δ
    c22, c22s = [], []
    for g in gaps:
        c22 += ctx.paired(
            "C22",
            "frontier",
            "closed price premium (USD/Mtok)",
            _last(premium),
            _arm(g, "open"),
            _arm(g, "noprem"),
            lambda _, g=g: f"Δ = {g:g}",
        )
        c22s += ctx.paired(
            "C22-share",
            "frontier",
            "OpenAI + Anthropic token share",
            _last(premium_share),
            _arm(g, "open"),
            _arm(g, "noprem"),
            lambda _, g=g: f"Δ = {g:g}",
        )
    ctx.verdict("C22", c22, predicted=+1)
    ctx.verdict("C22-share", c22s, predicted=+1)

    # C22-capability: the capability advantage, Δ vs Δ = 0
    c22c = []
    for g in gaps[1:]:
        c22c += ctx.paired(
            "C22-capability",
            "frontier",
            "closed price premium (USD/Mtok)",
            _last(premium),
            _arm(g, "open"),
            _arm(gaps[0], "open"),
            lambda _, g=g: f"Δ = {g:g}",
        )
    ctx.verdict("C22-capability", c22c, predicted=+1)

    # C8: Meta open vs closed, relative difference in value per adopting developer
    outcome = "rel. diff. value/adopting developer"
    raw_frontier = [
        relative_effect(
            "C8",
            res[res["gap"] == g].rename(columns={"value_per_dev": "value"}),
            _arm(g, "open"),
            _arm(g, "closed"),
            f"Δ = {g:g} (Meta lead {BASE_LEAD:g})",
            outcome,
        )
        for g in gaps
    ]
    lead = per_run(ctx, "lead")
    lead["lead"] = (lead["vendors.meta.initial_capability"] - KAPPA0["mistral"]).round(2)
    raw_lead = [
        relative_effect(
            "C8",
            grp.rename(columns={"value_per_dev": "value"}),
            "meta_open",
            "meta_closed",
            f"Meta lead {ld:g}",
            outcome,
        )
        for ld, grp in lead.groupby("lead")
    ]
    ctx.effects += raw_frontier + raw_lead
    small = [e for e, ld in zip(raw_lead, sorted(lead["lead"].unique()), strict=True) if ld < 2.0]
    large = [e for e, ld in zip(raw_lead, sorted(lead["lead"].unique()), strict=True) if ld >= 2.0]
    eq = [equivalence(e, MARGIN) for e in raw_frontier + small]
    ctx.effects += eq
    ctx.verdict("C8", eq, predicted=+1)
    big = [shifted(e, MARGIN, "C8-large") for e in large]
    ctx.effects += big
    ctx.verdict("C8-large", big, predicted=+1)

    # threshold advantage at which closed keeps a majority of tokens, per replicate, per arm kind
    rows, per_rep = [], {}
    for kind, grp in res.groupby("kind"):
        found, censored = [], {}
        for _, rep in grp.groupby("replicate"):
            t, status = threshold(rep["gap"].to_numpy(), rep["closed_share"].to_numpy())
            if np.isfinite(t):
                found.append(t)
            else:
                censored[status] = censored.get(status, 0) + 1
        n, mean, lo, hi = _interval(pd.Series(found, dtype=float))
        per_rep[kind] = (mean, lo, hi)
        rows.append(
            {
                "arm": KINDS[kind],
                "replicates crossing": n,
                "threshold Δ (κ)": mean,
                "95% CI low": lo,
                "95% CI high": hi,
                "no crossing": "; ".join(f"{c} {s}" for s, c in censored.items()) or "-",
            }
        )
    ctx.text += [
        "**Closed-frontier advantage.** Δ = κ_OpenAI(2023-01) - κ_Meta(2023-01) in κ-units "
        f"(1 = 10x effective compute; default {KAPPA0['openai'] - KAPPA0['meta']:g}). OpenAI, Anthropic and "
        "Google are shifted together, so the "
        "open vendors keep their calibrated 2023 capabilities (raising the closed side rather than lowering "
        "the open side keeps open models above the outside option for privacy-bound developers, who cannot use "
        "closed APIs). Outcomes are means over the last "
        f"{WINDOW} months of each run.",
        "",
    ]
    ctx.table(
        pd.DataFrame(rows).set_index("arm"),
        "Threshold advantage at which closed options keep a majority (>= 0.5) of tokens in the final year "
        "(linear interpolation per replicate between the swept Δ values, then a Student-t interval "
        "over the replicates that cross; replicates that never cross are counted, not imputed):",
        2,
    )
    summary = res.groupby(["kind", "gap"])[
        ["closed_share", "developer_surplus", "premium", "price_closed", "price_open"]
    ].mean()
    summary["developer_surplus"] /= 1e9
    summary.index = pd.Index([f"{KINDS[k]}, Δ = {g:g}" for k, g in summary.index], name="arm, Δ (κ)")
    summary.columns = [
        "closed share",
        "developer surplus (USD bn/month)",
        "closed price premium (USD/Mtok)",
        "price_closed (USD/Mtok)",
        "price_open (USD/Mtok)",
    ]
    ctx.table(summary, "Final-year means per arm and Δ (over replicates):", 3)

    ctx.figure(
        _share_figure(res, gaps, per_rep.get("open")),
        "closed_share_vs_gap.png",
        "Closed token share in the final year vs the closed frontier's 2023 advantage, per arm (mean, 95% CI "
        "over replicates); dashed: majority; shaded: threshold advantage for Meta open with its 95% CI",
    )
    fr = ctx.results["frontier"]
    ts = fr.timeseries(["share_open"])
    sub = ok[ok["arm"].map(_kind) == "open"].copy()
    sub["arm"] = sub["arm"].map(lambda a: f"Δ = {_gap(a):g} κ")
    fig = plot_over_time(
        sub,
        ts,
        "share_open",
        by="arm",
        units={"share_open": "open-weight token share (fraction)"},
        title="Adoption of open weights by closed-frontier advantage (Meta open; mean, 95% CI)",
    )
    ctx.figure(
        fig,
        "share_open.png",
        "Open-weight token share over time per closed-frontier advantage Δ (Meta open arms); bands: 95% CI over seeds",
    )
    ctx.figure(
        _surplus_figure(res, gaps),
        "surplus_premium_vs_gap.png",
        "Developer surplus and closed price premium in the final year vs Δ, per arm (mean, 95% CI)",
    )
    ctx.figure(
        _c8_figure(raw_frontier, gaps, raw_lead, sorted(lead["lead"].unique())),
        "c8_value_difference.png",
        "C8: relative difference in application value per adopting developer, Meta open vs closed (95% CI); "
        f"grey band: +-{MARGIN:.0%} equivalence margin",
    )

    frame = ctx.frame("lead")
    last = frame[frame["month"] >= frame["month"].max() - WINDOW + 1]
    last = last.assign(
        lead=(last["vendors.meta.initial_capability"] - KAPPA0["mistral"]).round(2),
        realised=last["capability_meta"]
        - last[["capability_mistral", "capability_alibaba", "capability_microsoft"]].max(axis=1),
    )
    realised = last.groupby(["lead", "arm"])["realised"].mean().unstack("arm")
    realised.index.name = "Meta lead at 2023-01 (κ)"
    ctx.table(
        realised,
        "Meta's realised lead in the final year (capability_meta minus the best of Mistral, "
        "Alibaba, Microsoft; internal frontiers, κ) per arm:",
        2,
    )
    leads_text = ", ".join(f"{ld:g}" for ld in sorted(lead["lead"].unique()) if ld > BASE_LEAD)
    ctx.text += [
        "**Reading C8.** C8 says opening matters only if the model is far better than every other open model. "
        f"In the `frontier` sweep Meta starts {BASE_LEAD:g} κ above Mistral at every Δ, so C8 predicts "
        f"equivalence there; the `lead` sweep raises Meta's start to {leads_text} κ above Mistral. Closing Meta "
        "does not remove its model from the market: it is then sold through Meta's own API (which needs no "
        "integration effort), so what changes is mainly who can use it (privacy-bound developers cannot use "
        "closed APIs), its price and fine-tuning support. Application value is gross of payments; the price "
        "effect of opening is in developer surplus, not in C8's outcome. Meta's lead also grows or shrinks "
        f"endogenously (it has {DEFAULT.get('vendors.meta.initial_researchers'):,.0f} researchers against "
        f"Mistral's {DEFAULT.get('vendors.mistral.initial_researchers'):,.0f}; rivals learn from its open weights by "
        "spillover when it is open), so the realised lead differs from the 2023 lead (table above).",
        "",
        "**Reading C22.** The closed price premium is a volume-weighted price over all sizes and access modes "
        "(`price_closed - price_open`), so it moves with the mix of sizes and with a few very large developers "
        f"(log-normal volumes, sigma {DEFAULT.get('developers.volume_sigma'):g}); best-response markups are far "
        "above serving cost, so the premium is mostly markup. The quality premium arm removes the default "
        f"premiums (OpenAI {PREMIUM['openai']:g}, Anthropic {PREMIUM['anthropic']:g} κ); compare the C22, "
        "C22-share and C22-capability rows of the effect table for the size of each effect against the seed "
        "noise of the volume-weighted price. A quality premium in this model is extra κ on closed API options "
        "only (`quality_premium`), so C22's reliability and integration are represented as an equivalent "
        "capability; a premium can show in share (more customers at the vendor's price) rather than in price.",
        "",
        "**Limits.** Value is linear in κ (`market.capability_saturation` = 0), so 'several orders of "
        "magnitude' is a difference of several κ-units of value for every developer, and the threshold "
        "depends on that choice. The closed share levels off at large Δ because privacy-bound developers "
        f"({DEFAULT.get('developers.privacy_share'):.0%}), fine-tuning needs and self-hosting keep part of the "
        "volume on open weights whatever the gap; where the curve is flat near 0.5 the threshold is sensitive "
        "to noise and may not be crossed at all (counted in the table). The threshold "
        "refers to the final year of the run (2026 in quick mode, 2030 in full mode); open shares grow over time.",
        "",
    ]


# -- figures ------------------------------------------------------------------------------------------------
def _by_kind(res: pd.DataFrame, column: str, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    out = {}
    for kind, grp in res.groupby("kind"):
        stats = grp.groupby("gap")[column].agg(["mean", "std", "count"]) * [scale, scale, 1]
        stats["lo"], stats["hi"] = t_interval(stats["mean"], stats["std"], stats["count"])
        out[kind] = stats
    return out


def _errorbars(ax, stats: dict[str, pd.DataFrame]) -> None:
    for i, (kind, s) in enumerate(stats.items()):
        x = s.index.to_numpy() + (i - 1) * 0.03
        ax.errorbar(
            x,
            s["mean"],
            yerr=[s["mean"] - s["lo"], s["hi"] - s["mean"]],
            marker="o",
            capsize=3,
            label=KINDS[kind],
            color=f"C{i}",
        )


def _share_figure(res, gaps, thr):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    _errorbars(ax, _by_kind(res, "closed_share"))
    ax.axhline(0.5, color="black", linestyle="--", linewidth=1, label="majority (0.5)")
    if thr and np.isfinite(thr[0]):
        ax.axvline(thr[0], color="C0", linewidth=1)
        if np.isfinite(thr[1]):
            ax.axvspan(thr[1], thr[2], color="C0", alpha=0.15, label=f"threshold (Meta open) {thr[0]:.2f} κ")
    ax.set_xlabel("closed frontier's advantage at 2023-01, Δ (κ-units, 1 = 10x compute)")
    ax.set_ylabel("closed token share, final year (fraction)")
    ax.set_title("Closed share vs closed capability advantage")
    ax.set_xticks(gaps)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return fig


def _surplus_figure(res, gaps):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    a1, a2 = fig.subplots(1, 2)
    _errorbars(a1, _by_kind(res, "developer_surplus", 1e-9))
    a1.set_ylabel("developer surplus, final year (USD bn/month)")
    a1.set_title("Developer surplus")
    _errorbars(a2, _by_kind(res, "premium"))
    a2.set_ylabel("price_closed - price_open, final year (USD/Mtok)")
    a2.set_title("Closed price premium")
    for ax in (a1, a2):
        ax.set_xlabel("closed advantage Δ (κ-units)")
        ax.set_xticks(gaps)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
    return fig


def _c8_figure(frontier, gaps, lead, leads):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), layout="constrained")
    a1, a2 = fig.subplots(1, 2, sharey=True)
    for ax, effects, x, xlabel, title in (
        (a1, frontier, gaps, "closed advantage Δ (κ-units)", "By closed-frontier advantage"),
        (a2, lead, leads, "Meta's lead over Mistral at 2023-01 (κ-units)", "By Meta's lead over open rivals"),
    ):
        m = np.array([e.mean for e in effects]) * 100
        lo = np.array([e.ci_low for e in effects]) * 100
        hi = np.array([e.ci_high for e in effects]) * 100
        ax.axhspan(-MARGIN * 100, MARGIN * 100, color="grey", alpha=0.25, label=f"+-{MARGIN:.0%} margin")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.errorbar(
            x, m, yerr=[m - lo, hi - m], marker="o", capsize=3, color="C0", label="Meta open vs closed (95% CI)"
        )
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        ax.set_xticks(list(x))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
    a1.set_ylabel("value per adopting developer, open / closed - 1 (%)")
    return fig
