"""Vendor finance: committed compute, funding rounds, the value investors fund (C17, C21).

Compute (docs/ODD.md 7.3). Each live vendor's R&D strategy commits the compute of month
t + H (``commit_compute``); a commitment is paid when due (``pay_compute``), whatever the
vendor's cash: a share phi = ``training.final_run_share`` is its final training runs (booked as
``training``), the rest R&D compute (``compute``). Training cost is what is paid for compute,
never a function of the capability gained (C17).

Funding (docs/ODD.md 7.11; Sutton 1991: outside money funds sunk costs up to the value it
expects). Investors value vendor v at

    V_v = m 12 [(1 + g_v) R_v + pi_v M]

R_v = last month's model + complement revenue, g_v = its growth over 12 months (clipped to
[0, 3]), M = last month's model-layer revenue of all vendors, pi_v = 10^(kappa_v - kappa_max) /
sum_u 10^(kappa_u - kappa_max) the capability position (an expected share of M). A round is
``min(funding_left, d V_v, n b_v)`` with b_v the monthly burn; it is offered when runway
cash / b_v < ``trigger_months`` and the last round is ``min_months_between_rounds`` old
(``funding_rounds``), or as a bridge when cash turns negative (``bridge``), which investors
grant only if it covers the deficit. A vendor whose bridge fails exits (accounting, C21).
"""

from __future__ import annotations

import numpy as np

from market_sim.strategies.base import RndContext

GROWTH_CAP = 3.0  # g_v is clipped to [0, 3]: a quadrupling a year at most


def commit_compute(model) -> None:
    """Each live vendor commits month t + H of compute (H = its strategy's horizon)."""
    growth = model.cfg["training"]["growth_per_year"]
    for v in model.vendors:
        if v.exited:
            continue
        if v.commitments is None:  # month 0 (or entry): the contracts the vendor arrives with
            v.commitments = list(v.rnd.initial_commitments(growth))
        ctx = RndContext(
            cash_usd=v.cash_usd,
            revenue_usd_per_month=v.last_ledger.revenue_model + v.last_ledger.revenue_complement,
            month=model.month - v.entry_month,
            committed_usd=float(sum(v.commitments)),
            payroll_usd_per_month=v.ledger.payroll,
            serving_cost_usd_per_month=v.last_ledger.serving_cost + v.last_ledger.inference,  # 7.14
            last_commitment_usd=v.commitments[-1] if v.commitments else (v.last_commitment_usd or 0.0),
            fundable_usd=fundable_usd(model, v),
            frontier_growth_per_year=growth,
        )
        amount = float(v.rnd.compute_spend(ctx))
        last = v.commitments[-1] if v.commitments else v.last_commitment_usd
        v.on_plan = last is None or amount >= last
        v.last_commitment_usd = amount
        v.commitments.append(amount)


def pay_compute(model, v) -> float:
    """Pay the commitment due this month: phi of it is training, the rest R&D compute. Returns it."""
    due = v.commitments.pop(0) if v.commitments else 0.0
    phi = model.cfg["training"]["final_run_share"]
    v.ledger.training += phi * due
    v.ledger.compute += (1.0 - phi) * due
    v.run_cost_usd += phi * due
    return due


def burn_usd(v) -> float:
    """Monthly burn b_v: this month's payroll and compute due less last month's revenue net of
    serving cost and of the complement business's inference (7.14)."""
    led, last = v.ledger, v.last_ledger
    net_revenue = last.revenue_model + last.revenue_complement - last.serving_cost - last.inference
    return max(0.0, led.payroll + led.compute + led.training - net_revenue)


def expected_value(model, v) -> float:
    """V_v = m 12 [(1 + g_v) R_v + pi_v M], USD (see the module docstring)."""
    fcfg = model.cfg["funding"]
    live = [u for u in model.vendors if not u.exited]
    if not live:
        return 0.0
    top = max(u.kappa for u in live)
    pos = np.array([10.0 ** (u.kappa - top) for u in live])
    pi = 10.0 ** (v.kappa - top) / pos.sum()
    market = sum(u.last_ledger.revenue_model for u in live)
    revenue = max(v.last_ledger.revenue_model + v.last_ledger.revenue_complement, 0.0)
    growth = 0.0
    hist = v.revenue_history
    if len(hist) >= 13 and hist[-13] > 0:
        growth = float(np.clip(hist[-1] / hist[-13] - 1.0, 0.0, GROWTH_CAP))
    return fcfg["revenue_multiple"] * 12.0 * ((1.0 + growth) * revenue + pi * market)


def fundable_usd(model, v) -> float:
    """min(funding_left, d V_v): the most investors would put in now (0 before any revenue exists)."""
    if v.funding_left_usd <= 0:
        return 0.0
    return max(0.0, min(v.funding_left_usd, model.cfg["funding"]["max_dilution"] * expected_value(model, v)))


def round_size(model, v, floor_usd: float = 0.0) -> float:
    """min(funding_left, d V_v, max(floor, n b_v)): what investors put in now."""
    fcfg = model.cfg["funding"]
    want = max(floor_usd, fcfg["round_months"] * burn_usd(v))
    return max(0.0, min(v.funding_left_usd, fcfg["max_dilution"] * expected_value(model, v), want))


def funding_rounds(model) -> None:
    """Rounds for vendors whose runway is short (before accounting, after this month's costs are booked)."""
    fcfg = model.cfg["funding"]
    for v in model.vendors:
        if not v.exited:
            v.revenue_history.append(v.last_ledger.revenue_model + v.last_ledger.revenue_complement)
    for v in model.vendors:
        if v.exited or v.funding_left_usd <= 0:
            continue
        if v.last_round_month is not None and model.month - v.last_round_month < fcfg["min_months_between_rounds"]:
            continue
        burn = burn_usd(v)
        if burn <= 0 or v.cash_usd >= fcfg["trigger_months"] * burn:
            continue
        size = round_size(model, v)
        if size > 0:
            v.receive_funding(size, model.month)


def bridge(model, v, need_usd: float) -> float:
    """A bridge round for a deficit ``need_usd`` (> 0): granted only if it covers it; returns the amount."""
    if need_usd <= 0 or v.funding_left_usd <= 0:
        return 0.0
    size = round_size(model, v, floor_usd=need_usd)
    if size < need_usd:
        return 0.0
    v.receive_funding(size, model.month)
    return size
