"""Analytic answers of the limiting cases, computed independently of the model code (scipy).

- logit–Bertrand: Nash prices solve ``p_j = c_j + 1/(α (1 − s_j(p)))`` for all j at once
  (:func:`nash_prices`), logit shares at those prices (:func:`logit_shares`); in log price
  ``(p_j − c_j)/p_j = 1/(α (1 − s_j))`` (:func:`log_nash_prices`); nested logit (Berry 1994,
  :func:`nested_nash_prices`);
- Bass: the discrete recursion ``F(t+1) = F(t) + (p + q F(t)) (1 − F(t))`` (:func:`bass_recursion`,
  docs/ODD.md 8 d), the continuous solution (:func:`bass_continuous`) and the sampling error of a
  finite population (:func:`bass_sampling_band`);
- leader persistence (Casadesus-Masanell & Ghemawat 2006): the incumbent's logit-Nash share
  against a free rival (:func:`leader_nash_shares`, scipy ``brentq``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq, root


def nash_prices(delta: Sequence[float], cost: Sequence[float], alpha: float) -> np.ndarray:
    """Single-product logit–Bertrand–Nash prices (USD/Mtok).

    Solves ``p_j = c_j + 1/(α (1 − s_j(p)))`` for all j at once, with
    ``s_j(p) = exp(δ_j − α p_j) / (1 + Σ_k exp(δ_k − α p_k))`` (outside option of utility 0).
    """
    delta, cost = np.asarray(delta, float), np.asarray(cost, float)

    def gap(p):
        e = np.exp(delta - alpha * p)
        s = e / (1.0 + e.sum())
        return p - cost - 1.0 / (alpha * (1.0 - s))

    sol = root(gap, cost + 1.0 / alpha, tol=1e-12)
    if not sol.success:
        raise RuntimeError(f"Nash prices not found for δ={delta}, c={cost}, α={alpha}: {sol.message}")
    return sol.x


def logit_shares(delta: Sequence[float], prices: Sequence[float], alpha: float) -> np.ndarray:
    """Choice probabilities ``s_j = exp(δ_j − α p_j) / (1 + Σ_k exp(δ_k − α p_k))`` (outside option excluded)."""
    e = np.exp(np.asarray(delta, float) - alpha * np.asarray(prices, float))
    return e / (1.0 + e.sum())


def bass_recursion(p: float, q: float, months: int) -> np.ndarray:
    """Discrete Bass: F(t+1) = F(t) + (p + q F(t)) (1 − F(t)), F(0) = 0; returns F(1..months)."""
    F = np.zeros(months + 1)
    for t in range(months):
        F[t + 1] = F[t] + (p + q * F[t]) * (1.0 - F[t])
    return F[1:]


def bass_continuous(p: float, q: float, months: int) -> np.ndarray:
    """Continuous Bass: F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t}) at t = 1..months."""
    t = np.arange(1, months + 1, dtype=float)
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_sampling_band(
    p: float, q: float, developers: int, months: int, replicates: int = 4000, quantile: float = 0.999, seed: int = 0
) -> tuple[float, float]:
    """Sampling error of a finite Bass population: (median, ``quantile``) of max_t |F_N(t) − F(t)|.

    F_N is the binomial chain ``A(t+1) = A(t) + Binomial(N − A(t), p + q A(t)/N)``, F_N = A/N, with
    N = ``developers`` (each unaware developer becomes aware independently, docs/ODD.md 7.9), and F
    the discrete recursion; ``replicates`` chains from a generator seeded with ``seed`` (independent
    of the model's random numbers).
    """
    worst = _bass_chain_errors(p, q, developers, months, replicates, seed)
    return float(np.median(worst)), float(np.quantile(worst, quantile))


def bass_exceedance(p: float, q: float, developers: int, months: int, threshold: float, seed: int = 0) -> float:
    """Probability that one run's max_t |F_N(t) − F(t)| exceeds ``threshold`` (binomial chain, 4,000 replicates)."""
    return float(np.mean(_bass_chain_errors(p, q, developers, months, 4000, seed) > threshold))


def _bass_chain_errors(p: float, q: float, developers: int, months: int, replicates: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    adopters = np.zeros(replicates, dtype=np.int64)
    F = bass_recursion(p, q, months)
    worst = np.zeros(replicates)
    for t in range(months):
        hazard = np.clip(p + q * adopters / developers, 0.0, 1.0)
        adopters = adopters + rng.binomial(developers - adopters, hazard)
        worst = np.maximum(worst, np.abs(adopters / developers - F[t]))
    return worst


def leader_nash_shares(k_inc: float, k_riv: float, alpha: float) -> tuple[float, float]:
    """Incumbent (zero cost, best response) against a free rival: the choice probabilities at Nash.

    The incumbent's price solves ``p = 1/(α (1 − s_I(p)))`` with
    ``s_I = e^{κ_I − α p} / (1 + e^{κ_I − α p} + e^{κ_R})``; the rival's price is 0.
    """

    def gap(p):
        e_i, e_r = np.exp(k_inc - alpha * p), np.exp(k_riv)
        return p - 1.0 / (alpha * (1.0 - e_i / (1.0 + e_i + e_r)))

    p = brentq(gap, 1e-9, 100.0 / alpha + 100.0, xtol=1e-14)
    e_i, e_r = np.exp(k_inc - alpha * p), np.exp(k_riv)
    return float(e_i / (1.0 + e_i + e_r)), float(e_r / (1.0 + e_i + e_r))


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
