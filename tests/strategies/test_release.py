"""Release strategies: cadence and once."""

from __future__ import annotations

import pytest

from market_sim.strategies.release import Cadence, Once
from tests.strategies.base import StrategyTestBase, builtin_names, covered_names, release_call


def release_months(strategy, first_month: int, horizon: int) -> list[int]:
    """Months at which ``strategy`` releases, recording each release as the model does."""
    last = None
    out = []
    for month in range(horizon):
        if strategy.due(month, first_month, last):
            out.append(month)
            last = month
    return out


class ReleaseTests(StrategyTestBase):
    def make_context(self, rng):
        return release_call(rng)


class TestCadence(ReleaseTests):
    strategy_class = Cadence
    example_params = {"every_months": 4, "sizes": ["small", "large"]}

    @pytest.mark.parametrize(
        ("every", "first", "expected"),
        [
            (6, 3, [3, 9, 15, 21, 27]),
            (6, 0, [0, 6, 12, 18, 24]),
            (9, 1, [1, 10, 19, 28]),
            (1, 25, [25, 26, 27, 28, 29]),
            (12, 29, [29]),
            (6, 30, []),
        ],
    )
    def test_due_exactly_every_n_months_from_first_month(self, every, first, expected):
        assert release_months(Cadence(every_months=every), first, 30) == expected

    def test_not_before_first_month(self):
        s = Cadence(every_months=6)
        assert not s.due(2, 3, None)
        assert s.due(3, 3, None)
        assert s.due(5, 3, None)  # first release postponed: due as soon as possible

    def test_waits_every_months_after_the_last_release(self):
        s = Cadence(every_months=6)
        assert not s.due(8, 3, 3)  # 5 months later
        assert s.due(9, 3, 3)  # 6 months later
        assert s.due(11, 3, 3)  # overdue (a postponed release)
        assert not s.due(12, 3, 11)  # counted from the actual last release

    def test_sizes(self):
        s = Cadence(sizes=["large", "small", "small"])
        assert s.size_indices() == [0, 2]
        assert Cadence().size_indices() == [0, 1, 2]


class TestOnce(ReleaseTests):
    strategy_class = Once
    example_params = {"sizes": ["medium"]}

    @pytest.mark.parametrize("first", [0, 4, 29])
    def test_releases_exactly_once(self, first):
        assert release_months(Once(), first, 30) == [first]

    def test_never_before_first_month_nor_after_a_release(self):
        s = Once()
        assert not s.due(3, 4, None)
        assert s.due(4, 4, None)
        assert s.due(10, 4, None)  # postponed first release
        assert not s.due(5, 4, 4)
        assert not s.due(100, 4, 4)

    def test_sizes(self):
        assert Once(sizes=["medium"]).size_indices() == [1]


def test_every_release_strategy_is_covered():
    assert covered_names(globals(), "release") == builtin_names("release")
