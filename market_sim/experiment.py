"""Experiments: one question from the source texts, its sweeps, effect sizes and verdicts.

An experiment is a Python file in ``experiments/`` (copy one to make your own) defining

    NAME = "commoditization"
    QUESTION = "Do strong open-weight models compress closed margins ...?"
    CLAIMS = {"C20": "open rivals lower closed vendors' margins", ...}
    def specs(quick: bool) -> dict[str, dict]        # sweep specs (as TOML tables), by name
    def analyze(ctx: ExperimentContext) -> None      # effects, verdicts, figures, text

Each spec runs through the sweep engine (resumable, parallel, cluster-capable) into
``<out>/<spec name>/``; ``analyze`` reads the results through ``ctx`` and records effects
(paired differences with CIs), verdicts (computed by :func:`verdict`, never written by hand)
and figures; :func:`run_experiment` writes ``report.md``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from market_sim.analysis.summary import t_interval
from market_sim.errors import SpecError
from market_sim.plots import save_figure
from market_sim.sweep import run_spec
from market_sim.sweep.store import SweepResult

VERDICTS = ("supported", "not supported", "depends")
RULE = (
    "A claim predicts the sign of a paired difference (same seeds in both arms). At each design point "
    "the 95% Student-t CI of the mean difference over replicates either lies entirely on the predicted "
    "side of zero (holds), entirely on the other side (fails), or contains zero (inconclusive). "
    "Verdict: **supported** if it holds at every point; **not supported** if it holds at none; "
    "**depends** otherwise, with the points where it holds listed."
)


def default_directory() -> Path:
    """``experiments/`` of the source tree market_sim runs from, else of the working directory."""
    here = Path(__file__).resolve().parent.parent / "experiments"
    return here if here.is_dir() else Path.cwd() / "experiments"


def load_experiments(directory: Path | None = None) -> dict[str, ModuleType]:
    """Import every ``experiments/*.py`` that defines NAME, QUESTION, CLAIMS, specs and analyze."""
    directory = Path(directory or default_directory())
    found = {}
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"market_sim_experiment_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        if all(hasattr(module, a) for a in ("NAME", "QUESTION", "CLAIMS", "specs", "analyze")):
            module.PATH = path
            found[module.NAME] = module
    return found


@dataclass
class Effect:
    """A paired difference a - b of a per-run outcome at one design point."""

    claim: str
    outcome: str
    arm_a: str
    arm_b: str
    point: str
    n: int
    mean: float
    ci_low: float
    ci_high: float


@dataclass
class Verdict:
    claim: str
    statement: str
    verdict: str
    evidence: str


@dataclass
class ExperimentContext:
    """What ``analyze`` works with: the sweep results, the output folder, and the report."""

    name: str
    out: Path
    results: dict[str, SweepResult]
    quick: bool
    effects: list[Effect] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (file name, caption)
    text: list[str] = field(default_factory=list)
    _timeseries: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def timeseries(self, spec: str) -> pd.DataFrame:
        """A spec's timeseries (successful runs), read once."""
        if spec not in self._timeseries:
            self._timeseries[spec] = self.results[spec].timeseries()
        return self._timeseries[spec]

    def frame(self, spec: str) -> pd.DataFrame:
        """The timeseries of a spec's successful runs joined with arm, point, replicate, parameters."""
        return self.timeseries(spec).merge(self.results[spec].runs, on="run_id")

    def outcome(self, spec: str, fn: Callable[[pd.DataFrame], float]) -> pd.DataFrame:
        """One value per run: ``fn(run's timeseries)``, with the run's arm, point, replicate, parameters."""
        res = self.results[spec]
        ok = res.runs[res.runs["status"] == "ok"]
        ts = self.timeseries(spec)
        values = ts.groupby("run_id").apply(fn, include_groups=False).rename("value")
        return ok.merge(values, left_on="run_id", right_index=True)

    def paired(
        self,
        claim: str,
        spec: str,
        outcome: str,
        fn: Callable[[pd.DataFrame], float],
        arm_a: str,
        arm_b: str,
        label: Callable[[pd.Series], str] | None = None,
    ) -> list[Effect]:
        """Paired differences a - b of ``fn`` per design point (pairs share point and replicate)."""
        values = self.outcome(spec, fn)
        arms_ = set(values["arm"])
        for arm in (arm_a, arm_b):
            if arm not in arms_:
                raise SpecError(f"{self.name}: arm {arm!r} not in spec {spec!r} (arms: {', '.join(sorted(arms_))})")
        a = values[values["arm"] == arm_a].set_index(["point", "replicate"])
        b = values[values["arm"] == arm_b].set_index(["point", "replicate"])
        d = (a["value"] - b["value"]).dropna().rename("d").reset_index()
        stats = d.groupby("point")["d"].agg(["count", "mean", "std"])
        low, high = t_interval(stats["mean"], stats["std"], stats["count"])
        effects = []
        for (point, row), lo, hi in zip(stats.iterrows(), low, high, strict=True):
            name = label(a.loc[point].iloc[0]) if label else f"point {point}"
            effects.append(Effect(claim, outcome, arm_a, arm_b, name, int(row["count"]), row["mean"], lo, hi))
        self.effects += effects
        return effects

    def paired_across_points(
        self,
        claim: str,
        spec: str,
        outcome: str,
        fn: Callable[[pd.DataFrame], float],
        a: dict[str, object],
        b: dict[str, object],
        pair_on: list[str],
        a_name: str | None = None,
        b_name: str | None = None,
        label: Callable[[dict], str] | None = None,
    ) -> list[Effect]:
        """Paired differences a - b of ``fn`` between two sets of design points (where :meth:`paired` compares
        two arms at the same point).

        ``a`` and ``b`` select runs by column value, e.g. ``{"training.growth_per_year": 3.5}`` (every entry must
        match; columns as in :meth:`outcome`: ``arm``, ``point``, the swept parameters). A run of ``a`` is paired
        with the run of ``b`` that has the same values of the ``pair_on`` columns and the same replicate (common
        random numbers across points); runs without a partner are dropped. One Effect per combination of the
        ``pair_on`` columns: the mean difference over replicates with its 95% t-interval. ``a_name`` and
        ``b_name`` (default: from ``a`` and ``b``) fill the effect's a - b column, ``label`` (called with a dict
        ``{column: value}`` of the ``pair_on`` columns; default: ``column = value, ...``) its point.
        """
        values = self.outcome(spec, fn)
        idx = [*pair_on, "replicate"]
        sides = []
        for which in (a, b):
            mask = pd.Series(True, index=values.index)
            for column, value in which.items():
                mask &= values[column] == value
            chosen = values[mask].set_index(idx)
            if chosen.empty or not chosen.index.is_unique:
                problem = "selects no run" if chosen.empty else f"selects several runs per {idx}"
                raise SpecError(f"{self.name}: {which} {problem} in spec {spec!r}")
            sides.append(chosen["value"])
        d = (sides[0] - sides[1]).dropna().rename("value").reset_index()

        def name(key) -> str:
            point = dict(zip(pair_on, key if isinstance(key, tuple) else (key,), strict=True))
            return (label or _describe)(point)

        effects = one_sample(claim, outcome, a_name or _describe(a), b_name or _describe(b), d, pair_on, name)
        self.effects += effects
        return effects

    def verdict(self, claim: str, effects: list[Effect], predicted: int) -> Verdict:
        """The verdict on ``claim`` from its effects by :data:`RULE`; ``predicted`` is +1 or -1."""
        holds = [(e.ci_low > 0) if predicted > 0 else (e.ci_high < 0) for e in effects]
        fails = [(e.ci_high < 0) if predicted > 0 else (e.ci_low > 0) for e in effects]
        if effects and all(holds):
            word = "supported"
        elif not any(holds):
            word = "not supported"
        else:
            word = "depends"
        where = ", ".join(e.point for e, h in zip(effects, holds, strict=True) if h) or "none"
        against = sum(fails)
        sign = "> 0" if predicted > 0 else "< 0"
        outcome = effects[0].outcome if effects else "?"
        evidence = (
            f"{outcome} ({effects[0].arm_a} - {effects[0].arm_b}) {sign} at {sum(holds)}/{len(effects)} points "
            f"[holds at: {where}]; opposite sign significant at {against}"
            if effects
            else "no data"
        )
        v = Verdict(claim, "", word, evidence)
        self.verdicts.append(v)
        return v

    def table(self, frame: pd.DataFrame, caption: str, digits: int = 3) -> None:
        """Add a table to the report text (Markdown)."""
        self.text += [caption, "", markdown_table(frame.round(digits)), ""]

    def figure(self, fig, name: str, caption: str) -> None:
        save_figure(fig, self.out / name, dpi=100)
        self.figures.append((name, caption))


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (index included)."""
    index_name = frame.index.name or ""
    header = [index_name, *map(str, frame.columns)]
    rows = [[str(i), *map(str, row)] for i, row in zip(frame.index, frame.to_numpy(), strict=True)]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(out + ["| " + " | ".join(r) + " |" for r in rows])


def one_sample(claim, outcome, arm_a, arm_b, values: pd.DataFrame, group, name) -> list[Effect]:
    """One Effect per group of ``values``: the mean of its ``value`` column over replicates with a
    95% t-interval (for effects ``ExperimentContext.paired`` cannot express, e.g. vs a threshold)."""
    s = values.groupby(group)["value"].agg(["count", "mean", "std"])
    low, high = t_interval(s["mean"], s["std"], s["count"])
    return [
        Effect(claim, outcome, arm_a, arm_b, name(key), int(row["count"]), row["mean"], lo, hi)
        for (key, row), lo, hi in zip(s.iterrows(), low, high, strict=True)
    ]


def _describe(selection: dict[str, object]) -> str:
    """A run selection of :meth:`ExperimentContext.paired_across_points` as text: 'key = value, ...'."""
    return ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in selection.items())


def final_mean(metric: str, months: int = 12) -> Callable[[pd.DataFrame], float]:
    """Outcome: the mean of ``metric`` over a run's last ``months`` months."""

    def fn(ts: pd.DataFrame) -> float:
        return float(ts.sort_values("month")[metric].iloc[-months:].mean())

    fn.__name__ = f"mean {metric}, last {months} months"
    return fn


def discounted_sum(metric: str, rate_per_year: float = 0.08) -> Callable[[pd.DataFrame], float]:
    """Outcome: sum over months of ``metric`` / (1 + r)^(month/12) (e.g. a vendor's payoff)."""

    def fn(ts: pd.DataFrame) -> float:
        m = ts["month"].to_numpy()
        return float(np.sum(ts[metric].to_numpy() / (1 + rate_per_year) ** (m / 12.0)))

    return fn


def run_experiment(
    module: ModuleType,
    out: Path,
    quick: bool,
    executor_args: dict | None = None,
    progress: bool = True,
    command: list[str] | None = None,
) -> ExperimentContext:
    """Run (or resume) every sweep of an experiment, analyse, and write ``report.md``."""
    from market_sim.sweep.executors import open_executor

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    specs = module.specs(quick)
    with open_executor(**(executor_args or {})) as ex:
        for spec_name, raw in specs.items():
            results[spec_name] = run_spec(raw, out / spec_name, ex, module.PATH.parent, command, progress)
    ctx = ExperimentContext(module.NAME, out, results, quick)
    module.analyze(ctx)
    for v in ctx.verdicts:
        v.statement = module.CLAIMS.get(v.claim, "")
    (out / "report.md").write_text(render(module, ctx, specs), encoding="utf-8")
    return ctx


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
        lines += [
            "## Effect sizes (paired differences, 95% CI)",
            "",
            "| claim | outcome | a − b | point | n | mean | 95% CI |",
            "|---|---|---|---|---:|---:|---|",
        ]
        for e in ctx.effects:
            lines.append(
                f"| {e.claim} | {e.outcome} | {e.arm_a} − {e.arm_b} | {e.point} | {e.n} | {e.mean:.4g} | "
                f"[{e.ci_low:.4g}, {e.ci_high:.4g}] |"
            )
        lines.append("")
    lines += ["## Verdicts", "", f"Rule: {RULE}", "", "| claim | statement | verdict | evidence |", "|---|---|---|---|"]
    lines += [f"| {v.claim} | {v.statement} | **{v.verdict}** | {v.evidence} |" for v in ctx.verdicts]
    return "\n".join(lines) + "\n"


def base_claim(claim: str) -> str:
    """The CLAIMS.md id of a (sub-)claim label: 'C2a' -> 'C2', 'C8-large' -> 'C8'."""
    import re

    match = re.match(r"C\d+", claim)
    return match.group(0) if match else claim


def verdicts_by_claim(contexts: list[tuple[ModuleType, ExperimentContext]]) -> dict[str, list[str]]:
    """CLAIMS.md id -> ["experiment: label verdict", ...] over all experiments run."""
    out: dict[str, list[str]] = {}
    for module, ctx in contexts:
        for v in ctx.verdicts:
            out.setdefault(base_claim(v.claim), []).append(f"{module.NAME}: {v.claim} {v.verdict}")
    return dict(sorted(out.items(), key=lambda kv: int(kv[0][1:]) if kv[0][1:].isdigit() else 999))


def update_claims_doc(path: Path, contexts: list[tuple[ModuleType, ExperimentContext]], source: str) -> None:
    """Fill the experiment and verdict columns of ``docs/claims.md`` from computed verdicts."""
    found = verdicts_by_claim(contexts)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        cells = line.split(" | ")
        if not line.startswith("| C") or len(cells) < 3:
            continue
        claim = cells[0].removeprefix("| ").strip()
        if claim in found:
            experiments = sorted({entry.split(":")[0] for entry in found[claim]})
            cells[-2] = ", ".join(f"`{e}`" for e in experiments)
            cells[-1] = "; ".join(found[claim]) + f" ({source}) |"
            lines[i] = " | ".join(cells)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


HEADLINE_PARTS = {
    "C20": "(1) closed vendors' margins compress when strong open models are present",
    "C19": "(2) value shifts from the model layer to applications",
    "C24": "(3a) opening pays off for a vendor whose revenue is a complement",
    "C18": "(3b) opening does not pay off for a vendor whose revenue is the model",
}
LIMITS = (
    "Each developer uses one model at a time (single-homing); enterprises multihome (F10), so retention, "
    "lock-in and price competition are stylised.",
    "Value per token is fixed per developer, so closed markups stay constant in USD while serving costs fall: "
    "the Lerner index approaches 1 in the projection and cannot show margin compression well; closed API "
    "revenue (C20-revenue) is where the model shows it.",
    "Vendors shrink instead of exiting (spending rules scale with cash; unaffordable releases are postponed), "
    "so the sustainability half of C21 cannot come out any other way.",
    "Misuse and regulation (C21) are not modelled; talent matching reproduces the direction of F9 but not its "
    "size (docs/calibration.md).",
)
QUICK_LIMIT = (
    "Verdicts from --quick mode rest on 4 seeds per point; an 'inconclusive' point there is often a power "
    "problem, not an effect of zero."
)


def headline(contexts: list[tuple[ModuleType, ExperimentContext]]) -> list[str]:
    """Sentences on the parts of the commoditization argument, and the answer, from the computed verdicts.

    A part holds if every verdict on its claim is *supported*, fails if every one is *not
    supported*, and is mixed otherwise; the argument holds if every part holds.
    """
    found = verdicts_by_claim(contexts)
    kinds: dict[str, set[str]] = {}
    for _, ctx in contexts:
        for v in ctx.verdicts:
            kinds.setdefault(base_claim(v.claim), set()).add(v.verdict)
    lines = [
        "The commoditization argument (C19 + C20 + C24, with C18 as its converse), part by part, as the "
        "experiments' computed verdicts say:",
        "",
    ]
    status: dict[str, list[str]] = {"holds": [], "is mixed": [], "fails": []}
    for claim, part in HEADLINE_PARTS.items():
        entries = found.get(claim)
        lines.append(f"- {part} ({claim}): {'; '.join(entries) if entries else 'not tested in this run'}.")
        if claim in kinds:
            key = {frozenset({"supported"}): "holds", frozenset({"not supported"}): "fails"}.get(
                frozenset(kinds[claim]), "is mixed"
            )
            status[key].append(part.split(" ")[0])
    if not any(status.values()):
        return lines
    answer = (
        "holds"
        if not status["is mixed"] and not status["fails"]
        else "fails"
        if not status["holds"] and not status["is mixed"]
        else "holds only in part"
    )
    plural = {"holds": "hold", "is mixed": "are mixed", "fails": "fail"}
    summary = "; ".join(
        f"parts {', '.join(p)} {plural[k]}" if len(p) > 1 else f"part {p[0]} {k}" for k, p in status.items() if p
    )
    lines += [
        "",
        f"**Answer: in this model the argument {answer}** ({summary}; a part holds if every verdict on it is "
        "*supported*, fails if every one is *not supported*, and is mixed otherwise).",
    ]
    return lines


def _run_counts(contexts: list[tuple[ModuleType, ExperimentContext]]) -> str:
    """'Runs: N successful (...): experiment n (r per point), ...' from the result sets."""
    parts, total = [], 0
    for module, ctx in contexts:
        runs = [res.runs for res in ctx.results.values()]
        ok = sum(int((r["status"] == "ok").sum()) for r in runs)
        replicates = max((int(r["replicate"].max()) + 1 for r in runs if len(r)), default=0)
        total += ok
        parts.append(f"{module.NAME} {ok:,} ({replicates} per point)")
    return f"Runs: {total:,} successful (seeds per design point in parentheses): {', '.join(parts)}."


def write_findings(contexts: list[tuple[ModuleType, ExperimentContext]], path: Path) -> None:
    """A combined report: every experiment's question, headline figure and verdicts.

    Figures are copied next to the report (``<report stem>_figures/``) so it is self-contained.
    """
    import shutil

    path = Path(path)
    fig_dir = path.parent / f"{path.stem}_figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    quick = any(ctx.quick for _, ctx in contexts)
    seeds = min(min_replicates(m.specs(ctx.quick)) for m, ctx in contexts) if contexts else 0
    lines = [quick_banner(seeds), ""] if quick else []
    lines += [
        "# Findings: does the commoditization argument hold?",
        "",
        "Generated by `market-sim experiment all"
        + (" --quick" if quick else "")
        + f" --report {path}`; every verdict is computed from the runs by the rule below, never by hand.",
        "",
        _run_counts(contexts),
        "",
        f"Rule: {RULE}",
        "",
        "| experiment | claim | statement | verdict | evidence |",
        "|---|---|---|---|---|",
    ]
    for module, ctx in contexts:
        lines += [
            f"| {module.NAME} | {v.claim} | {v.statement} | **{v.verdict}** | {v.evidence} |" for v in ctx.verdicts
        ]
    lines += ["", "## The headline", "", *headline(contexts), "", "## Where the model is too simple to say", ""]
    lines += [f"- {limit}" for limit in LIMITS + ((QUICK_LIMIT,) if quick else ())]
    lines += ["", "## Verdicts by claim", "", "| claim | verdicts (experiment: label verdict) |", "|---|---|"]
    lines += [f"| {c} | {'; '.join(entries)} |" for c, entries in verdicts_by_claim(contexts).items()]
    for module, ctx in contexts:
        lines += ["", f"## {module.NAME}", "", module.QUESTION, ""]
        if ctx.figures:
            name, caption = ctx.figures[0]
            target = fig_dir / f"{module.NAME}_{name}"
            shutil.copyfile(ctx.out / name, target)
            lines += [f"![{caption}]({fig_dir.name}/{target.name})", "", f"*{caption}*", ""]
        lines += [f"- {v.claim} **{v.verdict}**: {v.statement}. {v.evidence}" for v in ctx.verdicts]
        readings = [t for t in ctx.text if t.startswith(("**Reading", "**Why"))]  # the report's interpretation
        lines += [item for t in readings for item in ("", t)]
        lines += ["", f"Full report: `{ctx.out / 'report.md'}`."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
