"""The scenario-discovery report: tables, the peeling trajectory and the region scatter per claim."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from market_sim.studies.discovery import ClaimRegion, DiscoverySetup, holds_summary


def peeling_figure(region: ClaimRegion, path: Path) -> None:
    """Coverage vs density along PRIM's peeling trajectory, coloured by restricted dimensions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from market_sim.plots import save_figure

    traj = region.box.trajectory
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    if len(traj):
        sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=18)
        bar = fig.colorbar(sc, ax=ax, label="restricted parameters")
        bar.locator = MaxNLocator(integer=True)  # a count of parameters: whole-number ticks
        bar.update_ticks()
        ax.scatter(
            [region.box.coverage],
            [region.box.density],
            s=120,
            facecolors="none",
            edgecolors="red",
            label="box reported",
        )
        ax.legend(loc="lower left", fontsize=8)
    ax.axhline(region.box.base_density, color="gray", linewidth=0.8, linestyle=":")
    ax.set_xlabel("coverage (share of holding points inside the box)")
    ax.set_ylabel("density (share of points inside that hold)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{region.claim.id}: PRIM peeling trajectory", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def top_dimensions(region: ClaimRegion) -> list[str]:
    """The two parameters to plot: CART's most important, then the box's, then the first ones."""
    order = [k for k, v in region.importance.items() if v > 0]
    order += [k for k in region.box.bounds.index if k not in order]
    order += [k for k in region.claim.parameters if k not in order]
    return order[:2]


def scatter_figure(region: ClaimRegion, path: Path) -> None:
    """Points in the two most important parameters: holds vs not, with the PRIM box."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from market_sim.labels import label
    from market_sim.plots import save_figure

    kx, ky = top_dimensions(region)
    pts = region.points
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    holds = pts["holds"].to_numpy(bool)
    ax.scatter(pts.loc[~holds, kx], pts.loc[~holds, ky], marker="x", color="gray", label="does not hold", s=22)
    ax.scatter(pts.loc[holds, kx], pts.loc[holds, ky], marker="o", color="tab:blue", label="holds (95% CI)", s=22)
    space, bounds = region.box.space, region.box.bounds
    if region.box.n:
        lo = [bounds.loc[k, "low"] if k in bounds.index else space.loc[k, "low"] for k in (kx, ky)]
        hi = [bounds.loc[k, "high"] if k in bounds.index else space.loc[k, "high"] for k in (kx, ky)]
        ax.add_patch(Rectangle((lo[0], lo[1]), hi[0] - lo[0], hi[1] - lo[1], fill=False, color="red", label="PRIM box"))
    ax.set_xlabel(label(kx))
    ax.set_ylabel(label(ky))
    ax.legend(fontsize=8, loc="best")
    ax.set_title(f"{region.claim.id}: where it holds ({holds.mean():.0%} of {len(pts)} points)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def write_report(regions: list[ClaimRegion], setup: DiscoverySetup, out: Path, seconds: float) -> str:
    """``out/discovery.md``, ``summary.csv``, ``boxes.csv``, per claim ``<id>_points.csv`` and two figures."""
    out.mkdir(parents=True, exist_ok=True)
    summary = holds_summary(regions)
    summary.to_csv(out / "summary.csv", index=False)
    region_table(regions).to_csv(out / "boxes.csv", index=False)
    lines = []
    if setup.quick:
        lines += [f"**Preview (quick mode, {setup.points} points x {setup.seeds} seeds): regions may change.**", ""]
    budgets = {r.claim.id: setup.budget(r.claim) for r in regions}
    lines += [
        "# Scenario discovery: where each claim holds",
        "",
        "A Latin hypercube per claim over its `assumption` parameters; at each point the claim's two arms on "
        f"common seeds (points x seeds per claim in the table; {setup.developers:,} developers"
        + (f", {setup.months} months" if setup.months else ", full horizon")
        + f"); holds = the paired mean's 95% CI on the predicted side. PRIM box (EMA Workbench), CART second "
        f"view. This invocation took {seconds / 60:.1f} min (runs already in the output folder are reused, "
        "not re-run).",
        "",
        "| claim | points x seeds | holds at | where (PRIM box) |",
        "|---|---|---|---|",
    ]
    for r in regions:
        points, seeds = budgets[r.claim.id]
        lines.append(
            f"| {r.claim.id} | {points} x {seeds} | {r.points['holds'].mean():.0%} of {len(r.points)} | "
            f"{r.box.describe()} |"
        )
    for r in regions:
        cid = r.claim.id
        r.points.to_csv(out / f"{cid}_points.csv")
        peeling_figure(r, out / f"{cid}_peeling.png")
        scatter_figure(r, out / f"{cid}_scatter.png")
        sign = ">" if r.claim.predicted > 0 else "<"
        arms = f"a = {r.claim.arm_a or 'the scenario'}; b = {r.claim.arm_b or 'the scenario'}"
        lines += [
            "",
            f"## {cid}: {r.claim.statement}",
            "",
            f"Outcome: {r.claim.reduce.replace('_', ' ')} of `{r.claim.outcome}`, predicted a − b {sign} 0 ({arms}).",
            f"Sampled: {', '.join(f'`{k}` [{lo:g}, {hi:g}]' for k, (lo, hi) in r.claim.parameters.items())}.",
            "",
            r.sentence(),
            "",
            "CART importances: "
            + (", ".join(f"`{k}` {v:.2f}" for k, v in r.importance.items() if v > 0) or "none (all points alike)")
            + ".",
            "",
            f"![{cid} peeling trajectory]({cid}_peeling.png) ![{cid} region]({cid}_scatter.png)",
        ]
        finite = r.points["mean"].to_numpy(float)
        if np.isfinite(finite).any():
            lines.append("")
            lines.append(
                f"Paired effect over points: median {np.nanmedian(finite):.4g}, "
                f"range {np.nanmin(finite):.4g} to {np.nanmax(finite):.4g}."
            )
    text = "\n".join(lines) + "\n"
    (out / "discovery.md").write_text(text)
    return text


def region_table(regions: list[ClaimRegion]) -> pd.DataFrame:
    """The PRIM boxes as a table: claim, parameter, low, high (restricted parameters only)."""
    rows = [
        {"claim": r.claim.id, "parameter": k, "low": row["low"], "high": row["high"]}
        for r in regions
        for k, row in r.box.bounds.iterrows()
    ]
    return pd.DataFrame(rows, columns=["claim", "parameter", "low", "high"])
