"""Why opening pays or does not (issue 12; C6, C9, C10, C11, C19, C20, C24): a vendor's payoff
difference between two arms, split by accounting line and by channel (docs/ODD.md 7.14).

For arms a and b (default: the vendor ``always_open`` vs ``always_closed``) on the same seeds
(common random numbers), Δ = discounted profit(a) − discounted profit(b) (8%/yr, as the game).

- By accounting line: profit is model revenue − serving cost + complement revenue − inference −
  R&D compute − training runs − payroll, month by month, so Δ splits exactly into those lines.
- By channel (:data:`~market_sim.market.channels.CHANNELS`), one at a time from the full model:
  φ_c = Δ(all) − Δ(all but c); direct = Δ(no channel); residual = Δ(all) − direct − Σ φ_c.
  ``method="shapley"``: exact Shapley values of v(S) = Δ(S) − Δ(none) over all 2^n coalitions
  (residual 0).

Every row is computed per seed, so rows add up to the total seed by seed; the CI of a row is the
t interval of its per-seed values.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from market_sim.errors import UserError
from market_sim.market.channels import CHANNELS, LABELS
from market_sim.scenario import Scenario
from market_sim.studies.explain_figure import TOTAL

DISCOUNT_PER_YEAR = 0.08
SEED_ROOT = 2024
METHODS = ("one_at_a_time", "shapley")
# accounting line -> (metric column, sign in profit)
LINES = {
    "model revenue (API, service)": ("revenue", 1.0),
    "API sales to complement businesses": ("sales_to_complements", 1.0),
    "serving cost": ("serving_cost", -1.0),
    "complement revenue": ("complement", 1.0),
    "inference for own products": ("inference", -1.0),
    "R&D compute (incl. reimplementation)": ("compute", -1.0),
    "training runs": ("training_cost", -1.0),
    "payroll": ("payroll", -1.0),
}
DIRECT, RESIDUAL = "direct (every channel off)", "residual (interactions)"


@dataclass
class ExplainSetup:
    """What to compare: a vendor, two arms (dotted overrides), seeds and the method."""

    scenario: Scenario
    vendor: str
    arm_a: dict = field(default_factory=dict)
    arm_b: dict = field(default_factory=dict)
    seeds: int = 10
    months: int | None = None
    method: str = "one_at_a_time"

    def __post_init__(self):
        ids = self.scenario.vendor_ids
        if self.vendor not in ids:
            raise UserError(f"--vendor {self.vendor!r} is not allowed: expected a vendor id ({', '.join(ids)})")
        if self.method not in METHODS:
            raise UserError(f"--method {self.method!r} is not allowed: expected one of {', '.join(METHODS)}")
        if self.seeds < 2:
            raise UserError(f"--seeds {self.seeds} is not allowed: expected an integer >= 2 (CIs over seeds)")
        if not self.arm_a and not self.arm_b:
            self.arm_a = {f"vendors.{self.vendor}.openness": "always_open"}
            self.arm_b = {f"vendors.{self.vendor}.openness": "always_closed"}
        for arm in (self.arm_a, self.arm_b):  # a bad key or value is a clean error now, not in a worker
            self.scenario.with_overrides(self._common(arm))

    def _common(self, arm: dict) -> dict:
        out = dict(arm)
        if self.months is not None:
            out["run.months"] = int(self.months)
        return out

    def seed_list(self) -> list[int]:
        from market_sim.sweep.runner import replicate_seeds

        return replicate_seeds(SEED_ROOT, self.seeds)

    def coalitions(self) -> list[tuple[str, ...]]:
        """The sets of channels switched on that the method needs."""
        if self.method == "shapley":
            return [c for r in range(len(CHANNELS) + 1) for c in itertools.combinations(CHANNELS, r)]
        return [CHANNELS, (), *(tuple(x for x in CHANNELS if x != c) for c in CHANNELS)]

    def overrides(self, arm: dict, on: tuple[str, ...]) -> dict:
        out = self._common(arm)
        out.update({f"channels.{c}": c in on for c in CHANNELS})
        return out


def arm_lines(scenario_data: dict, overrides: dict, seed: int, vendor: str) -> np.ndarray:
    """Discounted sums of the vendor's accounting lines (signed as in profit) and its profit, in
    one run (a picklable task)."""
    from market_sim.model import MarketModel

    ts = MarketModel(Scenario(scenario_data).with_overrides(overrides), seed=seed).run()
    factor = (1.0 + DISCOUNT_PER_YEAR) ** (-ts["month"].to_numpy() / 12.0)
    lines = [sign * float(np.sum(ts[f"{col}_{vendor}"].to_numpy() * factor)) for col, sign in LINES.values()]
    return np.array([*lines, float(np.sum(ts[f"profit_{vendor}"].to_numpy() * factor))])


def run(setup: ExplainSetup, workers: int | None = None, progress: bool = True) -> dict:
    """All runs: ``{(arm, coalition): array (seeds x lines+1)}``."""
    from tqdm import tqdm

    from market_sim.sweep.executors import open_executor

    data, seeds = setup.scenario.to_dict(), setup.seed_list()
    keys = [(arm, on) for on in setup.coalitions() for arm in ("a", "b")]
    out = {k: np.empty((len(seeds), len(LINES) + 1)) for k in keys}
    with open_executor(workers) as info:
        futures = {
            (k, r): info.executor.submit(
                arm_lines, data, setup.overrides(setup.arm_a if k[0] == "a" else setup.arm_b, k[1]), s, setup.vendor
            )
            for k in keys
            for r, s in enumerate(seeds)
        }
        bar = tqdm(total=len(futures), unit="run", desc="explain", dynamic_ncols=True, disable=not progress)
        for (k, r), f in futures.items():
            out[k][r] = f.result()
            bar.update(1)
        bar.close()
    return out


def delta(runs: dict, on: tuple[str, ...]) -> np.ndarray:
    """Per seed: arm a − arm b, by line and (last column) profit, with channels ``on``."""
    return runs[("a", on)] - runs[("b", on)]


def channel_parts(runs: dict, method: str) -> dict[str, np.ndarray]:
    """Per-seed contributions (USD) by channel, plus direct and residual rows; they add up to
    Δ(all) seed by seed."""
    total = delta(runs, CHANNELS)[:, -1]
    base = delta(runs, ())[:, -1]
    parts = {DIRECT: base}
    if method == "shapley":
        n = len(CHANNELS)
        value = {on: delta(runs, on)[:, -1] - base for on in runs_coalitions(runs)}
        for c in CHANNELS:
            phi = np.zeros_like(total)
            for on, v in value.items():
                if c in on:
                    continue
                s = len(on)
                weight = math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
                phi += weight * (value[tuple(x for x in CHANNELS if x in on or x == c)] - v)
            parts[LABELS[c]] = phi
    else:
        for c in CHANNELS:
            parts[LABELS[c]] = total - delta(runs, tuple(x for x in CHANNELS if x != c))[:, -1]
    parts[RESIDUAL] = total - sum(parts.values())
    parts[TOTAL] = total
    return parts


def runs_coalitions(runs: dict) -> list[tuple[str, ...]]:
    return sorted({on for _, on in runs}, key=lambda on: (len(on), on))


def account_parts(runs: dict) -> dict[str, np.ndarray]:
    """Per-seed Δ by accounting line (full model); they add up to Δ(all) seed by seed."""
    d = delta(runs, CHANNELS)
    parts = {name: d[:, j] for j, name in enumerate(LINES)}
    parts[TOTAL] = d[:, -1]
    return parts


def summarise(parts: dict[str, np.ndarray], column: str) -> pd.DataFrame:
    """``column, mean, ci_low, ci_high`` (USD): mean and 95% t interval over seeds per row."""
    rows = []
    for name, x in parts.items():
        n, mean = x.size, float(np.mean(x))
        half = float(stats.t.ppf(0.975, n - 1) * np.std(x, ddof=1) / math.sqrt(n)) if n > 1 else float("nan")
        rows.append({column: name, "mean": mean, "ci_low": mean - half, "ci_high": mean + half})
    return pd.DataFrame(rows)


@dataclass
class Explanation:
    """The result of :func:`explain`: tables by channel and by accounting line (USD; columns
    ``channel|line, mean, ci_low, ci_high``) and the raw per-seed runs."""

    setup: ExplainSetup
    channels: pd.DataFrame
    accounts: pd.DataFrame
    runs: dict

    def figure(self, path=None):
        """The waterfall by channel (saved to ``path`` if given); returns the path or None."""
        from market_sim.studies.explain_figure import waterfall

        return waterfall(self.channels, "channel", f"{self.setup.vendor}: arm a − arm b by channel", path)


def explain(
    scenario: Scenario | None = None,
    vendor: str = "meta",
    arm_a: dict | None = None,
    arm_b: dict | None = None,
    seeds: int = 10,
    months: int | None = None,
    method: str = "one_at_a_time",
    workers: int | None = None,
    progress: bool = True,
) -> Explanation:
    """Why arm a pays the vendor or not, against arm b (default: ``always_open`` vs
    ``always_closed``), e.g. ``explain(vendor="meta", seeds=4).channels`` in a notebook."""
    setup = ExplainSetup(
        scenario or Scenario.default(), vendor, dict(arm_a or {}), dict(arm_b or {}), seeds, months, method
    )
    runs = run(setup, workers=workers, progress=progress)
    channels = summarise(channel_parts(runs, method), "channel")
    return Explanation(setup, channels, summarise(account_parts(runs), "line"), runs)
