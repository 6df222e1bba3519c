"""Parameter sets of the limiting cases: their classes, and the sets of ``parameter_sets.toml``."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from market_sim.errors import UserError

SETS_FILE = Path(__file__).with_name("parameter_sets.toml")


@dataclass(frozen=True)
class BertrandSet:
    """One logit–Bertrand parameter set: mean utilities δ_j (κ-units), costs c_j (USD/Mtok), α."""

    delta: tuple[float, ...]
    cost: tuple[float, ...]
    alpha: float
    months: int = 30
    developers: int = 5000

    @property
    def label(self) -> str:
        return f"δ={list(self.delta)}, c={list(self.cost)}, α={self.alpha:g}"


@dataclass(frozen=True)
class BassSet:
    """One Bass parameter set: innovation p and imitation q per month."""

    p: float
    q: float
    months: int = 36
    developers: int = 20_000

    @property
    def label(self) -> str:
        return f"p={self.p:g}, q={self.q:g} per month"


@dataclass(frozen=True)
class LeaderSet:
    """One leader-persistence setting: incumbent's head start (κ-units) and learning (κ/month per share)."""

    advantage: float
    learning: float
    alpha: float = 1.0
    months: int = 60
    developers: int = 10_000

    @property
    def label(self) -> str:
        return f"advantage={self.advantage:g}, learning={self.learning:g}, α={self.alpha:g}"


@dataclass(frozen=True)
class NestedSet:
    """Mean utilities δ_j, costs c_j, α, nest of each firm and nest parameter σ (σ unused for the log case)."""

    delta: tuple[float, ...]
    cost: tuple[float, ...]
    alpha: float
    nests: tuple[int, ...] = ()
    sigma: float = 0.0
    months: int = 30
    developers: int = 3000

    @property
    def label(self) -> str:
        nests = f", nests={list(self.nests)}, σ={self.sigma:g}" if self.nests else ""
        return f"δ={list(self.delta)}, c={list(self.cost)}, α={self.alpha:g}{nests}"


@dataclass(frozen=True)
class HomogeneousSet:
    """An open vendor's service (cost ``vendor_cost``) and hosts (``host_cost`` x (1 + markup)) on the same weights."""

    vendor_cost: float
    host_cost: float
    host_markup: float
    sigma: float = 0.998

    @property
    def label(self) -> str:
        return (
            f"vendor cost {self.vendor_cost:g}, hosts {self.host_cost:g} × (1 + {self.host_markup:g}), σ={self.sigma:g}"
        )


_CLASSES = {
    "bertrand": BertrandSet,
    "log_bertrand": NestedSet,
    "nested": NestedSet,
    "homogeneous": HomogeneousSet,
    "bass": BassSet,
    "leader": LeaderSet,
}
_INTEGERS = {"months", "developers", "nests"}


def load_sets(path: Path = SETS_FILE) -> dict[str, tuple]:
    """Every table of a parameter-set file as a tuple of its class's instances, validated: a table
    or field that is not known, or a value that is not a number (a list of numbers for tuple
    fields), raises :class:`UserError`. Numbers are floats except months, developers and nests."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    unknown = set(raw) - set(_CLASSES)
    if unknown:
        raise UserError(
            f"{Path(path).name}: unknown table(s) {', '.join(sorted(unknown))} (known: {', '.join(_CLASSES)})"
        )
    return {
        name: tuple(
            _make(_CLASSES[name], entry, f"{Path(path).name}: {name}[{i}]") for i, entry in enumerate(raw.get(name, []))
        )
        for name in _CLASSES
    }


def _make(cls, entry: dict, where: str):
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(entry) - set(fields)
    if unknown:
        raise UserError(f"{where}: unknown field(s) {', '.join(sorted(unknown))} (fields: {', '.join(fields)})")
    values = {}
    for key, value in entry.items():
        kind = int if key in _INTEGERS else float
        try:
            values[key] = tuple(kind(v) for v in value) if isinstance(value, list) else kind(value)
        except (TypeError, ValueError):
            raise UserError(f"{where}: {key} = {value!r} is not a number") from None
        if isinstance(value, list) != (fields[key].type.startswith("tuple")):
            raise UserError(
                f"{where}: {key} = {value!r}: expected {'a list' if not isinstance(value, list) else 'a number'}"
            )
    try:
        return cls(**values)
    except TypeError as exc:
        raise UserError(f"{where}: {exc}") from None


_SETS = load_sets()
BERTRAND_SETS: tuple[BertrandSet, ...] = _SETS["bertrand"]
LOG_SETS: tuple[NestedSet, ...] = _SETS["log_bertrand"]
NESTED_SETS: tuple[NestedSet, ...] = _SETS["nested"]
HOMOGENEOUS_SETS: tuple[HomogeneousSet, ...] = _SETS["homogeneous"]
BASS_SETS: tuple[BassSet, ...] = _SETS["bass"]
LEADER_SETS: tuple[LeaderSet, ...] = _SETS["leader"]
