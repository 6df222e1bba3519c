"""``market-sim analyze DIR``: the standard tables and figures of a sweep, written next to it.

The metrics are the spec's ``metrics`` (else the headline metrics present), or those asked for.
Tables are merged: rows of other metrics or windows already in a table are kept, so analysing
``--metrics a`` after ``--metrics b`` leaves both; a column ``window_months`` tells them apart.

summary.csv                 mean and 95% CI over replicates of each metric's final-window value,
                            per arm and design point
paired_differences.csv      per point, the CRN-paired difference of every other arm minus the first
indices.csv, indices.png    Sobol (first, total order) or Morris indices, for those designs
figures/over_time_<m>.png   each metric over time, mean and 95% band per arm (the adoption curves)
figures/heatmap_<m>.png     final-window mean over the first two swept numeric parameters (grid)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from market_sim.analysis.plots import plot_heatmap, plot_indices, plot_over_time
from market_sim.analysis.sensitivity import indices_for_sweep
from market_sim.analysis.summary import arms, paired_differences, summarize
from market_sim.plots import save_figure
from market_sim.sweep.store import load_sweep

HEADLINE = ("share_open", "margin_closed", "price_closed", "value_share_applications", "lag_months", "hhi")
MAX_POINTS_AS_GROUPS = 8


def analyze_sweep(path: str | Path, metrics: list[str] | None = None, window_months: int = 12) -> list[Path]:
    """Write the summary tables and figures of the sweep in ``path``; returns the files written."""
    root = Path(path)
    if (root / "timeseries.parquet").exists() and not (root / "design.json").exists():
        raise ValueError(
            f"{path} is a run folder (written by market-sim run), not a sweep: analyze takes a folder written by "
            "market-sim sweep, e.g. outputs/sweeps/demo"
        )
    result = load_sweep(path)
    runs = result.runs
    ts = result.timeseries()
    if ts.empty:
        raise ValueError(f"{path}: no successful runs to analyse yet")
    available = [c for c in ts.columns if c not in ("run_id", "month", "date")]
    if metrics is None:
        listed = (result.spec.get("sweep") or {}).get("metrics")
        metrics = [m for m in listed if m in available] if listed else []
        metrics = metrics or [m for m in HEADLINE if m in available] or available[:6]
    missing = [m for m in metrics if m not in available]
    if missing:
        raise ValueError(f"metric(s) {', '.join(missing)} not in this sweep's results (have: {', '.join(available)})")
    written: list[Path] = []

    table = summarize(runs, ts, metrics, window_months=window_months)
    written.append(_merge_csv(root / "summary.csv", table, metrics, window_months))

    arm_names = [a for a in arms(runs) if a]
    if len(arm_names) >= 2:
        diffs = [
            paired_differences(runs, ts, metrics, other, arm_names[0], window_months=window_months).assign(
                arm_a=other, arm_b=arm_names[0]
            )
            for other in arm_names[1:]
        ]
        import pandas as pd

        written.append(
            _merge_csv(root / "paired_differences.csv", pd.concat(diffs, ignore_index=True), metrics, window_months)
        )

    design = result.design
    if design.get("design") in ("sobol", "morris"):
        X = np.asarray(design["X"])
        indices = indices_for_sweep(
            design["design"], design["problem"], X, runs, ts, metrics, window_months, on_missing="nan"
        )
        _merge_csv(root / "indices.csv", indices, metrics, window_months)
        fig = plot_indices(indices)
        save_figure(fig, root / "indices.png", dpi=120)
        written += [root / "indices.csv", root / "indices.png"]

    figures = root / "figures"
    figures.mkdir(exist_ok=True)
    by = _over_time_groups(runs, arm_names)
    for metric in metrics:
        fig = plot_over_time(runs, ts, metric, by=by)
        save_figure(fig, figures / f"over_time_{metric}.png", dpi=120)
        written.append(figures / f"over_time_{metric}.png")
    numeric = [p["key"] if isinstance(p, dict) else p for p in _grid_numeric_parameters(design)]
    if design.get("design") == "grid" and len(numeric) >= 2:
        for metric in metrics:
            fig = plot_heatmap(
                runs,
                ts,
                metric,
                numeric[0],
                numeric[1],
                window_months,
                arm=arm_names[0] if arm_names else None,
            )
            save_figure(fig, figures / f"heatmap_{metric}.png", dpi=120)
            written.append(figures / f"heatmap_{metric}.png")
    return written


def _merge(path: Path, table, metrics: list[str], window_months: int):
    """``table`` (with a window column) after the rows of ``path`` for other metrics or windows."""
    import pandas as pd

    table = table.assign(window_months=window_months)
    if not path.exists():
        return table
    old = pd.read_csv(path)
    if "metric" not in old or "window_months" not in old:
        return table  # written by an older version: replaced
    keep = old[~(old["metric"].isin(metrics) & (old["window_months"] == window_months))]
    return pd.concat([keep, table], ignore_index=True) if len(keep) else table


def _merge_csv(path: Path, table, metrics: list[str], window_months: int) -> Path:
    _merge(path, table, metrics, window_months).to_csv(path, index=False)
    return path


def _over_time_groups(runs, arm_names: list[str]) -> list[str]:
    """One band per design point and arm when they are few; else per arm (the legend says it pools points)."""
    n_points = runs["point"].nunique()
    per_point = 1 < n_points and n_points * max(1, len(arm_names)) <= MAX_POINTS_AS_GROUPS
    return (["point"] if per_point else []) + (["arm"] if arm_names else [])


def _grid_numeric_parameters(design: dict) -> list[str]:
    points = design.get("points") or [{}]
    keys = list(points[0])
    return [
        k
        for k in keys
        if all(isinstance(p[k], (int, float)) and not isinstance(p[k], bool) for p in points)
        and len({p[k] for p in points}) > 1
    ]
