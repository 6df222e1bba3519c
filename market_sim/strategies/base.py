"""The strategy base class and the contexts the model hands to each slot.

A strategy is a small class (after Axelrod's players): a ``name``, a ``slot``, a
``classifier`` of properties, constructor parameters stored as given (introspectable with
:meth:`Strategy.get_params`, as in scikit-learn), and one decision method. ``params``
declares each parameter's type and range with :class:`market_sim.schema.Field`, which is
what lets a scenario or a sweep set ``vendors.meta.pricing.markup = 0.4`` and be validated.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from market_sim.errors import ScenarioError
from market_sim.schema import Field


class Strategy:
    """Base class of all strategies. Subclasses set ``name``, ``slot`` and ``params``."""

    name: ClassVar[str] = ""
    slot: ClassVar[str] = ""
    classifier: ClassVar[dict[str, Any]] = {}
    params: ClassVar[dict[str, Field]] = {}

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, as given (scikit-learn's ``get_params``)."""
        return {k: getattr(self, k) for k in self.param_names()}

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        return {k: p.default for k, p in sig.parameters.items() if k != "self"}

    @classmethod
    def check_params(cls, key: str, given: dict) -> dict:
        """Validate parameters named in a scenario; returns all parameters with defaults filled."""
        known = cls.param_names()
        for k in given:
            if k not in known:
                allowed = ", ".join(known) if known else "none"
                raise ScenarioError(
                    f"unknown key {key}.{k!s}: {cls.slot} strategy {cls.name!r} takes parameters: {allowed}"
                )
        out = {}
        for k, default in cls.defaults().items():
            value = given.get(k, default)
            spec = cls.params.get(k)
            out[k] = spec.check(f"{key}.{k}", value) if spec is not None else value
        try:
            cls(**out)
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"{key}: {exc}") from None
        return out

    def clone(self) -> Strategy:
        """A fresh copy with the same parameters and no history."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_params() == other.get_params()

    __hash__ = None  # mutable state


@dataclass
class PricingContext:
    """What a pricing strategy sees for one vendor in one month.

    Arrays are over the vendor's sellable options (vendor-hosted API or paid service),
    all in USD per Mtok.
    """

    cost: np.ndarray
    price: np.ndarray
    rival_min_price: np.ndarray  # cheapest rival market price at the same size (inf if none)
    best_markup: Callable[[], np.ndarray]  # profit-maximising markup over cost per option, logit demand
    last_profit_usd: float  # last month's model profit (revenue - serving cost)
    rng: np.random.Generator


@dataclass
class OpennessContext:
    """What an openness strategy sees when its vendor releases a family."""

    sizes: list[int]
    capability: float  # the vendor's frontier kappa
    best_rival_capability: float  # best released capability of any other vendor
    payoff_open: list[float] = field(default_factory=list)  # realised monthly payoffs, open months
    payoff_closed: list[float] = field(default_factory=list)
    rng: np.random.Generator | None = None


@dataclass
class HiringContext:
    """What a hiring strategy sees each month (headcounts in real researchers, money in USD)."""

    headcount: float
    cash_usd: float
    revenue_usd_per_month: float
    salary_offer_usd: float  # current annual offer per skill unit
    market_salary_usd: np.ndarray  # annual salary per skill unit of every employed researcher
    fill_rate: float  # hired / open slots last month (1 if no slots)
    applicants_per_slot: float
    best_rival_offer_usd: float
    on_plan: bool = True  # the vendor's compute commitments are not being cut (docs/ODD.md 7.3)
    headcount_start: float | None = None  # headcount before this month's separations (None: = headcount)


@dataclass
class RndContext:
    """What an R&D strategy sees when it commits compute (money in USD, flows per month).

    A strategy with ``commitment_months`` H commits the compute of month ``month + H`` now
    (H = 0: this month's spend); ``committed_usd`` is what it already owes for the months
    before that (docs/ODD.md 7.3).
    """

    cash_usd: float
    revenue_usd_per_month: float  # model + complement revenue, last month
    month: int = 0  # months since the vendor entered (model month for incumbents)
    committed_usd: float = 0.0  # compute already committed for months month .. month + H - 1
    payroll_usd_per_month: float = 0.0
    serving_cost_usd_per_month: float = 0.0  # last month's
    last_commitment_usd: float = 0.0  # the compute committed last month (for month t + H - 1)
    fundable_usd: float = 0.0  # outside funding it could raise now: min(cap left, d V), docs/ODD.md 7.11
    frontier_growth_per_year: float = 2.4  # training.growth_per_year: the frontier compute trend G (F4)
