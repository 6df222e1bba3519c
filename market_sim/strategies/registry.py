"""One registry per strategy slot: pricing, openness, release, hiring, rnd.

A strategy is chosen by name in the scenario (``pricing = "markup"`` or
``pricing = { strategy = "markup", markup = 0.4 }``). To add one, subclass
:class:`~market_sim.strategies.base.Strategy` and decorate it with :func:`register`;
see ``docs/strategies.md``. The built-in strategies register themselves when the package
``market_sim.strategies`` imports them; this module imports none of them (no import cycle).
"""

from __future__ import annotations

from typing import Any

from market_sim.errors import ScenarioError, UnknownStrategyError
from market_sim.schema import STRATEGY_SLOTS

REGISTRIES: dict[str, dict[str, type]] = {slot: {} for slot in STRATEGY_SLOTS}


def register(cls: type | None = None, *, replace: bool = False):
    """Class decorator adding a strategy to the registry of its ``slot`` under its ``name``."""

    def add(cls: type) -> type:
        if cls.slot not in REGISTRIES:
            raise ValueError(f"{cls.__name__}.slot = {cls.slot!r}: expected one of {', '.join(REGISTRIES)}")
        table = REGISTRIES[cls.slot]
        if cls.name in table and table[cls.name] is not cls and not replace:
            raise ValueError(f"a {cls.slot} strategy named {cls.name!r} is already registered; pass replace=True")
        table[cls.name] = cls
        return cls

    return add(cls) if cls is not None else add


def names(slot: str) -> list[str]:
    """The strategy names known for a slot."""
    return sorted(REGISTRIES[slot])


def lookup(slot: str, name: str, key: str = "") -> type:
    try:
        return REGISTRIES[slot][name]
    except KeyError:
        key = key or slot
        raise UnknownStrategyError(
            f"{key}.strategy = {name!r} is not a known {slot} strategy (known: {', '.join(names(slot))})"
        ) from None


def validate_slot(key: str, slot: str, value: Any) -> dict:
    """Normalise a slot's scenario value to ``{"strategy": name, **params}`` and check it."""
    if isinstance(value, str):
        value = {"strategy": value}
    if not isinstance(value, dict) or not isinstance(value.get("strategy"), str):
        raise ScenarioError(
            f"{key} = {value!r} is not allowed: expected a strategy name or a table with "
            f"strategy = one of {', '.join(names(slot))}"
        )
    cls = lookup(slot, value["strategy"], key)
    params = {k: v for k, v in value.items() if k != "strategy"}
    checked = cls.check_params(key, params)
    return {"strategy": cls.name, **checked}


def make(slot: str, spec: dict):
    """Build the strategy object a normalised slot spec names."""
    params = {k: v for k, v in spec.items() if k != "strategy"}
    return lookup(slot, spec["strategy"])(**params)
