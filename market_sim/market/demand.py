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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp

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
    ft = dev.finetune_need[idx][:, None].astype(float)
    size = opts.size[ids]
    quality = capability_value(opts.kappa[ids] + opts.premium[ids] + ft * opts.finetune_boost[ids], p.saturation)
    quality = quality - p.size_mismatch * np.abs(dev.size_need[idx][:, None] - size)
    quality = quality - p.finetune_missing * ft * (1.0 - opts.finetune_support[ids])
    quality = quality - (1.0 - h) * opts.integration[ids]
    value = w * quality
    is_self = opts.mode[ids] == SELF
    overhead = np.where(is_self, 1.0 + p.overhead_max * (1.0 - h), 1.0)
    payment = (vol * opts.price[ids] + np.where(is_self, p.selfhost_fixed[size], 0.0)) * overhead
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
    cur = np.maximum(current, 0)
    cur_closed = (current >= 0) & opts.available[cur] & ~opts.open[cur] & (opts.mode[cur] == VENDOR)
    cur_open = (current >= 0) & opts.available[cur] & opts.open[cur]
    s = np.full((current.size, ids.size), p.other)
    s[cur_open[:, None] & opts.open[ids][None, :]] = p.open_to_open
    s[cur_closed, :] = p.closed_exit
    s[current == NO_OPTION, :] = p.onboarding
    s[current[:, None] == ids[None, :]] = 0.0
    return s


def choose(u: Utilities, rng: np.random.Generator, outside_option: bool) -> np.ndarray:
    """Each developer's utility-maximising option id under Gumbel noise, or -1 (none)."""
    n, a = u.utility.shape
    noisy = u.utility / u.sigma[:, None] + rng.gumbel(size=(n, a))
    best = np.argmax(noisy, axis=1) if a else np.zeros(n, dtype=np.intp)
    best_u = noisy[np.arange(n), best] if a else np.full(n, -np.inf)
    choice = np.where(np.isfinite(best_u), u.ids[best] if a else NO_OPTION, NO_OPTION)
    if outside_option:
        outside = rng.gumbel(size=n)
        choice = np.where(best_u > outside, choice, NO_OPTION)
    return choice.astype(np.int32)


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


class DemandSample:
    """Logit demand of a developer sample, prepared once a month for every vendor's pricing.

    Stores E_io = exp(U_io / sigma_i - M_i) (row-shifted for stability) and the outside
    option's exp(-M_i), so each vendor's best markup needs only sums over columns.
    """

    def __init__(self, u: Utilities, outside_option: bool):
        self.u = u
        z = u.utility / u.sigma[:, None]
        top = np.max(z, axis=1, initial=0.0 if outside_option else -np.inf)
        top = np.where(np.isfinite(top), top, 0.0)
        self.exp_z = np.exp(z - top[:, None])
        self.exp_outside = np.exp(-top) if outside_option else np.zeros_like(top)
        self.exp_total = self.exp_z.sum(axis=1) + self.exp_outside
        self.alpha = u.volume / u.sigma

    def best_markup(self, opts: OptionTable, own: np.ndarray, guess: float | None = None) -> float:
        """The profit-maximising common markup m (USD/Mtok) over cost on the options ``own``.

        With L_i = log B_i(0) - log A_i, where B_i(0) sums exp(U/sigma) over ``own`` at price =
        cost and A_i over every other option (and the outside option), the vendor's share of
        developer i is S_i(m) = logistic(L_i - alpha_i m), alpha_i = volume_i / sigma_i. Expected
        token demand D(m) = sum_i v_i S_i(m); profit m D(m) is maximal where
        ``D(m) - m sum_i v_i alpha_i S_i (1 - S_i) = 0`` (solved by Brent's method). For one
        option and identical developers this is ``m = 1 / (alpha (1 - s))``. ``guess`` (e.g. the
        current markup) only speeds up the search.
        """
        u, alpha = self.u, self.alpha
        cols = np.isin(u.ids, own)
        margin = opts.price[u.ids[cols]] - opts.cost[u.ids[cols]]
        exp_own = self.exp_z[:, cols]
        # everything else: the total minus own (relative rounding ~1e-16 of the total; a
        # remainder below 1e-12 of the total is a developer with no alternative)
        others = self.exp_total - exp_own.sum(axis=1)
        others[others <= 1e-12 * self.exp_total] = 0.0
        with np.errstate(divide="ignore"):
            log_own = np.log(exp_own) + alpha[:, None] * margin[None, :]  # at price = cost
            top = np.max(log_own, axis=1, initial=-np.inf)
            buyers = np.isfinite(top)
            log_b = top[buyers] + np.log(np.exp(log_own[buyers] - top[buyers, None]).sum(axis=1))
            log_a = np.log(others[buyers])
        fallback = float(1.0 / np.mean(alpha))  # the small-share limit of 1 / (alpha (1 - s))
        reach = np.isfinite(log_a)  # developers with no alternative at all buy at any price
        if not reach.any():
            return fallback
        L = (log_b - log_a)[reach]
        return solve_markup(L, alpha[buyers][reach], u.volume[buyers][reach], guess)


def solve_markup(L: np.ndarray, a: np.ndarray, v: np.ndarray, guess: float | None = None, tol: float = 1e-12) -> float:
    """Root of h(m) = D(m) - m G(m), G = sum v a S (1 - S): safeguarded Newton in a bracket.

    h(0) = D(0) > 0 and h < 0 for large m (profit m D(m) is log-concave in logit models, so
    the root is the unique maximiser); h'(m) = -2 G - m G', G' = -sum v a^2 S(1-S)(1-2S).
    """

    def h_and_slope(m: float) -> tuple[float, float]:
        s = expit(L - a * m)
        q = v * a * s * (1.0 - s)
        g = q.sum()
        return float(np.dot(v, s) - m * g), float(-2.0 * g + m * np.dot(q * a, 1.0 - 2.0 * s))

    lo, hi = 0.0, np.inf
    m = guess if guess is not None and np.isfinite(guess) and guess > 0 else 1.0 / a.max()
    for _ in range(200):
        h, slope = h_and_slope(m)
        if h > 0:
            lo = m
        else:
            hi = m
        new = m - h / slope if slope < 0 else np.nan
        if not lo < new < hi:  # outside the bracket: bisect, or expand while unbounded
            new = 2.0 * lo + 1.0 / a.max() if np.isinf(hi) else 0.5 * (lo + hi)
        if abs(new - m) <= tol * (1.0 + m) or hi - lo <= tol * (1.0 + m):
            return float(new)
        m = new
    return float(m)
