"""Calibration runs: the default scenario over the calibration seeds, with the ``calib_*`` columns.

The runs are the ordinary model (:class:`market_sim.model.MarketModel`); :func:`simulate` only
reads a few quantities the standard timeseries does not record and appends them as ``calib_*``
columns (defined in :data:`EXTRA_COLUMNS`): the price at GPT-4-level capability (F2), the
frontier training cost and the training cost of the families released each month (F4), the
price of the closed flagship APIs and a capable developer's self-host cost of the best large
open model (F8), vendors' salary offers (F9) and awareness (F7).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from market_sim.market.choice import own_outcome
from market_sim.market.demand import outcome
from market_sim.market.options import N_SIZES, SELF
from market_sim.scenario import Scenario

SEED_ROOT = 2023  # numpy.random.SeedSequence(SEED_ROOT).spawn(seeds): the calibration seeds
GPT4_KAPPA = 4.3  # GPT-4 level in kappa (docs/ODD.md notation table; Epoch: GPT-4 ~ 2e25 FLOP)
CAPABLE_INHOUSE = 0.8  # F8: a "capable developer" has in-house ML capability h >= 0.8
LARGE = N_SIZES - 1  # size class index of the large (405B-like) models

EXTRA_COLUMNS = {
    "calib_price_at_gpt4": "USD/Mtok: cheapest list price of any available non-self-hosted option with "
    f"kappa >= {GPT4_KAPPA} (GPT-4 level), as price_at_ref (F2)",
    "calib_frontier_closed_price": "USD/Mtok: token-weighted mean list price of the closed vendors' large-size API "
    "options (their flagship models, like GPT-4o in 2024; simple mean if none is used) (F8)",
    "calib_selfhost_cost": "USD/Mtok: token-weighted self-hosting cost of the best large open-weight model for "
    f"active developers with h >= {CAPABLE_INHOUSE}, at scale: serving cost x (1 + overhead (1 - h)), "
    "without the fixed deployment cost (F8)",
    "calib_selfhost_cost_with_fixed": "USD/Mtok: the same including the fixed monthly deployment cost of the "
    "large size, i.e. sum of demand.outcome's payments / sum of tokens over those developers (F8 diagnostic)",
    "calib_selfhost_ratio": "calib_selfhost_cost / calib_frontier_closed_price (F8)",
    "calib_training_frontier_usd": "USD/month: the largest final-run compute any live vendor paid this month "
    "(training_cost_<v>; market/finance.py) (F4)",
    "calib_training_release_max_usd": "USD: the most expensive family released this month; NaN if none (F4)",
    "calib_offer_<v>": "USD/yr per skill unit: vendor v's current salary offer (F9 diagnostic)",
    "calib_aware_<v>": "fraction: share of active developers aware of vendor v (F7)",
}


def calibration_seeds(seeds: int) -> list[int]:
    """The calibration seeds: ``SeedSequence(2023).spawn(seeds)`` as 63-bit ints (as the sweep engine)."""
    from market_sim.sweep.runner import replicate_seeds

    return replicate_seeds(SEED_ROOT, seeds)


def simulate(
    seed: int, months: int | None = None, overrides: dict | None = None, scenario: Scenario | None = None
) -> pd.DataFrame:
    """Run ``scenario`` (default: the embedded default, with ``overrides``) for ``months`` and
    return its timeseries with the ``calib_*`` columns of :data:`EXTRA_COLUMNS` appended."""
    from market_sim.model import MarketModel

    scenario = scenario if scenario is not None else Scenario.default()
    if overrides:
        scenario = scenario.with_overrides(overrides)
    if months is not None:
        scenario = scenario.with_overrides({"run.months": int(months)})
    model = MarketModel(scenario, seed=seed)
    extras = []
    while model.month < model.months:
        model.step()
        extras.append(_extra_metrics(model))
    ts = model.timeseries()
    return pd.concat([ts, pd.DataFrame.from_records(extras, index=ts.index)], axis=1)


def _extra_metrics(model) -> dict:
    """The ``calib_*`` quantities for the month just simulated (read-only)."""
    opts, dev = model.options, model.developers
    t = model.month - 1
    row: dict = {}
    market = opts.available & (opts.mode != SELF) & (opts.kappa >= GPT4_KAPPA)
    row["calib_price_at_gpt4"] = float(opts.price[market].min()) if market.any() else math.nan
    flagship = np.flatnonzero(opts.closed & (opts.size == LARGE))
    if flagship.size:
        _, _, on_option, _, _, volume_now = own_outcome(dev, opts, model.choice_params())
        tokens = np.bincount(on_option, weights=volume_now, minlength=len(opts))[flagship]
        weights = tokens if tokens.sum() > 0 else np.ones(flagship.size)
        row["calib_frontier_closed_price"] = float(np.average(opts.price[flagship], weights=weights))
    else:
        row["calib_frontier_closed_price"] = math.nan
    large_self = np.flatnonzero(opts.available & (opts.mode == SELF) & (opts.size == LARGE))
    active = dev.entry_month <= t
    capable = np.flatnonzero(active & (dev.inhouse >= CAPABLE_INHOUSE))
    if large_self.size and capable.size:
        o = large_self[np.argmax(opts.kappa[large_self])]
        params = model.choice_params()
        paid = used = at_scale = 0.0
        for tau in range(dev.tiers):
            _, payment, x, _ = outcome(dev, capable, tau, opts, params, np.array([[o]]))
            overhead = 1.0 + params.overhead_max * (1.0 - dev.inhouse[capable])
            paid, used = paid + payment.sum(), used + x.sum()
            at_scale += float(np.sum(x[:, 0] * opts.cost[o] * overhead))
        row["calib_selfhost_cost"] = at_scale / used
        row["calib_selfhost_cost_with_fixed"] = float(paid / used)
    else:
        row["calib_selfhost_cost"] = row["calib_selfhost_cost_with_fixed"] = math.nan
    price = row["calib_frontier_closed_price"]
    row["calib_selfhost_ratio"] = row["calib_selfhost_cost"] / price if price > 0 else math.nan
    row["calib_training_frontier_usd"] = max((v.ledger.training for v in model.vendors if not v.exited), default=0.0)
    released = [f.training_cost_usd for v in model.vendors for f in v.families if f.month == t]
    row["calib_training_release_max_usd"] = max(released) if released else math.nan
    n_active = max(int(active.sum()), 1)
    aware = dev.aware[active].sum(axis=0) / n_active
    for v in model.vendors:
        row[f"calib_offer_{v.vid}"] = v.salary_offer_usd
        row[f"calib_aware_{v.vid}"] = float(aware[v.index])
    return row


def run_seeds(
    seeds: Sequence[int], workers: int | None = None, months: int | None = None, overrides: dict | None = None
) -> list[pd.DataFrame]:
    """The default scenario's timeseries (with calib_* columns) for each seed, in seed order."""
    from market_sim.sweep.executors import open_executor

    with open_executor(workers) as info:
        futures = [info.executor.submit(simulate, int(s), months, overrides) for s in seeds]
        return [f.result() for f in futures]
