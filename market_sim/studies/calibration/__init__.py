"""Calibration of the default scenario against the stylized facts of FACTS.md (docs/calibration.md).

- ``facts.toml``: the facts as data (targets, windows, units, sources, measures, miss reasons);
  ``changes.toml``: the calibration's changes to the default scenario;
- :mod:`.facts`: :class:`Fact` and the validating loader; :mod:`.measures`: timeseries -> number;
  :mod:`.details`: extra report text from all runs;
- :mod:`.runs`: the runs with their ``calib_*`` columns; :mod:`.scores`: facts x runs -> summary;
- :mod:`.report`, :mod:`.figure`: docs/calibration.md and its figure; :mod:`.study`:
  :func:`run_calibration`, all of it.
"""

from market_sim.studies.calibration.facts import Fact, context_checks, default_facts, load_facts, miss_reasons
from market_sim.studies.calibration.measures import (
    HISTORY,
    awareness_months_to_half,
    bass_continuous_time_to_half,
    bass_months_to_half,
    linear_slope_per_year,
    loglinear_decline_per_year,
    loglinear_growth_per_year,
    offer_ratio,
    revenue_shares,
    salary_ratio,
    value_at,
    window,
    window_mean,
    yearly_band_excess,
    yearly_medians,
)
from market_sim.studies.calibration.runs import (
    CAPABLE_INHOUSE,
    EXTRA_COLUMNS,
    GPT4_KAPPA,
    SEED_ROOT,
    calibration_seeds,
    run_seeds,
    simulate,
)
from market_sim.studies.calibration.scores import measure_all, summarize
from market_sim.studies.calibration.study import run_calibration

__all__ = [
    "CAPABLE_INHOUSE",
    "EXTRA_COLUMNS",
    "GPT4_KAPPA",
    "HISTORY",
    "SEED_ROOT",
    "Fact",
    "awareness_months_to_half",
    "bass_continuous_time_to_half",
    "bass_months_to_half",
    "calibration_seeds",
    "context_checks",
    "default_facts",
    "linear_slope_per_year",
    "load_facts",
    "loglinear_decline_per_year",
    "loglinear_growth_per_year",
    "measure_all",
    "miss_reasons",
    "offer_ratio",
    "revenue_shares",
    "run_calibration",
    "run_seeds",
    "salary_ratio",
    "simulate",
    "summarize",
    "value_at",
    "window",
    "window_mean",
    "yearly_band_excess",
    "yearly_medians",
]
