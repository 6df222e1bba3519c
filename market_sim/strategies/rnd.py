"""R&D strategies: the compute a vendor commits, USD per month (C17, C21).

A strategy commits the compute of month ``t + H`` at month t, where H =
``commitment_months`` (0 for the spend-as-you-go strategies); a commitment is paid when due,
whatever the vendor's cash then (docs/ODD.md 7.3).
"""

from __future__ import annotations

from market_sim.schema import F
from market_sim.strategies.base import RndContext, Strategy
from market_sim.strategies.registry import register


class RndStrategy(Strategy):
    slot = "rnd"
    commitment_months: int = 0

    def compute_spend(self, ctx: RndContext) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def initial_commitments(self, frontier_growth_per_year: float) -> list[float]:
        """Compute already contracted at month 0 for months 0 .. H-1 (none for H = 0)."""
        return []


@register
class Committed(RndStrategy):
    """A planned compute path bought on ``commitment_months``-month contracts (C17).

    Plan: ``X(t) = compute_usd_per_month * G^(relative_growth * t / 12)``, t = months since
    the vendor entered (the model month for incumbents), G = ``training.growth_per_year`` (F4).
    Each month the vendor commits month t + H (H = ``commitment_months``): the plan X(t + H) if
    it can pay it over the horizon,

        cash + fundable + H (revenue - serving cost - payroll) >= committed + X(t + H),

    else ``min(X(t + H), max(room / H, f x max(0, net revenue)))``: the room left over the horizon
    (room = cash + fundable + H net revenue - committed: operating cash flow plus reserves spread
    over H months), at least the fallback share f = ``fallback_share_of_revenue`` of net revenue
    (what operating cash flow pays for). Net revenue = revenue - serving cost - payroll (last
    month's); fundable = what investors would put in now (docs/ODD.md 7.11). Contracts already
    signed are paid whatever the cash; a vendor off its plan recommits as its room allows, so it
    neither freezes its compute nor overspends. The vendor enters with months 0 .. H-1
    contracted at plan.
    """

    name = "committed"
    classifier = {"committed": True}
    params = {
        "compute_usd_per_month": F(float, 0.0, 1e12),
        "relative_growth": F(float, 0.0, 3.0),
        "commitment_months": F(int, 0, 120),
        "fallback_share_of_revenue": F(float, 0.0, 1.0),
    }

    def __init__(
        self,
        compute_usd_per_month: float = 1e8,
        relative_growth: float = 1.0,
        commitment_months: int = 24,
        fallback_share_of_revenue: float = 0.8,
    ):
        self.compute_usd_per_month = compute_usd_per_month
        self.relative_growth = relative_growth
        self.commitment_months = commitment_months
        self.fallback_share_of_revenue = fallback_share_of_revenue

    def plan_usd(self, month: int, frontier_growth_per_year: float) -> float:
        """X(t) = X_0 G^(r t / 12)."""
        return self.compute_usd_per_month * frontier_growth_per_year ** (self.relative_growth * month / 12.0)

    def initial_commitments(self, frontier_growth_per_year: float) -> list[float]:
        return [self.plan_usd(m, frontier_growth_per_year) for m in range(self.commitment_months)]

    def compute_spend(self, ctx: RndContext) -> float:
        h = self.commitment_months
        plan = self.plan_usd(ctx.month + h, ctx.frontier_growth_per_year)
        net = ctx.revenue_usd_per_month - ctx.serving_cost_usd_per_month - ctx.payroll_usd_per_month
        room = ctx.cash_usd + ctx.fundable_usd + h * net - ctx.committed_usd
        if plan <= room:
            return float(plan)
        # off plan: the room spread over the horizon (operating cash flow plus reserves / H), at
        # least the fallback share of net revenue
        spread = room / h if h else room
        return float(min(plan, max(spread, self.fallback_share_of_revenue * max(net, 0.0))))


@register
class ShareOfCash(RndStrategy):
    """Spend ``share`` of cash each month on compute (no commitment)."""

    name = "share_of_cash"
    params = {"share": F(float, 0.0, 1.0)}

    def __init__(self, share: float = 0.01):
        self.share = share

    def compute_spend(self, ctx: RndContext) -> float:
        return self.share * max(ctx.cash_usd, 0.0)


@register
class ShareOfRevenue(RndStrategy):
    """Spend ``share`` of last month's revenue, but at least ``floor_share_of_cash`` of cash (no commitment)."""

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
