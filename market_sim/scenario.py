"""Scenarios: the model's whole input, read from TOML, validated, overridable by dotted keys.

Loading a scenario parses TOML only (``tomllib``); nothing in a scenario file is executed.
Files are read with the limits of :mod:`market_sim.files` (regular files only, at most 1 MiB,
UTF-8, nesting depth 12).
A file is read over the embedded default (``base = "default"``, the default) section by
section and vendor by vendor, or taken as complete (``base = "none"``), as written by
:meth:`Scenario.to_toml`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w

from market_sim.errors import ScenarioError
from market_sim.files import parse_toml, read_text
from market_sim.schema import STRATEGY_SLOTS, validate
from market_sim.strategies.registry import validate_slot

BASES = ("default", "none")
MAX_ASSIGNMENT_CHARS = 100_000


class Scenario:
    """A validated scenario. Immutable: :meth:`with_overrides` returns a new one."""

    def __init__(self, data: Mapping[str, Any]):
        self._data = validate(copy.deepcopy(dict(data)), validate_slot)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def default(cls) -> Scenario:
        """The embedded default: seven vendors, 2023-01..2030-12 (``scenarios/default.toml``)."""
        return cls(_default_data())

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a scenario TOML file (never executes code)."""
        text = read_text(path, "scenario file", ScenarioError)
        return cls.from_toml(text, source=str(path))

    @classmethod
    def from_toml(cls, text: str, source: str = "<string>") -> Scenario:
        data = parse_toml(text, source, ScenarioError)
        base = data.pop("base", "default")
        if base not in BASES:
            raise ScenarioError(f"base = {base!r} is not allowed: expected one of {', '.join(map(repr, BASES))}")
        if base == "default":
            data = merge(_default_data(), data)
        return cls(data)

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with dotted keys set, e.g. ``{"vendors.meta.openness": "always_closed"}``.

        A strategy slot may be set to a name (its parameters reset to their defaults) or a
        parameter of the current strategy may be set (``vendors.meta.pricing.markup``).
        Overrides cannot add vendors; use a scenario file for that.
        """
        data = copy.deepcopy(self._data)
        for key, value in overrides.items():
            set_dotted(data, key, value)
        return Scenario(data)

    # -- views ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    def to_toml(self) -> str:
        """The complete scenario as TOML (``base = "none"``); loading it gives an equal scenario."""
        return tomli_w.dumps({"base": "none", **self._data})

    def get(self, key: str) -> Any:
        """The value at a dotted key."""
        node: Any = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(f"unknown key {key!r}")
            node = node[part]
        return copy.deepcopy(node)

    @property
    def hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the canonical JSON of the validated scenario."""
        blob = json.dumps(self._data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def vendor_ids(self) -> list[str]:
        return [v for v, t in self._data["vendors"].items() if t["enabled"]]

    @property
    def months(self) -> int:
        return self._data["run"]["months"]

    def __getitem__(self, section: str) -> Any:
        return copy.deepcopy(self._data[section])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self._data == other._data

    def __repr__(self) -> str:
        return f"Scenario(hash={self.hash}, vendors={self.vendor_ids}, months={self.months})"


def _default_data() -> dict:
    text = resources.files("market_sim").joinpath("scenarios/default.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def merge(base: dict, given: dict) -> dict:
    """``given`` over ``base``: sections key by key, vendors vendor by vendor; shocks whole."""
    out = copy.deepcopy(base)
    for section, value in given.items():
        if section == "vendors" and isinstance(value, dict) and isinstance(out.get("vendors"), dict):
            for vid, table in value.items():
                if vid in out["vendors"] and isinstance(table, dict):
                    out["vendors"][vid].update(table)
                else:
                    out["vendors"][vid] = table
        elif isinstance(value, dict) and isinstance(out.get(section), dict):
            out[section].update(value)
        else:
            out[section] = value
    return out


def set_dotted(data: dict, key: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for key ``"a.b.c"``; refuses to invent vendors or sections."""
    parts = key.split(".")
    if not all(parts):
        raise ScenarioError(f"{key!r} is not a dotted key like developers.count")
    if parts == ["vendors"]:
        raise ScenarioError("'vendors' cannot be overridden as a whole; set vendors.<id>.<key>, or use a scenario file")
    if parts[0] == "vendors" and parts[1] not in data["vendors"]:
        raise ScenarioError(
            f"unknown key {key!r}: {parts[1]!r} is not a vendor of this scenario "
            f"(vendors: {', '.join(data['vendors'])})"
        )
    node = data
    for i, part in enumerate(parts[:-1]):
        child = node.get(part) if isinstance(node, dict) else None
        if isinstance(child, str) and part in STRATEGY_SLOTS:
            child = node[part] = {"strategy": child}  # setting a parameter of a named strategy
        if not isinstance(child, dict):
            if child is None and isinstance(node, dict) and i == 0:
                node[part] = child = {}  # unknown section: validation names it
            else:
                raise ScenarioError(f"unknown key {key!r}: {'.'.join(parts[: i + 1])} is not a table")
        node = child
    node[parts[-1]] = value


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a CLI ``key=value``; the value is read as TOML (number, bool, list) or else a string."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected key=value, e.g. developers.count=50000")
    key, raw = (s.strip() for s in text.split("=", 1))
    if len(raw) > MAX_ASSIGNMENT_CHARS:
        raise ScenarioError(f"--set {key}: the value is {len(raw):,} characters; the limit is {MAX_ASSIGNMENT_CHARS:,}")
    try:
        value = parse_toml(f"v = {raw}", f"--set {key}", ScenarioError)["v"]
    except ScenarioError as exc:
        if "nested too deeply" in str(exc):
            raise
        value = raw
    return key, value
