"""Size limits derived from memory: refuse a run or a sweep before it allocates more than the machine has.

The estimate is linear in the sizes a scenario sets (measured on the default model, rounded up):
a fixed :data:`BASE_BYTES` (interpreter, numpy, pandas, numba) plus per developer, per researcher,
per demand-sample row and option, and per month of timeseries. A sweep needs one run's estimate in
each worker at once. The limit is half the machine's physical memory unless ``--max-memory`` says
otherwise; the message gives the estimate, so the user can decide.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping

from market_sim.errors import UserError

BASE_BYTES = 400e6
PER_DEVELOPER = 400.0  # measured ~90-150 B (2M developers: +180 MB); x3 for the choice step's temporaries
PER_RESEARCHER = 400.0  # measured ~100 B (1M researchers: +100 MB); x4 for matching rounds
PER_SAMPLE_OPTION = 64.0  # demand sample x options, a few float64 matrices
OPTIONS_PER_VENDOR = 9  # three sizes x (API or service, host, self-host)
PER_MONTH = 8.0 * 2000  # timeseries row: ~2000 float64 columns at most


def physical_memory() -> float:
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not Linux/macOS
        return 8e9


def default_limit() -> float:
    """Half the physical memory, in bytes."""
    return physical_memory() / 2


def estimate_bytes(data: Mapping) -> float:
    """Bytes one run of the scenario ``data`` (a validated scenario mapping) needs at its peak."""
    vendors = sum(1 for t in data["vendors"].values() if t.get("enabled", True))
    return (
        BASE_BYTES
        + PER_DEVELOPER * data["developers"]["count"]
        + PER_RESEARCHER * data["researchers"]["count"]
        + PER_SAMPLE_OPTION * data["market"]["demand_sample"] * OPTIONS_PER_VENDOR * max(vendors, 1)
        + PER_MONTH * data["run"]["months"]
    )


SIZE_KEYS = ("developers.count", "researchers.count", "market.demand_sample", "run.months")


def estimate_with_overrides(base: Mapping, overrides: Mapping) -> float:
    """:func:`estimate_bytes` of ``base`` with a sweep task's dotted overrides of the size keys."""
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in base.items()}
    for key in SIZE_KEYS:
        if key in overrides:
            section, name = key.split(".")
            data[section][name] = overrides[key]
    return estimate_bytes(data)


def check_memory(estimates: Iterable[float], limit_gb: float | None, what: str, parallel: int = 1) -> float:
    """Refuse (UserError) when the largest estimate x ``parallel`` exceeds the limit; returns the need in bytes."""
    if limit_gb is not None and not (math.isfinite(limit_gb) and limit_gb > 0):
        raise UserError(f"--max-memory {limit_gb} is not allowed: expected a positive number of gigabytes")
    need = max(estimates, default=0.0) * max(parallel, 1)
    limit = default_limit() if limit_gb is None else limit_gb * 1e9
    if need > limit:
        source = "--max-memory" if limit_gb is not None else "half this machine's memory"
        times = f" ({parallel} runs at once)" if parallel > 1 else ""
        raise UserError(
            f"{what} needs about {need / 1e9:.1f} GB of memory{times}, above the limit of {limit / 1e9:.1f} GB "
            f"({source}): lower developers.count, researchers.count or market.demand_sample, "
            f"or pass --max-memory {need / 1e9 * 1.1:.0f}"
        )
    return need
