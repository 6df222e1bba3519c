"""Entry (C16, C17, C21): ``[[entrants]]`` tables, docs/ODD.md 7.13.

An entrant is a vendor whose ``entry_month`` is after month 0. Until it enters it is out of the
market (``Vendor.exited`` is true: no options, costs, hiring or research). With ``entry_rule =
"scheduled"`` it enters in its entry month; with ``"value"`` in the first month from then on in
which the value investors would see in it covers its sunk cost (Sutton 1991):

    V_e = m 12 pi_e M  >=  S_e = sum of the compute contracts it must sign on entry

pi_e = 10^(kappa_e - kappa_max) / (sum_u 10^(kappa_u - kappa_max) + 10^(kappa_e - kappa_max)) over the
live vendors u, kappa_e its ``initial_capability``, M last month's model revenue of all live vendors,
m = ``funding.revenue_multiple`` (the rule of :func:`market_sim.market.finance.expected_value`
for a vendor without revenue yet). In the month it enters, before the talent market, it

- enters with its scenario cash, funding cap and initial capability (its knowledge stock is set
  then, as the incumbents' at month 0);
- hires ``initial_researchers x initial_employed_share`` researchers from academia at random,
  at its salary offer times their skill;
- becomes known to each developer with probability ``initial_awareness``;
- signs its compute contracts (months entry .. entry + H - 1 at plan).

Draws come from the model's generator, so a seed still fixes the run.
"""

from __future__ import annotations

import numpy as np

from market_sim.market.labor import stochastic_round


def hire_initial_staff(model, v, pool: np.ndarray) -> np.ndarray:
    """Employ ``initial_researchers x initial_employed_share`` (real scale) of ``pool`` (simulated ids,
    in the order to take them) at v; returns the ids taken."""
    res, cfg = model.researchers, model.cfg["researchers"]
    n = stochastic_round(
        v.cfg["initial_researchers"] * cfg["initial_employed_share"] / model.researcher_weight, model.rng
    )
    staff = pool[:n]
    res.employer[staff] = v.index
    res.salary_usd[staff] = res.skill[staff] * v.salary_offer_usd
    return staff


def entry_value(model, v) -> float:
    """V_e = m 12 pi_e M for a vendor not yet in the market (see the module docstring)."""
    live = [u for u in model.vendors if not u.exited]
    top = max([u.kappa for u in live] + [v.kappa])
    weights = sum(10.0 ** (u.kappa - top) for u in live) + 10.0 ** (v.kappa - top)
    market = sum(u.last_ledger.revenue_model for u in live)
    return model.cfg["funding"]["revenue_multiple"] * 12.0 * 10.0 ** (v.kappa - top) / weights * market


def sunk_cost(model, v) -> float:
    """S_e: the compute contracts a vendor signs on entry (months 0 .. H - 1 of its plan), USD."""
    return float(sum(v.rnd.initial_commitments(model.cfg["training"]["growth_per_year"])))


def wants_in(model, v) -> bool:
    """Whether a vendor not yet in the market enters this month (its rule, see the module docstring)."""
    if v.entered or v.exit_month is not None or model.month < v.entry_month:
        return False
    if v.cfg["entry_rule"] == "scheduled":
        return model.month == v.entry_month
    return entry_value(model, v) >= sunk_cost(model, v)


def enter_due(model) -> None:
    """Let in the entrants whose time has come (scheduled, or by the value rule)."""
    due = [v for v in model.vendors if wants_in(model, v)]
    if not due:
        return
    res, dev = model.researchers, model.developers
    for v in due:
        v.enter(model.month)
        if len(res) and model.researcher_weight > 0:
            pool = np.flatnonzero(res.employer == res.academia)
            hire_initial_staff(model, v, model.rng.permutation(pool))
        dev.aware[:, v.index] = model.rng.random(len(dev)) < v.cfg["initial_awareness"]


def entries(model) -> int:
    """Entrants in the market so far (cumulative; incumbents of month 0 do not count)."""
    return sum(v.entered and v.entry_month > 0 for v in model.vendors)
