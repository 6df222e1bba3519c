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
    plugins = ["my_strategies.py"]  # optional: strategy files (arbitrary code: needs --allow-plugins)

    [parameters]                  # grid: a list of values; lhs/sobol/morris: [low, high]
    "developers.count" = [2000, 4000]

    [arms]                        # optional paired arms, run with the same seeds (common random numbers)
    open = { "vendors.meta.openness" = "always_open" }

    [fixed]                       # optional: dotted overrides applied to every run
    "researchers.count" = 500

The model never knows it is in a sweep: a run is a scenario with dotted overrides and a seed.

A spec means what it says: unknown keys, an empty or unsafe name, ``samples`` with a grid,
duplicate grid values, fractional bounds on an integer key, an arm that overrides a swept key
and a design larger than the run limit are refused with the key and the reason. Plugins are
checked (inside the spec's folder, ``.py`` files) with the rest and imported last, only when
``allow_plugins`` is given: a spec naming a strategy that is not registered is checked once more
after the import (only that error waits for the plugins; any other is raised before they run).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from market_sim.errors import ScenarioError, SpecError, SpecStrategyError, UnknownStrategyError, UserError
from market_sim.files import load_toml
from market_sim.plugins import load_plugins, refuse_unless_allowed, resolve_spec_plugins
from market_sim.scenario import Scenario
from market_sim.schema import inactive_keys

DESIGNS = ("grid", "lhs", "sobol", "morris")
SWEEP_KEYS = ("name", "scenario", "months", "replicates", "seed", "design", "samples", "metrics", "plugins")
SECTIONS = ("sweep", "parameters", "arms", "fixed")
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # a file name: no '/', no leading '.', no '..'
RESERVED_COLUMNS = ("run_id", "month", "date")
MAX_RUNS = 200_000  # the largest design (points x arms x replicates) accepted without max_runs
MAX_SEED = 2**63 - 1


def safe_name(value: str) -> bool:
    """Whether ``value`` can name a file or folder inside an output folder (and nothing outside it)."""
    return isinstance(value, str) and SAFE_NAME.fullmatch(value) is not None and ".." not in value


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
    def load(cls, path: str | Path, allow_plugins: bool = False, max_runs: int = MAX_RUNS) -> SweepSpec:
        raw, _ = load_toml(path, "sweep spec", SpecError)
        return cls.from_dict(raw, base_dir=Path(path).parent, allow_plugins=allow_plugins, max_runs=max_runs)

    @classmethod
    def from_dict(
        cls, raw: dict, base_dir: str | Path = ".", allow_plugins: bool = False, max_runs: int = MAX_RUNS
    ) -> SweepSpec:
        """Check a spec in full; its plugins (if any, and only if ``allow_plugins``) are imported last."""
        raw = copy.deepcopy(raw)
        spec = _check_structure(cls, raw, Path(base_dir), max_runs)
        if not spec.plugins:
            return _check_against_scenario(spec)
        refuse_unless_allowed(spec.plugins, allow_plugins)
        try:  # everything that needs no plugin code is checked before any of it runs
            checked = _check_against_scenario(spec)
        except SpecStrategyError:
            checked = None  # a strategy name that a plugin may register: import, then check again
        try:
            load_plugins(spec.plugins)
        except UserError as exc:
            raise SpecError(f"sweep.plugins: {exc}") from None
        return checked or _check_against_scenario(spec)

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
            raise _spec_error(exc)(f"sweep.scenario: {exc}") from None
        fixed = self.raw.get("fixed", {})
        if not isinstance(fixed, dict):
            raise SpecError(
                f"[fixed] = {fixed!r} is not allowed: expected a table of dotted overrides (developers.count = 5000)"
            )
        try:
            return base.with_overrides(fixed) if fixed else base
        except ScenarioError as exc:
            raise _spec_error(exc)(f"fixed: {exc}") from None

    @property
    def hash(self) -> str:
        """SHA-256 (16 hex digits) of the spec and of the resolved base scenario."""
        blob = json.dumps({"spec": self.raw, "scenario": self.base_scenario().hash}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def arm_names(self) -> list[str]:
        return list(self.arms) or [""]

    @property
    def run_count(self) -> int:
        return design_size(self.design, self.samples, [len(p.values) for p in self.parameters]) * (
            self.replicates * len(self.arm_names)
        )


def design_size(design: str, samples: int, grid_lengths: list[int]) -> int:
    """Design points of a design: grid = product of the value counts; lhs = samples;
    sobol = samples (D + 2); morris = samples (D + 1); one point with no parameters."""
    d = len(grid_lengths)
    if d == 0:
        return 1
    if design == "grid":
        return math.prod(grid_lengths)
    return samples * {"lhs": 1, "sobol": d + 2, "morris": d + 1}[design]


def _check_structure(cls, raw: dict, base_dir: Path, max_runs: int) -> SweepSpec:
    """Everything that does not depend on the scenario: sections, keys, types, names, sizes, plugin paths."""
    if not isinstance(raw, dict):
        raise SpecError("a sweep spec must be a table with sections [sweep], [parameters], [arms]")
    for key in raw:
        if key not in SECTIONS:
            raise SpecError(f"unknown section [{key}] in sweep spec (allowed: {', '.join(SECTIONS)})")
    sweep = raw.get("sweep")
    if not isinstance(sweep, dict):
        raise SpecError("missing section [sweep]")
    for key in sweep:
        if key not in SWEEP_KEYS:
            raise SpecError(f"unknown key sweep.{key} (allowed: {', '.join(SWEEP_KEYS)})")
    design = sweep.get("design", "grid")
    if design not in DESIGNS:
        raise SpecError(f"sweep.design = {design!r} is not allowed: expected one of {', '.join(DESIGNS)}")
    if design == "grid" and "samples" in sweep:
        raise SpecError(f"sweep.samples = {sweep['samples']!r} is not allowed with design 'grid' (a grid lists values)")
    name = _typed(sweep, "name", str, "sweep")
    if not safe_name(name):
        raise SpecError(
            f"sweep.name = {name!r} is not allowed: expected a file name of letters, digits, '_', '-', '.' "
            "(not starting with '.', no '..', at most 100 characters)"
        )
    params = raw.get("parameters", {})
    if not isinstance(params, dict):
        raise SpecError("[parameters] must be a table of dotted scenario keys")
    arms = raw.get("arms", {})
    if not isinstance(arms, dict) or not all(isinstance(a, dict) for a in arms.values()):
        raise SpecError("[arms] must hold one table of dotted overrides per arm, e.g. open = { ... }")
    for arm, overrides in arms.items():
        if not safe_name(arm):
            raise SpecError(
                f"arms.{arm!r} is not allowed: an arm name must be letters, digits, '_', '-', '.' "
                "(not empty, not starting with '.')"
            )
        swept = sorted(set(overrides) & set(params))
        if swept:
            raise SpecError(
                f"arms.{arm}: {', '.join(swept)} is swept in [parameters]; an arm may not override a swept key "
                "(every run of the arm would use the arm's value)"
            )
    fixed = raw.get("fixed", {})
    both = sorted(set(fixed) & set(params)) if isinstance(fixed, dict) else []
    if both:
        raise SpecError(
            f"fixed: {', '.join(both)} is swept in [parameters]; a key is either fixed for every run or swept"
        )
    for key, value in params.items():
        if not isinstance(value, list) or not value:
            raise SpecError(f"parameters.{key} = {value!r} is not allowed: expected a non-empty list")
    spec = cls(
        name=name,
        scenario=_typed(sweep, "scenario", str, "default"),
        months=_typed(sweep, "months", int, None, lo=1, hi=1200),
        replicates=_typed(sweep, "replicates", int, 1, lo=1, hi=max_runs),
        seed=_typed(sweep, "seed", int, 0, lo=0, hi=MAX_SEED),
        design=design,
        samples=_typed(sweep, "samples", int, 8, lo=1, hi=max_runs),
        metrics=_metrics(sweep.get("metrics")),
        parameters=tuple(Parameter(k, tuple(v), "float") for k, v in params.items()),  # kinds set later
        arms=arms,
        raw=raw,
        base_dir=base_dir,
        plugins=resolve_spec_plugins(sweep.get("plugins", []), base_dir),
    )
    if design == "sobol" and spec.samples & (spec.samples - 1):
        raise SpecError(f"sweep.samples = {spec.samples} is not allowed for sobol: expected a power of 2")
    if design in ("lhs", "sobol", "morris") and not params:
        raise SpecError(f"sweep.design = {design!r} needs at least one parameter with [low, high] bounds")
    if spec.run_count > max_runs:
        raise SpecError(
            f"the design has {spec.run_count:,} runs (points x arms x replicates): the limit is {max_runs:,} "
            "(pass --max-runs to raise it)"
        )
    return spec


def _check_against_scenario(spec: SweepSpec) -> SweepSpec:
    """The checks that read the base scenario: swept keys and values, arms, metrics."""
    base = spec.base_scenario()
    params = tuple(_parameter(base, p.key, list(p.values), spec.design) for p in spec.parameters)
    for arm, overrides in spec.arms.items():
        _check(base, overrides, f"arms.{arm}")
    _refuse_inactive(base, spec)
    spec = SweepSpec(**{**spec.__dict__, "parameters": params})
    if spec.metrics is not None:
        from market_sim.results import run

        columns = set(
            run(base.with_overrides({"developers.count": 50, "researchers.count": 10}), months=1).timeseries.columns
        )
        unknown = [m for m in spec.metrics if m not in columns]
        if unknown:
            raise SpecError(f"sweep.metrics: unknown metric(s) {', '.join(unknown)} (see docs/metrics.md)")
    return spec


def _refuse_inactive(base: Scenario, spec: SweepSpec) -> None:
    """A swept or arm key that the runs' price form ignores would compute nothing (docs/ODD.md 7.7)."""
    varied = {p.key for p in spec.parameters} | {k for overrides in spec.arms.values() for k in overrides}
    if "market.price_form" in varied:
        return  # the form itself varies: each run reads the keys of its own form
    form = base.get("market.price_form")
    ignored = inactive_keys(form)
    for key in sorted(varied & set(ignored)):
        raise SpecError(
            f"{key} is varied but market.price_form = {form!r} ignores it: vary {ignored[key]} instead "
            "(or set market.price_form in [fixed])"
        )


def _typed(table: dict, key: str, kind: type, default, lo: int | None = None, hi: int | None = None):
    value = table.get(key, default)
    if value is None and default is None:
        return None  # optional and not given
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)) or not isinstance(value, kind):
        raise SpecError(
            f"sweep.{key} = {value!r} is not allowed: expected {'an integer' if kind is int else 'a string'}"
        )
    if lo is not None and value < lo or hi is not None and value > hi:
        raise SpecError(f"sweep.{key} = {value!r} is not allowed: expected an integer in [{lo}, {hi:,}]")
    return value


def _metrics(value) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(m, str) for m in value):
        raise SpecError(f"sweep.metrics = {value!r} is not allowed: expected a non-empty list of metric names")
    reserved = [m for m in value if m in RESERVED_COLUMNS]
    if reserved:
        raise SpecError(f"sweep.metrics = {value!r}: {reserved[0]!r} is always written; list metrics only")
    dup = sorted({m for m in value if value.count(m) > 1})
    if dup:
        raise SpecError(f"sweep.metrics = {value!r}: {', '.join(map(repr, dup))} listed more than once")
    return tuple(value)


def _check(base: Scenario, overrides: dict, where: str) -> None:
    try:
        base.with_overrides(overrides)
    except ScenarioError as exc:
        raise _spec_error(exc)(f"{where}: {exc}") from None


def _spec_error(exc: ScenarioError) -> type[SpecError]:
    """SpecStrategyError for an unknown strategy name (a plugin may register it), else SpecError."""
    return SpecStrategyError if isinstance(exc, UnknownStrategyError) else SpecError


def _parameter(base: Scenario, key: str, value: Any, design: str) -> Parameter:
    try:
        current = base.get(key)
    except ScenarioError:
        _check(base, {key: 0}, f"parameters.{key}")  # names the nearest known key
        raise SpecError(f"parameters.{key}: not a scenario key") from None
    kind = "categorical" if isinstance(current, (str, bool, dict)) else "int" if isinstance(current, int) else "float"
    if design == "grid":
        seen = set()
        for v in value:
            _check(base, {key: v}, f"parameters.{key}")
            canon = json.dumps(float(v) if kind == "float" else v, sort_keys=True)
            if canon in seen:
                raise SpecError(f"parameters.{key} = {value!r} is not allowed: {v!r} is listed more than once")
            seen.add(canon)
        return Parameter(key, tuple(value), kind)
    if kind == "categorical":
        raise SpecError(
            f"parameters.{key}: bounds on a categorical parameter are not allowed with design {design!r}; "
            'use design = "grid" or make it an arm'
        )
    if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise SpecError(f"parameters.{key} = {value!r} is not allowed: expected [low, high] for design {design!r}")
    low, high = value
    if kind == "int" and not all(float(v).is_integer() for v in value):
        raise SpecError(f"parameters.{key} = {value!r} is not allowed: {key} is an integer, so its bounds must be")
    if not low < high:
        raise SpecError(f"parameters.{key} = {value!r} is not allowed: expected low < high")
    for v in (low, high):
        _check(base, {key: int(v) if kind == "int" else float(v)}, f"parameters.{key}")
    return Parameter(key, (low, high), kind)
