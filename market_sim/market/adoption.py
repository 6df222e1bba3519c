"""Process 6: adoption. Awareness spreads Bass-style, reconsidering developers choose,
switching costs are paid (C1-C4, C12, C13).

Awareness (MODEL.md; F7): an active developer unaware of vendor v becomes aware this month
with probability ``p + q a_v``, where a_v is the share of active developers currently on v's
options. With one vendor, no outside option and every aware developer adopting at once, the
adopting share follows the discrete Bass recursion ``F(t+1) = F(t) + (p + q F(t)) (1 - F(t))``.

A developer reconsiders (every task tier at once) with its monthly rate, and always when it
enters, when an option it uses disappears, when it first learns of an option while adopting
none, and in month 0 if ``developers.initial_choice``. Flows count (developer, tier) units.
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
    """Bass awareness update (see :func:`market_sim.market.choice.spread_awareness`); returns the
    mask of developers who learned of any vendor."""
    cfg = model.cfg["awareness"]
    return choice.spread_awareness(model.developers, model.month, model.options, cfg["p"], cfg["q"], model.rng)


def adopt(model, learned: np.ndarray) -> AdoptionFlows:
    """Reconsidering developers choose (see :func:`market_sim.market.choice.adopt`)."""
    dev, opts, t = model.developers, model.options, model.month
    everyone = t == 0 and model.cfg["developers"]["initial_choice"]
    counts, paid = choice.adopt(dev, t, everyone, learned, model.previous_open, opts, model.choice_params(), model.rng)
    return AdoptionFlows(
        left_open=int(counts[2]),
        left_closed=int(counts[3]),
        on_open_before=int(counts[0]),
        on_closed_before=int(counts[1]),
        switching_usd=paid,
    )
