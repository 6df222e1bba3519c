"""Running a sweep on any ``concurrent.futures.Executor``: serial, a local process pool, or a
Dask cluster (``Client.get_executor()``).

Runs are listed up front in interleaved order (every design point's first replicate before
any second one); seeds are drawn up front, one per replicate, from
``SeedSequence(spec.seed).spawn(replicates)``, and shared by every arm and design point
(common random numbers). A run's result depends only on its scenario and seed, so the result
set is bit-identical whichever executor runs it and whatever order runs finish in. At most
``2 x workers`` runs are in flight, and each finished run is written at once, so memory does
not grow with the number of runs.

The driver holds the folder's lock while it writes; a resume re-runs every run that is not
verifiably finished (record and part checksums, :mod:`market_sim.sweep.integrity`) and reports
the damaged ones it re-runs, with the reason.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from market_sim.errors import SpecError
from market_sim.files import dir_mode
from market_sim.provenance import manifest
from market_sim.sweep.designs import build
from market_sim.sweep.lock import LOCK_NAME, SweepLock
from market_sim.sweep.spec import SweepSpec
from market_sim.sweep.store import ResultStore


@dataclass(frozen=True)
class RunTask:
    run_id: int
    arm: str
    point: int
    replicate: int
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    """One 63-bit integer seed per replicate, from ``SeedSequence(seed).spawn(replicates)``."""
    children = np.random.SeedSequence(seed).spawn(replicates)
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]


def plan(spec: SweepSpec) -> tuple[list[RunTask], dict]:
    """Every run of the sweep, in interleaved order, and the design description."""
    design = build(spec)
    seeds = replicate_seeds(spec.seed, spec.replicates)
    tasks, run_id = [], 0
    for r, seed in enumerate(seeds):
        for p, point in enumerate(design.points):
            for arm in spec.arm_names:
                overrides = {**point, **(spec.arms.get(arm, {}) if arm else {})}
                tasks.append(RunTask(run_id, arm, p, r, seed, overrides))
                run_id += 1
    info = {
        "design": spec.design,
        "points": design.points,
        "problem": design.problem,
        "X": None if design.X is None else design.X.tolist(),
        "seeds": seeds,
        "arms": spec.arm_names,
    }
    return tasks, info


def execute(
    base: dict, task: RunTask, metrics: tuple[str, ...] | None, plugins: tuple[str, ...] = ()
) -> tuple[dict, Any]:
    """Run one task (in a worker). Never raises: a failure is returned as a record."""
    from market_sim.plugins import load_plugins
    from market_sim.results import run
    from market_sim.scenario import Scenario

    start = time.perf_counter()
    record = {
        "run_id": task.run_id,
        "arm": task.arm,
        "point": task.point,
        "replicate": task.replicate,
        "seed": task.seed,
        "parameters": {k: v for k, v in task.overrides.items()},
    }
    try:
        load_plugins(plugins)
        scenario = Scenario(base).with_overrides(task.overrides)
        ts = run(scenario, seed=task.seed).timeseries
        if metrics is not None:
            ts = ts.reindex(columns=["month", "date", *metrics])  # NaN for a disabled vendor's columns
        ts.insert(0, "run_id", task.run_id)
        record.update(status="ok", error="", scenario_hash=scenario.hash)
    except Exception:  # noqa: BLE001 - a failed run is data, not a crash
        ts = None
        record.update(status="failed", error=traceback.format_exc(), scenario_hash="")
    record["wall_seconds"] = round(time.perf_counter() - start, 4)
    return record, ts


class SerialExecutor(cf.Executor):
    """Runs each task at once in this process: the executor for ``--workers 1`` and tests."""

    def submit(self, fn, /, *args, **kwargs):
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            future.set_exception(exc)
        return future


@dataclass
class SweepReport:
    total: int
    skipped: int
    done: int
    failed: int
    seconds: float
    rerun: dict[int, str] = field(default_factory=dict)  # damaged runs re-run: run_id -> reason

    def rerun_line(self) -> str:
        """One line naming the damaged runs this resume re-ran, or ''."""
        if not self.rerun:
            return ""
        ids = sorted(self.rerun)
        shown = "; ".join(f"run {r}: {self.rerun[r]}" for r in ids[:5]) + ("; ..." if len(ids) > 5 else "")
        return f"re-ran {len(ids)} damaged run(s) ({shown})"


def run_sweep(
    spec: SweepSpec,
    out: str,
    executor: cf.Executor,
    workers: int = 1,
    retry_failed: bool = False,
    force_new: bool = False,
    spec_text: str = "",
    command: list[str] | None = None,
    progress: bool = True,
    scheduler: str = "serial",
) -> SweepReport:
    """Run (or resume) a sweep into ``out`` under its lock. Verified finished runs are never redone."""
    root = Path(out)
    check_sweep_folder(root)
    root.mkdir(mode=dir_mode(), parents=True, exist_ok=True)
    with SweepLock(root):
        return _run_locked(
            spec, root, executor, workers, retry_failed, force_new, spec_text, command, progress, scheduler
        )


def run_spec(raw: dict, out: str | Path, info, base_dir: Path, command: list[str] | None = None, progress: bool = True):
    """Validate a spec given as its TOML tables, run (or resume) it into ``out`` on an open executor
    (the ``ExecutorInfo`` of :func:`market_sim.sweep.executors.open_executor`) and load the result."""
    import tomli_w

    from market_sim.sweep.store import load_sweep

    spec = SweepSpec.from_dict(raw, base_dir=base_dir)
    run_sweep(
        spec,
        str(out),
        info.executor,
        workers=info.workers,
        spec_text=tomli_w.dumps(raw),
        command=command,
        progress=progress,
        scheduler=info.label,
    )
    return load_sweep(out)


def check_sweep_folder(root: Path) -> None:
    """Refuse a folder that holds something other than a sweep (a sweep never writes into it)."""
    if root.exists() and not root.is_dir():
        raise SpecError(f"--out {str(root)!r} exists and is not a folder")
    if root.is_dir() and not (root / "manifest.json").exists():
        starting = {LOCK_NAME, "records", "timeseries", "spec.toml", "design.json"}  # a sweep being created
        others = sorted(p.name for p in root.iterdir() if p.name not in starting and not p.name.startswith(".tmp-"))
        if others:
            raise SpecError(
                f"--out {str(root)!r} exists and is not a sweep folder (it holds {', '.join(others[:3])}"
                f"{', ...' if len(others) > 3 else ''}); choose another --out"
            )


def _run_locked(spec, root, executor, workers, retry_failed, force_new, spec_text, command, progress, scheduler):
    store = ResultStore(root, spec.hash)
    tasks, design = plan(spec)
    if store.exists():
        try:
            old = store.manifest().get("spec_hash")
        except (OSError, ValueError):
            old = None
            if not force_new:
                raise SpecError(
                    f"{root}/manifest.json is unreadable (truncated or corrupt): use --force-new to start afresh"
                ) from None
        if old != spec.hash and not force_new:
            raise SpecError(
                f"{root} holds results of a different spec (hash {old}, this spec {spec.hash}); "
                "use a new --out folder, or --force-new to discard them"
            )
        if force_new:
            store.clear()
    if not store.exists():
        store.create(
            manifest(
                spec=spec.raw,
                spec_hash=spec.hash,
                base_scenario_hash=spec.base_scenario().hash,
                runs=len(tasks),
                started_utc=_now(),
                finished_utc=None,
            ),
            spec_text,
            design,
        )
    store.remove_temporary()  # safe: we hold the lock, so no other writer's temporary files exist
    health = store.health()
    finished = health.finished
    todo = [t for t in tasks if t.run_id not in finished or (retry_failed and finished[t.run_id] == "failed")]
    rerun = {t.run_id: health.damaged_runs[t.run_id] for t in todo if t.run_id in health.damaged_runs}
    base = spec.base_scenario().to_dict()
    start = time.perf_counter()
    bar = _progress(len(tasks), len(tasks) - len(todo), progress)
    done = failed = 0
    pending: set[cf.Future] = set()
    queue = iter(todo)
    limit = max(2 * workers, 1)
    try:
        while True:
            while len(pending) < limit:
                task = next(queue, None)
                if task is None:
                    break
                pending.add(executor.submit(execute, base, task, spec.metrics, spec.plugins))
            if not pending:
                break
            finished_now, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished_now:
                record, ts = future.result()
                store.write_run(record, ts)
                done += 1
                failed += record["status"] == "failed"
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(failed=failed, refresh=False)
    finally:
        for future in pending:
            future.cancel()
        if bar is not None:
            bar.close()
    store.consolidate()
    store.update_manifest(finished_utc=_now(), command_line=command, executor=scheduler)
    return SweepReport(len(tasks), len(tasks) - len(todo), done, failed, time.perf_counter() - start, rerun)


def _progress(total: int, initial: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="run", desc="sweep", dynamic_ncols=True)


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
