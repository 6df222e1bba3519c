"""Shared fixtures: small, fast scenarios."""

import pytest

from market_sim import Scenario


@pytest.fixture(scope="session")
def small() -> Scenario:
    """The default scenario with 2,000 developers, 300 researchers and 24 months."""
    return Scenario.default().with_overrides(
        {"developers.count": 2000, "researchers.count": 300, "run.months": 24, "market.demand_sample": 500}
    )
