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


def choose(u: Utilities, rng: np.random.Generator, outside_option: bool) -> np.ndarray:
    """Each developer's utility-maximising option id under Gumbel noise, or -1 (none)."""
    n, a = u.utility.shape
    noisy = u.utility / u.sigma[:, None] - np.log(rng.standard_exponential(size=(n, a)))  # + Gumbel(0, 1)
    best = np.argmax(noisy, axis=1) if a else np.zeros(n, dtype=np.intp)
    best_u = noisy[np.arange(n), best] if a else np.full(n, -np.inf)
    choice = np.where(np.isfinite(best_u), u.ids[best] if a else NO_OPTION, NO_OPTION)
    if outside_option:
        outside = -np.log(rng.standard_exponential(size=n))
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

    Stores E_io = exp(U_io / sigma_i - M_i) (row-shifted for stability), the outside option's
    exp(-M_i) and the row totals T_i, so a best response needs only column operations.
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

    def best_markups(self, opts: OptionTable, options: np.ndarray) -> np.ndarray:
        """Each option's profit-maximising markup m_o (USD/Mtok) over its cost, all other
        options' prices held at their current values (one best response per option).

        Developer i buys option o with probability S_io(m) = logistic(L_io - alpha_i m), where
        L_io = log E_io(at price = cost) - log(everything else, outside option included) and
        alpha_i = volume_i / sigma_i. Expected token demand D_o(m) = sum_i v_i S_io(m); profit
        m D_o(m) is maximal where ``D_o(m) - m sum_i v_i alpha_i S_io (1 - S_io) = 0``, solved for
        all options at once by :func:`solve_markups`. For one option and identical developers
        this is ``m = 1 / (alpha (1 - s))``. Developers who cannot buy o, or who have no
        alternative at all, do not enter its first-order condition.
        """
        cols = np.searchsorted(self.u.ids, options)
        alpha = self.alpha
        exp_own = self.exp_z[:, cols]
        others = self.exp_total[:, None] - exp_own  # rounding ~1e-16 of the total
        margin = opts.price[options] - opts.cost[options]
        with np.errstate(divide="ignore"):
            L = np.log(exp_own) + alpha[:, None] * margin[None, :] - np.log(others)
        L[others <= 1e-12 * self.exp_total[:, None]] = -np.inf  # no alternative: not price-responsive
        if not np.isfinite(L).any():
            return np.full(len(options), 1.0 / np.mean(alpha))
        return solve_markups(L, alpha, self.u.volume, guess=np.maximum(margin, 0.0))


def solve_markups(L: np.ndarray, a: np.ndarray, v: np.ndarray, guess: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Roots of h_o(m) = D_o(m) - m G_o(m), G_o = sum_i v_i a_i S_io (1 - S_io), one per column
    of L: safeguarded Newton inside a bracket, vectorised over columns.

    h(0) = D(0) > 0 and h < 0 for large m (profit m D(m) is log-concave in logit models, so the
    root is the unique maximiser); h'(m) = -2 G - m G', G' = -sum v a^2 S (1-S)(1-2S). A column
    with no buyer gets the small-share limit 1 / mean(alpha). Only finite entries of L (developers
    who can buy the option) are visited: they are kept as (row, column) pairs.
    """
    k = L.shape[1]
    row, col = np.nonzero(np.isfinite(L))
    Lf, af, vf = L[row, col], a[row], v[row]
    vaf, va2f = vf * af, vf * af * af
    buyers = np.bincount(col, minlength=k) > 0
    a_max = a.max() if a.size else 1.0
    m = np.where(buyers & (guess > 0), guess, 1.0 / a_max)
    lo, hi = np.zeros(k), np.full(k, np.inf)
    todo = buyers.copy()
    for _ in range(200):
        if not todo.any():
            break
        sel = todo[col]
        c = col[sel]
        s = expit(Lf[sel] - af[sel] * m[c])
        q = s * (1.0 - s)
        g = np.bincount(c, weights=vaf[sel] * q, minlength=k)
        h = np.bincount(c, weights=vf[sel] * s, minlength=k) - m * g
        slope = -2.0 * g + m * np.bincount(c, weights=va2f[sel] * q * (1.0 - 2.0 * s), minlength=k)
        cols = np.flatnonzero(todo)
        h, slope, mc = h[cols], slope[cols], m[cols]
        lo[cols] = np.where(h > 0, mc, lo[cols])
        hi[cols] = np.where(h > 0, hi[cols], mc)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = np.where(slope < 0, mc - h / slope, np.nan)
        inside = (lo[cols] < new) & (new < hi[cols])
        fallback = np.where(np.isinf(hi[cols]), 2.0 * lo[cols] + 1.0 / a_max, 0.5 * (lo[cols] + hi[cols]))
        new = np.where(inside, new, fallback)
        done = (np.abs(new - mc) <= tol * (1.0 + mc)) | (hi[cols] - lo[cols] <= tol * (1.0 + mc))
        m[cols] = new
        todo[cols[done]] = False
    m[~buyers] = 1.0 / np.mean(a) if a.size else 0.0
    return m
