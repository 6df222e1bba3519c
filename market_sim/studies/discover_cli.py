"""``market-sim discover``: argument parsing for :mod:`market_sim.studies.discovery`."""

from __future__ import annotations

import json
import time
from pathlib import Path

QUICK = {"points": 24, "seeds": 2, "months": 36, "developers": 2000}
FULL = {"months": None, "developers": 5000}  # points and seeds: each claim's own (discovery_claims.toml) or 64 x 6
MARKER = "discovery_manifest.json"


def add_parser(sub) -> None:
    from market_sim.studies.game_cli import add_run_options

    p = sub.add_parser(
        "discover",
        help="where in parameter space each headline claim holds (scenario discovery: LHS, PRIM, CART)",
        description="For each claim (C18, C19, C20, C22, C24 by default; market_sim/studies/"
        "discovery_claims.toml): a Latin hypercube over the assumption parameters its mechanisms touch, the "
        "claim's paired arms at every point with common random numbers, and PRIM boxes and a CART tree of "
        "where the paired effect's 95% CI lies on the predicted side. Resumable: the runs are sweeps under "
        "--out/<claim>/. Writes discovery.md, summary.csv, boxes.csv and per claim <id>_points.csv and two "
        "figures.",
    )
    p.add_argument("--claims", help="comma-separated claim ids (default: C18,C19,C20,C22,C24)")
    p.add_argument(
        "--points",
        type=int,
        help="LHS points for every claim, >= 8 (default: the claim's own in discovery_claims.toml, else 64; C24: 128)",
    )
    p.add_argument(
        "--seeds",
        type=int,
        help="seeds per point and arm for every claim, >= 2 (default: the claim's own, else 6; C24: 10)",
    )
    p.add_argument("--months", type=int, help="months per run (default: the scenario's horizon)")
    p.add_argument("--developers", type=int, help=f"developers per run (default: {FULL['developers']})")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"preview: {QUICK['points']} points, {QUICK['seeds']} seeds, {QUICK['months']} months, "
        f"{QUICK['developers']} developers (regions may change)",
    )
    add_run_options(p, Path("outputs/discover"))
    p.set_defaults(func=cmd_discover)


def cmd_discover(args) -> int:
    from market_sim.provenance import manifest
    from market_sim.studies.discovery import DiscoverySetup, discover, load_claims
    from market_sim.studies.discovery_report import write_report
    from market_sim.studies.game_runs import check_out

    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    claims = [c.strip() for c in args.claims.split(",")] if args.claims else DiscoverySetup().claims
    setup = DiscoverySetup(claims, args.points, args.seeds, args.months, args.developers, quick=args.quick)
    out: Path = args.out
    check_out(out, MARKER, "discovery")
    out.mkdir(parents=True, exist_ok=True)
    info = manifest(
        study="discover",
        claims=claims,
        budgets={c.id: list(setup.budget(c)) for c in (load_claims()[cid] for cid in claims)},
        months=setup.months,
        developers=setup.developers,
        quick=setup.quick,
    )
    (out / MARKER).write_text(json.dumps(info, indent=2) + "\n")
    start = time.perf_counter()
    regions = discover(setup, out, {"workers": args.workers}, progress=not args.no_progress, command=args.command_line)
    print(write_report(regions, setup, out, time.perf_counter() - start))
    print(f"wrote {out / 'discovery.md'}")
    return 0
