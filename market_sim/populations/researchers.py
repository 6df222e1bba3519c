"""Researchers, the talent (C9, C10): a column-wise population.

Each researcher has a heavy-tailed skill z (Pareto, mean 1), a preference for visible/open
work (career concerns, Lerner & Tirole 2002; F9), and a mission fit per vendor. Employer
index ``n_vendors`` is the outside option "academia/community".
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np


@dataclass
class Researchers:
    """The researcher population.

    Attributes:
        skill: z_i, Pareto with shape a, scaled to mean 1.
        visibility_pref: utility of fully open, publishable work (normal).
        mission: (n, vendors) mission fit per vendor (vendor mean + normal noise).
        employer: vendor index, or ``academia`` (= number of vendors).
        salary_usd: annual salary (USD) at the current employer.
    """

    skill: np.ndarray
    visibility_pref: np.ndarray
    mission: np.ndarray
    employer: np.ndarray
    salary_usd: np.ndarray
    academia: int

    @classmethod
    def sample(cls, cfg: dict, mission_fit: np.ndarray, rng: np.random.Generator) -> Researchers:
        n, a = cfg["count"], cfg["skill_pareto_shape"]
        skill = (rng.pareto(a, n) + 1.0) * (a - 1.0) / a
        vis = cfg["visibility_mean"] + cfg["visibility_sigma"] * rng.standard_normal(n)
        mission = mission_fit[None, :] + cfg["mission_sigma"] * rng.standard_normal((n, mission_fit.size))
        academia = mission_fit.size
        return cls(
            skill=skill,
            visibility_pref=vis,
            mission=mission,
            employer=np.full(n, academia, dtype=np.int32),
            salary_usd=skill * cfg["academia_salary_usd"],
            academia=academia,
        )

    def __len__(self) -> int:
        return self.skill.size

    def view(self, i: int) -> MappingProxyType:
        """A read-only snapshot of researcher i."""
        return MappingProxyType(
            {
                "skill": float(self.skill[i]),
                "visibility_pref": float(self.visibility_pref[i]),
                "mission": self.mission[i].copy(),
                "employer": int(self.employer[i]),
                "salary_usd": float(self.salary_usd[i]),
            }
        )

    def headcount(self) -> np.ndarray:
        """Simulated researchers per employer (vendors, then academia)."""
        return np.bincount(self.employer, minlength=self.academia + 1)

    def capacity(self) -> np.ndarray:
        """Sum of skill per employer (vendors, then academia)."""
        return np.bincount(self.employer, weights=self.skill, minlength=self.academia + 1)
