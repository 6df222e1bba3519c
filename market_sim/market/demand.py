"""Developer demand: money-metric multinomial logit over the options a developer knows.

For developer i and option o (MODEL.md, C1-C4, C8, C12, C13, C22), in USD per month:

    U_io = w_i [g(kappa_o + premium_o + f_i b_o) - m |need_i - size_o| - f_i F (1 - support_o)
                - (1 - h_i) I_o]                                    (application value V_io)
           - cost_io                                                (payments)
           - w_i lambda_i L_t [o closed]                             (lock-in aversion, C2)
           - w_i s(current_i, o)                                     (switching cost, C2, C13)
           + sigma_i eps_io,     eps ~ Gumbel,  sigma_i = noise * w_i

with w_i = volume_i(t) * theta_i and g(kappa) = kappa_s (1 - exp(-kappa / kappa_s)) (linear if
kappa_s = 0). cost_io = volume_i p_o for API, service and hosts; for self-hosting
``(volume_i c_o + fixed_size) (1 + overhead (1 - h_i))`` (C4). The outside option "no
adoption" has utility 0. Hence alpha_i = volume_i / sigma_i, the price coefficient of the
logit-Bertrand limiting case.

This module writes the utility as array expressions: the definition, used by accounting (value
and payment of each developer's own option) and by the tests. The adoption and pricing steps
run the same formula as compiled loops in :mod:`market_sim.market.choice`, which the tests hold
equal to :func:`evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from market_sim.market.options import SELF, VENDOR, OptionTable
from market_sim.populations.developers import NO_OPTION, Developers


@dataclass(frozen=True)
class ChoiceParams:
    """The scenario constants of the utility, plus this month's volume factor and lock-in level."""

    saturation: float
    size_mismatch: float
    finetune_missing: float
    overhead_max: float
    selfhost_fixed: np.ndarray  # USD per month by size
    onboarding: float
    open_to_open: float
    closed_exit: float
    other: float
    noise: float
    outside_option: bool
    volume_factor: float  # (1 + g)^(t/12)
    lockin_multiplier: float  # 1 + boost * shock memory

    @classmethod
    def from_scenario(cls, cfg: dict, volume_factor: float, lockin_multiplier: float) -> ChoiceParams:
        pen, sw = cfg["penalties"], cfg["switching"]
        return cls(
            saturation=cfg["market"]["capability_saturation"],
            size_mismatch=pen["size_mismatch"],
            finetune_missing=pen["finetune_missing"],
            overhead_max=pen["selfhost_overhead_max"],
            selfhost_fixed=np.asarray(cfg["sizes"]["selfhost_fixed_usd_per_month"], float),
            onboarding=sw["onboarding"],
            open_to_open=sw["open_to_open"],
            closed_exit=sw["closed_exit"],
            other=sw["other"],
            noise=cfg["developers"]["choice_noise"],
            outside_option=cfg["market"]["outside_option"],
            volume_factor=volume_factor,
            lockin_multiplier=lockin_multiplier,
        )


def capability_value(kappa: np.ndarray, saturation: float) -> np.ndarray:
    """g(kappa): application value per unit of w (C8). Concave if saturation > 0, else linear."""
    if saturation <= 0:
        return kappa
    return saturation * (1.0 - np.exp(-kappa / saturation))


@dataclass
class Utilities:
    """Utilities of developers ``idx`` over option ids ``ids`` (columns)."""

    idx: np.ndarray
    ids: np.ndarray
    utility: np.ndarray  # (n, A) USD/month, -inf where not allowed
    value: np.ndarray  # (n, A) application value V_io, USD/month
    payment: np.ndarray  # (n, A) USD/month
    switching: np.ndarray  # (n, A) one-time USD
    sigma: np.ndarray  # (n,) logit scale, USD/month
    volume: np.ndarray  # (n,) Mtok/month


def quality_table(opts: OptionTable, p: ChoiceParams) -> np.ndarray:
    """Quality per unit of w for each developer type (fine-tune need f, size need) and option,
    before the in-house integration term: row ``3 f + need``, column = option id.

    ``g(kappa_o + premium_o + f b_o) - m |need - size_o| - f F (1 - support_o)``.
    """
    rows = []
    for ft in (0.0, 1.0):
        g = capability_value(opts.kappa + opts.premium + ft * opts.finetune_boost, p.saturation)
        for need in range(3):
            rows.append(
                g - p.size_mismatch * np.abs(need - opts.size) - p.finetune_missing * ft * (1.0 - opts.finetune_support)
            )
    return np.array(rows)


def value_and_payment(
    dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Application value V_io and payment cost_io (USD/month) of developers ``idx``.

    ``ids`` broadcasts against (n, 1): pass ``ids[None, :]`` for every developer x option,
    or ``option[:, None]`` for each developer's own option.
    """
    vol = (dev.volume_mtok[idx] * p.volume_factor)[:, None]
    w = vol * dev.value_per_mtok[idx][:, None]
    h = dev.inhouse[idx][:, None]
    group = (3 * dev.finetune_need[idx].astype(np.intp) + dev.size_need[idx])[:, None]
    quality = quality_table(opts, p)[group, ids] - (1.0 - h) * opts.integration[ids]
    value = w * quality
    is_self = opts.mode[ids] == SELF
    payment = vol * opts.price[ids]
    if is_self.any():
        overhead = np.where(is_self, 1.0 + p.overhead_max * (1.0 - h), 1.0)
        payment = (payment + np.where(is_self, p.selfhost_fixed[opts.size[ids]], 0.0)) * overhead
    return value, payment


def evaluate(dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams, ids: np.ndarray) -> Utilities:
    """Deterministic utilities of developers ``idx`` for options ``ids``."""
    vol = dev.volume_mtok[idx] * p.volume_factor
    w = vol * dev.value_per_mtok[idx]
    value, payment = value_and_payment(dev, idx, opts, p, ids[None, :])
    switching = w[:, None] * switching_cost(dev.option[idx], ids, opts, p)
    utility = value - payment - switching
    closed = ~opts.open[ids]
    if closed.any():
        utility[:, closed] -= (w * dev.lockin_aversion[idx] * p.lockin_multiplier)[:, None]
    allowed = dev.aware[idx][:, opts.vendor[ids]] & (opts.privacy_ok[ids][None, :] | ~dev.privacy_bound[idx][:, None])
    utility[~allowed] = -np.inf
    return Utilities(idx, ids, utility, value, payment, switching, p.noise * w, vol)


def switching_cost(current: np.ndarray, ids: np.ndarray, opts: OptionTable, p: ChoiceParams) -> np.ndarray:
    """s(current, o) in kappa-units: 0 to stay; onboarding from none; closed_exit out of a closed
    API (C2); open_to_open between open-weight options (C13); otherwise ``other``."""
    cur = np.maximum(current, 0)  # a lost option (deprecated, vendor exited) keeps its kind
    cur_closed = (current >= 0) & ~opts.open[cur] & (opts.mode[cur] == VENDOR)
    cur_open = (current >= 0) & opts.open[cur]
    s = np.full((current.size, ids.size), p.other)
    s[cur_open[:, None] & opts.open[ids][None, :]] = p.open_to_open
    s[cur_closed, :] = p.closed_exit
    s[current == NO_OPTION, :] = p.onboarding
    s[current[:, None] == ids[None, :]] = 0.0
    return s


def choice_probabilities(u: Utilities, outside_option: bool) -> np.ndarray:
    """Logit probabilities (n, A), with the outside option's probability the remainder."""
    z = u.utility / u.sigma[:, None]
    if outside_option:
        z = np.concatenate([z, np.zeros((z.shape[0], 1))], axis=1)
    with np.errstate(invalid="ignore"):
        lse = logsumexp(z, axis=1, keepdims=True)
        prob = np.exp(z - lse)
    prob = np.nan_to_num(prob)  # a developer with no allowed option
    return prob[:, : u.ids.size]
