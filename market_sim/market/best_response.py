"""Best-response markups on the demand sample (C20, C22): the pricing step's expected-profit
maximisation on the nested-logit demand of :mod:`market_sim.market.demand`, with task tiers and
the intensive margin, as compiled loops (numba) built on the utilities of
:mod:`market_sim.market.choice`. ``tests/test_demand.py`` holds the markups to a grid search of the
array definition's expected profit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from market_sim.market.choice import _arguments, _nest_weights, _reset, _row, n_nests
from market_sim.market.demand import LOG, PRICE_FLOOR, PRICE_REF, ChoiceParams
from market_sim.market.options import OptionTable
from market_sim.populations.developers import Developers


def best_markups(
    dev: Developers, sample: np.ndarray, opts: OptionTable, p: ChoiceParams, options: np.ndarray
) -> np.ndarray:
    """Each of ``options``' profit-maximising markup m_o = p_o - c_o (USD/Mtok) on the nested-logit
    demand of the sample developers (every tier), all other prices held at their current values
    (one best response per option; C20, C22).

    Expected profit ``Pi(p) = (p - c) sum_j x_j(p) P_j(p)`` over units j = (developer, tier), with
    ``d ln P / dp = -a_j(p) eta_j``, ``eta = (1 - rho P_(o|g) - (1 - rho) P_o) / (1 - rho)``,
    a = 1 / (noise p) (log form) or (X / sigma) (1 - eps) (p / 1 USD)^-eps (linear form), and
    ``d ln x / dp = -eps / p``. The first-order condition
    ``h(m) = sum_j X_j P_j [1 - m (eps / p + a_j eta_j)] = 0`` (the factor p^-eps taken out) is
    solved in ln m by a bracket (10% steps from the current markup) and Newton safeguarded by
    bisection (rtsafe). Single-product limits: log form
    ``(p - c) / p = 1 / (alpha (1 - s) + eps)``; linear form ``p - c = 1 / (alpha (1 - s))``;
    nested ``p - c = (1 - rho) / (alpha (1 - rho s_(j|g) - (1 - rho) s_j))`` (linear, eps = 0).
    Units that cannot buy o or have nothing else do not enter; an option nobody in the sample
    can buy gets the small-share limit.
    """
    ids = np.flatnonzero(opts.available)
    markups = np.empty(options.size)
    args = _arguments(dev, opts, p, ids)
    cols = np.searchsorted(ids, options)
    terms = _demand_terms(sample.astype(np.int64), *args, p.outside_option, n_nests(opts), cols)
    consts = args[-1]
    rho, eps, log_form, noise = consts[6], consts[5], consts[7] == LOG, consts[1]
    price0, cost = opts.price[options].astype(float), opts.cost[options].astype(float)
    _markups(*terms, rho, eps, log_form, noise, price0, cost, markups)
    return markups


@njit(cache=True, error_model="numpy")
def _demand_terms(sample, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, outside, nn, cols):
    """Per unit of the sample (developer, tier) and priced option c: ln e_c, ln of the rest of its
    nest, top_g - top, ln of the rest of the market, and the unit's X and X / sigma."""
    tiers = option.shape[1]
    n = sample.size * tiers
    nest, rho = opt_i[2], consts[6]
    u, s, lnw, ew = np.empty(ids.size), np.empty(ids.size), np.empty(ids.size), np.empty(ids.size)
    top_g, sum_g, touched = np.full(nn, -np.inf), np.zeros(nn), np.empty(nn, np.int64)
    knest, act = nest[ids], np.empty(ids.size, np.int64)
    k_top, rest_top = np.full(nn, -1, np.int64), np.zeros(nn)
    nc = cols.size
    # per unit and priced option: ln e_o, ln(rest of nest), top_g - top, ln(rest of market)
    ln_e, ln_rest, shift, ln_out = np.full((n, nc), -np.inf), np.empty((n, nc)), np.empty((n, nc)), np.empty((n, nc))
    X, kx = np.empty(n), np.empty(n)  # base volume, X / sigma (linear price coefficient per payment)
    for j in range(sample.size):
        i = sample[j]
        for tau in range(tiers):
            r = j * tiers + tau
            sigma = _row(i, tau, ids, dev_f, dev_b, option, aware, opt_i, opt_b, opt_f, table, consts, u, s)
            top, total, nt, na = _nest_weights(u, sigma, knest, rho, outside, top_g, sum_g, lnw, ew, touched, act)
            X[r] = dev_f[0][i] * consts[0] * opt_f[4][tau]
            kx[r] = X[r] / sigma
            # the rest of o's nest and of the market without cancellation: for the nest's top member
            # (and the market's top nest) the sum of the others is accumulated directly
            for h in range(nt):
                k_top[touched[h]], rest_top[touched[h]] = -1, 0.0
            for q in range(na):
                k = act[q]
                if lnw[k] == 0.0 and k_top[knest[k]] < 0:  # the (first) top member of its nest
                    k_top[knest[k]] = k
            for q in range(na):
                k = act[q]
                if k != k_top[knest[k]]:
                    rest_top[knest[k]] += ew[k]
            g_top, out_top = -1, math.exp(-top) if outside else 0.0
            for h in range(nt):
                if g_top < 0 or top_g[touched[h]] > top_g[g_top]:
                    g_top = touched[h]
            for h in range(nt):
                if touched[h] != g_top:
                    out_top += top_g[touched[h]]
            for c in range(nc):
                k = cols[c]
                if u[k] == -np.inf or not total > 0.0:
                    ln_e[r, c] = -np.inf
                    continue
                g = knest[k]
                ln_e[r, c] = lnw[k]
                rest_g = rest_top[g] if k == k_top[g] else sum_g[g] - ew[k]
                ln_rest[r, c] = _log(rest_g) if rest_g > 0.0 else -np.inf
                shift[r, c] = _log(top_g[g]) - (1.0 - rho) * _log(sum_g[g])  # top_g - top
                rest = out_top if g == g_top else total - top_g[g]
                ln_out[r, c] = _log(rest) if rest > 0.0 else -np.inf
            _reset(top_g, sum_g, touched, nt)
    return ln_e, ln_rest, shift, ln_out, X, kx


@njit(cache=True, error_model="numpy")
def _markups(ln_e, ln_rest, shift, ln_out, X, kx, rho, eps, log_form, noise, price0, cost, out):
    """Each priced option's markup from the demand terms of :func:`_demand_terms`."""
    for c in range(price0.size):
        out[c] = _markup(c, ln_e, ln_rest, shift, ln_out, X, kx, rho, eps, log_form, noise, price0[c], cost[c])


@njit(cache=True, error_model="numpy")
def _markup(c, ln_e, ln_rest, shift, ln_out, X, kx, rho, eps, log_form, noise, p0, cst):
    n = X.size
    # units that may buy o, with a probability above e^-25 at least when o is priced at cost
    keep = np.empty(n, np.int64)
    buyers = 0
    dz_cost = _dz(cst, p0, 0.0, eps, log_form, noise) / (1.0 - rho)  # the same for every unit (log form)
    for r in range(n):
        if not log_form:
            dz_cost = _dz(cst, p0, kx[r], eps, log_form, noise) / (1.0 - rho)
        if _buys(ln_e[r, c] + dz_cost, ln_rest[r, c], shift[r, c], ln_out[r, c], rho):
            keep[buyers] = r
            buyers += 1
    if buyers == 0:
        if log_form:
            a = 1.0 / noise + eps
            return cst / (a - 1.0) if a > 1.0 and cst > 0 else max(p0 - cst, 0.0)
        mean_k = 0.0
        for r in range(n):
            mean_k += kx[r] / max(n, 1)
        return 1.0 / mean_k if mean_k > 0 else max(p0 - cst, 0.0)
    keep = keep[:buyers]
    guess = p0 - cst
    if not guess > 0.0:
        guess = max(cst, 1e-9)
    return _solve_markup(
        guess, p0, cst, ln_e[keep, c], ln_rest[keep, c], shift[keep, c], ln_out[keep, c], X[keep], kx[keep],
        rho, eps, log_form, noise,
    )  # fmt: skip


LN2 = math.log(2.0)


@njit(cache=True)
def _log(x):
    """ln x, exactly 0 at x = 1 without calling log (the same value)."""
    return 0.0 if x == 1.0 else math.log(x)


@njit(cache=True, error_model="numpy")
def _dz(p, p0, kx, eps, log_form, noise):
    """Change of z = W / sigma when an option's price moves from p0 to p."""
    if log_form:
        return -(math.log(max(p, PRICE_FLOOR)) - math.log(max(p0, PRICE_FLOOR))) / noise
    if eps == 0.0:
        return -kx * (p - p0)
    return -kx * PRICE_REF**eps * (p ** (1.0 - eps) - p0 ** (1.0 - eps))


@njit(cache=True, error_model="numpy")
def _buys(le, lr, shift, lo, rho, negligible=-25.0):
    """A unit enters option o's condition if it may buy o, has something else it could choose
    and buys o with a probability above e^-25 (~1e-11) at the price ``le`` is taken at."""
    if le == -np.inf or (lo == -np.inf and lr == -np.inf):
        return False
    # bounds without logarithms (ln_d is max(le, lr) + [0, ln 2], ln_tot likewise): decide at once
    # when they are clear of the threshold by far more than rounding, else compute as below
    m_d = le if lr == -np.inf else max(le, lr)
    w_lo = shift + (1.0 - rho) * m_d
    w_hi = w_lo + (0.0 if lr == -np.inf else (1.0 - rho) * LN2)
    margin = 1e-6 + 1e-12 * (abs(le) + abs(m_d) + abs(shift) + (0.0 if lo == -np.inf else abs(lo)))
    upper = le - m_d if lo == -np.inf else le - m_d + min(0.0, w_hi - lo)
    if upper < negligible - margin:
        return False
    lower = le - m_d - (0.0 if lr == -np.inf else LN2)
    if lo != -np.inf:
        lower += min(0.0, w_lo - lo) - LN2
    if lower > negligible + margin:
        return True
    ln_d = le if lr == -np.inf else max(le, lr) + math.log1p(math.exp(-abs(le - lr)))
    ln_w = shift + (1.0 - rho) * ln_d
    ln_tot = ln_w if lo == -np.inf else max(ln_w, lo) + math.log1p(math.exp(-abs(ln_w - lo)))
    return le - ln_d + ln_w - ln_tot > negligible


@njit(cache=True, error_model="numpy")
def _foc(m, p0, cst, ln_e, ln_rest, shift, ln_out, X, kx, rho, eps, log_form, noise, deriv=True):
    """(h(m), h'(m)) / sum X (see :func:`best_markups`); h > 0 below the optimal markup; h' is
    0 unless ``deriv`` (the bracket needs only the sign).

    With a = -dz/dp, d ln P / dp = -a eta, d P_(o|g) / dp = -a P_(o|g) (1 - P_(o|g)) / (1 - rho),
    d eta / dp = -(rho dP_(o|g) + (1 - rho) dP) / (1 - rho), da/dp = -a / p (log form)."""
    p = cst + m
    if log_form:
        dz = _dz(p, p0, 0.0, eps, log_form, noise)
        dz_rho = dz / (1.0 - rho)  # the same for every unit
        a = 1.0 / (noise * p)
        da = -a / p
    h, dh, norm = 0.0, 0.0, 0.0
    for r in range(X.size):
        if not log_form:
            dz = _dz(p, p0, kx[r], eps, log_form, noise)
            if eps == 0.0:
                a, da = kx[r], 0.0
            else:
                a = kx[r] * (1.0 - eps) * (p / PRICE_REF) ** -eps
                da = -eps * a / p
            dz_rho = dz / (1.0 - rho)
        le1 = ln_e[r] + dz_rho
        lr = ln_rest[r]
        if lr == -np.inf:  # alone in its nest (a closed model): P_(o|g) = 1
            ln_d, cond = le1, 1.0
        else:
            ln_d = max(le1, lr) + math.log1p(math.exp(-abs(le1 - lr)))
            cond = math.exp(le1 - ln_d)
        lo = ln_out[r]
        prob = cond if lo == -np.inf else cond / (1.0 + math.exp(lo - shift[r] - (1.0 - rho) * ln_d))
        eta = (1.0 - rho * cond - (1.0 - rho) * prob) / (1.0 - rho)
        k = eps / p + a * eta
        h += X[r] * prob * (1.0 - m * k)
        norm += X[r]
        if not deriv:
            continue
        dprob = -a * eta * prob
        dcond = -a * cond * (1.0 - cond) / (1.0 - rho)
        deta = -(rho * dcond + (1.0 - rho) * dprob) / (1.0 - rho)
        dk = -eps / (p * p) + da * eta + a * deta
        dh += X[r] * (dprob * (1.0 - m * k) - prob * (k + m * dk))
    if norm <= 0:
        return 0.0, -1.0
    return h / norm, dh / norm


@njit(cache=True, error_model="numpy")
def _solve_markup(guess, p0, cst, ln_e, ln_rest, shift, ln_out, X, kx, rho, eps, log_form, noise, tol=1e-9):
    """Root of the first-order condition h(m) = 0 (h > 0 below it) in t = ln m: a bracket found
    from ``guess`` in steps of 10% that square each time, then Newton steps safeguarded by bisection
    (``rtsafe``, Press et al., Numerical Recipes 9.4): a step that leaves the bracket or does not
    halve it fast enough is a bisection, so flat stretches of the profit (an option priced out of
    its nest) cannot stall it. Profit is quasi-concave in the own price in (nested) logit models,
    so the sign change is the maximiser; without one (demand too inelastic) the markup is capped
    at 10^6 x (cost + 1)."""
    cap = 1e6 * (cst + 1.0)
    floor = 1e-12 * (cst + 1.0)
    args = (p0, cst, ln_e, ln_rest, shift, ln_out, X, kx, rho, eps, log_form, noise)
    m = guess
    f, _ = _foc(m, *args, False)
    lo = hi = m
    step = 1.1  # last month's markup is usually within 10% of this month's: a tight first bracket
    if f > 0:
        while True:
            lo, hi = hi, min(step * hi, cap)
            f_hi, _ = _foc(hi, *args, False)
            if f_hi <= 0:
                break
            if hi >= cap:
                return cap
            step *= step
    else:
        while True:
            lo, hi = max(lo / step, floor), lo
            f_lo, _ = _foc(lo, *args, False)
            if f_lo > 0:
                break
            if lo <= floor:
                return floor
            step *= step
    t_lo, t_hi = math.log(lo), math.log(hi)
    t = 0.5 * (t_lo + t_hi)
    dx_old = dx = t_hi - t_lo
    f, dm = _foc(math.exp(t), *args)
    for _ in range(100):
        df = dm * math.exp(t)  # dh/dt
        if ((t - t_hi) * df - f) * ((t - t_lo) * df - f) > 0.0 or abs(2.0 * f) > abs(dx_old * df):
            dx_old, dx = dx, 0.5 * (t_hi - t_lo)
            t = t_lo + dx
        else:
            dx_old, dx = dx, f / df
            t -= dx
        if abs(dx) < tol:
            break
        f, dm = _foc(math.exp(t), *args)
        if f > 0:
            t_lo = t
        else:
            t_hi = t
    return math.exp(t)
