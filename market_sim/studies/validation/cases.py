"""Analytic limiting cases (MODEL.md): scenarios in which the model must reproduce a known answer.

Each function returns a :class:`~market_sim.scenario.Scenario` with every mechanism off except
the one under test, so anyone can re-run a case with their own numbers::

    ts = run(bertrand_case([1.0, 0.5], [1.0, 2.0], alpha=1.0), seed=1).timeseries
    ts[["price_v0", "price_v1"]].iloc[-1]  # -> the logit-Bertrand-Nash prices

The analytic answers are computed independently in :mod:`.analytic` (for the report) and in
``tests/test_validation.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from market_sim.market.channels import CHANNELS
from market_sim.scenario import Scenario

SIZES_LARGE = ["large"]


def _quiet(months: int, developers: int) -> dict:
    """A scenario skeleton with every mechanism switched off and homogeneous developers."""
    return {
        "run": {"start": "2023-01", "months": months},
        "market": {
            "price_form": "linear",
            "nest_correlation": 0.0,
            "capability_value_per_kappa": 1.0,
            "capability_saturation": 0.0,
            "reference_capability": 0.0,
            "frontier_growth_before_start_per_year": 1.0,
            "serving_cost_decline_per_year": 0.0,
            "volume_growth_per_year": 0.0,
            "outside_option": True,
            "demand_sample": developers,
            "complement_dependency_penalty": 0.0,
        },
        "sizes": {
            "capability_gap": [0.0, 0.0, 0.0],
            "serving_cost_usd_per_mtok": [1.0, 1.0, 1.0],
            "selfhost_fixed_usd_per_month": [0.0, 0.0, 0.0],
            "serving_cost_capability_elasticity": 0.0,
            "serving_cost_reference_capability": [0.0, 0.0, 0.0],
        },
        "tiers": {"volume_shares": [1.0], "requirement": [0.0], "requirement_growth_per_year": 0.0},
        "developers": {
            "count": developers,
            "population_represented": float(developers),
            "initial_active_share": 1.0,
            "entry_rate_per_month": 0.0,
            "volume_mtok_median": 1.0,
            "volume_sigma": 0.0,
            "value_per_mtok_median": 1.0,
            "value_sigma": 0.0,
            "choice_noise": 1.0,
            "reconsider_rate": 1.0,
            "reconsider_concentration": 0.0,
            "initial_choice": True,
            "privacy_share": 0.0,
            "size_need_shares": [0.0, 0.0, 1.0],
            "finetune_share": 0.0,
            "inhouse_alpha": 1.0,
            "inhouse_beta": 1.0,
            "lockin_aversion_mean": 0.0,
            "lockin_aversion_usd_mean": 0.0,
            "price_elasticity": 0.0,
            "contribution_propensity_mean": 0.0,
        },
        "awareness": {"p": 0.0, "q": 0.0, "carryover": 1.0},
        "penalties": {
            "size_mismatch": 0.0,
            "finetune_missing": 0.0,
            "closed_finetune_support": 1.0,
            "host_finetune_support": 1.0,
            "integration_selfhost": 0.0,
            "integration_host": 0.0,
            "integration_selfhost_usd_per_month": 0.0,
            "integration_host_usd_per_month": 0.0,
            "selfhost_overhead_max": 0.0,
            "privacy_trusts_hosts": True,
        },
        "switching": {
            "onboarding": 0.0,
            "open_to_open": 0.0,
            "closed_exit": 0.0,
            "other": 0.0,
            "onboarding_usd": 0.0,
            "open_to_open_usd": 0.0,
            "closed_exit_usd": 0.0,
            "other_usd": 0.0,
        },
        "lock_in": {"shock_boost": 0.0, "memory_months": 12.0},
        "hosts": {"enabled": False, "markup": 0.0, "cost_factor": 1.0},
        "rnd": {
            "capability_rate": 0.0,
            "capacity_elasticity": 0.0,
            "compute_elasticity": 0.0,
            "capacity_ref": 1.0,
            "compute_ref_usd_per_month": 1.0,
            "compute_price_decline_per_year": 0.0,
            "usage_learning": 0.0,
        },
        "training": {"growth_per_year": 1.0, "final_run_share": 0.0},
        "funding": {
            "revenue_multiple": 0.0,
            "max_dilution": 0.0,
            "round_months": 0.0,
            "trigger_months": 0.0,
            "min_months_between_rounds": 0,
        },
        "community": {
            "strength": 0.0,
            "researcher_weight": 0.0,
            "depreciation": 0.0,
            "half_saturation": 1.0,
            "serving_cost_reduction": 0.0,
            "finetune_boost": 0.0,
            "absorb_open": 0.0,
            "absorb_closed": 0.0,
            "absorb_delay_months": 0,
            "reimplementation_cost_share": 0.0,
            "fork_share": 0.0,
        },
        "spillover": {"rate": 0.0},
        "channels": dict.fromkeys(CHANNELS, True),
        "researchers": {
            "count": 0,
            "population_represented": 0.0,
            "skill_pareto_shape": 3.0,
            "turnover": 0.0,
            "salary_weight": 1.0,
            "visibility_mean": 0.0,
            "visibility_sigma": 0.0,
            "compute_weight": 0.0,
            "mission_sigma": 0.0,
            "academia_salary_usd": 1.0,
            "academia_compute_usd_per_month": 1.0,
            "matching_rounds": 1,
            "initial_employed_share": 0.0,
            "initial_salary_usd": 1.0,
        },
        "shocks": [],
        "vendors": {},
    }


def _vendor(capability: float, cost_factor: float, openness: str, pricing: dict, release: dict, awareness=1.0) -> dict:
    return {
        "cash_usd": 1e15,
        "initial_capability": float(capability),
        "compute_cost_factor": float(cost_factor),
        "initial_awareness": float(awareness),
        "pricing": pricing,
        "openness": openness,
        "release": release,
        "hiring": "none",
        "rnd": "none",
    }


def bertrand_case(
    mean_utility: Sequence[float],
    cost: Sequence[float],
    alpha: float,
    months: int = 60,
    developers: int = 20_000,
    price_form: str = "linear",
) -> Scenario:
    """Single-product logit oligopoly (MODEL.md limiting case).

    Closed vendors ``v0..vK-1``, vendor j with one model of mean utility delta_j and marginal
    cost c_j (USD per Mtok); unit demand; an outside option of utility 0; all developers
    reconsider every month; ``best_response`` pricing. Nash prices:

    - ``price_form="linear"``: ``u_ij = delta_j - alpha p_j + eps_ij``, ``p_j = c_j + 1 / (alpha (1 - s_j))``.
      Mapping: linear g, choice_noise 1, volume 1, theta = 1/alpha: sigma = 1/alpha, u/sigma = kappa - alpha p.
    - ``price_form="log"``: ``u_ij = delta_j - alpha ln p_j + eps_ij``, Lerner
      ``(p_j - c_j) / p_j = 1 / (alpha (1 - s_j))`` (needs alpha (1 - s_j) > 1). Mapping: choice_noise
      1/alpha, theta 1, gamma 1/alpha: W/sigma = alpha (ln theta + gamma kappa - ln p) = kappa - alpha ln p.
    """
    if len(mean_utility) != len(cost):
        raise ValueError("mean_utility and cost need one entry per vendor")
    if alpha <= 0:
        raise ValueError(f"alpha = {alpha!r}: expected a positive number (utility per $/Mtok or per ln $/Mtok)")
    if price_form not in ("linear", "log"):
        raise ValueError(f"price_form = {price_form!r}: expected 'linear' or 'log'")
    data = _quiet(months, developers)
    if price_form == "log":
        data["market"].update(price_form="log", capability_value_per_kappa=1.0 / alpha)
        data["developers"].update(value_per_mtok_median=1.0, choice_noise=1.0 / alpha)
    else:
        data["developers"]["value_per_mtok_median"] = 1.0 / alpha
    for j, (delta, c) in enumerate(zip(mean_utility, cost, strict=True)):
        data["vendors"][f"v{j}"] = _vendor(
            delta, c, "always_closed", {"strategy": "best_response"}, {"strategy": "once", "sizes": SIZES_LARGE}
        )
    return Scenario(data)


def nested_case(
    mean_utility: Sequence[float],
    cost: Sequence[float],
    alpha: float,
    nests: Sequence[int],
    sigma: float,
    months: int = 60,
    developers: int = 20_000,
) -> Scenario:
    """Single-product firms in nests (nested logit, Berry 1994; Cardell 1997).

    As :func:`bertrand_case` (linear price), with firm j in nest ``nests[j]`` (vendors sharing a
    ``nest_group``) and nest parameter ``sigma`` (``market.nest_correlation``). Nash prices:
    ``p_j = c_j + (1 - sigma) / (alpha (1 - sigma s_(j|g) - (1 - sigma) s_j))``.
    """
    if not len(mean_utility) == len(cost) == len(nests):
        raise ValueError("mean_utility, cost and nests need one entry per vendor")
    if not 0.0 <= sigma < 1.0:
        raise ValueError(f"sigma = {sigma!r}: expected a nest parameter in [0, 1)")
    scenario = bertrand_case(mean_utility, cost, alpha, months, developers).to_dict()
    scenario["market"]["nest_correlation"] = float(sigma)
    for j, g in enumerate(nests):
        scenario["vendors"][f"v{j}"]["nest_group"] = f"n{int(g)}"
    return Scenario(scenario)


def homogeneous_case(
    vendor_cost: float = 0.5,
    host_cost: float = 1.0,
    host_markup: float = 0.2,
    sigma: float = 0.998,
    alpha: float = 1.0,
    months: int = 36,
    developers: int = 20_000,
) -> Scenario:
    """Homogeneous goods (Bertrand): an open vendor ``v0`` sells its own weights as a paid
    service (``best_response``) while third-party hosts serve the same weights at
    ``host_cost x (1 + host_markup)``, in one nest with parameter ``sigma`` near 1. Self-hosting
    is priced out (integration effort 50 kappa-units). With ``vendor_cost`` below the hosts' price
    the vendor prices within O((1 - sigma) / alpha) of the hosts' price; it cannot charge its
    own weights' quality twice."""
    data = _quiet(months, developers)
    data["developers"]["value_per_mtok_median"] = 1.0 / alpha
    data["market"]["nest_correlation"] = float(sigma)
    data["hosts"].update(enabled=True, markup=float(host_markup), cost_factor=float(host_cost))
    data["penalties"]["integration_selfhost"] = 50.0
    vendor = _vendor(
        3.0, vendor_cost, "always_open", {"strategy": "best_response"}, {"strategy": "once", "sizes": SIZES_LARGE}
    )
    vendor["service"] = True
    data["vendors"]["v0"] = vendor
    return Scenario(data)


def bass_case(p: float, q: float, developers: int = 20_000, months: int = 36) -> Scenario:
    """Bass diffusion (MODEL.md limiting case): only awareness dynamics on.

    One vendor, no outside option, every aware developer adopts at once. The adopting share
    follows ``F(t+1) = F(t) + (p + q F(t)) (1 - F(t))`` with F(0) = 0, p and q per month; the
    row for month m holds F(m + 1).
    """
    data = _quiet(months, developers)
    data["market"]["outside_option"] = False
    data["awareness"].update(p=float(p), q=float(q))
    data["vendors"]["v0"] = _vendor(
        1.0,
        1.0,
        "always_closed",
        {"strategy": "markup", "markup": 0.0},
        {"strategy": "once", "sizes": SIZES_LARGE},
        0.0,
    )
    return Scenario(data)


def leader_case(
    incumbent_advantage: float = 2.0,
    learning: float = 0.05,
    alpha: float = 1.0,
    months: int = 120,
    developers: int = 20_000,
) -> Scenario:
    """Leader persistence (Casadesus-Masanell & Ghemawat 2006, Windows vs Linux).

    A closed ``incumbent`` (``best_response`` pricing, zero marginal cost) against an open
    ``rival`` self-hosted at zero price, with identical demand-side learning: each month a
    vendor's capability rises by ``learning x token share`` and it releases monthly. The
    incumbent starts ``incumbent_advantage`` kappa-units ahead (its installed base's learning).
    Persistence: if the incumbent's Nash share exceeds the rival's at the start, learning
    widens the lead and the incumbent is never displaced.
    """
    data = _quiet(months, developers)
    data["developers"]["value_per_mtok_median"] = 1.0 / alpha
    data["sizes"]["serving_cost_usd_per_mtok"] = [0.0, 0.0, 0.0]
    data["rnd"]["usage_learning"] = float(learning)
    monthly = {"strategy": "cadence", "every_months": 1, "sizes": SIZES_LARGE}
    data["vendors"]["incumbent"] = _vendor(
        incumbent_advantage, 1.0, "always_closed", {"strategy": "best_response"}, monthly
    )
    data["vendors"]["rival"] = _vendor(0.0, 1.0, "always_open", {"strategy": "markup", "markup": 0.0}, monthly)
    return Scenario(data)
