"""Scenario: loading, validation, overrides, hashing and error messages."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

import market_sim
from market_sim.errors import ScenarioError
from market_sim.scenario import Scenario, parse_assignment
from market_sim.schema import SCHEMA, STRATEGY_SLOTS, VENDOR_SLOT_DEFAULTS
from market_sim.strategies import registry

DEFAULT_TOML = Path(market_sim.__file__).parent / "scenarios" / "default.toml"
RAW = tomllib.loads(DEFAULT_TOML.read_text(encoding="utf-8"))  # the default as written, unvalidated
DEFAULT_VENDORS = list(RAW["vendors"])
DEFAULT_ENTRANTS = [e["id"] for e in RAW.get("entrants", [])]  # stored after the vendors, as vendors


@pytest.fixture(scope="module")
def default() -> Scenario:
    return Scenario.default()


def error(fn, *args) -> str:
    with pytest.raises(ScenarioError) as info:
        fn(*args)
    return str(info.value)


# -- the default and round trips ----------------------------------------------------------------
def test_default_validates(default):
    assert len(DEFAULT_VENDORS) >= 2
    assert default.vendor_ids == [
        *(v for v in DEFAULT_VENDORS if RAW["vendors"][v].get("enabled", True)),
        *(e["id"] for e in RAW.get("entrants", []) if e.get("enabled", True)),
    ]
    for e in RAW.get("entrants", []):  # an entrant is a vendor table with its entry month
        assert default.get(f"vendors.{e['id']}.entry_month") == e["month"]
        assert default.get(f"vendors.{e['id']}.cash_usd") == e["cash_usd"]
    assert default.months == RAW["run"]["months"]
    for section, fields in SCHEMA.items():
        for key in fields:
            value = default.get(f"{section}.{key}")
            assert value == RAW[section][key]
            assert type(value) is fields[key].kind or fields[key].length is not None
    # strategy slots are normalised to tables naming the strategy and every parameter
    for vid in DEFAULT_VENDORS:
        for slot in STRATEGY_SLOTS:
            spec = default.get(f"vendors.{vid}.{slot}")
            given = RAW["vendors"][vid].get(slot, VENDOR_SLOT_DEFAULTS[slot])
            name = given if isinstance(given, str) else given["strategy"]
            assert spec["strategy"] == name
            assert set(spec) == {"strategy", *registry.lookup(slot, name).param_names()}
    # validating the validated data again changes nothing
    assert Scenario(default.to_dict()) == default


def other_openness(scenario: Scenario, vid: str) -> str:
    """An openness strategy name different from the vendor's current one."""
    current = scenario.get(f"vendors.{vid}.openness")["strategy"]
    return "always_open" if current != "always_open" else "always_closed"


def test_toml_round_trip(default):
    text = default.to_toml()
    assert text.startswith('base = "none"')
    again = Scenario.from_toml(text)
    assert again == default
    assert again.hash == default.hash
    assert again.to_toml() == text


def test_round_trip_of_overridden_scenario_with_shock(default):
    s = default.with_overrides(
        {
            "shocks": [{"month": 3, "vendor": "openai", "kind": "price_hike", "factor": 2.0}],
            "vendors.mistral.release.sizes": ["small"],
        }
    )
    again = Scenario.from_toml(s.to_toml())
    assert again == s and again.hash == s.hash
    assert again["shocks"] == [
        {"month": 3, "vendor": "openai", "kind": "price_hike", "factor": 2.0, "duration_months": 1}
    ]


def test_load_file(tmp_path, default):
    path = tmp_path / "s.toml"
    path.write_text(default.to_toml(), encoding="utf-8")
    assert Scenario.load(path) == default
    assert Scenario.load(str(path)).hash == default.hash


def test_hash_is_stable_and_changes_with_values(default):
    assert Scenario.default().hash == default.hash
    assert len(default.hash) == 16
    count = default.get("developers.count")
    step = default.get("vendors.openai.pricing").get("step", 1.0)
    changed = {
        default.with_overrides({"developers.count": count + 1}).hash,
        default.with_overrides({"awareness.p": default.get("awareness.p") / 2}).hash,
        default.with_overrides({"vendors.meta.openness": other_openness(default, "meta")}).hash,
        default.with_overrides({"vendors.openai.pricing": {"strategy": "best_response", "step": step / 2}}).hash,
    }
    assert default.hash not in changed
    assert len(changed) == 4
    # setting a value to what it already is changes nothing
    assert default.with_overrides({"developers.count": count}).hash == default.hash
    # an integer written for a float field is normalised to a float: same scenario, same hash
    key = next(
        f"{section}.{k}"
        for section, fields in SCHEMA.items()
        for k, field in fields.items()
        if field.kind is float and field.length is None and float(default.get(f"{section}.{k}")).is_integer()
    )
    as_int = default.with_overrides({key: int(default.get(key))})
    assert as_int == default and as_int.hash == default.hash


# -- overrides ----------------------------------------------------------------------------------
def test_with_overrides_sets_values_and_leaves_original(default):
    before = default.to_dict()
    openai_pricing = default.get("vendors.openai.pricing")
    assert "step" in openai_pricing  # the default prices OpenAI with a stepped strategy
    s = default.with_overrides(
        {
            "developers.count": 500,
            "vendors.meta.openness": "always_closed",
            "vendors.openai.pricing.step": 0.5,
        }
    )
    assert s is not default
    assert s.get("developers.count") == 500
    assert s.get("vendors.meta.openness") == {"strategy": "always_closed"}
    assert s.get("vendors.openai.pricing") == {**openai_pricing, "step": 0.5}
    # everything else kept
    assert s.get("developers.volume_sigma") == default.get("developers.volume_sigma")
    assert s.get("vendors.meta.cash_usd") == default.get("vendors.meta.cash_usd")
    assert s["vendors"]["anthropic"] == default["vendors"]["anthropic"]
    # the original is unchanged
    assert default.to_dict() == before
    assert default.get("developers.count") == before["developers"]["count"] != 500


def test_override_strategy_name_resets_parameters(default):
    s = default.with_overrides({"vendors.mistral.openness": "open_small_only"})
    assert s.get("vendors.mistral.openness") == {"strategy": "open_small_only", "largest_open": "small"}
    s = default.with_overrides({"vendors.mistral.openness": {"strategy": "payoff_learning", "explore": 0.2}})
    assert s.get("vendors.mistral.openness") == {"strategy": "payoff_learning", "initial": "open", "explore": 0.2}


def test_override_parameter_of_strategy(default):
    # a name then one of its parameters (the name alone is turned into a table)
    s = default.with_overrides(
        {
            "vendors.alibaba.pricing": "markup",
            "vendors.alibaba.pricing.markup": 0.4,
            "vendors.meta.release": "cadence",
            "vendors.meta.release.every_months": 12,
        }
    )
    assert s.get("vendors.alibaba.pricing") == {"strategy": "markup", "markup": 0.4}
    assert s.get("vendors.meta.release") == {
        "strategy": "cadence",
        "every_months": 12,
        "sizes": ["small", "medium", "large"],
    }


def test_strategy_objects_built_from_scenario(default):
    spec = default.with_overrides({"vendors.openai.pricing.step": 0.5}).get("vendors.openai.pricing")
    built = registry.make("pricing", spec)
    assert built.get_params() == {"step": 0.5}


# -- errors -------------------------------------------------------------------------------------
def test_unknown_key_suggests_near_name(default):
    msg = error(default.with_overrides, {"developers.cont": 1})
    assert "developers.cont" in msg
    assert "did you mean count" in msg


def test_unknown_section(default):
    msg = error(default.with_overrides, {"nosuch.key": 1})
    assert "nosuch" in msg


def test_unknown_vendor_key(default):
    msg = error(default.with_overrides, {"vendors.meta.cashusd": 1.0})
    assert "vendors.meta.cashusd" in msg and "cash_usd" in msg


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("developers.count", "many"),
        ("developers.count", 2.5),
        ("developers.count", True),
        ("awareness.p", "0.1"),
        ("hosts.enabled", 1),
        ("run.start", 202301),
        ("sizes.capability_gap", [1.0, 0.5]),
        ("sizes.capability_gap", 1.0),
    ],
)
def test_wrong_type(default, key, value):
    msg = error(default.with_overrides, {key: value})
    assert key in msg
    assert "not allowed" in msg and "expected" in msg


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("developers.count", -1, "in [1, 1e+08]"),
        ("developers.count", 0, "in [1, 1e+08]"),
        ("awareness.p", 1.5, "in [0, 1]"),
        ("awareness.p", -0.01, "in [0, 1]"),
        ("run.months", 0, "in [1, 1200]"),
        ("vendors.openai.pricing.step", 0.0, "in [0.01, 1]"),
        ("vendors.meta.initial_capability", 51.0, "in [-20, 50]"),
    ],
)
def test_out_of_range_names_the_range(default, key, value, allowed):
    msg = error(default.with_overrides, {"vendors.openai.pricing": "best_response", key: value})
    assert key in msg
    assert repr(value) in msg
    assert allowed in msg


def test_unknown_strategy_lists_known_names(default):
    msg = error(default.with_overrides, {"vendors.meta.openness": "sometimes"})
    assert "sometimes" in msg
    for name in registry.names("openness"):
        assert name in msg


def test_unknown_strategy_parameter(default):
    # best_response has no markup
    msg = error(default.with_overrides, {"vendors.meta.pricing": "best_response", "vendors.meta.pricing.markup": 0.4})
    assert "vendors.meta.pricing.markup" in msg
    assert "step" in msg


def test_bad_strategy_parameter_value(default):
    msg = error(
        default.with_overrides,
        {"vendors.google.openness": "open_small_only", "vendors.google.openness.largest_open": "huge"},
    )
    assert "largest_open" in msg and "'huge'" in msg
    for size in ("small", "medium", "large"):
        assert size in msg


def test_unknown_vendor_in_override(default):
    msg = error(default.with_overrides, {"vendors.mta.openness": "always_open"})
    assert "mta" in msg
    assert "meta" in msg


def test_override_cannot_add_vendors(default):
    # neither one at a time nor by replacing the whole vendor table
    with pytest.raises(ScenarioError):
        default.with_overrides({"vendors.newco.cash_usd": 1e9})
    msg = error(default.with_overrides, {"vendors": {"newco": {}}})
    assert "vendors" in msg


def test_shock_naming_unknown_vendor():
    text = 'shocks = [{ month = 3, vendor = "nobody", kind = "price_hike", factor = 2.0 }]\n'
    msg = error(Scenario.from_toml, text)
    assert "shocks[0].vendor" in msg
    assert "nobody" in msg
    assert "openai" in msg


def test_shock_with_unknown_kind():
    text = 'shocks = [{ month = 3, vendor = "openai", kind = "meteor" }]\n'
    msg = error(Scenario.from_toml, text)
    assert "shocks[0].kind" in msg and "price_hike" in msg


@pytest.mark.parametrize("start", ["2023-13", "2023-00", "2023-1", "23-01", "2023/01", "January 2023", ""])
def test_bad_run_start(default, start):
    msg = error(default.with_overrides, {"run.start": start})
    assert "run.start" in msg
    assert "2023-01" in msg  # the example of the allowed form


@pytest.mark.parametrize("start", ["2023-01\n", " 2023-01", "2023-01x"])
def test_run_start_must_be_exactly_a_month(default, start):
    msg = error(default.with_overrides, {"run.start": start})
    assert "run.start" in msg


def test_run_start_accepts_a_month(default):
    assert default.with_overrides({"run.start": "2024-12"}).get("run.start") == "2024-12"


@pytest.mark.parametrize(
    "text",
    [
        "[developers\ncount = 1\n",
        "developers.count = \n",
        "x = 'unterminated\n",
        "[run]\nstart = 2023-01\n",  # not a TOML date or string
    ],
)
def test_invalid_toml(text):
    msg = error(Scenario.from_toml, text, "bad.toml")
    assert "bad.toml" in msg
    assert "not valid TOML" in msg


@pytest.mark.parametrize("base", ['"other"', '"Default"', "1", '["default"]'])
def test_bad_base(base):
    msg = error(Scenario.from_toml, f"base = {base}\n")
    assert "base" in msg
    assert "'default'" in msg and "'none'" in msg


def test_missing_file(tmp_path):
    msg = error(Scenario.load, tmp_path / "missing.toml")
    assert "missing.toml" in msg


# -- partial files and base ----------------------------------------------------------------------
def test_partial_file_merges_over_default(default):
    text = """
base = "default"

[developers]
count = 1234

[vendors.meta]
cash_usd = 5.0e10
openness = "always_closed"
"""
    s = Scenario.from_toml(text)
    assert s.get("developers.count") == 1234
    assert s.get("developers.volume_sigma") == default.get("developers.volume_sigma")
    assert s.get("vendors.meta.cash_usd") == 5.0e10
    assert s.get("vendors.meta.openness") == {"strategy": "always_closed"}
    # the other keys of meta, and the other vendors, are kept
    for key in ("name", "initial_capability", "pricing", "release", "rnd", "complement_usd_per_month"):
        assert s.get(f"vendors.meta.{key}") == default.get(f"vendors.meta.{key}")
    assert s.vendor_ids == [*DEFAULT_VENDORS, *DEFAULT_ENTRANTS]
    assert s["vendors"]["openai"] == default["vendors"]["openai"]
    # base defaults to "default"
    assert Scenario.from_toml(text.replace('base = "default"', "")) == s
    assert Scenario.from_toml("") == default


def test_partial_file_can_add_a_vendor(default):
    s = Scenario.from_toml('[vendors.newco]\ncash_usd = 1.0e8\npricing = { strategy = "undercut", discount = 0.2 }\n')
    assert s.vendor_ids == [*DEFAULT_VENDORS, "newco", *DEFAULT_ENTRANTS]
    assert s.get("vendors.newco.name") == "newco"
    assert s.get("vendors.newco.pricing")["discount"] == 0.2
    assert s.get("vendors.newco.openness") == {"strategy": "always_closed"}


def test_base_none_must_be_complete(default):
    msg = error(Scenario.from_toml, 'base = "none"\n[developers]\ncount = 1234\n')
    assert "missing section" in msg
    # a complete file with base = "none" is taken as it is
    assert Scenario.from_toml(default.to_toml()) == default
    # removing one key from a complete file is an error naming it
    text = default.to_toml().replace("volume_sigma = 1.5\n", "")
    msg = error(Scenario.from_toml, text)
    assert "developers.volume_sigma" in msg


# -- loading never executes code ----------------------------------------------------------------
PAYLOAD = "__import__('os').system('touch {marker}')"


@pytest.mark.parametrize(
    ("template", "allowed"),
    [
        ('[vendors.meta]\nname = "{p}"\n', True),  # a plain string field
        ('[vendors.meta]\narchetype = "{p}"\n', True),
        ('[run]\nstart = "{p}"\n', False),
        ('[vendors.meta]\nopenness = "{p}"\n', False),
        ('[vendors.meta]\nopenness = {{ strategy = "open_small_only", largest_open = "{p}" }}\n', False),
        ('[vendors.meta]\ncash_usd = "{p}"\n', False),
        ('shocks = [{{ month = 1, vendor = "{p}", kind = "price_hike" }}]\n', False),
        ('base = "{p}"\n', False),
        ('[developers]\n"{p}" = 1\n', False),
    ],
)
def test_loading_never_executes_code(tmp_path, template, allowed):
    marker = tmp_path / "pwned_x"
    payload = PAYLOAD.format(marker=marker)
    path = tmp_path / "evil.toml"
    path.write_text(template.format(p=payload), encoding="utf-8")
    if allowed:
        s = Scenario.load(path)
        key = "vendors.meta.name" if "name" in template else "vendors.meta.archetype"
        assert s.get(key) == payload  # kept verbatim as a plain string
        s.with_overrides({"developers.count": 10}).to_toml()
    else:
        with pytest.raises(ScenarioError):
            Scenario.load(path)
    assert not marker.exists()
    assert not os.path.exists("/tmp/pwned_x")


def test_override_value_never_executes_code(tmp_path):
    marker = tmp_path / "pwned_x"
    key, value = parse_assignment(f"vendors.meta.name={PAYLOAD.format(marker=marker)}")
    s = Scenario.default().with_overrides({key: value})
    assert s.get("vendors.meta.name") == PAYLOAD.format(marker=marker)
    with pytest.raises(ScenarioError):
        Scenario.default().with_overrides({"vendors.meta.openness": value})
    assert not marker.exists()


# -- parse_assignment ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("developers.count=500", "developers.count", 500),
        ("developers.count = 500 ", "developers.count", 500),
        ("awareness.p=0.05", "awareness.p", 0.05),
        ("training.final_run_share=1e-1", "training.final_run_share", 0.1),
        ("market.reference_capability=-2", "market.reference_capability", -2),
        ("hosts.enabled=false", "hosts.enabled", False),
        ("hosts.enabled=true", "hosts.enabled", True),
        ("sizes.capability_gap=[1.5, 0.5, 0]", "sizes.capability_gap", [1.5, 0.5, 0]),
        ('vendors.meta.release.sizes=["small", "large"]', "vendors.meta.release.sizes", ["small", "large"]),
        ("vendors.meta.openness=always_closed", "vendors.meta.openness", "always_closed"),
        ('vendors.meta.openness="always_closed"', "vendors.meta.openness", "always_closed"),
        ("run.start=2024-06", "run.start", "2024-06"),
        ("vendors.meta.name=Meta AI", "vendors.meta.name", "Meta AI"),
        ("vendors.meta.name=a=b", "vendors.meta.name", "a=b"),
    ],
)
def test_parse_assignment(text, key, value):
    got_key, got = parse_assignment(text)
    assert got_key == key
    assert got == value
    assert type(got) is type(value)


def test_parse_assignment_needs_equals():
    msg = error(parse_assignment, "developers.count")
    assert "key=value" in msg


def test_parsed_assignments_apply(default):
    s = default.with_overrides(
        dict(
            parse_assignment(a)
            for a in ("developers.count=500", "vendors.meta.openness=always_closed", "run.start=2024-06")
        )
    )
    assert s.get("developers.count") == 500
    assert s.get("vendors.meta.openness") == {"strategy": "always_closed"}
    assert s.get("run.start") == "2024-06"


def test_default_toml_file_is_packaged():
    assert Scenario.load(DEFAULT_TOML) == Scenario.default()
