"""Scenario discovery (market_sim.studies.boxes, discovery; issue 13 point 3): planted answers."""

import numpy as np
import pandas as pd
import pytest

from market_sim.cli import main
from market_sim.studies.boxes import cart_view, prim_box
from market_sim.studies.discovery import DiscoveryClaim, DiscoverySetup, load_claims, point_outcomes


def planted(n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(0, 1, (n, 5)), columns=["a", "b", "c", "d", "e"])
    y = ((x["a"] > 0.3) & (x["a"] < 0.8) & (x["b"] < 0.5)).to_numpy()
    return x, y


def test_prim_recovers_a_planted_box():
    x, y = planted()
    box = prim_box(x, y)
    assert set(box.bounds.index) == {"a", "b"}  # the three irrelevant dimensions stay unrestricted
    assert box.bounds.loc["a", "low"] == pytest.approx(0.3, abs=0.05)
    assert box.bounds.loc["a", "high"] == pytest.approx(0.8, abs=0.05)
    assert box.bounds.loc["b", "high"] == pytest.approx(0.5, abs=0.05)
    assert box.density >= 0.8 and box.coverage >= 0.8
    assert box.base_density == pytest.approx(y.mean())
    assert "b <= " in box.describe() and "a in [" in box.describe()


def test_prim_box_statistics_are_the_box_s_own():
    x, y = planted(seed=1)
    box = prim_box(x, y)
    inside = np.ones(len(x), bool)
    for k, row in box.bounds.iterrows():
        inside &= (x[k] >= row["low"]) & (x[k] <= row["high"])
    assert box.n == inside.sum()
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())


def test_prim_with_nothing_holding_reports_no_box():
    x, y = planted()
    box = prim_box(x, np.zeros(len(x), bool))
    assert box.n == 0 and box.describe() == "nowhere sampled"


def test_prim_says_when_no_box_is_dense_enough():
    x, _ = planted()
    scattered = np.zeros(len(x), bool)
    scattered[::40] = True  # 15 of 600 points, no structure
    box = prim_box(x, scattered, threshold=0.8)
    assert box.density < 0.8
    assert box.describe().startswith("no box reaches density 80%")


def test_cart_ranks_the_planted_dimensions_first():
    x, y = planted()
    rules, importance = cart_view(x, y)
    assert set(importance.index[:2]) == {"a", "b"}
    assert importance[["c", "d", "e"]].sum() < 0.05
    assert "a <=" in rules


def test_cart_is_reproducible_when_splits_tie():
    x, y = planted()
    x = x.assign(a_copy=x["a"])  # two identical columns: sklearn breaks the tie at random unless seeded
    first = cart_view(x, y)
    for _ in range(5):
        rules, importance = cart_view(x, y)
        assert rules == first[0]
        pd.testing.assert_series_equal(importance, first[1])


def claim(predicted):
    return DiscoveryClaim("CX", "planted", {}, {}, "m", "final_mean", predicted, {"p": (0, 1), "q": (0, 1)})


def synthetic_runs(effects, replicates=4, noise=0.01, seed=0):
    """Runs and timeseries of a two-arm LHS sweep whose paired effect at point i is effects[i]."""
    rng = np.random.default_rng(seed)
    runs, ts = [], []
    run_id = 0
    for point, eff in enumerate(effects):
        for r in range(replicates):
            common = rng.normal()
            for arm, shift in (("a", eff), ("b", 0.0)):
                runs.append({"run_id": run_id, "point": point, "replicate": r, "arm": arm, "status": "ok",
                             "p": point / len(effects), "q": 0.5})  # fmt: skip
                value = common + shift + rng.normal(0, noise)
                ts += [{"run_id": run_id, "month": m, "m": value} for m in range(12)]
                run_id += 1
    return pd.DataFrame(runs), pd.DataFrame(ts)


def test_point_outcomes_pair_arms_and_call_holds_only_with_a_ci_on_the_predicted_side():
    runs, ts = synthetic_runs([0.5, -0.5, 0.0])
    up = point_outcomes(claim(+1), runs, ts)
    assert up["mean"].to_numpy() == pytest.approx([0.5, -0.5, 0.0], abs=0.05)  # common noise cancels
    assert up["n"].tolist() == [4, 4, 4]
    assert up["holds"].tolist() == [True, False, False]
    down = point_outcomes(claim(-1), runs, ts)
    assert down["holds"].tolist() == [False, True, False]  # no effect: holds on neither side
    assert up["p"].tolist() == pytest.approx([0, 1 / 3, 2 / 3])


def test_points_without_a_paired_ci_are_left_out_and_counted():
    from market_sim.studies.discovery import analyse

    effects = [0.5 if i % 2 else -0.5 for i in range(16)]
    runs, ts = synthetic_runs(effects)
    runs["q"] = np.linspace(0, 1, len(runs))
    broken = runs.index[(runs["point"] == 3) & (runs["replicate"] > 0)]
    runs.loc[broken, "status"] = "failed"  # point 3 keeps one pair: no CI
    region = analyse(claim(+1), runs, ts)
    assert region.dropped == 1 and 3 not in region.points.index and len(region.points) == 15
    assert "1 points without a paired CI left out" in region.sentence()


def test_claims_file_names_valid_keys_and_predictions():
    from market_sim import Scenario

    claims = load_claims()
    assert {"C18", "C19", "C20", "C22", "C24"} <= set(claims)
    for c in claims.values():
        assert c.predicted in (1, -1)
        for arm in (c.arm_a, c.arm_b):
            lows = {k: lo for k, (lo, _) in c.parameters.items()}
            highs = {k: hi for k, (_, hi) in c.parameters.items()}
            Scenario.default().with_overrides({**arm, **lows})  # a bad key or range raises
            Scenario.default().with_overrides({**arm, **highs})


def test_bad_claims_file_entries_are_refused(tmp_path):
    from market_sim.errors import UserError

    path = tmp_path / "claims.toml"
    path.write_text('[claims.X]\nstatement = "s"\narm_a = {}\narm_b = {}\noutcome = "m"\nreduce = "median"\n'
                    'predicted = 1\n[claims.X.parameters]\na = [0, 1]\nb = [0, 1]\n')  # fmt: skip
    with pytest.raises(UserError, match="reduce = 'median' is not allowed"):
        load_claims(path)
    text = path.read_text().replace('"median"', '"final_mean"')
    path.write_text(text.replace("predicted = 1\n", "predicted = 1\npoints = 4\n"))
    with pytest.raises(UserError, match="claims.X.points = 4 is not allowed: expected an integer >= 8"):
        load_claims(path)


def test_a_claim_keeps_its_own_budget_unless_the_command_line_sets_one():
    from market_sim.studies.discovery import POINTS, SEEDS

    claims = load_claims()
    c24, c19 = claims["C24"], claims["C19"]
    assert (c24.points, c24.seeds) == (128, 10) and (c19.points, c19.seeds) == (None, None)
    default = DiscoverySetup(["C24", "C19"])
    assert default.budget(c24) == (128, 10) and default.budget(c19) == (POINTS, SEEDS)
    spec = default.spec(c24)["sweep"]
    assert (spec["samples"], spec["replicates"]) == (128, 10)
    assert DiscoverySetup(["C24"], points=24, seeds=2).budget(c24) == (24, 2)  # --points/--seeds win (--quick)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["discover", "--claims", "C99"], "--claims 'C99' is not allowed"),
        (["discover", "--points", "3"], "--points 3 is not allowed"),
        (["discover", "--seeds", "1"], "--seeds 1 is not allowed"),
    ],
)
def test_discover_bad_input_exits_2_with_one_line(argv, message, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_discover_refuses_a_folder_of_other_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["discover", "--quick", "--out", str(tmp_path)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_discover_end_to_end_on_a_tiny_budget(tmp_path):
    out = tmp_path / "d"
    argv = ["discover", "--claims", "C22", "--points", "8", "--seeds", "2", "--months", "6", "--developers", "400"]
    assert main([*argv, "--workers", "1", "--no-progress", "--out", str(out)]) == 0
    for name in ("discovery.md", "summary.csv", "boxes.csv", "C22_points.csv", "C22_peeling.png", "C22_scatter.png"):
        assert (out / name).is_file(), name
    points = pd.read_csv(out / "C22_points.csv")
    assert len(points) == 8 and points["n"].eq(2).all()
    text = (out / "discovery.md").read_text()
    assert "| C22 |" in text
    assert DiscoverySetup(["C22"]).spec(load_claims()["C22"])["sweep"]["design"] == "lhs"
