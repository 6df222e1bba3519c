"""Executors for sweeps: serial, local process pool, Dask distributed (remote or LocalCluster).

Workers of a remote Dask cluster need market_sim installed (same version: the manifest
records the driver's versions and every run's scenario hash).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from market_sim.errors import SchedulerError
from market_sim.sweep.runner import SerialExecutor


@dataclass
class ExecutorInfo:
    executor: cf.Executor
    workers: int
    label: str


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def open_executor(
    workers: int | None = None, scheduler: str | None = None, cluster: str | None = None
) -> Iterator[ExecutorInfo]:
    """Yield an executor: ``scheduler`` (a Dask address) > ``cluster="local"`` > process pool > serial."""
    workers = workers or default_workers()
    if scheduler or cluster:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a core dependency
            raise SchedulerError(f"Dask distributed is not installed: {exc}") from None
        local = None
        try:
            if scheduler:
                client = Client(scheduler, timeout="10s")
            else:
                if cluster != "local":
                    raise SchedulerError(f"--cluster {cluster!r} is not allowed: expected 'local'")
                local = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
                )
                client = Client(local)
        except (OSError, TimeoutError) as exc:
            where = scheduler or "a local cluster"
            raise SchedulerError(f"cannot reach the Dask scheduler at {where}: {exc}") from None
        try:
            n = max(sum(client.nthreads().values()), 1)
            yield ExecutorInfo(client.get_executor(pure=False), n, f"dask {client.scheduler.address}")
        finally:
            client.close()
            if local is not None:
                local.close()
    elif workers == 1:
        yield ExecutorInfo(SerialExecutor(), 1, "serial")
    else:
        with cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield ExecutorInfo(pool, workers, f"process pool x{workers}")
