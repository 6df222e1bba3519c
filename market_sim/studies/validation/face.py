"""Face validation against the literature: paired arms of the default scenario.

Economides & Katsamakas (2006), application-layer value with an open vs a proprietary platform
(C19): the default with and without its open vendors; Lerner & Tirole (2002) / Stern (2004, F9),
career concerns (C9): the open vendor's salaries relative to closed vendors', with and without
researchers' preference for visible work.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from market_sim.results import run
from market_sim.scenario import Scenario
from market_sim.studies.calibration.measures import window
from market_sim.studies.validation.limiting import as_seeds

# Face validation (section 2 of the report)
OPEN_VENDORS = ("meta", "mistral", "alibaba", "microsoft", "deepseek")  # disabled in the proprietary arm
CLOSED_PLATFORM = {
    **{f"vendors.{v}.enabled": False for v in OPEN_VENDORS},
    "vendors.google.openness": "always_closed",
}
NO_CAREER_CONCERNS = {"researchers.visibility_mean": 0.0}
CAREER_DEFAULT = "default (visibility_mean as scenario)"
OPEN_VENDOR = "meta"  # F9: the open vendor whose salary is compared ...
CLOSED_VENDORS = ("openai", "anthropic")  # ... with these closed vendors' (their mean), as docs/calibration.md
SALARY_WINDOW = ("2025-01", "2026-06")  # end of the calibration ("history") window, as the F9 calibration


@dataclass
class FaceValidation:
    """Runs and per-seed measurements of the face-validation section.

    ``open_runs`` / ``closed_runs``: the default scenario and the proprietary-platform arm
    (:data:`CLOSED_PLATFORM`), paired by seed; ``career_runs``: the default with
    :data:`NO_CAREER_CONCERNS`; ``economides`` / ``career``: one row per seed and arm.
    """

    seeds: list[int]
    open_runs: list[pd.DataFrame]
    closed_runs: list[pd.DataFrame]
    career_runs: list[pd.DataFrame]
    economides: pd.DataFrame
    career: pd.DataFrame
    salary_window: tuple[str, str]
    overrides: dict = field(default_factory=dict)


def value_measures(ts: pd.DataFrame) -> dict:
    """Economides & Katsamakas measures over the whole run: sums of flows, not means of monthly ratios.

    ``value_share_applications`` = Σ developer_surplus / Σ application_value (the value-weighted
    share of value that stays with the application layer); ``developer_surplus`` in USD/month
    (mean over months); model-layer share and closed margin for context (C19, C20).
    """
    value = float(ts["application_value"].sum())
    ok = value > 0
    return {
        "value_share_applications": float(ts["developer_surplus"].sum()) / value if ok else math.nan,
        "value_share_model": float((ts["revenue_api"] + ts["revenue_service"]).sum()) / value if ok else math.nan,
        "value_share_infrastructure": float((ts["revenue_host"] + ts["spend_selfhost"]).sum()) / value
        if ok
        else math.nan,
        "developer_surplus": float(ts["developer_surplus"].mean()),
        "application_value": float(ts["application_value"].mean()),
        "model_revenue": float((ts["revenue_api"] + ts["revenue_service"]).mean()),
        "margin_closed": nanmean(ts["margin_closed"]),
        "share_open": nanmean(ts["share_open"]),
    }


def salary_measures(ts: pd.DataFrame, salary_window: tuple[str, str]) -> dict:
    """Mean salary per skill unit (salary_<v>) over the window per vendor, and the open/closed ratio.

    ratio = mean over the window of salary_meta / mean over the window of the mean of
    OpenAI's and Anthropic's salary_<v> (F9's comparison, as in docs/calibration.md).
    """
    w = window(ts, *salary_window)
    out = {}
    for col in [c for c in ts.columns if c.startswith("salary_") and c != "salary_mean"]:
        out[col] = nanmean(w[col])
    closed = [f"salary_{v}" for v in CLOSED_VENDORS if f"salary_{v}" in w]
    if len(w) and f"salary_{OPEN_VENDOR}" in w and closed:
        open_ = w[f"salary_{OPEN_VENDOR}"].to_numpy(float)
        closed_mean = w[closed].to_numpy(float).mean(axis=1)
        ok = np.isfinite(open_) & np.isfinite(closed_mean)
        out["ratio"] = float(open_[ok].mean() / closed_mean[ok].mean()) if ok.any() else math.nan
    else:
        out["ratio"] = math.nan
    return out


def nanmean(x) -> float:
    """Mean of the finite values (NaN if none)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def face_validation(
    seeds: int | Sequence[int] = 5,
    overrides: Mapping | None = None,
    months: int | None = None,
    salary_window: tuple[str, str] = SALARY_WINDOW,
) -> FaceValidation:
    """Run the default scenario, the proprietary-platform arm and the no-career-concerns arm, paired by seed.

    ``overrides`` apply to every arm (e.g. a smaller population for a quick check); ``months``
    shortens the default and proprietary arms (default: the scenario's horizon). The career arm
    runs only until the end of ``salary_window`` (its draws up to then equal a full run's).
    """
    seed_list = as_seeds(seeds)
    overrides = dict(overrides or {})
    base = Scenario.default().with_overrides(overrides) if overrides else Scenario.default()
    closed = base.with_overrides(CLOSED_PLATFORM)
    career = base.with_overrides(NO_CAREER_CONCERNS)
    horizon = months if months is not None else base.months
    start = pd.Period(base.get("run.start"), freq="M")
    career_months = min(horizon, (pd.Period(salary_window[1], freq="M") - start).n + 1)
    open_runs, closed_runs, career_runs, econ, car = [], [], [], [], []
    for k in seed_list:
        ts_open = run(base, seed=k, months=horizon).timeseries
        ts_closed = run(closed, seed=k, months=horizon).timeseries
        ts_career = run(career, seed=k, months=career_months).timeseries
        open_runs.append(ts_open)
        closed_runs.append(ts_closed)
        career_runs.append(ts_career)
        econ.append({"seed": k, "arm": "open platform (default)", **value_measures(ts_open)})
        econ.append({"seed": k, "arm": "proprietary platform", **value_measures(ts_closed)})
        car.append({"seed": k, "arm": CAREER_DEFAULT, **salary_measures(ts_open, salary_window)})
        car.append({"seed": k, "arm": "visibility_mean = 0", **salary_measures(ts_career, salary_window)})
    return FaceValidation(
        seed_list,
        open_runs,
        closed_runs,
        career_runs,
        pd.DataFrame(econ),
        pd.DataFrame(car),
        salary_window,
        overrides,
    )


def paired_difference(table: pd.DataFrame, column: str, arm_a: str, arm_b: str) -> dict:
    """Per-seed difference a − b of a column: mean, min, max and number of seeds with a > b."""
    a = table[table["arm"] == arm_a].set_index("seed")[column]
    b = table[table["arm"] == arm_b].set_index("seed")[column]
    d = (a - b).dropna()
    if d.empty:
        return {"mean": math.nan, "min": math.nan, "max": math.nan, "positive": 0, "n": 0}
    return {
        "mean": float(d.mean()),
        "min": float(d.min()),
        "max": float(d.max()),
        "positive": int((d > 0).sum()),
        "n": int(d.size),
    }
