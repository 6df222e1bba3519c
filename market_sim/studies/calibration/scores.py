"""Calibration scores: every fact measured in every run, and one summary row per fact."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from market_sim.studies.calibration.facts import Fact


def measure_all(facts: Sequence[Fact], runs: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per run, one column per fact id: every fact measured in every run."""
    rows = []
    for ts in runs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN, reported as such
            rows.append({f.id: f.measure(ts) for f in facts})
    return pd.DataFrame(rows, columns=[f.id for f in facts])


def summarize(facts: Sequence[Fact], runs: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One row per fact: target, window, median and 5-95% range over seeds, share of seeds inside
    the target, status ("pass" if the median is inside the target, else "miss"; facts of kind
    documentation/limitation/context keep their kind as status)."""
    values = measure_all(facts, runs)
    rows = []
    for f in facts:
        x = values[f.id].to_numpy(float)
        ok = x[np.isfinite(x)]
        med = float(np.median(ok)) if ok.size else math.nan
        lo, hi = (float(np.quantile(ok, 0.05)), float(np.quantile(ok, 0.95))) if ok.size else (math.nan, math.nan)
        if f.kind == "target":
            status = "pass" if f.inside(med) else "miss"
            inside = float(np.mean([f.inside(v) for v in x])) if x.size else math.nan
        else:
            status, inside = f.kind, math.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            detail = f.detail(list(runs)) if f.detail is not None else ""
        rows.append(
            {
                "id": f.id,
                "fact": f.fact,
                "statement": f.statement,
                "quantity": f.quantity,
                "target_low": f.target[0],
                "target_high": f.target[1],
                "window": f"{f.window[0]}..{f.window[1]}" if f.window[0] != f.window[1] else f.window[0],
                "unit": f.unit,
                "median": med,
                "p05": lo,
                "p95": hi,
                "share_inside": inside,
                "runs_measured": int(ok.size),
                "status": status,
                "source": f.source,
                "detail": detail,
            }
        )
    return pd.DataFrame(rows).set_index("id")
