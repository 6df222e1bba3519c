"""One test per mechanism: each fails if the mechanism it names is wrong or missing (demand and
pricing: tests/test_demand.py)."""

import numpy as np
import pytest

from market_sim import MarketModel, Scenario, run
from market_sim.market.complement import usable_capability
from market_sim.market.innovation import research
from market_sim.market.labor import match
from market_sim.market.options import SELF, VENDOR
from market_sim.metrics import lag_months


def model_after(scenario, months, seed=1):
    m = MarketModel(scenario, seed=seed)
    for _ in range(months):
        m.step()
    return m


# -- community (C5, C10, C11, C14) ----------------------------------------------------------------


def test_community_switch_and_effects(small):
    off = run(small.with_overrides({"community.strength": 0.0}), seed=4).timeseries
    on = run(small.with_overrides({"community.strength": 3.0}), seed=4).timeseries  # well above talent noise
    assert (off["community_stock"] == 0).all() and (off["forks"] == 0).all()
    assert on["community_stock"].iloc[-1] > 0 and on["forks"].iloc[-1] > on["forks"].iloc[6]
    assert on["capability_meta"].iloc[-1] > off["capability_meta"].iloc[-1]  # C5, C11


def test_open_vendor_absorbs_own_flow_fast_closed_others_late(small):
    quiet = {"spillover.rate": 0.0, "rnd.capability_rate": 0.0, "rnd.usage_learning": 0.0}
    m = MarketModel(small.with_overrides(quiet), seed=1)
    m.step()
    meta, openai = m.vendors[0], m.vendors[1]
    m.flow_history = [np.zeros(len(m.vendors)) for _ in range(20)]
    m.flow_history[-1] = np.where(np.arange(len(m.vendors)) == meta.index, 0.1, 0.0)
    before = {v.vid: v.knowledge for v in m.vendors}
    research(m)
    com = m.cfg["community"]
    assert meta.knowledge - before["meta"] == pytest.approx(com["absorb_open"] * 0.1)
    assert openai.knowledge - before["openai"] == pytest.approx(0.0)  # the delay (C11)
    m.flow_history = [m.flow_history[-1]] + [np.zeros(len(m.vendors))] * com["absorb_delay_months"]
    before = openai.knowledge
    research(m)
    assert openai.knowledge - before == pytest.approx(com["absorb_closed"] * 0.1)


# -- R&D, releases, spillover (C15, C17, C21) -----------------------------------------------------


def test_releases_follow_cadence_sizes_and_openness(small):
    m = model_after(small, 24)
    google = next(v for v in m.vendors if v.vid == "google")
    months = [f.month for f in google.families]
    every = google.release.every_months
    assert months[0] == google.first_release_month and all(np.diff(months) == every)
    last = google.families[-1]
    assert last.open.tolist() == [True, False, False]  # open_small_only (C7)
    micro = next(v for v in m.vendors if v.vid == "microsoft")
    assert np.isnan(micro.families[-1].kappa[1:]).all()  # small models only (C15)


def test_spillover_lifts_rivals(small):
    on = run(small.with_overrides({"spillover.rate": 0.3}), seed=5).timeseries
    off = run(small.with_overrides({"spillover.rate": 0.0}), seed=5).timeseries
    # C21: a vendor behind the best open model of its rivals (Microsoft starts at 2.9, Meta's Llama at 3.3) catches up
    assert (off["capability_microsoft"] < off["capability_meta"]).iloc[:6].all()
    assert on["capability_microsoft"].iloc[-1] > off["capability_microsoft"].iloc[-1] + 0.1


def test_vendor_without_money_exits_and_its_open_weights_remain(small):
    broke = small.with_overrides(
        {
            "vendors.mistral.cash_usd": 1e7,
            "vendors.mistral.funding_usd": 0.0,
            "vendors.mistral.initial_researchers": 300,
            "vendors.mistral.hiring": "none",  # keeps its payroll: no layoffs
            "vendors.mistral.first_release_month": 0,
            "vendors.mistral.openness": "always_open",
            "vendors.mistral.service": False,  # open weights and no revenue at all
        }
    )
    m = model_after(broke, 24)
    mistral = next(v for v in m.vendors if v.vid == "mistral")
    assert mistral.exited  # C21
    ts = m.timeseries()
    assert (ts["revenue_mistral"].iloc[mistral.exit_month + 1 :] == 0).all()
    assert not np.isnan(mistral.open_kappa).all()
    assert m.options.available[(m.options.vendor == mistral.index) & (m.options.mode == SELF)].any()
    assert not m.options.available[(m.options.vendor == mistral.index) & (m.options.mode == VENDOR)].any()


# -- talent (C9, F9) ------------------------------------------------------------------------------


def test_matching_respects_slots_and_prefers_skill():
    rng = np.random.default_rng(0)
    n = 200
    utility = np.zeros((n, 3))
    utility[:, 0] = 10.0  # everyone wants vendor 0
    skill = np.arange(n, dtype=float)
    out = match(utility, skill, np.array([20, 5]), rounds=3, rng=rng)
    hired0 = np.flatnonzero(out.employer == 0)
    assert hired0.size == 20 and set(hired0) == set(range(n - 20, n))  # most skilled first
    assert (out.employer == 1).sum() <= 5
    assert out.hired.tolist() == [20, (out.employer == 1).sum()]


def test_visibility_lets_open_vendors_pay_less():
    sc = Scenario.default().with_overrides(
        {"developers.count": 500, "run.months": 36, "researchers.visibility_mean": 3.0}
    )
    ts = run(sc, seed=1).timeseries
    ts0 = run(sc.with_overrides({"researchers.visibility_mean": 0.0}), seed=1).timeseries
    # Meta (open) needs a lower salary when researchers value visible work (C9, F9)
    ratio = ts["salary_meta"].iloc[-1] / ts["salary_openai"].iloc[-1]
    ratio0 = ts0["salary_meta"].iloc[-1] / ts0["salary_openai"].iloc[-1]
    assert ratio < ratio0


# -- accounting, complement (C6, C18, C19, C24) ---------------------------------------------------


def test_value_decomposes_into_layers(small):
    ts = run(small, seed=6).timeseries.iloc[1:]
    layers = ts["developer_surplus"] + ts["payments_total"] + ts["switching_costs"]
    np.testing.assert_allclose(layers, ts["application_value"], rtol=1e-9)
    shares = ts["value_share_applications"] + ts["value_share_model"] + ts["value_share_infrastructure"]
    np.testing.assert_allclose(shares + ts["switching_costs"] / ts["application_value"], 1.0, rtol=1e-9)


def test_complement_revenue_reduced_form(small):
    """The reduced-form knobs of 7.14 (default 0): R_v = B_v max(0, 1 - e gap + w eco) when the
    business runs no AI of its own (X_v0 = 0)."""
    knobs = {
        "vendors.meta.own_inference_usd_per_month": 0.0,
        "vendors.meta.complement_capability_elasticity": 0.1,
        "vendors.meta.complement_ecosystem_weight": 0.2,
        "market.complement_dependency_penalty": 1.0,
    }
    m = model_after(small.with_overrides(knobs), 12)
    meta = m.vendors[0]
    opts = m.options
    frontier = np.nanmax(opts.kappa[opts.available])
    gap = frontier - usable_capability(m, meta)
    ts = m.timeseries()
    tokens = ts["tokens_mtok"].iloc[-1]
    assert all(f.open[~np.isnan(f.kappa)].all() for f in meta.families)
    eco = ts["share_meta"].iloc[-1]  # all of Meta's options are open weights: its ecosystem share
    expected = meta.complement_base_usd(m.month - 1) * (
        1 - meta.cfg["complement_capability_elasticity"] * gap + meta.cfg["complement_ecosystem_weight"] * eco
    )
    assert tokens > 0
    assert ts["complement_meta"].iloc[-1] == pytest.approx(expected, rel=1e-9)


def test_lag_months():
    assert lag_months([4.0, 4.5, 5.0], 4.5, 12.0) == 1.0
    assert lag_months([4.0, 4.5, 5.0], 6.0, 12.0) == 0.0  # open leads
    assert lag_months([4.0], 3.0, 12.0) == pytest.approx(1.0)  # extrapolated: 1 unit at 1/month
    assert np.isnan(lag_months([4.0], float("-inf"), 12.0))
