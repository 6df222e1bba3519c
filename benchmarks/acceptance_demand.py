"""The demand issue's acceptance figures on the default scenario, 5 seeds (run: python benchmarks/acceptance_demand.py).

Prints, per seed and as a mean: margin_closed in 2030; price_closed_small and price_open_large in
mid-2024 (F11 ranges); the final year's total tokens with open vendors vs every vendor closed
(developers.privacy_share = 0); options_per_adopter in 2025.
"""

from __future__ import annotations

import numpy as np

from market_sim import Scenario, run
from market_sim.studies.calibration import calibration_seeds

SEEDS = calibration_seeds(5)


def all_closed(scenario: Scenario) -> Scenario:
    return scenario.with_overrides({f"vendors.{v}.openness": "always_closed" for v in scenario.vendor_ids})


def main() -> None:
    base = Scenario.default().with_overrides({"developers.privacy_share": 0.0})
    rows = []
    for seed in SEEDS:
        ts = run(seed=seed).timeseries
        year = ts["date"].astype(str)
        mid24 = year.isin(["2024-06", "2024-07", "2024-08"])
        open_tokens = run(base, seed=seed).timeseries["tokens_mtok"].iloc[-12:].sum()
        closed_tokens = run(all_closed(base), seed=seed).timeseries["tokens_mtok"].iloc[-12:].sum()
        rows.append(
            (
                ts.loc[year.str.startswith("2030"), "margin_closed"].mean(),
                ts.loc[mid24, "price_closed_small"].mean(),
                ts.loc[mid24, "price_open_large"].mean(),
                open_tokens / closed_tokens - 1.0,
                ts.loc[year.str.startswith("2025"), "options_per_adopter"].mean(),
            )
        )
        print(f"seed {seed}: " + ", ".join(f"{x:.3f}" for x in rows[-1]), flush=True)
    mean = np.mean(rows, axis=0)
    print(
        f"mean over {len(SEEDS)} seeds: margin_closed 2030 {mean[0]:.3f} (< 0.95); price_closed_small mid-2024 "
        f"{mean[1]:.3f} (F11 0.1-0.6); price_open_large mid-2024 {mean[2]:.3f} (F11 1.5-8); final-year tokens, "
        f"open vendors vs all closed (privacy 0): {100 * mean[3]:+.1f}% (>= +5%); options_per_adopter 2025 "
        f"{mean[4]:.3f} (> 1.2)"
    )


if __name__ == "__main__":
    main()
