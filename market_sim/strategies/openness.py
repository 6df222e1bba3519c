"""Openness strategies, decided at each release, per size class (C6, C7, C18, C24).

``decide`` returns one flag per released size: True = open weights.
"""

from __future__ import annotations

from market_sim.schema import SIZE_NAMES, F
from market_sim.strategies.base import OpennessContext, Strategy
from market_sim.strategies.registry import register


class OpennessStrategy(Strategy):
    slot = "openness"

    def decide(self, ctx: OpennessContext) -> list[bool]:  # pragma: no cover - interface
        raise NotImplementedError


@register
class AlwaysOpen(OpennessStrategy):
    """Release every size with open weights."""

    name = "always_open"
    classifier = {"open": "always"}

    def __init__(self):
        pass

    def decide(self, ctx: OpennessContext) -> list[bool]:
        return [True] * len(ctx.sizes)


@register
class AlwaysClosed(OpennessStrategy):
    """Never release weights; serve through the API only."""

    name = "always_closed"
    classifier = {"open": "never"}

    def __init__(self):
        pass

    def decide(self, ctx: OpennessContext) -> list[bool]:
        return [False] * len(ctx.sizes)


@register
class OpenIfTrailing(OpennessStrategy):
    """Open when behind the best rival by more than ``threshold`` kappa-units (C7)."""

    name = "open_if_trailing"
    classifier = {"open": "conditional"}
    params = {"threshold": F(float, -50.0, 50.0)}

    def __init__(self, threshold: float = 0.3):
        self.threshold = threshold

    def decide(self, ctx: OpennessContext) -> list[bool]:
        trailing = ctx.best_rival_capability - ctx.capability > self.threshold
        return [bool(trailing)] * len(ctx.sizes)


@register
class OpenSmallOnly(OpennessStrategy):
    """Partial openness: sizes up to ``largest_open`` are open, larger ones closed (Gemma/Gemini)."""

    name = "open_small_only"
    classifier = {"open": "partial"}
    params = {"largest_open": F(str, choices=SIZE_NAMES)}

    def __init__(self, largest_open: str = "small"):
        self.largest_open = largest_open

    def decide(self, ctx: OpennessContext) -> list[bool]:
        limit = SIZE_NAMES.index(self.largest_open)
        return [size <= limit for size in ctx.sizes]


@register
class PayoffLearning(OpennessStrategy):
    """Compare realised monthly payoffs (profit incl. complement) under each mode (C24).

    Chooses the mode with the higher mean payoff over the months its latest family was
    open vs closed; explores the other mode with probability ``explore``, and tries a mode
    with no data yet first.
    """

    name = "payoff_learning"
    classifier = {"open": "learned", "stochastic": True}
    params = {"initial": F(str, choices=("open", "closed")), "explore": F(float, 0.0, 1.0)}

    def __init__(self, initial: str = "open", explore: float = 0.1):
        self.initial = initial
        self.explore = explore

    def decide(self, ctx: OpennessContext) -> list[bool]:
        if not ctx.payoff_open and not ctx.payoff_closed:
            choice = self.initial == "open"
        elif not ctx.payoff_open or not ctx.payoff_closed:
            choice = not ctx.payoff_open  # try the untried mode
        else:
            mean_open = sum(ctx.payoff_open) / len(ctx.payoff_open)
            mean_closed = sum(ctx.payoff_closed) / len(ctx.payoff_closed)
            choice = mean_open >= mean_closed
            if ctx.rng is not None and ctx.rng.random() < self.explore:
                choice = not choice
        return [choice] * len(ctx.sizes)
