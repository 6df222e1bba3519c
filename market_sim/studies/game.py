"""Empirical game over openness strategies (issue 13; C7, C18, C24): the solver.

Empirical game-theoretic analysis (Wellman 2006; Tuyls et al. 2020): each player (a strategic
vendor) picks one strategy; a *profile* is one strategy per player; its payoffs are estimated by
simulation. This module holds the game and its solution concepts as pure functions of payoff
samples, whoever produced them (simulation in :mod:`market_sim.studies.game_runs`, planted
games in the tests).

Payoff samples use common random numbers: every profile is run on the same seeds, so the gain
of a unilateral deviation of player i from profile s to s' is estimated from paired differences

    g_i(s -> s') = mean_r [u_i(s', r) - u_i(s, r)],   CI = g +- t_{0.975, R-1} sd_r / sqrt(R)

A deviation is *significant* when its CI lies above 0. A profile is a pure Nash equilibrium of
the empirical game when every unilateral deviation has been evaluated and none is significant;
its regret is max_i max_{s'} g_i (Wellman's epsilon).

Mixed equilibrium (complete games only): the mixture sigma minimising Nash's function

    V(sigma) = sum_i sum_{a in A_i} max(0, u_i(a, sigma_-i) - u_i(sigma))^2

(McKelvey & McLennan 1996, "Lyapunov" formulation): V >= 0, and V = 0 exactly at the Nash
equilibria. It is minimised by L-BFGS-B over softmax weights from several starts; the result's
regret max_i max_a [u_i(a, sigma_-i) - u_i(sigma)] is reported, so an approximate answer says
how approximate it is.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

Profile = tuple[int, ...]


@dataclass
class Gain:
    """A unilateral deviation's paired gain (payoff units), with its 95% CI."""

    player: int
    strategy: int
    mean: float
    ci_low: float
    ci_high: float

    @property
    def significant(self) -> bool:
        return self.ci_low > 0


@dataclass
class EmpiricalGame:
    """Players, their strategies and payoff samples per profile.

    ``payoffs[profile]`` is an array (replicates, players): payoff of each player in each
    replicate (the same seeds, in the same order, for every profile).
    """

    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: dict[Profile, np.ndarray] = field(default_factory=dict)

    def __post_init__(self):
        if len(self.players) != len(self.strategies) or not self.players:
            raise ValueError("a game needs one strategy list per player, and at least one player")

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(s) for s in self.strategies)

    def all_profiles(self) -> list[Profile]:
        return list(itertools.product(*(range(n) for n in self.shape)))

    def complete(self) -> bool:
        return all(p in self.payoffs for p in self.all_profiles())

    def mean(self, profile: Profile) -> np.ndarray:
        return self.payoffs[profile].mean(axis=0)

    def deviations(self, profile: Profile) -> list[tuple[int, int, Profile]]:
        """Every unilateral deviation from ``profile``: (player, new strategy, new profile)."""
        out = []
        for i, n in enumerate(self.shape):
            for s in range(n):
                if s != profile[i]:
                    out.append((i, s, profile[:i] + (s,) + profile[i + 1 :]))
        return out

    def gain(self, profile: Profile, player: int, strategy: int) -> Gain:
        other = profile[:player] + (strategy,) + profile[player + 1 :]
        d = self.payoffs[other][:, player] - self.payoffs[profile][:, player]
        mean = float(d.mean())
        if d.size < 2:
            return Gain(player, strategy, mean, -np.inf, np.inf)
        half = float(stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
        return Gain(player, strategy, mean, mean - half, mean + half)

    def gains(self, profile: Profile) -> list[Gain]:
        """Gains of the evaluated unilateral deviations from ``profile``."""
        return [self.gain(profile, i, s) for i, s, q in self.deviations(profile) if q in self.payoffs]

    def fully_probed(self, profile: Profile) -> bool:
        return profile in self.payoffs and all(q in self.payoffs for _, _, q in self.deviations(profile))

    def is_pure_nash(self, profile: Profile) -> bool:
        """All unilateral deviations evaluated and none significantly profitable."""
        return self.fully_probed(profile) and not any(g.significant for g in self.gains(profile))

    def best_deviations(self, profile: Profile) -> dict[int, Gain]:
        """Each player's evaluated unilateral deviation with the largest mean gain (player -> gain)."""
        best: dict[int, Gain] = {}
        for g in self.gains(profile):
            if g.player not in best or g.mean > best[g.player].mean:
                best[g.player] = g
        return dict(sorted(best.items()))

    def regret(self, profile: Profile) -> Gain | None:
        """The largest mean gain of any evaluated unilateral deviation (None if none evaluated)."""
        best = self.best_deviations(profile).values()
        return max(best, key=lambda g: g.mean) if best else None

    def name(self, profile: Profile) -> dict[str, str]:
        return {p: self.strategies[i][s] for i, (p, s) in enumerate(zip(self.players, profile, strict=True))}


def pure_equilibria(game: EmpiricalGame) -> list[Profile]:
    """Evaluated profiles that are pure Nash equilibria of the empirical game."""
    return [p for p in game.payoffs if game.is_pure_nash(p)]


Evaluator = Callable[[Sequence[Profile]], dict[Profile, np.ndarray]]


def deviation_search(game: EmpiricalGame, evaluate: Evaluator, start: Profile, max_profiles: int) -> list[Profile]:
    """Better-response search from ``start``: evaluate the profile and all its unilateral
    deviations; while some deviation is significantly profitable, move to the one with the
    largest gain and repeat. Stops at a pure equilibrium, a revisited profile (a cycle) or when
    ``max_profiles`` profiles are evaluated in the game. Returns the path (last = where it stopped)."""
    path = [start]
    while True:
        current = path[-1]
        missing = [q for q in [current, *(q for _, _, q in game.deviations(current))] if q not in game.payoffs]
        if len(game.payoffs) + len(missing) > max_profiles:
            return path
        if missing:
            game.payoffs.update(evaluate(missing))
        better = [g for g in game.gains(current) if g.significant]
        if not better:
            return path
        best = max(better, key=lambda g: g.mean)
        nxt = current[: best.player] + (best.strategy,) + current[best.player + 1 :]
        if nxt in path:
            return path + [nxt]
        path.append(nxt)


def payoff_tensor(game: EmpiricalGame) -> np.ndarray:
    """Mean payoffs as an array of shape (S_1, ..., S_n, n) (complete games only)."""
    if not game.complete():
        raise ValueError("the mixed equilibrium needs every profile evaluated (a complete game)")
    u = np.empty((*game.shape, len(game.players)))
    for p in game.all_profiles():
        u[p] = game.mean(p)
    return u


def deviation_payoffs(u: np.ndarray, sigma: Sequence[np.ndarray]) -> list[np.ndarray]:
    """u_i(a, sigma_-i) for every player i and pure strategy a (one array per player)."""
    n = len(sigma)
    out = []
    for i in range(n):
        t = u[..., i]
        for j in reversed(range(n)):  # contract the last axes first so indices stay valid
            if j != i:
                t = np.tensordot(t, sigma[j], axes=([j], [0]))
        out.append(t)
    return out


def nash_function(u: np.ndarray, sigma: Sequence[np.ndarray]) -> tuple[float, float]:
    """(V(sigma), regret(sigma)) of the module docstring."""
    dev = deviation_payoffs(u, sigma)
    v, regret = 0.0, 0.0
    for d, s in zip(dev, sigma, strict=True):
        gain = d - float(d @ s)
        v += float(np.sum(np.maximum(gain, 0.0) ** 2))
        regret = max(regret, float(gain.max()))
    return v, regret


def mixed_equilibrium(
    game: EmpiricalGame, starts: int = 20, rng: np.random.Generator | None = None
) -> tuple[list[np.ndarray], float]:
    """Approximate mixed equilibrium (mixture per player, its regret in payoff units) by
    minimising Nash's function from ``starts`` random interior starts (the first is uniform)."""
    u = payoff_tensor(game)
    scale = float(np.abs(u).max()) or 1.0
    u = u / scale  # well-conditioned objective; regret is scaled back
    rng = rng if rng is not None else np.random.default_rng(0)
    sizes = game.shape
    cuts = np.cumsum(sizes)[:-1]

    def unpack(z: np.ndarray) -> list[np.ndarray]:
        out = []
        for part in np.split(z, cuts):
            w = np.exp(part - part.max())
            out.append(w / w.sum())
        return out

    best: tuple[float, list[np.ndarray]] | None = None
    for k in range(starts):
        z0 = np.zeros(sum(sizes)) if k == 0 else rng.normal(0.0, 1.5, sum(sizes))
        res = optimize.minimize(lambda z: nash_function(u, unpack(z))[0], z0, method="L-BFGS-B")
        sigma = unpack(res.x)
        v = nash_function(u, sigma)[0]
        if best is None or v < best[0]:
            best = (v, sigma)
    sigma = best[1]
    return sigma, nash_function(u, sigma)[1] * scale


def profiles_from_names(game: EmpiricalGame, named: Iterable[dict[str, str]]) -> list[Profile]:
    """Profiles from {player: strategy name} dicts (every player named)."""
    out = []
    for d in named:
        out.append(tuple(game.strategies[i].index(d[p]) for i, p in enumerate(game.players)))
    return out
