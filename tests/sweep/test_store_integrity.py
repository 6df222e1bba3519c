"""Result-set integrity: checksums, damage detection, resume of exactly the damaged runs,
locking against a second writer, write order under an injected failure, design.json seeds."""

from __future__ import annotations

import json
import os
import shutil

import pandas as pd
import pytest

from market_sim.cli import main
from market_sim.errors import SpecError
from market_sim.files import host_name
from market_sim.sweep import SerialExecutor, SweepSpec, load_sweep, replicate_seeds, run_sweep
from market_sim.sweep import store as store_module
from market_sim.sweep.integrity import check, part_path, record_path
from market_sim.sweep.lock import LOCK_NAME, SweepLock

SMALL = {"researchers.count": 30, "market.demand_sample": 50}


def tiny_spec(seed: int = 3, name: str = "tiny") -> dict:
    return {
        "sweep": {"name": name, "months": 3, "replicates": 2, "seed": seed, "metrics": ["share_open", "hhi"]},
        "parameters": {"developers.count": [100, 150]},
        "arms": {"base": SMALL},
    }


def sweep(out, raw=None, **kw):
    spec = SweepSpec.from_dict(raw or tiny_spec())
    return run_sweep(spec, str(out), SerialExecutor(), progress=False, **kw)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A finished 4-run set; tests copy it before damaging it."""
    out = tmp_path_factory.mktemp("integrity") / "set"
    report = sweep(out)
    assert report.done == 4 and report.failed == 0
    return out


@pytest.fixture
def copy(pristine, tmp_path):
    out = tmp_path / "set"
    shutil.copytree(pristine, out)
    return out


def parts_frame(out) -> pd.DataFrame:
    return load_sweep(out).timeseries().sort_values(["run_id", "month"]).reset_index(drop=True)


def test_records_carry_part_checksum_size_spec_hash_and_their_own_checksum(pristine):
    manifest = json.loads((pristine / "manifest.json").read_text())
    for run_id in range(4):
        record = json.loads(record_path(pristine, run_id).read_text())
        data = part_path(pristine, run_id).read_bytes()
        import hashlib

        assert record["part_sha256"] == hashlib.sha256(data).hexdigest()
        assert record["part_bytes"] == len(data)
        assert record["spec_hash"] == manifest["spec_hash"]
        assert len(record["record_sha256"]) == 64
    health = check(pristine)
    assert health.healthy and sorted(health.finished) == [0, 1, 2, 3]


def test_design_json_records_the_replicate_seeds(pristine):
    design = json.loads((pristine / "design.json").read_text())
    assert design["seeds"] == replicate_seeds(3, 2)
    runs = load_sweep(pristine).runs
    for _, row in runs.iterrows():
        assert row["seed"] == design["seeds"][row["replicate"]]


def _delete(out, run_id):
    part_path(out, run_id).unlink()


def _truncate(out, run_id):
    path = part_path(out, run_id)
    path.write_bytes(path.read_bytes()[:-40])


def _flip(out, run_id):
    path = part_path(out, run_id)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _copy_over(out, run_id):
    shutil.copyfile(part_path(out, (run_id + 1) % 4), part_path(out, run_id))


def _truncate_record(out, run_id):
    path = record_path(out, run_id)
    path.write_text(path.read_text()[:30])


def _edit_record(out, run_id):
    path = record_path(out, run_id)
    record = json.loads(path.read_text())
    record["seed"] += 1
    path.write_text(json.dumps(record))


DAMAGE = {
    "deleted part": (_delete, "timeseries/part-0000001.parquet", "missing"),
    "truncated part": (_truncate, "timeseries/part-0000001.parquet", "bytes"),
    "flipped byte": (_flip, "timeseries/part-0000001.parquet", "checksum"),
    "part copied over another": (_copy_over, "timeseries/part-0000001.parquet", ""),
    "truncated record": (_truncate_record, "records/0000001.json", "JSON"),
    "edited record": (_edit_record, "records/0000001.json", "checksum"),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_damage_is_detected_verified_refused_and_resume_reruns_exactly_that_run(copy, pristine, capsys, kind):
    damage, file, reason = DAMAGE[kind]
    damage(copy, 1)
    health = check(copy)
    assert set(health.damaged) == {file} and set(health.damaged_runs) == {1}
    assert reason in health.damaged[file]
    assert 1 not in health.finished

    assert main(["verify", str(copy)]) == 2
    out, err = capsys.readouterr()
    assert file in out and file in err and len(err.strip().splitlines()) == 1
    assert main(["analyze", str(copy), "--window", "2"]) == 2
    err = capsys.readouterr().err
    assert file in err and "--allow-damaged" in err and "Traceback" not in err
    assert not (copy / "summary.csv").exists()

    report = sweep(copy)
    assert report.done == 1 and report.skipped == 3 and set(report.rerun) == {1}
    assert "run 1" in report.rerun_line()
    assert main(["verify", str(copy)]) == 0
    capsys.readouterr()
    pd.testing.assert_frame_equal(parts_frame(copy), parts_frame(pristine))  # bit-identical again


def test_analyze_allow_damaged_uses_the_intact_runs_only(copy, capsys):
    _flip(copy, 2)
    assert main(["analyze", str(copy), "--window", "2", "--allow-damaged"]) == 0
    assert "leaving out damaged files" in capsys.readouterr().err
    runs = load_sweep(copy).runs
    row = runs.set_index("run_id").loc[2]
    assert row["status"] == "damaged" and row["arm"] == "base" and row["replicate"] in (0, 1)
    assert 2 not in set(load_sweep(copy).timeseries()["run_id"])


def test_unsafe_metric_name_in_a_part_is_damage_and_analyze_writes_nothing_outside(copy, tmp_path, capsys):
    """A crafted column name must never become a path: the part no longer verifies."""
    path = part_path(copy, 0)
    frame = pd.read_parquet(path).rename(columns={"hhi": "x/../../../victim/INJECTED"})
    frame.to_parquet(path, index=False)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["analyze", str(copy), "--window", "2"]) == 2
    capsys.readouterr()
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path / "victim").exists()


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(copy, tmp_path, capsys):
    other = tiny_spec(seed=99, name="other")
    spec_file = tmp_path / "other.toml"
    import tomli_w

    spec_file.write_text(tomli_w.dumps(other))
    with SweepLock(copy):  # the first writer, alive (this process)
        assert main(["sweep", str(spec_file), "--out", str(copy), "--workers", "1", "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert "locked" in err and str(os.getpid()) in err and host_name() in err
        with pytest.raises(SpecError, match="locked"):
            sweep(copy)  # even the same spec waits for the holder
    assert not (copy / LOCK_NAME).exists()  # released
    with pytest.raises(SpecError, match="different spec"):
        sweep(copy, other)  # and after the lock is free, another spec is still refused
    assert check(copy).healthy


def test_a_stale_lock_is_taken_over_and_a_foreign_host_lock_is_not(copy):
    lock = copy / LOCK_NAME
    lock.write_text(json.dumps({"pid": 2**22 + 12345, "host": host_name(), "started_utc": "x"}))  # no such pid
    assert sweep(copy).skipped == 4
    assert not lock.exists()
    lock.write_text(json.dumps({"pid": 1, "host": "elsewhere.example", "started_utc": "x"}))
    with pytest.raises(SpecError, match="elsewhere.example"):
        sweep(copy)


def test_record_is_never_written_before_its_part(tmp_path, monkeypatch):
    """Injected failure between part and record: the run is not finished, and resume re-runs it."""
    real = store_module.atomic_write_json
    calls = {"n": 0, "failed": None}

    def fail_second_record(path, obj):
        if path.parent.name == "records":
            calls["n"] += 1
            if calls["n"] == 2:
                assert part_path(path.parent.parent, obj["run_id"]).exists()  # the part came first
                calls["failed"] = obj["run_id"]
                raise OSError(28, "No space left on device")
        return real(path, obj)

    monkeypatch.setattr(store_module, "atomic_write_json", fail_second_record)
    with pytest.raises(OSError):
        sweep(tmp_path / "s")
    monkeypatch.setattr(store_module, "atomic_write_json", real)
    health = check(tmp_path / "s")
    failed = calls["failed"]
    assert len(health.finished) == 1 and failed not in health.finished  # its part exists, no record: not finished
    assert part_path(tmp_path / "s", failed).exists() and not record_path(tmp_path / "s", failed).exists()
    report = sweep(tmp_path / "s")
    assert report.skipped == 1 and report.done == 3


def test_failed_part_write_leaves_no_record(tmp_path, monkeypatch):
    real = store_module.atomic_write_bytes

    def fail_parts(path, data):
        if path.parent.name == "timeseries":
            raise OSError(30, "Read-only file system")
        return real(path, data)

    monkeypatch.setattr(store_module, "atomic_write_bytes", fail_parts)
    with pytest.raises(OSError):
        sweep(tmp_path / "s")
    assert not list((tmp_path / "s" / "records").glob("*.json"))


def test_sweep_files_follow_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        sweep(tmp_path / "s")
    finally:
        os.umask(old)
    root = tmp_path / "s"
    assert (root.stat().st_mode & 0o777) == 0o775
    assert (root / "records").stat().st_mode & 0o777 == 0o775
    for path in [root / "manifest.json", record_path(root, 0), part_path(root, 0), root / "runs.parquet"]:
        assert path.stat().st_mode & 0o777 == 0o664, path


def test_sweep_into_a_folder_of_other_files_is_refused(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(SpecError, match="not a sweep folder"):
        sweep(tmp_path / "mine")
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["thesis.tex"]


def test_two_concurrent_sweeps_of_different_specs_on_one_folder(tmp_path):
    """Started together as processes: exactly one writes, the other is refused (locked, or a
    different spec if the first already finished); the set holds one spec's runs only."""
    import subprocess
    import sys

    import tomli_w

    files = []
    for seed in (1, 2):
        path = tmp_path / f"spec{seed}.toml"
        path.write_text(tomli_w.dumps(tiny_spec(seed=seed)))
        files.append(path)
    out = tmp_path / "shared"
    argv = [sys.executable, "-m", "market_sim.cli", "sweep"]
    procs = [
        subprocess.Popen([*argv, str(f), "--out", str(out), "--workers", "1", "--no-progress"], stderr=subprocess.PIPE)
        for f in files
    ]
    results = [(p.wait(120), p.stderr.read().decode()) for p in procs]
    for p in procs:
        p.stderr.close()
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    refused = next(err for code, err in results if code == 2)
    assert ("locked by another sweep" in refused or "different spec" in refused) and "Traceback" not in refused
    health = check(out)
    assert health.healthy and sorted(health.finished) == [0, 1, 2, 3]
    hashes = {json.loads(record_path(out, r).read_text())["spec_hash"] for r in range(4)}
    assert hashes == {json.loads((out / "manifest.json").read_text())["spec_hash"]}
    assert not (out / LOCK_NAME).exists()


def test_cli_resume_says_which_damaged_runs_it_reruns(copy, tmp_path, capsys):
    import tomli_w

    spec_file = tmp_path / "tiny.toml"
    spec_file.write_text(tomli_w.dumps(tiny_spec()))
    _delete(copy, 2)
    assert main(["sweep", str(spec_file), "--out", str(copy), "--workers", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "re-ran 1 damaged run(s) (run 2: part file missing)" in out
    assert "3 already finished, 1 run now" in out
