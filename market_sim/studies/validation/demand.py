"""Limiting cases of the revised demand (docs/ODD.md 8 q): the log-price logit–Bertrand case,
single-product firms in nests, and homogeneous goods.

Each analytic answer is a fixed point solved in :mod:`.analytic` with scipy, independently of
the model's own best-response solver; :mod:`.limiting` puts the rows in the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from market_sim.results import run
from market_sim.studies.validation.analytic import log_nash_prices, nested_nash_prices
from market_sim.studies.validation.cases import bertrand_case, homogeneous_case, nested_case
from market_sim.studies.validation.sets import HOMOGENEOUS_SETS, LOG_SETS, NESTED_SETS

LOG_BERTRAND = "logit–Bertrand, log price"
NESTED = "nested logit–Bertrand"
HOMOGENEOUS = "homogeneous goods (Bertrand)"


def validate_demand(seeds: Sequence[int], make_row: Callable[..., dict]) -> list[dict]:
    """Rows for the three demand cases (final-month prices, 1% relative; homogeneous goods 3%)."""
    rows = []
    for s in LOG_SETS:
        p_star = log_nash_prices(s.delta, s.cost, s.alpha)
        case = bertrand_case(list(s.delta), list(s.cost), s.alpha, s.months, s.developers, price_form="log")
        sims = [run(case, seed=k).timeseries for k in seeds]
        for j in range(len(s.delta)):
            final = [ts[f"price_v{j}"].iloc[-1] for ts in sims]
            rows.append(make_row(LOG_BERTRAND, s.label, f"price_v{j}, final month", p_star[j], final, "relative", 0.01))
    for s in NESTED_SETS:
        p_star = nested_nash_prices(s.delta, s.cost, s.alpha, s.nests, s.sigma)
        case = nested_case(list(s.delta), list(s.cost), s.alpha, list(s.nests), s.sigma, s.months, s.developers)
        sims = [run(case, seed=k).timeseries for k in seeds]
        for j in range(len(s.delta)):
            final = [ts[f"price_v{j}"].iloc[-1] for ts in sims]
            rows.append(make_row(NESTED, s.label, f"price_v{j}, final month", p_star[j], final, "relative", 0.01))
    for s in HOMOGENEOUS_SETS:
        case = homogeneous_case(s.vendor_cost, s.host_cost, s.host_markup, s.sigma, developers=3000)
        final = [run(case, seed=k).timeseries["price_v0"].iloc[-1] for k in seeds]
        hosts_price = s.host_cost * (1.0 + s.host_markup)
        note = "the hosts' price c_h (1 + markup); the gap is O((1 − σ)/α)"
        rows.append(make_row(HOMOGENEOUS, s.label, "price_v0, final month", hosts_price, final, "relative", 0.03, note))
    return rows
