"""Release strategies: cadence and size classes offered (C15, C23)."""

from __future__ import annotations

from market_sim.schema import SIZE_NAMES, F
from market_sim.strategies.base import Strategy
from market_sim.strategies.registry import register

SIZES_FIELD = F(str, choices=SIZE_NAMES, length=0)


class ReleaseStrategy(Strategy):
    slot = "release"
    sizes: list[str]

    def due(self, month: int, first_month: int, last_release_month: int | None) -> bool:  # pragma: no cover
        raise NotImplementedError

    def size_indices(self) -> list[int]:
        return sorted(SIZE_NAMES.index(s) for s in set(self.sizes))


@register
class Cadence(ReleaseStrategy):
    """A new family every ``every_months`` months from the first release month."""

    name = "cadence"
    classifier = {"periodic": True}
    params = {"every_months": F(int, 1, 1200), "sizes": SIZES_FIELD}

    def __init__(self, every_months: int = 6, sizes: list[str] = ("small", "medium", "large")):
        self.every_months = every_months
        self.sizes = list(sizes)

    def due(self, month: int, first_month: int, last_release_month: int | None) -> bool:
        if month < first_month:
            return False
        return last_release_month is None or month - last_release_month >= self.every_months


@register
class Once(ReleaseStrategy):
    """One family at the first release month, never another (fixed capabilities)."""

    name = "once"
    classifier = {"periodic": False}
    params = {"sizes": SIZES_FIELD}

    def __init__(self, sizes: list[str] = ("small", "medium", "large")):
        self.sizes = list(sizes)

    def due(self, month: int, first_month: int, last_release_month: int | None) -> bool:
        return last_release_month is None and month >= first_month
