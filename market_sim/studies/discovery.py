"""Scenario discovery: where in parameter space each headline claim holds (``market-sim discover``).

For each claim of ``discovery_claims.toml`` (C18, C19, C20, C22, C24): a Latin hypercube over the
`assumption` parameters its mechanisms touch, the claim's two arms at every point with common
random numbers (the sweep engine: resumable, verified Parquet results), and per point the paired
mean d = mean_r [y_a(r) - y_b(r)] over R seeds with its 95% t-interval. The claim *holds* at a
point when the interval lies on the predicted side (a point whose interval straddles 0 does not
hold: noise is not evidence). PRIM and CART then describe the region where it holds
(:mod:`market_sim.studies.boxes`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.errors import UserError
from market_sim.studies.boxes import BoxResult, cart_view, prim_box

CLAIMS_FILE = Path(__file__).with_name("discovery_claims.toml")
REDUCERS = ("final_mean", "discounted_sum")
SEED = 2025
POINTS, SEEDS = 64, 6  # the default budget per claim (a claim of the file may set its own)


@dataclass
class DiscoveryClaim:
    """One claim's paired comparison and the box of parameters it is sampled over."""

    id: str
    statement: str
    arm_a: dict
    arm_b: dict
    outcome: str
    reduce: str
    predicted: int
    parameters: dict[str, tuple[float, float]]
    points: int | None = None  # its own budget (the file's ``points``, ``seeds``), else the default
    seeds: int | None = None

    def value(self, ts: pd.DataFrame) -> float:
        """The run's outcome: mean of the last 12 months, or the sum discounted at 8%/yr."""
        from market_sim.studies.experiment import discounted_sum, final_mean

        fn = final_mean(self.outcome, 12) if self.reduce == "final_mean" else discounted_sum(self.outcome)
        return fn(ts)


def load_claims(path: Path = CLAIMS_FILE) -> dict[str, DiscoveryClaim]:
    """The claims file, validated (a bad entry names the claim, the key and what is allowed)."""
    raw = tomllib.loads(Path(path).read_text())
    out = {}
    for cid, c in raw.get("claims", {}).items():
        where = f"{path}: claims.{cid}"
        if c.get("reduce") not in REDUCERS:
            raise UserError(f"{where}.reduce = {c.get('reduce')!r} is not allowed: expected one of {REDUCERS}")
        if c.get("predicted") not in (1, -1):
            raise UserError(f"{where}.predicted = {c.get('predicted')!r} is not allowed: expected 1 or -1")
        params = {}
        for key, bounds in c.get("parameters", {}).items():
            if not (isinstance(bounds, list) and len(bounds) == 2 and float(bounds[0]) < float(bounds[1])):
                raise UserError(
                    f"{where}.parameters.{key} = {bounds!r} is not allowed: expected [low, high], low < high"
                )
            params[key] = (float(bounds[0]), float(bounds[1]))
        if len(params) < 2:
            raise UserError(f"{where}.parameters is not allowed: expected at least two parameters")
        for key, least in (("points", 8), ("seeds", 2)):
            if key in c and not (isinstance(c[key], int) and c[key] >= least):
                raise UserError(f"{where}.{key} = {c[key]!r} is not allowed: expected an integer >= {least}")
        out[cid] = DiscoveryClaim(
            cid, c["statement"], c["arm_a"], c["arm_b"], c["outcome"], c["reduce"], int(c["predicted"]), params,
            c.get("points"), c.get("seeds"),
        )  # fmt: skip
    return out


@dataclass
class DiscoverySetup:
    """Budget: LHS points and seeds per point and arm (None: each claim's own, else :data:`POINTS`,
    :data:`SEEDS`), months, developers per run."""

    claims: list[str] = field(default_factory=lambda: ["C18", "C19", "C20", "C22", "C24"])
    points: int | None = None
    seeds: int | None = None
    months: int | None = None
    developers: int = 5000
    quick: bool = False

    def __post_init__(self):
        known = load_claims()
        for c in self.claims:
            if c not in known:
                raise UserError(f"--claims {c!r} is not allowed: expected some of {', '.join(known)}")
        if self.points is not None and self.points < 8:
            raise UserError(f"--points {self.points} is not allowed: expected an integer >= 8")
        if self.seeds is not None and self.seeds < 2:
            raise UserError(f"--seeds {self.seeds} is not allowed: expected an integer >= 2 (paired CIs)")

    def budget(self, claim: DiscoveryClaim) -> tuple[int, int]:
        """(LHS points, seeds) for ``claim``: the setup's if given, else the claim's own, else the default."""
        points = self.points if self.points is not None else claim.points or POINTS
        seeds = self.seeds if self.seeds is not None else claim.seeds or SEEDS
        return points, seeds

    def spec(self, claim: DiscoveryClaim) -> dict:
        """The claim's sweep spec (as the TOML tables of docs/experiments.md)."""
        points, seeds = self.budget(claim)
        sweep = {
            "name": f"discover-{claim.id}",
            "scenario": "default",
            "replicates": seeds,
            "seed": SEED,
            "design": "lhs",
            "samples": points,
            "metrics": [claim.outcome],
        }
        if self.months is not None:
            sweep["months"] = self.months
        return {
            "sweep": sweep,
            "parameters": {k: list(v) for k, v in claim.parameters.items()},
            "arms": {"a": claim.arm_a, "b": claim.arm_b},
            "fixed": {"developers.count": self.developers},
        }


def point_outcomes(claim: DiscoveryClaim, runs: pd.DataFrame, ts: pd.DataFrame) -> pd.DataFrame:
    """One row per LHS point: its parameter values, n pairs, paired mean a - b, 95% CI, holds."""
    from market_sim.analysis.summary import t_interval

    ok = runs[runs["status"] == "ok"]
    values = ts.groupby("run_id").apply(claim.value, include_groups=False).rename("value")
    v = ok.merge(values, left_on="run_id", right_index=True)
    a = v[v["arm"] == "a"].set_index(["point", "replicate"])["value"]
    b = v[v["arm"] == "b"].set_index(["point", "replicate"])["value"]
    d = (a - b).dropna().rename("d").reset_index()
    stats = d.groupby("point")["d"].agg(["count", "mean", "std"])
    low, high = t_interval(stats["mean"], stats["std"], stats["count"])
    params = ok.drop_duplicates("point").set_index("point")[list(claim.parameters)]
    out = params.join(stats.rename(columns={"count": "n"}))
    out["ci_low"], out["ci_high"] = low, high
    out["holds"] = (out["ci_low"] > 0) if claim.predicted > 0 else (out["ci_high"] < 0)
    return out.sort_index()


@dataclass
class ClaimRegion:
    """A claim's discovery result: the points, the PRIM box, the CART rules and importances."""

    claim: DiscoveryClaim
    points: pd.DataFrame
    box: BoxResult
    rules: str
    importance: pd.Series
    dropped: int = 0  # points without a finite paired CI (failed runs), left out

    def sentence(self) -> str:
        from market_sim.labels import label

        share = self.points["holds"].mean()
        names = {k: label(k) for k in self.claim.parameters}
        left_out = f" ({self.dropped} points without a paired CI left out)" if self.dropped else ""
        if not self.points["holds"].any():
            return f"{self.claim.id} holds nowhere in the sampled box (0 of {len(self.points)} points){left_out}."
        return (
            f"{self.claim.id} holds at {int(self.points['holds'].sum())} of {len(self.points)} points "
            f"({share:.0%}){left_out}; PRIM box: {self.box.describe(names)}."
        )


def analyse(claim: DiscoveryClaim, runs: pd.DataFrame, ts: pd.DataFrame) -> ClaimRegion:
    """PRIM and CART on the points with a finite paired CI (a point whose runs failed, leaving
    fewer than two pairs, says nothing either way and is left out, counted in ``dropped``)."""
    points = point_outcomes(claim, runs, ts)
    finite = np.isfinite(points[["ci_low", "ci_high"]].to_numpy(float)).all(axis=1)
    dropped, points = int((~finite).sum()), points[finite]
    x = points[list(claim.parameters)].astype(float)
    y = points["holds"].to_numpy(bool)
    box = prim_box(x, y)
    rules, importance = (
        cart_view(x, y) if 0 < y.sum() < y.size else ("(all points alike: no tree)", pd.Series(dtype=float))
    )
    return ClaimRegion(claim, points, box, rules, importance, dropped)


def discover(
    setup: DiscoverySetup, out: Path, executor_args: dict | None = None, progress: bool = True, command=None
) -> list[ClaimRegion]:
    """Run (or resume) every claim's sweep into ``out/<claim>/`` and analyse it."""
    from market_sim.sweep.executors import open_executor
    from market_sim.sweep.runner import run_spec

    claims = load_claims()
    regions = []
    with open_executor(**(executor_args or {})) as ex:
        for cid in setup.claims:
            claim = claims[cid]
            result = run_spec(setup.spec(claim), Path(out) / cid, ex, CLAIMS_FILE.parent, command, progress)
            regions.append(analyse(claim, result.runs, result.timeseries([claim.outcome])))
    return regions


def holds_summary(regions: list[ClaimRegion]) -> pd.DataFrame:
    """One row per claim: points, share holding, the PRIM box line, the top CART parameters."""
    rows = []
    for r in regions:
        top = ", ".join(f"{k} {v:.2f}" for k, v in r.importance.head(3).items() if v > 0)
        rows.append(
            {
                "claim": r.claim.id,
                "points": len(r.points),
                "seeds": int(r.points["n"].max()) if len(r.points) else 0,
                "holds_share": float(r.points["holds"].mean()),
                "box": r.box.describe(),
                "coverage": r.box.coverage,
                "density": r.box.density,
                "cart_importance": top,
            }
        )
    return pd.DataFrame(rows)
