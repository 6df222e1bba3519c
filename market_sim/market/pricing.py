"""Process 5: pricing. Each vendor's pricing strategy sets the prices of its own API or paid
service options, simultaneously, against rivals' current prices (C20, C22).

A best response sets each option's markup against all other options' current prices,
the vendor's own other sizes included (own-size cannibalisation is ignored; with one option
per vendor this is the exact single-product best response), on the nested-logit demand with
its tiers and intensive margin (:func:`market_sim.market.choice.best_markups`). Demand is evaluated on a sample
of ``market.demand_sample`` active developers (all of them if fewer): the first active ones in
a random order drawn once per run, so the sample is stable from month to month; utilities
are those the adoption step uses.
A price hike shock multiplies the strategy's prices (C2).
"""

from __future__ import annotations

import numpy as np

from market_sim.market.choice import best_markups
from market_sim.market.options import HOST, SELF, VENDOR
from market_sim.strategies.base import PricingContext

INITIAL_MARKUP = 0.5  # a new option's price before its first pricing decision: cost x 1.5


def set_prices(model) -> None:
    opts, rng = model.options, model.rng
    unpriced = opts.available & (opts.mode != SELF) & (opts.mode != HOST) & (opts.price <= 0)
    opts.price[unpriced] = opts.cost[unpriced] * (1.0 + INITIAL_MARKUP)
    sellers = [v for v in model.vendors if opts.vendor_hosted(v.index).size]
    if not sellers:
        return
    best = BestMarkups(model)
    market = opts.available & (opts.mode != SELF)
    new_prices = {}
    for v in sellers:
        own = opts.vendor_hosted(v.index)
        rivals = market.copy()
        rivals[own] = False
        rival_min = np.array([np.min(opts.price[rivals & (opts.size == opts.size[o])], initial=np.inf) for o in own])
        ctx = PricingContext(
            cost=opts.cost[own].copy(),
            price=opts.price[own].copy(),
            rival_min_price=rival_min,
            best_markup=lambda own=own: best(own),
            last_profit_usd=v.last_ledger.revenue_model - v.last_ledger.serving_cost,
            rng=rng,
        )
        prices = np.maximum(np.asarray(v.pricing.prices(ctx), dtype=float) * v.price_factor, 0.0)
        new_prices[v.index] = (own, prices)
    for v in sellers:
        own, prices = new_prices[v.index]
        opts.price[own] = prices
        v.price[opts.size[own]] = prices


class BestMarkups:
    """Every sellable option's best-response markup, solved together on first use: one
    vectorised solve a month, skipped when no vendor prices by demand."""

    def __init__(self, model):
        self.model = model
        self.options = np.flatnonzero(model.options.available & (model.options.mode == VENDOR))
        self._markups: np.ndarray | None = None

    def __call__(self, own: np.ndarray) -> np.ndarray:
        if self._markups is None:
            m, opts, dev = self.model, self.model.options, self.model.developers
            order = m.demand_order  # a fixed random order: the sample changes only as developers enter
            entered = m.demand_order_entry <= m.month
            sample = np.sort(order[entered][: m.cfg["market"]["demand_sample"]])
            self._markups = best_markups(dev, sample, opts, m.choice_params(), self.options)
        return self._markups[np.searchsorted(self.options, own)]
