"""Entry of scheduled entrants (C16, C17, C21): ``[[entrants]]`` tables, docs/ODD.md 7.13.

An entrant is a vendor whose ``entry_month`` is after month 0. Until then it is out of the
market (``Vendor.exited`` is true: no options, costs, hiring or research). In its entry month,
before the talent market, it

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


def enter_scheduled(model) -> None:
    """Let in the entrants whose entry month is this month."""
    due = [v for v in model.vendors if not v.entered and v.entry_month == model.month]
    if not due:
        return
    res, dev = model.researchers, model.developers
    for v in due:
        v.enter()
        if len(res) and model.researcher_weight > 0:
            pool = np.flatnonzero(res.employer == res.academia)
            hire_initial_staff(model, v, model.rng.permutation(pool))
        dev.aware[:, v.index] = model.rng.random(len(dev)) < v.cfg["initial_awareness"]


def entries(model) -> int:
    """Entrants in the market so far (cumulative; incumbents of month 0 do not count)."""
    return sum(v.entered and v.entry_month > 0 for v in model.vendors)
