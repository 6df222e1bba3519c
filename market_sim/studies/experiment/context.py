"""What an experiment's ``analyze`` works with: :class:`ExperimentContext`, its effects and verdicts.

Effects are paired differences with 95% Student-t CIs; a verdict is computed from them by
:data:`RULE`, never written by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from market_sim.analysis.summary import t_interval
from market_sim.errors import SpecError
from market_sim.studies.report_helpers import markdown_table, save_figure_at
from market_sim.sweep.store import SweepResult

VERDICTS = ("supported", "not supported", "depends")
RULE = (
    "A claim predicts the sign of a paired difference (same seeds in both arms). At each design point "
    "the 95% Student-t CI of the mean difference over replicates either lies entirely on the predicted "
    "side of zero (holds), entirely on the other side (fails), or contains zero (inconclusive). "
    "Verdict: **supported** if it holds at every point; **not supported** if it holds at none; "
    "**depends** otherwise, with the points where it holds listed."
)


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
    """A claim's verdict by :data:`RULE`, with the effects it was computed from and the predicted sign."""

    claim: str
    statement: str
    verdict: str
    evidence: str
    effects: list[Effect] = field(default_factory=list)
    predicted: int = 0


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
        holds, fails = holds_at(effects, predicted), fails_at(effects, predicted)
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
        v = Verdict(claim, "", word, evidence, list(effects), predicted)
        self.verdicts.append(v)
        return v

    def table(self, frame: pd.DataFrame, caption: str, digits: int = 3) -> None:
        """Add a table to the report text (Markdown)."""
        self.text += [caption, "", markdown_table(frame.round(digits)), ""]

    def figure(self, fig, name: str, caption: str) -> None:
        save_figure_at(fig, self.out / name, dpi=100)
        self.figures.append((name, caption))


def holds_at(effects: list[Effect], predicted: int) -> list[bool]:
    """Per effect: its 95% CI lies on the predicted side of zero (:data:`RULE`)."""
    return [(e.ci_low > 0) if predicted > 0 else (e.ci_high < 0) for e in effects]


def fails_at(effects: list[Effect], predicted: int) -> list[bool]:
    """Per effect: its 95% CI lies on the other side of zero."""
    return [(e.ci_high < 0) if predicted > 0 else (e.ci_low > 0) for e in effects]


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
