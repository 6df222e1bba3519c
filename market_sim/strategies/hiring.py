"""Hiring strategies: salary offer and headcount target (C9, F9); all but ``planned`` limit the
target by cash.

``plan`` returns (target headcount in real researchers or None for "no hiring, no
layoffs", annual salary offer in USD per skill unit).
"""

from __future__ import annotations

import numpy as np

from market_sim.schema import F
from market_sim.strategies.base import HiringContext, Strategy
from market_sim.strategies.registry import register


class HiringStrategy(Strategy):
    slot = "hiring"

    def plan(self, ctx: HiringContext) -> tuple[float | None, float]:  # pragma: no cover - interface
        raise NotImplementedError


def affordable_target(ctx: HiringContext, growth: float, share_of_cash: float, share_of_revenue: float, offer: float):
    """Headcount target: grow by ``growth`` a month, capped by the payroll budget.

    budget (USD/month) = share_of_cash * cash + share_of_revenue * revenue;
    affordable = 12 * budget / offer (offer per skill unit ~ per average researcher).
    """
    budget = share_of_cash * max(ctx.cash_usd, 0.0) + share_of_revenue * max(ctx.revenue_usd_per_month, 0.0)
    affordable = 12.0 * budget / max(offer, 1.0)
    return min(ctx.headcount * (1.0 + growth) + 1.0, affordable)


def fill_rate_offer(ctx: HiringContext, step: float) -> float:
    """Offer x (1 + step) if fewer than 95% of last month's slots filled, x (1 - step) if more than
    two applicants per slot, else unchanged."""
    offer = ctx.salary_offer_usd
    if ctx.fill_rate < 0.95:
        return offer * (1.0 + step)
    if ctx.applicants_per_slot > 2.0:
        return offer * (1.0 - step)
    return offer


GROWTH = F(float, 0.0, 1.0)
SHARE = F(float, 0.0, 1.0)


@register
class FillRate(HiringStrategy):
    """Adjust the salary offer until slots fill: raise it by ``step`` when fewer than 95% of
    slots filled last month, lower it when there were more than two applicants per slot.

    The salary a vendor needs then emerges from researchers' preferences: an open vendor
    whose work is visible fills its slots at a lower wage (F9, C9).
    """

    name = "fill_rate"
    classifier = {"adaptive_salary": True}
    params = {
        "step": F(float, 0.0, 0.5),
        "growth_per_month": GROWTH,
        "payroll_share_of_cash": SHARE,
        "payroll_share_of_revenue": SHARE,
    }

    def __init__(
        self,
        step: float = 0.02,
        growth_per_month: float = 0.03,
        payroll_share_of_cash: float = 0.005,
        payroll_share_of_revenue: float = 0.2,
    ):
        self.step = step
        self.growth_per_month = growth_per_month
        self.payroll_share_of_cash = payroll_share_of_cash
        self.payroll_share_of_revenue = payroll_share_of_revenue

    def plan(self, ctx: HiringContext) -> tuple[float | None, float]:
        offer = fill_rate_offer(ctx, self.step)
        target = affordable_target(
            ctx, self.growth_per_month, self.payroll_share_of_cash, self.payroll_share_of_revenue, offer
        )
        return target, offer


@register
class Planned(HiringStrategy):
    """Payroll as a commitment: headcount grows by ``growth_per_year`` while the vendor's compute
    commitments are not being cut (``ctx.on_plan``), else holds; it never shrinks with cash
    (only turnover lowers it). The salary offer adjusts to the fill rate as in ``fill_rate``.

    target = H (1 + g)^(1/12) + 1 if on plan, else H, with H the headcount at the start of the
    month (before turnover, so leavers are replaced).
    """

    name = "planned"
    classifier = {"adaptive_salary": True, "committed": True}
    params = {"step": F(float, 0.0, 0.5), "growth_per_year": F(float, 0.0, 10.0)}

    def __init__(self, step: float = 0.02, growth_per_year: float = 0.2):
        self.step = step
        self.growth_per_year = growth_per_year

    def plan(self, ctx: HiringContext) -> tuple[float | None, float]:
        offer = fill_rate_offer(ctx, self.step)
        start = ctx.headcount if ctx.headcount_start is None else ctx.headcount_start
        if not ctx.on_plan:
            return float(start), float(offer)
        return float(start * (1.0 + self.growth_per_year) ** (1.0 / 12.0) + 1.0), float(offer)


@register
class MarketPercentile(HiringStrategy):
    """Offer the given percentile of the salaries (per skill unit) paid in the market."""

    name = "market_percentile"
    classifier = {"adaptive_salary": False}
    params = {
        "percentile": F(float, 0.0, 100.0),
        "growth_per_month": GROWTH,
        "payroll_share_of_cash": SHARE,
        "payroll_share_of_revenue": SHARE,
    }

    def __init__(
        self,
        percentile: float = 50.0,
        growth_per_month: float = 0.03,
        payroll_share_of_cash: float = 0.005,
        payroll_share_of_revenue: float = 0.2,
    ):
        self.percentile = percentile
        self.growth_per_month = growth_per_month
        self.payroll_share_of_cash = payroll_share_of_cash
        self.payroll_share_of_revenue = payroll_share_of_revenue

    def plan(self, ctx: HiringContext) -> tuple[float | None, float]:
        offer = ctx.salary_offer_usd
        if ctx.market_salary_usd.size:
            offer = float(np.percentile(ctx.market_salary_usd, self.percentile))
        target = affordable_target(
            ctx, self.growth_per_month, self.payroll_share_of_cash, self.payroll_share_of_revenue, offer
        )
        return target, offer


@register
class Poach(HiringStrategy):
    """Aggressive poaching: beat the best rival offer by ``premium``, within a budget cap.

    The offer is capped so that the target headcount's payroll stays under
    ``budget_cap_share`` of cash per month.
    """

    name = "poach"
    classifier = {"adaptive_salary": False, "aggressive": True}
    params = {"premium": F(float, 0.0, 10.0), "growth_per_month": GROWTH, "budget_cap_share": SHARE}

    def __init__(self, premium: float = 0.2, growth_per_month: float = 0.05, budget_cap_share: float = 0.01):
        self.premium = premium
        self.growth_per_month = growth_per_month
        self.budget_cap_share = budget_cap_share

    def plan(self, ctx: HiringContext) -> tuple[float | None, float]:
        offer = max(ctx.best_rival_offer_usd, ctx.salary_offer_usd) * (1.0 + self.premium)
        target = ctx.headcount * (1.0 + self.growth_per_month) + 1.0
        cap = 12.0 * self.budget_cap_share * max(ctx.cash_usd, 0.0)
        if target * offer > cap:
            offer = max(cap / max(target, 1.0), ctx.salary_offer_usd)
            target = min(target, cap / offer)
        return target, offer


@register
class NoHiring(HiringStrategy):
    """No offers and no layoffs: headcount only falls by turnover."""

    name = "none"
    classifier = {"adaptive_salary": False}

    def __init__(self):
        pass

    def plan(self, ctx: HiringContext) -> tuple[float | None, float]:
        return None, ctx.salary_offer_usd
