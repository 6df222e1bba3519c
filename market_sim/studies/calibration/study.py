"""Calibration of the default scenario against the stylized facts of FACTS.md, end to end.

:func:`run_calibration` runs the default scenario over ``seeds`` seeds (drawn from
``SeedSequence(2023)``, as the sweep engine does; :mod:`.runs`), measures every fact of
``facts.toml`` in every run (:mod:`.facts`, :mod:`.scores`), and writes ``docs/calibration.md``
(:mod:`.report`) plus a figure of the calibrated trajectories against the targets
(:mod:`.figure`). A fact passes when the median over seeds lies inside the target range; facts
of kind ``documentation`` and ``limitation`` are reported, not scored.

Usage::

    from market_sim.studies.calibration import run_calibration
    table = run_calibration(seeds=20, workers=2)   # writes docs/calibration.md and a figure
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from market_sim.scenario import Scenario
from market_sim.studies.calibration.facts import context_checks, default_facts
from market_sim.studies.calibration.figure import plot_trajectories
from market_sim.studies.calibration.report import write_report
from market_sim.studies.calibration.runs import calibration_seeds, run_seeds
from market_sim.studies.calibration.scores import summarize


def run_calibration(
    seeds: int = 20,
    workers: int | None = None,
    report: Path = Path("docs/calibration.md"),
    figures_dir: Path = Path("docs/figures"),
) -> pd.DataFrame:
    """Run the default scenario over ``seeds`` seeds, measure every fact, write the report and figure.

    Seeds: ``SeedSequence(2023).spawn(seeds)`` as ints; runs go to a process pool of ``workers``
    (None: all CPUs; 1: serial). Returns the summary table of :func:`summarize`, one row per fact,
    with the fact's ``id`` as the first column and the long texts (statement, quantity, source,
    detail) last; ``report=None`` / ``figures_dir=None`` skip that output.
    """
    start = time.perf_counter()
    seed_list = calibration_seeds(seeds)
    runs = run_seeds(seed_list, workers=workers)
    seconds = time.perf_counter() - start
    scenario = Scenario.default()
    table = summarize(default_facts(scenario), runs)
    context = summarize(context_checks(), runs)
    figure = None
    if figures_dir is not None:
        figure = plot_trajectories(runs, Path(figures_dir) / "calibration_trajectories.png")
    if report is not None:
        write_report(
            table, Path(report), seeds=seed_list, seconds=seconds, scenario=scenario, figure=figure, context=context
        )
    texts = ["statement", "quantity", "source", "detail"]
    return table.reset_index()[["id", *(c for c in table.columns if c not in texts), *texts]]
