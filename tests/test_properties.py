"""Invariants that hold for any scenario and seed (hypothesis property tests)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from market_sim import MarketModel, Scenario

BASE = Scenario.default().with_overrides(
    {"developers.count": 400, "researchers.count": 120, "run.months": 8, "market.demand_sample": 200}
)

overrides = st.fixed_dictionaries(
    {
        "developers.privacy_share": st.floats(0.0, 1.0),
        "developers.initial_active_share": st.floats(0.05, 1.0),
        "developers.reconsider_rate": st.floats(0.0, 1.0),
        "switching.closed_exit_usd": st.floats(0.0, 6000.0),
        "market.price_form": st.sampled_from(["log", "linear"]),
        "market.nest_correlation": st.floats(0.0, 0.99),
        "developers.price_elasticity": st.floats(0.0, 2.0),
        "hosts.enabled": st.booleans(),
        "community.strength": st.floats(0.0, 3.0),
        "spillover.rate": st.floats(0.0, 1.0),
        "researchers.turnover": st.floats(0.0, 0.5),
        "vendors.meta.openness": st.sampled_from(
            ["always_open", "always_closed", "open_small_only", "payoff_learning"]
        ),
        "vendors.openai.pricing": st.sampled_from(["best_response", "markup", "adaptive", "undercut"]),
        "vendors.mistral.cash_usd": st.floats(1e6, 1e9),
        "vendors.mistral.funding_usd": st.sampled_from([0.0, 1e9]),  # 0: exits are likely
        "vendors.xai.entry_month": st.integers(0, 10),  # entries inside and after the 8-month run
        "vendors.deepseek.entry_month": st.integers(0, 10),
        "funding.trigger_months": st.floats(0.0, 24.0),
    }
)


def run_checked(over: dict, seed: int) -> tuple[MarketModel, list]:
    model = MarketModel(BASE.with_overrides(over), seed=seed)
    n_dev, n_res = len(model.developers), len(model.researchers)
    frontier = [v.kappa for v in model.vendors]
    released = [v.released_kappa.copy() for v in model.vendors]
    for _ in range(BASE.months):
        cash = [v.cash_usd for v in model.vendors]
        gone = [v.exit_month is not None for v in model.vendors]
        model.step()
        # money is conserved across entries and exits: cash moves by profit + funding, never
        # before entry or after exit
        for v, c0, gone0 in zip(model.vendors, cash, gone, strict=True):
            if gone0 or not v.entered:
                assert v.cash_usd == c0
                assert v.ledger.compute == v.ledger.training == v.ledger.payroll == 0.0
                assert not model.options.available[(model.options.vendor == v.index) & (model.options.mode == 0)].any()
            else:
                expected = c0 + v.ledger.profit + v.ledger.funding
                assert abs(v.cash_usd - expected) <= 1e-9 * max(1.0, abs(c0), abs(expected))
            assert v.funding_left_usd >= -1e-6
        # active = entered and not exited; exits and entries only accumulate
        assert model.records[-1]["vendors_active"] == sum(v.entered and v.exit_month is None for v in model.vendors)
        # developers and researchers are conserved
        assert len(model.developers) == n_dev and len(model.researchers) == n_res
        assert model.researchers.headcount().sum() == n_res
        # capability frontiers never fall; releases never get worse
        for v, k0, r0 in zip(model.vendors, frontier, released, strict=True):
            assert v.kappa >= k0 - 1e-12
            both = ~np.isnan(r0) & ~np.isnan(v.released_kappa)
            assert (v.released_kappa[both] >= r0[both] - 1e-12).all()
        frontier = [v.kappa for v in model.vendors]
        released = [v.released_kappa.copy() for v in model.vendors]
        # nobody is on an option that does not exist
        on = model.developers.option >= 0
        assert model.options.available[model.developers.option[on]].all()
    return model, model.records


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(over=overrides, seed=st.integers(0, 2**32 - 1))
def test_invariants(over, seed):
    model, rows = run_checked(over, seed)
    ts = model.timeseries()
    vids = [v.vid for v in model.vendors]
    shares = ts[[f"share_{v}" for v in vids]].sum(axis=1)
    adopting = ts["developers_adopting"] > 0
    # token shares over adopters sum to 1
    np.testing.assert_allclose(shares[adopting], 1.0, rtol=1e-9)
    assert ((ts["share_open"] >= 0) & (ts["share_open"] <= 1 + 1e-12)).all()
    assert ((ts["hhi"] >= 0) & (ts["hhi"] <= 1 + 1e-12)).all()
    # developers adopting never exceed those active, who never exceed the population
    assert (ts["developers_adopting"] <= ts["developers"]).all()
    assert (ts["developers"] <= BASE.get("developers.count")).all()
    # researchers at real scale add up to the population represented
    res = ts[[f"researchers_{v}" for v in vids] + ["researchers_academia"]].sum(axis=1)
    np.testing.assert_allclose(res, BASE.get("researchers.population_represented"), rtol=1e-9)
    # money paid by developers equals money received by vendors, hosts and infrastructure
    received = ts["revenue_api"] + ts["revenue_service"] + ts["revenue_host"] + ts["spend_selfhost"]
    np.testing.assert_allclose(received, ts["payments_total"], rtol=1e-9, atol=1e-6)
    # what complement businesses buy from rivals' APIs is what those rivals sell them (docs/ODD.md 7.14)
    bought = ts[[f"inference_bought_{v}" for v in vids]].sum(axis=1)
    sold = ts[[f"sales_to_complements_{v}" for v in vids]].sum(axis=1)
    np.testing.assert_allclose(bought, sold, rtol=1e-9, atol=1e-6)
    assert ts["exits"].is_monotonic_increasing and ts["entries"].is_monotonic_increasing
    vendor_revenue = ts[[f"revenue_{v}" for v in vids]].sum(axis=1)
    np.testing.assert_allclose(vendor_revenue, ts["revenue_api"] + ts["revenue_service"], rtol=1e-9, atol=1e-6)
    # no negative prices
    prices = ts[[c for c in ts.columns if c.startswith("price_")]]
    assert (prices.fillna(0.0) >= 0).all().all()
    assert (model.options.price >= 0).all()
    # margins are Lerner indices
    margin = ts["margin_closed"].dropna()
    assert ((margin <= 1) & (margin >= -1e9)).all()
