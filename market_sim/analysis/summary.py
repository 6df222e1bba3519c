"""Summaries of a sweep over replicates: final-window values, Student-t intervals, paired arm differences.

Inputs are the two tables a sweep writes (plain DataFrames, never files):

- ``runs``: one row per run with ``run_id``, ``arm`` ("" without arms), ``point``, ``replicate``,
  ``seed``, ``status`` ("ok"/"failed"), ``wall_seconds``, ``error`` and one column per swept
  parameter named by its dotted scenario key (e.g. ``"developers.count"``);
- ``timeseries``: one row per run x month with ``run_id``, ``month`` (0-based), ``date``
  ("YYYY-MM") and float metric columns (NaN where a metric is undefined that month).

Only runs with ``status == "ok"`` enter any statistic. Replicate r uses the same seed in every
arm and point (common random numbers), which :func:`paired_differences` exploits.

Intervals: for n values with mean m and sample standard deviation s (ddof = 1),
``m ± t_{(1+c)/2, n-1} · s / sqrt(n)`` at confidence c; NaN bounds when n < 2.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

RUN_COLUMNS = ("run_id", "arm", "point", "replicate", "seed", "status", "wall_seconds", "error", "scenario_hash")
"""Bookkeeping columns of ``runs``; parameter columns are the other ones with a dotted name."""

_KEYS = ["run_id", "arm", "point", "replicate", "seed"]
_STAT_COLUMNS = ["n", "mean", "std", "ci_low", "ci_high"]


# -- helpers ------------------------------------------------------------------------------------
def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _require(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; it has {list(frame.columns)}")


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def _check_window(window_months: int) -> None:
    if int(window_months) != window_months or window_months < 1:
        raise ValueError(f"window_months must be a positive integer, got {window_months!r}")


def parameter_columns(runs: pd.DataFrame) -> list[str]:
    """The parameter columns of ``runs`` in table order: those named by a dotted scenario key
    (``"developers.count"``), i.e. with a "." and not in :data:`RUN_COLUMNS`. Other bookkeeping columns
    a sweep may add (``scenario_hash``, ...) are ignored."""
    return [c for c in runs.columns if isinstance(c, str) and "." in c and c not in RUN_COLUMNS]


def _arm_labels(arm: pd.Series) -> pd.Series:
    """Arm labels as str; a missing label (e.g. "" read back from CSV as NaN) becomes ""."""
    return arm.astype(object).where(arm.notna(), "").astype(str)


def arms(runs: pd.DataFrame) -> list[str]:
    """The sorted arm labels of ``runs`` (any status); a missing label is ""."""
    _require(runs, ["arm"], "runs")
    return sorted(_arm_labels(runs["arm"]).unique())


def _ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs with status "ok", with ``arm`` normalised to str ("" for missing)."""
    _require(runs, _KEYS + ["status"], "runs")
    ok = runs.loc[runs["status"] == "ok"].copy()
    ok["arm"] = _arm_labels(ok["arm"])
    return ok


def t_interval(
    mean: np.ndarray | pd.Series, std: np.ndarray | pd.Series, n: np.ndarray | pd.Series, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Student-t interval ``mean ± t_{(1+c)/2, n-1} · std / sqrt(n)``, vectorised; NaN where n < 2."""
    _check_confidence(confidence)
    mean = np.asarray(mean, dtype=float)
    std = np.asarray(std, dtype=float)
    n = np.asarray(n, dtype=float)
    enough = n >= 2
    df = np.where(enough, n - 1.0, np.nan)
    half = stats.t.ppf(0.5 + confidence / 2.0, df) * std / np.sqrt(np.where(enough, n, np.nan))
    return mean - half, mean + half


def _describe(frame: pd.DataFrame, keys: list[str], value: str, confidence: float) -> pd.DataFrame:
    """Per group of ``keys``: n (non-NaN values), mean, std (ddof=1), ci_low, ci_high."""
    out = (
        frame.groupby(keys, dropna=False, observed=True, sort=True)[value]
        .agg(n="count", mean="mean", std="std")
        .reset_index()
    )
    out["ci_low"], out["ci_high"] = t_interval(out["mean"], out["std"], out["n"], confidence)
    return out


def _constant_parameters(frame: pd.DataFrame, by: list[str], params: list[str]) -> pd.DataFrame | None:
    """Values of the parameters that are constant within every group of ``by`` (one row per group)."""
    params = [p for p in params if p not in by]
    if not params:
        return None
    if not by:
        keep = [p for p in params if frame[p].nunique(dropna=False) <= 1]
        return frame[keep].head(1).reset_index(drop=True) if keep else None
    grouped = frame.groupby(by, dropna=False, sort=False)
    constant = grouped[params].nunique(dropna=False).le(1).all()
    keep = [p for p in params if constant[p]]
    return grouped[keep].first().reset_index() if keep else None


def _ordered_metric(long: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    long["metric"] = pd.Categorical(long["metric"], categories=metrics, ordered=True)
    return long


# -- public -------------------------------------------------------------------------------------
def final_values(
    runs: pd.DataFrame, timeseries: pd.DataFrame, metrics: str | Sequence[str], window_months: int = 12
) -> pd.DataFrame:
    """Per ok run, the mean of each metric over its last ``window_months`` months, NaNs ignored.

    With T the run's last month, the window is ``T - window_months < month <= T`` (the whole run if it
    is shorter); ``value = nanmean(metric[window])`` (NaN if the metric is NaN throughout the window).
    Returns one row per ok run: ``run_id, arm, point, replicate, seed``, the parameter columns, then the
    metrics. An ok run without timeseries rows gets NaN metrics.
    """
    metrics = _as_list(metrics)
    _check_window(window_months)
    _require(timeseries, ["run_id", "month", *metrics], "timeseries")
    ok = _ok_runs(runs)
    params = parameter_columns(runs)
    clash = sorted(set(metrics) & set(ok.columns))
    if clash:
        raise ValueError(f"metric name(s) {clash} are also columns of runs")

    ts = timeseries.loc[timeseries["run_id"].isin(ok["run_id"]), ["run_id", "month", *metrics]]
    last = ts.groupby("run_id")["month"].transform("max")
    window = ts.loc[ts["month"] > last - window_months]
    means = window.groupby("run_id")[metrics].mean()
    out = ok[_KEYS + params].merge(means, left_on="run_id", right_index=True, how="left", validate="one_to_one")
    return out.sort_values("run_id").reset_index(drop=True)


def summarize(
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    metrics: str | Sequence[str],
    by: str | Sequence[str] = ("arm", "point"),
    window_months: int = 12,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Final-window values (:func:`final_values`) summarised over replicates per group, long format.

    Per group of ``by`` (any columns of :func:`final_values`, e.g. a parameter) and metric:
    ``n`` (runs with a value), ``mean``, ``std`` (ddof = 1) and the Student-t interval
    ``ci_low, ci_high = mean ∓ t_{(1+c)/2, n-1} · std / sqrt(n)`` (NaN when n < 2).
    Columns: the ``by`` keys, ``metric``, ``n, mean, std, ci_low, ci_high``, then every parameter
    that is constant within each group (with ``by = ("arm", "point")``: the point's parameter values).
    Metrics keep the order given.
    """
    metrics = _as_list(metrics)
    by = _as_list(by)
    _check_confidence(confidence)
    fv = final_values(runs, timeseries, metrics, window_months)
    _require(fv, by, "final values (runs columns)")
    long = fv.melt(id_vars=by, value_vars=metrics, var_name="metric", value_name="value")
    out = _describe(_ordered_metric(long, metrics), [*by, "metric"], "value", confidence)
    out["metric"] = out["metric"].astype(str)
    params = _constant_parameters(fv, by, parameter_columns(runs))
    if params is not None and by:
        out = out.merge(params, on=by, how="left")
    elif params is not None and len(params):
        out = out.assign(**params.iloc[0].to_dict())
    return out


def over_time(
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    metric: str,
    by: str | Sequence[str] | None = "arm",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group x month: ``n, mean, std, ci_low, ci_high`` of ``metric`` over the ok runs of the group.

    The interval is the Student-t interval over runs (replicates, and points if ``by`` pools them),
    as in :func:`summarize`. Columns: the ``by`` keys, ``month``, ``date`` (if the timeseries has it),
    then the statistics. Months are aligned by index: month 0 is each run's first month.
    """
    by = _as_list(by)
    _check_confidence(confidence)
    _require(timeseries, ["run_id", "month", metric], "timeseries")
    ok = _ok_runs(runs)
    _require(ok, by, "runs")
    ts = timeseries.loc[timeseries["run_id"].isin(ok["run_id"]), ["run_id", "month", metric]]
    frame = ts.merge(ok[["run_id", *by]], on="run_id", how="inner", validate="many_to_one")
    out = _describe(frame, [*by, "month"], metric, confidence)
    if "date" in timeseries.columns:
        dates = timeseries.loc[timeseries["run_id"].isin(ok["run_id"])].groupby("month")["date"].first()
        out.insert(len(by) + 1, "date", out["month"].map(dates))
    return out


def paired_differences(
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    metrics: str | Sequence[str],
    arm_a: str,
    arm_b: str,
    window_months: int = 12,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per design point and metric, the paired difference a − b of final-window values.

    Runs are paired on (point, replicate), i.e. on the common seed; a pair is used when both runs are
    ok and both values are non-NaN. With d_r = a_r − b_r over the n pairs: ``mean = mean(d)``,
    ``std = sd(d)`` (ddof = 1), ``ci = mean ∓ t_{(1+c)/2, n-1} · std / sqrt(n)``, ``t = mean / (std / sqrt(n))``
    and ``p_value = 2 · P(T_{n-1} > |t|)`` (two-sided; equal to ``scipy.stats.ttest_rel``).
    Columns: ``point, metric, n, mean_a, mean_b, mean, std, ci_low, ci_high, p_value`` (``mean_a``,
    ``mean_b`` over the same pairs), then the parameters constant within each point in both arms.
    """
    metrics = _as_list(metrics)
    _check_confidence(confidence)
    available = arms(runs)
    for arm in (arm_a, arm_b):
        if arm not in available:
            raise ValueError(f"unknown arm {arm!r}; available arms: {', '.join(map(repr, available))}")
    if arm_a == arm_b:
        raise ValueError(f"arm_a and arm_b are both {arm_a!r}")
    fv = final_values(runs, timeseries, metrics, window_months)
    key = ["point", "replicate"]
    sides = []
    for arm in (arm_a, arm_b):
        side = fv.loc[fv["arm"] == arm, [*key, "seed", *metrics]]
        duplicated = side.duplicated(key)
        if duplicated.any():
            bad = side.loc[duplicated, key].head(5).to_dict("records")
            raise ValueError(f"arm {arm!r} has more than one ok run per (point, replicate), e.g. {bad}")
        sides.append(side.set_index(key))
    a, b = sides[0].align(sides[1], join="inner")
    unmatched = a["seed"] != b["seed"]
    if unmatched.any():
        bad = a.index[unmatched][:5].tolist()
        raise ValueError(f"paired runs must share their seed (common random numbers); (point, replicate) {bad} do not")
    a, b = a[metrics], b[metrics]
    long = a.reset_index().melt(id_vars=key, value_vars=metrics, var_name="metric", value_name="a")
    long["b"] = b.reset_index().melt(id_vars=key, value_vars=metrics, value_name="b")["b"].to_numpy()
    long["difference"] = long["a"] - long["b"]
    long.loc[long["difference"].isna(), ["a", "b"]] = np.nan
    long = _ordered_metric(long, metrics)

    grouped = long.groupby(["point", "metric"], observed=True, sort=True)
    out = grouped["difference"].agg(n="count", mean="mean", std="std").reset_index()
    out.insert(3, "mean_a", grouped["a"].mean().to_numpy())
    out.insert(4, "mean_b", grouped["b"].mean().to_numpy())
    out["metric"] = out["metric"].astype(str)
    out["ci_low"], out["ci_high"] = t_interval(out["mean"], out["std"], out["n"], confidence)
    n = out["n"].to_numpy(dtype=float)
    df = np.where(n >= 2, n - 1.0, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_stat = out["mean"].to_numpy() / (out["std"].to_numpy() / np.sqrt(n))
    out["p_value"] = 2.0 * stats.t.sf(np.abs(t_stat), df)

    pair_runs = fv.loc[fv["arm"].isin([arm_a, arm_b])]
    params = _constant_parameters(pair_runs, ["point"], parameter_columns(runs))
    if params is not None:
        out = out.merge(params, on="point", how="left")
    return out
