"""Shared tests for every strategy, after Axelrod's ``TestPlayer``.

A test module declares one ``Test<Strategy>(StrategyTestBase)`` per registered strategy, with

* ``strategy_class``: the class under test;
* ``example_params``: a dict of valid, non-default constructor parameters;
* ``make_context(self, rng)``: a random context for the strategy's slot (for ``release``, a
  :class:`ReleaseCall`), built from the dataclasses of :mod:`market_sim.strategies.base`.

``StrategyTestBase`` itself is not collected (its name does not start with ``Test``).
"""

from __future__ import annotations

import inspect
import pickle
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pytest

from market_sim.errors import ScenarioError
from market_sim.strategies import registry
from market_sim.strategies.base import (
    HiringContext,
    OpennessContext,
    PricingContext,
    RndContext,
    Strategy,
)

N_CONTEXTS = 25
MUTABLE = (list, dict, set, np.ndarray)


class ReleaseCall(NamedTuple):
    """The arguments of ``ReleaseStrategy.due`` (the release slot has no context dataclass)."""

    month: int
    first_month: int
    last_release_month: int | None


def decide(strategy: Strategy, ctx: Any) -> Any:
    """Call the decision method of a strategy's slot."""
    slot = strategy.slot
    if slot == "pricing":
        return strategy.prices(ctx)
    if slot == "openness":
        return strategy.decide(ctx)
    if slot == "release":
        return strategy.due(*ctx)
    if slot == "hiring":
        return strategy.plan(ctx)
    if slot == "rnd":
        return strategy.compute_spend(ctx)
    raise AssertionError(f"unknown slot {slot!r}")


def check_output(slot: str, ctx: Any, out: Any) -> None:
    """Assert that a decision has the type and shape its slot requires."""
    if slot == "pricing":
        assert isinstance(out, np.ndarray)
        assert out.shape == np.shape(ctx.cost)
        assert np.all(np.isfinite(out))
        assert np.all(out >= 0.0)
    elif slot == "openness":
        assert isinstance(out, list)
        assert len(out) == len(ctx.sizes)
        assert all(isinstance(flag, bool) for flag in out)
    elif slot == "release":
        assert isinstance(out, bool)
    elif slot == "hiring":
        assert isinstance(out, tuple) and len(out) == 2
        target, offer = out
        assert target is None or (isinstance(target, float) and np.isfinite(target) and target >= 0.0)
        assert isinstance(offer, float) and np.isfinite(offer) and offer > 0.0
    elif slot == "rnd":
        assert isinstance(out, float) and np.isfinite(out) and out >= 0.0
    else:  # pragma: no cover
        raise AssertionError(f"unknown slot {slot!r}")


def norm(value: Any) -> Any:
    """Tuples as lists (a default may be a tuple, the stored parameter a list)."""
    return list(value) if isinstance(value, tuple) else value


def covered_names(namespace: dict, slot: str) -> set[str]:
    """Names of the strategies of ``slot`` that test classes in ``namespace`` cover."""
    return {
        obj.strategy_class.name
        for obj in namespace.values()
        if isinstance(obj, type)
        and issubclass(obj, StrategyTestBase)
        and getattr(obj, "strategy_class", None) is not None
        and obj.strategy_class.slot == slot
    }


def builtin_names(slot: str) -> set[str]:
    """The built-in strategies of a slot (ignores strategies other tests or plugins register)."""
    registry.names(slot)  # loads the built-ins
    return {
        name for name, cls in registry.REGISTRIES[slot].items() if cls.__module__.startswith("market_sim.strategies.")
    }


# -- context factories, shared by the slot test modules --------------------------------------
def pricing_context(rng: np.random.Generator) -> PricingContext:
    n = int(rng.integers(1, 4))
    cost = rng.uniform(0.1, 5.0, n)
    rival = np.where(rng.random(n) < 0.3, np.inf, cost * rng.uniform(0.5, 3.0, n))
    # the model answers one markup per option; a scalar (one common markup) is accepted too
    best = rng.uniform(0.0, 4.0, n) if rng.random() < 0.7 else float(rng.uniform(0.0, 4.0))
    return PricingContext(
        cost=cost,
        price=cost * rng.uniform(1.0, 2.0, n),
        rival_min_price=rival,
        best_markup=lambda: best,
        last_profit_usd=float(rng.normal(1e6, 5e5)),
        rng=rng,
    )


def openness_context(rng: np.random.Generator) -> OpennessContext:
    sizes = sorted(int(s) for s in rng.choice(3, size=int(rng.integers(1, 4)), replace=False))
    return OpennessContext(
        sizes=sizes,
        capability=float(rng.uniform(2.0, 5.0)),
        best_rival_capability=float(rng.uniform(2.0, 5.0)),
        payoff_open=[float(x) for x in rng.normal(1.0, 1.0, int(rng.integers(0, 4)))],
        payoff_closed=[float(x) for x in rng.normal(1.0, 1.0, int(rng.integers(0, 4)))],
        rng=rng,
    )


def release_call(rng: np.random.Generator) -> ReleaseCall:
    first = int(rng.integers(0, 12))
    month = int(rng.integers(0, 36))
    last = None if rng.random() < 0.3 else int(rng.integers(first, max(first, month) + 1))
    return ReleaseCall(month, first, last)


def hiring_context(rng: np.random.Generator) -> HiringContext:
    return HiringContext(
        headcount=float(rng.uniform(0.0, 2000.0)),
        cash_usd=float(rng.uniform(1e7, 1e10)),
        revenue_usd_per_month=float(rng.uniform(0.0, 1e8)),
        salary_offer_usd=float(rng.uniform(1e5, 6e5)),
        market_salary_usd=rng.uniform(1e5, 8e5, int(rng.integers(0, 50))),
        fill_rate=float(rng.uniform(0.0, 1.0)),
        applicants_per_slot=float(rng.uniform(0.0, 5.0)),
        best_rival_offer_usd=float(rng.uniform(1e5, 8e5)),
        on_plan=bool(rng.random() < 0.7),
        headcount_start=None if rng.random() < 0.3 else float(rng.uniform(0.0, 2000.0)),
    )


def rnd_context(rng: np.random.Generator) -> RndContext:
    return RndContext(
        cash_usd=float(rng.uniform(-1e8, 1e10)),
        revenue_usd_per_month=float(rng.uniform(-1e6, 1e8)),
        month=int(rng.integers(0, 96)),
        committed_usd=float(rng.uniform(0.0, 1e10)),
        payroll_usd_per_month=float(rng.uniform(0.0, 1e8)),
        serving_cost_usd_per_month=float(rng.uniform(0.0, 1e7)),
        last_commitment_usd=float(rng.uniform(0.0, 1e9)),
        fundable_usd=float(rng.uniform(0.0, 1e10)),
        frontier_growth_per_year=float(rng.uniform(1.0, 3.0)),
    )


class StrategyTestBase:
    """Tests every strategy must pass. Subclass as ``Test<Strategy>``."""

    strategy_class: ClassVar[type[Strategy]]
    example_params: ClassVar[dict[str, Any]] = {}

    def make_context(self, rng: np.random.Generator) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- helpers -------------------------------------------------------------------------
    def make(self, **params: Any) -> Strategy:
        return self.strategy_class(**params)

    @property
    def slot(self) -> str:
        return self.strategy_class.slot

    @property
    def key(self) -> str:
        return f"vendors.testco.{self.slot}"

    def run_sequence(self, seed: int = 7) -> list:
        rng = np.random.default_rng(seed)
        strategy = self.make(**self.example_params)
        out = []
        for _ in range(N_CONTEXTS):
            ctx = self.make_context(rng)
            out.append(decide(strategy, ctx))
        return out

    # -- construction and parameters -----------------------------------------------------
    def test_example_params_are_not_defaults(self):
        defaults = self.strategy_class.defaults()
        for k, v in self.example_params.items():
            assert k in defaults, f"example_params names {k!r}, not a constructor parameter"
            assert v != defaults[k], f"example_params[{k!r}] equals the default"

    def test_construct_with_defaults(self):
        obj = self.make()
        assert set(obj.get_params()) == set(self.strategy_class.param_names())
        assert {k: norm(v) for k, v in obj.get_params().items()} == {
            k: norm(v) for k, v in self.strategy_class.defaults().items()
        }

    def test_construct_with_example_params(self):
        obj = self.make(**self.example_params)
        params = obj.get_params()
        for k, v in self.example_params.items():
            assert params[k] == v
        assert obj != self.make() or not self.example_params

    def test_get_params_round_trips(self):
        for params in ({}, self.example_params):
            obj = self.make(**params)
            assert self.strategy_class(**obj.get_params()).get_params() == obj.get_params()
            assert self.strategy_class(**obj.get_params()) == obj

    def test_every_param_has_a_default_and_a_field(self):
        sig = inspect.signature(self.strategy_class.__init__)
        ctor = {k: p for k, p in sig.parameters.items() if k != "self"}
        for k in self.strategy_class.params:
            assert k in ctor, f"params declares {k!r}, which the constructor does not take"
            assert ctor[k].default is not inspect.Parameter.empty, f"{k!r} has no default"
        for k, p in ctor.items():
            assert p.default is not inspect.Parameter.empty, f"constructor parameter {k!r} has no default"
            assert k in self.strategy_class.params, f"constructor parameter {k!r} has no Field in params"
            self.strategy_class.params[k].check(k, p.default)  # the default is itself allowed

    def test_name_and_slot(self):
        assert self.strategy_class.name
        assert self.strategy_class.slot in registry.REGISTRIES

    # -- clone and pickle ----------------------------------------------------------------
    def test_clone_equals_original_and_shares_no_mutable_state(self):
        obj = self.make(**self.example_params)
        rng = np.random.default_rng(3)
        for _ in range(3):  # give the original some history
            decide(obj, self.make_context(rng))
        clone = obj.clone()
        assert clone is not obj
        assert type(clone) is type(obj)
        assert clone == obj
        assert clone.get_params() == obj.get_params()
        for name, value in vars(obj).items():
            if isinstance(value, MUTABLE):
                assert getattr(clone, name) is not value, f"clone shares attribute {name!r}"

    def test_clone_has_no_history(self):
        fresh = self.make(**self.example_params)
        used = self.make(**self.example_params)
        rng = np.random.default_rng(11)
        for _ in range(5):
            decide(used, self.make_context(rng))
        ctx_seed = 99
        a = decide(fresh, self.make_context(np.random.default_rng(ctx_seed)))
        b = decide(used.clone(), self.make_context(np.random.default_rng(ctx_seed)))
        np.testing.assert_equal(a, b)

    def test_pickle_round_trips(self):
        obj = self.make(**self.example_params)
        rng = np.random.default_rng(5)
        decide(obj, self.make_context(rng))
        copy = pickle.loads(pickle.dumps(obj))
        assert copy == obj
        assert vars(copy).keys() == vars(obj).keys()
        np.testing.assert_equal(vars(copy), vars(obj))
        # the copy continues exactly as the original would
        seed = 21
        np.testing.assert_equal(
            decide(copy, self.make_context(np.random.default_rng(seed))),
            decide(obj, self.make_context(np.random.default_rng(seed))),
        )

    # -- registry and scenario validation ------------------------------------------------
    def test_registered_under_its_name(self):
        assert registry.REGISTRIES[self.slot][self.strategy_class.name] is self.strategy_class
        assert self.strategy_class.name in registry.names(self.slot)
        assert registry.lookup(self.slot, self.strategy_class.name) is self.strategy_class

    def test_registry_make_builds_an_equal_object(self):
        for params in ({}, self.example_params):
            built = registry.make(self.slot, {"strategy": self.strategy_class.name, **params})
            assert type(built) is self.strategy_class
            assert built == self.make(**params)

    def test_check_params_accepts_example_params(self):
        out = self.strategy_class.check_params(self.key, dict(self.example_params))
        expected = {**self.strategy_class.defaults(), **self.example_params}
        assert set(out) == set(expected)
        assert {k: norm(v) for k, v in out.items()} == {k: norm(v) for k, v in expected.items()}
        # and the normalised slot value builds the same object
        spec = registry.validate_slot(
            self.key, self.slot, {"strategy": self.strategy_class.name, **self.example_params}
        )
        assert registry.make(self.slot, spec) == self.make(**self.example_params)

    def test_check_params_rejects_unknown_parameter(self):
        with pytest.raises(ScenarioError) as info:
            self.strategy_class.check_params(self.key, {**self.example_params, "no_such_param": 1})
        msg = str(info.value)
        assert "no_such_param" in msg
        assert self.key in msg
        known = self.strategy_class.param_names()
        for k in known:
            assert k in msg
        if not known:
            assert "none" in msg

    # -- decisions -----------------------------------------------------------------------
    def test_seeded_reproducibility(self):
        first = self.run_sequence(7)
        second = self.run_sequence(7)
        assert len(first) == N_CONTEXTS
        np.testing.assert_equal(first, second)

    def test_output_type_and_shape(self):
        rng = np.random.default_rng(13)
        for params in ({}, self.example_params):
            strategy = self.make(**params)
            for _ in range(N_CONTEXTS):
                ctx = self.make_context(rng)
                check_output(self.slot, ctx, decide(strategy, ctx))
