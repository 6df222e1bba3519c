"""Sweep specs: a declarative experiment in TOML, validated before any run starts.

    [sweep]
    name = "demo"
    scenario = "default"          # or a path to a scenario TOML (relative to the spec file)
    months = 36                   # optional: the scenario's horizon by default
    replicates = 4                # seeds per design point, from `seed` by SeedSequence.spawn
    seed = 12345
    design = "grid"               # grid | lhs | sobol | morris
    samples = 16                  # lhs: points; sobol: SALib's N (a power of 2); morris: trajectories
    metrics = ["share_open"]      # optional; default: all
    plugins = ["my_strategies.py"]  # optional: strategy files to import (relative to the spec)

    [parameters]                  # grid: a list of values; lhs/sobol/morris: [low, high]
    "developers.count" = [2000, 4000]

    [arms]                        # optional paired arms, run with the same seeds (common random numbers)
    open = { "vendors.meta.openness" = "always_open" }

    [fixed]                       # optional: dotted overrides applied to every run
    "researchers.count" = 500

The model never knows it is in a sweep: a run is a scenario with dotted overrides and a seed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from market_sim.errors import ScenarioError, SpecError, UserError
from market_sim.plugins import load_plugins
from market_sim.scenario import Scenario

DESIGNS = ("grid", "lhs", "sobol", "morris")
SWEEP_KEYS = ("name", "scenario", "months", "replicates", "seed", "design", "samples", "metrics", "plugins")
SECTIONS = ("sweep", "parameters", "arms", "fixed")


@dataclass(frozen=True)
class Parameter:
    """A swept scenario key: a list of values (grid) or bounds (lhs, sobol, morris)."""

    key: str
    values: tuple
    kind: str  # "float", "int" or "categorical"

    @property
    def bounds(self) -> tuple[float, float]:
        return float(self.values[0]), float(self.values[1])


@dataclass(frozen=True)
class SweepSpec:
    name: str
    scenario: str
    months: int | None
    replicates: int
    seed: int
    design: str
    samples: int
    metrics: tuple[str, ...] | None
    parameters: tuple[Parameter, ...]
    arms: dict[str, dict[str, Any]]
    raw: dict
    base_dir: Path
    plugins: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: str | Path) -> SweepSpec:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(f"cannot read sweep spec {str(path)!r}: {exc.strerror}") from None
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path} is not valid TOML: {exc}") from None
        return cls.from_dict(raw, base_dir=path.parent)

    @classmethod
    def from_dict(cls, raw: dict, base_dir: str | Path = ".") -> SweepSpec:
        raw = copy.deepcopy(raw)
        for key in raw:
            if key not in SECTIONS:
                raise SpecError(f"unknown section [{key}] in sweep spec (allowed: {', '.join(SECTIONS)})")
        sweep = raw.get("sweep")
        if not isinstance(sweep, dict):
            raise SpecError("missing section [sweep]")
        for key in sweep:
            if key not in SWEEP_KEYS:
                raise SpecError(f"unknown key sweep.{key} (allowed: {', '.join(SWEEP_KEYS)})")
        plugins = sweep.get("plugins", [])
        if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
            raise SpecError(f"sweep.plugins = {plugins!r} is not allowed: expected a list of Python file paths")
        plugins = tuple(str(p if Path(p).is_absolute() else (Path(base_dir) / p).resolve()) for p in plugins)
        try:
            load_plugins(plugins)
        except UserError as exc:
            raise SpecError(f"sweep.plugins: {exc}") from None
        design = sweep.get("design", "grid")
        if design not in DESIGNS:
            raise SpecError(f"sweep.design = {design!r} is not allowed: expected one of {', '.join(DESIGNS)}")
        spec = cls(
            name=_typed(sweep, "name", str, "sweep"),
            scenario=_typed(sweep, "scenario", str, "default"),
            months=_typed(sweep, "months", int, None, lo=1),
            replicates=_typed(sweep, "replicates", int, 1, lo=1),
            seed=_typed(sweep, "seed", int, 0, lo=0),
            design=design,
            samples=_typed(sweep, "samples", int, 8, lo=1),
            metrics=_metrics(sweep.get("metrics")),
            parameters=(),
            arms={},
            raw=raw,
            base_dir=Path(base_dir),
            plugins=plugins,
        )
        base = spec.base_scenario()
        params = tuple(_parameter(base, key, value, design) for key, value in raw.get("parameters", {}).items())
        if design == "sobol" and spec.samples & (spec.samples - 1):
            raise SpecError(f"sweep.samples = {spec.samples} is not allowed for sobol: expected a power of 2")
        if design in ("lhs", "sobol", "morris") and not params:
            raise SpecError(f"sweep.design = {design!r} needs at least one parameter with [low, high] bounds")
        arms = raw.get("arms", {})
        if not isinstance(arms, dict) or not all(isinstance(a, dict) for a in arms.values()):
            raise SpecError("[arms] must hold one table of dotted overrides per arm, e.g. open = { ... }")
        for arm, overrides in arms.items():
            _check(base, overrides, f"arms.{arm}")
        spec = cls(**{**spec.__dict__, "parameters": params, "arms": arms})
        if spec.metrics is not None:
            from market_sim.results import run

            columns = set(
                run(base.with_overrides({"developers.count": 50, "researchers.count": 10}), months=1).timeseries.columns
            )
            unknown = [m for m in spec.metrics if m not in columns]
            if unknown:
                raise SpecError(f"sweep.metrics: unknown metric(s) {', '.join(unknown)} (see docs/metrics.md)")
        return spec

    def base_scenario(self) -> Scenario:
        """The scenario every run starts from (with the spec's months and [fixed] overrides)."""
        try:
            if self.scenario == "default":
                base = Scenario.default()
            else:
                path = Path(self.scenario)
                base = Scenario.load(path if path.is_absolute() else self.base_dir / path)
            base = base.with_overrides({"run.months": self.months}) if self.months else base
        except ScenarioError as exc:
            raise SpecError(f"sweep.scenario: {exc}") from None
        fixed = self.raw.get("fixed", {})
        if not isinstance(fixed, dict):
            raise SpecError(
                f"[fixed] = {fixed!r} is not allowed: expected a table of dotted overrides (developers.count = 5000)"
            )
        try:
            return base.with_overrides(fixed) if fixed else base
        except ScenarioError as exc:
            raise SpecError(f"fixed: {exc}") from None

    @property
    def hash(self) -> str:
        """SHA-256 (16 hex digits) of the spec and of the resolved base scenario."""
        blob = json.dumps({"spec": self.raw, "scenario": self.base_scenario().hash}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def arm_names(self) -> list[str]:
        return list(self.arms) or [""]


def _typed(table: dict, key: str, kind: type, default, lo: int | None = None):
    value = table.get(key, default)
    if value is None:
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)) or not isinstance(value, kind):
        raise SpecError(
            f"sweep.{key} = {value!r} is not allowed: expected {'an integer' if kind is int else 'a string'}"
        )
    if lo is not None and value < lo:
        raise SpecError(f"sweep.{key} = {value!r} is not allowed: expected an integer >= {lo}")
    return value


def _metrics(value) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(m, str) for m in value):
        raise SpecError(f"sweep.metrics = {value!r} is not allowed: expected a non-empty list of metric names")
    return tuple(value)


def _check(base: Scenario, overrides: dict, where: str) -> None:
    try:
        base.with_overrides(overrides)
    except ScenarioError as exc:
        raise SpecError(f"{where}: {exc}") from None


def _parameter(base: Scenario, key: str, value: Any, design: str) -> Parameter:
    try:
        current = base.get(key)
    except ScenarioError:
        _check(base, {key: 0}, f"parameters.{key}")  # names the nearest known key
        raise SpecError(f"parameters.{key}: not a scenario key") from None
    kind = "categorical" if isinstance(current, (str, bool, dict)) else "int" if isinstance(current, int) else "float"
    if not isinstance(value, list) or not value:
        raise SpecError(f"parameters.{key} = {value!r} is not allowed: expected a non-empty list")
    if design == "grid":
        for v in value:
            _check(base, {key: v}, f"parameters.{key}")
        return Parameter(key, tuple(value), kind)
    if kind == "categorical":
        raise SpecError(
            f"parameters.{key}: bounds on a categorical parameter are not allowed with design {design!r}; "
            'use design = "grid" or make it an arm'
        )
    if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise SpecError(f"parameters.{key} = {value!r} is not allowed: expected [low, high] for design {design!r}")
    low, high = value
    if not low < high:
        raise SpecError(f"parameters.{key} = {value!r} is not allowed: expected low < high")
    for v in (low, high):
        _check(base, {key: int(v) if kind == "int" else float(v)}, f"parameters.{key}")
    return Parameter(key, (low, high), kind)
