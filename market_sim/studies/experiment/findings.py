"""Across experiments: docs/findings.md (answer first), the claims table, each experiment's report.

The findings open with the answer (:func:`~market_sim.studies.experiment.summary.answer_paragraph`),
then a compact claim table (claim, verdict, effect with its CI, where it holds: one line each),
the game's answer, the limits, each experiment in brief, and an appendix with the full "holds at"
lists. Each experiment's full report and figures are copied next to the findings
(``<report stem>_reports/<experiment>/``) so its links resolve in the repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

from market_sim.studies.experiment.context import RULE, ExperimentContext, Verdict
from market_sim.studies.experiment.report import min_replicates, quick_banner
from market_sim.studies.experiment.summary import (
    HEADLINE_PARTS,
    answer_paragraph,
    base_claim,
    clip,
    effect_cell,
    game_sentence,
    game_table,
    read_game,
    read_regions,
    where_line,
)
from market_sim.studies.report_helpers import table_lines

Contexts = list[tuple[ModuleType, ExperimentContext]]

LIMITS = (
    "Openness is a fixed strategy per run (always open, always closed, open small sizes only); vendors do "
    "not switch during a run. The game (docs/game.md) asks which fixed choices are an equilibrium.",
    "The payoffs are the AI activity's account: the complement is Meta's AI workload valued through the "
    "demand system (docs/ODD.md 7.14) plus a base that only reduced-form terms (default 0) move; its size "
    "parameters are `assumption` and swept in the discovery (docs/discovery.md).",
    "Misuse risk of open weights (part of C21) and regulation are not modelled.",
    "Five of 22 calibration targets are missed (docs/calibration.md), among them the size of the talent "
    "effect (F9); Meta's token share stays near 2-3% while the 2024 open share is mostly Google's Gemma, so "
    "Llama's lead among open models is not reproduced.",
    "No capacity limits (compute is bought at trend prices in any quantity); developers are myopic.",
    "Opening costs a vendor its API margin (hosts and self-hosting serve its weights) and hands rivals "
    "research (spillover); the model has no misuse or regulatory cost of open weights and no value of "
    "secrecy beyond the spillover, so it may understate what opening costs a frontier lab (see the game).",
)
COLUMNS = ["claim (experiment): statement", "verdict", "effect (95% CI)", "where it holds"]
QUICK_LIMIT = (
    "Verdicts from --quick mode rest on 4 seeds per point; an 'inconclusive' point there is often a power "
    "problem, not an effect of zero."
)


def verdicts_by_claim(contexts: Contexts) -> dict[str, list[str]]:
    """CLAIMS.md id -> ["experiment: label verdict", ...] over all experiments run."""
    return {c: [f"{e}: {v.claim} {v.verdict}" for e, v in entries] for c, entries in _by_claim(contexts).items()}


def _by_claim(contexts: Contexts) -> dict[str, list[tuple[str, Verdict]]]:
    out: dict[str, list[tuple[str, Verdict]]] = {}
    for module, ctx in contexts:
        for v in ctx.verdicts:
            out.setdefault(base_claim(v.claim), []).append((module.NAME, v))
    return dict(sorted(out.items(), key=lambda kv: int(kv[0][1:]) if kv[0][1:].isdigit() else 999))


def update_claims_doc(path: Path, contexts: Contexts, source: str) -> None:
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


def claim_rows(contexts: Contexts) -> list[list[str]]:
    """One row per verdict: the argument's parts first, then the other claims in CLAIMS.md order."""
    by_claim = _by_claim(contexts)
    order = [c for c in HEADLINE_PARTS if c in by_claim] + [c for c in by_claim if c not in HEADLINE_PARTS]
    return [
        [clip(f"{v.claim} ({name}): {v.statement}"), f"**{v.verdict}**", effect_cell(v), where_line(v)]
        for c in order
        for name, v in by_claim[c]
    ]


def _run_counts(contexts: Contexts) -> str:
    """'N successful runs (...): experiment n (r per point), ...' from the result sets."""
    parts, total = [], 0
    for module, ctx in contexts:
        runs = [res.runs for res in ctx.results.values()]
        ok = sum(int((r["status"] == "ok").sum()) for r in runs)
        replicates = max((int(r["replicate"].max()) + 1 for r in runs if len(r)), default=0)
        total += ok
        parts.append(f"{module.NAME} {ok:,} ({replicates} seeds per point)")
    return f"{total:,} successful runs: {', '.join(parts)}."


def copy_reports(contexts: Contexts, folder: Path) -> dict[str, Path]:
    """Each experiment's report.md and figures into ``folder/<experiment>/``; returns the report paths.

    The files written are listed in ``folder/FILES.txt``; a later call removes only files listed
    there (files it wrote), never anything else in the folder.
    """
    listing = folder / "FILES.txt"
    if listing.is_file():
        root = folder.resolve()
        for rel in listing.read_text(encoding="utf-8").split():
            old = (folder / rel).resolve()
            if old.is_relative_to(root) and old != listing.resolve() and old.is_file():  # only inside, only files
                old.unlink()
    written, reports = [], {}
    for module, ctx in contexts:
        target = folder / module.NAME
        target.mkdir(parents=True, exist_ok=True)
        for name in ["report.md", *(n for n, _ in ctx.figures)]:
            if (ctx.out / name).is_file():
                shutil.copyfile(ctx.out / name, target / name)
                written.append(f"{module.NAME}/{name}")
        reports[module.NAME] = target / "report.md"
    listing.write_text("\n".join(written) + "\n", encoding="utf-8")
    return reports


def write_findings(contexts: Contexts, path: Path, discovery: Path | None = None, game: Path | None = None) -> None:
    """docs/findings.md: the answer, the claim table, the game, the limits, each experiment, the appendix.

    ``discovery`` and ``game`` are output folders of ``market-sim discover`` and ``market-sim game``
    (default: ``discovery_run/`` and ``game_run/`` next to the report), read if present.
    """
    path = Path(path)
    discovery = path.parent / "discovery_run" if discovery is None else Path(discovery)
    game = path.parent / "game_run" if game is None else Path(game)
    regions, answer = read_regions(discovery), read_game(game)
    reports = copy_reports(contexts, path.parent / f"{path.stem}_reports")
    quick = any(ctx.quick for _, ctx in contexts)
    seeds = min(min_replicates(m.specs(ctx.quick)) for m, ctx in contexts) if contexts else 0
    lines = [quick_banner(seeds), ""] if quick else []
    lines += [
        "# Findings: does the commoditization argument hold?",
        "",
        answer_paragraph(_by_claim(contexts), regions, answer),
        "",
        f"Effects are paired differences (same seeds in both arms) with 95% CIs, at the median design point; "
        f"where a claim holds is the design points whose CI is on the predicted side. {_run_counts(contexts)} "
        f"Generated by `market-sim experiment all{' --quick' if quick else ''} --report {path}`; nothing is "
        "written by hand.",
        "",
        "## Claims",
        "",
        *table_lines(
            ["claim (experiment): statement", "verdict", "effect (95% CI)", "where it holds"], claim_rows(contexts)
        ),
        "",
        "## Equilibrium openness",
        "",
        game_sentence(answer) + " Method and tables: docs/game.md.",
        *game_table(answer),
        "",
        "## How verdicts are computed",
        "",
        f"Rule: {RULE} Scenario discovery (docs/discovery.md) samples each headline claim's `assumption` "
        "parameters and describes where it holds with PRIM boxes.",
        "",
        "## Where the model is too simple to say",
        "",
        *(f"- {limit}" for limit in LIMITS + ((QUICK_LIMIT,) if quick else ())),
    ]
    for module, ctx in contexts:
        rel = reports[module.NAME].relative_to(path.parent).as_posix()
        lines += ["", f"## {module.NAME}", "", module.QUESTION, ""]
        if ctx.figures:
            name, caption = ctx.figures[0]
            lines += [f"![{caption}]({rel.rsplit('/', 1)[0]}/{name})", "", f"*{caption}*", ""]
        lines += [f"- {v.claim} **{v.verdict}**: {v.statement}. Holds: {where_line(v)}." for v in ctx.verdicts]
        readings = [t for t in ctx.text if t.startswith(("**Reading", "**Why"))]  # the report's interpretation
        lines += [item for t in readings for item in ("", t)]
        lines += ["", f"Full report: [{rel}]({rel})."]
    appendix = ([m.NAME, v.claim, v.evidence] for m, ctx in contexts for v in ctx.verdicts)
    lines += ["", "## Appendix: where each claim holds", ""]
    lines += table_lines(["experiment", "claim", "evidence"], appendix)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
