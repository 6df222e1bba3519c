"""Finding and running experiments: each spec through the sweep engine, then the file's ``analyze``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from market_sim.studies.experiment.context import ExperimentContext
from market_sim.studies.experiment.report import render
from market_sim.sweep import run_spec


def default_directory() -> Path:
    """``experiments/`` of the source tree market_sim runs from, else of the working directory."""
    here = Path(__file__).resolve().parents[3] / "experiments"  # market_sim/studies/experiment/ -> root
    return here if here.is_dir() else Path.cwd() / "experiments"


def load_experiments(directory: Path | None = None) -> dict[str, ModuleType]:
    """Import every ``experiments/*.py`` that defines NAME, QUESTION, CLAIMS, specs and analyze."""
    directory = Path(directory or default_directory())
    found = {}
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"market_sim_experiment_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        if all(hasattr(module, a) for a in ("NAME", "QUESTION", "CLAIMS", "specs", "analyze")):
            module.PATH = path
            found[module.NAME] = module
    return found


def run_experiment(
    module: ModuleType,
    out: Path,
    quick: bool,
    executor_args: dict | None = None,
    progress: bool = True,
    command: list[str] | None = None,
) -> ExperimentContext:
    """Run (or resume) every sweep of an experiment, analyse, and write ``report.md``."""
    from market_sim.sweep.executors import open_executor

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    specs = module.specs(quick)
    with open_executor(**(executor_args or {})) as ex:
        for spec_name, raw in specs.items():
            results[spec_name] = run_spec(raw, out / spec_name, ex, module.PATH.parent, command, progress)
    ctx = ExperimentContext(module.NAME, out, results, quick)
    module.analyze(ctx)
    for v in ctx.verdicts:
        v.statement = module.CLAIMS.get(v.claim, "")
    (out / "report.md").write_text(render(module, ctx, specs), encoding="utf-8")
    return ctx
