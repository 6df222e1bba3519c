"""Patterns reproduced and not reproduced, measured on the face-validation runs (section 3 of the report)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from market_sim.studies.calibration.measures import HISTORY, loglinear_decline_per_year, window
from market_sim.studies.validation.face import CLOSED_VENDORS, OPEN_VENDOR, FaceValidation, nanmean, paired_difference


@dataclass(frozen=True)
class Pattern:
    """A pattern with a measured value (median over seeds) and, where there is one, a target range."""

    name: str
    source: str
    measured: float
    spread: tuple[float, float]
    target: tuple[float, float] | None
    unit: str
    how: str

    @property
    def reproduced(self) -> bool | None:
        if self.target is None or not np.isfinite(self.measured):
            return None
        return bool(self.target[0] <= self.measured <= self.target[1])


def pattern_measures(face: FaceValidation) -> list[Pattern]:
    """Stylized patterns measured on the face-validation runs (the default scenario, paired arms)."""

    def stat(values) -> tuple[float, tuple[float, float]]:
        v = np.asarray([x for x in values if np.isfinite(x)], float)
        if v.size == 0:
            return math.nan, (math.nan, math.nan)
        return float(np.median(v)), (float(v.min()), float(v.max()))

    runs = face.open_runs
    out = []
    m, sp = stat([loglinear_decline_per_year(ts, "price_at_ref", *HISTORY) for ts in runs])
    out.append(
        Pattern(
            "price at constant capability falls (F1, F2)",
            "a16z 2024; Epoch AI 2025",
            m,
            sp,
            (5.0, 40.0),
            "x per year",
            "price_at_ref, log-linear fit over 2023-01..2026-06",
        )
    )
    m, sp = stat([nanmean(window(ts, *HISTORY)["lag_months"]) for ts in runs])
    out.append(
        Pattern(
            "open models lag the closed frontier (F3)",
            "Epoch AI 2024, 2026",
            m,
            sp,
            (2.0, 14.0),
            "months",
            "lag_months, mean over 2023-01..2026-06",
        )
    )
    m, sp = stat(
        [
            nanmean(window(ts, "2023-01", "2024-06")["lag_months"])
            - nanmean(window(ts, "2025-01", "2026-06")["lag_months"])
            for ts in runs
        ]
    )
    out.append(
        Pattern(
            "... and the lag shrinks (F3)",
            "Epoch AI 2024, 2026",
            m,
            sp,
            (0.0, math.inf),
            "months",
            "mean lag_months 2023-01..2024-06 minus mean 2025-01..2026-06 (> 0: shrinking)",
        )
    )
    m, sp = stat([nanmean(window(ts, "2024-01", "2024-12")["share_open"]) for ts in runs])
    out.append(
        Pattern(
            "open share of usage ~19% in 2024 (F5)",
            "Menlo Ventures 2024",
            m,
            sp,
            (0.10, 0.30),
            "fraction",
            "share_open, mean over 2024",
        )
    )
    m, sp = stat(face.career[face.career["arm"].str.startswith("default")]["ratio"])
    out.append(
        Pattern(
            "open vendor pays comparable talent less (F9)",
            "Stern 2004",
            m,
            sp,
            (0.75, 0.90),
            "ratio",
            f"salary_{OPEN_VENDOR} / mean salary of {', '.join(CLOSED_VENDORS)}, "
            f"{face.salary_window[0]}..{face.salary_window[1]}",
        )
    )
    d = paired_difference(face.economides, "margin_closed", "open platform (default)", "proprietary platform")
    m, sp = d["mean"], (d["min"], d["max"])
    out.append(
        Pattern(
            "open rivals compress closed margins (C20)",
            "CLAIMS C20",
            m,
            sp,
            (-math.inf, 0.0),
            "Lerner index",
            "margin_closed (mean over months), default minus proprietary arm, mean of paired seeds (< 0: compressed)",
        )
    )
    d = paired_difference(face.economides, "value_share_model", "open platform (default)", "proprietary platform")
    out.append(
        Pattern(
            "value moves away from the model layer (C19)",
            "CLAIMS C19",
            d["mean"],
            (d["min"], d["max"]),
            (-math.inf, 0.0),
            "fraction",
            "value_share_model (value-weighted), default minus "
            "proprietary arm, mean of paired seeds (< 0: less value captured by model vendors)",
        )
    )
    m, sp = stat([float(ts["vendors_material"].iloc[-1]) for ts in runs])
    out.append(
        Pattern(
            "models stay diverse (C16)",
            "CLAIMS C16",
            m,
            sp,
            None,
            "vendors",
            "vendors_material (token share >= 5%) in the final month",
        )
    )
    m, sp = stat([open_fraction(ts, "mistral") for ts in runs if "open_mistral" in ts])
    out.append(
        Pattern(
            "an open-if-trailing vendor opens while behind (C7)",
            "CLAIMS C7",
            m,
            sp,
            None,
            "fraction of months",
            "open_mistral over the months after Mistral's first release (its "
            "openness is decided at each release by open_if_trailing)",
        )
    )
    return out


def open_fraction(ts: pd.DataFrame, vendor: str) -> float:
    """Share of the months after the vendor's first release in which its latest family has an open size.

    A month counts as released if the vendor's latest family is open (``open_<v>``) or its models
    carry tokens (``share_<v>`` > 0: a closed release in use); NaN if it never released.
    """
    released = ts[f"open_{vendor}"].astype(bool) | (ts[f"share_{vendor}"].fillna(0.0) > 0)
    if not released.any():
        return math.nan
    first = int(np.argmax(released.to_numpy()))
    return float(ts[f"open_{vendor}"].astype(float).iloc[first:].mean())
