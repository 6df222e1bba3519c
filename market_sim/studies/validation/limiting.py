"""Limiting cases (MODEL.md): each case run over the seeds and compared with its analytic answer.

One table row per case x parameter set x quantity (:data:`TABLE_COLUMNS`); the scenarios are
:mod:`.cases`, the parameter sets :mod:`.sets` (``parameter_sets.toml``), the answers
:mod:`.analytic`, the demand cases of docs/ODD.md 8 q :mod:`.demand`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from market_sim.results import run
from market_sim.studies.validation.analytic import (
    bass_continuous,
    bass_recursion,
    bass_sampling_band,
    leader_nash_shares,
    logit_shares,
    nash_prices,
)
from market_sim.studies.validation.cases import bass_case, bertrand_case, leader_case
from market_sim.studies.validation.demand import validate_demand
from market_sim.studies.validation.sets import BASS_SETS, BERTRAND_SETS, LEADER_SETS, BassSet, BertrandSet, LeaderSet

TABLE_COLUMNS = [
    "case",
    "parameters",
    "quantity",
    "analytic",
    "simulated",
    "mean_abs_error",
    "max_abs_error",
    "max_rel_error",
    "error_measure",
    "tolerance",
    "pass",
    "seeds",
    "note",
]
"""Columns of the limiting-case table. ``analytic``: the analytic value (mean over seeds when it
depends on the run, as in the leader case); ``simulated``: mean over seeds; errors are over seeds
(for a curve, the per-seed error is its maximum over months); ``error_measure`` says which error
(``relative`` = max_rel_error, ``absolute`` = max_abs_error) is compared with ``tolerance``;
``pass``: that error <= tolerance."""

BERTRAND = "logit–Bertrand"
BASS = "Bass diffusion"
LEADER = "leader persistence"
SHARE_MONTHS = 5  # Bertrand: simulated shares are the mean of the last SHARE_MONTHS months
LEADER_MONTHS = 12  # leader: share error = mean over the last LEADER_MONTHS months


def leader_premise(setting: LeaderSet) -> bool:
    """The analytic premise of persistence: the incumbent's Nash share exceeds the rival's at the start."""
    s_inc, s_riv = leader_nash_shares(setting.advantage, 0.0, setting.alpha)
    return s_inc > s_riv


def _row(
    case: str,
    parameters: str,
    quantity: str,
    analytic: float | Sequence[float],
    values: Sequence[float],
    measure: str,
    tolerance: float,
    note: str = "",
    errors: Sequence[float] | None = None,
) -> dict:
    """One table row from per-seed simulated values (and per-seed analytic values or errors if given)."""
    values = np.asarray(values, float)
    analytic_arr = np.broadcast_to(np.asarray(analytic, float), values.shape)
    abs_err = np.abs(values - analytic_arr) if errors is None else np.asarray(errors, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_err = np.where(np.abs(analytic_arr) > 0, abs_err / np.abs(analytic_arr), np.nan)
    max_rel = float(np.max(rel_err)) if np.isfinite(rel_err).any() else math.nan
    error = max_rel if measure == "relative" else float(np.max(abs_err))
    return {
        "case": case,
        "parameters": parameters,
        "quantity": quantity,
        "analytic": float(np.mean(analytic_arr)),
        "simulated": float(np.mean(values)),
        "mean_abs_error": float(np.mean(abs_err)),
        "max_abs_error": float(np.max(abs_err)),
        "max_rel_error": max_rel,
        "error_measure": measure,
        "tolerance": float(tolerance),
        "pass": bool(error <= tolerance),
        "seeds": int(values.size),
        "note": note,
    }


def validate_bertrand(sets: Sequence[BertrandSet], seeds: Sequence[int]) -> tuple[list[dict], dict]:
    """Final-month prices vs Nash prices (1% relative), shares of the last months vs logit shares (0.02).

    Developers are homogeneous and best responses use the expected (logit) demand of the whole
    population, so prices are exact up to the root finder; shares carry sampling noise of order
    ``sqrt(s (1 − s) / (developers x months))``.
    """
    rows, traces = [], {}
    for s in sets:
        p_star = nash_prices(s.delta, s.cost, s.alpha)
        prob = logit_shares(s.delta, p_star, s.alpha)
        runs = [
            run(bertrand_case(list(s.delta), list(s.cost), s.alpha, months=s.months, developers=s.developers), seed=k)
            for k in seeds
        ]
        sims = [r.timeseries for r in runs]
        J = len(s.delta)
        for j in range(J):
            final = [ts[f"price_v{j}"].iloc[-1] for ts in sims]
            rows.append(
                _row(BERTRAND, s.label, f"price_v{j}, final month (USD/Mtok)", p_star[j], final, "relative", 0.01)
            )
        adopting = [(ts["developers_adopting"] / ts["developers"]).iloc[-SHARE_MONTHS:].mean() for ts in sims]
        rows.append(
            _row(
                BERTRAND,
                s.label,
                f"adopting share Σ_j s_j (developers_adopting / developers, last {SHARE_MONTHS} months)",
                prob.sum(),
                adopting,
                "absolute",
                0.02,
                f"{s.developers:,} developers: sampling sd ≈ "
                f"{math.sqrt(prob.sum() * (1 - prob.sum()) / (s.developers * SHARE_MONTHS)):.4f}",
            )
        )
        if J > 1:
            for j in range(J):
                share = [ts[f"share_v{j}"].iloc[-SHARE_MONTHS:].mean() for ts in sims]
                rows.append(
                    _row(
                        BERTRAND,
                        s.label,
                        f"share_v{j} = s_j / Σ_k s_k (last {SHARE_MONTHS} months)",
                        prob[j] / prob.sum(),
                        share,
                        "absolute",
                        0.02,
                    )
                )
        traces[s.label] = {"runs": sims, "nash": p_star, "set": s}
    return rows, traces


def validate_bass(sets: Sequence[BassSet], seeds: Sequence[int]) -> tuple[list[dict], dict]:
    """Adopting share vs the discrete recursion and vs the continuous formula.

    Tolerances: the recursion, the 99.9th percentile of a finite population's sampling error
    (:func:`bass_sampling_band`); the continuous formula, that band plus the analytic gap between
    the two forms (the model implements the recursion; triangle inequality).
    """
    rows, traces = [], {}
    for s in sets:
        F = bass_recursion(s.p, s.q, s.months)
        C = bass_continuous(s.p, s.q, s.months)
        gap = float(np.max(np.abs(F - C)))
        curves = []
        for k in seeds:
            ts = run(bass_case(s.p, s.q, developers=s.developers, months=s.months), seed=k).timeseries
            curves.append((ts["developers_adopting"] / ts["developers"]).to_numpy(float))
        curves = np.vstack(curves)
        mean_curve = curves.mean(axis=0)
        median, band = bass_sampling_band(s.p, s.q, s.developers, s.months)
        sampling = (
            f"sampling band of {s.developers:,} developers (binomial Bass chain, 4,000 replicates): "
            f"median {median:.3f}, 99.9th percentile {band:.3f}"
        )
        for name, target, tol, note in [
            ("discrete recursion", F, band, f"tolerance = {sampling}"),
            (
                "continuous formula",
                C,
                band + gap,
                f"tolerance = sampling band {band:.3f} + max |recursion − continuous| {gap:.3f} (discretisation gap)",
            ),
        ]:
            t_worst = int(np.argmax(np.abs(mean_curve - target)))
            per_seed = np.max(np.abs(curves - target), axis=1)
            rows.append(
                _row(
                    BASS,
                    s.label,
                    f"F(t) vs {name}, t = 1..{s.months} (values at worst month t = {t_worst + 1})",
                    target[t_worst],
                    curves[:, t_worst],
                    "absolute",
                    tol,
                    note,
                    errors=per_seed,
                )
            )
        traces[s.label] = {
            "curves": curves,
            "recursion": F,
            "continuous": C,
            "gap": gap,
            "band": band,
            "median": median,
            "set": s,
        }
    return rows, traces


def validate_leader(sets: Sequence[LeaderSet], seeds: Sequence[int]) -> tuple[list[dict], dict]:
    """Persistence (incumbent ahead in every month) as predicted by the premise; capability lead;
    incumbent's token share in the last months vs logit-Nash shares at each month's capabilities."""
    rows, traces = [], {}
    for s in sets:
        premise = leader_premise(s)
        s0_inc, s0_riv = leader_nash_shares(s.advantage, 0.0, s.alpha)
        persists, widens, sim_share, nash_share, paths = [], [], [], [], []
        for k in seeds:
            ts = run(leader_case(s.advantage, s.learning, s.alpha, months=s.months, developers=s.developers), seed=k)
            ts = ts.timeseries
            persists.append(float((ts["share_incumbent"] > ts["share_rival"]).all()))
            lead = (ts["capability_incumbent"] - ts["capability_rival"]).to_numpy(float)
            widens.append(float(lead[-1] >= lead[0] - 1e-9))
            analytic = []
            for ki, kr in zip(ts["capability_incumbent"], ts["capability_rival"], strict=True):
                a, b = leader_nash_shares(float(ki), float(kr), s.alpha)
                analytic.append(a / (a + b))
            analytic = np.asarray(analytic)
            simulated = ts["share_incumbent"].to_numpy(float)
            sim_share.append(simulated[-LEADER_MONTHS:].mean())
            nash_share.append(analytic[-LEADER_MONTHS:].mean())
            paths.append((simulated, analytic))
        premise_text = (
            f"premise {'holds' if premise else 'fails'}: Nash shares at start {s0_inc:.3f} (incumbent) vs "
            f"{s0_riv:.3f} (rival)"
        )
        rows.append(
            _row(
                LEADER,
                s.label,
                "incumbent's share > rival's in every month (1 = yes; share of seeds)",
                float(premise),
                persists,
                "absolute",
                0.0,
                premise_text,
            )
        )
        rows.append(
            _row(
                LEADER,
                s.label,
                "incumbent's capability lead does not shrink (1 = yes; share of seeds)",
                float(premise),
                widens,
                "absolute",
                0.0,
            )
        )
        rows.append(
            _row(
                LEADER,
                s.label,
                f"incumbent's token share (last {LEADER_MONTHS} months) vs logit-Nash at its capabilities",
                nash_share,
                sim_share,
                "absolute",
                0.02,
            )
        )
        traces[s.label] = {"paths": paths, "premise": premise, "set": s}
    return rows, traces


def limiting_cases(
    seeds: int | Sequence[int] = 5,
    bertrand: Sequence[BertrandSet] = BERTRAND_SETS,
    bass: Sequence[BassSet] = BASS_SETS,
    leader: Sequence[LeaderSet] = LEADER_SETS,
) -> tuple[pd.DataFrame, dict]:
    """Run every limiting case over the seeds; returns (table with :data:`TABLE_COLUMNS`, traces for figures)."""
    seed_list = as_seeds(seeds)
    rows_b, traces_b = validate_bertrand(bertrand, seed_list)
    rows_s, traces_s = validate_bass(bass, seed_list)
    rows_l, traces_l = validate_leader(leader, seed_list)
    rows_d = validate_demand(seed_list, _row)
    table = pd.DataFrame(rows_b + rows_d + rows_s + rows_l, columns=TABLE_COLUMNS)
    return table, {"bertrand": traces_b, "bass": traces_s, "leader": traces_l}


def as_seeds(seeds: int | Sequence[int]) -> list[int]:
    """``1..seeds`` for a count, else the given seeds as ints."""
    return list(range(1, int(seeds) + 1)) if isinstance(seeds, int | np.integer) else [int(s) for s in seeds]
