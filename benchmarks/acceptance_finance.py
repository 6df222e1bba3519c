"""The finance issue's acceptance figures, 5 calibration seeds (run: python benchmarks/acceptance_finance.py).

Prints, per seed and in total:

1. Meta's cumulative training cost (sum of ``training_cost_meta``) with Meta always open vs always
   closed; the ratio must lie within 25% of 1.
2. Whether Mistral exits before the end with ``vendors.mistral.cash_usd = 2e7`` and
   ``vendors.mistral.funding_usd = 0`` (at least 4 of 5 seeds).
3. The closed labs' (OpenAI, Anthropic, xAI) cumulative profit before funding over 2024-2025 in the
   default (negative: they need outside funding), and the funding they raised then.
4. A scenario with one scheduled entrant (``newco``, month 24, the default's entrants replaced):
   ``vendors_active`` before and at its month, and its share, price and revenue from then on.
"""

from __future__ import annotations

import numpy as np

from market_sim import Scenario, run
from market_sim.studies.calibration import calibration_seeds

SEEDS = calibration_seeds(5)
CLOSED_LABS = ("openai", "anthropic", "xai")
ENTRANT = """
[[entrants]]
id = "newco"
month = 24
name = "NewCo"
cash_usd = 5.0e9
funding_usd = 1.0e10
initial_capability = 5.5
initial_researchers = 100
initial_awareness = 0.2
first_release_month = 24
pricing = { strategy = "best_response" }
openness = "always_closed"
rnd = { strategy = "committed", compute_usd_per_month = 3.0e8 }
hiring = "planned"
"""


def main() -> None:
    base = Scenario.default()
    ratios, exits = [], []
    for seed in SEEDS:
        open_ = run(base.with_overrides({"vendors.meta.openness": "always_open"}), seed=seed).timeseries
        closed = run(base.with_overrides({"vendors.meta.openness": "always_closed"}), seed=seed).timeseries
        ratios.append(open_["training_cost_meta"].sum() / closed["training_cost_meta"].sum())
        poor = base.with_overrides({"vendors.mistral.cash_usd": 2e7, "vendors.mistral.funding_usd": 0.0})
        ts = run(poor, seed=seed).timeseries
        exited = bool((ts["exits"] > 0).any()) and ts["cash_mistral"].iloc[-1] < 0
        exits.append(exited)
        print(
            f"seed {seed}: Meta training cost open {open_['training_cost_meta'].sum() / 1e9:.2f} bn, closed "
            f"{closed['training_cost_meta'].sum() / 1e9:.2f} bn, ratio {ratios[-1]:.3f}; poor Mistral exits: {exited}"
            + (f" (month {int(np.argmax(ts['exits'].to_numpy() > 0))})" if exited else ""),
            flush=True,
        )
    print(
        f"1. Meta open/closed cumulative training cost: mean ratio {np.mean(ratios):.3f}, range "
        f"{min(ratios):.3f}-{max(ratios):.3f} (within 0.75-1.25: {all(0.75 <= r <= 1.25 for r in ratios)})"
    )
    print(f"2. Mistral (cash 2e7, funding 0) exits before the end in {sum(exits)} of {len(SEEDS)} seeds (>= 4)")

    for seed in SEEDS:
        ts = run(base, seed=seed).timeseries
        window = ts["date"].astype(str).str[:4].isin(["2024", "2025"])
        parts = [
            f"{v} profit {ts.loc[window, f'profit_{v}'].sum() / 1e9:+.2f} bn, funding "
            f"{ts.loc[window, f'funding_{v}'].sum() / 1e9:.2f} bn"
            for v in CLOSED_LABS
        ]
        print(f"3. seed {seed}, 2024-2025 before funding: " + "; ".join(parts), flush=True)

    scenario = Scenario.from_toml(ENTRANT)  # the file's entrants replace the default's
    ts = run(scenario, seed=SEEDS[0]).timeseries
    at = 24
    print(
        f"4. one entrant at month {at}: vendors_active {ts['vendors_active'].iloc[at - 1]} -> "
        f"{ts['vendors_active'].iloc[at]}, entries {ts['entries'].iloc[at - 1]} -> {ts['entries'].iloc[at]}; "
        f"share_newco months {at}..{at + 5}: {np.round(ts['share_newco'].iloc[at : at + 6].to_numpy(), 3).tolist()}; "
        f"price_newco: {np.round(ts['price_newco'].iloc[at : at + 6].to_numpy(), 2).tolist()}; "
        f"revenue_newco (USD M): {np.round(ts['revenue_newco'].iloc[at : at + 6].to_numpy() / 1e6, 1).tolist()}; "
        f"before entry share {ts['share_newco'].iloc[:at].max()}, revenue {ts['revenue_newco'].iloc[:at].max()}"
    )


if __name__ == "__main__":
    main()
