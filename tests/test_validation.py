"""The analytic limiting cases of MODEL.md, with answers computed independently here."""

import numpy as np
import pytest
from scipy.optimize import brentq, root

from market_sim import run
from market_sim.studies.validation.cases import bass_case, bertrand_case, homogeneous_case, leader_case, nested_case


def nash_prices(delta, cost, alpha):
    """Single-product logit-Bertrand-Nash: p_j = c_j + 1/(alpha (1 - s_j(p))) for all j at once."""
    delta, cost = np.asarray(delta, float), np.asarray(cost, float)

    def gap(p):
        e = np.exp(delta - alpha * p)
        s = e / (1.0 + e.sum())
        return p - cost - 1.0 / (alpha * (1.0 - s))

    sol = root(gap, cost + 1.0 / alpha, tol=1e-12)
    assert sol.success
    return sol.x


@pytest.mark.parametrize(
    "delta, cost, alpha",
    [
        ([1.0, 0.5], [1.0, 2.0], 1.0),
        ([2.0, 2.0, 2.0], [0.5, 0.5, 0.5], 2.0),
        ([3.0, 1.0, 0.0, -1.0], [1.0, 0.2, 0.5, 0.1], 0.5),
        ([4.0], [2.0], 1.5),
    ],
)
def test_bertrand_case_ends_at_nash_prices(delta, cost, alpha):
    ts = run(bertrand_case(delta, cost, alpha, months=30, developers=2000), seed=3).timeseries
    simulated = np.array([ts[f"price_v{j}"].iloc[-1] for j in range(len(delta))])
    np.testing.assert_allclose(simulated, nash_prices(delta, cost, alpha), rtol=0.01)


def log_nash_prices(delta, cost, alpha):
    """Log-price logit, u_j = delta_j - alpha ln p_j: (p_j - c_j) / p_j = 1 / (alpha (1 - s_j)), in ln p."""
    delta, cost = np.asarray(delta, float), np.asarray(cost, float)

    def gap(lp):
        p = np.exp(lp)
        e = np.exp(delta - alpha * lp)
        s = e / (1.0 + e.sum())
        return (p - cost) / p - 1.0 / (alpha * (1.0 - s))

    sol = root(gap, np.log(2.0 * cost), tol=1e-12)
    assert sol.success
    return np.exp(sol.x)


@pytest.mark.parametrize(
    "delta, cost, alpha",
    [
        ([1.0, 0.5], [1.0, 2.0], 2.0),
        ([2.0, 2.0, 2.0], [0.5, 0.5, 0.5], 3.0),
        ([3.0, 1.0, 0.0, -1.0], [10.0, 2.0, 5.0, 1.0], 1.8),
        ([4.0], [0.02], 1.5),
    ],
)
def test_log_bertrand_case_ends_at_proportional_nash_markups(delta, cost, alpha):
    ts = run(bertrand_case(delta, cost, alpha, months=30, developers=2000, price_form="log"), seed=3).timeseries
    simulated = np.array([ts[f"price_v{j}"].iloc[-1] for j in range(len(delta))])
    np.testing.assert_allclose(simulated, log_nash_prices(delta, cost, alpha), rtol=0.01)
    # the Lerner index against the realised shares (unit demand: s_j = adopting share x token share)
    adopting = (ts["developers_adopting"] / ts["developers"]).iloc[-10:].mean()
    shares = np.array([ts[f"share_v{j}"].iloc[-10:].mean() for j in range(len(delta))]) * adopting
    lerner = (simulated - np.asarray(cost)) / simulated
    np.testing.assert_allclose(lerner, 1.0 / (alpha * (1.0 - shares)), rtol=0.05)


def nested_nash_prices(delta, cost, alpha, nests, sigma):
    """Nested logit, single-product firms: p_j = c_j + (1 - sigma) / (alpha (1 - sigma s_j|g - (1 - sigma) s_j))."""
    delta, cost, nests = np.asarray(delta, float), np.asarray(cost, float), np.asarray(nests)

    def shares(p):
        e = np.exp((delta - alpha * p) / (1 - sigma))
        D = np.array([e[nests == g].sum() for g in nests])
        cond = e / D
        total = 1.0 + sum(e[nests == g].sum() ** (1 - sigma) for g in np.unique(nests))
        return cond * D ** (1 - sigma) / total, cond

    def gap(p):
        s, cond = shares(p)
        return p - cost - (1 - sigma) / (alpha * (1 - sigma * cond - (1 - sigma) * s))

    sol = root(gap, cost + 1.0 / alpha, tol=1e-12)
    assert sol.success
    return sol.x


@pytest.mark.parametrize(
    "delta, cost, alpha, nests, sigma",
    [
        ([1.0, 0.5, 0.0], [1.0, 2.0, 1.5], 1.0, [0, 0, 1], 0.5),
        ([2.0, 2.0, 1.0, 1.0], [0.5, 0.5, 0.2, 0.2], 2.0, [0, 0, 1, 1], 0.8),
        ([1.0, 1.5], [1.0, 1.0], 1.0, [0, 0], 0.0),
        ([3.0, 2.0, 2.0], [1.0, 0.5, 0.6], 0.7, [0, 1, 1], 0.3),
    ],
)
def test_nested_case_ends_at_nested_logit_nash_prices(delta, cost, alpha, nests, sigma):
    ts = run(nested_case(delta, cost, alpha, nests, sigma, months=30, developers=2000), seed=3).timeseries
    simulated = np.array([ts[f"price_v{j}"].iloc[-1] for j in range(len(delta))])
    np.testing.assert_allclose(simulated, nested_nash_prices(delta, cost, alpha, nests, sigma), rtol=0.01)


@pytest.mark.parametrize("host_cost, host_markup", [(1.0, 0.2), (2.0, 0.1), (0.5, 1.0)])
def test_homogeneous_goods_price_at_the_cheaper_providers_price(host_cost, host_markup):
    """Bertrand: with the hosts' price above the vendor's cost, the vendor's service on the same
    weights (nest parameter near 1) prices within a few percent of the hosts' price; without
    hosts it would price far above it."""
    hosts_price = host_cost * (1 + host_markup)
    case = homogeneous_case(vendor_cost=0.4 * host_cost, host_cost=host_cost, host_markup=host_markup, developers=2000)
    price = run(case, seed=2).timeseries["price_v0"].iloc[-1]
    assert price == pytest.approx(hosts_price, rel=0.03)
    alone = run(case.with_overrides({"hosts.enabled": False}), seed=2).timeseries["price_v0"].iloc[-1]
    assert alone > 1.2 * hosts_price  # the hosts bind: alone the vendor would charge its logit markup


def test_bertrand_shares_match_logit_at_nash():
    delta, cost, alpha = [1.5, 0.5], [1.0, 0.5], 1.0
    ts = run(bertrand_case(delta, cost, alpha, months=20, developers=20_000), seed=1).timeseries
    p = nash_prices(delta, cost, alpha)
    e = np.exp(np.asarray(delta) - alpha * p)
    prob = e / (1 + e.sum())
    last = ts.iloc[-5:]
    adopting = last["developers_adopting"].mean() / last["developers"].mean()
    assert adopting == pytest.approx(prob.sum(), abs=0.01)
    assert last["share_v0"].mean() == pytest.approx(prob[0] / prob.sum(), abs=0.01)


def bass_recursion(p, q, months):
    F = [0.0]
    for _ in range(months):
        F.append(F[-1] + (p + q * F[-1]) * (1 - F[-1]))
    return np.array(F[1:])


# (p, q) per month: F7's literature values as monthly rates, the default (0.02, 0.6), pure
# innovation. With p far smaller (e.g. 0.002) the first months' sampling noise at 20,000
# developers shifts the whole curve in time by more than 0.02 at its steepest point.
@pytest.mark.parametrize("p, q", [(0.03, 0.38), (0.01, 0.5), (0.1, 0.0), (0.02, 0.6)])
def test_bass_case_follows_discrete_bass(p, q):
    months = 36
    curves = []
    for seed in (1, 2, 3):  # the mean of three seeds: the first months' noise shifts a single curve in time
        ts = run(bass_case(p, q, developers=20_000, months=months), seed=seed).timeseries
        curves.append((ts["developers_adopting"] / ts["developers"]).to_numpy())
    assert np.max(np.abs(np.mean(curves, axis=0) - bass_recursion(p, q, months))) < 0.02


def test_bass_discrete_form_close_to_continuous_for_small_rates():
    p, q, months = 0.01, 0.1, 36
    t = np.arange(1, months + 1)
    continuous = (1 - np.exp(-(p + q) * t)) / (1 + (q / p) * np.exp(-(p + q) * t))
    ts = run(bass_case(p, q, developers=20_000, months=months), seed=2).timeseries
    # the two forms differ by up to 0.017 at these rates; the rest is sampling noise
    assert np.max(np.abs(bass_recursion(p, q, months) - continuous)) < 0.02
    assert np.max(np.abs(ts["developers_adopting"] / ts["developers"] - continuous)) < 0.03


def leader_nash_shares(k_inc, k_riv, alpha):
    """Incumbent prices at zero cost against a free rival: p = 1/(alpha (1 - s_I(p)))."""

    def gap(p):
        e_i, e_r = np.exp(k_inc - alpha * p), np.exp(k_riv)
        return p - 1.0 / (alpha * (1.0 - e_i / (1 + e_i + e_r)))

    p = brentq(gap, 1e-9, 100.0 / alpha)
    e_i, e_r = np.exp(k_inc - alpha * p), np.exp(k_riv)
    return e_i / (1 + e_i + e_r), e_r / (1 + e_i + e_r)


@pytest.mark.parametrize("advantage, learning", [(2.0, 0.05), (2.5, 0.1), (3.0, 0.02)])
def test_leader_persists_when_its_nash_share_is_larger(advantage, learning):
    s_inc, s_riv = leader_nash_shares(advantage, 0.0, 1.0)
    assert s_inc > s_riv  # the analytic premise of persistence
    ts = run(leader_case(advantage, learning, months=60, developers=20_000), seed=4).timeseries
    assert (ts["share_incumbent"] > ts["share_rival"]).all()
    lead = ts["capability_incumbent"] - ts["capability_rival"]
    assert lead.iloc[-1] >= lead.iloc[0] - 1e-9
    # the final shares are the logit-Nash shares at the final capabilities
    s_inc, s_riv = leader_nash_shares(ts["capability_incumbent"].iloc[-1], ts["capability_rival"].iloc[-1], 1.0)
    assert ts["share_incumbent"].iloc[-1] == pytest.approx(s_inc / (s_inc + s_riv), abs=0.02)


def test_rival_overtakes_when_incumbent_nash_share_is_smaller():
    s_inc, s_riv = leader_nash_shares(0.5, 0.0, 1.0)
    assert s_inc < s_riv
    ts = run(leader_case(0.5, 0.05, months=60, developers=20_000), seed=4).timeseries
    assert ts["share_rival"].iloc[-1] > ts["share_incumbent"].iloc[-1]
    assert ts["capability_rival"].iloc[-1] > ts["capability_incumbent"].iloc[-1]


def test_case_arguments_are_checked():
    with pytest.raises(ValueError, match="one entry per vendor"):
        bertrand_case([1.0, 2.0], [1.0], 1.0)
    with pytest.raises(ValueError, match="alpha"):
        bertrand_case([1.0], [1.0], 0.0)
