"""Strategies, one registry per slot; see :mod:`market_sim.strategies.registry`."""

from market_sim.strategies.base import Strategy
from market_sim.strategies.registry import REGISTRIES, make, names, register

__all__ = ["REGISTRIES", "Strategy", "make", "names", "register"]
