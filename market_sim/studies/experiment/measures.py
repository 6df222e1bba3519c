"""Experiment outcomes: one run's timeseries -> one number (pure functions, named for the report)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def final_mean(metric: str, months: int = 12) -> Callable[[pd.DataFrame], float]:
    """Outcome: the mean of ``metric`` over a run's last ``months`` months."""

    def fn(ts: pd.DataFrame) -> float:
        return float(ts.sort_values("month")[metric].iloc[-months:].mean())

    fn.__name__ = f"mean {metric}, last {months} months"
    return fn


def discounted_sum(metric: str, rate_per_year: float = 0.08) -> Callable[[pd.DataFrame], float]:
    """Outcome: sum over months of ``metric`` / (1 + r)^(month/12) (e.g. a vendor's payoff)."""

    def fn(ts: pd.DataFrame) -> float:
        m = ts["month"].to_numpy()
        return float(np.sum(ts[metric].to_numpy() / (1 + rate_per_year) ** (m / 12.0)))

    return fn
