"""The talent market (C9): researchers choose among vendors' offers and academia.

A searcher i values employer e (a vendor, or academia) at

    U_ie = beta_s ln(salary_e) + vis_i visibility_e + beta_c ln(compute_e / compute_academia)
           + mission_ie + eps_ie,     eps ~ Gumbel

(career concerns make open, publishable work valuable: Lerner & Tirole 2002, Stern 2004, F9).
Matching runs in rounds: each unmatched searcher applies to its best employer with open
slots; a vendor takes its most skilled applicants up to its slots and rejects the rest, who
apply elsewhere next round. Academia takes everyone; searchers still unmatched go there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class MatchOutcome:
    employer: np.ndarray  # new employer of each searcher
    hired: np.ndarray  # per vendor
    applicants: np.ndarray  # distinct applicants per vendor


def employer_utility(
    skill_pref_vis: np.ndarray,
    mission: np.ndarray,
    salary_usd: np.ndarray,
    visibility: np.ndarray,
    compute_ratio: np.ndarray,
    salary_weight: float,
    compute_weight: float,
) -> np.ndarray:
    """Deterministic U_ie for searchers (rows) and employers (vendors..., academia)."""
    base = salary_weight * np.log(salary_usd) + compute_weight * np.log(compute_ratio)
    return base[None, :] + skill_pref_vis[:, None] * visibility[None, :] + mission


def match(
    utility: np.ndarray,
    skill: np.ndarray,
    slots: np.ndarray,
    rounds: int,
    rng: np.random.Generator,
    barred: np.ndarray | None = None,
) -> MatchOutcome:
    """Match searchers (rows of ``utility``) to vendors with ``slots`` or academia (last column).

    ``barred[i, v]`` forbids searcher i from vendor v (e.g. the vendor that just laid it off).
    """
    n, e = utility.shape
    academia = e - 1
    noisy = utility + rng.gumbel(size=(n, e))
    if barred is not None:
        noisy[:, :academia][barred] = -np.inf
    left = np.asarray(slots, dtype=np.int64).copy()
    noisy[:, :academia][:, left <= 0] = -np.inf
    employer = np.full(n, -1, dtype=np.int32)
    applied = np.zeros((n, academia), dtype=bool)
    order_by_skill = np.argsort(-skill, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order_by_skill] = np.arange(n)
    for _ in range(rounds):
        open_ = employer < 0
        if not open_.any():
            break
        rows = np.flatnonzero(open_)
        pick = np.argmax(noisy[rows], axis=1)
        to_academia = pick == academia
        employer[rows[to_academia]] = academia
        rows, pick = rows[~to_academia], pick[~to_academia]
        applied[rows, pick] = True
        for v in np.unique(pick):
            cand = rows[pick == v]
            cand = cand[np.argsort(rank[cand], kind="stable")]  # most skilled first
            take = cand[: left[v]]
            employer[take] = v
            left[v] -= take.size
            noisy[cand[take.size :], v] = -np.inf
            if left[v] <= 0:
                noisy[:, v] = -np.inf
    employer[employer < 0] = academia
    hired = np.bincount(employer[employer < academia], minlength=academia)
    return MatchOutcome(employer, hired, applied.sum(axis=0))


def stochastic_round(x: float, rng: np.random.Generator) -> int:
    """Round ``x`` up with probability equal to its fractional part (unbiased)."""
    base = np.floor(x)
    return int(base + (rng.random() < x - base))


def talent_market(model) -> None:
    """Process 1: separations, offers, matching, payroll (C9, F9).

    Headcount targets and salary offers come from each vendor's hiring strategy; targets are
    in real researchers and converted to simulated slots by the population weight.
    """
    from market_sim.strategies.base import HiringContext

    res, cfg, rng, weight = model.researchers, model.cfg["researchers"], model.rng, model.researcher_weight
    n_v = len(model.vendors)
    if len(res) == 0:
        return
    academia = res.academia
    searching = rng.random(len(res)) < cfg["turnover"]
    barred = np.zeros((len(res), n_v), dtype=bool)
    head_start = res.headcount()[:n_v]  # before this month's separations
    for v in model.vendors:
        if v.exited:
            searching |= res.employer == v.index
    res.employer[searching] = academia
    headcount = res.headcount()[:n_v]
    employed = res.employer < academia
    per_skill = res.salary_usd[employed] / res.skill[employed]
    slots = np.zeros(n_v, dtype=np.int64)
    offers = np.array([v.salary_offer_usd for v in model.vendors])
    for v in model.vendors:
        if v.exited:
            continue
        ctx = HiringContext(
            headcount=headcount[v.index] * weight,
            cash_usd=v.cash_usd,
            revenue_usd_per_month=v.last_ledger.revenue_model + v.last_ledger.revenue_complement,
            salary_offer_usd=v.salary_offer_usd,
            market_salary_usd=per_skill,
            fill_rate=v.fill_rate,
            applicants_per_slot=v.applicants_per_slot,
            best_rival_offer_usd=float(np.max(np.delete(offers, v.index), initial=0.0)),
            on_plan=v.on_plan,
            headcount_start=head_start[v.index] * weight,
        )
        target, offer = v.hiring.plan(ctx)
        v.salary_offer_usd = float(offer)
        if target is None:
            continue
        target_sim = stochastic_round(max(target, 0.0) / weight, rng) if weight > 0 else 0
        excess = headcount[v.index] - target_sim
        if excess > 0:  # layoffs when the budget no longer covers the team
            staff = np.flatnonzero(res.employer == v.index)
            fired = rng.choice(staff, size=excess, replace=False)
            res.employer[fired] = academia
            searching[fired] = True
            barred[fired, v.index] = True
        slots[v.index] = max(target_sim - headcount[v.index], 0)

    rows = np.flatnonzero(searching)
    if rows.size == 0:
        return
    salary = np.append([v.salary_offer_usd for v in model.vendors], cfg["academia_salary_usd"])
    talent = model.cfg["channels"]["talent"]  # off: openness does not attract researchers (7.14)
    visibility = np.append([v.visibility if talent else 0.0 for v in model.vendors], 1.0)
    head_real = np.maximum(res.headcount()[:n_v] * weight, 1.0)
    compute_ratio = (
        np.append(
            [
                max(v.compute_usd / head_real[v.index], 1e-3 * cfg["academia_compute_usd_per_month"])
                for v in model.vendors
            ],
            cfg["academia_compute_usd_per_month"],
        )
        / cfg["academia_compute_usd_per_month"]
    )
    mission = np.concatenate([res.mission[rows], np.zeros((rows.size, 1))], axis=1)
    utility = employer_utility(
        res.visibility_pref[rows],
        mission,
        salary,
        visibility,
        compute_ratio,
        cfg["salary_weight"],
        cfg["compute_weight"],
    )
    out = match(utility, res.skill[rows], slots, cfg["matching_rounds"], rng, barred[rows])
    res.employer[rows] = out.employer
    res.salary_usd[rows] = salary[out.employer] * res.skill[rows]
    for v in model.vendors:
        s = slots[v.index]
        v.fill_rate = out.hired[v.index] / s if s > 0 else 1.0
        v.applicants_per_slot = out.applicants[v.index] / s if s > 0 else 0.0


def pay_researchers(model) -> None:
    """Monthly payroll of each vendor, real-population scale: sum of salaries / 12 x weight."""
    res = model.researchers
    n_v = len(model.vendors)
    payroll = np.bincount(res.employer, weights=res.salary_usd, minlength=n_v + 1)[:n_v] / 12.0
    for v in model.vendors:
        v.ledger.payroll = float(payroll[v.index]) * model.researcher_weight
