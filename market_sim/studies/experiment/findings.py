"""Across experiments: the combined findings report, the claims table and the headline answer."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from market_sim.studies.experiment.context import RULE, ExperimentContext
from market_sim.studies.experiment.report import min_replicates, quick_banner
from market_sim.studies.report_helpers import table_lines


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
    ]
    rows = ([m.NAME, v.claim, v.statement, f"**{v.verdict}**", v.evidence] for m, ctx in contexts for v in ctx.verdicts)
    lines += table_lines(["experiment", "claim", "statement", "verdict", "evidence"], rows)
    lines += ["", "## The headline", "", *headline(contexts), "", "## Where the model is too simple to say", ""]
    lines += [f"- {limit}" for limit in LIMITS + ((QUICK_LIMIT,) if quick else ())]
    by_claim = ([c, "; ".join(entries)] for c, entries in verdicts_by_claim(contexts).items())
    lines += ["", "## Verdicts by claim", "", *table_lines(["claim", "verdicts (experiment: label verdict)"], by_claim)]
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
