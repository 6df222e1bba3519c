"""Executors for sweeps: serial, local process pool, Dask distributed (remote or LocalCluster).

Workers of a remote Dask cluster need market_sim installed (same version: the manifest
records the driver's versions and every run's scenario hash). A scheduler that cannot be
reached, or has no workers within ``worker_timeout`` seconds, is a one-line error. Local pool
workers watch their parent and exit when the driver dies (even by SIGKILL).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
import time
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


WORKER_TIMEOUT = 60.0
PARENT_POLL_SECONDS = 0.5


def exit_with_parent(parent_pid: int) -> None:
    """Pool-worker initializer: a daemon thread ends this process once ``parent_pid`` is no longer
    its parent (the driver died and the worker was re-parented), so no worker outlives the driver."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="market_sim-parent-watch", daemon=True).start()


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def open_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
    worker_timeout: float = WORKER_TIMEOUT,
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
        except SchedulerError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bad address raises ValueError, TypeError, OSError...
            where = scheduler or "a local cluster"
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise SchedulerError(f"cannot reach the Dask scheduler at {where}: {reason}") from None
        try:
            try:
                client.wait_for_workers(1, timeout=worker_timeout)
            except (TimeoutError, OSError) as exc:
                raise SchedulerError(
                    f"the Dask scheduler at {client.scheduler.address} has no workers after {worker_timeout:g} s "
                    f"({type(exc).__name__}): start workers with 'dask worker {client.scheduler.address}'"
                ) from None
            n = max(sum(client.nthreads().values()), 1)
            yield ExecutorInfo(client.get_executor(pure=False), n, f"dask {client.scheduler.address}")
        finally:
            client.close()
            if local is not None:
                local.close()
    elif workers == 1:
        yield ExecutorInfo(SerialExecutor(), 1, "serial")
    else:
        context = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(
            workers, mp_context=context, initializer=exit_with_parent, initargs=(os.getpid(),)
        ) as pool:
            yield ExecutorInfo(pool, workers, f"process pool x{workers}")
