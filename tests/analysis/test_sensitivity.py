"""Sobol and Morris indices through synthetic sweeps whose runs hold a known function's value in every month."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from market_sim.analysis import indices_for_sweep, morris_indices, sobol_indices

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}


def sweep_of(X: np.ndarray, names: list[str], outputs: dict[str, np.ndarray], replicates: int = 2, months: int = 3):
    """Runs at every design point x replicate; each metric holds outputs[metric][point] (+/- a replicate
    offset that cancels in the mean over replicates) in every month. One extra failed replicate per point
    holds garbage."""
    n = len(X)
    point = np.repeat(np.arange(n), replicates + 1)
    replicate = np.tile(np.arange(replicates + 1), n)
    runs = pd.DataFrame(
        {
            "run_id": np.arange(len(point)),
            "arm": "",
            "point": point,
            "replicate": replicate,
            "seed": 7 + replicate,
            "status": np.where(replicate == replicates, "failed", "ok"),
            "wall_seconds": 0.1,
            "error": "",
        }
    )
    for j, name in enumerate(names):
        runs[name] = X[point, j]
    offset = np.where(replicate == replicates, 1e9, (replicate - (replicates - 1) / 2) * 0.1)
    ts = pd.DataFrame(
        {
            "run_id": np.repeat(runs["run_id"].to_numpy(), months),
            "month": np.tile(np.arange(months), len(runs)),
        }
    )
    for metric, y in outputs.items():
        ts[metric] = np.repeat(y[point] + offset, months)
    return runs, ts


def test_sobol_recovers_ishigami_first_order_indices():
    X = sobol_sample.sample(ISHIGAMI, 1024, calc_second_order=False, seed=11)
    y = Ishigami.evaluate(X)
    runs, ts = sweep_of(X, ISHIGAMI["names"], {"share_open": y, "linear": 2.0 * X[:, 0]})
    idx = indices_for_sweep("sobol", ISHIGAMI, X, runs, ts, ["share_open", "linear"], window_months=12)
    assert list(idx.columns) == ["arm", "metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    ishigami = idx[idx["metric"] == "share_open"].set_index("parameter")
    assert ishigami["S1"].to_numpy() == pytest.approx([0.314, 0.442, 0.0], abs=0.05)
    assert ishigami["ST"].to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.05)
    assert (ishigami["S1_conf"] > 0).all()
    linear = idx[idx["metric"] == "linear"].set_index("parameter")
    assert linear["S1"].to_numpy() == pytest.approx([1.0, 0.0, 0.0], abs=0.05)

    # the same as calling sobol_indices on the point outputs directly
    direct = sobol_indices(ISHIGAMI, y)
    assert direct["S1"].to_numpy() == pytest.approx(ishigami["S1"].to_numpy())


def test_sobol_indices_check_the_design_size_and_constant_output():
    with pytest.raises(ValueError, match=r"N\*\(D\+2\)"):
        sobol_indices(ISHIGAMI, np.ones(11))
    with pytest.raises(ValueError, match="finite"):
        sobol_indices(ISHIGAMI, np.r_[np.nan, np.ones(9)])
    constant = sobol_indices(ISHIGAMI, np.ones(10))
    assert constant["parameter"].tolist() == ["x1", "x2", "x3"]
    assert constant[["S1", "ST"]].isna().all().all()


MORRIS = {"num_vars": 4, "names": ["a.dominant", "b.small", "c.curved", "d.inert"], "bounds": [[0.0, 1.0]] * 4}


def test_morris_ranks_the_dominant_linear_parameter_first():
    X = morris_sample.sample(MORRIS, 20, seed=5)
    y = 10.0 * X[:, 0] + 1.0 * X[:, 1] + 2.0 * X[:, 2] ** 2
    runs, ts = sweep_of(X, MORRIS["names"], {"profit_meta": y})
    idx = indices_for_sweep("Morris", MORRIS, X, runs, ts, "profit_meta")
    assert list(idx.columns) == ["arm", "metric", "parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    ranked = idx.sort_values("mu_star", ascending=False)["parameter"].tolist()
    assert ranked[0] == "a.dominant"
    assert ranked[-1] == "d.inert"
    row = idx.set_index("parameter")
    assert row.loc["a.dominant", "mu_star"] == pytest.approx(10.0)
    assert row.loc["a.dominant", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert row.loc["d.inert", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    direct = morris_indices(MORRIS, X, y)
    assert direct["mu_star"].to_numpy() == pytest.approx(row["mu_star"].to_numpy())


def test_indices_for_sweep_rejects_other_designs_and_missing_points():
    X = morris_sample.sample(MORRIS, 4, seed=1)
    y = X[:, 0]
    runs, ts = sweep_of(X, MORRIS["names"], {"m": y})
    with pytest.raises(ValueError, match="sobol or morris"):
        indices_for_sweep("grid", MORRIS, X, runs, ts, ["m"])
    with pytest.raises(ValueError, match="design matrix"):
        indices_for_sweep("morris", MORRIS, None, runs, ts, ["m"])

    runs.loc[runs["point"] == 3, "status"] = "failed"
    with pytest.raises(ValueError, match=r"no value at 1 of 20 design points, e.g. \[3\]"):
        indices_for_sweep("morris", MORRIS, X, runs, ts, ["m"])
    skipped = indices_for_sweep("morris", MORRIS, X, runs, ts, ["m"], on_missing="nan")
    assert skipped["mu_star"].isna().all()


def test_indices_for_sweep_analyses_each_arm_separately():
    X = morris_sample.sample(MORRIS, 6, seed=2)
    runs, ts = sweep_of(X, MORRIS["names"], {"m": X[:, 1]})
    other = runs.assign(arm="b", run_id=runs["run_id"] + len(runs))
    ts_b = ts.assign(run_id=ts["run_id"] + len(runs), m=3.0 * X[ts["run_id"].map(runs["point"]), 0])
    runs, ts = pd.concat([runs.assign(arm="a"), other]), pd.concat([ts, ts_b])
    idx = indices_for_sweep("morris", MORRIS, X, runs, ts, ["m"])
    top = idx.sort_values("mu_star", ascending=False).groupby("arm")["parameter"].first()
    assert top.to_dict() == {"a": "b.small", "b": "a.dominant"}


def test_sobol_bootstrap_intervals_are_reproducible_and_seed_zero_is_refused():
    X = sobol_sample.sample(ISHIGAMI, 64, calc_second_order=False, seed=3)
    y = Ishigami.evaluate(X)
    first, second = sobol_indices(ISHIGAMI, y), sobol_indices(ISHIGAMI, y)
    pd.testing.assert_frame_equal(first, second)  # SALib's bootstrap is seeded (it is not at seed 0)
    with pytest.raises(ValueError, match="seed 0 is not allowed"):
        sobol_indices(ISHIGAMI, y, seed=0)


def test_sobol_convergence_uses_prefixes_of_the_design_and_settles_on_ishigami():
    from market_sim.analysis.sensitivity import sobol_convergence

    X = sobol_sample.sample(ISHIGAMI, 1024, calc_second_order=False, seed=11)
    # the first n (D + 2) rows of the N = 1024 design are the n = 64 design (same seed): prefixes are designs
    np.testing.assert_array_equal(X[: 64 * 5], sobol_sample.sample(ISHIGAMI, 64, calc_second_order=False, seed=11))
    y = Ishigami.evaluate(X)
    conv = sobol_convergence(ISHIGAMI, y)
    assert list(conv["N"].unique()) == [4, 8, 16, 32, 64, 128, 256, 512, 1024]
    last = conv[conv["N"] == 1024].set_index("parameter")
    assert last["ST"].to_numpy() == pytest.approx([0.558, 0.442, 0.244], abs=0.05)
    # the error against the analytic total-order indices and the interval widths shrink with N
    truth = pd.Series([0.558, 0.442, 0.244], index=["x1", "x2", "x3"])
    err = conv.groupby("N").apply(lambda g: (g.set_index("parameter")["ST"] - truth).abs().max())
    width = conv.groupby("N")["ST_conf"].mean()
    assert err[1024] < err[16] and width[1024] < width[64] < width[16]
    with pytest.raises(ValueError, match="sizes \\[2048\\] are not allowed"):
        sobol_convergence(ISHIGAMI, y, sizes=[2048])
