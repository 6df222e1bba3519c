"""Fuzz suite (hypothesis): generated scenarios, ``--set`` values, scenario files, sweep specs and
corrupted result folders. Properties:

- every input is accepted or refused with a one-line UserError naming the key (exit 2 on the
  command line), never another exception or a traceback;
- an accepted in-bounds scenario runs (exit 0, finite outputs where defined) and writes only into its
  output folder;
- a result folder reports as finished only runs whose part verifies against an independent SHA-256,
  and a resume restores the set bit-identically.

The CI profile keeps the whole file well under 3 minutes on 2 cores; run the large one by hand:
``MARKET_SIM_FUZZ=large .venv/bin/python -m pytest -q tests/test_fuzz.py`` (counts in
docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market_sim.cli import main
from market_sim.errors import ScenarioError, SpecError, UserError
from market_sim.scenario import Scenario
from market_sim.schema import field_tables
from market_sim.sweep import SerialExecutor, SweepSpec, load_sweep, run_sweep
from market_sim.sweep.integrity import check, part_path, record_path

PROFILE = os.environ.get("MARKET_SIM_FUZZ", "ci")
COUNTS = {  # examples per property: ci, large
    "values": (300, 5000),
    "set": (150, 3000),
    "files": (150, 3000),
    "runs": (12, 300),
    "specs": (120, 3000),
    "corruption": (15, 300),
}


def fuzz(name: str):
    ci, large = COUNTS[name]
    return settings(
        max_examples=large if PROFILE == "large" else ci,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        derandomize=PROFILE != "large",  # CI is reproducible; the large profile explores
    )


BASE = Scenario.default()
TINY = {"developers.count": 60, "researchers.count": 12, "market.demand_sample": 30, "run.months": 3}


def _keys() -> list[tuple[str, object]]:
    out = []
    for prefix, table in field_tables().items():
        for name, field in table.items():
            if prefix == "shocks[]":
                continue
            key = f"vendors.meta.{name}" if prefix == "vendors.*" else f"{prefix}.{name}"
            out.append((key, field))
    return out


KEYS = _keys()
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def in_bounds(field):
    """A value inside a field's declared range (the generic one if it has none)."""
    if field.choices:
        base = st.sampled_from(field.choices)
    elif field.kind is bool:
        base = st.booleans()
    elif field.kind is int:
        lo, hi = field.limits()
        base = st.integers(int(lo), int(min(hi, lo + 1000)))
    elif field.kind is float:
        lo, hi = field.limits()
        base = st.floats(lo, hi, allow_nan=False)
    else:
        return st.none()
    return st.lists(base, min_size=field.length or 1, max_size=field.length or 3) if field.length is not None else base


def assert_clean(exc: UserError, key: str | None = None) -> None:
    text = str(exc)
    assert "\n" not in text.strip() or "is not valid TOML" in text, text
    assert "Traceback" not in text
    if key is not None:
        assert key.split(".")[0] in text or key in text, (key, text)


@fuzz("values")
@given(st.sampled_from(KEYS), st.one_of(junk, st.sampled_from(KEYS).flatmap(lambda kf: in_bounds(kf[1]))))
def test_any_value_on_any_key_is_accepted_or_refused_naming_the_key(key_field, value):
    key, _ = key_field
    try:
        scenario = BASE.with_overrides({key: value})
    except ScenarioError as exc:
        assert_clean(exc, key)
        return
    for section in ("developers", "researchers", "market", "run"):
        for v in np.ravel([x for x in scenario[section].values() if isinstance(x, (int, float))]):
            assert math.isfinite(v)


def run_cli(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def assert_cli_clean(status, out, err) -> None:
    assert status in (0, 2), (status, err)
    assert "Traceback" not in out + err
    if status == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("market-sim: error: "), err


assignment = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda k, v: f"{k}={v}",
        st.sampled_from([k for k, _ in KEYS] + ["vendors", "nosuch.key", "run", "vendors.zz.enabled", "a..b"]),
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(["inf", "nan", "-inf", "1e300", "9223372036854775807", "[1,2,3]", "{a=1}", "[[[[1]]]]"]),
            st.floats().map(repr),
            st.integers().map(str),
        ),
    ),
)


@fuzz("set")
@given(st.lists(assignment, min_size=1, max_size=3))
def test_any_set_argument_is_exit_0_or_a_one_line_exit_2(assignments):
    argv = ["scenario"]
    for a in assignments:
        argv.append(f"--set={a}")  # the = form: a value may start with "-"
    assert_cli_clean(*run_cli(argv))


toml_text = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(
        lambda t: t.encode("utf-8", "surrogatepass") if t.isprintable() else t.encode("utf-8", "replace")
    ),
    st.builds(
        lambda section, key, value: f"[{section}]\n{key} = {value}\n".encode(),
        st.sampled_from(["run", "developers", "vendors.meta", "vendors.x y", "shocks", "base"]),
        st.sampled_from(["months", "count", "enabled", "start", '"k\\n"', "cash_usd"]),
        st.sampled_from(["1", "-1", "inf", "nan", "1e300", '"0000-01"', "[0,0,0]", "true", "{}", '"x"']),
    ),
)


@fuzz("files")
@given(toml_text)
def test_any_scenario_file_is_loaded_or_refused_cleanly(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.toml"
        path.write_bytes(data)
        try:
            Scenario.load(path)
        except ScenarioError as exc:
            assert str(path) in str(exc) or "=" in str(exc) or "section" in str(exc) or "key" in str(exc)
            assert "Traceback" not in str(exc)


@fuzz("runs")
@given(st.lists(st.sampled_from(KEYS).flatmap(lambda kf: st.tuples(st.just(kf[0]), in_bounds(kf[1]))), max_size=3))
def test_in_bounds_scenarios_run_and_write_only_their_folder(pairs):
    overrides = dict(pairs)
    for key in TINY:
        overrides.pop(key, None)
    argv = ["run", "--months", "3"]
    for k, v in {**TINY, **overrides}.items():
        if k != "run.months":
            argv += ["--set", f"{k}={json.dumps(v)}"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "box" / "run"
        status, stdout, err = run_cli([*argv, "--out", str(out)])
        assert_cli_clean(status, stdout, err)
        assert sorted(p.name for p in Path(tmp).iterdir()) == (["box"] if status == 0 or out.parent.exists() else [])
        if status == 0:
            assert sorted(p.name for p in out.parent.iterdir()) == ["run"]
            ts = pd.read_parquet(out / "timeseries.parquet")
            assert len(ts) == 3
            shares = ts[[c for c in ts.columns if c.startswith("share_")]].to_numpy(float)
            assert np.all((shares[np.isfinite(shares)] >= -1e-9) & (shares[np.isfinite(shares)] <= 1 + 1e-9))


spec_values = st.one_of(junk, st.integers(-5, 40), st.sampled_from(["grid", "lhs", "sobol", "morris", "../x", ""]))
spec_dicts = st.fixed_dictionaries(
    {
        "sweep": st.dictionaries(
            st.sampled_from(["name", "months", "replicates", "seed", "design", "samples", "scenario", "plugins", "x"]),
            spec_values,
            max_size=5,
        ),
        "parameters": st.dictionaries(
            st.sampled_from(["hosts.markup", "developers.count", "vendors.meta.openness", "nosuch", "run.months"]),
            st.one_of(junk, st.lists(st.one_of(st.floats(), st.integers(-10, 10**6), st.text(max_size=5)), max_size=4)),
            max_size=2,
        ),
        "arms": st.dictionaries(
            st.text(max_size=6),
            st.dictionaries(st.sampled_from(["hosts.markup", "developers.count", "spillover.rate"]), junk, max_size=2),
            max_size=2,
        ),
    }
)


@fuzz("specs")
@given(spec_dicts)
def test_any_sweep_spec_is_accepted_or_refused_and_accepted_names_stay_inside(raw):
    try:
        spec = SweepSpec.from_dict(raw, base_dir=Path(tempfile.gettempdir()) / "no_plugins_here")
    except SpecError as exc:
        assert_clean(exc)
        return
    root = Path("/outputs/sweeps")
    assert (root / spec.name).resolve().parent == root  # the default folder stays inside outputs/sweeps
    for arm in spec.arms:
        assert arm and "/" not in arm and not arm.startswith(".")
    assert spec.run_count <= 200_000


# -- corrupted result folders ---------------------------------------------------------------------
SPEC = {
    "sweep": {"name": "fz", "months": 2, "replicates": 2, "seed": 11, "metrics": ["share_open", "hhi"]},
    "parameters": {"developers.count": [60, 80]},
    "arms": {"a": {"researchers.count": 12, "market.demand_sample": 30}},
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz") / "set"
    run_sweep(SweepSpec.from_dict(SPEC), str(out), SerialExecutor(), progress=False)
    return out


FILES = [f"records/{i:07d}.json" for i in range(4)] + [f"timeseries/part-{i:07d}.parquet" for i in range(4)]
corruption = st.lists(
    st.tuples(
        st.sampled_from(["delete", "truncate", "flip", "copy_over", "garbage", "append"]),
        st.sampled_from(FILES),
        st.integers(0, 10**6),
    ),
    min_size=1,
    max_size=3,
)


def corrupt(root: Path, op: str, rel: str, n: int) -> None:
    path = root / rel
    if not path.exists():
        return
    data = path.read_bytes()
    if op == "delete":
        path.unlink()
    elif op == "truncate":
        path.write_bytes(data[: n % max(len(data), 1)])
    elif op == "flip" and data:
        b = bytearray(data)
        b[n % len(b)] ^= 1 << (n % 8)
        path.write_bytes(bytes(b))
    elif op == "copy_over":
        other = root / FILES[(FILES.index(rel) + 1) % 4 + (4 if rel.startswith("timeseries") else 0)]
        if other.exists():
            shutil.copyfile(other, path)
    elif op == "garbage":
        path.write_bytes(os.urandom(n % 64))
    elif op == "append":
        path.write_bytes(data + b"\x00")


def frame(root: Path) -> pd.DataFrame:
    return load_sweep(root).timeseries().sort_values(["run_id", "month"]).reset_index(drop=True)


@fuzz("corruption")
@given(corruption)
def test_corrupted_sets_never_count_an_unverified_run_and_resume_restores_them(pristine, ops):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "set"
        shutil.copytree(pristine, root)
        for op, rel, n in ops:
            corrupt(root, op, rel, n)
        health = check(root)
        for run_id in health.finished:  # an independent check of every run counted as finished
            record = json.loads(record_path(root, run_id).read_text())
            if record["status"] == "ok":
                data = part_path(root, run_id).read_bytes()
                assert hashlib.sha256(data).hexdigest() == record["part_sha256"]
        status, out, err = run_cli(["analyze", str(root), "--window", "1"])
        assert_cli_clean(status, out, err)
        assert status == (0 if health.healthy else 2)
        assert sorted(p.name for p in Path(tmp).iterdir()) == ["set"]
        damaged = set(health.damaged_runs) | (set(range(4)) - set(health.finished))
        report = run_sweep(SweepSpec.from_dict(SPEC), str(root), SerialExecutor(), progress=False)
        assert report.done == len(damaged)
        assert check(root).healthy
        pd.testing.assert_frame_equal(frame(root), frame(pristine))
