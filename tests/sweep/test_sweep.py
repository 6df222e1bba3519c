"""The sweep engine: specs, designs, executors, resumable result sets, failures."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from market_sim.errors import SpecError
from market_sim.strategies.pricing import PricingStrategy
from market_sim.strategies.registry import REGISTRIES, register
from market_sim.sweep import SerialExecutor, SweepSpec, load_sweep, plan, replicate_seeds, run_sweep
from market_sim.sweep.designs import build
from market_sim.sweep.executors import open_executor

SMALL = {"developers.count": 300, "researchers.count": 60, "market.demand_sample": 100}


def spec_dict(**sweep):
    return {
        "sweep": {"name": "t", "months": 4, "replicates": 2, "seed": 7, "design": "grid", **sweep},
        "parameters": {"developers.count": [200, 300]},
        "arms": {
            "open": {
                **{k: v for k, v in SMALL.items() if k != "developers.count"},
                "vendors.meta.openness": "always_open",
            },
            "closed": {
                **{k: v for k, v in SMALL.items() if k != "developers.count"},
                "vendors.meta.openness": "always_closed",
            },
        },
    }


def sweep_into(out, spec, executor=None, **kw):
    return run_sweep(spec, str(out), executor or SerialExecutor(), progress=False, **kw)


def frames(path):
    res = load_sweep(path)
    ts = res.timeseries().sort_values(["run_id", "month"]).reset_index(drop=True)
    runs = res.runs.drop(columns=["wall_seconds"]).sort_values("run_id").reset_index(drop=True)
    return runs, ts


# -- designs ----------------------------------------------------------------------------------


def test_grid_is_the_full_factorial_in_interleaved_order():
    spec = SweepSpec.from_dict(
        {**spec_dict(), "parameters": {"developers.count": [200, 300], "hosts.markup": [0.1, 0.2, 0.3]}}
    )
    tasks, info = plan(spec)
    assert len(info["points"]) == 6 and len(tasks) == 6 * 2 * 2
    assert {tuple(sorted(p.items())) for p in info["points"]} == {
        (("developers.count", c), ("hosts.markup", m)) for c in (200, 300) for m in (0.1, 0.2, 0.3)
    }
    first_second = min(t.run_id for t in tasks if t.replicate == 1)
    assert all(t.replicate == 0 for t in tasks if t.run_id < first_second)  # every point's first seed first
    # common random numbers: one seed per replicate, shared by arms and points
    assert {t.seed for t in tasks if t.replicate == 0} == {replicate_seeds(7, 2)[0]}


@pytest.mark.parametrize(
    "design, samples, expected", [("lhs", 10, 10), ("sobol", 8, 8 * (2 + 2)), ("morris", 5, 5 * (2 + 1))]
)
def test_sampled_designs_have_the_right_size_and_stay_in_bounds(design, samples, expected):
    spec = SweepSpec.from_dict(
        {
            "sweep": {"design": design, "samples": samples, "replicates": 1, "months": 2},
            "parameters": {"hosts.markup": [0.1, 0.9], "developers.count": [100, 900]},
        }
    )
    d = build(spec)
    assert len(d.points) == expected
    markup = np.array([p["hosts.markup"] for p in d.points])
    count = np.array([p["developers.count"] for p in d.points])
    assert ((markup >= 0.1) & (markup <= 0.9)).all() and ((count >= 100) & (count <= 900)).all()
    assert all(isinstance(c, int) for c in (p["developers.count"] for p in d.points))
    assert build(spec).points == d.points  # deterministic
    if design == "lhs":  # one point per stratum in each dimension
        strata = np.floor((markup - 0.1) / 0.8 * samples).astype(int)
        assert sorted(strata) == list(range(samples))


# -- bad specs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"parameters": {"developers.cont": [1, 2]}}, "developers.cont"),
        ({"parameters": {"developers.count": [-5, 10]}}, "developers.count = -5"),
        ({"parameters": {"hosts.markup": "high"}}, "non-empty list"),
        ({"sweep": {"design": "random"}}, "grid, lhs, sobol, morris"),
        (
            {"sweep": {"design": "lhs"}, "parameters": {"vendors.openai.openness": ["always_open", "always_closed"]}},
            "categorical",
        ),
        ({"sweep": {"design": "sobol", "samples": 6}, "parameters": {"hosts.markup": [0.1, 0.2]}}, "power of 2"),
        ({"sweep": {"design": "lhs"}, "parameters": {"hosts.markup": [0.5, 0.1]}}, "low < high"),
        ({"sweep": {"metrics": ["share_opne"]}}, "share_opne"),
        ({"sweep": {"replicas": 3}}, "sweep.replicas"),
        ({"arms": {"x": {"vendors.meta.openness": "sometimes"}}}, "arms.x"),
        ({"sweep": {"scenario": "no/such/file.toml"}}, "no/such/file.toml"),
        ({"grid": {}}, "unknown section [grid]"),
    ],
)
def test_bad_specs_are_refused_before_any_run(change, message):
    raw = spec_dict()
    for section, value in change.items():
        raw[section] = {**raw.get(section, {}), **value} if section == "sweep" else value
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]")):
        SweepSpec.from_dict(raw)


def test_cli_bad_spec_exits_2_without_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[sweep]\ndesign = "random"\n')
    out = subprocess.run(
        [sys.executable, "-m", "market_sim.cli", "sweep", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("market-sim: error:") and "Traceback" not in out.stderr
    assert not (tmp_path / "o").exists()


# -- executors give identical results ---------------------------------------------------------


def test_serial_process_pool_and_dask_are_bit_identical(tmp_path):
    spec = SweepSpec.from_dict(spec_dict())
    sweep_into(tmp_path / "serial", spec)
    with open_executor(workers=2) as ex:
        sweep_into(tmp_path / "pool", spec, ex.executor, workers=2)
    with open_executor(workers=2, cluster="local") as ex:
        sweep_into(tmp_path / "dask", spec, ex.executor, workers=2)
    runs, ts = frames(tmp_path / "serial")
    assert (runs["status"] == "ok").all() and len(runs) == 8
    for other in ("pool", "dask"):
        r, t = frames(tmp_path / other)
        pd.testing.assert_frame_equal(runs, r, check_exact=True)
        pd.testing.assert_frame_equal(ts, t, check_exact=True)
    # paired arms share seeds (CRN) and differ only in the arm's overrides
    by = runs.set_index(["point", "replicate", "arm"])["seed"].unstack("arm")
    assert (by["open"] == by["closed"]).all()


def test_result_set_layout_and_manifest(tmp_path):
    spec = SweepSpec.from_dict(spec_dict(metrics=["share_open", "margin_closed"]))
    sweep_into(tmp_path / "s", spec, spec_text="# spec", command=["market-sim", "sweep"])
    root = tmp_path / "s"
    runs = pd.read_parquet(root / "runs.parquet")
    assert {
        "run_id",
        "arm",
        "point",
        "replicate",
        "seed",
        "status",
        "wall_seconds",
        "error",
        "developers.count",
        "vendors.meta.openness",
    } <= set(runs.columns)
    ts = load_sweep(root).timeseries()
    assert list(ts.columns) == ["run_id", "month", "date", "share_open", "margin_closed"]
    assert len(ts) == len(runs) * 4
    manifest = json.loads((root / "manifest.json").read_text())
    for key in ("spec", "spec_hash", "packages", "git_commit", "command_line", "started_utc", "finished_utc"):
        assert key in manifest
    assert manifest["command_line"] == ["market-sim", "sweep"]


# -- resume, faults ---------------------------------------------------------------------------

EXPLODE = {"on": True}


@register(replace=True)
class Exploding(PricingStrategy):
    """A test strategy that raises while EXPLODE['on'] is set."""

    name = "test_exploding"

    def __init__(self):
        pass

    def prices(self, ctx):
        if EXPLODE["on"]:
            raise RuntimeError("boom: test failure")
        return ctx.cost * 1.5


def test_failed_runs_are_recorded_and_retried_alone(tmp_path):
    raw = spec_dict()
    raw["arms"]["closed"]["vendors.openai.pricing"] = "test_exploding"
    spec = SweepSpec.from_dict(raw)
    EXPLODE["on"] = True
    try:
        report = sweep_into(tmp_path / "f", spec)
        runs = load_sweep(tmp_path / "f").runs
        failed = runs[runs["status"] == "failed"]
        assert report.failed == 4 and set(failed["arm"]) == {"closed"}
        assert failed["error"].str.contains("boom: test failure").all()
        assert (runs.loc[runs["status"] == "ok", "arm"] == "open").all()
        again = sweep_into(tmp_path / "f", spec)  # without --retry-failed nothing is redone
        assert again.done == 0 and again.skipped == 8
        EXPLODE["on"] = False
        retried = sweep_into(tmp_path / "f", spec, retry_failed=True)
        assert retried.done == 4 and retried.failed == 0
        assert (load_sweep(tmp_path / "f").runs["status"] == "ok").all()
    finally:
        EXPLODE["on"] = True
    assert "test_exploding" in REGISTRIES["pricing"]


def test_changed_spec_is_refused_unless_force_new(tmp_path):
    sweep_into(tmp_path / "c", SweepSpec.from_dict(spec_dict()))
    changed = SweepSpec.from_dict(spec_dict(seed=8))
    with pytest.raises(SpecError, match="different spec"):
        sweep_into(tmp_path / "c", changed)
    report = sweep_into(tmp_path / "c", changed, force_new=True)
    assert report.done == 8
    assert set(load_sweep(tmp_path / "c").runs["seed"]) == set(replicate_seeds(8, 2))


def test_sigkill_then_resume_redoes_nothing_and_matches_uninterrupted(tmp_path):
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(
        textwrap.dedent(
            """
            [sweep]
            name = "kill"
            months = 6
            replicates = 3
            seed = 99
            [parameters]
            "developers.count" = [300, 400]
            "researchers.count" = [60]
            "market.demand_sample" = [100]
            [arms]
            a = { "vendors.meta.openness" = "always_open" }
            b = { "vendors.meta.openness" = "always_closed" }
            """
        )
    )
    cmd = [sys.executable, "-m", "market_sim.cli", "sweep", str(spec_path), "--workers", "1", "--no-progress"]
    out = tmp_path / "killed"
    proc = subprocess.Popen([*cmd, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("records/*.json"))) < 3:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "records").glob("*.json")}
    assert 3 <= len(before) < 12
    done = subprocess.run([*cmd, "--out", str(out)], capture_output=True, text=True, check=True)
    assert f"{len(before)} already finished" in done.stdout
    after = {p.name: p.stat().st_mtime_ns for p in (out / "records").glob("*.json")}
    assert len(after) == 12 and all(after[k] == v for k, v in before.items())  # nothing redone
    subprocess.run([*cmd, "--out", str(tmp_path / "clean")], capture_output=True, check=True)
    runs_k, ts_k = frames(out)
    runs_c, ts_c = frames(tmp_path / "clean")
    pd.testing.assert_frame_equal(runs_k, runs_c, check_exact=True)
    pd.testing.assert_frame_equal(ts_k, ts_c, check_exact=True)
    assert not list(out.rglob(".tmp-*"))  # the resumed sweep removed the killed one's temporary files


def test_unreachable_scheduler_is_a_clear_error():
    from market_sim.errors import SchedulerError

    with pytest.raises(SchedulerError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        with open_executor(scheduler="tcp://127.0.0.1:9"):
            pass


def test_analyze_writes_summary_differences_figures_and_indices(tmp_path):
    from market_sim.cli import main

    spec = SweepSpec.from_dict(spec_dict(metrics=["share_open", "margin_closed"]))
    sweep_into(tmp_path / "g", spec)
    assert main(["analyze", str(tmp_path / "g")]) == 0
    summary = pd.read_csv(tmp_path / "g" / "summary.csv")
    assert set(summary["metric"]) == {"share_open", "margin_closed"} and (summary["n"] == 2).all()
    diffs = pd.read_csv(tmp_path / "g" / "paired_differences.csv")
    assert set(diffs["point"]) == {0, 1} and (diffs["n"] == 2).all()
    assert (tmp_path / "g" / "figures" / "over_time_share_open.png").stat().st_size > 10_000

    sobol = SweepSpec.from_dict(
        {
            "sweep": {"design": "sobol", "samples": 4, "replicates": 1, "months": 3, "metrics": ["share_open"]},
            "parameters": {"hosts.markup": [0.1, 1.0], "switching.closed_exit_usd": [0.0, 3000.0]},
        }
    )
    base = {k: v for k, v in SMALL.items()}
    raw = {**sobol.raw, "arms": {"small": base}}
    sweep_into(tmp_path / "s", SweepSpec.from_dict(raw))
    assert main(["analyze", str(tmp_path / "s"), "--window", "2"]) == 0
    indices = pd.read_csv(tmp_path / "s" / "indices.csv")
    assert set(indices["parameter"]) == {"hosts.markup", "switching.closed_exit_usd"}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(indices.columns)


def test_analyze_of_a_folder_without_a_sweep_exits_2(tmp_path):
    from market_sim.cli import main

    assert main(["analyze", str(tmp_path)]) == 2


def test_spec_plugins_are_loaded_in_worker_processes(tmp_path):
    (tmp_path / "mine.py").write_text(
        textwrap.dedent(
            '''
            from market_sim.strategies import register
            from market_sim.strategies.pricing import PricingStrategy


            @register(replace=True)
            class DoubleCost(PricingStrategy):
                """Price at twice the serving cost."""

                name = "test_double_cost"

                def __init__(self):
                    pass

                def prices(self, ctx):
                    return 2.0 * ctx.cost
            '''
        )
    )
    raw = spec_dict(plugins=["mine.py"])
    raw["arms"]["closed"]["vendors.openai.pricing"] = "test_double_cost"
    with pytest.raises(SpecError, match="--allow-plugins"):
        SweepSpec.from_dict(raw, base_dir=tmp_path)  # a plugin is code: never imported unasked
    spec = SweepSpec.from_dict(raw, base_dir=tmp_path, allow_plugins=True)
    with open_executor(workers=2) as ex:  # spawned workers know nothing of the test module
        report = sweep_into(tmp_path / "p", spec, ex.executor, workers=2)
    assert report.failed == 0
    with pytest.raises(SpecError, match="sweep.plugins"):
        SweepSpec.from_dict(spec_dict(plugins=["missing.py"]), base_dir=tmp_path, allow_plugins=True)
