"""Process 6: adoption. Awareness spreads Bass-style, reconsidering developers choose,
switching costs are paid (C1-C4, C12, C13).

Awareness (MODEL.md; F7): an active developer unaware of vendor v becomes aware this month
with probability ``p + q a_v``, where a_v is the share of active developers currently on v's
options. With one vendor, no outside option and every aware developer adopting at once, the
adopting share follows the discrete Bass recursion ``F(t+1) = F(t) + (p + q F(t)) (1 - F(t))``.

A developer reconsiders with its monthly rate, and always when it enters, when its option
disappears, when it first learns of an option while adopting none, and in month 0 if
``developers.initial_choice``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market_sim.market import choice


@dataclass
class AdoptionFlows:
    """This month's moves, simulated-population scale."""

    left_open: int = 0
    left_closed: int = 0
    on_open_before: int = 0
    on_closed_before: int = 0
    switching_usd: float = 0.0  # one-time switching costs paid (simulated scale)


def spread_awareness(model) -> np.ndarray:
    """Bass awareness update; returns the mask of developers who learned of any vendor."""
    dev, opts, rng, t = model.developers, model.options, model.rng, model.month
    cfg = model.cfg["awareness"]
    active = dev.entry_month <= t
    n_active = max(int(active.sum()), 1)
    offered = np.zeros(len(model.vendors), bool)
    offered[opts.vendor[opts.available]] = True
    on = dev.option >= 0
    users = np.bincount(opts.vendor[dev.option[on & active]], minlength=len(model.vendors))
    prob = np.where(offered, np.clip(cfg["p"] + cfg["q"] * users / n_active, 0.0, 1.0), 0.0)
    return choice.spread_awareness(active, dev.aware, prob, rng)


def adopt(model, learned: np.ndarray) -> AdoptionFlows:
    dev, opts, rng, t = model.developers, model.options, model.rng, model.month
    flows = AdoptionFlows()
    active = dev.entry_month <= t
    on = dev.option >= 0
    was_open = on & model.previous_open[np.maximum(dev.option, 0)]
    flows.on_open_before = int((was_open & active).sum())
    flows.on_closed_before = int((on & ~was_open & active).sum())
    lost = on & ~opts.available[np.maximum(dev.option, 0)]
    forced = (dev.entry_month == t) | lost | (learned & ~on)
    if t == 0 and model.cfg["developers"]["initial_choice"]:
        forced |= True
    reconsider = active & (forced | (rng.random(len(dev)) < dev.reconsider_rate))
    idx = np.flatnonzero(reconsider)
    chosen, switching = choice.choose(dev, idx, opts, model.choice_params(), rng, model.cfg["market"]["outside_option"])
    current = dev.option[idx]
    moved = chosen != current
    leaving = moved & (current >= 0)
    flows.left_open = int((leaving & was_open[idx]).sum())
    flows.left_closed = int((leaving & ~was_open[idx]).sum())
    flows.switching_usd = float(switching[moved & (chosen >= 0)].sum())
    dev.option[idx] = chosen
    dev.months_on[idx[moved]] = 0
    dev.months_on[dev.option >= 0] += 1
    return flows
