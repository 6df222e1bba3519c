"""Limiting cases of the revised demand (docs/ODD.md 8 q) for ``market-sim validate``: the
log-price logit–Bertrand case, single-product firms in nests, and homogeneous goods.

Each analytic answer is a fixed point solved here with scipy, independently of the model's own
best-response solver; :mod:`market_sim.validation_report` puts the rows in docs/validation.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import root

from market_sim.results import run
from market_sim.validation import bertrand_case, homogeneous_case, nested_case

LOG_BERTRAND = "logit–Bertrand, log price"
NESTED = "nested logit–Bertrand"
HOMOGENEOUS = "homogeneous goods (Bertrand)"


@dataclass(frozen=True)
class NestedSet:
    """Mean utilities δ_j, costs c_j, α, nest of each firm and nest parameter σ (σ unused for the log case)."""

    delta: tuple[float, ...]
    cost: tuple[float, ...]
    alpha: float
    nests: tuple[int, ...] = ()
    sigma: float = 0.0
    months: int = 30
    developers: int = 3000

    @property
    def label(self) -> str:
        nests = f", nests={list(self.nests)}, σ={self.sigma:g}" if self.nests else ""
        return f"δ={list(self.delta)}, c={list(self.cost)}, α={self.alpha:g}{nests}"


@dataclass(frozen=True)
class HomogeneousSet:
    """An open vendor's service (cost ``vendor_cost``) and hosts (``host_cost`` x (1 + markup)) on the same weights."""

    vendor_cost: float
    host_cost: float
    host_markup: float
    sigma: float = 0.998

    @property
    def label(self) -> str:
        return (
            f"vendor cost {self.vendor_cost:g}, hosts {self.host_cost:g} × (1 + {self.host_markup:g}), σ={self.sigma:g}"
        )


LOG_SETS = (
    NestedSet((1.0, 0.5), (1.0, 2.0), 2.0),
    NestedSet((2.0, 2.0, 2.0), (0.5, 0.5, 0.5), 3.0),
    NestedSet((3.0, 1.0, 0.0, -1.0), (10.0, 2.0, 5.0, 1.0), 1.8),
    NestedSet((4.0,), (0.02,), 1.5),
)
NESTED_SETS = (
    NestedSet((1.0, 0.5, 0.0), (1.0, 2.0, 1.5), 1.0, (0, 0, 1), 0.5),
    NestedSet((2.0, 2.0, 1.0, 1.0), (0.5, 0.5, 0.2, 0.2), 2.0, (0, 0, 1, 1), 0.8),
    NestedSet((3.0, 2.0, 2.0), (1.0, 0.5, 0.6), 0.7, (0, 1, 1), 0.3),
)
HOMOGENEOUS_SETS = (HomogeneousSet(0.4, 1.0, 0.2), HomogeneousSet(0.8, 2.0, 0.1), HomogeneousSet(0.2, 0.5, 1.0))


def log_nash_prices(delta: Sequence[float], cost: Sequence[float], alpha: float) -> np.ndarray:
    """u_j = δ_j − α ln p_j, outside 0, unit demand: (p_j − c_j)/p_j = 1/(α (1 − s_j)) for all j."""
    delta, cost = np.asarray(delta, float), np.asarray(cost, float)

    def gap(lp):
        e = np.exp(delta - alpha * lp)
        s = e / (1.0 + e.sum())
        return 1.0 - cost / np.exp(lp) - 1.0 / (alpha * (1.0 - s))

    start = np.log(cost / (1.0 - 1.0 / alpha)) if alpha > 1 else np.log(2.0 * cost)  # the small-share limit
    sol = root(gap, start, tol=1e-12)
    if not sol.success:
        raise RuntimeError(f"log-price Nash prices did not converge: {sol.message}")
    return np.exp(sol.x)


def nested_shares(delta, prices, alpha, nests, sigma) -> tuple[np.ndarray, np.ndarray]:
    """Nested-logit shares s_j and within-nest shares s_(j|g), linear price, outside option 0."""
    delta, prices, nests = np.asarray(delta, float), np.asarray(prices, float), np.asarray(nests)
    e = np.exp((delta - alpha * prices) / (1.0 - sigma))
    D = np.array([e[nests == g].sum() for g in nests])
    total = 1.0 + sum(e[nests == g].sum() ** (1.0 - sigma) for g in np.unique(nests))
    return e / D * D ** (1.0 - sigma) / total, e / D


def nested_nash_prices(delta, cost, alpha, nests, sigma) -> np.ndarray:
    """p_j = c_j + (1 − σ) / (α (1 − σ s_(j|g) − (1 − σ) s_j)) for all j (Berry 1994)."""
    cost = np.asarray(cost, float)

    def gap(p):
        s, cond = nested_shares(delta, p, alpha, nests, sigma)
        return p - cost - (1.0 - sigma) / (alpha * (1.0 - sigma * cond - (1.0 - sigma) * s))

    sol = root(gap, cost + 1.0 / alpha, tol=1e-12)
    if not sol.success:
        raise RuntimeError(f"nested Nash prices did not converge: {sol.message}")
    return sol.x


def validate_demand(seeds: Sequence[int], make_row: Callable[..., dict]) -> list[dict]:
    """Rows for the three demand cases (final-month prices, 1% relative; homogeneous goods 3%)."""
    rows = []
    for s in LOG_SETS:
        p_star = log_nash_prices(s.delta, s.cost, s.alpha)
        case = bertrand_case(list(s.delta), list(s.cost), s.alpha, s.months, s.developers, price_form="log")
        sims = [run(case, seed=k).timeseries for k in seeds]
        for j in range(len(s.delta)):
            final = [ts[f"price_v{j}"].iloc[-1] for ts in sims]
            rows.append(make_row(LOG_BERTRAND, s.label, f"price_v{j}, final month", p_star[j], final, "relative", 0.01))
    for s in NESTED_SETS:
        p_star = nested_nash_prices(s.delta, s.cost, s.alpha, s.nests, s.sigma)
        case = nested_case(list(s.delta), list(s.cost), s.alpha, list(s.nests), s.sigma, s.months, s.developers)
        sims = [run(case, seed=k).timeseries for k in seeds]
        for j in range(len(s.delta)):
            final = [ts[f"price_v{j}"].iloc[-1] for ts in sims]
            rows.append(make_row(NESTED, s.label, f"price_v{j}, final month", p_star[j], final, "relative", 0.01))
    for s in HOMOGENEOUS_SETS:
        case = homogeneous_case(s.vendor_cost, s.host_cost, s.host_markup, s.sigma, developers=3000)
        final = [run(case, seed=k).timeseries["price_v0"].iloc[-1] for k in seeds]
        hosts_price = s.host_cost * (1.0 + s.host_markup)
        note = "the hosts' price c_h (1 + markup); the gap is O((1 − σ)/α)"
        rows.append(make_row(HOMOGENEOUS, s.label, "price_v0, final month", hosts_price, final, "relative", 0.03, note))
    return rows
