"""Developers, the adopters (C1, C2, C3, C4, C10, C12, C13): a column-wise population.

Each developer i is a firm or builder of applications. Attributes are drawn once from the
scenario's distributions; state changes monthly. Every array has one entry per developer,
so a month over 10^6 developers is a handful of array operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

NO_OPTION = -1


@dataclass
class Developers:
    """The developer population (n individuals).

    Attributes (fixed):
        volume_mtok: base token volume, Mtok per month (log-normal).
        value_per_mtok: theta_i, USD per Mtok per unit of g(kappa); w_i = volume * theta.
        reconsider_rate: monthly probability of re-evaluating the choice (Beta).
        privacy_bound: cannot use closed cloud APIs (C3).
        size_need: 0 small/on-device, 1 medium, 2 large (C1, C15).
        finetune_need: needs to fine-tune/distil (C1).
        inhouse: in-house ML capability h in [0, 1] (C4, C12).
        lockin_aversion: lock-in aversion relative to its mean (exponential, mean 1): x the scenario's
            mean in kappa-units (linear form) or USD per month (log form) on closed options (C2).
        contribution_propensity: monthly probability an open adopter contributes (C10).
        entry_month: month the developer enters the market (0 = present at start).
    State:
        option: (n, tiers) current option id per task tier, or -1 (no adoption in that tier).
        months_on: (n, tiers) months on the current option of each tier.
        aware: (n, vendors) awareness of each vendor's current family.
        contributions: contributions made so far.
    """

    volume_mtok: np.ndarray
    value_per_mtok: np.ndarray
    reconsider_rate: np.ndarray
    privacy_bound: np.ndarray
    size_need: np.ndarray
    finetune_need: np.ndarray
    inhouse: np.ndarray
    lockin_aversion: np.ndarray
    contribution_propensity: np.ndarray
    entry_month: np.ndarray
    option: np.ndarray
    months_on: np.ndarray
    aware: np.ndarray
    contributions: np.ndarray

    @classmethod
    def sample(cls, cfg: dict, initial_awareness: np.ndarray, rng: np.random.Generator, tiers: int = 1) -> Developers:
        """Draw a population from the ``[developers]`` section.

        ``initial_awareness[v]`` is the probability of knowing vendor v at entry; ``tiers`` the
        number of task tiers (one option per tier).
        """
        n = cfg["count"]
        volume = cfg["volume_mtok_median"] * np.exp(cfg["volume_sigma"] * rng.standard_normal(n))
        theta = cfg["value_per_mtok_median"] * np.exp(cfg["value_sigma"] * rng.standard_normal(n))
        reconsider = beta_with_mean(rng, cfg["reconsider_rate"], cfg["reconsider_concentration"], n)
        privacy = rng.random(n) < cfg["privacy_share"]
        shares = np.asarray(cfg["size_need_shares"], dtype=float)
        size_need = rng.choice(3, size=n, p=shares / shares.sum()).astype(np.int8)
        finetune = rng.random(n) < cfg["finetune_share"]
        inhouse = beta_draw(rng, cfg["inhouse_alpha"], cfg["inhouse_beta"], n)
        lockin = rng.standard_exponential(n)
        contrib = beta_with_mean(rng, cfg["contribution_propensity_mean"], 2.0, n)
        present = rng.random(n) < cfg["initial_active_share"]
        rate = cfg["entry_rate_per_month"]
        later = rng.geometric(rate, n) if rate > 0 else np.full(n, np.iinfo(np.int32).max)
        entry = np.where(present, 0, later).astype(np.int32)
        aware = rng.random((n, initial_awareness.size)) < initial_awareness
        return cls(
            volume_mtok=volume,
            value_per_mtok=theta,
            reconsider_rate=reconsider,
            privacy_bound=privacy,
            size_need=size_need,
            finetune_need=finetune,
            inhouse=inhouse,
            lockin_aversion=lockin,
            contribution_propensity=contrib,
            entry_month=entry,
            option=np.full((n, tiers), NO_OPTION, dtype=np.int32),
            months_on=np.zeros((n, tiers), dtype=np.int32),
            aware=aware,
            contributions=np.zeros(n, dtype=np.int32),
        )

    def __len__(self) -> int:
        return self.volume_mtok.size

    def view(self, i: int) -> MappingProxyType:
        """A read-only snapshot of developer i's attributes and state (for inspection, tests)."""
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)[i]
            out[name] = value.copy() if isinstance(value, np.ndarray) else value.item()
        return MappingProxyType(out)

    @property
    def tiers(self) -> int:
        return self.option.shape[1]

    def adopting(self) -> np.ndarray:
        """Boolean mask of developers on an option in at least one tier."""
        if self.tiers == 0:
            return np.zeros(len(self), bool)
        out = self.option[:, 0] >= 0
        for tau in range(1, self.tiers):  # column by column: numpy's any(axis=1) over 3 columns is slow
            out |= self.option[:, tau] >= 0
        return out

    def active(self, month: int) -> np.ndarray:
        """Boolean mask of developers in the market at ``month``."""
        return self.entry_month <= month


def beta_with_mean(rng: np.random.Generator, mean: float, concentration: float, n: int) -> np.ndarray:
    """Beta draws with the given mean and concentration a + b; concentration 0 = no spread."""
    if concentration <= 0 or mean <= 0 or mean >= 1:
        return np.full(n, float(mean))
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)


def beta_draw(rng: np.random.Generator, a: float, b: float, n: int) -> np.ndarray:
    """Beta(a, b); a parameter of 0 puts all mass at the opposite end (a=0 -> 0, b=0 -> 1)."""
    if a <= 0:
        return np.zeros(n) if b > 0 else np.full(n, 0.5)
    if b <= 0:
        return np.ones(n)
    return rng.beta(a, b, n)
