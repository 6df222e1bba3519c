"""The vectorised developer population against the per-agent Mesa reference (issue 4).

``benchmarks/reference_mesa.py`` writes the developers' month (awareness, contributions,
reconsideration, logit choice with the outside option, switching costs) one ``mesa.Agent`` per
developer. Both implementations start from the same frozen market (a 2,000-developer default
run after 12 months) and go on for 12 months with their own random streams; over 30 seeds the
means of every summary statistic must agree: the difference of means lies inside its 95%
confidence interval (Welch t), Bonferroni-corrected over the statistics compared. The same
comparison must reject a reference whose parameters were changed a little, so the test has
power, and with (almost) no taste noise both pick the same option for every developer.
No timings are asserted here: speed is measured by ``benchmarks/run.py``.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from benchmarks.reference_mesa import (
    ReferenceAdoption,
    VectorisedAdoption,
    compare,
    freeze,
    run_reference,
    run_vectorised,
    statistics_of,
)
from market_sim import Scenario

SEEDS = 30
POWER_SEEDS = 15  # reference runs of a changed reference: fewer suffice to reject it
MONTHS = 12
ALPHA = 0.05


@pytest.fixture(scope="module")
def frozen():
    return freeze(Scenario.default().with_overrides({"developers.count": 2000}), seed=1, months=12)


@pytest.fixture(scope="module")
def vectorised(frozen):
    return [statistics_of(run_vectorised(frozen, 10_000 + k, MONTHS)) for k in range(SEEDS)]


def reference(frozen, seeds: int = SEEDS) -> list[dict]:
    return [statistics_of(run_reference(frozen, 20_000 + k, MONTHS)) for k in range(seeds)]


def disagreements(a: list[dict], b: list[dict]) -> dict[str, tuple[float, float, float]]:
    """Statistics whose difference of means is outside its Bonferroni-corrected 95% CI:
    name -> (mean a, mean b, half-width)."""
    return {r["statistic"]: (r["mean_a"], r["mean_b"], r["half_width"]) for r in compare(a, b, ALPHA) if not r["agree"]}


def variant(frozen, key: str, factor: float):
    """A copy of the frozen market with one scenario value multiplied by ``factor`` (read by the
    reference only)."""
    model = pickle.loads(pickle.dumps(frozen))
    model.cfg = copy.deepcopy(model.cfg)
    section, name = key.split(".")
    assert model.cfg[section][name] > 0, f"{key} is 0 in the default scenario: choose another perturbation"
    model.cfg[section][name] *= factor
    return model


def test_the_frozen_market_is_a_real_one(frozen, vectorised):
    """Several vendors share the market and developers move, so the comparison has content."""
    assert frozen.options.available.sum() >= 20
    shares = np.array([[r[k] for k in r if k.startswith("share_")] for r in vectorised]).mean(axis=0)
    assert (shares > 0.05).sum() >= 3
    assert np.mean([r["churn_open"] for r in vectorised]) > 0.01
    assert np.mean([r["churn_closed"] for r in vectorised]) > 0.01
    assert np.mean([r["contributions"] for r in vectorised]) > 1


def test_reference_agrees_with_vectorised_population(frozen, vectorised):
    """Token shares by vendor, churn (open, closed), adoption, awareness, contributions and
    switching costs: means over 30 seeds within their confidence intervals."""
    assert disagreements(vectorised, reference(frozen)) == {}


@pytest.mark.parametrize(
    ("key", "factor", "detected_by"),
    [
        ("switching.closed_exit", 1.5, "churn_closed"),
        ("switching.open_to_open", 4.0, "churn_open"),
        ("awareness.q", 0.8, "aware"),
        ("community.strength", 0.7, "contributions"),
        ("developers.choice_noise", 1.2, "churn_closed"),
    ],
)
def test_comparison_detects_a_changed_rule(frozen, vectorised, key, factor, detected_by):
    """The same comparison (30 vectorised runs, 15 reference runs) rejects a reference whose
    value of one parameter is off by 20-300%."""
    assert detected_by in disagreements(vectorised, reference(variant(frozen, key, factor), POWER_SEEDS))


def test_same_choice_for_every_developer_without_noise(frozen):
    """With taste noise 1e-9, everybody reconsidering and no awareness news, one month of the
    reference picks the same option as the package for every developer, and the switching
    costs paid agree."""
    model = pickle.loads(pickle.dumps(frozen))
    model.cfg = copy.deepcopy(model.cfg)
    model.cfg["developers"]["choice_noise"] = 1e-9
    model.cfg["awareness"]["p"] = model.cfg["awareness"]["q"] = 0.0
    model.developers.reconsider_rate[:] = 1.0
    vec = VectorisedAdoption(model, 1)
    ref = ReferenceAdoption(model, 2)
    vec_record, ref_record = vec.run(1)[0], ref.run(1)[0]
    ref_options = np.array([agent.option for agent in ref.agents])
    ref.close()
    active = model.developers.entry_month <= model.month
    assert np.array_equal(vec.model.developers.option[active], ref_options[active])
    assert np.array_equal(vec.model.developers.option, ref_options)
    assert ref_record["switching_usd"] == pytest.approx(vec_record["switching_usd"], rel=1e-9)
    assert 0 < ref_record["left_open"] + ref_record["left_closed"]
