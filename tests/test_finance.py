"""Vendor finance and industry dynamics (docs/ODD.md 7.3, 7.11, 7.13): training is compute,
committed spending, funding rounds, exit and entry. Each test is written from the equations of
:mod:`market_sim.market.finance`, :mod:`market_sim.strategies.rnd` and :mod:`market_sim.market.entry`
and fails if the mechanism it names is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from market_sim import MarketModel, Scenario
from market_sim.errors import ScenarioError
from market_sim.market import finance
from market_sim.market.options import HOST, SELF, VENDOR
from market_sim.strategies.base import RndContext
from market_sim.strategies.rnd import Committed

SMALL = {
    "developers.count": 600,
    "researchers.count": 300,
    "market.demand_sample": 200,
    "run.months": 18,
}
RICH = {f"vendors.{v}.cash_usd": 1e14 for v in Scenario.default().vendor_ids}  # never off the plan


def small(**overrides) -> Scenario:
    return Scenario.default().with_overrides({**SMALL, **overrides})


def stepped(scenario: Scenario, months: int | None = None, seed: int = 1) -> MarketModel:
    model = MarketModel(scenario, seed=seed)
    for _ in range(months if months is not None else scenario.months):
        model.step()
    return model


def vendor(model: MarketModel, vid: str):
    return next(v for v in model.vendors if v.vid == vid)


# -- training is compute (C17, C24) -------------------------------------------------------------


def test_training_bill_does_not_depend_on_capability_gained_for_free():
    """Same compute plan, community on vs off: the same training bill, though capabilities differ."""
    on = stepped(small(**RICH, **{"community.strength": 3.0, "spillover.rate": 0.3})).timeseries()
    off = stepped(small(**RICH, **{"community.strength": 0.0, "spillover.rate": 0.0})).timeseries()
    for v in Scenario.default().vendor_ids:
        np.testing.assert_allclose(on[f"training_cost_{v}"], off[f"training_cost_{v}"], rtol=1e-12, err_msg=v)
    gained = max((on[f"capability_{v}"] - off[f"capability_{v}"]).max() for v in Scenario.default().vendor_ids)
    assert gained > 0.2  # the switches did change capability


def test_training_is_the_final_run_share_of_committed_compute_paid_when_due():
    """Month t < H: compute + training = X0 G^(t/12); training = phi of it; a family costs the
    final-run compute paid since the previous release (reimplementation compute, 7.14, is off here:
    tests/test_channels.py holds it to its equation)."""
    scenario = small(**RICH, **{"community.reimplementation_cost_share": 0.0})
    cfg = scenario.to_dict()
    phi, g = cfg["training"]["final_run_share"], cfg["training"]["growth_per_year"]
    model = MarketModel(scenario, seed=3)
    paid = {v.vid: [] for v in model.vendors}
    for t in range(scenario.months):
        model.step()
        for v in model.vendors:
            if v.exited:
                continue
            rnd = v.cfg["rnd"]
            total = v.ledger.compute + v.ledger.training
            expected = rnd["compute_usd_per_month"] * g ** ((t - v.entry_month) / 12.0)
            assert total == pytest.approx(expected, rel=1e-12), (v.vid, t)
            assert v.ledger.training == pytest.approx(phi * total, rel=1e-12)
            paid[v.vid].append((t, v.ledger.training))
    for v in model.vendors:
        months = [f.month for f in v.families]
        for prev, fam in zip([None, *months], v.families, strict=False):
            booked = sum(x for t, x in paid[v.vid] if (prev is None or t > prev) and t <= fam.month)
            assert fam.training_cost_usd == pytest.approx(booked, rel=1e-9), (v.vid, fam.month)


def test_meta_training_bill_does_not_depend_on_openness():
    """C24: openness changes revenue, never the price of the compute Meta committed."""
    a = stepped(small(**RICH, **{"vendors.meta.openness": "always_open"}), seed=2).timeseries()
    b = stepped(small(**RICH, **{"vendors.meta.openness": "always_closed"}), seed=2).timeseries()
    np.testing.assert_allclose(a["training_cost_meta"], b["training_cost_meta"], rtol=1e-12)
    assert (a["revenue_complement"] != b["revenue_complement"]).any()


# -- committed spending ---------------------------------------------------------------------------


def ctx(**kw) -> RndContext:
    base = dict(cash_usd=0.0, revenue_usd_per_month=0.0, month=0, frontier_growth_per_year=2.0)
    return RndContext(**{**base, **kw})


def test_committed_strategy_plans_spreads_its_room_or_falls_back():
    s = Committed(compute_usd_per_month=10.0, relative_growth=1.0, commitment_months=12, fallback_share_of_revenue=0.5)
    plan = 10.0 * 2.0 ** (24 / 12)  # X(t + H) at t = 12
    assert s.initial_commitments(2.0) == pytest.approx([10.0 * 2.0 ** (m / 12) for m in range(12)])
    # room = cash + fundable + H (revenue - serving - payroll) - committed
    assert s.compute_spend(ctx(month=12, cash_usd=plan + 100.0, committed_usd=100.0)) == pytest.approx(plan)
    assert s.compute_spend(ctx(month=12, fundable_usd=plan + 100.0, committed_usd=100.0)) == pytest.approx(plan)
    # off plan: the room spread over the horizon (room = plan - 1 here), whatever it committed last
    for last in (30.0, 2.0):
        short = ctx(month=12, cash_usd=plan + 99.0, committed_usd=100.0, last_commitment_usd=last)
        assert s.compute_spend(short) == pytest.approx((plan - 1.0) / 12)
    fallback = ctx(
        month=12,
        cash_usd=10.0,
        revenue_usd_per_month=20.0,
        serving_cost_usd_per_month=4.0,
        payroll_usd_per_month=6.0,
        committed_usd=200.0,
        last_commitment_usd=30.0,
    )
    assert s.compute_spend(fallback) == pytest.approx(0.5 * (20.0 - 4.0 - 6.0))
    assert s.compute_spend(ctx(month=12, committed_usd=200.0, last_commitment_usd=30.0)) == 0.0  # no cash flow


def test_commitments_are_paid_whatever_the_cash_and_payroll_does_not_shrink_with_it():
    """A vendor short of cash still pays its contracted compute and its staff (no layoffs)."""
    over = {"vendors.openai.cash_usd": 1e8, "vendors.openai.funding_usd": 0.0}
    model = MarketModel(small(**over), seed=4)
    openai = vendor(model, "openai")
    g = model.cfg["training"]["growth_per_year"]
    x0 = openai.cfg["rnd"]["compute_usd_per_month"]
    heads = []
    for t in range(model.months):
        model.step()
        if openai.exited:
            break
        assert openai.ledger.compute + openai.ledger.training == pytest.approx(x0 * g ** (t / 12.0), rel=1e-12)
        heads.append(model.records[-1]["researchers_openai"])
    assert openai.exited, "OpenAI with $100M and no funding cannot pay its contracts"
    assert heads and min(heads) >= heads[0] * 0.9  # turnover only, no layoffs as cash ran out


# -- funding rounds -------------------------------------------------------------------------------


def test_expected_value_and_round_size_follow_the_rule():
    model = stepped(small(), months=15, seed=6)
    fcfg = model.cfg["funding"]
    live = [v for v in model.vendors if not v.exited]
    top = max(v.kappa for v in live)
    weights = {v.vid: 10.0 ** (v.kappa - top) for v in live}
    market = sum(v.last_ledger.revenue_model for v in live)
    for v in live:
        revenue = v.last_ledger.revenue_model + v.last_ledger.revenue_complement
        hist = v.revenue_history
        g = float(np.clip(hist[-1] / hist[-13] - 1.0, 0.0, 3.0)) if len(hist) >= 13 and hist[-13] > 0 else 0.0
        pi = weights[v.vid] / sum(weights.values())
        value = fcfg["revenue_multiple"] * 12.0 * ((1.0 + g) * max(revenue, 0.0) + pi * market)
        assert finance.expected_value(model, v) == pytest.approx(value, rel=1e-12), v.vid
        burn = finance.burn_usd(v)
        size = min(v.funding_left_usd, fcfg["max_dilution"] * value, fcfg["round_months"] * burn)
        assert finance.round_size(model, v) == pytest.approx(max(size, 0.0), rel=1e-12, abs=1e-6), v.vid


def test_funding_never_exceeds_the_cap_and_zero_cap_means_none():
    over = {"vendors.anthropic.funding_usd": 2e9, "vendors.openai.funding_usd": 0.0, "run.months": 36}
    model = stepped(small(**over), seed=7)
    ts = model.timeseries()
    assert ts["funding_openai"].sum() == 0.0
    assert 0 < ts["funding_anthropic"].sum() <= 2e9 + 1e-3
    rounds = ts.index[ts["funding_anthropic"] > 0]
    gaps = np.diff(rounds)
    assert (gaps >= model.cfg["funding"]["min_months_between_rounds"]).all() or len(rounds) <= 1


def test_a_bridge_is_all_or_nothing():
    model = stepped(small(), months=13, seed=8)
    v = vendor(model, "mistral")
    cash, left = v.cash_usd, v.funding_left_usd
    too_much = finance.fundable_usd(model, v) * 2 + 1.0
    assert finance.bridge(model, v, too_much) == 0.0
    assert (v.cash_usd, v.funding_left_usd) == (cash, left)


# -- exit (C21) -----------------------------------------------------------------------------------


def test_exit_withdraws_the_api_releases_researchers_and_keeps_open_weights_and_money():
    poor = small(
        **{
            "vendors.mistral.cash_usd": 2e7,
            "vendors.mistral.funding_usd": 0.0,
            "vendors.mistral.first_release_month": 0,
            "vendors.mistral.openness": "always_open",
            "vendors.mistral.initial_awareness": 1.0,
        }
    )
    model = MarketModel(poor, seed=9)
    mistral = vendor(model, "mistral")
    before = []
    for _ in range(model.months):
        cash0, gone0 = mistral.cash_usd, mistral.exited
        model.step()
        if gone0:
            assert mistral.cash_usd == cash0  # books closed
        else:
            assert mistral.cash_usd == pytest.approx(cash0 + mistral.ledger.profit + mistral.ledger.funding)
        before.append(mistral.exited)
    assert mistral.exited and mistral.exit_month is not None
    opts = model.options
    mine = opts.vendor == mistral.index
    assert not opts.available[mine & (opts.mode == VENDOR)].any()  # API withdrawn
    assert opts.available[mine & (opts.mode == HOST)].any() and opts.available[mine & (opts.mode == SELF)].any()
    on = model.developers.option[model.developers.option >= 0]
    assert not np.isin(on, np.flatnonzero(mine & (opts.mode == VENDOR))).any()  # its users chose again
    assert not (model.researchers.employer == mistral.index).any()  # researchers back on the market
    ts = model.timeseries()
    assert ts["exits"].iloc[-1] == 1 and ts["exits"].is_monotonic_increasing
    assert (
        ts["vendors_active"] + ts["exits"] == ts["vendors_active"].iloc[0] + ts["entries"] - ts["entries"].iloc[0]
    ).all()
    assert mistral.commitments == []  # outstanding contracts lapse


# -- entry (C16, C17) -----------------------------------------------------------------------------

ONE_ENTRANT = """
[[entrants]]
id = "newco"
month = 5
cash_usd = 5e9
initial_capability = 4.5
initial_researchers = 100
initial_awareness = 0.3
first_release_month = 5
openness = "always_closed"
pricing = "best_response"
hiring = "planned"
rnd = { strategy = "committed", compute_usd_per_month = 1e8 }
[run]
months = 12
[developers]
count = 600
[researchers]
count = 300
[market]
demand_sample = 200
"""


def test_a_scheduled_entrant_enters_at_its_month():
    scenario = Scenario.from_toml(ONE_ENTRANT)
    assert scenario.vendor_ids[-1] == "newco" and "deepseek" not in scenario.vendor_ids  # replaces the default's
    model = MarketModel(scenario, seed=10)
    ts = model.run()
    at = 5
    assert (ts["entries"].iloc[:at] == 0).all() and (ts["entries"].iloc[at:] == 1).all()
    assert ts["vendors_active"].iloc[at] == ts["vendors_active"].iloc[at - 1] + 1
    pre = ts.iloc[:at]
    assert (pre[["share_newco", "revenue_newco", "training_cost_newco", "researchers_newco"]] == 0).all().all()
    assert pre["price_newco"].isna().all()
    post = ts.iloc[at:]
    assert (post["researchers_newco"] > 0).all() and (post["training_cost_newco"] > 0).all()
    assert post["price_newco"].notna().all() and (post["share_newco"] > 0).any() and (post["revenue_newco"] > 0).any()
    newco = vendor(model, "newco")
    assert newco.families[0].month == at


def test_entrants_validate_with_one_line_errors():
    cases = {
        'entrants = [{ id = "Bad", month = 1 }]': "entrants[0].id",
        'entrants = [{ id = "meta", month = 1 }]': "entrants[0].id",
        'entrants = [{ id = "newco", month = -1 }]': "entrants[0].month",
        'entrants = [{ id = "newco" }]': "entrants[0].month",
        'entrants = [{ id = "newco", month = 1, cash = 1 }]': "entrants[0].cash",
        'entrants = [{ id = "newco", month = 1, entry_month = 1 }]': "entrants[0].entry_month",
        'entrants = [{ id = "newco", month = 1, rnd = "nope" }]': "entrants[0].rnd",
        'entrants = [{ id = "newco", month = 1, entry_rule = "maybe" }]': "entrants[0].entry_rule",
        'entrants = { id = "newco" }': "entrants",
        "[funding]\nmax_dilution = 2.0": "funding.max_dilution",
        "[training]\nfinal_run_share = -0.1": "training.final_run_share",
    }
    for text, key in cases.items():
        with pytest.raises(ScenarioError) as err:
            Scenario.from_toml(text)
        message = str(err.value)
        assert key in message and "\n" not in message, (text, message)


def test_the_value_rule_enters_in_the_first_month_whose_value_covers_the_sunk_cost():
    """entry_rule = "value": enter at the first t >= month with m 12 pi_e M >= S_e (the contracts)."""
    base = ONE_ENTRANT.replace("\nmonth = 5\n", '\nmonth = 2\nentry_rule = "value"\n')

    def values(x0: float) -> tuple[list[float], list[bool], float]:
        model = MarketModel(Scenario.from_toml(base.replace("1e8 }", f"{x0} }}")), seed=11)
        newco = vendor(model, "newco")
        fcfg, seen, inside = model.cfg["funding"], [], []
        for _ in range(model.months):
            live = [u for u in model.vendors if not u.exited]  # ledgers of month t - 1, before the step
            top = max([u.kappa for u in live] + [newco.kappa])
            w = sum(10.0 ** (u.kappa - top) for u in live) + 10.0 ** (newco.kappa - top)
            market = sum(u.ledger.revenue_model for u in live)
            seen.append(fcfg["revenue_multiple"] * 12.0 * 10.0 ** (newco.kappa - top) / w * market)
            model.step()
            inside.append(newco.entered)
        g = model.cfg["training"]["growth_per_year"]
        return seen, inside, sum(x0 * g ** (m / 12.0) for m in range(24))

    never, inside, _ = values(1e12)  # contracts worth more than any value: it stays out
    assert not any(inside)
    _, _, per_unit = values(1.0)
    target = 7
    x0 = never[target] / per_unit * 0.999  # S_e just below V_e of month 7 (V_e before entry is the same)
    seen, inside, sunk = values(x0)
    first = next(t for t in range(2, len(seen)) if seen[t] >= sunk)
    assert inside.index(True) == first and first >= 2
    assert seen[:first] == never[:first]
