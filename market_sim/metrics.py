"""Model-level metrics, one row per month (definitions, units, formulas: docs/metrics.md).

``collect`` is a pure reporter: it reads the model after accounting and returns a dict.
Per-vendor columns use the vendor id (lower case): ``share_meta``, ``price_openai``, ...
"""

from __future__ import annotations

import numpy as np

from market_sim.market import entry
from market_sim.market.options import SELF, VENDOR
from market_sim.schema import SIZE_NAMES

MATERIAL_SHARE = 0.05  # a vendor "with material share" has at least 5% of tokens (C16)


def vendor_token_shares(model, tokens: np.ndarray) -> np.ndarray:
    """Token share of each vendor's models (any access mode); zeros if nobody adopts."""
    by_vendor = np.bincount(model.options.vendor, weights=tokens, minlength=len(model.vendors))
    total = by_vendor.sum()
    return by_vendor / total if total > 0 else np.zeros_like(by_vendor)


def open_token_shares(model, tokens: np.ndarray) -> np.ndarray:
    """Token share of each vendor's open-weight options (of all tokens)."""
    opts = model.options
    by_vendor = np.bincount(opts.vendor[opts.open], weights=tokens[opts.open], minlength=len(model.vendors))
    total = tokens.sum()
    return by_vendor / total if total > 0 else np.zeros_like(by_vendor)


def weighted_price(payments: np.ndarray, tokens: np.ndarray, mask: np.ndarray) -> float:
    """Volume-weighted price paid, USD per Mtok: payments / tokens over ``mask`` (NaN if none)."""
    t = tokens[mask].sum()
    return float(payments[mask].sum() / t) if t > 0 else float("nan")


def options_per_adopter(option: np.ndarray) -> float:
    """Mean number of distinct options per adopting developer (rows of ``option``, -1 = none;
    F10 multi-homing); NaN without adopters."""
    if option.shape[0] == 0:
        return float("nan")
    distinct = np.zeros(option.shape[0])
    for tau in range(option.shape[1]):  # tier tau counts if it is on an option no earlier tier uses
        new = option[:, tau] >= 0
        for earlier in range(tau):
            new &= option[:, tau] != option[:, earlier]
        distinct += new
    return float(distinct.mean())


def lag_months(closed_frontier: list[float], open_best: float, growth_before_per_year: float) -> float:
    """Months since the closed frontier first reached today's best open capability (F3).

    Before the first month the closed frontier is extrapolated back at
    ``growth_before_per_year`` kappa-units per year. 0 if open models lead; NaN if either
    kind is missing.
    """
    t = len(closed_frontier) - 1
    if t < 0 or not np.isfinite(open_best) or not np.isfinite(closed_frontier[-1]):
        return float("nan")
    history = np.asarray(closed_frontier)
    reached = np.flatnonzero(np.isfinite(history) & (history >= open_best))
    if reached.size == 0:
        return 0.0
    first = reached[0]
    if first == 0:
        back_months = (history[0] - open_best) / (growth_before_per_year / 12.0)
        return float(t + back_months)
    return float(t - first)


def collect(model, ledger, flows) -> dict:
    """All metrics for the month just simulated."""
    opts, dev, t = model.options, model.developers, model.month
    tokens, payments = ledger.tokens, ledger.payments
    total_tokens = tokens.sum()
    active = dev.entry_month <= t
    row: dict = {"month": t, "date": model.dates[t] if t < len(model.dates) else None}
    row["developers"] = int(active.sum())
    adopting = dev.adopting() & active
    row["developers_adopting"] = int(adopting.sum())
    row["options_per_adopter"] = options_per_adopter(dev.option[adopting])
    row["tokens_mtok"] = float(total_tokens)
    row["share_open"] = float(tokens[opts.open].sum() / total_tokens) if total_tokens > 0 else 0.0

    shares = vendor_token_shares(model, tokens)
    n_res = model.researchers.headcount() * model.researcher_weight
    employed = model.researchers.employer < model.researchers.academia
    res = model.researchers
    for v in model.vendors:
        mine = opts.vendor == v.index
        price = weighted_price(payments, tokens, mine)
        if np.isnan(price):  # nobody on it: mean list price of what it sells itself
            listed = opts.available & mine & (opts.mode == VENDOR)
            price = float(opts.price[listed].mean()) if listed.any() else float("nan")
        staff = res.employer == v.index
        row[f"share_{v.vid}"] = float(shares[v.index])
        row[f"price_{v.vid}"] = price
        row[f"revenue_{v.vid}"] = v.ledger.revenue_api + v.ledger.revenue_service  # developers' payments
        row[f"sales_to_complements_{v.vid}"] = v.ledger.complement_sales
        row[f"complement_{v.vid}"] = v.ledger.revenue_complement
        row[f"serving_cost_{v.vid}"] = v.ledger.serving_cost
        row[f"inference_{v.vid}"] = v.ledger.inference
        row[f"inference_bought_{v.vid}"] = v.ledger.inference_bought
        row[f"payroll_{v.vid}"] = v.ledger.payroll
        row[f"profit_{v.vid}"] = v.ledger.profit
        row[f"cash_{v.vid}"] = v.cash_usd
        row[f"training_cost_{v.vid}"] = v.ledger.training
        row[f"compute_{v.vid}"] = v.ledger.compute
        row[f"funding_{v.vid}"] = v.ledger.funding
        row[f"researchers_{v.vid}"] = float(n_res[v.index])
        row[f"salary_{v.vid}"] = (
            float((res.salary_usd[staff] / res.skill[staff]).mean()) if staff.any() else float("nan")
        )
        row[f"capability_{v.vid}"] = v.kappa
        row[f"open_{v.vid}"] = v.is_open
    row["researchers_academia"] = float(n_res[-1]) if n_res.size else 0.0
    row["salary_mean"] = float(res.salary_usd[employed].mean()) if employed.any() else float("nan")

    closed = opts.closed
    open_ = opts.available & opts.open
    row["price_closed"] = weighted_price(payments, tokens, closed)
    row["price_open"] = weighted_price(payments, tokens, open_)
    for k, size in enumerate(SIZE_NAMES):
        row[f"price_closed_{size}"] = weighted_price(payments, tokens, closed & (opts.size == k))
        row[f"price_open_{size}"] = weighted_price(payments, tokens, open_ & (opts.size == k))
    ref = model.cfg["market"]["reference_capability"]
    market = opts.available & (opts.mode != SELF) & (opts.kappa >= ref)
    row["price_at_ref"] = float(opts.price[market].min()) if market.any() else float("nan")
    sold = closed & (tokens > 0) & (opts.price > 0)
    lerner = (opts.price[sold] - opts.cost[sold]) / opts.price[sold]
    row["margin_closed"] = float(np.average(lerner, weights=tokens[sold])) if sold.any() else float("nan")
    row["hhi"] = float(np.sum(shares**2))
    row["vendors_active"] = sum(not v.exited for v in model.vendors)
    row["exits"] = sum(v.exit_month is not None for v in model.vendors)
    row["entries"] = entry.entries(model)
    row["vendors_material"] = int(np.sum(shares >= MATERIAL_SHARE))

    cap_closed = float(np.max(opts.kappa[closed], initial=-np.inf))
    cap_open = float(np.max(opts.kappa[open_], initial=-np.inf))
    row["capability_closed"] = cap_closed if np.isfinite(cap_closed) else float("nan")
    row["capability_open"] = cap_open if np.isfinite(cap_open) else float("nan")
    row["capability_gap"] = row["capability_closed"] - row["capability_open"]
    row["lag_months"] = lag_months(
        model.closed_frontier, cap_open, model.cfg["market"]["frontier_growth_before_start_per_year"]
    )
    row["churn_open"] = flows.left_open / flows.on_open_before if flows.on_open_before else float("nan")
    row["churn_closed"] = flows.left_closed / flows.on_closed_before if flows.on_closed_before else float("nan")

    row["community_stock"] = float(sum(v.community_stock for v in model.vendors))
    row["forks"] = float(sum(v.forks for v in model.vendors))
    row["revenue_api"] = float(sum(v.ledger.revenue_api for v in model.vendors))
    row["revenue_service"] = float(sum(v.ledger.revenue_service for v in model.vendors))
    row["revenue_host"] = ledger.revenue_host
    row["host_margin"] = ledger.host_margin
    row["spend_selfhost"] = ledger.spend_selfhost
    row["revenue_complement"] = float(sum(v.ledger.revenue_complement for v in model.vendors))
    row["payments_total"] = ledger.total_payments
    row["switching_costs"] = ledger.switching_usd
    row["application_value"] = ledger.application_value
    row["developer_surplus"] = ledger.developer_surplus
    value = ledger.application_value
    if value > 0:
        row["value_share_applications"] = ledger.developer_surplus / value
        row["value_share_model"] = (row["revenue_api"] + row["revenue_service"]) / value
        row["value_share_infrastructure"] = (ledger.revenue_host + ledger.spend_selfhost) / value
    else:
        row["value_share_applications"] = row["value_share_model"] = row["value_share_infrastructure"] = float("nan")
    return row
