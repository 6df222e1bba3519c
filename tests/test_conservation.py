"""Mechanism checks written from the equations, so they catch plausible bugs (issue 15's mutation
survivors) whatever the demand model looks like:

- money conservation: every month and vendor, ``cash_t - cash_{t-1} = profit_t + funding_t``, with
  payroll recomputed from the researchers each vendor employs (sum of annual salaries / 12 x weight);
- shock windows: active exactly in months ``[month, month + duration)``, checked at both boundaries;
- rival sets in pricing: a vendor's cheapest rival price never includes its own options;
- metric populations: ``salary_mean`` is over employed researchers only.

Each check is per vendor by index, so a shifted vendor index fails it too.
"""

from __future__ import annotations

import numpy as np
import pytest

from market_sim import MarketModel, Scenario
from market_sim.market import pricing as pricing_process
from market_sim.market.options import SELF
from market_sim.strategies.pricing import Undercut

SMALL = {
    "developers.count": 600,
    "researchers.count": 300,
    "market.demand_sample": 200,
    "run.months": 14,
    "researchers.turnover": 0.2,  # movement, so salaries and employers change during the run
}


def small(**overrides) -> Scenario:
    return Scenario.default().with_overrides({**SMALL, **overrides})


def test_cash_changes_by_profit_plus_funding_and_payroll_is_salaries_over_12():
    # mistral: little cash, outside funding, so it draws funding in some months
    model = MarketModel(small(**{"vendors.mistral.cash_usd": 1e6}), seed=5)
    funded = 0
    ts_cash = []
    for _ in range(model.cfg["run"]["months"]):
        before = {v.index: (v.cash_usd, v.exit_month is not None) for v in model.vendors}
        model.step()
        res = model.researchers
        for v in model.vendors:
            cash0, exited0 = before[v.index]
            if exited0 or not v.entered:
                assert v.cash_usd == cash0, f"{v.vid}: the cash of a vendor out of the market moved"
                continue
            assert v.cash_usd == pytest.approx(cash0 + v.ledger.profit + v.ledger.funding, rel=1e-12, abs=1e-3), v.vid
            funded += v.ledger.funding > 0
            if not v.exited:
                staff = res.employer == v.index
                payroll = float(res.salary_usd[staff].sum()) / 12.0 * model.researcher_weight
                assert v.ledger.payroll == pytest.approx(payroll, rel=1e-12), v.vid
        ts_cash.append([v.cash_usd for v in model.vendors])
    assert funded > 0, "no vendor drew funding: the funding term was not exercised"
    ts = model.timeseries()
    for v in model.vendors:  # the published timeseries tells the same story
        cash = ts[f"cash_{v.vid}"].to_numpy()
        assert np.allclose(cash, [row[v.index] for row in ts_cash])
        assert (ts[f"profit_{v.vid}"].abs() > 0).any()


def test_payroll_reacts_to_salaries_by_index():
    """Doubling one vendor's salaries doubles exactly that vendor's payroll."""
    from market_sim.market import labor

    model = MarketModel(small(), seed=2)
    model.step()
    res = model.researchers
    target = model.vendors[1]
    labor.pay_researchers(model)
    before = [v.ledger.payroll for v in model.vendors]
    res.salary_usd[res.employer == target.index] *= 2.0
    labor.pay_researchers(model)
    for v in model.vendors:
        expected = before[v.index] * (2.0 if v is target else 1.0)
        assert v.ledger.payroll == pytest.approx(expected, rel=1e-12), v.vid
    assert before[target.index] > 0


@pytest.mark.parametrize("kind", ["price_hike", "deprecation"])
def test_shock_window_is_exactly_month_to_month_plus_duration(kind):
    start, duration = 3, 4
    shock = {"month": start, "vendor": "openai", "kind": kind, "factor": 2.5, "duration_months": duration}
    model = MarketModel(small(shocks=[shock], **{"run.months": 10}), seed=1)
    openai = next(v for v in model.vendors if v.vid == "openai")
    others = [v for v in model.vendors if v is not openai]
    memory = []
    for t in range(10):
        model.step()
        active = start <= t < start + duration
        if kind == "price_hike":
            assert openai.price_factor == (2.5 if active else 1.0), f"month {t}"
        else:
            assert openai.deprecated is active, f"month {t}"
        assert all(v.price_factor == 1.0 and not v.deprecated for v in others), f"month {t}"
        memory.append(model.shock_memory)
    assert memory[start - 1] == 0.0 and memory[start] == pytest.approx(1.0)  # the shock starts once, at its month
    assert all(b < a for a, b in zip(memory[start:], memory[start + 1 :], strict=False))  # then only decays


def test_cheapest_rival_price_never_counts_a_vendors_own_options(monkeypatch):
    seen = []
    state = {}
    real_set_prices, real_prices = pricing_process.set_prices, Undercut.prices

    def set_prices(model):
        state["model"] = model
        real_set_prices(model)

    def prices(self, ctx):
        model = state["model"]
        opts = model.options
        vendor = next(v for v in model.vendors if v.vid == "openai")
        own = opts.vendor_hosted(vendor.index)
        market = opts.available & (opts.mode != SELF)  # every option sold in the market...
        market[own] = False  # ...except the vendor's own API/service options
        expected = [np.min(opts.price[market & (opts.size == opts.size[o])], initial=np.inf) for o in own]
        seen.append((np.asarray(ctx.rival_min_price).copy(), np.asarray(expected), opts.price[own].copy()))
        return real_prices(self, ctx)

    monkeypatch.setattr(pricing_process, "set_prices", set_prices)
    monkeypatch.setattr(Undercut, "prices", prices)
    model = MarketModel(small(**{"vendors.openai.pricing": "undercut", "run.months": 8}), seed=3)
    model.run()
    assert len(seen) >= 6
    undercutting = 0
    for got, expected, own_prices in seen:
        np.testing.assert_allclose(got, expected)
        undercutting += bool(np.any(own_prices < expected))
    assert undercutting, "the vendor was never cheaper than its rivals: counting itself would go unseen"


def test_salary_mean_is_over_employed_researchers_only():
    model = MarketModel(small(**{"run.months": 4}), seed=4)
    ts = model.run()
    res = model.researchers
    employed = res.employer < res.academia
    assert employed.any() and (~employed).any(), "needs researchers both employed and in academia"
    expected = float(res.salary_usd[employed].mean())
    assert ts["salary_mean"].iloc[-1] == pytest.approx(expected, rel=1e-12)
    assert expected != pytest.approx(float(res.salary_usd.mean()), rel=1e-3)  # academia would change it
    for v in model.vendors:
        staff = res.employer == v.index
        if staff.any():
            per_skill = float((res.salary_usd[staff] / res.skill[staff]).mean())
            assert ts[f"salary_{v.vid}"].iloc[-1] == pytest.approx(per_skill, rel=1e-12), v.vid
