"""Pricing strategies for closed APIs and open vendors' paid services (C20, C22).

Each returns the vendor's prices, USD per Mtok, for its sellable options.
"""

from __future__ import annotations

import numpy as np

from market_sim.schema import F
from market_sim.strategies.base import PricingContext, Strategy
from market_sim.strategies.registry import register


class PricingStrategy(Strategy):
    slot = "pricing"

    def prices(self, ctx: PricingContext) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


@register
class Markup(PricingStrategy):
    """Cost-plus: ``p = c (1 + mu)``."""

    name = "markup"
    classifier = {"uses_demand": False, "stateful": False}
    params = {"markup": F(float, 0.0, 1000.0)}

    def __init__(self, markup: float = 0.5):
        self.markup = markup

    def prices(self, ctx: PricingContext) -> np.ndarray:
        return ctx.cost * (1.0 + self.markup)


@register
class BestResponse(PricingStrategy):
    """Myopic best response to rivals' current prices under the model's own logit demand.

    Sets each option's price ``p_o = c_o + m_o``, with m_o maximising ``m D_o(m)``,
    ``D_o(m) = sum_i v_i S_io(m)`` (expected token demand of the sampled developers), all
    other prices held at their current values. With one option and homogeneous
    developers the first-order condition is ``p = c + 1/(alpha (1 - s))``: the
    logit-Bertrand-Nash price, which repeated best responses reach (MODEL.md limiting case).
    ``step`` < 1 moves only part of the way each month (damping).
    """

    name = "best_response"
    classifier = {"uses_demand": True, "stateful": True}
    params = {"step": F(float, 0.01, 1.0)}

    def __init__(self, step: float = 1.0):
        self.step = step
        self._markup: np.ndarray | None = None

    def prices(self, ctx: PricingContext) -> np.ndarray:
        target = np.broadcast_to(np.asarray(ctx.best_markup(), dtype=float), ctx.cost.shape).copy()
        if self._markup is None or self._markup.shape != target.shape or self.step >= 1.0:
            self._markup = target.copy()
        else:
            self._markup += self.step * (target - self._markup)
        return ctx.cost + self._markup


@register
class Adaptive(PricingStrategy):
    """Hill-climbing on realised profit: keep moving the markup the way profit rose.

    ``mu_{t+1} = mu_t (1 + step d_t)``, with d_t = d_{t-1} if last month's profit did not
    fall, else -d_{t-1}. Never below ``min_markup``.
    """

    name = "adaptive"
    classifier = {"uses_demand": False, "stateful": True}
    params = {"initial_markup": F(float, 0.0, 1000.0), "step": F(float, 0.0, 1.0), "min_markup": F(float, 0.0, 1000.0)}

    def __init__(self, initial_markup: float = 0.5, step: float = 0.05, min_markup: float = 0.0):
        self.initial_markup = initial_markup
        self.step = step
        self.min_markup = min_markup
        self._markup = max(initial_markup, min_markup)
        self._direction = 1.0
        self._last_profit: float | None = None

    def prices(self, ctx: PricingContext) -> np.ndarray:
        if self._last_profit is not None:
            if ctx.last_profit_usd < self._last_profit:
                self._direction = -self._direction
            self._markup = max(self.min_markup, self._markup * (1.0 + self.step * self._direction))
        self._last_profit = ctx.last_profit_usd
        return ctx.cost * (1.0 + self._markup)


@register
class Undercut(PricingStrategy):
    """Undercut the cheapest rival of the same size: ``p = max(c (1+floor), (1-d) p_rival)``."""

    name = "undercut"
    classifier = {"uses_demand": False, "stateful": False}
    params = {
        "discount": F(float, 0.0, 1.0),
        "floor_markup": F(float, 0.0, 1000.0),
        "fallback_markup": F(float, 0.0, 1000.0),
    }

    def __init__(self, discount: float = 0.1, floor_markup: float = 0.05, fallback_markup: float = 0.5):
        self.discount = discount
        self.floor_markup = floor_markup
        self.fallback_markup = fallback_markup

    def prices(self, ctx: PricingContext) -> np.ndarray:
        has_rival = np.isfinite(ctx.rival_min_price)
        rival = np.where(has_rival, ctx.rival_min_price, 0.0)
        target = np.where(has_rival, (1.0 - self.discount) * rival, ctx.cost * (1.0 + self.fallback_markup))
        return np.maximum(ctx.cost * (1.0 + self.floor_markup), target)
