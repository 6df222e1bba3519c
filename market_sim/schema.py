"""The scenario schema: every key a scenario may hold, its type and allowed range.

Validation is data-driven: :data:`SCHEMA` mirrors ``scenarios/default.toml``. Vendor tables
(``[vendors.<id>]``) share :data:`VENDOR`; strategy slots are checked against the strategy
registries, so a user-registered strategy validates like a built-in one. Every error names the
dotted key, the bad value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from dataclasses import dataclass
from typing import Any

from market_sim.errors import ScenarioError
from market_sim.market.channels import CHANNELS

SIZE_NAMES = ("small", "medium", "large")
SHOCK_KINDS = ("price_hike", "deprecation", "terms_change")
PRICE_FORMS = ("linear", "log")
ENTRY_RULES = ("scheduled", "value")  # enter at entry_month, or from then on when V_e >= S_e (market.entry)
STRATEGY_SLOTS = ("pricing", "openness", "release", "hiring", "rnd")
VENDOR_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")  # always used with fullmatch (``$`` would allow a trailing newline)
MONTH = re.compile(r"(19\d\d|2[01]\d\d)-(0[1-9]|1[0-2])")  # years 1900-2199
FLOAT_LIMIT = 1e15
"""The magnitude bound of any float key the schema gives no tighter bound (see :data:`BOUNDS`):
inf, 1e300 and +-2^63 are refused like NaN."""
INT_LIMIT = 10**12
SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Field:
    """One scalar or fixed-length list value.

    Attributes:
        kind: ``float``, ``int``, ``bool`` or ``str``; for lists, the item type.
        lo, hi: inclusive bounds for numbers (None = unbounded).
        choices: allowed strings.
        length: list length; 0 for a non-empty list of any length; None for a scalar.
        default: used only inside vendor tables, where a user may omit keys.
    """

    kind: type
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None
    length: int | None = None
    default: Any = None
    pattern: re.Pattern | None = None
    hint: str = " like 2023-01 (a year 1900-2199)"

    def allowed(self) -> str:
        what = {float: "a number", int: "an integer", bool: "true or false", str: "a string"}[self.kind]
        if self.choices:
            what = "one of " + ", ".join(repr(c) for c in self.choices)
        elif self.kind in (int, float):
            lo, hi = self.limits()
            what += f" in [{lo:g}, {hi:g}]"
        if self.pattern is not None:
            what += self.hint
        if self.length is not None:
            what = f"a list of {self.length or 'one or more'} values, each {what}"
        return what

    def limits(self) -> tuple[float, float]:
        """The inclusive bounds in force: the field's own, else +-FLOAT_LIMIT (floats), +-INT_LIMIT (ints)."""
        cap = FLOAT_LIMIT if self.kind is float else INT_LIMIT
        return (-cap if self.lo is None else self.lo), (cap if self.hi is None else self.hi)

    def check(self, key: str, value: Any) -> Any:
        """Return the value coerced to the field's type, or raise ScenarioError."""
        if self.length is not None:
            n = len(value) if isinstance(value, (list, tuple)) else -1
            if n < 1 or self.length and n != self.length:
                raise _bad(key, value, self.allowed())
            return [self._scalar(f"{key}[{i}]", v) for i, v in enumerate(value)]
        return self._scalar(key, value)

    def _scalar(self, key: str, value: Any) -> Any:
        if self.kind is bool:
            ok = isinstance(value, bool)
        elif self.kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            try:
                ok = ok and math.isfinite(value)
            except OverflowError:  # an int too large for a float
                ok = False
            value = float(value) if ok else value
        else:
            ok = isinstance(value, str)
        if not ok:
            raise _bad(key, value, self.allowed())
        if self.choices and value not in self.choices:
            raise _bad(key, value, self.allowed())
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise _bad(key, value, self.allowed())
        if self.kind in (int, float):
            lo, hi = self.limits()
            if not lo <= value <= hi:
                raise _bad(key, value, self.allowed())
        return value


def F(kind: type = float, lo=None, hi=None, **kw) -> Field:  # noqa: N802 - short schema constructor
    return Field(kind, lo, hi, **kw)


P = F(float, 0.0, 1.0)  # a probability or share
NONNEG = F(float, 0.0)
SIZES3 = F(float, 0.0, length=3)

SCHEMA: dict[str, Any] = {
    "run": {"start": F(str, pattern=MONTH), "months": F(int, 1, 1200)},
    "market": {
        "price_form": F(str, choices=PRICE_FORMS),
        "nest_correlation": F(float, 0.0, 0.999),
        "capability_value_per_kappa": F(float, 0.0, 20.0),
        "capability_saturation": F(float, 0.0, 100.0),
        "reference_capability": F(float, -20.0, 50.0),
        "frontier_growth_before_start_per_year": F(float, 0.01, 10.0),
        "serving_cost_decline_per_year": F(float, 0.0, 0.99),
        "volume_growth_per_year": F(float, -0.9, 20.0),
        "outside_option": F(bool),
        "demand_sample": F(int, 1, 10_000_000),
        "complement_dependency_penalty": NONNEG,
    },
    "sizes": {
        "capability_gap": SIZES3,
        "serving_cost_usd_per_mtok": SIZES3,
        "selfhost_fixed_usd_per_month": SIZES3,
        "serving_cost_capability_elasticity": F(float, 0.0, 3.0),
        "serving_cost_reference_capability": F(float, -20.0, 50.0, length=3),
    },
    "tiers": {
        "volume_shares": F(float, 0.0, 1.0, length=0),
        "requirement": F(float, -20.0, 50.0, length=0),
        "requirement_growth_per_year": F(float, 0.0, 5.0),
    },
    "developers": {
        "count": F(int, 1, 100_000_000),
        "population_represented": F(float, 1.0),
        "initial_active_share": P,
        "entry_rate_per_month": P,
        "volume_mtok_median": F(float, 1e-9),
        "volume_sigma": F(float, 0.0, 5.0),
        "value_per_mtok_median": F(float, 1e-9),
        "value_sigma": F(float, 0.0, 5.0),
        "choice_noise": F(float, 1e-6, 100.0),
        "reconsider_rate": P,
        "reconsider_concentration": F(float, 0.0),
        "initial_choice": F(bool),
        "privacy_share": P,
        "size_need_shares": F(float, 0.0, 1.0, length=3),
        "finetune_share": P,
        "inhouse_alpha": F(float, 0.0),
        "inhouse_beta": F(float, 0.0),
        "lockin_aversion_mean": NONNEG,
        "lockin_aversion_usd_mean": F(float, 0.0, 1e9),
        "price_elasticity": F(float, 0.0, 3.0),
        "contribution_propensity_mean": P,
    },
    "awareness": {"p": P, "q": F(float, 0.0, 10.0), "carryover": P},
    "penalties": {
        "size_mismatch": NONNEG,
        "finetune_missing": NONNEG,
        "closed_finetune_support": P,
        "host_finetune_support": P,
        "integration_selfhost": NONNEG,
        "integration_host": NONNEG,
        "integration_selfhost_usd_per_month": F(float, 0.0, 1e9),
        "integration_host_usd_per_month": F(float, 0.0, 1e9),
        "selfhost_overhead_max": NONNEG,
        "privacy_trusts_hosts": F(bool),
    },
    "switching": {
        "onboarding": NONNEG,
        "open_to_open": NONNEG,
        "closed_exit": NONNEG,
        "other": NONNEG,
        "onboarding_usd": F(float, 0.0, 1e9),
        "open_to_open_usd": F(float, 0.0, 1e9),
        "closed_exit_usd": F(float, 0.0, 1e9),
        "other_usd": F(float, 0.0, 1e9),
    },
    "lock_in": {"shock_boost": NONNEG, "memory_months": F(float, 0.01)},
    "hosts": {"enabled": F(bool), "markup": NONNEG, "cost_factor": F(float, 0.0)},
    "rnd": {
        "capability_rate": NONNEG,
        "capacity_elasticity": F(float, 0.0, 2.0),
        "compute_elasticity": F(float, 0.0, 2.0),
        "capacity_ref": F(float, 1e-9),
        "compute_ref_usd_per_month": F(float, 1e-9),
        "compute_price_decline_per_year": F(float, 0.0, 0.99),
        "usage_learning": NONNEG,
    },
    "training": {"growth_per_year": F(float, 0.1, 100.0), "final_run_share": P},
    "funding": {
        "revenue_multiple": F(float, 0.0, 1000.0),
        "max_dilution": P,
        "round_months": F(float, 0.0, 120.0),
        "trigger_months": F(float, 0.0, 120.0),
        "min_months_between_rounds": F(int, 0, 120),
    },
    "community": {
        "strength": NONNEG,
        "researcher_weight": NONNEG,
        "depreciation": P,
        "half_saturation": F(float, 1e-9),
        "serving_cost_reduction": P,
        "finetune_boost": NONNEG,
        "absorb_open": NONNEG,
        "absorb_closed": NONNEG,
        "absorb_delay_months": F(int, 0, 120),
        "reimplementation_cost_share": F(float, 0.0, 10.0),
        "fork_share": P,
    },
    "channels": {c: F(bool) for c in CHANNELS},
    "spillover": {"rate": P},
    "researchers": {
        "count": F(int, 0, 100_000_000),
        "population_represented": F(float, 0.0),
        "skill_pareto_shape": F(float, 1.01, 100.0),
        "turnover": P,
        "salary_weight": NONNEG,
        "visibility_mean": F(float),
        "visibility_sigma": NONNEG,
        "compute_weight": NONNEG,
        "mission_sigma": NONNEG,
        "academia_salary_usd": F(float, 1.0),
        "academia_compute_usd_per_month": F(float, 1e-9),
        "matching_rounds": F(int, 1, 50),
        "initial_employed_share": P,
        "initial_salary_usd": F(float, 1.0),
    },
}

VENDOR: dict[str, Field] = {
    "name": F(str, default=""),
    "archetype": F(str, default=""),
    "enabled": F(bool, default=True),
    "cash_usd": F(float, default=1e9),
    "funding_usd": F(float, 0.0, default=0.0),
    "initial_capability": F(float, -20.0, 50.0, default=3.0),
    "initial_researchers": F(float, 0.0, default=0.0),
    "compute_cost_factor": F(float, 0.0, default=1.0),
    "quality_premium": F(float, default=0.0),
    "nest_group": F(str, default="", pattern=re.compile(r"[a-z0-9_]*"), hint=" of a-z, 0-9 and _ ('' = none)"),
    "service": F(bool, default=False),
    "mission_fit": F(float, default=0.0),
    "initial_awareness": F(float, 0.0, 1.0, default=0.1),
    "first_release_month": F(int, 0, 1200, default=0),
    "entry_month": F(int, 0, 1200, default=0),
    "entry_rule": F(str, choices=ENTRY_RULES, default="scheduled"),
    "complement_usd_per_month": F(float, 0.0, default=0.0),
    "complement_growth_per_year": F(float, -0.9, 10.0, default=0.0),
    "complement_capability_elasticity": F(float, 0.0, 1.0, default=0.0),
    "complement_ecosystem_weight": F(float, 0.0, 10.0, default=0.0),
    "own_inference_usd_per_month": F(float, 0.0, 1e13, default=0.0),
    "own_inference_growth_per_year": F(float, -0.9, 10.0, default=0.0),
    "complement_value_per_mtok": F(float, 1e-9, 1e6, default=11.0),
    "complement_tier": F(int, 0, 20, default=0),
}
VENDOR_SLOT_DEFAULTS = {
    "pricing": "markup",
    "openness": "always_closed",
    "release": "cadence",
    "hiring": "fill_rate",
    "rnd": "share_of_cash",
}

SHOCK: dict[str, Field] = {
    "month": F(int, 0, 1200),
    "vendor": F(str),
    "kind": F(str, choices=SHOCK_KINDS),
    "factor": F(float, 0.0, default=1.0),
    "duration_months": F(int, 1, 1200, default=1),
}


SUM_TO_ONE = ("developers.size_need_shares", "tiers.volume_shares")
"""List keys whose values are shares of one whole (never rescaled silently)."""

BOUNDS: dict[str, tuple[float | None, float | None]] = {
    # Tighter bounds (lo, hi) than the table entries above give, by dotted key ("vendors.*" for
    # every vendor, "shocks[]" for every shock); None keeps the entry's own bound. Keys missing
    # here still get +-FLOAT_LIMIT (see Field.limits). Ranges are generous: 10-1000x the defaults.
    "market.capability_saturation": (None, 100.0),
    "market.complement_dependency_penalty": (None, 100.0),
    "sizes.capability_gap": (None, 50.0),
    "sizes.serving_cost_usd_per_mtok": (None, 1e6),
    "sizes.selfhost_fixed_usd_per_month": (None, 1e9),
    "developers.population_represented": (None, 1e11),
    "developers.volume_mtok_median": (None, 1e9),
    "developers.value_per_mtok_median": (None, 1e6),
    "developers.reconsider_concentration": (None, 1e4),
    "developers.inhouse_alpha": (1e-3, 1e3),  # Beta(a, b) needs a, b > 0
    "developers.inhouse_beta": (1e-3, 1e3),
    "developers.lockin_aversion_mean": (None, 100.0),
    "penalties.size_mismatch": (None, 100.0),
    "penalties.finetune_missing": (None, 100.0),
    "penalties.integration_selfhost": (None, 100.0),
    "penalties.integration_host": (None, 100.0),
    "penalties.selfhost_overhead_max": (None, 100.0),
    "switching.onboarding": (None, 100.0),
    "switching.open_to_open": (None, 100.0),
    "switching.closed_exit": (None, 100.0),
    "switching.other": (None, 100.0),
    "lock_in.shock_boost": (None, 1000.0),
    "lock_in.memory_months": (None, 1200.0),
    "hosts.markup": (None, 100.0),
    "hosts.cost_factor": (None, 100.0),
    "rnd.capability_rate": (None, 10.0),
    "rnd.capacity_ref": (None, 1e9),
    "rnd.compute_ref_usd_per_month": (None, 1e13),
    "rnd.usage_learning": (None, 10.0),
    "community.strength": (None, 100.0),
    "community.researcher_weight": (None, 100.0),
    "community.half_saturation": (None, 1e6),
    "community.finetune_boost": (None, 100.0),
    "community.absorb_open": (None, 100.0),
    "community.absorb_closed": (None, 100.0),
    "researchers.population_represented": (None, 1e10),
    "researchers.salary_weight": (None, 1000.0),
    "researchers.visibility_mean": (-100.0, 100.0),
    "researchers.visibility_sigma": (None, 100.0),
    "researchers.compute_weight": (None, 1000.0),
    "researchers.mission_sigma": (None, 100.0),
    "researchers.academia_salary_usd": (None, 1e9),
    "researchers.academia_compute_usd_per_month": (None, 1e10),
    "researchers.initial_salary_usd": (None, 1e9),
    "vendors.*.initial_researchers": (None, 1e8),
    "vendors.*.compute_cost_factor": (None, 1000.0),
    "vendors.*.quality_premium": (-100.0, 100.0),
    "vendors.*.mission_fit": (-100.0, 100.0),
    "vendors.*.complement_usd_per_month": (None, 1e13),
    "shocks[].factor": (None, 1000.0),
}


def field_tables() -> dict[str, dict[str, Field]]:
    """Every table of fields by prefix: the sections, ``vendors.*`` and ``shocks[]``."""
    return {**SCHEMA, "vendors.*": VENDOR, "shocks[]": SHOCK}


def _apply_bounds() -> None:
    """Tighten the fields named in :data:`BOUNDS` (keys no longer in the schema are skipped;
    a test checks that none is)."""
    tables = field_tables()
    for key, (lo, hi) in BOUNDS.items():
        prefix, name = key.rsplit(".", 1)
        table = tables.get(prefix, {})
        if name not in table:
            continue
        f = table[name]
        new_lo = f.lo if lo is None else lo if f.lo is None else max(f.lo, lo)
        new_hi = f.hi if hi is None else hi if f.hi is None else min(f.hi, hi)
        table[name] = dataclasses.replace(f, lo=new_lo, hi=new_hi)


_apply_bounds()


# Keys read by one price form only (docs/ODD.md 7.7): the other form ignores them.
_FORM_PAIRS = (
    ("developers.lockin_aversion_mean", "developers.lockin_aversion_usd_mean"),
    ("penalties.integration_selfhost", "penalties.integration_selfhost_usd_per_month"),
    ("penalties.integration_host", "penalties.integration_host_usd_per_month"),
    *((f"switching.{k}", f"switching.{k}_usd") for k in ("onboarding", "open_to_open", "closed_exit", "other")),
)
FORM_ONLY_KEYS = {"linear": {lin for lin, _ in _FORM_PAIRS}, "log": {log for _, log in _FORM_PAIRS}}


def inactive_keys(price_form: str) -> dict[str, str]:
    """Keys that ``price_form`` ignores, each with the key it reads instead."""
    other = "log" if price_form == "linear" else "linear"
    pairs = {lin: log for lin, log in _FORM_PAIRS}
    pairs.update({log: lin for lin, log in _FORM_PAIRS})
    return {key: pairs[key] for key in FORM_ONLY_KEYS[other]}


def _bad(key: str, value: Any, allowed: str) -> ScenarioError:
    return ScenarioError(f"{key} = {value!r} is not allowed: expected {allowed}")


def unknown_key(key: str, known) -> ScenarioError:
    """An error for a key that is not in the schema, with the nearest known names."""
    leaf = key.rsplit(".", 1)[-1]
    known = sorted(known)
    near = difflib.get_close_matches(leaf, known, n=3)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    return ScenarioError(f"unknown key {key!r}{hint} (known: {', '.join(known)})")


def validate(data: dict, validate_slot) -> dict:
    """Check a full scenario mapping and return it normalised (floats, strategy tables).

    ``validate_slot(key, slot, value) -> dict`` checks a vendor's strategy table (the strategy
    registry's, :func:`market_sim.strategies.registry.validate_slot`); it is passed in so that the
    schema, which the strategies import for their parameter fields, never imports them.
    """
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a table of sections")
    sections = set(SCHEMA) | {"vendors", "shocks", "entrants"}
    for key in data:
        if key not in sections:
            raise unknown_key(key, sections)
    out: dict[str, Any] = {}
    for section, fields in SCHEMA.items():
        given = data.get(section)
        if not isinstance(given, dict):
            raise ScenarioError(f"missing section [{section}] (expected keys: {', '.join(fields)})")
        out[section] = _check_table(section, given, fields, fill_defaults=False)

    _check_tiers(out["tiers"])

    vendors = data.get("vendors")
    if not isinstance(vendors, dict) or not vendors:
        raise ScenarioError("missing section [vendors]: a scenario needs at least one vendor table")
    out["vendors"] = {}
    for vid, table in vendors.items():
        key = f"vendors.{vid}"
        if not isinstance(vid, str) or not VENDOR_ID.fullmatch(vid):
            raise _bad(key, vid, "a vendor id of lower-case letters, digits and _ (starting with a letter)")
        if not isinstance(table, dict):
            raise _bad(key, table, "a table of vendor settings")
        plain = {k: v for k, v in table.items() if k not in STRATEGY_SLOTS}
        vendor = _check_table(key, plain, VENDOR, fill_defaults=True)
        vendor["name"] = vendor["name"] or vid
        for slot in STRATEGY_SLOTS:
            vendor[slot] = validate_slot(f"{key}.{slot}", slot, table.get(slot, VENDOR_SLOT_DEFAULTS[slot]))
        out["vendors"][vid] = vendor
    _check_entrants(data.get("entrants", []), out, validate_slot)

    shocks = data.get("shocks", [])
    if not isinstance(shocks, list):
        raise _bad("shocks", shocks, "a list of shock tables")
    out["shocks"] = []
    for i, shock in enumerate(shocks):
        key = f"shocks[{i}]"
        if not isinstance(shock, dict):
            raise _bad(key, shock, "a table with " + ", ".join(SHOCK))
        checked = _check_table(key, shock, SHOCK, fill_defaults=True)
        enabled = [v for v, t in out["vendors"].items() if t["enabled"]]
        if checked["vendor"] not in enabled:
            raise _bad(f"{key}.vendor", checked["vendor"], "an enabled vendor: one of " + ", ".join(enabled))
        if checked["month"] >= out["run"]["months"]:
            months = out["run"]["months"]
            allowed = f"a month of the run, 0 to {months - 1} (run.months = {months})"
            raise _bad(f"{key}.month", checked["month"], allowed)
        out["shocks"].append(checked)
    _check_relations(out)
    return out


def _check_entrants(entrants: Any, out: dict, validate_slot) -> None:
    """``[[entrants]]``: each an ``id``, an entry ``month`` (0-based, like shocks) and the keys of a
    vendor table. Stored as ``vendors.<id>`` with ``entry_month = month``, so dotted overrides and
    ``to_toml`` treat an entrant like any vendor. An entry month at or after the horizon never comes."""
    if not isinstance(entrants, list):
        raise _bad("entrants", entrants, "a list of entrant tables ([[entrants]])")
    for i, table in enumerate(entrants):
        key = f"entrants[{i}]"
        if not isinstance(table, dict):
            raise _bad(key, table, "a table with id, month and the keys of a [vendors.<id>] table")
        vid = table.get("id")
        if not isinstance(vid, str) or not VENDOR_ID.fullmatch(vid):
            raise _bad(f"{key}.id", vid, "a vendor id of lower-case letters, digits and _ (starting with a letter)")
        if vid in out["vendors"]:
            raise _bad(
                f"{key}.id", vid, "an id no vendor or earlier entrant has (taken: " + ", ".join(out["vendors"]) + ")"
            )
        if "entry_month" in table:
            raise unknown_key(f"{key}.entry_month", ["id", "month", *(k for k in VENDOR if k != "entry_month")])
        month = ENTRY_MONTH.check(f"{key}.month", table.get("month"))
        plain = {k: v for k, v in table.items() if k not in STRATEGY_SLOTS and k not in ("id", "month")}
        vendor = _check_table(key, plain, VENDOR, fill_defaults=True)
        vendor["name"] = vendor["name"] or vid
        vendor["entry_month"] = month
        for slot in STRATEGY_SLOTS:
            vendor[slot] = validate_slot(f"{key}.{slot}", slot, table.get(slot, VENDOR_SLOT_DEFAULTS[slot]))
        out["vendors"][vid] = vendor


ENTRY_MONTH = F(int, 0, 1200)


def _check_tiers(tiers: dict) -> None:
    """Task tiers (docs/ODD.md 7.7): one requirement per volume share (their sum: ``SUM_TO_ONE``)."""
    shares, req = tiers["volume_shares"], tiers["requirement"]
    if len(req) != len(shares):
        raise _bad("tiers.requirement", req, f"a list of {len(shares)} values, one per tier of tiers.volume_shares")
    if len(shares) > 16:
        raise _bad("tiers.volume_shares", shares, "at most 16 tiers")


def _check_relations(out: dict) -> None:
    """Constraints between values: shares that must sum to 1, at least one enabled vendor."""
    for key in SUM_TO_ONE:
        section, name = key.split(".")
        total = sum(out[section][name])
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise _bad(key, out[section][name], f"shares that sum to 1 (these sum to {total:g})")
    n_tiers = len(out["tiers"]["volume_shares"])
    for vid, t in out["vendors"].items():
        if t["own_inference_usd_per_month"] > 0 and t["complement_tier"] >= n_tiers:
            raise _bad(f"vendors.{vid}.complement_tier", t["complement_tier"], f"a tier index 0..{n_tiers - 1}")
    if not any(t["enabled"] for t in out["vendors"].values()):
        raise ScenarioError(
            f"vendors: every vendor is disabled ({', '.join(out['vendors'])}): "
            "expected at least one with enabled = true"
        )


def _check_table(prefix: str, given: dict, fields: dict[str, Field], fill_defaults: bool) -> dict:
    for key in given:
        if key not in fields:
            raise unknown_key(f"{prefix}.{key}", fields)
    out = {}
    for key, field in fields.items():
        if key in given:
            out[key] = field.check(f"{prefix}.{key}", given[key])
        elif fill_defaults and field.default is not None:
            out[key] = field.default
        else:
            raise ScenarioError(f"missing key {prefix}.{key} (expected {field.allowed()})")
    return out
