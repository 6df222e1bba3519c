"""Validation (docs/validation.md): limiting cases against analytic answers, face validation, patterns.

- :mod:`.cases`: the limiting-case scenarios; ``parameter_sets.toml`` / :mod:`.sets`: their
  parameter sets; :mod:`.analytic`: the analytic answers (scipy, independent of the model);
- :mod:`.limiting`, :mod:`.demand`: runs vs answers, one table row per quantity;
- :mod:`.face`: paired arms of the default scenario vs the literature; :mod:`.patterns`;
- :mod:`.figures`, :mod:`.report`: the figures and docs/validation.md; :mod:`.study`:
  :func:`run_validation`, all of it (also ``python -m market_sim.studies.validation``).
"""

from market_sim.studies.validation.analytic import (
    bass_continuous,
    bass_exceedance,
    bass_recursion,
    bass_sampling_band,
    leader_nash_shares,
    log_nash_prices,
    logit_shares,
    nash_prices,
    nested_nash_prices,
    nested_shares,
)
from market_sim.studies.validation.cases import bass_case, bertrand_case, homogeneous_case, leader_case, nested_case
from market_sim.studies.validation.face import FaceValidation, face_validation, paired_difference
from market_sim.studies.validation.limiting import BASS, BERTRAND, LEADER, TABLE_COLUMNS, leader_premise, limiting_cases
from market_sim.studies.validation.patterns import Pattern, pattern_measures
from market_sim.studies.validation.sets import (
    BASS_SETS,
    BERTRAND_SETS,
    LEADER_SETS,
    BassSet,
    BertrandSet,
    HomogeneousSet,
    LeaderSet,
    NestedSet,
)
from market_sim.studies.validation.study import run_validation

__all__ = [
    "BASS",
    "BASS_SETS",
    "BERTRAND",
    "BERTRAND_SETS",
    "LEADER",
    "LEADER_SETS",
    "TABLE_COLUMNS",
    "BassSet",
    "BertrandSet",
    "FaceValidation",
    "HomogeneousSet",
    "LeaderSet",
    "NestedSet",
    "Pattern",
    "bass_case",
    "bass_continuous",
    "bass_exceedance",
    "bass_recursion",
    "bass_sampling_band",
    "bertrand_case",
    "face_validation",
    "homogeneous_case",
    "leader_case",
    "leader_nash_shares",
    "leader_premise",
    "limiting_cases",
    "log_nash_prices",
    "logit_shares",
    "nash_prices",
    "nested_case",
    "nested_nash_prices",
    "nested_shares",
    "paired_difference",
    "pattern_measures",
    "run_validation",
]
