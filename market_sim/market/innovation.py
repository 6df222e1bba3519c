"""Capability: R&D progress, community absorption, spillover, releases (C5, C11, C15, C17, C21).

Process 2 (research). Since kappa is log10 of effective training compute, a vendor's
frontier is its algorithmic knowledge plus the log of the compute it can train with:

    kappa_v(t) = max(kappa_v(t-1), A_v + b log10(max(C_v, C_floor) / C_ref))

C_v = effective compute: an exponential moving average (weight 1/12) of the compute the vendor pays
for (its committed R&D compute and final training runs, :mod:`market_sim.market.finance`; Cottier
et al. 2024), divided by its cost factor, times the FLOP-per-dollar trend (C_floor = C_ref / 1000). The knowledge
stock A_v grows each month by

    dA_v = r (K_v / K_ref)^a                                             research (MODEL.md)
         + A_open s F_v(t-1) + A_closed s (F_tot - F_v)(t-1-d)           absorbed community work (C11)
         + rho max(0, kappa_open_best,-v - kappa_v)                      knowledge spillover (C21)
         + l share_v(t-1)                                                demand-side learning

K_v = research capacity (sum of researcher skill, real scale); F_v = community contribution
flow to v's open models; s = community strength. Reimplementing others' work costs compute,
rho_r C_v (10^(A_closed s (F_tot - F_v)) - 1), booked as compute (C11; docs/ODD.md 7.14).
A_v is set in the vendor's first month so that kappa_v before its
first progress equals the scenario's ``initial_capability``. (MODEL.md suggests dkappa = g K^a C^b; with compute
budgets growing exponentially that form makes kappa explode, see docs/ODD.md.)

Process 3 (releases): a vendor whose release strategy is due snapshots its frontier into a
family, kappa_k = kappa_v - gap_k, and the openness strategy sets each size open or closed. The
family's training cost is the final-run compute paid since the vendor's last release (booked
month by month as paid): capability gained for free (community work, spillover, talent) is not
billed, and openness does not change the bill (C17, C24).
"""

from __future__ import annotations

import numpy as np

from market_sim.market import finance
from market_sim.strategies.base import OpennessContext


def compute_term(cfg: dict, month: int, spend_avg_usd: float, cost_factor: float) -> float:
    """b log10(max(C, C_floor) / C_ref): the compute part of kappa, in kappa-units."""
    rnd = cfg["rnd"]
    if rnd["compute_elasticity"] == 0:
        return 0.0
    trend = (1.0 - rnd["compute_price_decline_per_year"]) ** (-month / 12.0)
    ref = rnd["compute_ref_usd_per_month"]
    effective = spend_avg_usd / max(cost_factor, 1e-12) * trend
    return rnd["compute_elasticity"] * float(np.log10(max(effective, ref / 1000.0) / ref))


def research(model) -> None:
    cfg, t = model.cfg, model.month
    rnd, com, spill = cfg["rnd"], cfg["community"], cfg["spillover"]
    capacity = model.researchers.capacity()[: len(model.vendors)] * model.researcher_weight
    flow_now = model.flow_history[-1] if model.flow_history else np.zeros(len(model.vendors))
    lag = com["absorb_delay_months"] + 1
    flow_late = model.flow_history[-lag] if len(model.flow_history) >= lag else np.zeros(len(model.vendors))
    shares = model.last_vendor_share
    open_best = np.array(
        [np.nanmax(v.open_kappa) if not np.isnan(v.open_kappa).all() else -np.inf for v in model.vendors]
    )
    for v in model.vendors:
        if v.exited:
            continue
        spend = finance.pay_compute(model, v)
        v.compute_usd = spend
        first = t == v.entry_month  # the vendor's first month in the market
        v.compute_avg_usd = spend if first else v.compute_avg_usd + (spend - v.compute_avg_usd) / 12.0
        if first:
            v.knowledge = v.cfg["initial_capability"] - compute_term(cfg, 0, v.compute_avg_usd, v.compute_cost_factor)
        research_ = rnd["capability_rate"] * (capacity[v.index] / rnd["capacity_ref"]) ** rnd["capacity_elasticity"]
        reimplemented = com["strength"] * com["absorb_closed"] * (flow_late.sum() - flow_late[v.index])
        absorbed = com["strength"] * com["absorb_open"] * flow_now[v.index] + reimplemented
        # others' methods are reimplemented at the compute that would buy the same kappa (C11, 7.14)
        v.ledger.compute += com["reimplementation_cost_share"] * spend * (10.0**reimplemented - 1.0)
        others_open = np.max(np.delete(open_best, v.index), initial=-np.inf)
        spillover = spill["rate"] * max(0.0, others_open - v.kappa)
        free = absorbed + spillover + rnd["usage_learning"] * shares[v.index]
        v.knowledge += research_ + free
        v.free_knowledge += free  # not bought with compute: does not raise serving cost (7.6)
        # a frontier once reached is not lost (trained weights exist), even if compute shrinks
        v.kappa = max(v.kappa, v.knowledge + compute_term(cfg, t, v.compute_avg_usd, v.compute_cost_factor))


def release_families(model) -> None:
    cfg, t, rng = model.cfg, model.month, model.rng
    gaps = np.asarray(cfg["sizes"]["capability_gap"])
    live = [v for v in model.vendors if not v.exited]
    released = {v.index: v.best_released for v in model.vendors}
    carry = cfg["awareness"]["carryover"]
    dev = model.developers
    for v in live:
        if not v.release.due(t, v.first_release_month, v.last_release_month):
            continue
        sizes = v.release.size_indices()
        rival = max((k for i, k in released.items() if i != v.index), default=-np.inf)
        ctx = OpennessContext(sizes, v.kappa, rival, v.payoff_open, v.payoff_closed, rng)
        flags = [bool(f) for f in v.openness.decide(ctx)]
        v.release_family(t, sizes, flags, gaps)
        if carry < 1.0 and v.families[:-1]:
            users = ((model.options.vendor[np.maximum(dev.option, 0)] == v.index) & (dev.option >= 0)).any(axis=1)
            forget = dev.aware[:, v.index] & ~users & (rng.random(len(dev)) >= carry)
            dev.aware[forget, v.index] = False
