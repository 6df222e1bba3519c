"""The exogenous environment: usage growth and scheduled closed-vendor policy shocks (C2).

A shock (``[[shocks]]`` in the scenario) is active from its month for ``duration_months``:
``price_hike`` multiplies the vendor's prices by ``factor``; ``deprecation`` withdraws its
API (current users must choose again); ``terms_change`` bars complement businesses from its
closed models (docs/ODD.md 7.14) and has no direct effect on developers. Every shock
raises developers' lock-in aversion: the shock memory
``M_t = M_{t-1} exp(-1 / memory_months) + (shocks starting at t)`` multiplies aversion by
``1 + shock_boost x M_t``.
"""

from __future__ import annotations

import math


def apply_shocks(model) -> None:
    t = model.month
    by_id = {v.vid: v for v in model.vendors}
    for v in model.vendors:
        v.price_factor = 1.0
        v.deprecated = False
        v.terms_restricted = False
    starting = 0
    for shock in model.cfg["shocks"]:
        v = by_id.get(shock["vendor"])
        if v is None or not shock["month"] <= t < shock["month"] + shock["duration_months"]:
            continue
        starting += shock["month"] == t
        if shock["kind"] == "price_hike":
            v.price_factor = shock["factor"]
        elif shock["kind"] == "deprecation":
            v.deprecated = v.terms_restricted = True
        else:  # terms_change: complement businesses may not build on its closed models (7.14)
            v.terms_restricted = True
    memory = model.cfg["lock_in"]["memory_months"]
    model.shock_memory = model.shock_memory * math.exp(-1.0 / memory) + starting


def volume_factor(cfg: dict, month: int) -> float:
    """Token volume per developer relative to month 0: (1 + g)^(t/12)."""
    return (1.0 + cfg["market"]["volume_growth_per_year"]) ** (month / 12.0)
