"""What the dashboard does, without any widget: fields, overrides, runs, arms, sweeps, downloads.

Everything goes through the public API (:class:`~market_sim.Scenario`, :func:`~market_sim.run`,
:class:`~market_sim.MarketModel`, :func:`~market_sim.sweep.load_sweep`) and metric names, so the
page follows the model as it changes. Tested without a browser in ``tests/test_dashboard.py``.
"""

from __future__ import annotations

import io
import json
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from market_sim import MarketModel, Scenario, run
from market_sim.errors import UserError
from market_sim.schema import SCHEMA, STRATEGY_SLOTS, VENDOR, Field
from market_sim.strategies.registry import lookup, names

# The main market parameters offered on the page (any other key: the "more overrides" box).
MARKET_KEYS = (
    "run.months",
    "developers.count",
    "developers.choice_noise",
    "market.serving_cost_decline_per_year",
    "market.volume_growth_per_year",
    "hosts.enabled",
    "hosts.markup",
    "community.strength",
    "spillover.rate",
    "switching.closed_exit",
)
VENDOR_KEYS = ("complement_usd_per_month", "complement_ecosystem_weight", "enabled")
HEADLINE = (
    "share_open",
    "price_closed",
    "price_open",
    "margin_closed",
    "capability_closed",
    "capability_open",
    "lag_months",
    "value_share_applications",
    "value_share_model",
    "value_share_infrastructure",
    "hhi",
)
VALUE_LAYERS = {
    "value_share_applications": "applications (developer surplus)",
    "value_share_model": "model vendors",
    "value_share_infrastructure": "infrastructure (hosts, self-hosting)",
}
CAPABILITY = {"capability_closed": "best closed", "capability_open": "best open-weight"}
PRICES = {"price_closed": "closed API price", "price_open": "open-weight effective cost", "price_at_ref": "at ref."}


def error_text(exc: Exception) -> str:
    """The one line the CLI prints for the same bad input."""
    return f"market-sim: error: {exc}"


def field_for(key: str) -> Field:
    """The schema field of a market key (``section.name``) or vendor key (``vendors.v.name``)."""
    parts = key.split(".")
    if parts[0] == "vendors":
        return VENDOR[parts[-1]]
    return SCHEMA[parts[0]][parts[1]]


def strategy_fields(slot: str, strategy: str) -> dict[str, tuple[Field | None, Any]]:
    """Parameter name -> (schema field or None, default) of a registered strategy."""
    cls = lookup(slot, strategy)
    return {name: (cls.params.get(name), default) for name, default in cls.defaults().items()}


def strategy_names(slot: str) -> list[str]:
    return names(slot)


def parse_value(text: str) -> Any:
    """A field's text read as the CLI reads ``--set key=VALUE`` (TOML value, else a string)."""
    raw = text.strip()
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def format_value(value: Any) -> str:
    """A value as the text :func:`parse_value` reads back (TOML on one line, strings bare)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json.dumps(v) if isinstance(v, str) else format_value(v) for v in value) + "]"
    if isinstance(value, float):
        text = f"{value:.12g}"
        return text if any(c in text for c in ".en") else text + ".0"
    return str(value)


def ordered(overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides with a slot's strategy name before that strategy's parameters."""
    return dict(sorted(overrides.items(), key=lambda kv: kv[0].count(".")))


def build_scenario(base: Scenario, texts: dict[str, str], extra: str = "") -> Scenario:
    """``base`` with the page's fields (key -> text) and extra ``key=value`` lines applied.

    Raises the same :class:`~market_sim.errors.UserError` the CLI raises for the same input.
    """
    from market_sim.scenario import parse_assignment

    overrides = {k: parse_value(v) if isinstance(v, str) else v for k, v in texts.items()}
    for line in extra.splitlines():
        if line.strip() and not line.strip().startswith("#"):
            key, value = parse_assignment(line.strip())
            overrides[key] = value
    return base.with_overrides(ordered(overrides)) if overrides else base


def parse_seeds(text: str) -> list[int]:
    """``"1, 2, 3"`` or ``"1-5"`` -> seeds; errors read like the CLI's."""
    seeds: list[int] = []
    for part in text.replace(",", " ").split():
        lo, sep, hi = part.partition("-")
        try:
            seeds += list(range(int(lo), int(hi) + 1)) if sep else [int(lo)]
        except ValueError:
            raise UserError(f"seeds = {text!r} is not allowed: expected integers like 1, 2, 3 or 1-5") from None
    if not seeds or any(s < 0 for s in seeds) or len(seeds) > 50:
        raise UserError(f"seeds = {text!r} is not allowed: expected 1 to 50 integers >= 0")
    return seeds


def vendor_names(scenario: Scenario) -> dict[str, str]:
    vendors = scenario["vendors"]
    return {vid: vendors[vid]["name"] for vid in scenario.vendor_ids}


def vendor_table(scenario: Scenario, ts: pd.DataFrame) -> pd.DataFrame:
    """The per-vendor frame the adoption plot needs, from metric names only."""
    rows = {}
    last = ts.iloc[-1]
    for vid, name in vendor_names(scenario).items():
        is_open = bool(last.get(f"open_{vid}", False))
        rows[vid] = {"name": name, "openness": "open" if is_open else "closed", "share": last.get(f"share_{vid}")}
    return pd.DataFrame.from_dict(rows, orient="index")


def headline(ts: pd.DataFrame) -> dict[str, float]:
    """Final-month values of the headline metrics present."""
    last = ts.iloc[-1]
    return {k: float(last[k]) for k in HEADLINE if k in ts.columns}


def step_run(
    scenario: Scenario, seed: int, on_progress: Callable[[pd.DataFrame], None], every: int = 6, cancelled=None
) -> pd.DataFrame:
    """Run month by month, calling ``on_progress(timeseries so far)`` every ``every`` months.

    The same model and seed as :func:`market_sim.run`, so the final timeseries equals ``run()``'s.
    """
    model = MarketModel(scenario, seed=seed)
    while model.month < model.months:
        if cancelled is not None and cancelled():
            break
        model.run(min(every, model.months - model.month))
        on_progress(model.timeseries())
    return model.timeseries()


@dataclass
class ArmRuns:
    """Runs of several arms over the same seeds (common random numbers)."""

    seeds: list[int]
    runs: dict[str, list[pd.DataFrame]]

    def final(self, metric: str) -> pd.DataFrame:
        """Seed x arm table of the final-month value of ``metric``."""
        data = {arm: [ts[metric].iloc[-1] for ts in group] for arm, group in self.runs.items()}
        return pd.DataFrame(data, index=pd.Index(self.seeds, name="seed"))


def run_arms(
    arms: dict[str, Scenario], seeds: Iterable[int], on_progress: Callable[[int, int], None] | None = None
) -> ArmRuns:
    """Every arm over every seed with :func:`market_sim.run`."""
    seeds = list(seeds)
    runs: dict[str, list[pd.DataFrame]] = {arm: [] for arm in arms}
    total, done = len(arms) * len(seeds), 0
    for seed in seeds:
        for arm, scenario in arms.items():
            runs[arm].append(run(scenario, seed=seed).timeseries)
            done += 1
            if on_progress:
                on_progress(done, total)
    return ArmRuns(seeds, runs)


def paired_table(result: ArmRuns, metrics: Iterable[str]) -> pd.DataFrame:
    """Per metric: each arm's mean final value and the paired difference (second minus first) with its 95% CI."""
    import numpy as np
    from scipy import stats

    arms = list(result.runs)
    rows = []
    for metric in metrics:
        if any(metric not in ts for group in result.runs.values() for ts in group):
            continue
        final = result.final(metric)
        row = {"metric": metric, **{arm: final[arm].mean() for arm in arms}}
        if len(arms) == 2 and len(final) >= 2:
            d = final[arms[1]] - final[arms[0]]
            half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
            row.update({"difference": d.mean(), "ci_low": d.mean() - half, "ci_high": d.mean() + half})
        rows.append(row)
    return pd.DataFrame(rows)


def sweep_overview(path: str | Path) -> dict[str, Any]:
    """What the sweep tab shows of a sweep folder: runs, spec, summary tables and figures."""
    from market_sim.sweep import load_sweep

    root = Path(path).expanduser()
    if (root / "timeseries.parquet").exists() and not (root / "design.json").exists():
        raise UserError(
            f"{root} is a run folder (timeseries.parquet), not a sweep; open a folder under outputs/sweeps/"
        )
    try:
        result = load_sweep(root)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    runs = result.runs
    status = runs["status"].value_counts().to_dict() if len(runs) else {}
    tables = {
        name: pd.read_csv(root / name) for name in ("summary.csv", "paired_differences.csv") if (root / name).exists()
    }
    figures = sorted((root / "figures").glob("*.png")) if (root / "figures").is_dir() else []
    return {"result": result, "status": status, "tables": tables, "figures": figures}


def png(fig: Figure) -> bytes:
    """A figure as PNG bytes; pyplot figures are closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    return buf.getvalue()


def parquet_bytes(ts: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    ts.to_parquet(buf, index=False)
    return buf.getvalue()


def csv_bytes(ts: pd.DataFrame) -> bytes:
    return ts.to_csv(index=False).encode()


SLOTS = STRATEGY_SLOTS
