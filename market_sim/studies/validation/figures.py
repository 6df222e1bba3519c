"""Validation figures: limiting cases against their analytic answers; face validation by arm."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from market_sim.studies.report_helpers import save_figure_at
from market_sim.studies.validation.face import FaceValidation


def plot_convergence(traces: dict, path: Path | None = None) -> Figure:
    """2 x 2: Bertrand prices vs Nash; Bertrand price error by month; Bass curves; leader shares."""
    fig = Figure(figsize=(12, 8.5), dpi=100)
    axes = fig.subplots(2, 2)
    colors = [f"C{i}" for i in range(10)]

    bertrand = traces.get("bertrand", {})
    ax = axes[0, 0]
    if bertrand:
        label = max(bertrand, key=lambda k: len(bertrand[k]["nash"]))
        tr = bertrand[label]
        runs, nash = tr["runs"], tr["nash"]
        months = runs[0]["month"].to_numpy()
        for j, p in enumerate(nash):
            sim = np.mean([ts[f"price_v{j}"].to_numpy(float) for ts in runs], axis=0)
            ax.plot(months, sim, color=colors[j], lw=2, label=f"v{j} simulated")
            ax.axhline(p, color=colors[j], ls="--", lw=1, label=f"v{j} Nash {p:.3f}")
        ax.set_title(f"(a) Logit–Bertrand prices, {label}", fontsize=9)
        ax.legend(fontsize=7, ncol=2)
    ax.set_xlabel("month")
    ax.set_ylabel("price (USD per Mtok)")
    ax.grid(alpha=0.3)

    ax = axes[0, 1]
    for i, (label, tr) in enumerate(bertrand.items()):
        runs, nash = tr["runs"], tr["nash"]
        err = np.mean(
            [
                np.max(np.abs(np.column_stack([ts[f"price_v{j}"] for j in range(len(nash))]) - nash) / nash, axis=1)
                for ts in runs
            ],
            axis=0,
        )
        ax.semilogy(runs[0]["month"], np.maximum(err, 1e-16), color=colors[i], lw=1.5, label=label)
    ax.axhline(0.01, color="k", ls=":", lw=1, label="tolerance 1%")
    ax.set_title("(b) Convergence to Nash: max_j |p_j − p*_j| / p*_j (mean over seeds)", fontsize=9)
    ax.set_xlabel("month")
    ax.set_ylabel("relative price error (−)")
    ax.legend(fontsize=6)
    ax.grid(alpha=0.3)

    ax = axes[1, 0]
    for i, (label, tr) in enumerate(traces.get("bass", {}).items()):
        t = np.arange(1, tr["recursion"].size + 1)
        ax.plot(t, tr["curves"].mean(axis=0), color=colors[i], lw=2, label=label)
        ax.plot(t, tr["recursion"], color=colors[i], ls="none", marker="o", ms=3)
        ax.plot(t, tr["continuous"], color=colors[i], ls=":", lw=1.2)
    style = [
        Line2D([], [], color="grey", lw=2, label="simulated (mean over seeds)"),
        Line2D([], [], color="grey", ls="none", marker="o", ms=3, label="discrete recursion"),
        Line2D([], [], color="grey", ls=":", lw=1.2, label="continuous formula"),
    ]
    first = ax.legend(fontsize=7, loc="lower right")
    ax.add_artist(first)
    ax.legend(handles=style, fontsize=7, loc="center right")
    ax.set_title("(c) Bass diffusion: adopting share F(t)", fontsize=9)
    ax.set_xlabel("month t")
    ax.set_ylabel("adopting share F(t) (fraction of developers)")
    ax.grid(alpha=0.3)

    ax = axes[1, 1]
    for i, (label, tr) in enumerate(traces.get("leader", {}).items()):
        sim = np.mean([p[0] for p in tr["paths"]], axis=0)
        nash = np.mean([p[1] for p in tr["paths"]], axis=0)
        months = np.arange(sim.size)
        tag = "" if tr["premise"] else " (premise fails)"
        ax.plot(months, sim, color=colors[i], lw=2, label=label + tag)
        ax.plot(months, nash, color=colors[i], ls="--", lw=1)
    ax.axhline(0.5, color="k", ls=":", lw=1)
    first = ax.legend(fontsize=7, loc="lower left")
    ax.add_artist(first)
    ax.legend(
        handles=[
            Line2D([], [], color="grey", lw=2, label="simulated (mean over seeds)"),
            Line2D([], [], color="grey", ls="--", lw=1, label="logit-Nash at simulated capabilities"),
            Line2D([], [], color="k", ls=":", lw=1, label="equal shares"),
        ],
        fontsize=7,
        loc="center left",
    )
    ax.set_title("(d) Leader persistence: incumbent's token share", fontsize=9)
    ax.set_xlabel("month")
    ax.set_ylabel("incumbent's share of tokens (fraction)")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)

    fig.suptitle("Limiting cases: simulation vs analytic answers", fontsize=11)
    fig.tight_layout()
    if path is not None:
        save_figure_at(fig, path, dpi=100)
    return fig


def plot_face(face: FaceValidation, path: Path | None = None) -> Figure:
    """1 x 3: developer surplus by arm over time; value share of applications by arm; salaries by vendor."""
    fig = Figure(figsize=(14, 4.3), dpi=100)
    axes = fig.subplots(1, 3)

    ax = axes[0]
    for runs, label, color in [
        (face.open_runs, "open platform (default)", "C0"),
        (face.closed_runs, "proprietary platform", "C3"),
    ]:
        months = runs[0]["month"].to_numpy()
        values = np.vstack([ts["developer_surplus"].to_numpy(float) for ts in runs]) / 1e9
        ax.plot(months, values.mean(axis=0), color=color, lw=2, label=label)
        ax.fill_between(months, values.min(axis=0), values.max(axis=0), color=color, alpha=0.2)
    ax.set_title("(a) Economides & Katsamakas: developer surplus\n(mean, band = min..max over seeds)", fontsize=9)
    ax.set_xlabel("month since 2023-01")
    ax.set_ylabel("developer surplus (USD bn per month)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)

    ax = axes[1]
    econ = face.economides
    arms = list(dict.fromkeys(econ["arm"]))
    x = np.arange(len(arms))
    bottom = np.zeros(len(arms))
    layers = [
        ("value_share_model", "model layer (API and service revenue)"),
        ("value_share_infrastructure", "infrastructure (hosts, self-hosting)"),
    ]
    for i, (col, name) in enumerate(layers):
        means = np.array([econ.loc[econ["arm"] == a, col].mean() for a in arms])
        ax.bar(x, means, 0.5, bottom=bottom, label=name, color=f"C{i + 1}", alpha=0.8)
        bottom = bottom + means
    for xi, a in zip(x, arms, strict=True):
        sub = econ[econ["arm"] == a]
        vals = (sub["value_share_model"] + sub["value_share_infrastructure"]).to_numpy(float)
        ax.plot(np.full(vals.size, xi), vals, "k.", ms=5, label="seeds (total)" if xi == 0 else None)
    for xi, a in zip(x, arms, strict=True):
        share = econ.loc[econ["arm"] == a, "value_share_applications"].mean()
        ax.annotate(
            f"applications: {share:.3f}",
            (xi, bottom[xi]),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=8,
        )
    ax.set_xticks(x, arms, fontsize=8)
    ax.set_ylim(0, 1.6 * max(float(bottom.max()), 1e-3))
    ax.set_ylabel("share of application value (fraction)")
    ax.set_title(
        "(b) Value captured outside the application layer, whole run\n(bars: mean over seeds; "
        "label: application layer's share)",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3, axis="y")

    ax = axes[2]
    car = face.career
    vendors = [c.removeprefix("salary_") for c in car.columns if c.startswith("salary_")]
    arms = list(dict.fromkeys(car["arm"]))
    width = 0.8 / max(1, len(arms))
    for i, a in enumerate(arms):
        vals = [car.loc[car["arm"] == a, f"salary_{v}"].mean() / 1e3 for v in vendors]
        ax.bar(np.arange(len(vendors)) + (i - (len(arms) - 1) / 2) * width, vals, width, label=a, color=f"C{i + 4}")
    ax.set_xticks(np.arange(len(vendors)), vendors, rotation=30, fontsize=8)
    top = np.nanmax(car[[f"salary_{v}" for v in vendors]].to_numpy(float)) / 1e3 if len(car) else np.nan
    if np.isfinite(top):
        ax.set_ylim(0, 1.3 * top)  # bars start at zero; headroom for the legend
    ax.set_ylabel("salary per skill unit (USD thousand per year)")
    ax.set_title(
        f"(c) Lerner & Tirole / Stern: salaries, {face.salary_window[0]}..{face.salary_window[1]}\n(mean over seeds)",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y")

    fig.suptitle("Face validation against the literature (default scenario, paired seeds)", fontsize=11)
    fig.tight_layout()
    if path is not None:
        save_figure_at(fig, path, dpi=100)
    return fig
