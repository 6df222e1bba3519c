"""Process 7: accounting. Tokens served, payments, revenues by layer, costs, profits, cash,
exits (C4, C6, C12, C18, C19, C21, C24).

Money flows, USD per month at real-population scale (simulated sums x population weight):

- a developer's tier on option o pays ``x p + fixed`` (see :mod:`market_sim.market.demand`) to the
  vendor (API: revenue_api; paid service on open weights: revenue_service, C12), to a
  third-party host (revenue_host, C19), or to infrastructure when self-hosting (spend_selfhost);
- providers pay serving cost ``c_o x tokens``; hosts keep the markup (host_margin);
- complement revenue and the inference a complement business buys (C6, C18, C19, C20, C24):
  :mod:`market_sim.market.complement`;
- application value V = sum of V_io; developer surplus = V - payments - switching costs paid;
  value_share_applications = surplus / V (C19).

A vendor whose cash turns negative draws on its remaining funding; if that is not enough it
exits (C21).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from market_sim.market.choice import own_outcome
from market_sim.market.complement import complement_revenue
from market_sim.market.options import HOST, SELF, VENDOR


@dataclass
class MarketLedger:
    """This month's market-wide flows, USD per month (real scale) unless stated."""

    tokens: np.ndarray  # Mtok per option id
    payments: np.ndarray  # USD per option id
    serving_cost: np.ndarray  # USD per option id
    application_value: float
    switching_usd: float
    spend_selfhost: float
    revenue_host: float
    host_margin: float
    developer_surplus: float

    @property
    def total_payments(self) -> float:
        return float(self.payments.sum())


def accounting(model, switching_usd_sim: float) -> MarketLedger:
    dev, opts, weight = model.developers, model.options, model.developer_weight
    n_opts = len(opts)
    _, _, opt, value, payment, volume = own_outcome(dev, opts, model.choice_params())
    tokens = np.bincount(opt, weights=volume, minlength=n_opts) * weight
    payments = np.bincount(opt, weights=payment, minlength=n_opts) * weight
    serving = opts.cost * tokens
    serving[opts.mode == SELF] = 0.0  # self-hosters' compute is inside their payment
    vendor_hosted = opts.mode == VENDOR
    for v in model.vendors:
        mine = vendor_hosted & (opts.vendor == v.index)
        v.ledger.revenue_api = float(payments[mine & ~opts.open].sum())
        v.ledger.revenue_service = float(payments[mine & opts.open].sum())
        v.ledger.serving_cost = float(serving[mine].sum())
        v.ledger.tokens_mtok = float(tokens[opts.vendor == v.index].sum())
    complement_revenue(model, tokens)
    host = opts.mode == HOST
    application_value = float(value.sum()) * weight
    switching = switching_usd_sim * weight
    total_paid = float(payments.sum())
    ledger = MarketLedger(
        tokens=tokens,
        payments=payments,
        serving_cost=serving,
        application_value=application_value,
        switching_usd=switching,
        spend_selfhost=float(payments[opts.mode == SELF].sum()),
        revenue_host=float(payments[host].sum()),
        host_margin=float(payments[host].sum() - serving[host].sum()),
        developer_surplus=application_value - total_paid - switching,
    )
    settle(model)
    return ledger


def settle(model) -> None:
    """Cash += profit; draw on funding when cash is negative; exit if still negative (C21)."""
    for v in model.vendors:
        if v.exited:
            continue
        v.cash_usd += v.ledger.profit
        if v.cash_usd < 0:
            v.raise_funds(-v.cash_usd)
        if v.cash_usd < 0:
            v.exit(model.month)
        (v.payoff_open if v.is_open else v.payoff_closed).append(v.ledger.profit)
