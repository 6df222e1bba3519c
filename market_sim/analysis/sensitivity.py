"""Global sensitivity indices of sweep outputs (SALib): Sobol (Saltelli design) and Morris (elementary effects).

``problem`` is SALib's dict ``{"num_vars", "names", "bounds"}``. Outputs are given per design point in
the order SALib's sampler returned the points: ``SALib.sample.sobol.sample(problem, N,
calc_second_order=False)`` (N·(D+2) points) or ``SALib.sample.morris.sample(problem, N)``.

Sobol (Saltelli 2010 / Jansen estimators, bootstrap intervals), with Y the output:
``S1_i = V[E(Y | x_i)] / V(Y)`` (first order), ``ST_i = E[V(Y | x_~i)] / V(Y)`` (total order).
Morris: elementary effect ``EE_i = (Y(x + Δ e_i) − Y(x)) / Δ`` along each trajectory;
``mu_star_i = mean |EE_i|``, ``mu_i = mean EE_i``, ``sigma_i = sd EE_i``; ``mu_star_conf`` is a
bootstrap half-width at the given confidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

from market_sim.analysis.summary import _as_list, _check_confidence, arms, final_values

SOBOL_COLUMNS = ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
DESIGNS = ("sobol", "morris")
# SALib seeds its bootstrap only when ``if seed:`` holds, so seed 0 means "unseeded" and the intervals
# change from call to call; a nonzero default makes them reproducible.
BOOTSTRAP_SEED = 2024


def _factor_names(problem: Mapping[str, Any]) -> list[str]:
    """Names of the analysed factors: the parameters, or the groups in first-seen order if ``groups`` is set."""
    for key in ("num_vars", "names", "bounds"):
        if key not in problem:
            raise ValueError(f"problem lacks {key!r}; expected keys 'num_vars', 'names', 'bounds'")
    names = list(problem["names"])
    if len(names) != problem["num_vars"]:
        raise ValueError(f"problem has num_vars={problem['num_vars']} but {len(names)} names")
    groups = problem.get("groups")
    return list(dict.fromkeys(groups)) if groups else names


def _output(values: Any, name: str = "values") -> np.ndarray:
    y = np.asarray(values, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ValueError(f"{name} must be finite; {bad.size} design point(s) are not, e.g. points {bad[:10].tolist()}")
    return y


def _check_seed(seed: int) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or seed == 0:
        raise ValueError(f"seed {seed!r} is not allowed: expected a nonzero integer (SALib leaves 0 unseeded)")


def _nan_indices(names: list[str], columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({"parameter": names})
    for column in columns[1:]:
        out[column] = np.nan
    return out


def sobol_indices(
    problem: Mapping[str, Any],
    values: Sequence[float] | np.ndarray | pd.Series,
    confidence: float = 0.95,
    *,
    num_resamples: int = 100,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """First- and total-order Sobol indices of ``values`` (one output per design point, design order).

    Wraps ``SALib.analyze.sobol.analyze(problem, Y, calc_second_order=False, conf_level=confidence)``;
    ``*_conf`` are bootstrap half-widths (``num_resamples`` resamples, ``seed`` for reproducibility: it
    must be nonzero, since SALib leaves the bootstrap unseeded at 0).
    Requires len(values) = N·(D+2). A constant output has undefined indices: NaN rows.
    Columns: ``parameter, S1, S1_conf, ST, ST_conf``.
    """
    _check_confidence(confidence)
    _check_seed(seed)
    names = _factor_names(problem)
    y = _output(values)
    block = len(names) + 2
    if y.size == 0 or y.size % block:
        raise ValueError(f"a Sobol design without second order has N*(D+2) = N*{block} points; got {y.size} values")
    if np.ptp(y) == 0.0:
        return _nan_indices(names, SOBOL_COLUMNS)
    res = sobol_analyze.analyze(
        dict(problem),
        y,
        calc_second_order=False,
        num_resamples=num_resamples,
        conf_level=confidence,
        seed=seed,
    )
    return pd.DataFrame({"parameter": names, **{c: np.asarray(res[c], dtype=float) for c in SOBOL_COLUMNS[1:]}})


def morris_indices(
    problem: Mapping[str, Any],
    X: np.ndarray,
    values: Sequence[float] | np.ndarray | pd.Series,
    confidence: float = 0.95,
    *,
    num_levels: int = 4,
    num_resamples: int = 100,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Morris elementary-effect statistics of ``values`` at the design points ``X`` (n x D, design order).

    Wraps ``SALib.analyze.morris.analyze(problem, X, Y, conf_level=confidence, num_levels=...)``;
    ``num_levels`` must be the one used to sample. Columns: ``parameter, mu_star, mu_star_conf, sigma, mu``.
    """
    _check_confidence(confidence)
    _check_seed(seed)
    names = _factor_names(problem)
    X = np.asarray(X, dtype=float)
    y = _output(values)
    if X.ndim != 2 or X.shape[1] != problem["num_vars"]:
        raise ValueError(f"X must have shape (n, {problem['num_vars']}), got {X.shape}")
    if X.shape[0] != y.size:
        raise ValueError(f"X has {X.shape[0]} design points but there are {y.size} values")
    if y.size % (len(names) + 1):
        raise ValueError(f"a Morris design has N*(D+1) = N*{len(names) + 1} points; got {y.size}")
    res = morris_analyze.analyze(
        dict(problem),
        X,
        y,
        num_resamples=num_resamples,
        conf_level=confidence,
        num_levels=num_levels,
        seed=seed,
    )
    columns = {c: np.ma.filled(np.ma.asarray(res[c], dtype=float), np.nan) for c in MORRIS_COLUMNS[1:]}
    return pd.DataFrame({"parameter": [str(n) for n in res["names"]], **columns})


def indices_for_sweep(
    design: str,
    problem: Mapping[str, Any],
    X: np.ndarray | None,
    runs: pd.DataFrame,
    timeseries: pd.DataFrame,
    metrics: str | Sequence[str],
    window_months: int = 12,
    *,
    confidence: float = 0.95,
    num_levels: int = 4,
    num_resamples: int = 100,
    seed: int = BOOTSTRAP_SEED,
    on_missing: str = "raise",
) -> pd.DataFrame:
    """Sensitivity indices of each metric's final-window value for a sobol or morris sweep.

    Per arm and design point p (0 .. len(X) − 1): ``y_p = mean over ok replicates of`` the
    :func:`~market_sim.analysis.summary.final_values` (NaNs ignored); then :func:`sobol_indices` or
    :func:`morris_indices` on y in point order, per arm and metric. ``X`` is the sampled design matrix
    (required for morris; for sobol only its length is checked, None allowed). A point without a value
    (every replicate failed, or the metric is NaN throughout the window) raises ValueError, or with
    ``on_missing="nan"`` gives NaN indices for that arm and metric.
    Columns: ``arm, metric``, then the index columns of the design.
    """
    design = str(design).lower()
    if design not in DESIGNS:
        raise ValueError(f"sensitivity indices need a sobol or morris design, got {design!r}")
    if on_missing not in ("raise", "nan"):
        raise ValueError(f"on_missing must be 'raise' or 'nan', got {on_missing!r}")
    metrics = _as_list(metrics)
    names = _factor_names(problem)
    if X is None:
        if design == "morris":
            raise ValueError("a morris analysis needs the design matrix X")
        n_points = int(runs["point"].max()) + 1 if len(runs) else 0
    else:
        n_points = len(X)
    outside = sorted(set(runs["point"].astype(int)) - set(range(n_points)))
    if outside:
        raise ValueError(f"runs have points {outside[:10]} outside the design's {n_points} points")

    fv = final_values(runs, timeseries, metrics, window_months)
    columns = SOBOL_COLUMNS if design == "sobol" else MORRIS_COLUMNS
    frames = []
    for arm in arms(runs):
        table = fv.loc[fv["arm"] == arm].groupby("point")[metrics].mean().reindex(range(n_points))
        for metric in metrics:
            y = table[metric].to_numpy(dtype=float)
            missing = np.flatnonzero(~np.isfinite(y))
            if missing.size and on_missing == "raise":
                raise ValueError(
                    f"metric {metric!r} (arm {arm!r}) has no value at {missing.size} of {n_points} design points, "
                    f"e.g. {missing[:10].tolist()}: every replicate failed or the metric is NaN throughout "
                    f"the last {window_months} months; pass on_missing='nan' to skip it"
                )
            if missing.size:
                idx = _nan_indices(names, columns)
            elif design == "sobol":
                idx = sobol_indices(problem, y, confidence, num_resamples=num_resamples, seed=seed)
            else:
                idx = morris_indices(
                    problem, X, y, confidence, num_levels=num_levels, num_resamples=num_resamples, seed=seed
                )
            frames.append(idx.assign(arm=arm, metric=metric)[["arm", "metric", *columns]])
    if not frames:
        return pd.DataFrame(columns=["arm", "metric", *columns])
    return pd.concat(frames, ignore_index=True)


def sobol_convergence(
    problem: Mapping[str, Any],
    values: Sequence[float] | np.ndarray | pd.Series,
    sizes: Sequence[int] | None = None,
    confidence: float = 0.95,
    *,
    num_resamples: int = 100,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Sobol indices re-estimated on the first n base samples of the design, for each n in ``sizes``.

    SALib's Saltelli design (unscrambled or scrambled with one seed, no skip) is built row block by
    row block from the Sobol sequence, so its first n·(D+2) points are the design of size n: the
    estimates at n = N/4, N/2, N (default ``sizes``: the powers of 2 from 4 up to N) show whether
    the indices have settled. Columns: ``N``, then those of :func:`sobol_indices`.
    """
    names = _factor_names(problem)
    y = _output(values)
    block = len(names) + 2
    total = y.size // block
    if y.size == 0 or y.size % block:
        raise ValueError(f"a Sobol design without second order has N*(D+2) = N*{block} points; got {y.size} values")
    sizes = sizes or [n for n in (2**k for k in range(2, 31)) if n <= total]
    bad = [n for n in sizes if not 2 <= n <= total]
    if bad:
        raise ValueError(f"sizes {bad} are not allowed: expected base sample sizes from 2 to N = {total}")
    frames = [
        sobol_indices(problem, y[: n * block], confidence, num_resamples=num_resamples, seed=seed).assign(N=n)
        for n in sizes
    ]
    out = pd.concat(frames, ignore_index=True)
    return out[["N", *SOBOL_COLUMNS]]
