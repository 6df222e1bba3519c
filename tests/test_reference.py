"""The vectorised developer population against the per-agent Mesa reference (issues 4 and 10).

``benchmarks/reference_mesa.py`` writes the developers' month (awareness, contributions,
reconsideration of every task tier, nested-logit choice per tier with the outside option, the
intensive margin of tokens, switching costs) one ``mesa.Agent`` per developer. Both
implementations start from the same frozen market (a 2,000-developer default run after 12
months) and go on for 12 months with their own random streams; over 30 seeds the means of every
summary statistic (token shares by vendor, tokens, adoption, tiers on an option, options per
adopter, churn, awareness, contributions, switching costs) must agree: the difference of means
lies inside its 95% confidence interval (Welch t), Bonferroni-corrected over the statistics
compared. The same comparison must reject a reference whose parameters were changed a little,
so the test has power.

In that market few developers use the open weights whose providers share a nest, so the nest
correlation is tested where it matters: one month in which every developer knows every vendor
and reconsiders every tier, on a market whose self-hosting and host offers are close
substitutes of the open vendors' own services. The choices the package draws, counted per
option over many seeds, must match the per-agent nested-logit probabilities of the reference
(and so must the reference's own draws), and must not match them with rho or the noise
changed. With (almost) no taste noise both pick the same option for every (developer, tier),
in both price forms. No timings are asserted here: speed is measured by ``benchmarks/run.py``.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from scipy import stats

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
CHOICE_SEEDS = 80  # months of choices of the vectorised population counted (x 2,000 developers x 3 tiers)
CHOICE_ALPHA = 0.01  # one-month test: family-wise level over the options compared
MIN_EXPECTED = 10.0  # options expected to be chosen fewer times are left out of the one-month test


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


def changed(model, changes: dict[str, float]):
    """A copy of ``model`` with scenario values multiplied by factors (``{"section.key": factor}``)."""
    model = pickle.loads(pickle.dumps(model))
    model.cfg = copy.deepcopy(model.cfg)
    for key, factor in changes.items():
        section, name = key.split(".")
        assert model.cfg[section][name] > 0, f"{key} is 0 in the default scenario: choose another perturbation"
        model.cfg[section][name] *= factor
    return model


def variant(frozen, key: str, factor: float):
    """A copy of the frozen market with one scenario value multiplied by ``factor`` (read by the
    reference only)."""
    return changed(frozen, {key: factor})


def test_the_frozen_market_is_a_real_one(frozen, vectorised):
    """Several vendors share the market, developers move and multi-home, so the comparison has content."""
    assert frozen.options.available.sum() >= 20
    shares = np.array([[r[k] for k in r if k.startswith("share_")] for r in vectorised]).mean(axis=0)
    assert (shares > 0.05).sum() >= 3
    assert np.mean([r["churn_open"] for r in vectorised]) > 0.01
    assert np.mean([r["churn_closed"] for r in vectorised]) > 0.01
    assert np.mean([r["contributions"] for r in vectorised]) > 1
    assert np.mean([r["options_per_adopter"] for r in vectorised]) > 1.1


def test_reference_agrees_with_vectorised_population(frozen, vectorised):
    """Token shares by vendor, tokens, churn (open, closed), adoption, tiers on an option, options
    per adopter, awareness, contributions and switching costs: means over 30 seeds within their
    confidence intervals."""
    assert disagreements(vectorised, reference(frozen)) == {}


@pytest.mark.parametrize(
    ("key", "factor", "detected_by"),
    [
        ("switching.closed_exit_usd", 1.5, "churn_closed"),
        ("switching.open_to_open_usd", 12.0, "churn_open"),
        ("awareness.q", 0.8, "aware"),
        ("community.strength", 0.6, "contributions"),
        ("developers.choice_noise", 1.2, "churn_closed"),
        ("developers.price_elasticity", 1.2, "tokens_per_active"),
        ("market.capability_value_per_kappa", 1.1, "units_on"),
    ],
)
def test_comparison_detects_a_changed_rule(frozen, vectorised, key, factor, detected_by):
    """The same comparison (30 vectorised runs, 15 reference runs) rejects a reference whose
    value of one parameter is off by 10-1100%."""
    assert detected_by in disagreements(vectorised, reference(variant(frozen, key, factor), POWER_SEEDS))


# ----------------------------------------------------------------------------------------------
# One month of choices where the nests matter


@pytest.fixture(scope="module")
def substitutes(frozen):
    """The frozen market with every developer aware of every vendor and reconsidering, no
    awareness news, and self-hosting and hosts without fixed costs, overhead or integration
    effort: the providers of the same open weights are close substitutes."""
    model = changed(frozen, {})
    model.cfg["awareness"]["p"] = model.cfg["awareness"]["q"] = 0.0
    model.cfg["sizes"]["selfhost_fixed_usd_per_month"] = [0.0, 0.0, 0.0]
    model.cfg["penalties"]["selfhost_overhead_max"] = 0.0
    model.options.integration_usd[:] = 0.0
    model.options.integration[:] = 0.0
    model.developers.aware[:] = True
    model.developers.reconsider_rate[:] = 1.0
    return model


def chosen(simulation, model) -> np.ndarray:
    """Units (active developer, tier) per choice after one month (index 0: none, 1 + id: option id)."""
    active = model.developers.entry_month <= model.month
    if isinstance(simulation, VectorisedAdoption):
        options = simulation.model.developers.option[active]
    else:
        options = np.array([agent.option for agent in simulation.agents])[active]
        simulation.close()
    return np.bincount(options.ravel() + 1, minlength=len(model.options) + 1)


@pytest.fixture(scope="module")
def vectorised_choices(substitutes):
    counts = []
    for k in range(CHOICE_SEEDS):
        simulation = VectorisedAdoption(substitutes, 30_000 + k)
        simulation.run(1)
        counts.append(chosen(simulation, substitutes))
    return np.sum(counts, axis=0)


def expected(model) -> tuple[np.ndarray, np.ndarray]:
    reference_model = ReferenceAdoption(model, 0)
    try:
        return reference_model.expected_choices()
    finally:
        reference_model.close()


def largest_deviation(counts: np.ndarray, runs: int, mean: np.ndarray, variance: np.ndarray) -> tuple[float, float]:
    """max |z| over the options expected at least MIN_EXPECTED times in ``runs`` months (z of the
    count against the sum of independent per-unit draws), and its Bonferroni critical value."""
    keep = runs * mean >= MIN_EXPECTED
    z = (counts[keep] - runs * mean[keep]) / np.sqrt(runs * variance[keep])
    return float(np.abs(z).max()), float(stats.norm.ppf(1.0 - CHOICE_ALPHA / (2 * keep.sum())))


def test_the_nests_matter_in_the_substitutes_market(substitutes):
    """Several open weights have more than one provider with a sizeable probability, so that the
    nest correlation moves the choices."""
    mean, _ = expected(substitutes)
    opts = substitutes.options
    ids = np.flatnonzero(mean[1:] * CHOICE_SEEDS >= 100)
    nests = opts.nest[ids]
    shared = [g for g in np.unique(nests) if (nests == g).sum() >= 2 and opts.open[ids[nests == g]].all()]
    assert len(shared) >= 2
    moved, _ = expected(changed(substitutes, {"market.nest_correlation": 0.75}))
    assert np.abs(moved - mean).max() * CHOICE_SEEDS > 100


def test_choices_follow_the_reference_probabilities(substitutes, vectorised_choices):
    """The package's draws (80 months x 6,000 units) and the reference's own (8 months), counted per
    option, agree with the per-agent nested-logit probabilities of the reference."""
    mean, variance = expected(substitutes)
    deviation, critical = largest_deviation(vectorised_choices, CHOICE_SEEDS, mean, variance)
    assert deviation < critical
    own = []
    for k in range(8):
        simulation = ReferenceAdoption(substitutes, 40_000 + k)
        simulation.run(1)
        own.append(chosen(simulation, substitutes))
    deviation, critical = largest_deviation(np.sum(own, axis=0), 8, mean, variance)
    assert deviation < critical


@pytest.mark.parametrize(
    ("key", "factor"),
    [("market.nest_correlation", 0.75), ("market.nest_correlation", 1.125), ("developers.choice_noise", 1.1)],
)
def test_choices_reject_changed_probabilities(substitutes, vectorised_choices, key, factor):
    """The same counts are incompatible with the reference's probabilities under a nest
    correlation of 0.6 or 0.9 (0.8) or 10% more taste noise."""
    mean, variance = expected(changed(substitutes, {key: factor}))
    deviation, critical = largest_deviation(vectorised_choices, CHOICE_SEEDS, mean, variance)
    assert deviation > critical


# ----------------------------------------------------------------------------------------------
# No taste noise: the same choice


@pytest.mark.parametrize("price_form", ["log", "linear"])
def test_same_choice_for_every_developer_without_noise(frozen, price_form):
    """With taste noise 1e-9, everybody reconsidering and no awareness news, one month of the
    reference picks the same option as the package in every tier of every developer, and the
    switching costs paid and tokens agree."""
    model = changed(frozen, {})
    model.cfg["market"]["price_form"] = price_form
    model.cfg["developers"]["choice_noise"] = 1e-9
    model.cfg["awareness"]["p"] = model.cfg["awareness"]["q"] = 0.0
    model.developers.reconsider_rate[:] = 1.0
    vec = VectorisedAdoption(model, 1)
    ref = ReferenceAdoption(model, 2)
    vec_record, ref_record = vec.run(1)[0], ref.run(1)[0]
    ref_options = np.array([agent.option for agent in ref.agents])
    ref.close()
    assert np.array_equal(vec.model.developers.option, ref_options)
    assert ref_record["switching_usd"] == pytest.approx(vec_record["switching_usd"], rel=1e-9)
    assert ref_record["tokens"] == pytest.approx(vec_record["tokens"], rel=1e-9)
    assert ref_record["options_used"] == vec_record["options_used"]
    assert 0 < ref_record["left_open"] + ref_record["left_closed"]
    assert ref_record["options_used"] > ref_record["adopting"]  # some developers use several options
