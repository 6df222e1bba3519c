"""Do model sizes and fine-tuning needs shape adoption? (C1, C15)

Meta releasing three sizes (8B/70B/405B-like) vs only the large one, with the share of
developers who must fine-tune or distil swept. C15: several sizes win deployment-constrained
developers; C1: the need to fine-tune favours open weights over closed APIs that allow it
only partly.
"""

import tomllib
from pathlib import Path

import numpy as np

from market_sim.analysis.plots import plot_over_time
from market_sim.analysis.summary import t_interval
from market_sim.studies.experiment import Effect, final_mean

NAME = "sizes"
QUESTION = (
    "Must a foundation model come in several sizes to meet deployment needs, and does the need to fine-tune "
    "and distil pull developers to open weights?"
)
CLAIMS = {
    "C15": "several sizes win adoption: Meta's token share (final year), all_sizes - large_only > 0 at every "
    "fine-tuning share",
    "C1": "the need to fine-tune favours open weights: share_open (final year) at the highest - lowest fine-tuning "
    "share > 0 in each arm (paired on replicate)",
}
SPEC = Path(__file__).parent / "specs" / "sizes.toml"


def specs(quick: bool) -> dict[str, dict]:
    raw = tomllib.loads(SPEC.read_text())
    if quick:
        raw["sweep"].update(replicates=4, months=48)
        raw["parameters"] = {
            "developers.finetune_share": [0.05, 0.4],
            "developers.count": [2000],
            "researchers.count": [600],
        }
    return {"main": raw}


def label(run) -> str:
    return f"fine-tune share {run['developers.finetune_share']:g}"


def analyze(ctx) -> None:
    c15 = ctx.paired("C15", "main", "share_meta", final_mean("share_meta"), "all_sizes", "large_only", label)
    ctx.verdict("C15", c15, predicted=+1)

    values = ctx.outcome("main", final_mean("share_open"))
    key = "developers.finetune_share"
    low, high = values[key].min(), values[key].max()
    effects = []
    for arm, group in values.groupby("arm"):
        wide = group.pivot_table(index="replicate", columns=key, values="value")
        d = (wide[high] - wide[low]).dropna()
        lo, hi = t_interval(np.array([d.mean()]), np.array([d.std(ddof=1)]), np.array([d.size]))
        effects.append(
            Effect("C1", "share_open", f"share {high:g}", f"share {low:g}", arm, d.size, d.mean(), lo[0], hi[0])
        )
    ctx.effects += effects
    ctx.verdict("C1", effects, predicted=+1)

    runs, ts = ctx.results["main"].runs, ctx.timeseries("main")
    fig = plot_over_time(
        runs,
        ts,
        "share_meta",
        by="arm",
        units={"share_meta": "Meta's token share (fraction)"},
        title="Meta's token share: three sizes vs large only (mean, 95% CI)",
    )
    ctx.figure(fig, "share_meta.png", "Meta's token share over time per arm; bands: 95% CI over seeds and points")
    fig = plot_over_time(
        runs,
        ts,
        "share_open",
        by="arm",
        units={"share_open": "open-weight token share (fraction)"},
        title="Open-weight token share by arm (mean, 95% CI)",
    )
    ctx.figure(fig, "share_open.png", "Open-weight token share over time per arm; bands: 95% CI over seeds and points")
    ctx.text.append(
        "Each developer chooses one option per task tier (multi-homing across tiers only, ODD 8 f); a firm that "
        "distils a small model for devices beside a large one in the cloud (C1's 'distil down') buys the two as "
        "two tiers' options, not as one model and its derivative (F10)."
    )
