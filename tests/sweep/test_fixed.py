"""The [fixed] table of a sweep spec: overrides applied to every run's base scenario."""

import pytest

from market_sim.errors import SpecError
from market_sim.sweep.spec import SweepSpec


def spec(**sections) -> dict:
    return {"sweep": {"name": "t", "months": 2, "replicates": 1}, **sections}


def test_fixed_overrides_reach_the_base_scenario_and_the_hash():
    plain = SweepSpec.from_dict(spec())
    fixed = SweepSpec.from_dict(spec(fixed={"developers.count": 300, "market.nest_correlation": 0.5}))
    base = fixed.base_scenario()
    assert base.get("developers.count") == 300 and base.get("market.nest_correlation") == 0.5
    assert plain.base_scenario().get("developers.count") != 300
    assert fixed.hash != plain.hash


def test_a_key_fixed_and_swept_is_refused():
    with pytest.raises(SpecError, match="developers.count"):
        SweepSpec.from_dict(spec(fixed={"developers.count": 300}, parameters={"developers.count": [100, 200]}))


def test_a_bad_fixed_value_names_the_key():
    with pytest.raises(SpecError, match="market.price_form"):
        SweepSpec.from_dict(spec(fixed={"market.price_form": "cubic"})).base_scenario()


def test_a_key_the_price_form_ignores_is_refused_when_varied():
    with pytest.raises(SpecError, match="switching.closed_exit_usd"):
        SweepSpec.from_dict(spec(parameters={"switching.closed_exit": [0.2, 0.8]}))
    with pytest.raises(SpecError, match="developers.lockin_aversion_usd_mean"):
        SweepSpec.from_dict(spec(arms={"a": {"developers.lockin_aversion_mean": 0.3}}))
    linear = {"market.price_form": "linear"}
    SweepSpec.from_dict(spec(fixed=linear, parameters={"switching.closed_exit": [0.2, 0.8]}))  # read there
    with pytest.raises(SpecError, match="switching.closed_exit "):
        SweepSpec.from_dict(spec(fixed=linear, parameters={"switching.closed_exit_usd": [100.0, 900.0]}))
    SweepSpec.from_dict(spec(parameters={"market.price_form": ["linear", "log"], "switching.closed_exit": [0.2]}))
