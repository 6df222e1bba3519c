"""The open-model community (C5, C10, C14): contributions, community stock, forks.

Each month every developer on an open-weight option (in any tier) contributes with probability
``propensity_i x strength`` (C10). Vendor v's contribution flow, scale-free so that it does
not depend on the simulated population size, is

    F_v = contributors_v / active developers + w_R s (academia skill share) x open share_v

(community researchers work on open models in proportion to their usage). The stock
``S_v <- (1 - delta) S_v + F_v`` saturates as ``phi_v = min(1, s S_v / (S_v + S_half))``, which cuts
the serving cost of v's open models (C5) and raises their effective capability for
fine-tuning users (C14) in :func:`market_sim.market.options.build_options`. A contribution is
a published derivative model (a fork) with probability ``fork_share`` (C14).
"""

from __future__ import annotations

import numpy as np
from numba import njit


def community(model) -> None:
    cfg = model.cfg["community"]
    dev, opts, rng, t = model.developers, model.options, model.rng, model.month
    n_v = len(model.vendors)
    n_active = max(int(np.count_nonzero(dev.entry_month <= t)), 1)
    by_vendor = np.zeros(n_v, np.int64)
    _contribute(
        dev.option,
        opts.open,
        opts.vendor,
        dev.contribution_propensity,
        cfg["strength"],
        rng,
        dev.contributions,
        by_vendor,
    )
    res = model.researchers
    skill_total = res.skill.sum() if len(res) else 0.0
    academia_share = res.capacity()[res.academia] / skill_total if skill_total > 0 else 0.0
    open_share = model.last_open_share
    flow = by_vendor / n_active + cfg["researcher_weight"] * cfg["strength"] * academia_share * open_share
    forks = rng.binomial(by_vendor, cfg["fork_share"])
    for v in model.vendors:
        v.community_stock = (1.0 - cfg["depreciation"]) * v.community_stock + flow[v.index]
        v.forks += forks[v.index] * model.developer_weight
    model.flow_history.append(flow)


@njit(cache=True)
def _contribute(option, is_open, o_vendor, propensity, strength, rng, contributions, by_vendor):
    """Each developer on an open option (in any tier) contributes with probability
    min(1, propensity x strength), to the model of its first open tier (tiers are ordered by
    the scenario, easiest first)."""
    for i in range(option.shape[0]):
        o = -1
        for tau in range(option.shape[1]):
            if option[i, tau] >= 0 and is_open[option[i, tau]]:
                o = option[i, tau]
                break
        if o >= 0 and rng.random() < min(propensity[i] * strength, 1.0):
            contributions[i] += 1
            by_vendor[o_vendor[o]] += 1


def saturation(model) -> np.ndarray:
    """phi_v = min(1, strength x S_v / (S_v + S_half)), per vendor (0 with the community off)."""
    cfg = model.cfg["community"]
    stock = np.array([v.community_stock for v in model.vendors])
    return np.minimum(cfg["strength"] * stock / (stock + cfg["half_saturation"]), 1.0)
