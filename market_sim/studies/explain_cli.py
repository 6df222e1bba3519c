"""``market-sim explain``: argument parsing for :mod:`market_sim.studies.explain`."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def add_parser(sub) -> None:
    from market_sim.studies.explain import METHODS
    from market_sim.studies.game_cli import add_run_options

    p = sub.add_parser(
        "explain",
        help="why opening pays or does not: a vendor's payoff difference split by channel and account",
        description="Compare two arms on the same seeds (default: the vendor always_open vs always_closed) and "
        "split the difference in its discounted payoff by channel (talent, community work, iteration, "
        "dependency, complement value, standard; each switched off one at a time, docs/ODD.md 7.14) and by "
        "accounting line. Writes decomposition.csv, accounts.csv, waterfall.png, explain.md and "
        "explain_manifest.json to --out.",
    )
    p.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded default)")
    p.add_argument("--vendor", default="meta", help="vendor id whose payoff is explained (default: meta)")
    for arm in ("a", "b"):
        p.add_argument(
            f"--{arm}",
            dest=f"arm_{arm}",
            nargs="+",
            default=[],
            metavar="KEY=VALUE",
            help=f"arm {arm}'s overrides (default: vendors.<vendor>.openness="
            f"{'always_open' if arm == 'a' else 'always_closed'})",
        )
    p.add_argument("--seeds", type=int, default=10, help="seeds, >= 2 (default: 10)")
    p.add_argument("--months", type=int, help="months per run (default: the scenario's horizon)")
    p.add_argument("--method", choices=METHODS, default="one_at_a_time", help="decomposition (default: one_at_a_time)")
    add_run_options(p, Path("outputs/explain"))
    p.set_defaults(func=cmd_explain)


def cmd_explain(args) -> int:
    from market_sim.errors import UserError
    from market_sim.scenario import Scenario, parse_assignment
    from market_sim.studies.explain import ExplainSetup, run
    from market_sim.studies.explain_report import write
    from market_sim.studies.game_runs import check_out

    if bool(args.arm_a) != bool(args.arm_b):
        raise UserError("--a and --b go together: give both arms, or neither for always_open vs always_closed")
    scenario = Scenario.load(args.scenario) if args.scenario else Scenario.default()
    setup = ExplainSetup(
        scenario,
        args.vendor,
        arm_a=dict(parse_assignment(x) for x in args.arm_a),
        arm_b=dict(parse_assignment(x) for x in args.arm_b),
        seeds=args.seeds,
        months=args.months,
        method=args.method,
    )
    check_out(args.out, "explain_manifest.json", "explain")
    start = time.perf_counter()
    runs = run(setup, workers=args.workers, progress=not args.no_progress)
    command = " ".join(getattr(args, "command_line", ["market-sim", *sys.argv[1:]]))
    print(write(setup, runs, args.out, time.perf_counter() - start, command))
    print(f"wrote {args.out}")
    return 0
