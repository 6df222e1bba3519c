"""An experiment's report (``report.md``): design, results, effect sizes and verdicts in Markdown."""

from __future__ import annotations

from types import ModuleType

from market_sim.studies.experiment.context import RULE, ExperimentContext
from market_sim.studies.report_helpers import table_lines

EFFECT_ALIGN = ("---", "---", "---", "---", "---:", "---:", "---")


def quick_banner(seeds: int) -> str:
    """The first line of every quick-mode report and console run."""
    return f"**Preview (quick mode, {seeds} seeds per point): verdicts may reverse in the full run; do not cite them.**"


def min_replicates(specs: dict[str, dict]) -> int:
    return min(int(raw["sweep"].get("replicates", 1)) for raw in specs.values())


def render(module: ModuleType, ctx: ExperimentContext, specs: dict[str, dict]) -> str:
    """The experiment's report in Markdown (quick mode: a preview banner on its first line)."""
    lines = [quick_banner(min_replicates(specs)), ""] if ctx.quick else []
    lines += [
        f"# Experiment `{module.NAME}`{' (quick mode)' if ctx.quick else ''}",
        "",
        f"**Question.** {module.QUESTION}",
        "",
    ]
    lines += ["**Claims tested.**", ""] + [f"- {c}: {s}" for c, s in module.CLAIMS.items()] + [""]
    lines += ["## Design", ""]
    for name, raw in specs.items():
        sw = raw["sweep"]
        params = ", ".join(f"`{k}` = {v}" for k, v in raw.get("parameters", {}).items()) or "none"
        arms_ = "; ".join(
            f"**{a}**: " + ", ".join(f"`{k}` = {v!r}" for k, v in o.items()) for a, o in raw.get("arms", {}).items()
        )
        lines += [
            f"- sweep `{name}`: design {sw.get('design', 'grid')}, {sw.get('months', 'scenario')} months, "
            f"{sw.get('replicates', 1)} replicates (seed {sw.get('seed', 0)}, common random numbers across arms "
            f"and points); parameters: {params}; arms: {arms_ or 'none'}",
        ]
    lines += ["", "## Results", ""] + ctx.text + [""]
    for name, caption in ctx.figures:
        lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    if ctx.effects:
        header = ["claim", "outcome", "a − b", "point", "n", "mean", "95% CI"]
        rows = (
            [
                e.claim,
                e.outcome,
                f"{e.arm_a} − {e.arm_b}",
                e.point,
                e.n,
                f"{e.mean:.4g}",
                f"[{e.ci_low:.4g}, {e.ci_high:.4g}]",
            ]
            for e in ctx.effects
        )
        lines += ["## Effect sizes (paired differences, 95% CI)", "", *table_lines(header, rows, EFFECT_ALIGN), ""]
    verdicts = ([v.claim, v.statement, f"**{v.verdict}**", v.evidence] for v in ctx.verdicts)
    lines += [
        "## Verdicts",
        "",
        f"Rule: {RULE}",
        "",
        *table_lines(["claim", "statement", "verdict", "evidence"], verdicts),
    ]
    return "\n".join(lines) + "\n"
