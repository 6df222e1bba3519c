"""Openness strategies: always_open, always_closed, open_if_trailing, open_small_only, payoff_learning."""

from __future__ import annotations

import numpy as np
import pytest

from market_sim.strategies.base import OpennessContext
from market_sim.strategies.openness import AlwaysClosed, AlwaysOpen, OpenIfTrailing, OpenSmallOnly, PayoffLearning
from tests.strategies.base import StrategyTestBase, builtin_names, covered_names, openness_context

SMALL, MEDIUM, LARGE = 0, 1, 2
ALL = [SMALL, MEDIUM, LARGE]


def ctx(sizes=ALL, capability=3.0, rival=3.0, payoff_open=(), payoff_closed=(), rng=None) -> OpennessContext:
    return OpennessContext(list(sizes), capability, rival, list(payoff_open), list(payoff_closed), rng)


class OpennessTests(StrategyTestBase):
    def make_context(self, rng):
        return openness_context(rng)


class TestAlwaysOpen(OpennessTests):
    strategy_class = AlwaysOpen

    @pytest.mark.parametrize("sizes", [[], [SMALL], [MEDIUM, LARGE], ALL])
    def test_opens_every_size(self, sizes):
        assert AlwaysOpen().decide(ctx(sizes, capability=5.0, rival=1.0)) == [True] * len(sizes)


class TestAlwaysClosed(OpennessTests):
    strategy_class = AlwaysClosed

    @pytest.mark.parametrize("sizes", [[], [SMALL], [MEDIUM, LARGE], ALL])
    def test_closes_every_size(self, sizes):
        assert AlwaysClosed().decide(ctx(sizes, capability=1.0, rival=5.0)) == [False] * len(sizes)


class TestOpenIfTrailing(OpennessTests):
    strategy_class = OpenIfTrailing
    example_params = {"threshold": 0.5}

    @pytest.mark.parametrize(
        ("threshold", "capability", "rival", "expected"),
        [
            (0.25, 2.0, 2.5, True),  # behind by 0.5 > 0.25
            (0.25, 2.0, 2.25, False),  # behind by exactly the threshold: not more than it
            (0.25, 2.0, 2.125, False),  # behind by 0.125
            (0.25, 3.0, 2.0, False),  # ahead
            (0.0, 2.0, 2.0, False),  # level
            (0.0, 2.0, 2.0625, True),  # just behind, threshold 0
            (-0.5, 3.0, 2.75, True),  # negative threshold: opens even when 0.25 ahead
            (-0.5, 3.0, 2.25, False),  # 0.75 ahead
            (0.3, 3.0, -np.inf, False),  # no rival released yet
        ],
    )
    def test_opens_iff_behind_by_more_than_threshold(self, threshold, capability, rival, expected):
        out = OpenIfTrailing(threshold=threshold).decide(ctx(ALL, capability, rival))
        assert out == [expected] * 3

    def test_same_flag_for_every_size(self):
        assert OpenIfTrailing().decide(ctx([MEDIUM], capability=1.0, rival=4.0)) == [True]


class TestOpenSmallOnly(OpennessTests):
    strategy_class = OpenSmallOnly
    example_params = {"largest_open": "medium"}

    @pytest.mark.parametrize(
        ("largest", "sizes", "expected"),
        [
            ("small", ALL, [True, False, False]),
            ("medium", ALL, [True, True, False]),
            ("large", ALL, [True, True, True]),
            ("small", [MEDIUM, LARGE], [False, False]),
            ("medium", [MEDIUM, LARGE], [True, False]),
            ("medium", [LARGE], [False]),
            ("small", [SMALL], [True]),
            ("small", [], []),
        ],
    )
    def test_opens_exactly_sizes_up_to_largest_open(self, largest, sizes, expected):
        assert OpenSmallOnly(largest_open=largest).decide(ctx(sizes)) == expected

    def test_ignores_capability(self):
        assert OpenSmallOnly().decide(ctx(ALL, capability=1.0, rival=9.0)) == [True, False, False]


class TestPayoffLearning(OpennessTests):
    strategy_class = PayoffLearning
    example_params = {"initial": "closed", "explore": 0.3}

    @pytest.mark.parametrize(("initial", "flag"), [("open", True), ("closed", False)])
    def test_no_data_uses_initial_mode(self, initial, flag):
        rng = np.random.default_rng(0)
        assert PayoffLearning(initial=initial, explore=1.0).decide(ctx(ALL, rng=rng)) == [flag] * 3

    def test_tries_the_untried_mode(self):
        rng = np.random.default_rng(0)
        s = PayoffLearning(initial="open", explore=1.0)  # no exploration while a mode is untried
        # only open months so far (even very profitable ones): try closed
        assert s.decide(ctx(ALL, payoff_open=[100.0, 200.0], rng=rng)) == [False] * 3
        # only closed months so far: try open
        assert s.decide(ctx(ALL, payoff_closed=[100.0], rng=rng)) == [True] * 3

    @pytest.mark.parametrize(
        ("payoff_open", "payoff_closed", "flag"),
        [
            ([1.0, 3.0], [1.5, 1.5, 1.5], True),  # mean 2 > 1.5
            ([4.0], [1.0, 2.0, 12.0], False),  # mean 4 < 5
            ([0.0, 2.0], [5.0], False),  # mean 1 < 5
            ([-1.0, -3.0], [-2.5], True),  # -2 > -2.5 (losses)
            ([10.0, -8.0], [1.5], False),  # mean 1 < 1.5, though open's best month was higher
        ],
    )
    def test_picks_mode_with_higher_mean_payoff(self, payoff_open, payoff_closed, flag):
        out = PayoffLearning(explore=0.0).decide(
            ctx([SMALL, LARGE], payoff_open=payoff_open, payoff_closed=payoff_closed, rng=np.random.default_rng(0))
        )
        assert out == [flag, flag]

    def test_explore_one_always_takes_the_other_mode(self):
        rng = np.random.default_rng(4)
        s = PayoffLearning(explore=1.0)
        for _ in range(20):
            assert s.decide(ctx(ALL, payoff_open=[2.0], payoff_closed=[1.0], rng=rng)) == [False] * 3

    def test_no_rng_no_exploration(self):
        s = PayoffLearning(explore=1.0)
        assert s.decide(ctx(ALL, payoff_open=[2.0], payoff_closed=[1.0], rng=None)) == [True] * 3

    @pytest.mark.parametrize("explore", [0.1, 0.35])
    def test_explores_with_probability_explore(self, explore):
        rng = np.random.default_rng(123)
        s = PayoffLearning(explore=explore)
        n = 20_000
        c = ctx([SMALL], payoff_open=[1.0, 2.0], payoff_closed=[3.0], rng=rng)  # exploit = closed
        explored = sum(s.decide(c)[0] for _ in range(n))
        # binomial: sd = sqrt(p (1 - p) / n) <= 0.0034; allow 5 sd
        assert abs(explored / n - explore) < 5 * np.sqrt(explore * (1 - explore) / n)


def test_every_openness_strategy_is_covered():
    assert covered_names(globals(), "openness") == builtin_names("openness")
