"""Does openness attract talent? (C9, F9)

Researchers' preference for visible, publishable work (``researchers.visibility_mean``: 0, 0.7, 1.4 =
F9, 2.8 utility units at full openness) x Meta's openness (always open, always closed, open small sizes
only), paired on seeds. Outcomes over the final 12 months:

- Meta's share of industry researchers: researchers_meta / sum over vendors of researchers_v;
- Meta's salary per skill unit relative to the closed frontier labs: salary_meta / mean(salary_openai,
  salary_anthropic) (F9: a publishing firm pays ~0.75-0.9 of a closed firm's wage);
- Meta's capability growth over the run, capability_meta(last) - capability_meta(first) (κ).

At visibility_mean = 0 researchers do not value openness, so any open - closed difference there comes
from other channels (community absorption C11, spillover C21, revenue and compute); the difference of
open - closed between a visibility level and 0 (a difference in differences, paired on the replicate
seed, which is common to all design points) isolates the talent channel for capability.
"""

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.analysis.plots import plot_over_time
from market_sim.analysis.summary import t_interval
from market_sim.scenario import Scenario
from market_sim.studies.experiment import Effect

NAME = "talent"
QUESTION = (
    "Does being the open leader attract AI researchers -- a larger share of talent, hired at a lower wage -- and "
    "does that show in capability growth, depending on how much researchers value visible work?"
)
WINDOW = 12
DEFAULT = Scenario.default()
F9_VIS = DEFAULT.get("researchers.visibility_mean")  # the F9 default preference
VIS = "researchers.visibility_mean"
VENDORS = ("meta", "openai", "anthropic", "google", "mistral", "alibaba", "microsoft")
CLAIMS = {
    "C9": (
        "openness attracts talent: Meta's share of industry researchers (final 12 months), Meta always open - "
        "always closed > 0, at every visibility preference > 0"
    ),
    "C9-salary": (
        "an open vendor hires at a lower wage: Meta's salary per skill unit / mean of OpenAI's and Anthropic's "
        "(final 12 months), always open - always closed < 0, at every visibility preference > 0"
    ),
}
SPEC = Path(__file__).parent / "specs" / "talent.toml"
ARMS = {"meta_open": "Meta open", "meta_open_small": "Meta open small sizes only", "meta_closed": "Meta closed"}
UNITS = {
    "researcher_share": "Meta's share of industry researchers (fraction)",
    "salary_ratio": "Meta salary / mean(OpenAI, Anthropic) per skill unit",
    "capability_growth": "Meta capability growth over the run (κ)",
}


def _hiring_rule(hiring: dict) -> str:
    """The headcount rule of Meta's hiring strategy in words (strategies/hiring.py)."""
    if hiring["strategy"] == "planned":
        return (
            f"headcount grows {hiring['growth_per_year']:.0%} a year while its compute plan is affordable, "
            "else holds, whatever its cash"
        )
    if hiring["strategy"] == "fill_rate":
        return (
            f"a payroll budget of {hiring.get('payroll_share_of_cash', 0):.1%} of cash and "
            f"{hiring.get('payroll_share_of_revenue', 0):.0%} of revenue a month"
        )
    return "see docs/strategies.md"


def specs(quick: bool) -> dict[str, dict]:
    raw = tomllib.loads(SPEC.read_text())
    if quick:
        raw["sweep"].update(replicates=4, months=48)
        # researchers.count stays at 3000 (the default): talent is the outcome here, and at 600 simulated
        # researchers Anthropic's 150 real researchers are 3 simulated ones (its salary is then often undefined)
        raw["parameters"] = {VIS: [0.0, 0.7, 1.4, 2.8], "developers.count": [2000], "researchers.count": [3000]}
    return {"main": raw}


def derived(ts: pd.DataFrame) -> pd.DataFrame:
    """Add researcher_share and salary_ratio columns to a timeseries."""
    industry = sum(ts[f"researchers_{v}"] for v in VENDORS)
    closed_salary = ts[["salary_openai", "salary_anthropic"]].mean(axis=1)  # NaN-skipping mean
    return ts.assign(researcher_share=ts["researchers_meta"] / industry, salary_ratio=ts["salary_meta"] / closed_salary)


def last(column: str):
    def fn(ts: pd.DataFrame) -> float:
        return float(derived(ts.sort_values("month")).iloc[-WINDOW:][column].mean())

    return fn


def capability_growth(ts: pd.DataFrame) -> float:
    ts = ts.sort_values("month")
    return float(ts["capability_meta"].iloc[-1] - ts["capability_meta"].iloc[0])


def label(run: pd.Series) -> str:
    return f"visibility {run[VIS]:g}"


def analyze(ctx) -> None:
    runs = ctx.results["main"].runs
    ok = runs[runs["status"] == "ok"]
    points = ok.drop_duplicates("point").set_index("point")[VIS].sort_index()
    positive = [p for p in points.index if points[p] > 0]
    arms = sorted(set(ok["arm"]))

    share = ctx.paired(
        "C9", "main", "Meta industry researcher share", last("researcher_share"), "meta_open", "meta_closed", label
    )
    salary = ctx.paired(
        "C9-salary", "main", "Meta salary ratio", last("salary_ratio"), "meta_open", "meta_closed", label
    )
    ctx.verdict("C9", [e for p, e in zip(points.index, share, strict=True) if p in positive], predicted=+1)
    ctx.verdict("C9-salary", [e for p, e in zip(points.index, salary, strict=True) if p in positive], predicted=-1)
    ctx.paired("C9", "main", "Meta capability growth (κ)", capability_growth, "meta_open", "meta_closed", label)
    if "meta_open_small" in arms:
        ctx.paired(
            "C9",
            "main",
            "Meta industry researcher share",
            last("researcher_share"),
            "meta_open_small",
            "meta_closed",
            label,
        )

    # talent channel of capability: difference in differences against visibility 0 (paired on replicate)
    growth = ctx.outcome("main", capability_growth)
    wide = growth.pivot_table(index=["replicate", VIS], columns="arm", values="value")
    d = (wide["meta_open"] - wide["meta_closed"]).unstack(VIS)
    if 0.0 in d.columns:
        for v in [c for c in d.columns if c > 0]:
            diff = (d[v] - d[0.0]).dropna()
            lo, hi = t_interval([diff.mean()], [diff.std()], [len(diff)])
            ctx.effects.append(
                Effect(
                    "C9",
                    "capability growth DiD (κ): (open - closed) at vis - at vis 0",
                    "meta_open",
                    "meta_closed",
                    f"visibility {v:g} vs 0",
                    len(diff),
                    float(diff.mean()),
                    float(lo[0]),
                    float(hi[0]),
                )
            )

    # tables and figures
    values = {}
    for name, fn in (
        ("researcher_share", last("researcher_share")),
        ("salary_ratio", last("salary_ratio")),
        ("capability_growth", capability_growth),
    ):
        values[name] = ctx.outcome("main", fn)
    beta = DEFAULT.get("researchers.salary_weight")
    ctx.text += [
        "**Design.** Visibility of an employer = share of the sizes of its latest family that are open (1 open, 0 "
        "closed, 1/3 open small only; academia 1). A researcher with preference vis_i gains vis_i x visibility "
        f"utility units, against {beta:g} ln(salary): at the default mean {F9_VIS:g} a fully open employer is as "
        f"attractive as a closed one paying {np.exp(F9_VIS / beta):.2f} times more (F9: 1/0.75 = 1.33). "
        "Industry = all vendors' researchers (academia excluded).",
        "",
    ]
    for key, v in values.items():
        table = v.groupby([VIS, "arm"])["value"].mean().unstack("arm").rename(columns=ARMS)
        table.index.name = "visibility_mean"
        when = "over the run" if key == "capability_growth" else f"mean of the final {WINDOW} months"
        ctx.table(table, f"{UNITS[key]} ({when}; mean over replicates):", 3)
    ratio = values["salary_ratio"]
    at = ratio[(ratio["arm"] == "meta_open") & np.isclose(ratio[VIS], F9_VIS)]["value"]
    if len(at):
        ctx.text += [
            f"F9 check: at the default visibility preference {F9_VIS:g}, open Meta pays {at.mean():.2f} of "
            "OpenAI's and Anthropic's mean salary per skill unit in the final year (F9: 0.75-0.9 for a "
            "publishing firm).",
            "",
        ]
    ctx.figure(
        _panels(values),
        "talent_vs_visibility.png",
        "Meta's industry researcher share, relative salary (F9 band shaded) and capability growth vs "
        "researchers' visibility preference, per arm (mean, 95% CI)",
    )
    frame = derived(ctx.results["main"].timeseries())
    default = points.index[np.argmin(np.abs(points.to_numpy() - F9_VIS))]
    sub = ok[ok["point"] == default].copy()
    sub["arm"] = sub["arm"].map(ARMS)
    for metric in ("researcher_share", "salary_ratio"):
        fig = plot_over_time(
            sub,
            frame,
            metric,
            by="arm",
            units=UNITS,
            title=f"{UNITS[metric]} at visibility {points[default]:g} (mean, 95% CI)",
        )
        ctx.figure(
            fig,
            f"{metric}_over_time.png",
            f"{UNITS[metric]} over time per arm at visibility_mean {points[default]:g}; bands: 95% CI over seeds",
        )
    hiring = DEFAULT.get("vendors.meta.hiring")
    turnover = DEFAULT.get("researchers.turnover")
    ctx.text += [
        f"**Reading C9.** Meta's headcount is set by its hiring strategy (`{hiring['strategy']}`: "
        + _hiring_rule(hiring)
        + "; the offer is raised when slots do not fill and lowered when there are more than two applicants "
        "per slot). Openness therefore shows in the wage (the compensating differential of F9), in the "
        "applicants per slot, from which Meta takes the most skilled, and in the share of industry researchers "
        "it holds. "
        "`salary_<v>` is the mean over staff of the salary each was hired at, so staff hired before the run's "
        f"changes (at {DEFAULT.get('researchers.initial_salary_usd'):,.0f} USD per skill unit) dilute it: at "
        f"{turnover:.0%} monthly turnover about {(1 - turnover) ** 48:.0%} of the 2023 staff is still employed "
        f"after 48 months, {(1 - turnover) ** 96:.0%} after 96. Researchers' skill per head and research capacity "
        "are not in the timeseries; capability growth is the downstream outcome, and its difference in "
        "differences against visibility 0 separates the talent channel from community absorption and spillover, "
        "which act at any visibility.",
        "",
        "**Limits.** Talent preferences are fixed normal draws; there is no reputation that builds up over "
        "releases, no poaching of named teams, and compute per researcher enters only as a utility term. "
        "Academia is also fully visible, so a stronger taste for visibility draws researchers out of industry "
        "altogether.",
        "",
    ]


def _panels(values: dict[str, pd.DataFrame]):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 4.2), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, (name, v) in zip(axes, values.items(), strict=True):
        for i, (arm, grp) in enumerate(sorted(v.groupby("arm"), key=lambda kv: list(ARMS).index(kv[0]))):
            s = grp.groupby(VIS)["value"].agg(["mean", "std", "count"])
            lo, hi = t_interval(s["mean"], s["std"], s["count"])
            x = s.index.to_numpy() + (i - 1) * 0.03
            ax.errorbar(
                x,
                s["mean"],
                yerr=[s["mean"] - lo, hi - s["mean"]],
                marker="o",
                capsize=3,
                label=ARMS.get(arm, arm),
                color=f"C{i}",
            )
        if name == "salary_ratio":
            ax.axhspan(0.75, 0.9, color="grey", alpha=0.2, label="F9: 0.75-0.9")
        ax.set_xlabel("researchers' visibility preference, mean (utility units)")
        ax.set_ylabel(UNITS[name])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
    axes[0].set_title("Talent share")
    axes[1].set_title("Relative salary")
    axes[2].set_title("Capability growth")
    return fig
