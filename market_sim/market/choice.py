"""The developers' month as compiled loops (numba): nested-logit choice per task tier and
switching, Bass awareness, and own-option value, payment and tokens (C1-C4, C8, C12, C13, C19,
C22). The pricing step's best responses on the same demand are in
:mod:`market_sim.market.best_response`.

The formulas are those of :mod:`market_sim.market.demand`, where they are written as array
expressions (the definition, used by the tests and for inspection). The loops never build
(developers x options) matrices: each (developer, tier) visits its options once, and a choice
is drawn from the nested-logit probabilities with one uniform number from the model's own
``numpy.random.Generator`` (so a seed still fixes the run). ``tests/test_demand.py`` holds the
loops to the definition: identical utilities, values, payments and tokens, argmax choices
without noise, nested-logit choice frequencies and Bass awareness probabilities.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market_sim.market.demand import LOG, PRICE_FLOOR, PRICE_REF, ChoiceParams, quality_table
from market_sim.market.options import SELF, VENDOR, OptionTable
from market_sim.populations.developers import Developers

_TABLE: list = [None, None]  # the last quality table and the inputs it was computed from


def _quality(opts: OptionTable, p: ChoiceParams) -> np.ndarray:
    """:func:`quality_table`, computed once a month: adoption, pricing and accounting use the same
    options and constants (prices, which change in between, do not enter it). The key holds every
    input, so a changed table or scenario is recomputed."""
    arrays = (opts.kappa, opts.premium, opts.finetune_boost, opts.size, opts.finetune_support, p.tier_requirement)
    key = (
        p.saturation,
        p.size_mismatch,
        p.finetune_missing,
        p.tier_share.size,
        *(a.dtype.str + str(a.shape) for a in arrays),
    )
    key += tuple(a.tobytes() for a in arrays)
    if _TABLE[0] != key:
        _TABLE[:] = key, np.ascontiguousarray(quality_table(opts, p))
    return _TABLE[1]


def _arguments(dev: Developers, opts: OptionTable, p: ChoiceParams, ids: np.ndarray) -> tuple:
    """The arrays and constants of :func:`_row`, grouped for the compiled functions."""
    return (
        ids.astype(np.int64, copy=False),
        (dev.volume_mtok, dev.value_per_mtok, dev.inhouse, dev.lockin_aversion),
        (dev.finetune_need, dev.size_need, dev.privacy_bound),
        dev.option,
        dev.aware,
        (opts.vendor, opts.size, opts.nest),
        (opts.mode == SELF, opts.open, ~opts.open & (opts.mode == VENDOR), opts.privacy_ok),
        (
            opts.price,
            opts.integration,
            opts.integration_usd,
            p.selfhost_fixed,
            p.tier_share,
            p.switching,
            np.log(np.maximum(opts.price, PRICE_FLOOR)),
        ),
        _quality(opts, p),
        (
            p.volume_factor,
            p.noise,
            p.overhead_max,
            p.lockin_mean * p.lockin_multiplier,
            p.gamma,
            p.elasticity,
            p.rho,
            float(p.form),
        ),
    )


def n_nests(opts: OptionTable) -> int:
    return int(opts.nest.max()) + 1 if len(opts) else 1


def choose(
    dev: Developers, idx: np.ndarray, tau: int, opts: OptionTable, p: ChoiceParams, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Choices of developers ``idx`` in tier ``tau`` (option id or -1) and the switching cost
    (USD, one-time) each would pay for its choice (0 if it stays)."""
    choice = np.empty(idx.size, np.int32)
    switching = np.empty(idx.size)
    args = _arguments(dev, opts, p, np.flatnonzero(opts.available))
    _choose(idx.astype(np.int64), tau, *args, p.outside_option, n_nests(opts), rng, choice, switching)
    return choice, switching


def utilities(
    dev: Developers, idx: np.ndarray, opts: OptionTable, p: ChoiceParams, ids: np.ndarray, tau: int = 0
) -> np.ndarray:
    """The money-metric utilities W (USD/month, -inf where not allowed) the loops compare, as a
    matrix (for tests)."""
    out = np.empty((idx.size, ids.size))
    _utilities(idx.astype(np.int64), tau, *_arguments(dev, opts, p, ids), out)
    return out


def adopt(
    dev: Developers,
    month: int,
    everyone: bool,
    learned: np.ndarray,
    was_open: np.ndarray,
    opts: OptionTable,
    p: ChoiceParams,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """One month of choices, in one pass over the developers (updates ``dev.option`` and
    ``dev.months_on``): an active developer reconsiders all its tiers if ``everyone``, if it
    enters this month, if an option it uses is gone, if it uses none and ``learned`` of a
    vendor, or else with its monthly rate.

    Returns the counts over (developer, tier) units (on an open option before, on a closed one
    before, left an open one, left a closed one), open meaning ``was_open[option]``, and the
    switching costs paid (USD).
    """
    counts = np.zeros(4, np.int64)
    paid = np.zeros(1)
    args = _arguments(dev, opts, p, np.flatnonzero(opts.available))
    _adopt(
        month, everyone, dev.entry_month, dev.reconsider_rate, learned, was_open, opts.available, paid,
        *args, p.outside_option, n_nests(opts), rng, dev.months_on, counts,
    )  # fmt: skip
    return counts, float(paid[0])


def own_outcome(dev: Developers, opts: OptionTable, p: ChoiceParams) -> tuple[np.ndarray, ...]:
    """For every (developer, tier) on an option: developer index, tier, option, application value,
    payment (USD/month) and tokens (Mtok/month) (accounting)."""
    units = _units(dev.option)  # as np.nonzero(dev.option >= 0), in one pass
    value, payment, volume = np.empty(units[0].size), np.empty(units[0].size), np.empty(units[0].size)
    _own(*units, *_arguments(dev, opts, p, np.empty(0, np.int64)), value, payment, volume)
    return *units, value, payment, volume


def spread_awareness(
    dev: Developers, month: int, opts: OptionTable, p: float, q: float, rng: np.random.Generator
) -> np.ndarray:
    """Bass awareness (F7): an active developer unaware of vendor v learns of it with probability
    ``min(1, p + q a_v)``, where a_v is the share of active developers using v's options in any
    tier, if v offers an option this month. Updates ``dev.aware``; returns the mask of developers
    who learned of any."""
    offered = np.zeros(dev.aware.shape[1], bool)
    offered[opts.vendor[opts.available]] = True
    learned = np.zeros(dev.aware.shape[0], bool)
    _spread(month, dev.entry_month, dev.option, opts.vendor, offered, p, q, dev.aware, rng, learned)
    return learned


# --- compiled kernels ------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def _log_surplus(X, log_v, log_p, eps):
    """Surplus below the choke price v = e^log_v of x = X (p / 1 USD)^-eps at price p = e^log_p
    (docs/ODD.md 7.7): X ln(v / p) at eps = 1, else X (v^(1-eps) - p^(1-eps)) / (1 - eps)."""
    if eps == 1.0:
        return X * PRICE_REF * (log_v - log_p)
    e1 = 1.0 - eps
    return X * PRICE_REF**eps * (math.exp(e1 * log_v) - math.exp(e1 * log_p)) / e1


@njit(cache=True, error_model="numpy")
def _outcome(G, X, slack, theta, is_self, fixed_k, price, integration, integration_usd, share,
             overhead_max, gamma, eps, log_form):  # fmt: skip
    """Application value, payment and tokens of a unit on an option, from scalars (the
    definition is :func:`market_sim.market.demand.outcome`)."""
    fixed = 0.0
    if is_self:
        price *= 1.0 + overhead_max * slack
        fixed = share * fixed_k * (1.0 + overhead_max * slack)
    x = X if eps == 0.0 else X * (max(price, PRICE_FLOOR) / PRICE_REF) ** -eps
    payment = x * price + fixed
    if not log_form:
        return X * theta * (G - slack * integration), payment, x
    cs = _log_surplus(X, math.log(theta) + gamma * G, math.log(max(price, PRICE_FLOOR)), eps)
    return cs + x * price - share * slack * integration_usd, payment, x


@njit(cache=True, error_model="numpy")
def _index(G, X, slack, theta, log_theta, is_self, fixed_k, price, log_price, integration, integration_usd, share,
           over, log_over, gamma, eps, log_form):  # fmt: skip
    """W of a unit on an option without switching and lock-in terms, from scalars (the ``index``
    of :func:`market_sim.market.demand.outcome`, without the value and token terms); ``over`` is
    the self-hosting overhead factor ``1 + overhead_max slack`` and ``log_over`` its log."""
    fixed = 0.0
    if not log_form:
        if is_self:
            price *= over
            fixed = share * fixed_k * over
        x = X if eps == 0.0 else X * (max(price, PRICE_FLOOR) / PRICE_REF) ** -eps
        return X * theta * (G - slack * integration) - x * price - fixed
    if is_self:
        log_price += log_over
        fixed = share * fixed_k * over
    return X * PRICE_REF * (log_theta + gamma * G - log_price) - fixed - share * slack * integration_usd


@njit(cache=True, error_model="numpy")
def _row(i, tau, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, u_out, s_out):
    """W_io (money-metric utility incl. switching and lock-in) and the switching cost paid, for unit
    (i, tau) over options ``ids`` (-inf and 0 where o is not allowed); returns sigma."""
    lockin = dev_f[3]
    privacy = dev_b[2]
    o_vendor = opt_i[0]
    o_open, o_closed_api, o_privacy_ok = opt_b[1], opt_b[2], opt_b[3]
    switch = opt_f[5]
    lock_scale = consts[3]
    cur = option[i, tau]
    o_size, o_self = opt_i[1], opt_b[0]
    o_price, o_integration, o_integration_usd, selfhost_fixed, o_log_price = (
        opt_f[0],
        opt_f[1],
        opt_f[2],
        opt_f[3],
        opt_f[6],
    )
    overhead_max, gamma, eps = consts[2], consts[4], consts[5]
    share = opt_f[4][tau]
    X = dev_f[0][i] * consts[0] * share
    log_form = consts[7] == LOG
    theta = dev_f[1][i]
    sigma = consts[1] * X * (PRICE_REF if log_form else theta)
    scale = share if log_form else X * theta
    slack = 1.0 - dev_f[2][i]
    log_theta = math.log(theta)
    over = 1.0 + overhead_max * slack
    log_over = math.log(over) if log_form else 0.0
    group = 3 * np.int64(dev_b[0][i]) + np.int64(dev_b[1][i])
    for k in range(ids.size):
        o = ids[k]
        if not aware[i, o_vendor[o]] or (privacy[i] and not o_privacy_ok[o]):
            u_out[k], s_out[k] = -np.inf, 0.0
            continue
        index = _index(
            table[group, tau, o], X, slack, theta, log_theta, o_self[o], selfhost_fixed[o_size[o]], o_price[o],
            o_log_price[o], o_integration[o], o_integration_usd[o], share, over, log_over, gamma, eps, log_form,
        )  # fmt: skip
        if cur == o:
            s = 0.0
        elif cur < 0:
            s = switch[0]
        elif o_closed_api[cur]:
            s = switch[2]
        elif o_open[cur] and o_open[o]:
            s = switch[1]
        else:
            s = switch[3]
        u = index - scale * s
        if not o_open[o]:
            u -= scale * lockin[i] * lock_scale
        u_out[k], s_out[k] = u, scale * s
    return sigma


@njit(cache=True, error_model="numpy")
def _utilities(idx, tau, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, out):
    s = np.empty(ids.size)
    for j in range(idx.size):
        _row(idx[j], tau, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, out[j], s)


@njit(cache=True, error_model="numpy")
def _nest_weights(u, sigma, knest, rho, outside, top_g, sum_g, lnw, ew, touched, act):
    """Nested-logit terms of one unit, overflow-safe (knest[k]: the nest of option k): per nest g
    its top z and ``sum_g = sum_(o in g) exp((z_o - top_g) / (1 - rho))``; returns (top, total,
    n_touched, n_allowed) with
    ``total = sum_g exp(top_g - top) sum_g^(1 - rho) + [outside] exp(-top)``; lnw[k] holds
    ``(z_k - top_g) / (1 - rho)``, ew[k] its exp, act[:n_allowed] the allowed k (in order) and
    touched[:n_touched] the nests with an allowed option. On
    return ``top_g`` holds each touched nest's weight ``exp(top_g - top) sum_g^(1 - rho)``.
    ``top_g`` must be -inf and ``sum_g`` 0 on entry for every nest; :func:`_reset` restores that."""
    top = 0.0 if outside else -np.inf
    nt, na = 0, 0
    inv_sigma, inv_rho = 1.0 / sigma, 1.0 / (1.0 - rho)
    for k in range(u.size):
        if u[k] == -np.inf:
            lnw[k] = -np.inf
            continue
        act[na] = k
        na += 1
        z = u[k] * inv_sigma
        lnw[k] = z
        g = knest[k]
        if top_g[g] == -np.inf:
            touched[nt] = g
            nt += 1
        if z > top_g[g]:
            top_g[g] = z
        if z > top:
            top = z
    for j in range(na):  # the allowed options only: no unpredictable branch
        k = act[j]
        g = knest[k]
        lnw[k] = (lnw[k] - top_g[g]) * inv_rho
        ew[k] = 1.0 if lnw[k] == 0.0 else math.exp(lnw[k])  # exp(0) = 1: the nest's top member
        sum_g[g] += ew[k]
    total = math.exp(-top) if outside else 0.0
    for j in range(nt):
        g = touched[j]
        w = math.exp(top_g[g] - top + ((1.0 - rho) * math.log(sum_g[g]) if sum_g[g] != 1.0 else 0.0))
        top_g[g] = w  # from here on: the nest's weight
        total += w
    return top, total, nt, na


@njit(cache=True)
def _reset(top_g, sum_g, touched, nt):
    for j in range(nt):
        top_g[touched[j]] = -np.inf
        sum_g[touched[j]] = 0.0


@njit(cache=True, error_model="numpy")
def _pick(ids, u, s, sigma, knest, rho, outside, rng, top_g, sum_g, lnw, ew, touched, act):
    """One draw from the nested-logit probabilities (one uniform): returns (option id or -1 for
    the outside option or nothing allowed, its switching cost)."""
    top, total, nt, na = _nest_weights(u, sigma, knest, rho, outside, top_g, sum_g, lnw, ew, touched, act)
    best, best_s = -1, 0.0
    if total > 0.0 and top > -np.inf:
        r = rng.random() * total
        if outside:
            r -= math.exp(-top)
        if r >= 0.0 or not outside:
            chosen_g, within = touched[nt - 1], sum_g[touched[nt - 1]] * (1.0 - 1e-12)  # rounding at the top end
            for j in range(nt):
                g = touched[j]
                wg = top_g[g]
                if r < wg:
                    chosen_g, within = g, r / wg * sum_g[g]
                    break
                r -= wg
            for j in range(na):
                k = act[j]
                if knest[k] != chosen_g:
                    continue
                best, best_s = ids[k], s[k]
                within -= ew[k]
                if within < 0.0:
                    break
    _reset(top_g, sum_g, touched, nt)
    return best, best_s


@njit(cache=True, error_model="numpy")
def _choose(
    idx, tau, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, outside, nn, rng, choice, switching
):  # fmt: skip
    u, s, lnw, ew = np.empty(ids.size), np.empty(ids.size), np.empty(ids.size), np.empty(ids.size)
    top_g, sum_g, touched = np.full(nn, -np.inf), np.zeros(nn), np.empty(nn, np.int64)
    knest, act = opt_i[2][ids], np.empty(ids.size, np.int64)
    for j in range(idx.size):
        sigma = _row(idx[j], tau, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, u, s)
        choice[j], switching[j] = _pick(
            ids, u, s, sigma, knest, consts[6], outside, rng, top_g, sum_g, lnw, ew, touched, act
        )


@njit(cache=True, error_model="numpy")
def _adopt(
    month, everyone, entry, rate, learned, was_open_option, available, out,
    ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, outside, nn, rng, months_on, flows,
):  # fmt: skip
    u, s, lnw, ew = np.empty(ids.size), np.empty(ids.size), np.empty(ids.size), np.empty(ids.size)
    top_g, sum_g, touched = np.full(nn, -np.inf), np.zeros(nn), np.empty(nn, np.int64)
    knest, act = opt_i[2][ids], np.empty(ids.size, np.int64)
    tiers = option.shape[1]
    for i in range(entry.size):
        if entry[i] > month:
            continue
        on_any, lost = False, False
        for tau in range(tiers):
            cur = option[i, tau]
            if cur >= 0:
                on_any = True
                flows[0 if was_open_option[cur] else 1] += 1
                if not available[cur]:
                    lost = True
        forced = everyone or entry[i] == month or lost or (learned[i] and not on_any)
        if forced or rng.random() < rate[i]:
            for tau in range(tiers):
                cur = option[i, tau]
                sigma = _row(i, tau, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, u, s)
                best, paid = _pick(
                    ids, u, s, sigma, knest, consts[6], outside, rng, top_g, sum_g, lnw, ew, touched, act
                )
                if best != cur:
                    if cur >= 0:
                        flows[2 if was_open_option[cur] else 3] += 1
                    if best >= 0:
                        out[0] += paid
                    option[i, tau] = best
                    months_on[i, tau] = 0
        for tau in range(tiers):
            if option[i, tau] >= 0:
                months_on[i, tau] += 1


@njit(cache=True, error_model="numpy")
def _units(option):
    """Developer index, tier and option of every (developer, tier) on an option, in index order."""
    n = 0
    for i in range(option.shape[0]):
        for tau in range(option.shape[1]):
            n += option[i, tau] >= 0
    idx, taus, on = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, option.dtype)
    j = 0
    for i in range(option.shape[0]):
        for tau in range(option.shape[1]):
            if option[i, tau] >= 0:
                idx[j], taus[j], on[j] = i, tau, option[i, tau]
                j += 1
    return idx, taus, on


@njit(cache=True, error_model="numpy")
def _own(idx, taus, on, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, value, payment, volume):
    volume_dev, theta, inhouse = dev_f[0], dev_f[1], dev_f[2]
    finetune, size_need = dev_b[0], dev_b[1]
    o_size, o_self = opt_i[1], opt_b[0]
    o_price, o_integration, o_integration_usd, selfhost_fixed, tier_share = (
        opt_f[0],
        opt_f[1],
        opt_f[2],
        opt_f[3],
        opt_f[4],
    )
    volume_factor, overhead_max, gamma, eps, log_form = consts[0], consts[2], consts[4], consts[5], consts[7] == LOG
    # per option: the terms of _outcome that do not depend on the developer (identical values)
    log_p, power = np.empty(o_price.size), np.ones(o_price.size)
    for o in range(o_price.size):
        log_p[o] = math.log(max(o_price[o], PRICE_FLOOR))
        if eps != 0.0:
            power[o] = (max(o_price[o], PRICE_FLOOR) / PRICE_REF) ** -eps
    last, log_theta, base, slack = -1, 0.0, 0.0, 0.0
    for j in range(idx.size):
        i, tau = idx[j], taus[j]
        o = on[j]
        share = tier_share[tau]
        group = 3 * np.int64(finetune[i]) + np.int64(size_need[i])
        if i != last:
            last, log_theta, base, slack = i, math.log(theta[i]), volume_dev[i] * volume_factor, 1.0 - inhouse[i]
        X = base * share
        G = table[group, tau, o]
        if o_self[o] or not log_form:
            value[j], payment[j], volume[j] = _outcome(
                G, X, slack, theta[i], o_self[o], selfhost_fixed[o_size[o]], o_price[o], o_integration[o],
                o_integration_usd[o], share, overhead_max, gamma, eps, log_form,
            )  # fmt: skip
            continue
        price = o_price[o]
        x = X if eps == 0.0 else X * power[o]
        cs = _log_surplus(X, log_theta + gamma * G, log_p[o], eps)
        value[j], payment[j], volume[j] = cs + x * price - share * slack * o_integration_usd[o], x * price + 0.0, x


@njit(cache=True)
def _spread(month, entry, option, o_vendor, offered, p, q, aware, rng, learned):
    n_v = offered.size
    users = np.zeros(n_v)
    active = 0
    for i in range(entry.size):
        if entry[i] <= month:
            active += 1
            for tau in range(option.shape[1]):
                o = option[i, tau]
                if o < 0:
                    continue
                v = o_vendor[o]
                for earlier in range(tau):  # count a developer once per vendor
                    if option[i, earlier] >= 0 and o_vendor[option[i, earlier]] == v:
                        break
                else:
                    users[v] += 1
    prob = np.where(offered, np.minimum(np.maximum(p + q * users / max(active, 1), 0.0), 1.0), 0.0)
    for i in range(entry.size):
        if entry[i] > month:
            continue
        for v in range(prob.size):
            if prob[v] > 0.0 and not aware[i, v] and rng.random() < prob[v]:
                aware[i, v] = True
                learned[i] = True
