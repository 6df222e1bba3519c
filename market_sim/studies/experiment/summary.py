"""The first screen of docs/findings.md: effects in words, one-line regions, the answer paragraph.

Everything here is computed from the verdicts of the experiments, the scenario-discovery summary
(``market-sim discover``: ``summary.csv``, ``boxes.csv``) and the game's ``answer.json``
(``market-sim game``); nothing is written by hand. Cells are kept under :data:`CELL_LIMIT`
characters (issue 13); the full "holds at" lists go to the findings' appendix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from market_sim.labels import label, parts
from market_sim.studies.boxes import bound_text
from market_sim.studies.experiment.context import Effect, Verdict, fails_at, holds_at
from market_sim.studies.report_helpers import table_lines

CELL_LIMIT = 300
LOOSE = 0.5  # a PRIM box that keeps more than this share of every sampled range is not a compact region
MONEY = {1e9: "bn", 1e6: "M"}

# the parts of the argument: claim -> (what it says, the experiment whose verdict answers it)
HEADLINE_PARTS = {
    "C20": ("(1a) closed vendors' margins compress when strong open models are present", "commoditization"),
    "C22": ("(1b) what is left of closed prices is a premium for superior capability", "capability_gap"),
    "C19": ("(2) value shifts from the model layer to applications", "commoditization"),
    "C24": ("(3a) opening pays off for a vendor whose revenue is a complement", "who_should_open"),
    "C18": ("(3b) opening does not pay off for a vendor whose revenue is the model", "who_should_open"),
}


def base_claim(claim: str) -> str:
    """The CLAIMS.md id of a (sub-)claim label: 'C2a' -> 'C2', 'C8-large' -> 'C8'."""
    match = re.match(r"C\d+", claim)
    return match.group(0) if match else claim


def unit_of(outcome: str) -> str:
    """The unit of an effect's outcome: a trailing '(unit)' in its text, else the metric's unit."""
    match = re.search(r"\(([^()]*)\)\s*$", outcome)
    if match:
        return match.group(1)
    return parts(outcome.split(" ")[0])[1]


def number(x: float, scale: float = 1.0) -> str:
    """A signed value to 2 significant digits, without exponents from 10 up: '+1.9', '-0.077', '+140'."""
    v = x / scale
    return f"{v:+.0f}" if abs(v) >= 10 else f"{v:+#.2g}".removesuffix(".")


def effect_text(e: Effect) -> str:
    """'+1.9 [+1.4, +2.5] bn USD': the mean and its 95% CI in the outcome's unit, money scaled."""
    unit = unit_of(e.outcome)
    scale, prefix = 1.0, ""
    if "USD" in unit and "Mtok" not in unit:
        top = max(abs(e.mean), abs(e.ci_low), abs(e.ci_high))
        scale, prefix = next(((s, f"{n} ") for s, n in MONEY.items() if top >= s), (1.0, ""))
    shown = f"{prefix}{unit}".strip()
    text = f"{number(e.mean, scale)} [{number(e.ci_low, scale)}, {number(e.ci_high, scale)}]"
    return f"{text} {shown}" if shown else text


def headline_effect(v: Verdict) -> Effect | None:
    """The effect at the median design point (by its mean): the verdict's typical size."""
    if not v.effects:
        return None
    ordered = sorted(v.effects, key=lambda e: e.mean)
    return ordered[(len(ordered) - 1) // 2]


def effect_cell(v: Verdict) -> str:
    e = headline_effect(v)
    if e is None:
        return "no data"
    where = "" if len(v.effects) == 1 else f" (median of {len(v.effects)} points: {e.point})"
    return clip(f"{label_of(e.outcome)}, {e.arm_a} − {e.arm_b}: {effect_text(e)}{where}")


def label_of(outcome: str) -> str:
    """An outcome in words without its unit ('margin_closed' -> 'closed Lerner margin (p - c)/p',
    'Meta payoff (USD)' -> 'Meta payoff'); the unit is printed with the number."""
    text = label(outcome)
    unit = unit_of(outcome)
    return text.removesuffix(f" ({unit})") if unit else text


def where_line(v: Verdict) -> str:
    """Where a verdict holds, in one line under :data:`CELL_LIMIT` characters."""
    n = len(v.effects)
    if not n:
        return "no data"
    h, f = holds_at(v.effects, v.predicted), fails_at(v.effects, v.predicted)
    against = f"; opposite sign significant at {sum(f)}" if any(f) else ""
    if all(h):
        return "at the one point tested" if n == 1 else f"at all {n} points tested"
    if not any(h):
        return ("not at the one point tested" if n == 1 else f"at none of the {n} points tested") + against
    points = "; ".join(e.point for e, ok in zip(v.effects, h, strict=True) if ok)
    return clip(f"{sum(h)} of {n} points{against}: {points}")


def clip(text: str, limit: int = CELL_LIMIT) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with '… (appendix)'."""
    if len(text) <= limit:
        return text
    tail = " … (appendix)"
    cut = text[: limit - len(tail)].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + tail


@dataclass
class Region:
    """A claim's scenario-discovery result (``market-sim discover``)."""

    claim: str
    points: int
    holds_share: float
    coverage: float
    density: float
    bounds: pd.DataFrame  # parameter, low, high, sampled_low, sampled_high, width (share of the sampled range)
    importance: list[str]  # parameters by CART importance, most important first
    quick: bool

    def sentence(self) -> str:
        """Where the claim holds across its assumptions, in one sentence: the share of sampled points,
        then the PRIM box: scattered (no box), no compact region (every bound keeps more than
        :data:`LOOSE` of its range while the claim holds rarely), or the box's tightest bounds.
        Where PRIM draws no region, CART's two leading splits say what matters most."""
        if self.holds_share == 0:
            return f"across its assumptions it holds at none of {self.points} sampled points"
        head = f"across its assumptions it holds at {self.holds_share:.0%} of {self.points} sampled points"
        head += " (quick-mode preview)" if self.quick else ""
        bounds = self.bounds.set_index("parameter")
        if bounds.empty:
            return f"{head}, scattered (no PRIM box reaches density 80%){self._splits()}"
        tight = bounds.sort_values("width").head(3)
        quality = f"coverage {self.coverage:.0%}, density {self.density:.0%}"
        if tight["width"].min() > LOOSE and self.holds_share < 0.5:
            return (
                f"{head}, with no compact region: the PRIM box ({quality}) keeps at least "
                f"{tight['width'].min():.0%} of every parameter's range{self._splits()}"
            )
        limits = [
            bound_text(label(p), r.low, r.high, r.sampled_low, r.sampled_high, signs=("≤", "≥"))
            for p, r in tight.iterrows()
        ]
        where = ", ".join(limits[:-1]) + " and " + limits[-1] if len(limits) > 1 else limits[0]
        shown = f"; its {len(tight)} tightest of {len(bounds)} bounds" if len(bounds) > len(tight) else ""
        return f"{head}; it holds where {where} (PRIM box: {quality}{shown})"

    def _splits(self) -> str:
        lead = " and ".join(label(p) for p in self.importance[:2])
        return f"; CART ranks {lead} most important" if lead else ""


def read_regions(folder: Path | None) -> dict[str, Region]:
    """Discovery regions from ``folder`` (summary.csv, boxes.csv, discovery_manifest.json), if there."""
    if folder is None or not (Path(folder) / "summary.csv").is_file():
        return {}
    folder = Path(folder)
    summary = pd.read_csv(folder / "summary.csv")
    boxes = pd.read_csv(folder / "boxes.csv") if (folder / "boxes.csv").is_file() else pd.DataFrame()
    manifest = folder / "discovery_manifest.json"
    quick = bool(json.loads(manifest.read_text()).get("quick")) if manifest.is_file() else False
    out = {}
    for row in summary.itertuples(index=False):
        importance = [part.rsplit(" ", 1)[0] for part in str(row.cart_importance).split(", ") if " " in part]
        mine = boxes[boxes["claim"] == row.claim] if len(boxes) else pd.DataFrame(columns=["parameter", "low", "high"])
        mine = mine[["parameter", "low", "high"]]
        mine = pd.concat([mine, _sampled(mine, folder / f"{row.claim}_points.csv")], axis=1)
        out[row.claim] = Region(
            row.claim, int(row.points), float(row.holds_share), float(row.coverage), float(row.density),
            mine, importance, quick,
        )  # fmt: skip
    return out


def _sampled(box: pd.DataFrame, points_file: Path) -> pd.DataFrame:
    """Each bound's parameter's sampled range (from the points; the bound itself if they are missing)
    and the bound's width as a share of that range."""
    sampled = pd.read_csv(points_file) if points_file.is_file() else pd.DataFrame()
    rows = []
    for p, low, high in box[["parameter", "low", "high"]].itertuples(index=False):
        lo, hi = (sampled[p].min(), sampled[p].max()) if p in sampled else (low, high)
        width = float((min(high, hi) - max(low, lo)) / (hi - lo)) if hi > lo else 1.0
        rows.append({"sampled_low": lo, "sampled_high": hi, "width": width})
    return pd.DataFrame(rows, columns=["sampled_low", "sampled_high", "width"], index=box.index)


def read_game(folder: Path | None) -> dict | None:
    """The game's ``answer.json`` from ``folder``, if there (``best_deviations``: each vendor's best
    deviation from the observed pattern)."""
    path = Path(folder) / "answer.json" if folder is not None else None
    if path is None or not path.is_file():
        return None
    answer = json.loads(path.read_text())
    answer.setdefault("best_deviations", [])
    return answer


def game_table(game: dict | None) -> list[str]:
    """Each vendor's best unilateral deviation from the observed pattern: gain in USD bn with its 95% CI."""
    rows = [
        [d["player"], d["from"], d["to"], f"{d['gain_bn_usd']:+.1f} [{d['ci_low']:+.1f}, {d['ci_high']:+.1f}]"
         + (" *" if d["significant"] else "")]
        for d in (game or {}).get("best_deviations", [])
    ]  # fmt: skip
    if not rows:
        return []
    head = ["vendor", "plays (2024-2025)", "best deviation", "gain, USD bn (95% CI; * significant)"]
    return ["", *table_lines(head, rows)]


def game_sentence(game: dict | None) -> str:
    """The game's answer in one sentence (or what is missing)."""
    if game is None:
        return "The empirical game (`market-sim game`) has not been run for these findings."
    players = ", ".join(game["players"])
    head = (
        f"In the empirical game ({len(game['players'])} vendors: {players}; {game['seeds']} seeds, "
        f"{game['profiles_evaluated']} profiles{'; quick-mode preview' if game['quick'] else ''})"
    )
    eq = game["equilibria"]
    found = (
        "pure equilibria found: "
        + "; ".join(", ".join(f"{v} {s}" for v, s in e.items()) for e in eq[:3])
        + (f" (+{len(eq) - 3} more)" if len(eq) > 3 else "")
        if eq
        else "no pure equilibrium was found within the search budget"
    )
    if game["observed"] is None:
        return f"{head} the 2024-2025 pattern is not a profile of the game; {found}."
    r = game["regret"]
    if r is None:
        return f"{head} the 2024-2025 pattern's deviations were not all simulated; {found}."
    word = "is an equilibrium" if game["observed_is_equilibrium"] else "is **not** an equilibrium"
    return (
        f"{head} the 2024-2025 openness pattern {word} of the model: its regret is {r['mean'] / 1e9:+.2f} bn USD "
        f"[{r['ci_low'] / 1e9:+.2f}, {r['ci_high'] / 1e9:+.2f}] ({r['vendor']} deviating to {r['deviation']}); "
        f"{found}."
    )


def answer_paragraph(verdicts: dict[str, list[tuple[str, Verdict]]], regions: dict[str, Region], game: dict | None):
    """The one-paragraph answer: each part's verdict with its effect and region, the overall answer, the game.

    ``verdicts``: CLAIMS.md id -> [(experiment, verdict), ...]. A part holds if every verdict on its
    claim is *supported*, fails if every one is *not supported*, and is mixed otherwise; the
    argument holds if every part holds.
    """
    sentences, status = [], {"hold": [], "mixed": [], "fail": []}
    for claim, (part, experiment) in HEADLINE_PARTS.items():
        entries = verdicts.get(claim, [])
        if not entries:
            sentences.append(f"{part} ({claim}): not tested in this run.")
            continue
        v = next((v for e, v in entries if e == experiment and v.claim == claim), entries[0][1])
        e = headline_effect(v)
        size = f", {effect_text(e)}" if e is not None else ""
        others = [
            f"{w.claim} {w.verdict}" + ("" if name == experiment else f" in {name}")
            for name, w in entries
            if w is not v
        ]
        region = f"; {regions[claim].sentence()}" if claim in regions else ""
        sentences.append(
            f"{part} ({claim}): **{v.verdict}** ({label_of(e.outcome) if e else ''}{size}; {where_line(v)}"
            + (f"; also {', '.join(others)}" if others else "")
            + f"){region}."
        )
        kinds = {w.verdict for _, w in entries}
        key = "hold" if kinds == {"supported"} else "fail" if kinds == {"not supported"} else "mixed"
        status[key].append(part.split(" ")[0])
    tested = [p for ps in status.values() for p in ps]
    if not tested:
        return " ".join(sentences)
    answer = (
        "holds"
        if len(status["hold"]) == len(tested)
        else "fails"
        if len(status["fail"]) == len(tested)
        else "holds only in part"
    )
    verbs = {"hold": ("holds", "hold"), "mixed": ("is mixed", "are mixed"), "fail": ("fails", "fail")}
    summary = "; ".join(
        f"{'part' if len(ps) == 1 else 'parts'} {', '.join(ps)} {verbs[k][len(ps) > 1]}"
        for k, ps in status.items()
        if ps
    )
    return (
        f"**Does the commoditization argument hold? In this model it {answer}** ({summary}). "
        + " ".join(sentences)
        + " "
        + game_sentence(game)
    )
