"""The channels of the case for opening, each with an off switch (docs/ODD.md 7.14; C5, C6, C9,
C10, C11, C19, C20, C24).

``[channels]`` holds one boolean per channel. :func:`effective_config` maps the switches that
are off to the parameters they turn off, so the mechanisms read ordinary parameters; the talent
and dependency switches are read where they act (:mod:`market_sim.market.labor`,
:mod:`market_sim.market.complement`).
"""

from __future__ import annotations

import copy

CHANNELS = ("talent", "community", "iteration", "dependency", "complement", "standard")
LABELS = {
    "talent": "talent (C9)",
    "community": "community work (C10)",
    "iteration": "iteration (C11)",
    "dependency": "no dependency (C6, C20)",
    "complement": "complement value (C19, C24)",
    "standard": "standard (C5)",
}


def effective_config(cfg: dict) -> dict:
    """The scenario's parameters with every switched-off channel's parameters turned off (a copy
    if any switch is off; ``cfg`` itself otherwise)."""
    on = cfg["channels"]
    if all(on[c] for c in CHANNELS):
        return cfg
    out = copy.deepcopy(cfg)
    com = out["community"]
    if not on["community"]:
        com["strength"] = 0.0
    if not on["iteration"]:
        com["absorb_closed"] = com["absorb_open"]
        com["absorb_delay_months"] = 0
        com["reimplementation_cost_share"] = 0.0
    if not on["dependency"]:
        out["market"]["complement_dependency_penalty"] = 0.0
    if not on["standard"]:
        out["rnd"]["usage_learning"] = 0.0
    for v in out["vendors"].values():  # entrants included (stored as vendors)
        if not on["complement"]:
            v["own_inference_usd_per_month"] = 0.0
        if not on["standard"]:
            v["complement_ecosystem_weight"] = 0.0
    return out
