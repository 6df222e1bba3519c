"""Speed and memory of market_sim, written to docs/performance.md.

    python benchmarks/run.py            # default run (median of 5) and 10^3..10^6 developers x 96 months
    python benchmarks/run.py --quick    # default run only

Each population size runs in its own subprocess so that its peak memory (max RSS) is its own.
Not part of the test suite: the suite asserts no timings.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, resource, sys, time
from market_sim import Scenario, run
n, months = int(sys.argv[1]), int(sys.argv[2])
scenario = Scenario.default().with_overrides({"developers.count": n, "run.months": months})
start = time.perf_counter()
run(scenario, seed=1)
seconds = time.perf_counter() - start
print(json.dumps({"developers": n, "months": months, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def time_default(repeats: int = 5) -> list[float]:
    from market_sim import Scenario, run

    scenario = Scenario.default()
    run(scenario, seed=0, months=3)  # warm-up: imports, caches
    times = []
    for seed in range(repeats):
        start = time.perf_counter()
        run(scenario, seed=seed)
        times.append(time.perf_counter() - start)
    return times


def scale(n: int, months: int = 96) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(months)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only the default run")
    parser.add_argument("--write", type=Path, default=ROOT / "docs" / "performance.md", help="markdown report")
    args = parser.parse_args()

    times = time_default()
    print(
        f"default scenario (20,000 developers, 3,000 researchers, 96 months): median {statistics.median(times):.2f} s"
    )
    rows = []
    if not args.quick:
        for n in (1_000, 10_000, 100_000, 1_000_000):
            r = scale(n)
            r["us_per_dev_month"] = r["seconds"] / (n * r["months"]) * 1e6
            rows.append(r)
            print(
                f"{n:>9,} developers x 96 months: {r['seconds']:7.2f} s, peak {r['peak_mb']:7.0f} MB, "
                f"{r['us_per_dev_month']:.3f} us per developer-month"
            )
    write_report(args.write, times, rows)
    print(f"wrote {args.write}")


def write_report(path: Path, times: list[float], rows: list[dict]) -> None:
    lines = [
        "# Performance",
        "",
        "Measured by `python benchmarks/run.py` (this file is rewritten by it) on "
        f"{platform.machine()}, Python {platform.python_version()}, {platform.system()}; "
        "2 cores, 24 GiB. Single process; wall-clock seconds.",
        "",
        "## Default scenario",
        "",
        "20,000 developers, 3,000 researchers, 7 vendors, 96 months (2023-01..2030-12):",
        f"median **{statistics.median(times):.2f} s** over {len(times)} seeds "
        f"(min {min(times):.2f} s, max {max(times):.2f} s). Target: under 2 s.",
        "",
    ]
    if rows:
        lines += [
            "## Scaling with the developer population",
            "",
            "Default scenario with `developers.count` = N, 96 months, each in a fresh process "
            "(peak memory = max resident set size of that process).",
            "",
            "| developers | seconds | peak memory (MB) | µs per developer-month |",
            "|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {r['developers']:,} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | {r['us_per_dev_month']:.3f} |"
            for r in rows
        ]
        lines += ["", "Targets: 1,000,000 developers x 96 months under 120 s and under 4 GB.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
