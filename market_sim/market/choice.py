"""The developers' month as compiled loops (numba): logit choice and switching, Bass awareness,
best-response markups on the demand sample, and own-option value and payment (C1-C4, C8, C12,
C13, C20, C22).

The utility is the one of :mod:`market_sim.market.demand`, where it is written as array
expressions (the definition, used by the tests and for inspection):

    U_io = w_i [q(type_i, o) - (1 - h_i) I_o] - cost_io - w_i s(current_i, o) - w_i lambda_i L_t [o closed]

and developer i picks ``argmax_o U_io / sigma_i + Gumbel`` over the options it knows and may use,
or nothing if the outside option's Gumbel draw is higher. The loops never build (developers x
options) matrices: each developer's options are visited once with a running maximum, and the
noise is drawn from the model's own ``numpy.random.Generator`` (so a seed still fixes the run).
``tests/test_mechanisms.py`` holds the loops to the array definition: identical utilities and
own-option values and payments, argmax choices without noise, logit choice frequencies, Bass
awareness probabilities, and markups that maximise expected profit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market_sim.market.demand import ChoiceParams, quality_table
from market_sim.market.options import SELF, VENDOR, OptionTable
from market_sim.populations.developers import Developers


def choose(
    dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams, rng: np.random.Generator, outside: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Choices of developers ``idx`` (option id or -1) and the switching cost (USD, one-time) each
    would pay for its choice (0 if it stays)."""
    choice = np.empty(idx.size, np.int32)
    switching = np.empty(idx.size)
    _choose(*_arguments(dev, idx, opts, p, np.flatnonzero(opts.available)), outside, rng, choice, switching)
    return choice, switching


def adopt(
    dev: Developers,
    month: int,
    everyone: bool,
    learned: np.ndarray,
    was_open: np.ndarray,
    opts: OptionTable,
    p: ChoiceParams,
    rng: np.random.Generator,
    outside: bool,
) -> tuple[np.ndarray, float]:
    """One month of choices, in one pass over the developers (updates ``dev.option`` and
    ``dev.months_on``): an active developer reconsiders if ``everyone``, if it enters this month,
    if its option is gone, if it has none and ``learned`` of a vendor, or else with its monthly
    rate; a reconsidering developer chooses by :func:`choose`'s rule.

    Returns the counts (on an open option before, on a closed one before, left an open one,
    left a closed one), with open meaning ``was_open[option]``, and the switching costs paid (USD).
    """
    counts = np.zeros(4, np.int64)
    paid = np.zeros(1)
    args = _arguments(dev, np.empty(0, np.int64), opts, p, np.flatnonzero(opts.available))[1:]
    _adopt(
        month,
        everyone,
        dev.entry_month,
        dev.reconsider_rate,
        learned,
        was_open,
        opts.available,
        paid,
        *args,
        outside,
        rng,
        dev.months_on,
        counts,
    )
    return counts, float(paid[0])


def own_value_and_payment(
    dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams
) -> tuple[np.ndarray, np.ndarray]:
    """Application value V_io and payment cost_io (USD/month) of developers ``idx`` (all on an
    option) for their current option (accounting)."""
    value, payment = np.empty(idx.size), np.empty(idx.size)
    _own(*_arguments(dev, idx, opts, p, np.empty(0, np.int64)), value, payment)
    return value, payment


def utilities(dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams, ids: np.ndarray) -> np.ndarray:
    """The deterministic utilities U_io (USD/month, -inf where not allowed) the loop of
    :func:`choose` compares, as a matrix (for tests)."""
    out = np.empty((idx.size, ids.size))
    _utilities(*_arguments(dev, idx, opts, p, ids), out)
    return out


def best_markups(
    dev: Developers, sample: np.ndarray, opts: OptionTable, p: ChoiceParams, outside: bool, options: np.ndarray
) -> np.ndarray:
    """Each of ``options``' profit-maximising markup m_o (USD/Mtok) over its serving cost, on the
    logit demand of developers ``sample``, all other options' prices held at their current values
    (one best response per option; C20, C22).

    Developer i buys o with probability S_io(m) = logistic(L_io - alpha_i m), where
    L_io = log E_io(at price = cost) - log(everything else, outside option included) and
    alpha_i = volume_i / sigma_i. Expected token demand D_o(m) = sum_i v_i S_io(m); profit
    m D_o(m) is maximal at the root of ``h(m) = D_o(m) - m G_o(m)``, G_o = sum_i v_i alpha_i
    S_io (1 - S_io), found by Newton's method safeguarded by a bracket (profit is log-concave
    in logit models, so the root is the unique maximiser; h' = -2 G - m G',
    G' = -sum v alpha^2 S (1 - S)(1 - 2 S)). For one option and identical developers this is
    ``m = 1 / (alpha (1 - s))``. Developers who cannot buy o, or who have nothing else they could
    choose, do not enter its condition; an option nobody can buy gets the small-share limit
    1 / mean(alpha).
    """
    ids = np.flatnonzero(opts.available)
    margin = opts.price[options] - opts.cost[options]
    markups = np.empty(options.size)
    _best_markups(*_arguments(dev, sample, opts, p, ids), outside, np.searchsorted(ids, options), margin, markups)
    return markups


def _arguments(dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams, ids: np.ndarray) -> tuple:
    """The arrays and constants of :func:`_row`, grouped by type for the compiled functions."""
    return (
        idx.astype(np.int64),
        (dev.volume_mtok, dev.value_per_mtok, dev.inhouse, dev.lockin_aversion),
        (dev.finetune_need, dev.size_need, dev.privacy_bound, dev.option, dev.aware),
        ids.astype(np.int64),
        (opts.vendor, opts.size, opts.mode == SELF, opts.open, ~opts.open & (opts.mode == VENDOR), opts.privacy_ok),
        (opts.price, opts.integration, p.selfhost_fixed),
        np.ascontiguousarray(quality_table(opts, p)),
        (p.volume_factor, p.noise, p.overhead_max, p.lockin_multiplier),
        (p.onboarding, p.open_to_open, p.closed_exit, p.other),
    )


def spread_awareness(
    dev: Developers, month: int, opts: OptionTable, p: float, q: float, rng: np.random.Generator
) -> np.ndarray:
    """Bass awareness (F7): an active developer unaware of vendor v learns of it with probability
    ``min(1, p + q a_v)``, where a_v is the share of active developers on v's options, if v offers
    an option this month. Updates ``dev.aware``; returns the mask of developers who learned of any."""
    offered = np.zeros(dev.aware.shape[1], bool)
    offered[opts.vendor[opts.available]] = True
    learned = np.zeros(dev.aware.shape[0], bool)
    _spread(month, dev.entry_month, dev.option, opts.vendor, offered, p, q, dev.aware, rng, learned)
    return learned


@njit(cache=True, error_model="numpy")
def _value_payment(w, vol, slack, overhead, quality, integration, price, is_self, fixed):
    """V_io = w_i (q - (1 - h_i) I_o) and cost_io (USD/month) from scalars."""
    payment = vol * price
    if is_self:
        payment = (payment + fixed) * overhead
    return w * (quality - slack * integration), payment


@njit(cache=True, error_model="numpy")
def _own(idx, dev_f, dev_i, ids, opt_i, opt_f, table, consts, switch, value, payment):
    volume, theta, inhouse = dev_f[0], dev_f[1], dev_f[2]
    finetune, size_need, option = dev_i[0], dev_i[1], dev_i[3]
    o_size, o_self = opt_i[1], opt_i[2]
    o_price, o_integration, selfhost_fixed = opt_f
    volume_factor, overhead_max = consts[0], consts[2]
    for j in range(idx.size):
        i = idx[j]
        o = option[i]
        vol = volume[i] * volume_factor
        slack = 1.0 - inhouse[i]
        group = 3 * np.int64(finetune[i]) + np.int64(size_need[i])
        value[j], payment[j] = _value_payment(
            vol * theta[i], vol, slack, 1.0 + overhead_max * slack, table[group, o], o_integration[o], o_price[o],
            o_self[o], selfhost_fixed[o_size[o]],
        )  # fmt: skip


@njit(cache=True, error_model="numpy")
def _row(i, ids, dev_f, dev_i, opt_i, opt_f, table, consts, switch, u_out, s_out):
    """U_io and the switching cost w_i s(current_i, o) for developer i over options ``ids``
    (-inf and 0 where o is not allowed); returns sigma_i."""
    volume, theta, inhouse, lockin = dev_f
    finetune, size_need, privacy, option, aware = dev_i
    o_vendor, o_size, o_self, o_open, o_closed_api, o_privacy_ok = opt_i
    o_price, o_integration, selfhost_fixed = opt_f
    volume_factor, noise, overhead_max, lockin_multiplier = consts
    onboarding, open_to_open, closed_exit, other = switch
    vol = volume[i] * volume_factor
    w = vol * theta[i]
    slack = 1.0 - inhouse[i]
    overhead = 1.0 + overhead_max * slack
    lock = w * lockin[i] * lockin_multiplier
    group = 3 * np.int64(finetune[i]) + np.int64(size_need[i])
    cur = option[i]
    for k in range(ids.size):
        o = ids[k]
        if not aware[i, o_vendor[o]] or (privacy[i] and not o_privacy_ok[o]):
            u_out[k], s_out[k] = -np.inf, 0.0
            continue
        value, payment = _value_payment(
            w, vol, slack, overhead, table[group, o], o_integration[o], o_price[o], o_self[o], selfhost_fixed[o_size[o]]
        )
        if cur == o:
            s = 0.0
        elif cur < 0:
            s = onboarding
        elif o_closed_api[cur]:
            s = closed_exit
        elif o_open[cur] and o_open[o]:
            s = open_to_open
        else:
            s = other
        u = value - payment - w * s
        if not o_open[o]:
            u -= lock
        u_out[k], s_out[k] = u, w * s
    return noise * w


@njit(cache=True, error_model="numpy")
def _utilities(idx, dev_f, dev_i, ids, opt_i, opt_f, table, consts, switch, out):
    s = np.empty(ids.size)
    for j in range(idx.size):
        _row(idx[j], ids, dev_f, dev_i, opt_i, opt_f, table, consts, switch, out[j], s)


@njit(cache=True, error_model="numpy")
def _pick(ids, u, s, sigma, outside, rng):
    """argmax_k u_k / sigma + Gumbel over the allowed options (u > -inf), or -1 if none is allowed
    or the outside option's draw is higher; returns (option id, its switching cost)."""
    best, best_z, best_s = -1, -np.inf, 0.0
    for k in range(ids.size):
        if u[k] == -np.inf:
            continue
        z = u[k] / sigma - math.log(rng.standard_exponential())  # + Gumbel(0, 1)
        if z > best_z:
            best, best_z, best_s = ids[k], z, s[k]
    if best >= 0 and outside and not best_z > -math.log(rng.standard_exponential()):
        return -1, 0.0
    return best, best_s


@njit(cache=True, error_model="numpy")
def _choose(idx, dev_f, dev_i, ids, opt_i, opt_f, table, consts, switch, outside, rng, choice, switching):
    u, s = np.empty(ids.size), np.empty(ids.size)
    for j in range(idx.size):
        sigma = _row(idx[j], ids, dev_f, dev_i, opt_i, opt_f, table, consts, switch, u, s)
        choice[j], switching[j] = _pick(ids, u, s, sigma, outside, rng)


@njit(cache=True, error_model="numpy")
def _adopt(
    month, everyone, entry, rate, learned, was_open_option, available, out,
    dev_f, dev_i, ids, opt_i, opt_f, table, consts, switch, outside, rng, months_on, flows,
):  # fmt: skip
    option = dev_i[3]
    u, s = np.empty(ids.size), np.empty(ids.size)
    for i in range(entry.size):
        if entry[i] > month:
            continue
        cur = option[i]
        on = cur >= 0
        was_open = on and was_open_option[cur]
        if on:
            flows[0 if was_open else 1] += 1
        forced = everyone or entry[i] == month or (on and not available[cur]) or (learned[i] and not on)
        if forced or rng.random() < rate[i]:
            sigma = _row(i, ids, dev_f, dev_i, opt_i, opt_f, table, consts, switch, u, s)
            best, paid = _pick(ids, u, s, sigma, outside, rng)
            if best != cur:
                if on:
                    flows[2 if was_open else 3] += 1
                if best >= 0:
                    out[0] += paid
                option[i] = best
                months_on[i] = 0
        if option[i] >= 0:
            months_on[i] += 1


@njit(cache=True, error_model="numpy")
def _best_markups(idx, dev_f, dev_i, ids, opt_i, opt_f, table, consts, switch, outside, cols, margin, out):
    n = idx.size
    exp_u = np.empty((n, ids.size))  # exp(U_io / sigma_i - top_i)
    total = np.empty(n)  # row sums, outside option included
    alpha, volume = np.empty(n), np.empty(n)
    s = np.empty(ids.size)
    for j in range(n):
        sigma = _row(idx[j], ids, dev_f, dev_i, opt_i, opt_f, table, consts, switch, exp_u[j], s)
        top = 0.0 if outside else -np.inf
        for k in range(ids.size):
            exp_u[j, k] /= sigma
            top = max(top, exp_u[j, k])
        if not np.isfinite(top):
            top = 0.0
        total[j] = math.exp(-top) if outside else 0.0
        for k in range(ids.size):
            exp_u[j, k] = math.exp(exp_u[j, k] - top)
            total[j] += exp_u[j, k]
        volume[j] = dev_f[0][idx[j]] * consts[0]
        alpha[j] = volume[j] / sigma
    a_max = alpha.max() if n else 1.0
    small_share = 1.0 / alpha.mean() if n else 0.0
    L, a, v = np.empty(n), np.empty(n), np.empty(n)
    for c in range(cols.size):
        buyers = 0
        for j in range(n):
            own = exp_u[j, cols[c]]
            others = total[j] - own
            if own > 0.0 and others > 1e-12 * total[j]:
                L[buyers] = math.log(own) + alpha[j] * margin[c] - math.log(others)
                a[buyers], v[buyers] = alpha[j], volume[j]
                buyers += 1
        if buyers == 0:
            out[c] = small_share
        else:
            guess = margin[c] if margin[c] > 0 else 1.0 / a_max
            out[c] = _markup_root(L[:buyers], a[:buyers], v[:buyers], guess, a_max)


@njit(cache=True, error_model="numpy")
def _markup_root(L, a, v, m, a_max, tol=1e-9):
    """Root of h(m) = D(m) - m G(m) (see :func:`best_markups`): Newton inside a bracket."""
    lo, hi = 0.0, np.inf
    for _ in range(200):
        d = g = dg = 0.0
        for j in range(L.size):
            s = 1.0 / (1.0 + math.exp(a[j] * m - L[j]))
            q = s * (1.0 - s)
            d += v[j] * s
            g += v[j] * a[j] * q
            dg += v[j] * a[j] * a[j] * q * (1.0 - 2.0 * s)
        h = d - m * g
        slope = -2.0 * g + m * dg
        if h > 0:
            lo = m
        else:
            hi = m
        new = m - h / slope if slope < 0 else np.nan
        if not lo < new < hi:
            new = 2.0 * lo + 1.0 / a_max if np.isinf(hi) else 0.5 * (lo + hi)
        done = abs(new - m) <= tol * (1.0 + m) or hi - lo <= tol * (1.0 + m)
        m = new
        if done:
            break
    return m


@njit(cache=True)
def _spread(month, entry, option, o_vendor, offered, p, q, aware, rng, learned):
    users = np.zeros(offered.size)
    active = 0
    for i in range(entry.size):
        if entry[i] <= month:
            active += 1
            if option[i] >= 0:
                users[o_vendor[option[i]]] += 1
    prob = np.where(offered, np.minimum(np.maximum(p + q * users / max(active, 1), 0.0), 1.0), 0.0)
    for i in range(entry.size):
        if entry[i] > month:
            continue
        for v in range(prob.size):
            if prob[v] > 0.0 and not aware[i, v] and rng.random() < prob[v]:
                aware[i, v] = True
                learned[i] = True
