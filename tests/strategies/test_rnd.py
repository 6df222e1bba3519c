"""R&D strategies: committed, share_of_cash, share_of_revenue, none."""

from __future__ import annotations

import pytest

from market_sim.strategies.base import RndContext
from market_sim.strategies.rnd import Committed, NoRnd, ShareOfCash, ShareOfRevenue
from tests.strategies.base import StrategyTestBase, builtin_names, covered_names, rnd_context


class RndTests(StrategyTestBase):
    def make_context(self, rng):
        return rnd_context(rng)


class TestCommitted(RndTests):
    strategy_class = Committed
    example_params = {
        "compute_usd_per_month": 5e7,
        "relative_growth": 0.5,
        "commitment_months": 12,
        "fallback_share_of_revenue": 0.3,
    }

    @pytest.mark.parametrize(
        ("cash", "committed", "last", "expected"),
        [
            (1e12, 0.0, 0.0, "plan"),  # room for the plan: X0 G^(r (t + H) / 12)
            (0.0, 0.0, 0.0, "fallback"),  # no room, no cash flow: 0
            (5e8 + 120.0, 5e8, 1e6, "spread"),  # room 120 USD: 120 / H = 10 a month, whatever the last
        ],
    )
    def test_commits_plan_spread_or_fallback(self, cash, committed, last, expected):
        s = Committed(compute_usd_per_month=1e8, relative_growth=0.5, commitment_months=12)
        ctx = RndContext(
            cash, 0.0, month=24, committed_usd=committed, last_commitment_usd=last, frontier_growth_per_year=4.0
        )
        plan = 1e8 * 4.0 ** (0.5 * 36 / 12)
        want = {"plan": plan, "spread": 120.0 / 12, "fallback": 0.0}[expected]
        assert s.compute_spend(ctx) == pytest.approx(want)

    def test_enters_with_its_horizon_contracted(self):
        s = Committed(compute_usd_per_month=2.0, relative_growth=1.0, commitment_months=3)
        assert s.initial_commitments(8.0) == pytest.approx([2.0, 2.0 * 8.0 ** (1 / 12), 2.0 * 8.0 ** (2 / 12)])
        assert ShareOfCash().initial_commitments(8.0) == [] and ShareOfCash.commitment_months == 0


class TestShareOfCash(RndTests):
    strategy_class = ShareOfCash
    example_params = {"share": 0.02}

    @pytest.mark.parametrize(
        ("share", "cash", "revenue", "expected"),
        [
            (0.02, 1e9, 0.0, 2e7),
            (0.01, 4e10, 5e9, 4e8),  # revenue is ignored
            (0.5, 3e6, 0.0, 1.5e6),
            (0.02, -5e8, 1e9, 0.0),  # negative cash: nothing to spend
            (0.0, 1e9, 1e9, 0.0),
        ],
    )
    def test_spends_share_of_cash(self, share, cash, revenue, expected):
        assert ShareOfCash(share=share).compute_spend(RndContext(cash, revenue)) == pytest.approx(expected, abs=1e-9)


class TestShareOfRevenue(RndTests):
    strategy_class = ShareOfRevenue
    example_params = {"share": 0.6, "floor_share_of_cash": 0.02}

    @pytest.mark.parametrize(
        ("share", "floor", "cash", "revenue", "expected"),
        [
            (0.5, 0.01, 1e9, 1e8, 5e7),  # max(5e7, 1e7)
            (0.5, 0.01, 1e9, 1e6, 1e7),  # floor: max(5e5, 1e7)
            (0.6, 0.02, 1e10, 2e8, 2e8),  # max(1.2e8, 2e8): floor binds
            (2.0, 0.0, 1e9, 3e6, 6e6),  # share above 1, no floor
            (0.5, 0.01, 1e9, -4e6, 1e7),  # negative revenue counts as 0
            (0.5, 0.01, -1e9, -4e6, 0.0),  # nothing at all
        ],
    )
    def test_spends_share_of_revenue_with_floor(self, share, floor, cash, revenue, expected):
        s = ShareOfRevenue(share=share, floor_share_of_cash=floor)
        assert s.compute_spend(RndContext(cash, revenue)) == pytest.approx(expected, abs=1e-9)


class TestNoRnd(RndTests):
    strategy_class = NoRnd

    @pytest.mark.parametrize(("cash", "revenue"), [(1e10, 1e9), (0.0, 0.0), (-1e6, 5.0)])
    def test_spends_nothing(self, cash, revenue):
        assert NoRnd().compute_spend(RndContext(cash, revenue)) == 0.0


def test_every_rnd_strategy_is_covered():
    assert covered_names(globals(), "rnd") == builtin_names("rnd")
