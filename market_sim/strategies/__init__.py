"""Strategies, one registry per slot; see :mod:`market_sim.strategies.registry`."""

from market_sim.strategies.base import Strategy
from market_sim.strategies.registry import REGISTRIES, make, names, register

# the built-in strategies register themselves on import; the registry never imports them (no cycle)
from market_sim.strategies import hiring, openness, pricing, release, rnd  # noqa: E402, F401  isort: skip

__all__ = ["REGISTRIES", "Strategy", "make", "names", "register"]
