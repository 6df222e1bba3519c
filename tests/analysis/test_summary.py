"""Replicate summaries on small hand-made sweeps: windows, failed runs, t-intervals, paired differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from market_sim.analysis import final_values, over_time, paired_differences, summarize


def make_sweep(
    arms: tuple[str, ...] = ("",),
    points: list[dict] | None = None,
    replicates: int = 3,
    months: int = 24,
    value=lambda arm, point, replicate, month: float(month),
    metrics: tuple[str, ...] = ("share_open",),
    failed: set[tuple[str, int, int]] = frozenset(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic sweep: runs over arms x points x replicates, ``value(...)`` for every metric and month.

    Runs listed in ``failed`` as (arm, point, replicate) are marked failed but still have timeseries rows
    (holding 1e9) so that including them by mistake shows.
    """
    points = points if points is not None else [{"developers.count": 1000}]
    rows, series = [], []
    run_id = 0
    for arm in arms:
        for p, params in enumerate(points):
            for r in range(replicates):
                bad = (arm, p, r) in failed
                rows.append(
                    {
                        "run_id": run_id,
                        "arm": arm,
                        "point": p,
                        "replicate": r,
                        "seed": 100 + r,
                        "status": "failed" if bad else "ok",
                        "wall_seconds": 1.0,
                        "error": "boom" if bad else "",
                        **params,
                    }
                )
                month = np.arange(months)
                frame = pd.DataFrame(
                    {
                        "run_id": run_id,
                        "month": month,
                        "date": [f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in month],
                    }
                )
                for metric in metrics:
                    frame[metric] = [1e9 if bad else value(arm, p, r, m) for m in month]
                series.append(frame)
                run_id += 1
    return pd.DataFrame(rows), pd.concat(series, ignore_index=True)


# -- final_values ---------------------------------------------------------------------------------
def test_final_values_uses_exactly_the_last_window():
    # metric = month; a huge value just before the window would show an off-by-one
    runs, ts = make_sweep(replicates=1, months=36)
    ts.loc[ts["month"] == 23, "share_open"] = 1e6
    fv = final_values(runs, ts, ["share_open"], window_months=12)
    assert fv["share_open"].iloc[0] == pytest.approx(np.mean(np.arange(24, 36)))
    fv = final_values(runs, ts, "share_open", window_months=1)
    assert fv["share_open"].iloc[0] == 35.0


def test_final_values_window_is_per_run_ignores_nan_and_keeps_parameters():
    runs, ts = make_sweep(points=[{"developers.count": 10}, {"developers.count": 20}], replicates=1, months=30)
    runs["scenario_hash"] = "abc"  # bookkeeping, not a parameter
    ts = ts.loc[~((ts["run_id"] == 1) & (ts["month"] >= 20))]  # run 1 is shorter: months 0..19
    ts.loc[(ts["run_id"] == 0) & (ts["month"] == 29), "share_open"] = np.nan
    fv = final_values(runs, ts, ["share_open"], window_months=5)
    assert fv["share_open"].tolist() == pytest.approx([np.mean([25, 26, 27, 28]), np.mean(np.arange(15, 20))])
    assert list(fv.columns) == ["run_id", "arm", "point", "replicate", "seed", "developers.count", "share_open"]
    assert fv["developers.count"].tolist() == [10, 20]
    whole = final_values(runs, ts, ["share_open"], window_months=100)
    assert whole["share_open"].iloc[1] == pytest.approx(np.mean(np.arange(20)))


def test_failed_runs_are_excluded():
    runs, ts = make_sweep(replicates=4, failed={("", 0, 2)})
    fv = final_values(runs, ts, ["share_open"])
    assert 2 not in fv["replicate"].tolist()
    assert (fv["share_open"] < 1e6).all()
    s = summarize(runs, ts, ["share_open"])
    assert s["n"].iloc[0] == 3
    assert s["mean"].iloc[0] == pytest.approx(np.mean(np.arange(12, 24)))


def test_final_values_rejects_bad_input():
    runs, ts = make_sweep()
    with pytest.raises(ValueError, match="nope"):
        final_values(runs, ts, ["nope"])
    with pytest.raises(ValueError, match="window_months"):
        final_values(runs, ts, ["share_open"], window_months=0)


# -- summarize: Student-t intervals --------------------------------------------------------------
HAND = {0: [1.0, 2.0, 4.0, 7.0], 1: [10.0, 10.5, 9.0]}  # point -> final value per replicate


def hand_sweep():
    def value(arm, point, replicate, month):
        return HAND[point][replicate] if replicate < len(HAND[point]) else np.nan

    points = [{"developers.count": 1000, "vendors.meta.openness": 0.2}, {"developers.count": 2000}]
    points[1]["vendors.meta.openness"] = 0.8
    return make_sweep(points=points, replicates=4, months=12, value=value, metrics=("share_open", "margin_closed"))


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_summarize_matches_an_independent_t_interval(confidence):
    runs, ts = hand_sweep()
    s = summarize(runs, ts, ["share_open", "margin_closed"], confidence=confidence)
    assert list(s.columns) == [
        "arm",
        "point",
        "metric",
        "n",
        "mean",
        "std",
        "ci_low",
        "ci_high",
        "developers.count",
        "vendors.meta.openness",
    ]
    assert s["metric"].tolist() == ["share_open", "margin_closed"] * 2
    for point, values in HAND.items():
        x = np.array(values)
        low, high = stats.t.interval(confidence, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        row = s[(s["point"] == point) & (s["metric"] == "share_open")].iloc[0]
        assert row["n"] == len(x)
        assert row["mean"] == pytest.approx(x.mean())
        assert row["std"] == pytest.approx(x.std(ddof=1))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert s.loc[s["point"] == 1, "vendors.meta.openness"].iloc[0] == 0.8


def test_summarize_single_replicate_has_nan_bounds_and_by_parameter():
    runs, ts = make_sweep(replicates=1, points=[{"x.a": 1}, {"x.a": 2}])
    s = summarize(runs, ts, "share_open")
    assert s["n"].tolist() == [1, 1]
    assert s[["std", "ci_low", "ci_high"]].isna().all().all()
    assert s["mean"].notna().all()
    by_param = summarize(runs, ts, "share_open", by="x.a")
    assert by_param["x.a"].tolist() == [1, 2]
    pooled = summarize(runs, ts, "share_open", by=())
    assert pooled["n"].tolist() == [2]


def test_summarize_treats_missing_arm_as_empty_arm():
    runs, ts = make_sweep(replicates=2)
    runs["arm"] = np.nan  # "" read back from CSV
    s = summarize(runs, ts, "share_open")
    assert s["arm"].tolist() == [""]
    assert s["n"].tolist() == [2]


# -- over_time ----------------------------------------------------------------------------------
def test_over_time_per_month_interval():
    runs, ts = make_sweep(
        arms=("open", "closed"),
        replicates=3,
        months=6,
        value=lambda arm, p, r, m: m * (2.0 if arm == "open" else 1.0) + r**2,
        failed={("closed", 0, 1)},
    )
    ot = over_time(runs, ts, "share_open")
    assert list(ot.columns) == ["arm", "month", "date", "n", "mean", "std", "ci_low", "ci_high"]
    assert len(ot) == 12
    row = ot[(ot["arm"] == "open") & (ot["month"] == 4)].iloc[0]
    x = np.array([8.0, 9.0, 12.0])
    assert row["date"] == "2023-05"
    assert row["mean"] == pytest.approx(x.mean())
    low, high = stats.t.interval(0.95, 2, loc=x.mean(), scale=stats.sem(x))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert (ot.loc[ot["arm"] == "closed", "n"] == 2).all()


# -- paired differences -------------------------------------------------------------------------
def correlated_sweep(seed: int = 1, replicates: int = 8):
    """Two arms sharing a large replicate effect (the common seed) plus small independent noise."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(0.0, 5.0, size=(2, replicates))
    noise = {arm: rng.normal(0.0, 0.2, size=(2, replicates)) for arm in ("open", "closed")}
    effect = {"open": 0.5, "closed": 0.0}

    def value(arm, point, replicate, month):
        return 10.0 * point + shared[point, replicate] + effect[arm] + noise[arm][point, replicate]

    runs, ts = make_sweep(
        arms=("open", "closed"),
        points=[{"x.a": 0.0}, {"x.a": 1.0}],
        replicates=replicates,
        months=12,
        value=value,
    )
    a = 10.0 * np.arange(2)[:, None] + shared + effect["open"] + noise["open"]
    b = 10.0 * np.arange(2)[:, None] + shared + effect["closed"] + noise["closed"]
    return runs, ts, a, b


def test_paired_differences_are_means_of_per_replicate_differences():
    runs, ts, a, b = correlated_sweep()
    runs = runs.sample(frac=1.0, random_state=3)  # order must not matter: pairs match on (point, replicate)
    d = paired_differences(runs, ts, ["share_open"], "open", "closed")
    assert list(d.columns[:10]) == [
        "point",
        "metric",
        "n",
        "mean_a",
        "mean_b",
        "mean",
        "std",
        "ci_low",
        "ci_high",
        "p_value",
    ]
    assert d["x.a"].tolist() == [0.0, 1.0]
    for point in (0, 1):
        row = d[d["point"] == point].iloc[0]
        diff = a[point] - b[point]
        assert row["n"] == len(diff)
        assert row["mean"] == pytest.approx(diff.mean())
        assert row["mean_a"] - row["mean_b"] == pytest.approx(diff.mean())
        test = stats.ttest_rel(a[point], b[point])
        ci = test.confidence_interval(0.95)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((ci.low, ci.high))
        assert row["p_value"] == pytest.approx(test.pvalue)

        # correlated pairs: the paired interval is far narrower than the unpaired (two-sample) one
        unpaired = stats.ttest_ind(a[point], b[point]).confidence_interval(0.95)
        assert (row["ci_high"] - row["ci_low"]) < 0.2 * (unpaired.high - unpaired.low)


def test_paired_differences_drop_pairs_with_a_failed_run():
    runs, ts, a, b = correlated_sweep()
    runs.loc[(runs["arm"] == "closed") & (runs["point"] == 0) & (runs["replicate"] == 3), "status"] = "failed"
    d = paired_differences(runs, ts, "share_open", "open", "closed")
    row = d[d["point"] == 0].iloc[0]
    keep = np.arange(a.shape[1]) != 3
    assert row["n"] == keep.sum()
    assert row["mean"] == pytest.approx((a[0, keep] - b[0, keep]).mean())
    assert d.loc[d["point"] == 1, "n"].iloc[0] == a.shape[1]


def test_paired_differences_unknown_arm_names_the_arms():
    runs, ts, _, _ = correlated_sweep()
    with pytest.raises(ValueError, match=r"unknown arm 'shut'.*'closed', 'open'"):
        paired_differences(runs, ts, ["share_open"], "open", "shut")


def test_paired_differences_require_common_seeds():
    runs, ts, _, _ = correlated_sweep()
    runs.loc[(runs["arm"] == "closed") & (runs["replicate"] == 0), "seed"] = 999
    with pytest.raises(ValueError, match="share their seed"):
        paired_differences(runs, ts, ["share_open"], "open", "closed")
