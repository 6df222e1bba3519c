"""Pricing strategies: markup, best_response, adaptive, undercut.

Expected prices are worked out by hand from each strategy's docstring formula.
"""

from __future__ import annotations

import warnings

import numpy as np

from market_sim.strategies.base import PricingContext
from market_sim.strategies.pricing import Adaptive, BestResponse, Markup, Undercut
from tests.strategies.base import StrategyTestBase, builtin_names, covered_names, pricing_context

INF = np.inf


def ctx(cost, rival=None, best=0.0, profit=0.0, price=None) -> PricingContext:
    cost = np.asarray(cost, dtype=float)
    return PricingContext(
        cost=cost,
        price=cost.copy() if price is None else np.asarray(price, dtype=float),
        rival_min_price=np.full(cost.shape, INF) if rival is None else np.asarray(rival, dtype=float),
        best_markup=(lambda: best) if not callable(best) else best,
        last_profit_usd=profit,
        rng=np.random.default_rng(0),
    )


class PricingTests(StrategyTestBase):
    def make_context(self, rng):
        return pricing_context(rng)


class TestMarkup(PricingTests):
    strategy_class = Markup
    example_params = {"markup": 0.4}

    def test_cost_plus(self):
        # p = c (1 + mu): 1 * 1.4, 2.5 * 1.4
        np.testing.assert_allclose(Markup(markup=0.4).prices(ctx([1.0, 2.5])), [1.4, 3.5])

    def test_default_markup_is_half(self):
        np.testing.assert_allclose(Markup().prices(ctx([2.0])), [3.0])

    def test_zero_markup_prices_at_cost(self):
        np.testing.assert_allclose(Markup(markup=0.0).prices(ctx([0.3, 7.0])), [0.3, 7.0])

    def test_ignores_rivals_and_demand(self):
        a = Markup(markup=1.0).prices(ctx([2.0, 4.0], rival=[1.0, INF], best=9.0, profit=-5.0))
        np.testing.assert_allclose(a, [4.0, 8.0])


class TestBestResponse(PricingTests):
    strategy_class = BestResponse
    example_params = {"step": 0.5}

    def test_full_step_prices_at_cost_plus_best_markup(self):
        s = BestResponse()
        # p_k = c_k + m, a common absolute markup
        np.testing.assert_allclose(s.prices(ctx([1.0, 2.0], best=0.75)), [1.75, 2.75])
        # step = 1 jumps straight to the new best markup
        np.testing.assert_allclose(s.prices(ctx([1.0, 2.0], best=0.25)), [1.25, 2.25])

    def test_half_step_moves_halfway_from_previous_markup(self):
        s = BestResponse(step=0.5)
        cost = [1.0, 3.0]
        # first month: no previous markup, so the target itself: m = 1
        np.testing.assert_allclose(s.prices(ctx(cost, best=1.0)), [2.0, 4.0])
        # m = 1 + 0.5 (3 - 1) = 2
        np.testing.assert_allclose(s.prices(ctx(cost, best=3.0)), [3.0, 5.0])
        # m = 2 + 0.5 (2 - 2) = 2
        np.testing.assert_allclose(s.prices(ctx(cost, best=2.0)), [3.0, 5.0])
        # m = 2 + 0.5 (0 - 2) = 1
        np.testing.assert_allclose(s.prices(ctx(cost, best=0.0)), [2.0, 4.0])

    def test_quarter_step(self):
        s = BestResponse(step=0.25)
        s.prices(ctx([1.0], best=0.0))  # m = 0
        # m = 0 + 0.25 (4 - 0) = 1; then 1 + 0.25 (4 - 1) = 1.75
        np.testing.assert_allclose(s.prices(ctx([1.0], best=4.0)), [2.0])
        np.testing.assert_allclose(s.prices(ctx([1.0], best=4.0)), [2.75])

    def test_per_option_markups(self):
        s = BestResponse()
        # p_o = c_o + m_o
        np.testing.assert_allclose(s.prices(ctx([1.0, 2.0, 4.0], best=np.array([0.5, 1.0, 3.0]))), [1.5, 3.0, 7.0])

    def test_per_option_damping(self):
        s = BestResponse(step=0.5)
        cost = [1.0, 2.0]
        np.testing.assert_allclose(s.prices(ctx(cost, best=np.array([1.0, 2.0]))), [2.0, 4.0])  # m = (1, 2)
        # m = (1 + 0.5 (3 - 1), 2 + 0.5 (0 - 2)) = (2, 1)
        np.testing.assert_allclose(s.prices(ctx(cost, best=np.array([3.0, 0.0]))), [3.0, 3.0])

    def test_new_option_set_restarts_from_the_target(self):
        s = BestResponse(step=0.5)
        s.prices(ctx([1.0], best=4.0))  # m = 4
        # a second option appears (a new size released): no previous markups for this set
        np.testing.assert_allclose(s.prices(ctx([1.0, 2.0], best=np.array([2.0, 1.0]))), [3.0, 3.0])

    def test_does_not_modify_the_demand_answer(self):
        target = np.array([1.0, 2.0])
        s = BestResponse(step=0.5)
        s.prices(ctx([1.0, 1.0], best=lambda: target))
        s.prices(ctx([1.0, 1.0], best=lambda: target))
        np.testing.assert_array_equal(target, [1.0, 2.0])

    def test_asks_demand_for_the_best_markup_each_month(self):
        calls = []

        def best():
            calls.append(1)
            return 0.5

        s = BestResponse()
        for _ in range(3):
            s.prices(ctx([1.0], best=best))
        assert len(calls) == 3

    def test_clone_forgets_the_markup(self):
        s = BestResponse(step=0.5)
        s.prices(ctx([1.0], best=4.0))  # m = 4
        # a clone starts afresh: m = target = 0, not 4 + 0.5 (0 - 4) = 2
        np.testing.assert_allclose(s.clone().prices(ctx([1.0], best=0.0)), [1.0])
        np.testing.assert_allclose(s.prices(ctx([1.0], best=0.0)), [3.0])


class TestAdaptive(PricingTests):
    strategy_class = Adaptive
    example_params = {"initial_markup": 0.8, "step": 0.1, "min_markup": 0.2}

    def test_first_month_uses_initial_markup(self):
        np.testing.assert_allclose(Adaptive(initial_markup=0.5).prices(ctx([2.0], profit=100.0)), [3.0])

    def test_keeps_direction_while_profit_rises_and_reverses_when_it_falls(self):
        s = Adaptive(initial_markup=0.5, step=0.1)
        c = [1.0]
        np.testing.assert_allclose(s.prices(ctx(c, profit=100.0)), [1.5])  # mu = 0.5
        np.testing.assert_allclose(s.prices(ctx(c, profit=120.0)), [1.55])  # rose: mu = 0.5 * 1.1
        np.testing.assert_allclose(s.prices(ctx(c, profit=130.0)), [1.605])  # rose: 0.55 * 1.1
        np.testing.assert_allclose(s.prices(ctx(c, profit=110.0)), [1.5445])  # fell: 0.605 * 0.9
        np.testing.assert_allclose(s.prices(ctx(c, profit=115.0)), [1.49005])  # rose: keep down, 0.5445 * 0.9
        np.testing.assert_allclose(s.prices(ctx(c, profit=115.0)), [1.441045])  # unchanged: keep, 0.49005 * 0.9
        np.testing.assert_allclose(s.prices(ctx(c, profit=90.0)), [1.4851495])  # fell: up, 0.441045 * 1.1

    def test_never_below_min_markup(self):
        s = Adaptive(initial_markup=0.5, step=0.5, min_markup=0.3)
        c = [2.0]
        np.testing.assert_allclose(s.prices(ctx(c, profit=100.0)), [3.0])  # mu = 0.5
        np.testing.assert_allclose(s.prices(ctx(c, profit=50.0)), [2.6])  # max(0.3, 0.25) = 0.3
        np.testing.assert_allclose(s.prices(ctx(c, profit=60.0)), [2.6])  # still down: max(0.3, 0.15)
        rng = np.random.default_rng(1)
        for _ in range(200):
            p = s.prices(ctx(c, profit=float(rng.normal())))
            assert p[0] >= 2.0 * 1.3 - 1e-12

    def test_initial_markup_below_min_markup_is_clamped(self):
        s = Adaptive(initial_markup=0.1, step=0.5, min_markup=0.3)
        np.testing.assert_allclose(s.prices(ctx([1.0], profit=1.0)), [1.3])  # max(0.1, 0.3)
        np.testing.assert_allclose(s.prices(ctx([1.0], profit=2.0)), [1.45])  # rose: 0.3 * 1.5

    def test_same_markup_on_every_option(self):
        s = Adaptive(initial_markup=0.25)
        np.testing.assert_allclose(s.prices(ctx([1.0, 2.0, 4.0])), [1.25, 2.5, 5.0])


class TestUndercut(PricingTests):
    strategy_class = Undercut
    example_params = {"discount": 0.2, "floor_markup": 0.1, "fallback_markup": 0.3}

    def test_undercuts_rival_by_discount_above_floor(self):
        s = Undercut(discount=0.1, floor_markup=0.05, fallback_markup=0.5)
        # rival 2 -> 0.9 * 2 = 1.8; rival 1 -> 0.9 < floor 1.05; no rival -> 1 * 1.5
        p = s.prices(ctx([1.0, 1.0, 1.0], rival=[2.0, 1.0, INF]))
        np.testing.assert_allclose(p, [1.8, 1.05, 1.5])

    def test_example_params(self):
        s = Undercut(discount=0.2, floor_markup=0.1, fallback_markup=0.3)
        # max(2.2, 0.8 * 3 = 2.4) = 2.4; no rival: 4 * 1.3 = 5.2; max(5.5, 0.8 * 5 = 4) = 5.5
        p = s.prices(ctx([2.0, 4.0, 5.0], rival=[3.0, INF, 5.0]))
        np.testing.assert_allclose(p, [2.4, 5.2, 5.5])

    def test_never_below_floor(self):
        rng = np.random.default_rng(2)
        s = Undercut(discount=0.5, floor_markup=0.2)
        for _ in range(50):
            cost = rng.uniform(0.1, 3.0, 3)
            rival = rng.uniform(0.0, 6.0, 3)
            assert np.all(s.prices(ctx(cost, rival=rival)) >= cost * 1.2 - 1e-12)

    def test_full_discount_without_rival_is_clean(self):
        # discount = 1 is allowed; with no rival the fallback applies and (1 - 1) * inf must not
        # be evaluated (numpy would warn "invalid value encountered in multiply")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            p = Undercut(discount=1.0, floor_markup=0.05, fallback_markup=0.5).prices(ctx([1.0, 2.0], rival=[INF, 3.0]))
        # no rival: 1 * 1.5; rival 3: max(2 * 1.05, 0 * 3) = 2.1
        np.testing.assert_allclose(p, [1.5, 2.1])


def test_every_pricing_strategy_is_covered():
    assert covered_names(globals(), "pricing") == builtin_names("pricing")
