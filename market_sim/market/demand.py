"""Developer demand: a discrete-continuous nested logit over the options a developer knows, one
choice per task tier (C1-C4, C8, C12, C13, C19, C20, C22; docs/ODD.md, "Demand").

A developer i splits its tokens over task tiers tau (volume share omega_tau, requirement r_tau)
and chooses one option per tier. Quality of option o for a developer of type (f_i, need_i) in
tier tau, in kappa-units:

    G_io,tau = g(kappa_o + premium_o + f_i b_o - r_tau) - m |need_i - size_o| - f_i F (1 - support_o)

with g(x) = kappa_s (1 - exp(-x / kappa_s)) (linear if kappa_s = 0). Tokens on o: the tier's base
volume X_i,tau = omega_tau volume_i (1+g)^(t/12) times (p_o / 1 USD)^(-epsilon) (intensive margin).

Money-metric utility W (USD per month) and logit scale sigma, by ``market.price_form``:

- ``log`` (default): ``W = m [ln theta_i + gamma G - ln p_o] - omega_tau (E_o + lambda_i L [closed] + S)``
  with m = X_i,tau x 1 USD/Mtok and sigma = noise x m, so ``W / sigma = (delta - ln p) / noise``:
  the price coefficient alpha = 1 / noise is on ln p and markups are proportional to cost. With
  epsilon = 1, m ln(v / p) (v = theta e^(gamma G)) is exactly the Marshallian surplus of the
  demand x = m / p below the choke price v (Roy's identity). E_o is the fixed monthly effort of
  using a host or self-hosting (USD, x (1 - h_i)), self-hosting adds its fixed USD cost.
- ``linear`` (model v0.1): ``W = w [G - (1 - h) I_o - s - lambda_i L [closed]] - cost_io`` with
  w = X_i,tau theta_i (every non-price term per token) and sigma = noise x w.

Choice probabilities are nested logit (Berry 1994; Cardell 1997) with one nest per released
model (:mod:`market_sim.market.options`) and nest parameter rho = ``market.nest_correlation``:
``P_o = (e_o / D_g) D_g^(1-rho) / (1 + sum_h D_h^(1-rho))``, e_o = exp(W_o / (sigma (1 - rho))),
D_g = sum of e over the nest, the outside option's utility 0.

This module is the definition, written as array expressions (used by the tests and for
inspection); the adoption, pricing and accounting steps run the same formulas as compiled loops
in :mod:`market_sim.market.choice`, which the tests hold equal to these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from market_sim.market.options import SELF, VENDOR, OptionTable
from market_sim.populations.developers import NO_OPTION, Developers

LINEAR, LOG = 0, 1
PRICE_REF = 1.0  # USD per Mtok: the price at which X_i,tau is the volume (a unit normalisation)
PRICE_FLOOR = 1e-12  # log form: ln p of a free option is taken at this price


@dataclass(frozen=True)
class ChoiceParams:
    """The scenario constants of the utility, plus this month's volume factor, lock-in level and
    tier requirements."""

    form: int  # LINEAR or LOG
    rho: float  # nest correlation
    gamma: float  # log form: ln WTP per kappa-unit
    elasticity: float  # epsilon, intensive margin
    saturation: float
    size_mismatch: float
    finetune_missing: float
    overhead_max: float
    selfhost_fixed: np.ndarray  # USD per month by size
    switching: np.ndarray  # onboarding, open_to_open, closed_exit, other (kappa-units or USD)
    lockin_mean: float  # kappa-units (linear) or USD per month (log)
    noise: float
    outside_option: bool
    volume_factor: float  # (1 + g)^(t/12)
    lockin_multiplier: float  # 1 + boost * shock memory
    tier_share: np.ndarray  # omega_tau
    tier_requirement: np.ndarray  # r_tau(t), kappa

    @classmethod
    def from_scenario(cls, cfg: dict, volume_factor: float, lockin_multiplier: float, month: int = 0) -> ChoiceParams:
        m, pen, sw, dev, tiers = cfg["market"], cfg["penalties"], cfg["switching"], cfg["developers"], cfg["tiers"]
        log = m["price_form"] == "log"
        keys = ("onboarding", "open_to_open", "closed_exit", "other")
        switching = np.array([sw[k + "_usd"] if log else sw[k] for k in keys], float)
        growth = tiers["requirement_growth_per_year"] * month / 12.0
        return cls(
            form=LOG if log else LINEAR,
            rho=m["nest_correlation"],
            gamma=m["capability_value_per_kappa"],
            elasticity=dev["price_elasticity"],
            saturation=m["capability_saturation"],
            size_mismatch=pen["size_mismatch"],
            finetune_missing=pen["finetune_missing"],
            overhead_max=pen["selfhost_overhead_max"],
            selfhost_fixed=np.asarray(cfg["sizes"]["selfhost_fixed_usd_per_month"], float),
            switching=switching,
            lockin_mean=dev["lockin_aversion_usd_mean"] if log else dev["lockin_aversion_mean"],
            noise=dev["choice_noise"],
            outside_option=m["outside_option"],
            volume_factor=volume_factor,
            lockin_multiplier=lockin_multiplier,
            tier_share=np.asarray(tiers["volume_shares"], float),
            tier_requirement=np.asarray(tiers["requirement"], float) + growth,
        )


def capability_value(x: np.ndarray, saturation: float) -> np.ndarray:
    """g(x): concave and saturating at ``saturation`` if it is > 0, else linear (C8)."""
    if saturation <= 0:
        return x
    return saturation * (1.0 - np.exp(-np.asarray(x) / saturation))


def quality_table(opts: OptionTable, p: ChoiceParams) -> np.ndarray:
    """G[type, tier, option] in kappa-units, type = 3 f + need (f the fine-tune need, need the
    size need): ``g(kappa + premium + f b - r_tau) - m |need - size| - f F (1 - support)``."""
    out = np.empty((6, p.tier_share.size, len(opts)))
    for ft in (0, 1):
        x = opts.kappa + opts.premium + ft * opts.finetune_boost
        for need in range(3):
            pen = p.size_mismatch * np.abs(need - opts.size) + p.finetune_missing * ft * (1.0 - opts.finetune_support)
            for tau, r in enumerate(p.tier_requirement):
                out[3 * ft + need, tau] = capability_value(x - r, p.saturation) - pen
    return out


@dataclass
class Utilities:
    """Utilities of developers ``idx`` in tier ``tau`` over option ids ``ids`` (columns)."""

    idx: np.ndarray
    tau: int
    ids: np.ndarray
    utility: np.ndarray  # (n, A) money-metric W, USD/month, -inf where not allowed
    switching: np.ndarray  # (n, A) one-time USD
    sigma: np.ndarray  # (n,) logit scale, USD/month
    base_volume: np.ndarray  # (n,) X_i,tau, Mtok/month at 1 USD/Mtok


def effective_price(dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams, ids) -> np.ndarray:
    """USD per Mtok the developer pays per token: the price, or for self-hosting the serving cost
    times the overhead ``1 + overhead_max (1 - h_i)`` (C4). ``ids`` broadcasts against (n, 1)."""
    h = dev.inhouse[idx][:, None]
    overhead = np.where(opts.mode[ids] == SELF, 1.0 + p.overhead_max * (1.0 - h), 1.0)
    return opts.price[ids] * overhead


def tokens(base: np.ndarray, price: np.ndarray, p: ChoiceParams) -> np.ndarray:
    """x = X (p / 1 USD)^(-epsilon), Mtok/month (the intensive margin)."""
    if p.elasticity == 0:
        return np.broadcast_to(base, np.broadcast_shapes(base.shape, price.shape)).astype(float)
    return base * (np.maximum(price, PRICE_FLOOR) / PRICE_REF) ** -p.elasticity


def base_volume(dev: Developers, idx: np.ndarray, tau: int, p: ChoiceParams) -> np.ndarray:
    return dev.volume_mtok[idx] * p.volume_factor * p.tier_share[tau]


def outcome(
    dev: Developers, idx: np.ndarray, tau: int, opts: OptionTable, p: ChoiceParams, ids
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Application value V, payment, tokens (USD/month, USD/month, Mtok/month) and the choice
    index without switching and lock-in terms, of developers ``idx`` in tier ``tau`` on options
    ``ids`` (broadcast against (n, 1)).

    Linear: V = w (G - (1 - h) I), payment = x p_eff + [self] omega F_k (1 + overhead).
    Log: V = CS + x p_eff - omega E_o (1 - h) with CS the surplus below the choke price
    v = theta e^(gamma G): ``m ln(v / p)`` at epsilon = 1, else
    ``X (v^(1-eps) - p^(1-eps)) / (1 - eps)``; payment as in the linear form.
    """
    X = base_volume(dev, idx, tau, p)[:, None]
    h = dev.inhouse[idx][:, None]
    slack = 1.0 - h
    group = (3 * dev.finetune_need[idx].astype(np.intp) + dev.size_need[idx])[:, None]
    G = quality_table(opts, p)[group, tau, ids]
    price = effective_price(dev, idx, opts, p, ids)
    x = tokens(X, price, p)
    is_self = opts.mode[ids] == SELF
    fixed = np.where(is_self, p.selfhost_fixed[opts.size[ids]] * (1.0 + p.overhead_max * slack), 0.0)
    payment = x * price + p.tier_share[tau] * fixed
    if p.form == LINEAR:
        w = X * dev.value_per_mtok[idx][:, None]
        value = w * (G - slack * opts.integration[ids])
        index = value - payment
        return value, payment, x, index
    effort = p.tier_share[tau] * slack * opts.integration_usd[ids]
    log_v = np.log(dev.value_per_mtok[idx])[:, None] + p.gamma * G
    log_p = np.log(np.maximum(price, PRICE_FLOOR))
    m = X * PRICE_REF
    cs = surplus(X, log_v, log_p, p.elasticity)
    value = cs + x * price - effort
    index = m * (log_v - log_p) - p.tier_share[tau] * fixed - effort
    return value, payment, x, index


def surplus(X, log_v, log_p, eps: float):
    """Consumer surplus below the choke price v = e^log_v of x = X (p / 1 USD)^-eps at price
    p = e^log_p: ``X ln(v / p)`` at eps = 1, else ``X (v^(1-eps) - p^(1-eps)) / (1 - eps)``."""
    if eps == 1.0:
        return X * PRICE_REF * (log_v - log_p)
    e1 = 1.0 - eps
    return X * PRICE_REF**eps * (np.exp(e1 * log_v) - np.exp(e1 * log_p)) / e1


def switching_cost(current: np.ndarray, ids: np.ndarray, opts: OptionTable, p: ChoiceParams) -> np.ndarray:
    """s(current, o): 0 to stay; onboarding from none; closed_exit out of a closed API (C2);
    open_to_open between open-weight options (C13); otherwise ``other``. Kappa-units (linear
    form, x w) or USD (log form, x omega_tau)."""
    onboarding, open_to_open, closed_exit, other = p.switching
    cur = np.maximum(current, 0)  # a lost option (deprecated, vendor exited) keeps its kind
    cur_closed = (current >= 0) & ~opts.open[cur] & (opts.mode[cur] == VENDOR)
    cur_open = (current >= 0) & opts.open[cur]
    s = np.full((current.size, ids.size), other)
    s[cur_open[:, None] & opts.open[ids][None, :]] = open_to_open
    s[cur_closed, :] = closed_exit
    s[current == NO_OPTION, :] = onboarding
    s[current[:, None] == ids[None, :]] = 0.0
    return s


def evaluate(
    dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams, ids: np.ndarray, tau: int = 0
) -> Utilities:
    """Deterministic money-metric utilities of developers ``idx`` in tier ``tau`` for options ``ids``."""
    X = base_volume(dev, idx, tau, p)
    _, _, _, index = outcome(dev, idx, tau, opts, p, ids[None, :])
    lock = dev.lockin_aversion[idx] * p.lockin_mean * p.lockin_multiplier
    s = switching_cost(dev.option[idx, tau], ids, opts, p)
    if p.form == LINEAR:
        scale = X * dev.value_per_mtok[idx]  # w: every non-price term is per token
    else:
        scale = np.full(idx.size, p.tier_share[tau])  # fixed USD, apportioned by volume share
    switching = scale[:, None] * s
    utility = index - switching
    closed = ~opts.open[ids]
    if closed.any():
        utility[:, closed] -= (scale * lock)[:, None]
    allowed = dev.aware[idx][:, opts.vendor[ids]] & (opts.privacy_ok[ids][None, :] | ~dev.privacy_bound[idx][:, None])
    utility[~allowed] = -np.inf
    sigma = p.noise * (X * dev.value_per_mtok[idx] if p.form == LINEAR else X * PRICE_REF)
    return Utilities(idx, tau, ids, utility, switching, sigma, X)


def choice_probabilities(u: Utilities, opts: OptionTable, p: ChoiceParams) -> np.ndarray:
    """Nested-logit probabilities (n, A) of the options ``u.ids``; the outside option (if any)
    has the remaining probability."""
    rho = p.rho
    z = u.utility / u.sigma[:, None]  # -inf where not allowed
    nests = opts.nest[u.ids]
    out = np.zeros_like(z)
    log_d = {}
    for g in np.unique(nests):
        cols = nests == g
        with np.errstate(invalid="ignore"):
            log_d[g] = logsumexp(z[:, cols] / (1.0 - rho), axis=1)  # ln D_g
    log_terms = np.column_stack([(1.0 - rho) * log_d[g] for g in log_d] + ([np.zeros(z.shape[0])] * p.outside_option))
    with np.errstate(invalid="ignore"):
        log_total = logsumexp(log_terms, axis=1)
        for g in log_d:
            cols = nests == g
            out[:, cols] = np.exp(
                z[:, cols] / (1.0 - rho) - log_d[g][:, None] + ((1.0 - rho) * log_d[g] - log_total)[:, None]
            )
    return np.nan_to_num(out)  # a developer with no allowed option
