"""R&D strategies: monthly compute spend in USD (C17)."""

from __future__ import annotations

from market_sim.schema import F
from market_sim.strategies.base import RndContext, Strategy
from market_sim.strategies.registry import register


class RndStrategy(Strategy):
    slot = "rnd"

    def compute_spend(self, ctx: RndContext) -> float:  # pragma: no cover - interface
        raise NotImplementedError


@register
class ShareOfCash(RndStrategy):
    """Spend ``share`` of cash each month on compute."""

    name = "share_of_cash"
    params = {"share": F(float, 0.0, 1.0)}

    def __init__(self, share: float = 0.01):
        self.share = share

    def compute_spend(self, ctx: RndContext) -> float:
        return self.share * max(ctx.cash_usd, 0.0)


@register
class ShareOfRevenue(RndStrategy):
    """Spend ``share`` of last month's revenue, but at least ``floor_share_of_cash`` of cash."""

    name = "share_of_revenue"
    params = {"share": F(float, 0.0, 10.0), "floor_share_of_cash": F(float, 0.0, 1.0)}

    def __init__(self, share: float = 0.5, floor_share_of_cash: float = 0.01):
        self.share = share
        self.floor_share_of_cash = floor_share_of_cash

    def compute_spend(self, ctx: RndContext) -> float:
        return max(self.share * max(ctx.revenue_usd_per_month, 0.0), self.floor_share_of_cash * max(ctx.cash_usd, 0.0))


@register
class NoRnd(RndStrategy):
    """No compute spend: capability moves only by community work, spillover and learning."""

    name = "none"

    def __init__(self):
        pass

    def compute_spend(self, ctx: RndContext) -> float:
        return 0.0
