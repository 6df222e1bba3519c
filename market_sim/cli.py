"""The ``market-sim`` command: argument parsing only; everything else is the Python API."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from market_sim.errors import UserError

EXIT_USAGE = 2
PLUGIN_HELP = (
    "a Python file of your own strategies to import first (repeatable); a plugin is arbitrary code, "
    "run with your permissions"
)
MEMORY_HELP = "refuse a run estimated to need more than GB gigabytes of memory (default: half the machine's memory)"
MAX_SEED = 2**63 - 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="market-sim",
        description="Agent-based simulation of the foundation-model (LLM) market.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "run",
        help="run one scenario and write its results",
        description="Run a scenario (default: the embedded default) and write timeseries, manifest, "
        "resolved scenario and figures to outputs/runs/<name>/.",
    )
    p.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded default)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a dotted key, e.g. --set vendors.meta.openness=always_closed (repeatable)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed, 0 to 2^63-1 (default: 0)")
    p.add_argument("--months", type=int, help="number of months to simulate (default: the scenario's)")
    p.add_argument(
        "--out",
        type=Path,
        help="output folder (default: outputs/runs/<scenario>-seed<N>, plus -set<hash> with --set/--months); "
        "an existing folder must be a market_sim run folder",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an existing run folder that holds another scenario or seed (never a folder of other files)",
    )
    p.add_argument("--csv", action="store_true", help="also write timeseries.csv")
    p.add_argument("--max-memory", type=float, metavar="GB", help=MEMORY_HELP)
    p.add_argument("--plugin", action="append", default=[], metavar="FILE.py", help=PLUGIN_HELP)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "sweep",
        help="run (or resume) a sweep spec: designs, replicates, arms",
        description="Run a sweep spec (TOML) and write a resumable result set. Re-running the same "
        "command after an interruption finishes the remaining runs without redoing finished ones.",
    )
    p.add_argument("spec", type=Path, help="sweep spec TOML (see docs/experiments.md)")
    p.add_argument("--out", type=Path, help="result folder (default: outputs/sweeps/<sweep name>)")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores; 1 = serial)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    p.add_argument("--cluster", choices=["local"], help="start a Dask LocalCluster on loopback with --workers workers")
    p.add_argument("--retry-failed", action="store_true", help="rerun only the runs recorded as failed")
    p.add_argument("--force-new", action="store_true", help="discard results of a different spec in --out")
    p.add_argument(
        "--allow-plugins",
        action="store_true",
        help="import the spec's sweep.plugins files: a plugin is arbitrary Python code, run with your "
        "permissions, so read it first (without this flag a spec with plugins is refused)",
    )
    p.add_argument("--max-runs", type=int, metavar="N", help="refuse designs of more than N runs (default: 200,000)")
    p.add_argument("--max-memory", type=float, metavar="GB", help=MEMORY_HELP)
    p.add_argument(
        "--worker-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="with --scheduler: give up when it has no workers after this long (default: 60)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "analyze",
        help="summarise a sweep: CIs, paired differences, sensitivity indices, figures",
        description="Write summary.csv (mean and 95% CI per arm and point), paired_differences.csv "
        "(arms, common random numbers), indices.csv/png (sobol, morris) and figures/ next to a sweep's results.",
    )
    p.add_argument("dir", type=Path, help="a sweep's result folder")
    p.add_argument(
        "--metrics",
        nargs="+",
        help="metrics to analyse (default: the spec's metrics, else the headline metrics present); "
        "tables keep the rows of metrics analysed before",
    )
    p.add_argument("--window", type=int, default=12, help="final window in months (default: 12)")
    p.add_argument(
        "--allow-damaged",
        action="store_true",
        help="analyse a set whose checksums fail, leaving the damaged runs out (default: refuse it)",
    )
    _format_argument(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser(
        "verify",
        help="check a sweep's result set: records, parts and their SHA-256 checksums",
        description="Report a sweep folder's health: runs ok, failed, not run yet, damaged (each damaged "
        "file with its reason). Exit 0 when nothing is damaged, 2 otherwise; resume re-runs damaged runs.",
    )
    p.add_argument("dir", type=Path, help="a sweep's result folder")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "calibrate",
        help="run the default scenario over many seeds and compare it with the stylized facts",
        description="Run the default scenario over --seeds seeds and write a fact-by-fact calibration "
        "report (target, model median and 90% range, pass/miss) with figures. Writes under outputs/calibration/ "
        "by default; the committed docs change only when asked: --report docs/calibration.md.",
    )
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (default: 20)")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    _report_arguments(p, "calibration")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser(
        "experiment",
        help="run the experiments that test the claims (list | NAME | all)",
        description="Run an experiment of experiments/ (or all of them): its sweeps, effect sizes with "
        "95% CIs, verdicts per claim and figures, written to outputs/experiments/<name>/report.md.",
    )
    p.add_argument("name", help="an experiment name, 'all', or 'list'")
    p.add_argument("--quick", action="store_true", help="few seeds, coarse grid: minutes instead of hours")
    p.add_argument("--out", type=Path, default=Path("outputs") / "experiments", help="parent output folder")
    p.add_argument("--report", type=Path, help="also write a combined findings report (e.g. docs/findings.md)")
    p.add_argument(
        "--claims", type=Path, help="fill the experiment/verdict columns of this claims table (docs/claims.md)"
    )
    p.add_argument(
        "--allow-quick-report",
        action="store_true",
        help="let --report/--claims be written from --quick runs (refused otherwise: quick verdicts are previews)",
    )
    p.add_argument(
        "--discovery", type=Path, help="market-sim discover output read by --report (default: discovery_run/ beside it)"
    )
    p.add_argument("--game", type=Path, help="market-sim game output read by --report (default: game_run/ beside it)")
    p.add_argument("--dir", type=Path, help="folder of experiment files (default: experiments/)")
    p.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster")
    p.add_argument("--cluster", choices=["local"], help="start a Dask LocalCluster on loopback")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_experiment)

    p = sub.add_parser(
        "sensitivity",
        help="global sensitivity analysis (Sobol indices) of the headline outputs",
        description="Run the Sobol sweep of experiments/specs/sensitivity.toml (resumable) and write a "
        "report: first- and total-order indices with 95% CIs, a bar chart and a summary. Writes under "
        "outputs/sensitivity/ by default; the committed docs change only when asked: --report docs/sensitivity.md.",
    )
    p.add_argument("--samples", type=int, help="SALib's N (a power of 2; default: the spec's)")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--out", type=Path, default=Path("outputs/sweeps/sensitivity"), help="sweep result folder")
    _report_arguments(p, "sensitivity")
    p.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser(
        "validate",
        help="re-run the analytic limiting cases and face validation; write a validation report",
        description="Run the limiting cases (logit-Bertrand, Bass, leader persistence) against their "
        "analytic answers and the face-validation comparisons, and write a report. Writes under "
        "outputs/validation/ by default; the committed docs change only when asked: --report docs/validation.md.",
    )
    p.add_argument("--seeds", type=int, default=5, help="seeds per case (default: 5)")
    _report_arguments(p, "validation")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "dashboard",
        help="serve the interactive dashboard on a local web page",
        description="Serve a web page (Solara) to set vendor strategies and market parameters, run and watch "
        "the market month by month, compare two arms over the same seeds, browse sweep folders and download "
        "runs. Binds to 127.0.0.1 unless --host says otherwise; prints the address.",
    )
    p.add_argument("--port", type=int, default=8765, help="TCP port (default: 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser(
        "strategies",
        help="list the registered strategies and their parameters",
        description="List every strategy slot, the strategies registered for it and their parameters.",
    )
    p.add_argument("--plugin", action="append", default=[], metavar="FILE.py", help=PLUGIN_HELP)
    p.set_defaults(func=cmd_strategies)

    p = sub.add_parser(
        "scenario",
        help="print the resolved scenario as TOML",
        description="Validate a scenario (with overrides) and print it as complete TOML.",
    )
    p.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded default)")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a dotted key (repeatable)",
    )
    p.add_argument("--plugin", action="append", default=[], metavar="FILE.py", help=PLUGIN_HELP)
    p.set_defaults(func=cmd_scenario)

    from market_sim.studies.discover_cli import add_parser as add_discover_parser
    from market_sim.studies.explain_cli import add_parser as add_explain_parser
    from market_sim.studies.game_cli import add_parser as add_game_parser

    add_discover_parser(sub)
    add_game_parser(sub)
    add_explain_parser(sub)
    return parser


def _report_arguments(p: argparse.ArgumentParser, study: str) -> None:
    p.add_argument(
        "--report",
        type=Path,
        default=Path("outputs") / study / f"{study}.md",
        help=f"report file (default: outputs/{study}/{study}.md; docs/{study}.md updates the committed report)",
    )
    p.add_argument(
        "--figures",
        type=Path,
        help="folder for the figures (default: 'figures' beside the report, so docs/figures for docs/)",
    )
    _format_argument(p)


def _format_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        nargs="+",
        choices=["png", "svg", "pdf"],
        default=["png"],
        metavar="FMT",
        help="figure formats: png (always written), svg, pdf; e.g. --format svg pdf",
    )


def _figures(args) -> Path:
    return args.figures if args.figures is not None else args.report.parent / "figures"


def resolve_scenario(args):
    from market_sim.plugins import load_plugins
    from market_sim.scenario import Scenario, parse_assignment

    load_plugins(args.plugin)
    scenario = Scenario.load(args.scenario) if args.scenario else Scenario.default()
    overrides = dict(parse_assignment(a) for a in args.overrides)
    if getattr(args, "months", None) is not None:
        overrides["run.months"] = args.months
    return scenario.with_overrides(overrides) if overrides else scenario


def cmd_run(args) -> int:
    from market_sim.limits import check_memory, estimate_bytes
    from market_sim.results import run
    from market_sim.run_folder import check_target, default_name
    from market_sim.scenario import parse_assignment

    if not 0 <= args.seed <= MAX_SEED:
        raise UserError(f"--seed {args.seed} is not allowed: expected an integer in [0, 2^63-1]")
    scenario = resolve_scenario(args)
    if args.out is None:
        overrides = dict(parse_assignment(a) for a in args.overrides)
        if args.months is not None:
            overrides["run.months"] = args.months
        out = Path("outputs") / "runs" / default_name(args.scenario, args.seed, overrides)
    else:
        out = args.out
    check_target(out, scenario.hash, args.seed, scenario.months, args.force)  # before the run, not after
    check_memory([estimate_bytes(scenario.to_dict())], args.max_memory, "this run")
    result = run(scenario, seed=args.seed)
    result.save(out, csv=args.csv, command=args.command_line, force=args.force)
    print(format_summary(result))
    written = "timeseries.parquet" + (", timeseries.csv" if args.csv else "")
    print(f"\nwrote {out}/ ({written}, vendors.csv, manifest.json, scenario.toml, adoption.png, prices.png)")
    return 0


def format_summary(result) -> str:
    import pandas as pd

    ts = result.timeseries
    last = ts.iloc[-1]
    cols = ["name", "openness", "share", "price_usd_per_mtok", "revenue_usd_per_month", "profit_usd_per_month"]
    table = result.vendors[cols].copy()
    table.columns = ["vendor", "weights", "token share", "price $/Mtok", "model revenue $M/mo", "profit* $M/mo"]
    for col in ("model revenue $M/mo", "profit* $M/mo"):
        table[col] = table[col] / 1e6
    with pd.option_context("display.float_format", "{:,.3f}".format, "display.width", 120):
        lines = [
            f"market_sim: {len(ts)} months to {last['date']}, seed {result.seed}, "
            f"scenario {result.scenario.hash}, {result.wall_seconds:.2f} s",
            "",
            table.to_string(index=False),
            "* profit = model revenue + complement revenue (e.g. Meta's advertising) - serving, payroll, "
            "compute and training costs",
            "",
            f"open-weight token share        {last['share_open']:.3f}",
            f"closed API price               {last['price_closed']:.3f} $/Mtok",
            f"open effective cost            {last['price_open']:.3f} $/Mtok",
            f"closed API margin (p - c)/p    {last['margin_closed']:.3f}  (over serving cost only: "
            "training, R&D and payroll are not in c)",
            f"open lag behind closed         {last['lag_months']:.1f} months",
            f"value share of applications    {last['value_share_applications']:.3f}",
            f"HHI (token shares)             {last['hhi']:.3f}",
        ]
    return "\n".join(lines)


def cmd_sweep(args) -> int:
    from market_sim.errors import SpecError
    from market_sim.files import read_text
    from market_sim.limits import check_memory, estimate_with_overrides
    from market_sim.sweep import SweepSpec, plan, run_sweep
    from market_sim.sweep.executors import default_workers, open_executor
    from market_sim.sweep.spec import MAX_RUNS

    if args.workers is not None and args.workers < 1:
        raise SpecError(f"--workers {args.workers} is not allowed: expected an integer >= 1")
    if args.max_runs is not None and args.max_runs < 1:
        raise SpecError(f"--max-runs {args.max_runs} is not allowed: expected an integer >= 1")
    if not (math.isfinite(args.worker_timeout) and args.worker_timeout > 0):
        raise SpecError(f"--worker-timeout {args.worker_timeout} is not allowed: expected a positive number of seconds")
    spec_text = read_text(args.spec, "sweep spec", SpecError)
    spec = SweepSpec.load(args.spec, allow_plugins=args.allow_plugins, max_runs=args.max_runs or MAX_RUNS)
    out = args.out if args.out is not None else Path("outputs") / "sweeps" / spec.name
    if str(out) in ("", "."):
        raise SpecError(f"--out {str(out)!r} is not allowed: expected a folder for the result set")
    tasks, _ = plan(spec)
    if args.scheduler is None:  # a cluster's workers have their own memory
        base = spec.base_scenario().to_dict()
        estimates = (estimate_with_overrides(base, t.overrides) for t in tasks)
        parallel = min(args.workers or default_workers(), len(tasks))
        check_memory(estimates, args.max_memory, f"sweep {spec.name}", parallel=parallel)
    with open_executor(args.workers, args.scheduler, args.cluster, args.worker_timeout) as ex:
        report = run_sweep(
            spec,
            str(out),
            ex.executor,
            workers=ex.workers,
            retry_failed=args.retry_failed,
            force_new=args.force_new,
            spec_text=spec_text,
            command=args.command_line,
            progress=not args.no_progress,
            scheduler=ex.label,
        )
    if report.rerun:
        print(report.rerun_line())
    print(
        f"sweep {spec.name}: {report.total} runs, {report.skipped} already finished, {report.done} run now "
        f"({report.failed} failed) in {report.seconds:.1f} s on {ex.label}; results in {out}/"
    )
    return 1 if report.failed else 0


def _verified_health(path: Path):
    from market_sim.errors import SpecError
    from market_sim.sweep.store import ResultStore

    store = ResultStore(path)
    if not store.exists():
        raise SpecError(f"{path} holds no sweep (no manifest.json)")
    try:
        store.spec_hash = store.manifest().get("spec_hash")
    except (OSError, ValueError):
        raise SpecError(f"{path}/manifest.json is unreadable (truncated or corrupt)") from None
    return store.health()


def cmd_verify(args) -> int:
    from market_sim.errors import SpecError

    health = _verified_health(args.dir)
    print(f"{args.dir}: {health.summary()}")
    for file, why in sorted(health.damaged.items()):
        print(f"  damaged: {file}: {why}")
    if not health.healthy:
        raise SpecError(
            f"{args.dir} is damaged ({len(health.damaged)} file(s): {health.damage_line(3)}); "
            "'market-sim sweep' with the same spec re-runs the damaged runs"
        )
    return 0


def cmd_analyze(args) -> int:
    from market_sim.analysis.report import analyze_sweep
    from market_sim.errors import SpecError

    health = _verified_health(args.dir)
    if not health.healthy and not args.allow_damaged:
        raise SpecError(
            f"{args.dir} is damaged: {health.damage_line()}; resume the sweep to re-run those runs, "
            "or pass --allow-damaged to analyse the intact runs only"
        )
    if not health.healthy:
        print(f"warning: leaving out damaged files: {health.damage_line()}", file=sys.stderr)
    try:
        written = analyze_sweep(args.dir, args.metrics, args.window)
    except (FileNotFoundError, ValueError) as exc:
        raise SpecError(str(exc)) from None
    for path in written:
        print(path)
    return 0


def cmd_calibrate(args) -> int:
    from market_sim.errors import SpecError
    from market_sim.studies.calibration import run_calibration

    if args.seeds < 1:
        raise SpecError(f"--seeds {args.seeds} is not allowed: expected an integer >= 1")
    table = run_calibration(seeds=args.seeds, workers=args.workers, report=args.report, figures_dir=_figures(args))
    print(table.loc[:, :"status"].to_string(index=False) if "status" in table else table.to_string(index=False))
    print(f"\nwrote {args.report}")
    return 0


def cmd_experiment(args) -> int:
    from market_sim.errors import SpecError
    from market_sim.studies.experiment import load_experiments, run_experiment, update_claims_doc, write_findings

    experiments = load_experiments(args.dir)
    if args.name == "list":
        for name, module in experiments.items():
            print(f"{name:<18} {', '.join(module.CLAIMS)}  {module.QUESTION}")
        return 0
    if args.name != "all" and args.name not in experiments:
        known = ", ".join(experiments) or "none found"
        raise SpecError(f"unknown experiment {args.name!r} (known: {known}; or 'all', 'list')")
    chosen = list(experiments) if args.name == "all" else [args.name]
    if args.quick and (args.report or args.claims) and not args.allow_quick_report:
        flag = "--report" if args.report else "--claims"
        raise SpecError(
            f"{flag} with --quick is not allowed: quick verdicts are previews that may reverse; run without "
            "--quick, or add --allow-quick-report to write them anyway"
        )
    if args.quick:
        from market_sim.studies.experiment import min_replicates

        seeds = min(min_replicates(experiments[n].specs(True)) for n in chosen)
        print(f"Preview (quick mode, {seeds} seeds per point): verdicts may reverse in the full run.")
    executor = {"workers": args.workers, "scheduler": args.scheduler, "cluster": args.cluster}
    contexts = []
    for name in chosen:
        ctx = run_experiment(
            experiments[name], args.out / name, args.quick, executor, not args.no_progress, args.command_line
        )
        contexts.append((experiments[name], ctx))
        for v in ctx.verdicts:
            print(f"{name:<18} {v.claim:<4} {v.verdict:<14} {v.evidence}")
        print(f"wrote {args.out / name / 'report.md'}")
    if args.report:
        write_findings(contexts, args.report, args.discovery, args.game)
        print(f"wrote {args.report}")
    if args.claims:
        update_claims_doc(args.claims, contexts, "quick mode" if args.quick else "full mode")
        print(f"updated {args.claims}")
    return 0


def cmd_sensitivity(args) -> int:
    from market_sim.studies.sensitivity import run_sensitivity

    table = run_sensitivity(args.samples, args.workers, args.report, _figures(args), args.out)
    print(table.round(3).to_string(index=False))
    print(f"\nwrote {args.report}")
    return 0


def cmd_validate(args) -> int:
    from market_sim.studies.validation import run_validation

    table = run_validation(report=args.report, figures_dir=_figures(args), seeds=args.seeds)
    print(table.to_string(index=False))
    print(f"\nwrote {args.report}")
    return 0


def cmd_dashboard(args) -> int:
    from market_sim.dashboard import serve
    from market_sim.errors import UserError

    if not 1 <= args.port <= 65535:
        raise UserError(f"--port {args.port} is not allowed: expected an integer in [1, 65535]")
    serve(args.port, args.host)
    return 0


def cmd_strategies(args) -> int:
    from market_sim.plugins import load_plugins
    from market_sim.schema import STRATEGY_SLOTS
    from market_sim.strategies.registry import lookup, names

    load_plugins(args.plugin)
    for slot in STRATEGY_SLOTS:
        print(f"[{slot}]")
        for name in names(slot):
            cls = lookup(slot, name)
            params = ", ".join(f"{k}={v!r}" for k, v in cls.defaults().items()) or "no parameters"
            doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
            print(f"  {name:<18} {params}\n  {'':<18} {doc}")
    return 0


def cmd_scenario(args) -> int:
    print(resolve_scenario(args).to_toml(), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.command_line = ["market-sim", *argv]
    try:
        from market_sim.plots import figure_formats

        with figure_formats(getattr(args, "format", None)):
            return args.func(args)
    except UserError as exc:
        return _fail(str(exc))
    except BrokenPipeError:  # output piped into `head` and closed: not an error of the run
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        except (OSError, ValueError):
            pass
        return 0
    except OSError as exc:  # read-only or full disk, permissions: name the file and the reason
        where = f" {exc.filename!s}" if exc.filename else ""
        return _fail(f"cannot write or read{where}: {exc.strerror or exc}")
    except MemoryError:
        return _fail("out of memory: lower developers.count, researchers.count or market.demand_sample")
    except RecursionError:
        return _fail("input nested too deeply")
    except KeyboardInterrupt:
        print("market-sim: interrupted", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    print(f"market-sim: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
