"""Running a scenario and holding its result: the public ``run`` function and ``RunResult``."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from market_sim import plots
from market_sim.files import temp_dir
from market_sim.model import MarketModel
from market_sim.provenance import manifest
from market_sim.run_folder import KIND, check_target, clean_stale, install
from market_sim.scenario import Scenario


def run(scenario: Scenario | None = None, seed: int | None = 0, months: int | None = None) -> RunResult:
    """Run a scenario (default: the embedded default) for ``months`` (default: its horizon)."""
    scenario = scenario if scenario is not None else Scenario.default()
    if months is not None:
        scenario = scenario.with_overrides({"run.months": months})
    start = time.perf_counter()
    model = MarketModel(scenario, seed=seed)
    ts = model.run()
    result = RunResult(scenario, seed, ts, vendor_summary(model, ts), time.perf_counter() - start)
    release(model)
    return result


def release(model: MarketModel) -> None:
    """Drop Mesa's class-level reference to a finished model (Mesa 3.3 keeps every model that
    created an agent alive through ``Agent._ids``: about 1 MB per run in a long sweep worker)."""
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict) or hasattr(ids, "pop"):
        ids.pop(model, None)


def vendor_summary(model: MarketModel, ts: pd.DataFrame) -> pd.DataFrame:
    """One row per vendor at the final month, plus totals over the run."""
    rows = {}
    last = ts.iloc[-1]
    for v in model.vendors:
        rows[v.vid] = {
            "name": v.name,
            "open_weights": bool(v.is_open),
            "openness": v.openness_label,
            "share": last[f"share_{v.vid}"],
            "price_usd_per_mtok": last[f"price_{v.vid}"],
            "revenue_usd_per_month": last[f"revenue_{v.vid}"],
            "profit_usd_per_month": last[f"profit_{v.vid}"],
            "cumulative_profit_usd": float(ts[f"profit_{v.vid}"].sum()),
            "cash_usd": v.cash_usd,
            "capability": v.kappa,
            "researchers": last[f"researchers_{v.vid}"],
            "releases": len(v.families),
            "exit_month": v.exit_month,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "vendor"
    return out


@dataclass
class RunResult:
    """A finished run: the scenario, seed, monthly timeseries and per-vendor summary."""

    scenario: Scenario
    seed: int | None
    timeseries: pd.DataFrame
    vendors: pd.DataFrame
    wall_seconds: float = 0.0
    _figures: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        ts = self.timeseries
        span = f"{ts['date'].iloc[0]}..{ts['date'].iloc[-1]}" if len(ts) else "no months"
        share = f", share_open={ts['share_open'].iloc[-1]:.3f}" if "share_open" in ts and len(ts) else ""
        return (
            f"RunResult(seed={self.seed}, months={len(ts)} ({span}), vendors={len(self.vendors)}, "
            f"scenario={self.scenario.hash}{share}, {self.wall_seconds:.1f} s)"
        )

    def plot_adoption(self) -> Figure:
        """Token share per vendor over time (open solid, closed dashed)."""
        return plots.plot_adoption(self.timeseries, self.vendors)

    def plot_prices(self) -> Figure:
        """Closed API price, open effective cost, price at reference capability (log scale)."""
        return plots.plot_prices(self.timeseries)

    def summary(self) -> pd.DataFrame:
        """Headline numbers at the final month: per-vendor table."""
        return self.vendors[["name", "openness", "share", "price_usd_per_mtok", "profit_usd_per_month", "cash_usd"]]

    def headline(self) -> dict[str, float]:
        """Market-level numbers at the final month."""
        last = self.timeseries.iloc[-1]
        keys = (
            "share_open",
            "price_closed",
            "price_open",
            "margin_closed",
            "lag_months",
            "value_share_applications",
            "hhi",
        )
        return {k: float(last[k]) for k in keys}

    def save(
        self, out_dir: str | Path, csv: bool = False, command: list[str] | None = None, force: bool = False
    ) -> Path:
        """Write timeseries, vendors, manifest, resolved scenario and figures to ``out_dir``.

        Written into a temporary folder beside it and swapped in at the end, so an interrupted
        save never leaves a folder that looks complete. An existing ``out_dir`` is replaced only
        if it is a market_sim run folder holding the same result, or with ``force``; anything
        else there is refused (see :mod:`market_sim.run_folder`). Files follow the umask.
        """
        out_dir = Path(out_dir)
        months = len(self.timeseries)
        check_target(out_dir, self.scenario.hash, self.seed, months, force)
        parent = Path(os.path.abspath(out_dir)).parent
        parent.mkdir(parents=True, exist_ok=True)
        clean_stale(parent, out_dir.name)
        tmp = temp_dir(parent, out_dir.name)
        try:
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            if csv:
                self.timeseries.to_csv(tmp / "timeseries.csv", index=False)
            self.vendors.to_csv(tmp / "vendors.csv")
            (tmp / "scenario.toml").write_text(self.scenario.to_toml(), encoding="utf-8")
            import matplotlib.pyplot as plt

            for name, fig in (("adoption.png", self.plot_adoption()), ("prices.png", self.plot_prices())):
                fig.savefig(tmp / name, dpi=150)
                plt.close(fig)
            info = manifest(
                kind=KIND,
                scenario_hash=self.scenario.hash,
                seed=self.seed,
                months=months,
                wall_seconds=round(self.wall_seconds, 3),
                headline=_jsonable(self.headline()),
            )
            if command is not None:
                info["command_line"] = command
            (tmp / "manifest.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
            install(tmp, Path(os.path.abspath(out_dir)))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out_dir


def _jsonable(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in d.items()}
