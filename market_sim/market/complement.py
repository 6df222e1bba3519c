"""Complement businesses (C6, C18, C19, C20, C24; docs/ODD.md 7.14): a vendor that earns on a
complement (advertising, search, cloud) runs AI in its own products on the best source it can
use, and its complement revenue follows the value that source delivers.

Workload X_v(t) = X_v0 (1 + g_X)^(t/12) Mtok/month at 1 USD/Mtok. Sources: its own models (at
serving cost), any open-weight model self-hosted (at serving cost), or a rival's closed API (at
list price, unless the rival has an active terms_change or deprecation shock). On source o:

    G_o = g(kappa_o - r_tau(t) - D [rival closed])                   quality (demand's g, 7.7)
    S_o = surplus(X_v, ln theta_v + gamma G_o, ln p_o, eps)          net value (X ln(v/p) at eps = 1)
    V_o = S_o + x_o p_o,   x_o = X_v (p_o / 1 USD)^-eps              application value, tokens

It picks o* = argmax S_o. Revenue R_v = B_v(t) max(0, 1 - e_v gap_v + w_v eco_v) + V_o*, with
B_v(t) = complement_usd_per_month (1 + g_v)^(t/12); it pays x p for its inference, to its own
compute or to the rival (whose complement_sales, serving cost and tokens include the purchase).
Quality counts capability only: the closed quality premium (C22) is what enterprise developers pay
for reliability, tooling and trust (calibrated to F6), which a business running its own products
does not buy.
"""

from __future__ import annotations

import math

import numpy as np

from market_sim.market.demand import PRICE_FLOOR, PRICE_REF, capability_value, surplus
from market_sim.market.options import SELF, VENDOR


def workload(cfg: dict, month: int) -> float:
    """X_v(t), Mtok/month at 1 USD/Mtok."""
    return cfg["own_inference_usd_per_month"] * (1.0 + cfg["own_inference_growth_per_year"]) ** (month / 12.0)


def sources(model, v) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Option ids vendor v can run its workload on, the price it pays per Mtok on each, and
    whether each is a rival's closed API (bought)."""
    opts = model.options
    dependency = model.cfg["channels"]["dependency"]
    mine = opts.vendor == v.index
    own = opts.available & mine & ((opts.mode == VENDOR) | (opts.mode == SELF))
    open_ = opts.available & ~mine & (opts.mode == SELF)
    rival_closed = opts.available & ~mine & ~opts.open & (opts.mode == VENDOR)
    if dependency:
        cut_off = [u.index for u in model.vendors if u.terms_restricted]
        rival_closed &= ~np.isin(opts.vendor, cut_off)
    ids = np.flatnonzero(own | open_ | rival_closed)
    bought = rival_closed[ids]
    price = np.where(bought & dependency, opts.price[ids], opts.cost[ids])
    return ids, price, bought


def best_source(model, v, X: float) -> tuple[int, float, float, float, bool]:
    """(option id, price, tokens, application value V, bought) of v's best source, or
    (-1, 0, 0, 0, False) if it has none."""
    ids, price, bought = sources(model, v)
    if ids.size == 0 or X <= 0:
        return -1, 0.0, 0.0, 0.0, False
    opts, p = model.options, model.choice_params()
    penalty = model.cfg["market"]["complement_dependency_penalty"]
    req = p.tier_requirement[v.cfg["complement_tier"]]
    G = capability_value(opts.kappa[ids] - req - penalty * bought, p.saturation)
    log_v = math.log(v.cfg["complement_value_per_mtok"]) + p.gamma * G
    log_p = np.log(np.maximum(price, PRICE_FLOOR))
    net = surplus(X, log_v, log_p, p.elasticity)
    j = int(np.argmax(net))
    x = X if p.elasticity == 0 else X * (max(price[j], PRICE_FLOOR) / PRICE_REF) ** -p.elasticity
    return int(ids[j]), float(price[j]), float(x), float(net[j] + x * price[j]), bool(bought[j])


def complement_revenue(model, tokens: np.ndarray) -> None:
    """Each live complement vendor's revenue and inference bill (and its purchases in the
    selling rivals' books)."""
    opts = model.options
    frontier = np.nanmax(opts.kappa[opts.available], initial=-np.inf)
    total = tokens.sum()
    for v in model.vendors:
        base = v.complement_base_usd(model.month)
        if v.exited or (base <= 0 and v.cfg["own_inference_usd_per_month"] <= 0):
            v.ledger.revenue_complement = 0.0
            continue
        gap = max(frontier - usable_capability(model, v), 0.0) if np.isfinite(frontier) else 0.0
        eco = tokens[(opts.vendor == v.index) & opts.open].sum() / total if total > 0 else 0.0
        factor = 1.0 - v.cfg["complement_capability_elasticity"] * gap + v.cfg["complement_ecosystem_weight"] * eco
        o, price, x, value, bought = best_source(model, v, workload(v.cfg, model.month))
        v.ledger.revenue_complement = base * max(factor, 0.0) + value
        v.ledger.inference = x * price
        v.complement_source = o
        if bought:
            seller = model.vendors[int(opts.vendor[o])]
            seller.ledger.complement_sales += x * price
            seller.ledger.serving_cost += x * opts.cost[o]
            seller.ledger.tokens_mtok += x
            v.ledger.inference_bought = x * price


def usable_capability(model, v) -> float:
    """The best model vendor v can build its complement on: its own release, any open model, or a
    rival's closed model less the reduced-form dependency penalty D (for e_v's gap)."""
    opts = model.options
    own = v.best_released
    avail = opts.available
    open_best = np.nanmax(opts.kappa[avail & opts.open], initial=-np.inf)
    rival_closed = avail & ~opts.open & (opts.vendor != v.index)
    closed_best = np.nanmax(opts.kappa[rival_closed], initial=-np.inf)
    return max(own, open_best, closed_best - model.cfg["market"]["complement_dependency_penalty"])
