"""The reproductions of issue 15, each now a clean exit 2 with one line (or the documented safe
behaviour): plugins, output folders, bad files, unbounded values, specs that must mean what they say,
size limits, schedulers, pool workers outliving the driver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import tomli_w

from market_sim.cli import main
from market_sim.errors import ScenarioError, SpecError
from market_sim.files import host_name
from market_sim.scenario import Scenario
from market_sim.schema import BOUNDS, FLOAT_LIMIT, field_tables

DEMO = Path(__file__).resolve().parents[1] / "experiments" / "specs" / "demo.toml"
FAST = ["--months", "2", "--set", "developers.count=200", "--set", "researchers.count=30"]


def usage_error(capsys, argv) -> str:
    """Run ``argv`` in-process: exit 2, one line, no traceback; returns the line."""
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 2, (out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("market-sim: error: "), err
    return lines[0]


def write_spec(folder: Path, sweep=None, **sections) -> Path:
    raw = {"sweep": {"name": "t", "months": 2, "replicates": 1, **(sweep or {})}, **sections}
    path = folder / "spec.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


# -- plugins: opt-in, checked last, inside the spec folder, once per process ---------------------
PLUGIN = textwrap.dedent(
    """
    import os

    with open(os.environ["MARKET_SIM_TEST_MARKER"], "a") as f:
        f.write("ran\\n")
    """
)


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    marker = tmp_path / "marker.txt"
    monkeypatch.setenv("MARKET_SIM_TEST_MARKER", str(marker))
    (tmp_path / "evil.py").write_text(PLUGIN)
    return marker


def test_invalid_spec_never_runs_its_plugin(tmp_path, plugin, capsys):
    spec = write_spec(tmp_path, {"design": "bogus", "plugins": ["evil.py"]})
    line = usage_error(capsys, ["sweep", str(spec), "--allow-plugins", "--out", str(tmp_path / "o")])
    assert "sweep.design = 'bogus'" in line
    assert not plugin.exists()


@pytest.mark.parametrize(
    "sections",
    [
        {"arms": {"a": {"hosts.markup": -1.0}}},
        {"parameters": {"developers.count": [100, 100]}},
        {"arms": {"a": {"vendors.meta.pricing": "from_the_plugin", "hosts.markup": "x"}}},
    ],
)
def test_a_spec_refused_for_a_value_never_runs_its_plugin_even_with_the_flag(tmp_path, plugin, capsys, sections):
    spec = write_spec(tmp_path, {"plugins": ["evil.py"]}, **sections)
    usage_error(capsys, ["sweep", str(spec), "--allow-plugins", "--out", str(tmp_path / "o")])
    assert not plugin.exists()  # only an unknown strategy name waits for the plugins; any other error comes first


def test_valid_spec_with_plugins_is_refused_without_the_flag(tmp_path, plugin, capsys):
    spec = write_spec(tmp_path, {"plugins": ["evil.py"]}, parameters={"developers.count": [100]})
    line = usage_error(capsys, ["sweep", str(spec), "--out", str(tmp_path / "o")])
    assert "--allow-plugins" in line and "arbitrary Python code" in line
    assert not plugin.exists() and not (tmp_path / "o").exists()


def test_plugin_paths_must_stay_in_the_spec_folder_and_be_python_files(tmp_path, plugin, capsys):
    inner = tmp_path / "specs"
    inner.mkdir()
    spec = write_spec(inner, {"plugins": ["../evil.py"]})
    assert "inside the spec's folder" in usage_error(capsys, ["sweep", str(spec), "--allow-plugins"])
    (inner / "notes.txt").write_text("x = 1")
    spec = write_spec(inner, {"plugins": ["notes.txt"]})
    assert "ending in .py" in usage_error(capsys, ["sweep", str(spec), "--allow-plugins"])
    assert "ending in .py" in usage_error(capsys, ["run", "--plugin", str(inner / "notes.txt")])
    assert not plugin.exists()


def test_an_absolute_plugin_with_the_flag_is_imported_once_per_process(tmp_path, plugin):
    from market_sim.sweep import SweepSpec

    raw = {"sweep": {"name": "t", "months": 2, "plugins": [str(tmp_path / "evil.py")]}}
    SweepSpec.from_dict(raw, base_dir=tmp_path / "elsewhere", allow_plugins=True)
    SweepSpec.from_dict(raw, base_dir=tmp_path / "elsewhere", allow_plugins=True)
    assert plugin.read_text() == "ran\n"


def test_help_says_a_plugin_is_arbitrary_code(capsys):
    for command in ("run", "sweep"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "arbitrary" in " ".join(capsys.readouterr().out.split())


# -- run --out: never destroy what market_sim did not write ---------------------------------------
def test_run_out_refuses_a_foreign_folder_a_file_and_the_current_folder(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "thesis.tex").write_text("precious")
    assert "not a market_sim run folder" in usage_error(capsys, ["run", *FAST, "--out", str(folder), "--force"])
    assert (folder / "thesis.tex").read_text() == "precious"
    file = tmp_path / "file.txt"
    file.write_text("keep")
    assert "not a folder" in usage_error(capsys, ["run", *FAST, "--out", str(file)])
    assert file.read_text() == "keep" and not (tmp_path / ".file.txt.old").exists()
    monkeypatch.chdir(folder)
    for out in (".", "", str(tmp_path)):
        assert "--out" in usage_error(capsys, ["run", *FAST, "--out", out])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt", "notes"]


def test_run_default_names_differ_by_overrides_and_another_scenario_needs_force(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--seed", "3", *FAST]) == 0
    assert main(["run", "--seed", "3", *FAST, "--set", "hosts.markup=0.5"]) == 0
    capsys.readouterr()
    names = sorted(p.name for p in (tmp_path / "outputs" / "runs").iterdir())
    assert len(names) == 2 and all(n.startswith("default-seed3-set") for n in names)
    out = tmp_path / "outputs" / "runs" / names[0]
    hash_before = json.loads((out / "manifest.json").read_text())["scenario_hash"]
    other = ["run", "--seed", "4", *FAST, "--out", str(out)]
    assert "--force" in usage_error(capsys, other)
    assert json.loads((out / "manifest.json").read_text())["scenario_hash"] == hash_before
    assert main([*other, "--force"]) == 0
    capsys.readouterr()
    assert json.loads((out / "manifest.json").read_text())["seed"] == 4


def test_run_removes_stale_temp_folders_and_follows_the_umask(tmp_path, capsys):
    stale = tmp_path / f".run.tmp-{host_name()}-{2**22 + 4321}-abc"
    stale.mkdir()
    (stale / "timeseries.parquet").write_text("half")
    alive = tmp_path / f".run.tmp-{host_name()}-{os.getpid()}-xyz"  # a live writer's: kept
    alive.mkdir()
    old = os.umask(0o002)
    try:
        assert main(["run", *FAST, "--out", str(tmp_path / "run")]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    assert not stale.exists() and alive.exists()
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o775
    for path in (tmp_path / "run").iterdir():
        assert path.stat().st_mode & 0o777 == 0o664, path


def test_unwritable_output_is_one_line(capsys):
    line = usage_error(capsys, ["run", *FAST, "--out", "/proc/market_sim_no/run"])
    assert "/proc" in line


# -- bad files ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content, words",
    [
        (b"\x00\x01\xff\xfe binary", ["not UTF-8"]),
        ("[developers]\ncount = 5 # caf\xe9\n".encode("latin-1"), ["not UTF-8", "byte"]),
        (b"x = " + b"[" * 1000 + b"]" * 1000, ["nested too deeply"]),
        (b"a = [[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]", ["nested too deeply"]),
        (b"# " + b"x" * (1 << 20) + b"\n", ["limit"]),
    ],
)
def test_bad_scenario_files_are_one_line(tmp_path, capsys, content, words):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    line = usage_error(capsys, ["run", str(path), "--out", str(tmp_path / "o")])
    assert all(w in line for w in words)
    assert not (tmp_path / "o").exists()


def test_devices_folders_and_fifos_are_refused_without_reading(tmp_path, capsys):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo), str(tmp_path)):
        start = time.perf_counter()
        assert "regular file" in usage_error(capsys, ["run", path]) or "folder" in usage_error(capsys, ["run", path])
        assert time.perf_counter() - start < 5
    assert "regular file" in usage_error(capsys, ["sweep", "/dev/zero"])


def test_deep_set_value_and_bad_options_are_one_line(capsys):
    assert "nested too deeply" in usage_error(capsys, ["scenario", "--set", "run.months=" + "[" * 500 + "]" * 500])
    assert "--seed -1" in usage_error(capsys, ["run", "--seed", "-1"])
    assert "garbage" in usage_error(capsys, ["sweep", str(DEMO), "--scheduler", "garbage"])
    assert "--max-memory nan" in usage_error(capsys, ["run", "--max-memory", "nan"])
    assert "--worker-timeout -1" in usage_error(capsys, ["sweep", str(DEMO), "--worker-timeout", "-1"])


# -- values ---------------------------------------------------------------------------------------
def float_keys() -> list[str]:
    """Every float key of a scenario (vendor keys of one vendor, shock keys excluded: no shocks)."""
    out = []
    for prefix, table in field_tables().items():
        for name, field in table.items():
            if field.kind is float and prefix != "shocks[]":
                out.append(f"vendors.meta.{name}" if prefix == "vendors.*" else f"{prefix}.{name}")
    return out


def test_every_numeric_field_has_finite_bounds_and_bounds_name_real_keys():
    for prefix, table in field_tables().items():
        for name, field in table.items():
            if field.kind in (int, float):
                lo, hi = field.limits()
                assert -FLOAT_LIMIT <= lo <= hi <= FLOAT_LIMIT, f"{prefix}.{name}"
    tables = field_tables()
    for key in BOUNDS:
        prefix, name = key.rsplit(".", 1)
        assert name in tables[prefix], f"BOUNDS names {key}, which the schema no longer has"


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1e300, -1e300, 2**63, -(2**63)])
def test_non_finite_and_huge_values_are_refused_on_every_float_key(value):
    base = Scenario.default()
    for key in float_keys():
        current = base.get(key)
        bad = [value] * len(current) if isinstance(current, list) else value
        with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
            base.with_overrides({key: bad})


@pytest.mark.parametrize(
    "overrides, words",
    [
        ({"run.start": "0000-01"}, ["run.start", "0000-01", "1900"]),
        ({"developers.size_need_shares": [0, 0, 0]}, ["size_need_shares", "sum to 1"]),
        ({"developers.size_need_shares": [1, 1, 1]}, ["size_need_shares", "sum to 3"]),
        ({f"vendors.{v}.enabled": False for v in Scenario.default().vendor_ids}, ["every vendor is disabled"]),
        ({"shocks": [{"month": 96, "vendor": "openai", "kind": "price_hike"}]}, ["shocks[0].month", "0 to 95"]),
        (
            {"vendors.openai.enabled": False, "shocks": [{"month": 3, "vendor": "openai", "kind": "price_hike"}]},
            ["shocks[0].vendor", "enabled vendor"],
        ),
        ({"developers.count": 10**12}, ["developers.count"]),
    ],
)
def test_specs_mean_what_they_say_in_scenarios(overrides, words):
    with pytest.raises(ScenarioError) as info:
        Scenario.default().with_overrides(overrides)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_vendor_id_with_a_trailing_newline_is_refused():
    data = Scenario.default().to_dict()
    data["vendors"]["meta2\n"] = data["vendors"]["meta"]
    with pytest.raises(ScenarioError, match="vendors.meta2"):
        Scenario(data)


# -- sweep specs ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, words",
    [
        ({"arms": {"": {"hosts.markup": 0.1}}}, ["arms.''", "not empty"]),
        (
            {"parameters": {"hosts.markup": [0.2, 0.4]}, "arms": {"a": {"hosts.markup": 0.3}}},
            ["arms.a", "hosts.markup", "swept"],
        ),
        ({"parameters": {"hosts.markup": [0.2, 0.2]}}, ["hosts.markup", "more than once"]),
        ({"sweep": {"samples": 4}, "parameters": {"hosts.markup": [0.2]}}, ["sweep.samples", "grid"]),
        ({"sweep": {"design": "lhs"}, "parameters": {"developers.count": [100.5, 200]}}, ["integer"]),
        ({"sweep": {"design": "lhs"}, "parameters": {"hosts.markup": [0, float("inf")]}}, ["hosts.markup", "inf"]),
        ({"sweep": {"name": "../../x"}}, ["sweep.name", "'../../x'"]),
        ({"sweep": {"metrics": ["month"]}}, ["month", "always written"]),
        ({"sweep": {"metrics": ["hhi", "hhi"]}}, ["'hhi'", "more than once"]),
        ({"parameters": {f"k{i}": list(range(10)) for i in range(9)}}, ["1,000,000,000 runs", "--max-runs"]),
        ({"sweep": {"replicates": 10**9}}, ["sweep.replicates"]),
        ({"sweep": {"design": "morris", "samples": 10**9}, "parameters": {"hosts.markup": [0, 1]}}, ["samples"]),
        ({"sweep": {"design": "lhs", "samples": 10**12}, "parameters": {"hosts.markup": [0, 1]}}, ["samples"]),
    ],
)
def test_specs_mean_what_they_say(raw, words):
    from market_sim.sweep import SweepSpec

    spec = {"sweep": {"name": "t", "months": 2, **raw.get("sweep", {})}}
    spec.update({k: v for k, v in raw.items() if k != "sweep"})
    start = time.perf_counter()
    with pytest.raises(SpecError) as info:
        SweepSpec.from_dict(spec)
    assert time.perf_counter() - start < 5
    assert all(w in str(info.value) for w in words), str(info.value)


def test_memory_estimate_refuses_huge_populations_with_the_estimate(tmp_path, capsys):
    line = usage_error(capsys, ["run", "--set", "developers.count=100000000", "--out", str(tmp_path / "o")])
    assert "GB of memory" in line and "--max-memory" in line
    spec = write_spec(tmp_path, parameters={"researchers.count": [100, 100_000_000]})
    line = usage_error(capsys, ["sweep", str(spec), "--workers", "1", "--out", str(tmp_path / "s")])
    assert "GB of memory" in line
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_a_scheduler_without_workers_times_out_with_a_message():
    from distributed import LocalCluster

    from market_sim.errors import SchedulerError
    from market_sim.sweep.executors import open_executor

    with LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address=":0") as cluster:
        start = time.perf_counter()
        with pytest.raises(SchedulerError, match="no workers after 2 s"):
            with open_executor(scheduler=cluster.scheduler_address, worker_timeout=2):
                pass
        assert time.perf_counter() - start < 30


DRIVER = textwrap.dedent(
    """
    import os, time
    from market_sim.sweep.executors import open_executor

    if __name__ == "__main__":
        with open_executor(workers=2) as ex:
            pids = {ex.executor.submit(os.getpid).result() for _ in range(8)}
            print(" ".join(map(str, sorted(pids))), flush=True)
            time.sleep(120)
    """
)


def test_pool_workers_end_when_the_driver_is_killed(tmp_path):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert pids
        children = _children(proc.pid)  # the workers and multiprocessing's resource tracker
        assert set(pids) <= set(children)
        pids = children
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.2)
        assert not any(_alive(p) for p in pids), "pool workers or the resource tracker outlived the driver"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()


def _children(parent: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                out.append(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def test_numba_gets_a_writable_cache_when_install_and_home_are_read_only(monkeypatch, tmp_path):
    from market_sim import numba_cache

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert numba_cache.choose_cache_dir() is None  # a writable install: numba's own default
    (tmp_path / "file").write_text("")
    assert not numba_cache.writable(tmp_path / "file" / "x") and numba_cache.writable(tmp_path / "new" / "x")
    monkeypatch.setattr(numba_cache, "writable", lambda folder: False)
    chosen = numba_cache.choose_cache_dir()
    assert chosen is not None and chosen.startswith(tempfile.gettempdir())
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert numba_cache.choose_cache_dir() is None  # the user's choice is kept


def test_import_works_with_no_home(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME", "NUMBA_CACHE_DIR")}
    proc = subprocess.run(
        [sys.executable, "-c", "import market_sim; print(market_sim.Scenario.default().hash)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr


def test_output_piped_into_head_is_not_an_error():
    proc = subprocess.Popen(
        [sys.executable, "-m", "market_sim.cli", "scenario"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()  # like `| head -0`: closed before the command writes (it is still importing)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(60) == 0 and "Traceback" not in err and "error" not in err, err
