"""Demand and pricing (docs/ODD.md, "Demand"): each test fails if the mechanism it names is wrong.

The compiled loops of ``market.choice`` are held to the array definition of ``market.demand``;
the definition is held to the equations, written out again here by hand.
"""

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from market_sim import MarketModel, Scenario, run
from market_sim.market import best_response, choice
from market_sim.market.demand import (
    LOG,
    capability_value,
    choice_probabilities,
    evaluate,
    outcome,
    quality_table,
    switching_cost,
)
from market_sim.market.options import HOST, SELF, VENDOR, build_options, option_id
from market_sim.metrics import options_per_adopter
from market_sim.studies.validation.cases import bertrand_case


def model_after(scenario, months, seed=1):
    m = MarketModel(scenario, seed=seed)
    for _ in range(months):
        m.step()
    return m


@pytest.fixture(scope="module", params=["log", "linear"])
def market(request, small):
    """A market at month 9 with prices, awareness and adopters, in each price form."""
    cheap_selfhosting = {  # enough self-hosters to test that branch too
        "penalties.integration_selfhost_usd_per_month": 50.0,
        "penalties.integration_selfhost": 0.1,
        "sizes.selfhost_fixed_usd_per_month": [1.0, 5.0, 20.0],
    }
    overrides = {"market.price_form": request.param, "developers.choice_noise": 0.6, **cheap_selfhosting}
    return model_after(small.with_overrides(overrides), 9)


def test_capability_value_linear_and_concave():
    k = np.array([0.0, 1.0, 4.0])
    np.testing.assert_allclose(capability_value(k, 0.0), k)
    g = capability_value(k, 8.0)
    np.testing.assert_allclose(g, 8.0 * (1 - np.exp(-k / 8.0)))
    assert g[2] - g[1] < 3.0 * (g[1] - g[0])  # diminishing returns (C8)
    assert capability_value(np.array([50.0]), 1.0)[0] == pytest.approx(1.0)  # saturates at kappa_s


def test_outcome_by_hand_in_both_forms(market):
    m = market
    dev, opts, p = m.developers, m.options, m.choice_params()
    i = np.array([3])
    ft, need, h = float(dev.finetune_need[3]), int(dev.size_need[3]), dev.inhouse[3]
    for tau in range(dev.tiers):
        X = dev.volume_mtok[3] * p.volume_factor * p.tier_share[tau]
        for o in np.flatnonzero(opts.available):
            value, pay, x, index = outcome(dev, i, tau, opts, p, np.array([[o]]))
            G = capability_value(
                opts.kappa[o] + opts.premium[o] + ft * opts.finetune_boost[o] - p.tier_requirement[tau], p.saturation
            )
            G -= p.size_mismatch * abs(need - int(opts.size[o])) + p.finetune_missing * ft * (
                1 - opts.finetune_support[o]
            )
            overhead = 1 + p.overhead_max * (1 - h)
            price = opts.price[o] * (overhead if opts.mode[o] == SELF else 1.0)  # C4
            fixed = p.tier_share[tau] * p.selfhost_fixed[opts.size[o]] * overhead if opts.mode[o] == SELF else 0.0
            tokens = X * price**-p.elasticity
            assert x[0, 0] == pytest.approx(tokens, rel=1e-12)
            assert pay[0, 0] == pytest.approx(tokens * price + fixed, rel=1e-12)
            if p.form == LOG:  # CS below the choke price v = theta e^(gamma G), at epsilon = 1
                effort = p.tier_share[tau] * (1 - h) * opts.integration_usd[o]
                cs = X * (np.log(dev.value_per_mtok[3]) + p.gamma * G - np.log(price))
                assert value[0, 0] == pytest.approx(cs + tokens * price - effort, rel=1e-9)
                assert index[0, 0] == pytest.approx(cs - fixed - effort, rel=1e-9)
            else:
                w = X * dev.value_per_mtok[3]
                assert value[0, 0] == pytest.approx(w * (G - (1 - h) * opts.integration[o]), rel=1e-12)


def test_log_surplus_is_the_area_under_the_demand_curve():
    """Roy's identity: at epsilon = 1, m ln(v / p) = integral of m / t from p to v; for other
    epsilon the outcome's CS is the same integral of X t^-epsilon."""
    from scipy.integrate import quad

    v, p_ = 7.0, 0.8
    for eps in (1.0, 0.5, 1.4):
        area = quad(lambda t, eps=eps: 2.0 * t**-eps, p_, v)[0]
        if eps == 1.0:
            assert 2.0 * np.log(v / p_) == pytest.approx(area)
        else:
            assert 2.0 * (v ** (1 - eps) - p_ ** (1 - eps)) / (1 - eps) == pytest.approx(area)


def test_switching_costs_by_kind(market):
    m = market
    opts, p = m.options, m.choice_params()
    onboarding, open_to_open, closed_exit, other = p.switching
    closed = np.flatnonzero(opts.closed)[0]
    open_ = np.flatnonzero(opts.available & opts.open)
    ids = np.array([closed, open_[0], open_[1]])
    s = switching_cost(np.array([-1, closed, open_[0]]), ids, opts, p)
    assert (s[0] == onboarding).all()
    assert s[1, 0] == 0 and s[1, 1] == closed_exit and s[1, 2] == closed_exit  # C2
    assert s[2, 1] == 0 and s[2, 2] == open_to_open and s[2, 0] == other  # C13
    saved = opts.available[closed]
    opts.available[closed] = False  # deprecated or exited: leaving it still costs the closed exit (C2)
    assert (switching_cost(np.array([closed]), open_[:2], opts, p) == closed_exit).all()
    opts.available[closed] = saved


def test_privacy_bound_developers_never_use_closed_apis(small):
    m = model_after(small.with_overrides({"developers.privacy_share": 0.5}), 12)
    dev, opts = m.developers, m.options
    on = (dev.option >= 0) & dev.privacy_bound[:, None]
    assert on.sum() > 100
    assert not opts.closed[dev.option[on]].any()  # C3
    assert (dev.option[~dev.privacy_bound] >= 0).any()


def test_developers_only_use_vendors_they_know(small):
    m = model_after(small, 12)
    dev, opts = m.developers, m.options
    i, tau = np.nonzero(dev.option >= 0)
    assert dev.aware[i, opts.vendor[dev.option[i, tau]]].all()


def test_compiled_utilities_equal_the_array_definition(market):
    m = market
    dev, opts, p = m.developers, m.options, m.choice_params()
    idx = np.flatnonzero(dev.entry_month <= m.month)
    ids = np.flatnonzero(opts.available)
    for tau in range(dev.tiers):
        reference = evaluate(dev, idx, opts, p, ids, tau).utility
        assert np.isinf(reference).any() and np.isfinite(reference).any()
        assert (dev.option[idx, tau] < 0).any() and (dev.option[idx, tau] >= 0).any()
        np.testing.assert_allclose(choice.utilities(dev, idx, opts, p, ids, tau), reference, rtol=1e-12, atol=1e-9)


def test_compiled_own_outcome_equals_the_array_definition(market):
    m = market
    dev, opts, p = m.developers, m.options, m.choice_params()
    i, tau, o, value, payment, tokens = choice.own_outcome(dev, opts, p)
    assert (opts.mode[o] == SELF).any() and (opts.mode[o] == HOST).any() and (opts.mode[o] == VENDOR).any()
    for t in range(dev.tiers):
        rows = tau == t
        v, pay, x, _ = outcome(dev, i[rows], t, opts, p, o[rows][:, None])
        np.testing.assert_allclose(value[rows], v[:, 0], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(payment[rows], pay[:, 0], rtol=1e-12)
        np.testing.assert_allclose(tokens[rows], x[:, 0], rtol=1e-12)


def test_compiled_choice_is_the_argmax_without_noise_and_pays_its_switching_cost(market):
    m = market
    dev, opts = m.developers, m.options
    p = dataclasses.replace(m.choice_params(), noise=1e-9, outside_option=False)
    idx = np.flatnonzero(dev.entry_month <= m.month)
    ids = np.flatnonzero(opts.available)
    u = evaluate(dev, idx, opts, p, ids, 1)
    chosen, switching = choice.choose(dev, idx, 1, opts, p, np.random.default_rng(0))
    best = np.argmax(u.utility, axis=1)
    best_u = u.utility[np.arange(idx.size), best]
    assert np.isinf(best_u).any()  # some know no option they may use: they choose none
    np.testing.assert_array_equal(chosen, np.where(np.isfinite(best_u), ids[best], -1))
    np.testing.assert_allclose(switching, np.where(np.isfinite(best_u), u.switching[np.arange(idx.size), best], 0))
    p = dataclasses.replace(p, outside_option=True)
    with_outside, _ = choice.choose(dev, idx, 1, opts, p, np.random.default_rng(0))
    np.testing.assert_array_equal(with_outside, np.where(best_u > 0, ids[best], -1))


def nested_logit_by_hand(z: np.ndarray, nests: np.ndarray, rho: float, outside: bool) -> np.ndarray:
    """P_o = (e_o / D_g) D_g^(1 - rho) / ([outside] + sum_h D_h^(1 - rho)), e = exp(z / (1 - rho))."""
    e = np.exp(z / (1 - rho))
    D = {g: e[nests == g].sum() for g in set(nests.tolist())}
    total = float(outside) + sum(d ** (1 - rho) for d in D.values())
    return np.array([e[k] / D[g] * D[g] ** (1 - rho) / total for k, g in enumerate(nests)])


def test_nested_logit_probabilities_by_hand():
    ids = np.arange(5)
    opts = SimpleNamespace(nest=np.array([0, 0, 1, 1, 2]))
    z = np.array([[0.3, -0.2, 1.0, 0.9, -1.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    for rho in (0.0, 0.5, 0.95):
        u = SimpleNamespace(utility=z * 2.0, sigma=np.array([2.0, 2.0]), ids=ids)
        prob = choice_probabilities(u, opts, SimpleNamespace(rho=rho, outside_option=True))
        for r in range(2):
            np.testing.assert_allclose(prob[r], nested_logit_by_hand(z[r], opts.nest, rho, True), rtol=1e-12)
    # rho -> 1: the nest's best member takes (almost) all of the nest's share
    prob = choice_probabilities(u, opts, SimpleNamespace(rho=0.999, outside_option=False))[0]
    assert prob[2] > 0.99 * (prob[2] + prob[3])
    assert prob.sum() == pytest.approx(1.0)


def test_compiled_choice_frequencies_are_the_nested_logit_probabilities(market):
    m = market
    dev, opts, p = m.developers, m.options, m.choice_params()
    assert p.rho > 0.5  # the default nests providers of the same weights
    i = np.flatnonzero(dev.entry_month <= m.month)[:20]
    ids = np.flatnonzero(opts.available)
    draws = 4000
    for tau in (0, 2):
        prob = choice_probabilities(evaluate(dev, i, opts, p, ids, tau), opts, p)
        chosen, _ = choice.choose(dev, np.repeat(i, draws), tau, opts, p, np.random.default_rng(3 + tau))
        chosen = chosen.reshape(i.size, draws)
        freq = np.stack([(chosen == o).mean(axis=1) for o in ids], axis=1)
        outside = (chosen == -1).mean(axis=1)
        assert 0.05 < prob.max(axis=1).mean() < 0.95  # noisy enough to test the noise
        se = np.sqrt(np.maximum(prob * (1 - prob), 1e-4) / draws)
        assert np.abs(freq - prob).max() < 5 * se.max()
        assert np.abs(outside - (1 - prob.sum(axis=1))).max() < 5 * se.max()
        assert (np.abs(freq - prob) < 3 * se).mean() > 0.98


def test_awareness_spreads_bass_style_to_active_unaware_developers_of_offering_vendors_only():
    n = 40_000
    active = np.arange(n) < 3 * n // 4
    option = np.full((n, 2), -1, np.int32)
    option[: n // 8, 0] = 0  # a quarter on vendor 0's option, in one tier or both
    option[n // 8 : n // 4, 1] = 0
    option[: n // 16, 1] = 0
    aware = np.zeros((n, 3), bool)
    aware[: n // 2, 0] = True
    dev = SimpleNamespace(entry_month=np.where(active, 0, 5).astype(np.int32), option=option, aware=aware)
    opts = SimpleNamespace(vendor=np.array([0, 1, 2]), available=np.array([True, True, False]))
    before = aware.copy()
    learned = choice.spread_awareness(dev, 0, opts, 0.1, 0.4, np.random.default_rng(1))
    assert not aware[~active].any() and not learned[~active].any()
    assert not aware[:, 2].any()  # vendor 2 offers nothing this month
    fresh = active & (np.arange(n) >= n // 2)  # active and unaware of vendor 0
    adopting_share = (n // 4) / (3 * n // 4)  # developers, not (developer, tier) units
    assert abs(aware[fresh, 0].mean() - (0.1 + 0.4 * adopting_share)) < 0.02  # p + q a_v
    assert abs(aware[active, 1].mean() - 0.1) < 0.01  # nobody on vendor 1: p alone
    np.testing.assert_array_equal(learned, (aware & ~before).any(axis=1))


def test_lock_in_shock_raises_closed_penalty_and_decays(small):
    shocked = small.with_overrides(
        {"shocks": [{"month": 2, "vendor": "openai", "kind": "terms_change"}], "lock_in.memory_months": 6.0}
    )
    m = model_after(shocked, 3)
    assert m.shock_memory == pytest.approx(1.0)
    assert m.choice_params().lockin_multiplier == pytest.approx(1 + shocked.get("lock_in.shock_boost"))
    m.step()
    assert m.shock_memory == pytest.approx(np.exp(-1 / 6))
    i = np.arange(50)
    ids = np.flatnonzero(m.options.available)
    u = evaluate(m.developers, i, m.options, m.choice_params(), ids)
    m._params = None
    m.shock_memory = 0.0
    u0 = evaluate(m.developers, i, m.options, m.choice_params(), ids)
    closed = m.options.closed[ids]
    finite = np.isfinite(u.utility)
    diff = np.where(finite, u0.utility, 0.0) - np.where(finite, u.utility, 0.0)
    assert (diff[:, closed][finite[:, closed]] > 0).all()  # a fixed USD penalty on closed options only
    assert np.allclose(diff[:, ~closed], 0)


def test_price_hike_and_deprecation_shocks(small):
    base = run(small, seed=2).timeseries
    hiked = small.with_overrides(
        {"shocks": [{"month": 6, "vendor": "openai", "kind": "price_hike", "factor": 3.0, "duration_months": 4}]}
    )
    ts = run(hiked, seed=2).timeseries
    assert ts["price_openai"].iloc[6] > 2.0 * base["price_openai"].iloc[6]
    assert ts["share_openai"].iloc[9] < base["share_openai"].iloc[9]  # C2: users leave
    gone = small.with_overrides(
        {"shocks": [{"month": 6, "vendor": "openai", "kind": "deprecation", "duration_months": 3}]}
    )
    ts = run(gone, seed=2).timeseries
    assert ts["share_openai"].iloc[6:9].max() == 0.0
    assert ts["share_openai"].iloc[10] > 0.0


# -- pricing (C20, C22) --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["log", "linear"])
def test_best_markups_maximise_expected_profit_over_tiers_nests_and_volumes(small, form):
    eps = 1.0 if form == "log" else 0.0  # each form with the elasticity its surplus is exact for
    m = model_after(small.with_overrides({"market.price_form": form, "developers.price_elasticity": eps}), 10)
    dev, opts, p = m.developers, m.options, m.choice_params()
    ids = np.flatnonzero(opts.available)
    sample = np.flatnonzero(dev.entry_month <= m.month)[:300]
    sold = np.concatenate([opts.vendor_hosted(v.index) for v in m.vendors if v.vid in ("openai", "alibaba")])
    assert opts.open[sold].any() and (~opts.open[sold]).any()  # a closed API and an open service in a nest
    markups = best_response.best_markups(dev, sample, opts, p, sold)

    def profit(o, markup):
        saved = opts.price[o]
        opts.price[o] = opts.cost[o] + markup
        total = 0.0
        for tau in range(dev.tiers):
            prob = choice_probabilities(evaluate(dev, sample, opts, p, ids, tau), opts, p)
            _, _, x, _ = outcome(dev, sample, tau, opts, p, np.array([[o]]))
            total += markup * float(x[:, 0] @ prob[:, np.searchsorted(ids, o)])
        opts.price[o] = saved
        return total

    for o, m_star in zip(sold, markups, strict=True):
        grid = np.geomspace(0.2 * m_star, 5.0 * m_star, 61)
        best = grid[np.argmax([profit(o, x) for x in grid])]
        assert profit(o, m_star) >= profit(o, best) * (1 - 1e-9)
        assert m_star == pytest.approx(best, rel=0.06)


def test_log_form_markups_are_proportional_to_cost():
    """Log price: the Lerner index depends on shares only, so with shares fixed (no outside
    option) ten times the cost gives ten times the price; the linear form keeps markups in USD
    (the review's first point)."""

    def final_prices(cost, form):
        case = bertrand_case([1.0, 0.5], cost, 2.0, months=25, developers=800, price_form=form)
        ts = run(case.with_overrides({"market.outside_option": False}), seed=1).timeseries
        return ts[["price_v0", "price_v1"]].iloc[-1].to_numpy()

    low, high = final_prices([1.0, 2.0], "log"), final_prices([10.0, 20.0], "log")
    np.testing.assert_allclose(high, 10.0 * low, rtol=1e-6)
    low, high = final_prices([1.0, 1.0], "linear") - 1.0, final_prices([10.0, 10.0], "linear") - 10.0
    np.testing.assert_allclose(high, low, rtol=1e-6)  # linear: a tenfold cost leaves the USD markup as it was


def test_quality_premium_lets_a_closed_vendor_charge_more():
    case = bertrand_case([1.0, 1.0], [1.0, 1.0], 2.0, months=15, developers=500, price_form="log")
    base = run(case, seed=1).timeseries
    ts = run(case.with_overrides({"vendors.v0.quality_premium": 0.5}), seed=1).timeseries
    assert ts["price_v0"].iloc[-1] > base["price_v0"].iloc[-1] * 1.02  # C22
    assert ts["price_v0"].iloc[-1] > ts["price_v1"].iloc[-1]


def test_open_rival_compresses_closed_best_response_price():
    closed_only = bertrand_case([2.0, 1.5], [1.0, 1.0], 2.0, months=20, developers=1000, price_form="log")
    data = closed_only.to_dict()
    data["vendors"]["rival"] = {
        **data["vendors"]["v0"],
        "initial_capability": 1.5,
        "openness": "always_open",
        "pricing": {"strategy": "markup", "markup": 0.0},
    }
    with_open = run(Scenario(data), seed=1).timeseries
    base = run(closed_only, seed=1).timeseries
    assert with_open["share_open"].iloc[-1] > 0.1
    assert with_open["price_v0"].iloc[-1] < base["price_v0"].iloc[-1] * 0.97  # C20
    assert with_open["margin_closed"].iloc[-1] < base["margin_closed"].iloc[-1]


# -- options, hosts, self-hosting, tiers (C4, C12, C15, C19) --------------------------------------


def test_build_options_costs_rise_with_capability_and_hosts_share_the_weights_nest(small):
    m = model_after(small, 12)
    cfg = m.cfg
    sizes = cfg["sizes"]
    base = np.asarray(sizes["serving_cost_usd_per_mtok"]) * (1 - cfg["market"]["serving_cost_decline_per_year"]) ** (
        m.month / 12
    )
    b, ref = sizes["serving_cost_capability_elasticity"], np.asarray(sizes["serving_cost_reference_capability"])
    assert b > 0
    phi = np.full(len(m.vendors), 0.5)
    opts = build_options(m.vendors, cfg, m.month, phi)
    cut = 1 - cfg["community"]["serving_cost_reduction"] * 0.5
    checked = 0
    for v in m.vendors:
        for k in range(3):
            if not np.isnan(v.open_kappa[k]):
                host, self_ = option_id(v.index, k, HOST), option_id(v.index, k, SELF)
                assert v.open_cost_kappa[k] <= v.open_kappa[k]  # less the free knowledge at release
                c = base[k] * 10 ** (b * (v.open_cost_kappa[k] - ref[k])) * cut  # C5: community cuts open serving cost
                assert opts.cost[self_] == pytest.approx(c)
                assert opts.price[host] == pytest.approx(c * (1 + cfg["hosts"]["markup"]))
                assert opts.nest[host] == opts.nest[self_]  # the same weights: one nest
                checked += 1
            o = option_id(v.index, k, VENDOR)
            if opts.available[o] and not opts.open[o]:
                assert opts.cost[o] == pytest.approx(
                    base[k] * 10 ** (b * (v.released_cost_kappa[k] - ref[k])) * v.compute_cost_factor
                )
                assert opts.nest[o] != opts.nest[option_id(v.index, k, HOST)]  # closed weights are other weights
            if opts.available[o] and opts.open[o]:
                assert opts.nest[o] == opts.nest[option_id(v.index, k, HOST)]  # own service on own open weights
    assert checked > 3
    no_hosts = build_options(m.vendors, {**cfg, "hosts": {**cfg["hosts"], "enabled": False}}, m.month, phi)
    assert not no_hosts.available[no_hosts.mode == HOST].any()


def test_capability_gained_for_free_does_not_raise_serving_cost(small):
    """c(k, kappa - A^free_v, t) (docs/ODD.md 7.6): two releases of the same kappa, one of them with F
    kappa-units of free knowledge (community, spillover, usage learning), differ in serving cost by
    exactly 10^(-b F); with F = 0 they cost the same."""
    m = model_after(small, 12)
    cfg, gaps = m.cfg, np.asarray(m.cfg["sizes"]["capability_gap"])
    b = cfg["sizes"]["serving_cost_capability_elasticity"]
    phi = np.zeros(len(m.vendors))
    costs = []
    for free in (0.0, 0.0, 0.8):
        v = m.vendors[0]
        v.kappa, v.free_knowledge = 4.0, free
        v.release_family(m.month, [0, 1, 2], [True, True, True], gaps)
        assert v.open_cost_kappa == pytest.approx(4.0 - gaps - free)
        opts = build_options(m.vendors, cfg, m.month, phi)
        costs.append(opts.cost[[option_id(0, k, SELF) for k in range(3)]])
    assert costs[1] == pytest.approx(costs[0])
    assert costs[2] == pytest.approx(costs[0] * 10 ** (-b * 0.8))


def test_free_knowledge_is_what_community_spillover_and_learning_add(small):
    """A^free_v accumulates exactly the absorbed, spillover and usage-learning parts of dA_v: with all
    three switched off it stays 0 while research still moves kappa."""
    off = small.with_overrides({"community.strength": 0.0, "spillover.rate": 0.0, "rnd.usage_learning": 0.0})
    m = model_after(off, 12)
    assert all(v.free_knowledge == 0.0 for v in m.vendors)
    assert any(np.nanmax(v.released_kappa) > v.cfg["initial_capability"] for v in m.vendors if v.families)
    on = model_after(small.with_overrides({"spillover.rate": 0.2}), 24)
    assert any(v.free_knowledge > 0 for v in on.vendors)
    assert all(0.0 <= v.free_knowledge for v in on.vendors)


def test_hosts_off_means_no_host_revenue(small):
    ts = run(small.with_overrides({"hosts.enabled": False}), seed=1).timeseries
    assert (ts["revenue_host"] == 0).all()
    assert run(small, seed=1).timeseries["revenue_host"].iloc[-1] > 0  # C19


def test_inhouse_capability_decides_selfhost_vs_service(small):
    selfhosters, hosted_users = [], []
    for seed in (1, 2, 3):
        overrides = {
            "developers.privacy_share": 0.5,
            "penalties.integration_selfhost_usd_per_month": 100.0,
            "sizes.selfhost_fixed_usd_per_month": [10.0, 50.0, 200.0],
        }
        m = model_after(small.with_overrides(overrides), 18, seed)
        dev, opts = m.developers, m.options
        i, tau = np.nonzero(dev.option >= 0)
        o = dev.option[i, tau]
        selfhosters.append(dev.inhouse[i[opts.mode[o] == SELF]])
        hosted_users.append(dev.inhouse[i[opts.open[o] & (opts.mode[o] != SELF)]])
    a, b = np.concatenate(selfhosters), np.concatenate(hosted_users)
    assert a.size > 60 and b.size > 60
    se = np.sqrt(a.var() / a.size + b.var() / b.size)
    assert a.mean() - b.mean() > 3 * se  # C4, C12: in-house capability lowers the self-hosting effort


def test_size_needs_shape_size_choice(small):
    m = model_after(small, 12)
    dev, opts = m.developers, m.options
    i, tau = np.nonzero(dev.option >= 0)
    size = opts.size[dev.option[i, tau]]
    need = dev.size_need[i]
    for k in range(3):
        assert np.mean(size[need == k] == k) > np.mean(size[need != k] == k)  # C1, C15


def test_hard_tiers_go_to_more_capable_models_and_developers_multihome(small):
    m = model_after(small.with_overrides({"developers.count": 4000}), 18)  # ~300 developers on both tiers
    dev, opts = m.developers, m.options
    easy, hard = dev.option[:, 0], dev.option[:, -1]
    both = (easy >= 0) & (hard >= 0)
    assert both.sum() > 150  # enough (easy, hard) pairs for the comparison below
    assert opts.kappa[hard[both]].mean() > opts.kappa[easy[both]].mean()  # F10: routing by difficulty
    assert options_per_adopter(dev.option[dev.adopting()]) > 1.2


def test_options_per_adopter_counts_distinct_options():
    option = np.array([[3, 3, 3], [1, 2, -1], [4, -1, 5], [-1, -1, 7]])
    assert options_per_adopter(option) == pytest.approx((1 + 2 + 2 + 1) / 4)
    assert np.isnan(options_per_adopter(np.empty((0, 3), int)))


def test_cheaper_tokens_expand_usage_intensive_margin(small):
    """At epsilon = 1 a developer's tokens on an option are m / p: halving every serving cost
    raises total tokens, at epsilon = 0 volumes are fixed per option (C19)."""
    totals = {}
    for eps in (0.0, 1.0):
        for cost in (1.0, 0.5):
            scenario = small.with_overrides(
                {
                    "developers.price_elasticity": eps,
                    "sizes.serving_cost_usd_per_mtok": [0.4 * cost, 2.0 * cost, 10.0 * cost],
                }
            )
            totals[eps, cost] = run(scenario, seed=5).timeseries["tokens_mtok"].iloc[-6:].mean()
    assert totals[1.0, 0.5] > 1.6 * totals[1.0, 1.0]
    assert totals[0.0, 0.5] < 1.2 * totals[0.0, 1.0]


def test_quality_table_tiers_differ_only_by_requirement(small):
    m = model_after(small, 3)
    p = m.choice_params()
    G = quality_table(m.options, p)
    o = np.flatnonzero(m.options.available)[0]
    r = p.tier_requirement
    x = m.options.kappa[o] + m.options.premium[o]
    for tau in range(r.size):
        assert G[0, tau, o] == pytest.approx(
            capability_value(np.array([x - r[tau]]), p.saturation)[0] - p.size_mismatch * m.options.size[o]
        )


def test_best_response_inclusion_shortcut_decides_as_the_exact_test():
    """``best_response._buys`` decides by log-free bounds when they are clear of its threshold;
    it must give the exact log-probability test's answer, near the threshold too."""
    import math

    def exact(le, lr, shift, lo, rho, negligible=-25.0):
        if le == -np.inf or (lo == -np.inf and lr == -np.inf):
            return False
        ln_d = le if lr == -np.inf else max(le, lr) + math.log1p(math.exp(-abs(le - lr)))
        ln_w = shift + (1.0 - rho) * ln_d
        ln_tot = ln_w if lo == -np.inf else max(ln_w, lo) + math.log1p(math.exp(-abs(ln_w - lo)))
        return le - ln_d + ln_w - ln_tot > negligible

    rng = np.random.default_rng(7)
    cases = 0
    for _ in range(20_000):
        le, lr, shift, lo = rng.normal(0.0, 15.0, 4)
        rho = rng.choice([0.0, 0.5, 0.8, 0.99])
        lr = -np.inf if rng.random() < 0.3 else lr
        lo = -np.inf if rng.random() < 0.2 else lo
        if rng.random() < 0.3 and lr > -np.inf:  # near the threshold: le - lr about -25
            le = lr - 25.0 + rng.normal(0.0, 1e-3)
        near = abs(le - (lr if lr > -np.inf else le) + 25.0) < 0.01
        cases += near
        assert best_response._buys(le, lr, shift, lo, rho) == exact(le, lr, shift, lo, rho)
    assert cases > 1000


def test_quality_table_cache_follows_its_inputs(small):
    m = model_after(small, 3)
    opts, p = m.options, m.choice_params()
    first = choice._quality(opts, p)
    np.testing.assert_array_equal(first, quality_table(opts, p))
    changed = dataclasses.replace(opts, kappa=opts.kappa + 0.5)
    np.testing.assert_array_equal(choice._quality(changed, p), quality_table(changed, p))
    assert not np.array_equal(choice._quality(changed, p), first, equal_nan=True)
    harder = dataclasses.replace(p, tier_requirement=p.tier_requirement + 1.0)
    np.testing.assert_array_equal(choice._quality(opts, harder), quality_table(opts, harder))
