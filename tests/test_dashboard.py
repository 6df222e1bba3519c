"""The dashboard's logic without a browser: fields, bad input, stepped runs, arms, sweep folders."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from market_sim import Scenario, run
from market_sim.cli import main
from market_sim.dashboard import logic
from market_sim.errors import UserError
from market_sim.scenario import parse_assignment


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return Scenario.default().with_overrides(
        {"developers.count": 400, "researchers.count": 60, "run.months": 6, "market.demand_sample": 200}
    )


def cli_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err.strip()


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("developers.count", "-5"),
        ("vendors.meta.pricing.markup", "-1"),
        ("market.serving_cost_decline_per_year", "abc"),
        ("vendors.meta.openness", "sometimes"),
    ],
)
def test_bad_field_gives_the_cli_message(capsys, key, text):
    with pytest.raises(UserError) as info:
        logic.build_scenario(Scenario.default(), {key: text})
    shown = logic.error_text(info.value)
    assert shown == cli_error(capsys, ["scenario", "--set", f"{key}={text}"])
    assert key in shown


def test_extra_lines_are_read_like_set(capsys):
    with pytest.raises(UserError) as info:
        logic.build_scenario(Scenario.default(), {}, "developers.cuont = 5")
    assert logic.error_text(info.value) == cli_error(capsys, ["scenario", "--set", "developers.cuont=5"])


def test_fields_build_the_scenario_the_cli_builds():
    texts = {
        "vendors.meta.pricing.markup": "0.7",  # a parameter before its strategy: order fixed by build_scenario
        "vendors.meta.pricing": "markup",
        "developers.count": "3000",
        "hosts.enabled": "false",
    }
    built = logic.build_scenario(Scenario.default(), texts, "vendors.openai.openness = always_open\n# comment")
    expected = Scenario.default().with_overrides(
        dict(parse_assignment(a) for a in ["vendors.meta.pricing=markup", "vendors.meta.pricing.markup=0.7"])
        | {"developers.count": 3000, "hosts.enabled": False, "vendors.openai.openness": "always_open"}
    )
    assert built == expected


@pytest.mark.parametrize("value", [True, 0.55, 1e8, 20000, "always_open", ("small", "medium"), 1e-6, 3.0])
def test_shown_values_read_back(value):
    back = logic.parse_value(logic.format_value(value))
    assert back == (list(value) if isinstance(value, tuple) else value)
    assert type(back) is type(value) or isinstance(value, tuple)


def test_every_strategy_parameter_round_trips_through_its_field():
    for slot in logic.SLOTS:
        for name in logic.strategy_names(slot):
            params = {
                f"vendors.meta.{slot}.{p}": logic.format_value(default)
                for p, (_, default) in logic.strategy_fields(slot, name).items()
            }
            scenario = logic.build_scenario(Scenario.default(), {f"vendors.meta.{slot}": name, **params})
            assert scenario.get(f"vendors.meta.{slot}")["strategy"] == name


def test_seeds():
    assert logic.parse_seeds("1-3, 7") == [1, 2, 3, 7]
    for bad in ("", "a", "-1", "1-100"):
        with pytest.raises(UserError, match="seeds"):
            logic.parse_seeds(bad)


def test_stepped_run_equals_run(tiny):
    seen = []
    ts = logic.step_run(tiny, 3, lambda part: seen.append(len(part)), every=4)
    assert seen == [4, 6]
    pd.testing.assert_frame_equal(ts, run(tiny, seed=3).timeseries)
    assert logic.headline(ts)["share_open"] == pytest.approx(float(ts["share_open"].iloc[-1]))


def test_arms_share_seeds_and_pair(tiny):
    arms = {
        "open": tiny.with_overrides({"vendors.meta.openness": "always_open"}),
        "closed": tiny.with_overrides({"vendors.meta.openness": "always_closed"}),
    }
    result = logic.run_arms(arms, [1, 2])
    assert list(result.runs) == ["open", "closed"] and result.seeds == [1, 2]
    pd.testing.assert_frame_equal(result.runs["closed"][1], run(arms["closed"], seed=2).timeseries)
    table = logic.paired_table(result, ["share_meta", "not_a_metric"])
    final = result.final("share_meta")
    assert list(table["metric"]) == ["share_meta"]
    assert table["difference"].iloc[0] == pytest.approx((final["closed"] - final["open"]).mean())
    assert table["ci_low"].iloc[0] <= table["difference"].iloc[0] <= table["ci_high"].iloc[0]


def test_downloads_reproduce_the_run(tiny, tmp_path):
    ts = run(tiny, seed=1).timeseries
    pd.testing.assert_frame_equal(pd.read_parquet(io.BytesIO(logic.parquet_bytes(ts))), ts)
    assert pd.read_csv(io.BytesIO(logic.csv_bytes(ts))).shape == ts.shape
    path = tmp_path / "scenario.toml"
    path.write_text(tiny.to_toml(), encoding="utf-8")
    pd.testing.assert_frame_equal(run(Scenario.load(path), seed=1).timeseries, ts)


def test_sweep_folder_messages(tiny, tmp_path):
    run_dir = tmp_path / "run"
    run(tiny, seed=0).save(run_dir)
    with pytest.raises(UserError, match="is a run folder"):
        logic.sweep_overview(run_dir)
    with pytest.raises(UserError, match="holds no sweep"):
        logic.sweep_overview(tmp_path / "nothing")


def test_sweep_folder_overview(tmp_path):
    from market_sim.sweep import SerialExecutor, SweepSpec, run_sweep

    spec = SweepSpec.from_dict(
        {
            "sweep": {"name": "t", "months": 3, "replicates": 2, "seed": 1},
            "parameters": {"developers.count": [300]},
            "arms": {"open": {"vendors.meta.openness": "always_open"}, "closed": {}},
        }
    )
    run_sweep(spec, str(tmp_path / "s"), SerialExecutor(), progress=False)
    view = logic.sweep_overview(tmp_path / "s")
    assert view["status"] == {"ok": 4}
    assert view["result"].spec["sweep"]["name"] == "t"


def test_dashboard_port_checked(capsys):
    assert "--port 0 is not allowed" in cli_error(capsys, ["dashboard", "--port", "0"])
