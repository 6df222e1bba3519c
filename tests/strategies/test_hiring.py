"""Hiring strategies: planned, fill_rate, market_percentile, poach, none.

``plan`` returns (target headcount or None, annual offer per skill unit). The payroll budget
(USD/month) is share_of_cash * cash + share_of_revenue * revenue, and the affordable headcount
12 * budget / offer.
"""

from __future__ import annotations

import numpy as np
import pytest

from market_sim.errors import ScenarioError
from market_sim.strategies.base import HiringContext
from market_sim.strategies.hiring import FillRate, MarketPercentile, NoHiring, Planned, Poach
from tests.strategies.base import StrategyTestBase, builtin_names, covered_names, hiring_context


def ctx(
    headcount=100.0,
    cash=1e9,
    revenue=2e6,
    offer=200_000.0,
    market=(),
    fill=1.0,
    applicants=1.0,
    rival=250_000.0,
) -> HiringContext:
    return HiringContext(
        headcount=headcount,
        cash_usd=cash,
        revenue_usd_per_month=revenue,
        salary_offer_usd=offer,
        market_salary_usd=np.asarray(market, dtype=float),
        fill_rate=fill,
        applicants_per_slot=applicants,
        best_rival_offer_usd=rival,
    )


class HiringTests(StrategyTestBase):
    def make_context(self, rng):
        return hiring_context(rng)


class TestPlanned(HiringTests):
    strategy_class = Planned
    example_params = {"step": 0.05, "growth_per_year": 0.5}

    def test_grows_from_the_start_of_month_headcount_whatever_the_cash(self):
        s = Planned(step=0.02, growth_per_year=0.44)
        for cash in (1e12, 1.0, -1e9):  # payroll is a commitment: cash does not cut it
            c = ctx(headcount=90.0, cash=cash, revenue=0.0)
            c.headcount_start = 100.0
            target, offer = s.plan(c)
            assert target == pytest.approx(100.0 * 1.44 ** (1 / 12) + 1.0)
            assert offer == pytest.approx(200_000.0)

    def test_holds_when_compute_is_cut_and_adjusts_the_offer_to_the_fill_rate(self):
        s = Planned(step=0.1, growth_per_year=0.5)
        c = ctx(headcount=80.0, fill=0.5)
        c.on_plan = False
        assert s.plan(c) == (pytest.approx(80.0), pytest.approx(220_000.0))
        assert s.plan(ctx(applicants=3.0))[1] == pytest.approx(180_000.0)


class TestFillRate(HiringTests):
    strategy_class = FillRate
    example_params = {
        "step": 0.1,
        "growth_per_month": 0.05,
        "payroll_share_of_cash": 0.01,
        "payroll_share_of_revenue": 0.5,
    }

    def example(self) -> FillRate:
        return FillRate(**self.example_params)

    @pytest.mark.parametrize(
        ("fill", "applicants", "offer"),
        [
            (0.5, 1.0, 220_000.0),  # unfilled: raise by step
            (0.94, 3.0, 220_000.0),  # unfilled wins over many applicants
            (0.95, 1.0, 200_000.0),  # exactly 95%: filled, keep
            (1.0, 3.0, 180_000.0),  # filled and > 2 applicants per slot: lower by step
            (1.0, 2.0, 200_000.0),  # exactly 2 applicants per slot: keep
            (0.96, 2.5, 180_000.0),
        ],
    )
    def test_offer_follows_fill_rate_and_applicants(self, fill, applicants, offer):
        _, got = FillRate(step=0.1).plan(ctx(fill=fill, applicants=applicants))
        assert got == pytest.approx(offer)

    def test_target_grows_when_affordable(self):
        # offer 220k; budget 0.01 * 1e9 + 0.5 * 2e6 = 1.1e7/month -> 600 affordable; growth: 100 * 1.05 + 1 = 106
        target, offer = self.example().plan(ctx(fill=0.5))
        assert offer == pytest.approx(220_000.0)
        assert target == pytest.approx(106.0)

    def test_target_capped_by_payroll_budget(self):
        # budget 0.01 * 1e8 + 0.5 * 0 = 1e6/month; affordable 12e6 / 200k = 60 < 106
        target, offer = self.example().plan(ctx(cash=1e8, revenue=0.0))
        assert offer == pytest.approx(200_000.0)
        assert target == pytest.approx(60.0)
        assert target * offer / 12 <= 1e6 * (1 + 1e-12)

    def test_budget_uses_the_new_offer(self):
        # fill 0.5 -> offer 220k; budget 1e6 -> 12e6 / 220k = 54.545...
        target, _ = self.example().plan(ctx(cash=1e8, revenue=0.0, fill=0.5))
        assert target == pytest.approx(12e6 / 220_000.0)

    def test_negative_cash_counts_as_zero(self):
        # budget 0.5 * 1e6 = 5e5/month -> 6e6 / 200k = 30
        target, _ = self.example().plan(ctx(cash=-1e9, revenue=1e6))
        assert target == pytest.approx(30.0)

    def test_repeated_unfilled_months_compound(self):
        s = FillRate(step=0.02)
        offer = 300_000.0
        for _ in range(3):
            _, offer = s.plan(ctx(offer=offer, fill=0.0))
        assert offer == pytest.approx(300_000.0 * 1.02**3)

    def test_offer_stays_positive_at_largest_allowed_step(self):
        # a step of 1 would set the offer to 0 when lowering it, and 0 * (1 + step) never recovers
        hi = FillRate.params["step"].hi
        assert hi < 1.0
        with pytest.raises(ScenarioError):
            FillRate.check_params("vendors.x.hiring", {"step": 1.0})
        FillRate.check_params("vendors.x.hiring", {"step": hi})
        _, offer = FillRate(step=hi).plan(ctx(fill=1.0, applicants=3.0))
        assert offer == pytest.approx(200_000.0 * (1.0 - hi))
        assert offer > 0.0


class TestMarketPercentile(HiringTests):
    strategy_class = MarketPercentile
    example_params = {
        "percentile": 75.0,
        "growth_per_month": 0.1,
        "payroll_share_of_cash": 0.02,
        "payroll_share_of_revenue": 0.1,
    }
    MARKET = [100_000.0, 500_000.0, 300_000.0, 200_000.0, 400_000.0]

    @pytest.mark.parametrize(
        ("percentile", "offer"),
        [
            (50.0, 300_000.0),  # median of 1..5 x 100k
            (75.0, 400_000.0),  # rank 0.75 * 4 = 3
            (10.0, 140_000.0),  # rank 0.4: 100k + 0.4 * 100k
            (0.0, 100_000.0),
            (100.0, 500_000.0),
        ],
    )
    def test_offers_the_percentile(self, percentile, offer):
        _, got = MarketPercentile(percentile=percentile).plan(ctx(market=self.MARKET, offer=1.0))
        assert got == pytest.approx(offer)

    def test_empty_market_keeps_current_offer(self):
        _, got = MarketPercentile().plan(ctx(market=[], offer=123_456.0))
        assert got == 123_456.0

    def test_ignores_fill_rate_and_rivals(self):
        a = MarketPercentile().plan(ctx(market=self.MARKET, fill=0.0, applicants=9.0, rival=9e9))
        b = MarketPercentile().plan(ctx(market=self.MARKET))
        assert a == b

    def test_target(self):
        # offer 300k; budget 0.005 * 1e9 = 5e6/month -> 200 affordable; growth 10 * 1.03 + 1 = 11.3
        target, _ = MarketPercentile().plan(ctx(headcount=10.0, cash=1e9, revenue=0.0, market=self.MARKET))
        assert target == pytest.approx(11.3)
        # 1000 * 1.03 + 1 = 1031 > 200 affordable
        target, _ = MarketPercentile().plan(ctx(headcount=1000.0, cash=1e9, revenue=0.0, market=self.MARKET))
        assert target == pytest.approx(200.0)


class TestPoach(HiringTests):
    strategy_class = Poach
    example_params = {"premium": 0.5, "growth_per_month": 0.1, "budget_cap_share": 0.02}

    def test_beats_best_rival_by_premium(self):
        s = Poach(premium=0.2, growth_per_month=0.05, budget_cap_share=0.01)
        # cap 12 * 0.01 * 1e10 = 1.2e9 >> 106 * 360k
        target, offer = s.plan(ctx(headcount=100.0, cash=1e10, offer=250_000.0, rival=300_000.0))
        assert offer == pytest.approx(360_000.0)
        assert target == pytest.approx(106.0)

    def test_own_offer_when_above_rivals(self):
        s = Poach(premium=0.2, budget_cap_share=0.01)
        _, offer = s.plan(ctx(cash=1e10, offer=250_000.0, rival=200_000.0))
        assert offer == pytest.approx(300_000.0)

    def test_budget_cap_keeps_current_offer_and_cuts_target(self):
        s = Poach(premium=0.2, growth_per_month=0.05, budget_cap_share=0.01)
        # cap 12 * 0.01 * 1e8 = 1.2e7 < 106 * 360k; cap / 106 = 113k < own 250k
        # -> offer 250k, target 1.2e7 / 250k = 48
        target, offer = s.plan(ctx(headcount=100.0, cash=1e8, offer=250_000.0, rival=300_000.0))
        assert offer == pytest.approx(250_000.0)
        assert target == pytest.approx(48.0)
        assert target * offer <= 1.2e7 * (1 + 1e-12)

    def test_budget_cap_lowers_the_offer(self):
        s = Poach(premium=0.2, growth_per_month=0.05, budget_cap_share=0.01)
        # cap 3.6e7 < 106 * 360k = 3.816e7 -> offer 3.6e7 / 106 = 339,622.6 (above own 250k), target 106
        target, offer = s.plan(ctx(headcount=100.0, cash=3e8, offer=250_000.0, rival=300_000.0))
        assert offer == pytest.approx(3.6e7 / 106.0)
        assert target == pytest.approx(106.0)
        assert 250_000.0 < offer < 360_000.0

    def test_payroll_within_cap_over_random_contexts(self):
        rng = np.random.default_rng(9)
        s = Poach(premium=0.3, budget_cap_share=0.01)
        for _ in range(200):
            c = hiring_context(rng)
            target, offer = s.plan(c)
            assert offer >= c.salary_offer_usd
            cap = 12 * 0.01 * max(c.cash_usd, 0.0)
            assert target * offer <= cap * (1 + 1e-9) or offer == pytest.approx(
                max(c.best_rival_offer_usd, c.salary_offer_usd) * 1.3
            )


class TestNoHiring(HiringTests):
    strategy_class = NoHiring

    @pytest.mark.parametrize("fill", [0.0, 1.0])
    def test_no_target_and_same_offer(self, fill):
        assert NoHiring().plan(ctx(offer=210_000.0, fill=fill, applicants=5.0, cash=0.0)) == (None, 210_000.0)


def test_every_hiring_strategy_is_covered():
    assert covered_names(globals(), "hiring") == builtin_names("hiring")
