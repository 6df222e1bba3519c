"""``market-sim game``: argument parsing for :mod:`market_sim.studies.game_runs`."""

from __future__ import annotations

import time
from pathlib import Path

QUICK = {"seeds": 3, "months": 36, "players": "meta,openai,anthropic", "strategies": "always_open,always_closed"}


def add_run_options(p, out: Path) -> None:
    """--workers, --out and --no-progress, as every study command has them."""
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--out", type=Path, default=out, help=f"output folder (default: {out})")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def add_parser(sub) -> None:
    from market_sim.studies.game_runs import PLAYERS, STRATEGIES

    p = sub.add_parser(
        "game",
        help="which openness choices are an equilibrium (empirical game over vendors' strategies)",
        description="Estimate an empirical game: the strategic vendors each choose an openness strategy, "
        "payoffs are discounted profits over seeds with common random numbers; report whether the "
        "2024-2025 pattern is an equilibrium, its regret per vendor with CIs, the pure equilibria found "
        "by better-response search, and (--complete) an approximate mixed equilibrium. Writes "
        "profiles.csv, deviations.csv, game.md, regret.png and game_manifest.json to --out.",
    )
    p.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded default)")
    p.add_argument("--players", help=f"strategic vendors, comma-separated (default: {','.join(PLAYERS)})")
    p.add_argument("--strategies", help=f"openness strategies, comma-separated (default: {','.join(STRATEGIES)})")
    p.add_argument("--seeds", type=int, help="seeds per profile, >= 2 (default: 10)")
    p.add_argument("--months", type=int, help="months per run (default: the scenario's horizon)")
    p.add_argument(
        "--max-profiles", type=int, default=120, help="budget of profiles the search may evaluate (default: 120)"
    )
    p.add_argument("--complete", action="store_true", help="evaluate every profile and compute a mixed equilibrium")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"preview: {QUICK['seeds']} seeds, {QUICK['months']} months, players {QUICK['players']}, "
        f"strategies {QUICK['strategies']} (verdicts may reverse)",
    )
    add_run_options(p, Path("outputs/game"))
    p.set_defaults(func=cmd_game)


def cmd_game(args) -> int:
    from market_sim.scenario import Scenario
    from market_sim.studies.game_runs import PLAYERS, STRATEGIES, GameSetup, check_out, play, write

    full = {"seeds": 10, "months": None, "players": ",".join(PLAYERS), "strategies": ",".join(STRATEGIES)}
    for key, value in (QUICK if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    scenario = Scenario.load(args.scenario) if args.scenario else Scenario.default()
    setup = GameSetup(
        scenario,
        players=tuple(x.strip() for x in args.players.split(",") if x.strip()),
        strategies=tuple(x.strip() for x in args.strategies.split(",") if x.strip()),
        seeds=args.seeds,
        months=args.months,
        max_profiles=args.max_profiles,
        complete=args.complete,
        quick=args.quick,
    )
    check_out(args.out)
    start = time.perf_counter()
    game = play(setup, workers=args.workers, progress=not args.no_progress)
    text = write(game, setup, args.out, time.perf_counter() - start)
    print(text)
    print(f"wrote {args.out}")
    return 0
