"""Vectorised populations: one numpy array per attribute, one entry per individual."""

from market_sim.populations.developers import Developers
from market_sim.populations.researchers import Researchers

__all__ = ["Developers", "Researchers"]
