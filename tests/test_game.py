"""The empirical openness game (market_sim.studies.game, game_runs; issue 13 point 4).

Planted games with known equilibria go through the same code path as simulated payoffs: an
evaluator returns payoff samples (replicates x players) per profile, here the planted payoff plus
common noise.
"""

import json

import numpy as np
import pandas as pd
import pytest

from market_sim.cli import main
from market_sim.studies.game import (
    EmpiricalGame,
    deviation_payoffs,
    deviation_search,
    mixed_equilibrium,
    nash_function,
    payoff_tensor,
    pure_equilibria,
)
from market_sim.studies.game_runs import GameSetup, play, profile_label, profile_payoffs

# row player's and column player's payoffs, strategies (0, 1)
PRISONERS = {(0, 0): (3, 3), (0, 1): (0, 5), (1, 0): (5, 0), (1, 1): (1, 1)}  # 0 = cooperate, 1 = defect
COORDINATION = {(0, 0): (2, 2), (0, 1): (0, 0), (1, 0): (0, 0), (1, 1): (1, 1)}
PENNIES = {(0, 0): (1, -1), (0, 1): (-1, 1), (1, 0): (-1, 1), (1, 1): (1, -1)}


def planted(table, replicates=8, noise=0.05, seed=0):
    """An evaluator for a planted game: the payoff plus noise that is common across profiles
    within a replicate (common random numbers) and a small idiosyncratic part."""
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 1.0, (replicates, 2))

    def evaluate(profiles):
        out = {}
        for p in profiles:
            local = np.random.default_rng(abs(hash(p)) % 2**32).normal(0, noise, (replicates, 2))
            out[p] = np.asarray(table[p], float) + common + local
        return out

    return evaluate


def game_of(table):
    g = EmpiricalGame(("row", "col"), (("a", "b"), ("a", "b")))
    g.payoffs.update(planted(table)(g.all_profiles()))
    return g


def test_prisoners_dilemma_has_the_unique_equilibrium_defect_defect():
    g = game_of(PRISONERS)
    assert pure_equilibria(g) == [(1, 1)]
    r = g.regret((0, 0))  # mutual cooperation: each gains ~2 by defecting
    assert r.significant and r.mean == pytest.approx(2.0, abs=0.1)
    assert g.regret((1, 1)).mean < 0


def test_coordination_game_has_both_pure_equilibria():
    g = game_of(COORDINATION)
    assert sorted(pure_equilibria(g)) == [(0, 0), (1, 1)]


def test_deviation_search_walks_to_the_equilibrium_and_evaluates_only_what_it_needs():
    g = EmpiricalGame(("row", "col"), (("a", "b"), ("a", "b")))
    path = deviation_search(g, planted(PRISONERS), (0, 0), max_profiles=10)
    assert path[-1] == (1, 1) and g.is_pure_nash((1, 1))
    # a 3-player game: start and its 3 deviations, then each step adds the missing deviations only
    three = EmpiricalGame(("a", "b", "c"), (("x", "y"),) * 3)

    def evaluate(profiles):  # each player earns 1 for playing y, whatever the others do
        return {p: np.array([[float(s) for s in p]] * 4) + np.arange(4)[:, None] for p in profiles}

    path = deviation_search(three, evaluate, (0, 0, 0), max_profiles=100)
    assert path == [(0, 0, 0), (1, 0, 0), (1, 1, 0), (1, 1, 1)]  # largest gain, first player on ties
    assert three.is_pure_nash((1, 1, 1))
    first = EmpiricalGame(("a", "b", "c"), (("x", "y"),) * 3)
    deviation_search(first, evaluate, (0, 0, 0), max_profiles=5)
    assert len(first.payoffs) == 4  # the start and its 3 deviations; the next step would need 2 more


def test_deviation_search_respects_its_budget():
    g = EmpiricalGame(("row", "col"), (("a", "b"), ("a", "b")))
    deviation_search(g, planted(PRISONERS), (0, 0), max_profiles=2)
    assert len(g.payoffs) == 0  # the first step needs 3 profiles: nothing evaluated beyond the budget


def test_noise_keeps_an_indifferent_player_from_a_significant_gain():
    flat = {p: (0.0, 0.0) for p in PRISONERS}
    g = game_of(flat)
    assert sorted(pure_equilibria(g)) == sorted(g.all_profiles())


def test_matching_pennies_has_no_pure_equilibrium_and_mixes_half_half():
    g = game_of(PENNIES)
    assert pure_equilibria(g) == []
    sigma, regret = mixed_equilibrium(g)
    assert sigma[0] == pytest.approx([0.5, 0.5], abs=0.03)
    assert sigma[1] == pytest.approx([0.5, 0.5], abs=0.03)
    assert regret < 0.05


def test_nash_function_is_zero_exactly_at_equilibria():
    u = payoff_tensor(game_of(PRISONERS))
    defect, cooperate = np.array([0.0, 1.0]), np.array([1.0, 0.0])
    assert nash_function(u, [defect, defect])[0] == pytest.approx(0.0, abs=1e-12)
    v, regret = nash_function(u, [cooperate, cooperate])
    assert v > 1 and regret == pytest.approx(2.0, abs=0.1)


def test_deviation_payoffs_contract_the_other_players_mixtures():
    rng = np.random.default_rng(3)
    u = rng.normal(size=(2, 3, 2, 3))  # 3 players with 2, 3, 2 strategies
    sigma = [rng.dirichlet(np.ones(n)) for n in (2, 3, 2)]
    dev = deviation_payoffs(u, sigma)
    brute = np.zeros(3)
    for b in range(3):
        brute[b] = sum(sigma[0][a] * sigma[2][c] * u[a, b, c, 1] for a in range(2) for c in range(2))
    assert dev[1] == pytest.approx(brute)


def test_mixed_equilibrium_needs_a_complete_game():
    g = EmpiricalGame(("row", "col"), (("a", "b"), ("a", "b")))
    g.payoffs.update(planted(PRISONERS)([(0, 0)]))
    with pytest.raises(ValueError, match="complete"):
        mixed_equilibrium(g)


def test_simulated_payoffs_are_discounted_profits_with_common_seeds(small):
    setup = GameSetup(small, players=("meta", "openai"), strategies=("always_open", "always_closed"), seeds=2, months=6)
    game = play(setup, workers=1, progress=False)
    seeds = setup.seed_list()
    assert seeds == GameSetup(small, seeds=2).seed_list()  # the seeds are a function of the count only
    prof = next(iter(game.payoffs))
    named = game.name(prof)
    direct = profile_payoffs(small.to_dict(), setup.overrides(named), seeds[1], ("meta", "openai"))
    assert game.payoffs[prof][1] == pytest.approx(direct, rel=0, abs=0)
    assert all(game.fully_probed(p) for p in pure_equilibria(game))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["game", "--players", "meta,nobody"], "--players 'nobody' is not allowed"),
        (["game", "--strategies", "always_open,sometimes"], "--strategies 'sometimes' is not allowed"),
        (["game", "--seeds", "1"], "--seeds 1 is not allowed"),
    ],
)
def test_game_bad_input_exits_2_with_one_line(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "g")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_game_refuses_a_folder_of_other_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["game", "--quick", "--out", str(tmp_path)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_game_cli_writes_its_files(tmp_path, small):
    path = tmp_path / "small.toml"
    path.write_text(small.with_overrides({"run.months": 4}).to_toml())
    out = tmp_path / "g"
    argv = ["game", str(path), "--players", "meta,openai", "--strategies", "always_open,always_closed"]
    assert main([*argv, "--seeds", "2", "--workers", "1", "--no-progress", "--out", str(out)]) == 0
    for name in ("profiles.csv", "deviations.csv", "game.md", "game_manifest.json"):
        assert (out / name).is_file()
    info = json.loads((out / "game_manifest.json").read_text())
    assert info["players"] == ["meta", "openai"] and len(info["seeds"]) == 2
    text = (out / "game.md").read_text()
    assert "Pure equilibria found" in text and "meta" in text
    answer = json.loads((out / "answer.json").read_text())  # what docs/findings.md reads
    assert answer["players"] == ["meta", "openai"] and answer["seeds"] == 2 and answer["quick"] is False
    observed = answer["observed"]
    assert observed == {"meta": "always_open", "openai": "always_closed"}  # the 2024-2025 pattern
    r = answer["regret"]  # the search starts at the observed pattern and simulates all its deviations
    assert r["ci_low"] <= r["mean"] <= r["ci_high"] and r["vendor"] in observed
    assert answer["observed_is_equilibrium"] == (observed in answer["equilibria"])
    best = answer["best_deviations"]  # one per vendor, from the observed pattern; the regret is the largest
    assert [d["player"] for d in best] == ["meta", "openai"]
    assert all(d["from"] == observed[d["player"]] != d["to"] for d in best)
    assert max(d["gain_bn_usd"] for d in best) == pytest.approx(r["mean"] / 1e9)
    devs = pd.read_csv(out / "deviations.csv")
    for d in best:  # the best of that vendor's deviations from the observed profile in deviations.csv
        mine = devs[(devs["profile"] == profile_label(observed)) & (devs["player"] == d["player"])]
        assert d["gain_bn_usd"] == pytest.approx(mine["gain_bn_usd"].max())
