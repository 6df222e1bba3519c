"""The market-sim command line, run in-process through ``market_sim.cli.main`` (and once as a process)."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from market_sim.cli import main
from market_sim.scenario import Scenario
from market_sim.schema import STRATEGY_SLOTS
from market_sim.strategies import registry
from market_sim.strategies.pricing import Markup

FAST = ["--months", "3", "--set", "developers.count=2000"]
SUBCOMMANDS = ["run", "strategies", "scenario"]
DATES = pd.period_range(Scenario.default().get("run.start"), periods=3, freq="M").strftime("%Y-%m").tolist()


def expect_usage_error(capsys, argv: list[str]) -> str:
    """Run ``argv``; assert exit status 2 and a one-line error without a traceback; return it."""
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("market-sim: error: ")
    return lines[0]


# -- help ---------------------------------------------------------------------------------------
def test_top_level_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: market-sim")
    for command in SUBCOMMANDS:
        assert command in out


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_subcommand_help(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: market-sim {command}")
    assert "--plugin" in out


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "usage: market-sim" in capsys.readouterr().err


# -- run ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """One short run shared by the output tests: (folder, stdout, argv)."""
    out = tmp_path_factory.mktemp("cli") / "run"
    argv = ["run", *FAST, "--out", str(out), "--seed", "1", "--csv"]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main(argv)
    assert status == 0
    return out, stdout.getvalue(), argv


def test_run_writes_all_outputs(run_dir):
    out, _, _ = run_dir
    expected = {
        "timeseries.parquet",
        "timeseries.csv",
        "manifest.json",
        "scenario.toml",
        "adoption.png",
        "prices.png",
        "vendors.csv",
    }
    assert expected <= {p.name for p in out.iterdir()}
    for name in expected:
        assert (out / name).stat().st_size > 0
    # no temporary folders left beside the output
    assert [p.name for p in out.parent.iterdir()] == ["run"]


def test_run_timeseries(run_dir):
    out, _, _ = run_dir
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 3
    assert list(ts["date"].astype(str)) == DATES
    assert isinstance(ts["date"].dtype, pd.PeriodDtype)
    csv = pd.read_csv(out / "timeseries.csv")
    assert list(csv.columns) == list(ts.columns)
    assert len(csv) == 3
    vendors = pd.read_csv(out / "vendors.csv", index_col="vendor")
    assert list(vendors.index) == Scenario.default().vendor_ids


def test_run_manifest(run_dir):
    out, _, _ = run_dir
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("scenario_hash", "seed", "packages", "git_commit", "command_line"):
        assert key in manifest
    assert manifest["seed"] == 1
    assert manifest["months"] == 3
    assert isinstance(manifest["packages"], dict) and "numpy" in manifest["packages"]
    assert isinstance(manifest["git_commit"], str) and manifest["git_commit"]
    assert isinstance(manifest["command_line"], list)
    expected = Scenario.default().with_overrides({"developers.count": 2000, "run.months": 3})
    assert manifest["scenario_hash"] == expected.hash


def test_run_manifest_records_the_arguments_given_to_main(run_dir):
    out, _, argv = run_dir
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command_line"][-len(argv) :] == argv


def test_run_scenario_toml_loads_to_same_hash(run_dir):
    out, _, _ = run_dir
    manifest = json.loads((out / "manifest.json").read_text())
    loaded = Scenario.load(out / "scenario.toml")
    assert loaded.hash == manifest["scenario_hash"]
    assert loaded.get("developers.count") == 2000
    assert loaded.months == 3


def test_run_prints_summary(run_dir):
    out, stdout, _ = run_dir
    assert f"market_sim: 3 months to {DATES[-1]}, seed 1" in stdout
    assert "open-weight token share" in stdout
    assert "HHI" in stdout
    for vid in Scenario.default().vendor_ids:
        assert Scenario.default().get(f"vendors.{vid}.name") in stdout
    assert str(out) in stdout


def test_run_replaces_its_own_result_but_never_a_foreign_folder(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    expect_usage_error(capsys, ["run", *FAST, "--months", "1", "--out", str(out), "--force"])
    assert (out / "stale.txt").read_text() == "old"  # a folder market_sim did not write is never replaced
    (out / "stale.txt").unlink()
    assert main(["run", *FAST, "--months", "1", "--out", str(out)]) == 0
    assert main(["run", *FAST, "--months", "1", "--out", str(out)]) == 0  # the same result: replaced
    capsys.readouterr()
    assert (out / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--set", "developers.count=-1"], ["developers.count", "-1"]),
        (["--set", "nosuch.key=1"], ["nosuch"]),
        (["--set", "vendors.meta.openness=sometimes"], ["sometimes", "always_open"]),
        (["--set", "developers.cont=5"], ["developers.cont", "count"]),
        (["--set", "vendors.mta.openness=always_open"], ["mta"]),
        (["--set", "developers.count"], ["key=value"]),
        (["--months", "0"], ["run.months"]),
        (["--plugin", "no_such_plugin.py"], ["no_such_plugin.py"]),
        (["--set", "market.price_form=cubic"], ["market.price_form", "cubic", "'linear'", "'log'"]),
        (["--set", "market.nest_correlation=1.0"], ["market.nest_correlation", "1.0", "[0, 0.999]"]),
        (["--set", "developers.price_elasticity=-0.5"], ["developers.price_elasticity", "-0.5", "[0, 3]"]),
        (["--set", "tiers.volume_shares=[0.5,0.6]"], ["tiers"]),
    ],
)
def test_run_bad_input_exits_2_without_output(tmp_path, capsys, args, words):
    out = tmp_path / "out"
    line = expect_usage_error(capsys, ["run", *args, "--out", str(out)])
    for word in words:
        assert word in line
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_run_missing_scenario_file(tmp_path, capsys):
    out = tmp_path / "out"
    line = expect_usage_error(capsys, ["run", str(tmp_path / "nope.toml"), "--out", str(out), *FAST])
    assert "nope.toml" in line
    assert list(tmp_path.iterdir()) == []


def test_run_invalid_toml_file(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[developers\ncount = 1\n")
    out = tmp_path / "out"
    line = expect_usage_error(capsys, ["run", str(path), "--out", str(out)])
    assert "bad.toml" in line and "TOML" in line
    assert not out.exists()


def test_bad_input_as_a_process(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "market_sim.cli", "run", "--set", "developers.count=-1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("market-sim: error: developers.count = -1 is not allowed")
    assert "Traceback" not in proc.stderr
    assert not out.exists()


# -- strategies and scenario ----------------------------------------------------------------------
def test_strategies_lists_every_registered_name(capsys):
    assert main(["strategies"]) == 0
    out = capsys.readouterr().out
    sections = {}
    current = None
    for line in out.splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = set()
        elif line.startswith("  ") and line.strip():
            sections[current].add(line.split()[0])
    assert list(sections) == list(STRATEGY_SLOTS)
    for slot in STRATEGY_SLOTS:
        assert set(registry.names(slot)) <= sections[slot]
    assert f"markup={Markup().markup!r}" in out  # parameters with their defaults


def test_scenario_prints_toml_with_override(capsys):
    assert main(["scenario", "--set", "developers.count=500"]) == 0
    out = capsys.readouterr().out
    assert "count = 500" in out.splitlines()
    s = Scenario.from_toml(out)
    assert s == Scenario.default().with_overrides({"developers.count": 500})


def test_scenario_of_a_file(tmp_path, capsys):
    path = tmp_path / "mine.toml"
    path.write_text('[vendors.meta]\nopenness = "always_closed"\n')
    assert main(["scenario", str(path)]) == 0
    s = Scenario.from_toml(capsys.readouterr().out)
    assert s.get("vendors.meta.openness") == {"strategy": "always_closed"}


def test_scenario_bad_override(capsys):
    line = expect_usage_error(capsys, ["scenario", "--set", "vendors.meta.openness=sometimes"])
    assert "sometimes" in line
