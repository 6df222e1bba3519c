"""The channels of opening (docs/ODD.md 7.14; issue 12): the complement business's source choice
and value, its purchases in the seller's books, the reimplementation cost of others' work, the
switches, and the payoff decomposition. Tests are written from the equations of 7.14."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from market_sim.market import complement, labor
from market_sim.market.channels import CHANNELS, LABELS, effective_config
from market_sim.market.demand import ChoiceParams
from market_sim.market.options import SELF, VENDOR, OptionTable, option_id
from market_sim.model import MarketModel
from market_sim.scenario import Scenario
from market_sim.studies.explain import DIRECT, LINES, RESIDUAL, TOTAL, account_parts, channel_parts
from market_sim.vendor import VendorLedger

X = 1.0e8  # workload, Mtok/month at 1 USD/Mtok
THETA = 11.0


def _market(own_cost=0.2, rival_price=0.6, rival_cost=0.3, rival_kappa=5.0, own_kappa=5.0, eps=1.0):
    """Two vendors: 0 = a complement business with its own open weights (SELF), 1 = a rival with a
    closed API. Saturation off (g linear) so that G is kappa + premium - requirement."""
    cfg = Scenario.default().to_dict()
    cfg["market"]["capability_saturation"] = 0.0
    cfg["developers"]["price_elasticity"] = eps
    opts = OptionTable.empty(2)
    own, rival = option_id(0, 2, SELF), option_id(1, 2, VENDOR)
    rows = ((own, own_kappa, own_cost, own_cost, True), (rival, rival_kappa, rival_cost, rival_price, False))
    for o, kappa, cost, price, is_open in rows:
        opts.available[o], opts.kappa[o], opts.cost[o], opts.price[o], opts.open[o] = True, kappa, cost, price, is_open
    vcfg = {"complement_tier": 1, "complement_value_per_mtok": THETA}
    vendors = [SimpleNamespace(index=i, terms_restricted=False, cfg=vcfg, ledger=VendorLedger()) for i in range(2)]
    params = ChoiceParams.from_scenario(cfg, 1.0, 1.0, 0)
    model = SimpleNamespace(cfg=cfg, options=opts, vendors=vendors, choice_params=lambda: params, month=0)
    return model, own, rival, params


def _expected_value(kappa, price, params, eps=1.0):
    G = kappa - params.tier_requirement[1]
    assert eps == 1.0
    return X * (1.0 + math.log(THETA) + params.gamma * G - math.log(price))


def test_value_is_the_demand_surplus_plus_spend_and_spend_is_the_workload():
    model, own, _, params = _market(rival_price=10.0)
    o, price, x, value, bought = complement.best_source(model, model.vendors[0], X)
    assert (o, bought) == (own, False)
    assert x * price == pytest.approx(X)  # eps = 1: spend is X whatever the source
    assert value == pytest.approx(_expected_value(5.0, 0.2, params))


def test_doubling_the_price_of_the_source_costs_x_ln_2():
    model, *_ = _market(rival_price=10.0)
    _, _, _, v1, _ = complement.best_source(model, model.vendors[0], X)
    model2, *_ = _market(own_cost=0.4, rival_price=10.0)
    _, _, _, v2, _ = complement.best_source(model2, model2.vendors[0], X)
    assert v1 - v2 == pytest.approx(X * math.log(2.0))


def test_a_rivals_markup_is_a_real_cost_c20():
    """The same model bought at cost x (1 + mu) instead of self-hosted at cost loses X ln(1 + mu)."""
    mu = 1.5
    model, _, rival, _ = _market(own_kappa=1.0, rival_cost=0.3, rival_price=0.3 * (1 + mu))
    o, _, _, bought_value, bought = complement.best_source(model, model.vendors[0], X)
    assert (o, bought) == (rival, True)
    model.cfg["channels"]["dependency"] = False  # the rival's model at its serving cost
    o, price, _, free_value, _ = complement.best_source(model, model.vendors[0], X)
    assert (o, price) == (rival, pytest.approx(0.3))
    assert free_value - bought_value == pytest.approx(X * math.log(1 + mu))


def test_the_better_closed_source_is_chosen_and_a_terms_shock_cuts_it_off():
    model, own, rival, _ = _market(own_kappa=4.0, rival_kappa=5.5, rival_price=0.6)
    assert complement.best_source(model, model.vendors[0], X)[0] == rival  # 1.5 gamma > ln 3
    model.vendors[1].terms_restricted = True
    assert complement.best_source(model, model.vendors[0], X)[0] == own
    model.cfg["channels"]["dependency"] = False  # without the dependency channel shocks do not bind
    assert complement.best_source(model, model.vendors[0], X)[0] == rival


def test_a_purchase_is_in_the_sellers_books():
    model, _, rival, _ = _market(own_kappa=4.0, rival_kappa=5.5, rival_price=0.6, rival_cost=0.25)
    buyer, seller = model.vendors
    buyer.exited = seller.exited = False
    buyer.best_released = 4.0
    buyer.complement_base_usd = lambda month: 0.0
    buyer.cfg = {
        **buyer.cfg,
        "own_inference_usd_per_month": X,
        "own_inference_growth_per_year": 0.0,
        "complement_capability_elasticity": 0.0,
        "complement_ecosystem_weight": 0.0,
    }
    seller.complement_base_usd = lambda month: 0.0
    seller.cfg = {**buyer.cfg, "own_inference_usd_per_month": 0.0}
    complement.complement_revenue(model, np.zeros(len(model.options)))
    x = X / 0.6
    assert buyer.ledger.inference == buyer.ledger.inference_bought == pytest.approx(X)
    assert seller.ledger.complement_sales == pytest.approx(X)
    assert seller.ledger.serving_cost == pytest.approx(x * 0.25)
    assert seller.ledger.tokens_mtok == pytest.approx(x)
    assert buyer.ledger.profit + seller.ledger.profit == pytest.approx(buyer.ledger.revenue_complement - x * 0.25)


def test_switches_turn_off_what_odd_7_14_says():
    cfg = Scenario.default().to_dict()
    assert effective_config(cfg) is cfg  # all on: untouched
    off = {**cfg, "channels": dict.fromkeys(CHANNELS, False)}
    eff = effective_config(off)
    assert eff["community"]["strength"] == 0.0
    assert eff["community"]["absorb_closed"] == eff["community"]["absorb_open"]
    assert eff["community"]["absorb_delay_months"] == 0
    assert eff["community"]["reimplementation_cost_share"] == 0.0
    assert eff["rnd"]["usage_learning"] == 0.0
    assert eff["market"]["complement_dependency_penalty"] == 0.0
    for v in eff["vendors"].values():
        assert v["own_inference_usd_per_month"] == 0.0 and v["complement_ecosystem_weight"] == 0.0
    assert cfg["community"]["strength"] > 0  # the scenario itself is not modified


def test_talent_switch_hides_openness_from_researchers(monkeypatch):
    seen = []
    original = labor.employer_utility

    def spy(pref, mission, salary, visibility, *rest):
        seen.append(np.array(visibility))
        return original(pref, mission, salary, visibility, *rest)

    monkeypatch.setattr(labor, "employer_utility", spy)
    for talent in (True, False):
        scn = Scenario.default().with_overrides({"channels.talent": talent, "run.months": 14})
        model = MarketModel(scn, seed=3)
        model.run()
        vis = np.concatenate([s[:-1] for s in seen])
        assert (vis == 0).all() != talent  # Meta's open releases are visible only with the channel on
        assert all(s[-1] == 1.0 for s in seen)  # academia stays fully open
        seen.clear()


def test_reimplementing_others_work_costs_compute_c11():
    """compute = (1 - phi) x due + rho_r C_v (10^(s a_c (F_tot - F_v)(t-1-d)) - 1) for every vendor."""
    scn = Scenario.default().with_overrides({"community.reimplementation_cost_share": 1.0, "run.months": 30})
    model = MarketModel(scn, seed=2)
    cfg, phi = model.cfg, model.cfg["training"]["final_run_share"]
    com = cfg["community"]
    lag = com["absorb_delay_months"] + 1
    checked = 0
    while model.month < 30:
        history = list(model.flow_history)
        model.step()
        late = history[-lag] if len(history) >= lag else np.zeros(len(model.vendors))
        for v in model.vendors:
            if v.exited or v.ledger.training == 0:
                continue
            delta = com["strength"] * com["absorb_closed"] * (late.sum() - late[v.index])
            expected = (1 - phi) / phi * v.ledger.training + v.compute_usd * (10.0**delta - 1.0)
            assert v.ledger.compute == pytest.approx(expected, rel=1e-9)
            checked += delta > 0
    assert checked > 0


def _planted_runs(effects: dict[str, float], interaction: float = 0.0, seeds: int = 3):
    """Runs of a planted game: Δ(S) = base + Σ_{c in S} a_c + interaction [talent and community in S];
    arm b is zero. Lines carry Δ in the first column."""
    import itertools

    runs = {}
    rng = np.random.default_rng(0)
    noise = rng.normal(size=seeds)
    for r in range(len(CHANNELS) + 1):
        for on in itertools.combinations(CHANNELS, r):
            d = 1.0 + noise + sum(effects[c] for c in on)
            d = d + interaction * ("talent" in on and "community" in on)
            a = np.zeros((seeds, len(LINES) + 1))
            a[:, 0], a[:, -1] = d, d
            runs[("a", on)] = a
            runs[("b", on)] = np.zeros_like(a)
    return runs


@pytest.mark.parametrize("method", ["one_at_a_time", "shapley"])
def test_decomposition_recovers_planted_effects_and_adds_up(method):
    effects = dict(zip(CHANNELS, [2.0, -1.0, 0.5, 0.0, 3.0, -0.25], strict=True))
    parts = channel_parts(_planted_runs(effects), method)
    for c, a in effects.items():
        assert parts[LABELS[c]] == pytest.approx(np.full(3, a))
    assert parts[RESIDUAL] == pytest.approx(np.zeros(3), abs=1e-12)
    rows = sum(v for k, v in parts.items() if k != TOTAL)
    assert rows == pytest.approx(parts[TOTAL])
    assert parts[DIRECT] == pytest.approx(parts[TOTAL] - sum(effects.values()))


def test_an_interaction_shows_as_residual_one_at_a_time_and_is_shared_by_shapley():
    effects = dict.fromkeys(CHANNELS, 0.0)
    oat = channel_parts(_planted_runs(effects, interaction=4.0), "one_at_a_time")
    assert oat[LABELS["talent"]] == pytest.approx(np.full(3, 4.0))  # each sees the whole interaction
    assert oat[RESIDUAL] == pytest.approx(np.full(3, -4.0))
    shap = channel_parts(_planted_runs(effects, interaction=4.0), "shapley")
    assert shap[LABELS["talent"]] == pytest.approx(np.full(3, 2.0))  # split half and half
    assert shap[RESIDUAL] == pytest.approx(np.zeros(3), abs=1e-12)


def test_accounting_lines_add_up_to_profit_in_a_run():
    from market_sim.studies.explain import arm_lines

    scn = Scenario.default().with_overrides({"run.months": 12})
    out = arm_lines(scn.to_dict(), {}, 5, "meta")
    assert out[:-1].sum() == pytest.approx(out[-1], rel=1e-12)
    runs = {("a", CHANNELS): out[None, :], ("b", CHANNELS): np.zeros((1, out.size))}
    parts = account_parts(runs)
    assert sum(v for k, v in parts.items() if k != TOTAL) == pytest.approx(parts[TOTAL])


def test_with_every_channel_off_open_and_closed_meta_differ_only_in_the_model_layer():
    """No complement value, no inference, no community: complement revenue is the base in both arms
    and inference is zero, so the difference lives in model revenue, serving, compute and payroll."""
    from market_sim.studies.explain import arm_lines

    base = Scenario.default().with_overrides({"run.months": 24})
    off = {f"channels.{c}": False for c in CHANNELS}
    a = arm_lines(base.to_dict(), {**off, "vendors.meta.openness": "always_open"}, 7, "meta")
    b = arm_lines(base.to_dict(), {**off, "vendors.meta.openness": "always_closed"}, 7, "meta")
    names = list(LINES)
    d = dict(zip(names, a[:-1] - b[:-1], strict=True))
    assert d["complement revenue"] == 0.0
    assert d["inference for own products"] == 0.0
    assert d["training runs"] == pytest.approx(0.0, abs=1e-6 * abs(a[names.index("training runs")]))
    assert d["model revenue (API, service)"] < 0  # closed Meta sells an API; open Meta (no service) does not


def test_explain_command_writes_tables_that_add_up(tmp_path):
    import pandas as pd

    from market_sim.cli import main

    out = tmp_path / "explain"
    args = ["explain", "--vendor", "meta", "--seeds", "2", "--months", "4", "--out", str(out), "--no-progress"]
    assert main([*args, "--workers", "1"]) == 0
    for name in ("decomposition.csv", "accounts.csv", "waterfall.png", "explain.md", "explain_manifest.json"):
        assert (out / name).stat().st_size > 0
    for name, column in (("decomposition.csv", "channel"), ("accounts.csv", "line")):
        table = pd.read_csv(out / name)
        assert list(table.columns) == [column, "mean", "ci_low", "ci_high"]
        total = table.loc[table[column] == TOTAL, "mean"].iloc[0]
        assert table.loc[table[column] != TOTAL, "mean"].sum() == pytest.approx(total, rel=1e-9, abs=1e-3)
    channels = pd.read_csv(out / "decomposition.csv")["channel"].tolist()
    assert channels == [DIRECT, *(LABELS[c] for c in CHANNELS), RESIDUAL, TOTAL]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--vendor", "nobody"], "--vendor 'nobody' is not allowed"),
        (["--a", "vendors.meta.openness=always_open"], "--a and --b go together"),
        (["--a", "market.nope=1", "--b", "market.nope=2"], "market.nope"),
        (["--seeds", "1"], "--seeds 1 is not allowed"),
    ],
)
def test_explain_bad_input_is_a_clean_error(tmp_path, capsys, args, message):
    from market_sim.cli import main

    assert main(["explain", "--out", str(tmp_path / "x"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_python_api_returns_tables_and_a_figure(tmp_path):
    from market_sim.studies.explain import explain

    scn = Scenario.default().with_overrides({"developers.count": 500, "researchers.count": 100})
    result = explain(scn, "meta", seeds=2, months=3, workers=1, progress=False)
    assert list(result.channels.columns) == ["channel", "mean", "ci_low", "ci_high"]
    assert result.accounts["line"].iloc[-1] == TOTAL
    assert result.figure(tmp_path / "w.png").stat().st_size > 0
    assert result.figure() is not None  # a Figure for a notebook


def test_usage_teaches_the_standard_c5():
    """dA_v = l share_v(t-1) with research, community and spillover off (the standard channel)."""
    from market_sim.market.innovation import research

    quiet = {"rnd.capability_rate": 0.0, "community.strength": 0.0, "spillover.rate": 0.0, "rnd.usage_learning": 0.05}
    model = MarketModel(Scenario.default().with_overrides({**quiet, "run.months": 6}), seed=1)
    for _ in range(3):
        model.step()
    model.last_vendor_share = np.linspace(0.0, 1.0, len(model.vendors))
    before = {v.vid: (v.knowledge, v.free_knowledge) for v in model.vendors if not v.exited}
    research(model)
    for v in model.vendors:
        if v.vid in before:
            gain = 0.05 * model.last_vendor_share[v.index]
            assert v.knowledge - before[v.vid][0] == pytest.approx(gain, abs=1e-12)
            assert v.free_knowledge - before[v.vid][1] == pytest.approx(gain, abs=1e-12)  # free: no serving cost
    off = effective_config({**model.cfg, "channels": {**model.cfg["channels"], "standard": False}})
    assert off["rnd"]["usage_learning"] == 0.0
