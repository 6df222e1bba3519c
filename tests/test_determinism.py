"""One seed gives bit-identical results; different seeds differ."""

import pandas as pd

from market_sim import MarketModel, run


def test_same_seed_same_timeseries(small):
    a = run(small, seed=11).timeseries
    b = run(small, seed=11).timeseries
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_different_seeds_differ(small):
    a = run(small, seed=11).timeseries
    b = run(small, seed=12).timeseries
    assert not a["share_open"].equals(b["share_open"])


def test_stepping_equals_running(small):
    stepped = MarketModel(small, seed=3)
    for _ in range(small.months):
        stepped.step()
    pd.testing.assert_frame_equal(stepped.timeseries(), run(small, seed=3).timeseries, check_exact=True)
