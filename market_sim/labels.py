"""Human labels and units of metrics and scenario keys: the one table every figure uses.

``label("price_closed")`` gives ``"closed API price (USD/Mtok)"``; per-vendor columns
(``share_meta``) are labelled from their prefix and the vendor id; scenario keys from their last
part. Unknown names fall back to the name itself, so a new metric is never an error. ``scale``
tells how to show large money values (``"USD bn/month"``) without an offset on the axis.
"""

from __future__ import annotations

import re

# metric -> (label, unit); unit "" for dimensionless counts and indices
METRICS: dict[str, tuple[str, str]] = {
    "developers": ("active developers (simulated)", "developers"),
    "developers_adopting": ("developers using a model (simulated)", "developers"),
    "options_per_adopter": ("options used per adopting developer", "options"),
    "tokens_mtok": ("tokens served", "Mtok/month"),
    "share_open": ("open-weight token share", "fraction"),
    "hhi": ("HHI of vendor token shares", "0-1"),
    "vendors_active": ("vendors active", "vendors"),
    "exits": ("vendors exited (cumulative)", "vendors"),
    "entries": ("vendors entered (cumulative)", "vendors"),
    "vendors_material": ("vendors with share >= 5%", "vendors"),
    "price_closed": ("closed API price", "USD/Mtok"),
    "price_open": ("open-weight effective cost", "USD/Mtok"),
    "price_at_ref": ("cheapest price at reference capability", "USD/Mtok"),
    "margin_closed": ("closed Lerner margin (p - c)/p", "fraction"),
    "capability_closed": ("best closed capability", "κ, log10 compute"),
    "capability_open": ("best open-weight capability", "κ, log10 compute"),
    "capability_gap": ("closed minus open capability", "κ"),
    "lag_months": ("open lag behind closed", "months"),
    "churn_open": ("monthly churn of open-weight users", "fraction"),
    "churn_closed": ("monthly churn of closed-API users", "fraction"),
    "researchers_academia": ("researchers in academia", "researchers"),
    "salary_mean": ("mean researcher salary", "USD/yr"),
    "community_stock": ("community stock", "index"),
    "forks": ("derivative models (cumulative)", "models"),
    "revenue_api": ("closed API revenue", "USD/month"),
    "revenue_service": ("open vendors' service revenue", "USD/month"),
    "revenue_host": ("third-party host revenue", "USD/month"),
    "host_margin": ("hosts' markup income", "USD/month"),
    "spend_selfhost": ("self-hosting spend", "USD/month"),
    "revenue_complement": ("complement revenue", "USD/month"),
    "payments_total": ("developer payments", "USD/month"),
    "switching_costs": ("switching costs", "USD/month"),
    "application_value": ("application value", "USD/month"),
    "developer_surplus": ("developer surplus", "USD/month"),
    "value_share_applications": ("value share: applications", "fraction"),
    "value_share_model": ("value share: model vendors", "fraction"),
    "value_share_infrastructure": ("value share: infrastructure", "fraction"),
}

# per-vendor prefix -> (label with {v}, unit)
PER_VENDOR: dict[str, tuple[str, str]] = {
    "share": ("{v} token share", "fraction"),
    "price": ("{v} effective price", "USD/Mtok"),
    "revenue": ("{v} model revenue", "USD/month"),
    "complement": ("{v} complement revenue", "USD/month"),
    "serving_cost": ("{v} serving cost", "USD/month"),
    "sales_to_complements": ("{v} API sales to complement businesses", "USD/month"),
    "inference": ("{v} inference for own products", "USD/month"),
    "inference_bought": ("{v} inference bought from rivals' APIs", "USD/month"),
    "payroll": ("{v} payroll", "USD/month"),
    "profit": ("{v} profit incl. complement", "USD/month"),
    "cash": ("{v} cash", "USD"),
    "training_cost": ("{v} training cost (final runs)", "USD/month"),
    "compute": ("{v} R&D compute", "USD/month"),
    "funding": ("{v} outside funding raised", "USD/month"),
    "researchers": ("{v} researchers", "researchers"),
    "salary": ("{v} salary per skill unit", "USD/yr"),
    "capability": ("{v} frontier capability", "κ"),
    "open": ("{v} open weights", "0/1"),
}

# scenario keys -> label with unit: the dotted key, or its last part for per-vendor keys (vendors.<id>.<key>)
PARAMETERS: dict[str, str] = {
    "developers.count": "simulated developers",
    "researchers.count": "simulated researchers",
    "run.months": "months simulated",
    "market.serving_cost_decline_per_year": "serving cost decline (fraction/yr)",
    "market.volume_growth_per_year": "token volume growth (fraction/yr)",
    "developers.choice_noise": "choice noise (κ-units)",
    "hosts.enabled": "third-party hosts",
    "hosts.markup": "host markup over cost (fraction)",
    "community.strength": "community strength (x default)",
    "spillover.rate": "open spillover (fraction/month)",
    "switching.closed_exit": "cost of leaving a closed API (κ-units)",
    "complement_usd_per_month": "complement revenue (USD/month)",
    "complement_ecosystem_weight": "ecosystem weight of the complement",
    "markup": "markup over cost (fraction)",
    "community.reimplementation_cost_share": "compute share to reimplement others' community work",
    "community.serving_cost_reduction": "community's cut of open serving cost (fraction)",
    "developers.lockin_aversion_usd_mean": "lock-in aversion (USD/month)",
    "developers.price_elasticity": "price elasticity of token volume",
    "market.capability_saturation": "capability saturation (κ)",
    "market.capability_value_per_kappa": "willingness to pay per κ (log-form γ)",
    "market.complement_dependency_penalty": "dependency penalty (κ)",
    "market.nest_correlation": "nest correlation (same weights as substitutes)",
    "researchers.visibility_mean": "researchers' preference for visible work",
    "rnd.capacity_elasticity": "research capacity elasticity",
    "rnd.usage_learning": "usage learning (κ per unit share)",
    "sizes.serving_cost_capability_elasticity": "serving cost per κ (b)",
    "complement_capability_elasticity": "complement loss per κ behind (e)",
    "complement_value_per_mtok": "complement's value per Mtok (USD)",
    "own_inference_growth_per_year": "complement workload growth (fraction/yr)",
    "own_inference_usd_per_month": "complement AI workload at 2023-01 (USD/month at 1 USD/Mtok)",
}

MONEY_UNITS = ("USD/month", "USD", "USD/yr")
_VENDOR_COLUMN = re.compile(
    r"^(?P<prefix>" + "|".join(sorted(PER_VENDOR, key=len, reverse=True)) + r")_(?P<vid>[a-z][a-z0-9_]*)$"
)


SIZES = ("small", "medium", "large")


def parts(name: str, vendor_names: dict[str, str] | None = None) -> tuple[str, str]:
    """(label, unit) of a metric; per-vendor columns use ``vendor_names[vid]`` or the id.

    A known metric with a size-class suffix (``price_closed_small``) is that metric for one size.
    """
    if name in METRICS:
        return METRICS[name]
    base, _, size = name.rpartition("_")
    if size in SIZES and base in METRICS:
        text, unit = METRICS[base]
        return f"{text}, {size} models", unit
    m = _VENDOR_COLUMN.match(name)
    if m and m["prefix"] in PER_VENDOR:
        text, unit = PER_VENDOR[m["prefix"]]
        return text.format(v=(vendor_names or {}).get(m["vid"], m["vid"])), unit
    return name, ""


def label(name: str, vendor_names: dict[str, str] | None = None, scale: float = 1.0) -> str:
    """Axis label with unit, e.g. ``"closed API price (USD/Mtok)"``; scenario keys too."""
    if name in PARAMETERS:
        return PARAMETERS[name]
    if "." in name and name.rsplit(".", 1)[-1] in PARAMETERS:
        return PARAMETERS[name.rsplit(".", 1)[-1]]
    text, unit = parts(name, vendor_names)
    if scale != 1.0 and unit in MONEY_UNITS:
        unit = unit.replace("USD", f"USD {_SCALE_NAMES[scale]}")
    return f"{text} ({unit})" if unit else text


_SCALE_NAMES = {1e3: "k", 1e6: "M", 1e9: "bn", 1e12: "tn"}


def money_scale(name: str, values) -> float:
    """The power of 1000 to divide money values by (1 for non-money metrics)."""
    import numpy as np

    if parts(name)[1] not in MONEY_UNITS:
        return 1.0
    top = float(np.nanmax(np.abs(np.asarray(values, dtype=float)), initial=0.0))
    for scale in (1e12, 1e9, 1e6, 1e3):
        if top >= scale:
            return scale
    return 1.0


def numeric_key(value) -> tuple:
    """Sort key putting labels like every_4, every_9, every_18 in numeric order."""
    text = str(value)
    return tuple((0, float(p), "") if _is_number(p) else (1, 0.0, p) for p in re.split(r"(-?\d+(?:\.\d+)?)", text) if p)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
