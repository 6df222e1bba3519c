"""The calibration checks as data: :class:`Fact` and the loader of ``facts.toml``.

``facts.toml`` holds one ``[[fact]]`` per report row (FACTS.md F1-F11, M1) and one ``[[check]]``
per consistency check (K1-K6, not scored), each with its target range, window, unit, source and
the name of its measure (a function of :mod:`.measures`); ``[reasons]`` holds the reasons for
misses. :func:`load_facts` validates every entry and binds each measure to its window, column
and arguments, so a fact's ``measure`` maps one run's timeseries to one number.
"""

from __future__ import annotations

import inspect
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.errors import UserError
from market_sim.scenario import Scenario
from market_sim.studies.calibration import measures
from market_sim.studies.calibration.details import DETAILS
from market_sim.studies.calibration.runs import CAPABLE_INHOUSE, GPT4_KAPPA

FACTS_FILE = Path(__file__).with_name("facts.toml")
KINDS = ("target", "documentation", "limitation", "context")
MEASURES: dict[str, Callable[..., float]] = {
    f.__name__: f
    for f in (
        measures.loglinear_decline_per_year,
        measures.loglinear_growth_per_year,
        measures.window_mean,
        measures.window_median,
        measures.window_max,
        measures.value_at,
        measures.linear_slope_per_year,
        measures.yearly_band_excess,
        measures.revenue_share,
        measures.revenue_order,
        measures.salary_ratio,
        measures.offer_ratio,
        measures.awareness_months_to_half,
    )
}
PLACEHOLDERS = {"gpt4_kappa": GPT4_KAPPA, "capable_inhouse": CAPABLE_INHOUSE}
_KEYS = {"id", "statement", "quantity", "target", "window", "unit", "measure", "column", "args", "source", "kind"}
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Fact:
    """One calibration check of a FACTS.md fact.

    Attributes:
        id: row id, e.g. "F1" or "F6a" (a fact with several parts has one row per part).
        statement: the fact as FACTS.md states it (short).
        quantity: exactly what ``measure`` computes.
        target: (low, high), inclusive; ±inf for a one-sided target.
        window: (first, last) month, 'YYYY-MM'.
        unit: unit of the measured quantity.
        measure: one run's timeseries (with calib_* columns) -> the quantity.
        source: where the target comes from.
        kind: "target" (pass/miss), "documentation" or "limitation" (reported, not scored).
        detail: optional: all runs' timeseries -> extra text for the report.
    """

    id: str
    statement: str
    quantity: str
    target: tuple[float, float]
    window: tuple[str, str]
    unit: str
    measure: Callable[[pd.DataFrame], float]
    source: str
    kind: str = "target"
    detail: Callable[[list[pd.DataFrame]], str] | None = field(default=None, compare=False)

    @property
    def fact(self) -> str:
        """The FACTS.md ID this row checks ("F6" for "F6a")."""
        return self.id.rstrip("abcdefgh")

    def inside(self, x: float) -> bool:
        lo, hi = self.target
        return bool(np.isfinite(x) and lo <= x <= hi)


def default_facts(scenario: Scenario | None = None) -> list[Fact]:
    """The calibration checks of FACTS.md F1-F11 and M1 for the default scenario's calendar."""
    return load_facts(FACTS_FILE, "fact", scenario)


def context_checks(scenario: Scenario | None = None) -> list[Fact]:
    """Consistency checks that are not FACTS.md facts: reported beside the facts, not scored."""
    return load_facts(FACTS_FILE, "check", scenario)


def miss_reasons(path: Path = FACTS_FILE) -> dict[str, str]:
    """Reasons for misses and notes on documentation/limitation rows, by FACTS.md fact or row id."""
    return dict(_read(path).get("reasons", {}))


def load_facts(path: Path, table: str = "fact", scenario: Scenario | None = None) -> list[Fact]:
    """The entries of ``table`` ("fact" or "check") in a facts file, validated; a bad entry raises
    :class:`UserError` naming the file, the entry and the key. Measures and details that take a
    ``scenario`` get ``scenario`` (None: the default scenario, read when measured)."""
    entries = _read(path).get(table, [])
    out, seen = [], set()
    for i, raw in enumerate(entries):
        where = f"{Path(path).name}: [[{table}]] {raw.get('id', f'#{i + 1}')}"
        fact = _fact(raw, where, "context" if table == "check" else "target", scenario)
        if fact.id in seen:
            raise UserError(f"{where}: duplicate id")
        seen.add(fact.id)
        out.append(fact)
    return out


def _read(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _fact(raw: dict, where: str, default_kind: str, scenario: Scenario | None) -> Fact:
    unknown = set(raw) - _KEYS - {"detail"}
    if unknown:
        raise UserError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(_KEYS))})")
    for key in ("id", "statement", "quantity", "target", "window", "unit", "measure", "source"):
        if key not in raw:
            raise UserError(f"{where}: missing key {key!r}")
    kind = raw.get("kind", default_kind)
    if kind not in KINDS:
        raise UserError(f"{where}: kind {kind!r} is not allowed (allowed: {', '.join(KINDS)})")
    target = tuple(float(x) for x in raw["target"])
    if len(target) != 2 or (kind != "context" and not target[0] <= target[1]):
        raise UserError(f"{where}: target {raw['target']!r}: expected [low, high] with low <= high")
    window = tuple(raw["window"])
    if len(window) != 2 or not all(isinstance(m, str) and _MONTH.fullmatch(m) for m in window) or window[0] > window[1]:
        raise UserError(f"{where}: window {raw['window']!r}: expected [first, last] as 'YYYY-MM', first <= last")
    detail = None
    if "detail" in raw:
        if raw["detail"] not in DETAILS:
            raise UserError(f"{where}: detail {raw['detail']!r} unknown (known: {', '.join(DETAILS)})")
        detail = _bind_scenario(DETAILS[raw["detail"]], scenario)
    return Fact(
        raw["id"],
        raw["statement"],
        raw["quantity"].format_map(PLACEHOLDERS),
        target,
        window,
        raw["unit"],
        _measure(raw, window, where, scenario),
        raw["source"],
        kind=kind,
        detail=detail,
    )


def _measure(raw: dict, window: tuple[str, str], where: str, scenario: Scenario | None) -> Callable:
    """The entry's measure bound to its window, column, args (and scenario): timeseries -> float."""
    name = raw["measure"]
    if name not in MEASURES:
        raise UserError(f"{where}: measure {name!r} unknown (known: {', '.join(MEASURES)})")
    fn = MEASURES[name]
    params = inspect.signature(fn).parameters
    given = {"start": window[0], "end": window[1], "date": window[0], "scenario": scenario}
    kwargs = {k: v for k, v in given.items() if k in params}
    if "column" in raw:
        kwargs["column"] = raw["column"]
    for key, value in raw.get("args", {}).items():
        if key not in params or key in kwargs:
            raise UserError(f"{where}: measure {name} takes no argument {key!r}")
        kwargs[key] = tuple(value) if isinstance(value, list) else value
    missing = [p for p, v in params.items() if p != "ts" and v.default is inspect.Parameter.empty and p not in kwargs]
    if missing:
        raise UserError(f"{where}: measure {name} needs {', '.join(missing)}")
    if name == "value_at" and window[0] != window[1]:
        raise UserError(f"{where}: measure {name} reads one month: window must be [month, month]")

    def measure(ts: pd.DataFrame) -> float:
        return fn(ts, **kwargs)

    measure.__name__ = name
    return measure


def _bind_scenario(detail: Callable, scenario: Scenario | None) -> Callable[[list[pd.DataFrame]], str]:
    if "scenario" not in inspect.signature(detail).parameters:
        return detail
    return lambda runs: detail(runs, scenario)
